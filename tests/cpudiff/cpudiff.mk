# cpudiff: differential test of the CPU core against the host CPU.
$(BUILD)/cpudiff: tests/cpudiff/cpudiff.c $(LIBS_cpu)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(LIBS_cpu) $(LDFLAGS_SAN) $(LDLIBS)

ALL_TARGETS += $(BUILD)/cpudiff
TEST_STEPS += cpudiff
cpudiff: $(BUILD)/cpudiff
	$(BUILD)/cpudiff --seed 1 --cases 100000
.PHONY: cpudiff
