# cpudiff: differential test of the CPU core against the host CPU.
CPUDIFF_SRC := $(wildcard tests/cpudiff/*.c)
$(BUILD)/cpudiff: $(CPUDIFF_SRC) tests/cpudiff/cpudiff.h $(LIBS_cpu)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(CPUDIFF_SRC) $(LIBS_cpu) $(LDFLAGS_SAN) $(LDLIBS)

ALL_TARGETS += $(BUILD)/cpudiff
TEST_STEPS += cpudiff
cpudiff: $(BUILD)/cpudiff
	$(BUILD)/cpudiff --seed 1 --cases 100000
.PHONY: cpudiff
