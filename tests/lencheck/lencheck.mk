# lencheck: decoder lengths against capstone over real binaries.
$(BUILD)/lencheck: tests/lencheck/lencheck.c $(LIBS_cpu)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(LIBS_cpu) $(LDFLAGS_SAN) $(LDLIBS)

ALL_TARGETS += $(BUILD)/lencheck
TEST_STEPS += lencheck
# a bounded subset (about 600k instructions, ~1 s under ASan): the toolchain
# and shell every machine that builds vmlab has. The full run over /usr/bin:
# `build/lencheck` with no arguments.
LENCHECK_FILES = $(sort $(realpath /usr/bin/make /usr/bin/bash /usr/bin/ls /usr/bin/as /usr/bin/ld /usr/bin/objdump /usr/bin/gcc))
lencheck: $(BUILD)/lencheck
	$(BUILD)/lencheck $(LENCHECK_FILES)
.PHONY: lencheck
