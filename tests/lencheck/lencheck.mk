# lencheck: decoder lengths against capstone over real binaries.
$(BUILD)/lencheck: tests/lencheck/lencheck.c $(LIBS_cpu)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(LIBS_cpu) $(LDFLAGS_SAN) $(LDLIBS)

ALL_TARGETS += $(BUILD)/lencheck
TEST_STEPS += lencheck
# a bounded subset: a few binaries every machine that builds vmlab has
lencheck: $(BUILD)/lencheck
	$(BUILD)/lencheck /usr/bin/make /usr/bin/bash /usr/bin/ls
.PHONY: lencheck
