# `vmlab place` (VM placement, the lecture's cloud part): the CLI against
# goldens and bad input, and a benchmark of the exact solver's reach.
$(BUILD)/place_bench: tests/cloud/place_bench.c $(BUILD)/libmon_cloud.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libmon_cloud.a $(LDFLAGS_SAN)

ALL_TARGETS += $(BUILD)/place_bench
TEST_STEPS += cloud-place
BENCH_STEPS += bench-place
GOLDEN_STEPS += golden-place
cloud-place: $(BUILD)/vmlab
	tests/cloud/place.sh $(BUILD)/vmlab $(BUILD)/test-out/place
golden-place: $(BUILD)/vmlab
	UPDATE_GOLDEN=1 tests/cloud/place.sh $(BUILD)/vmlab $(BUILD)/test-out/place
bench-place: $(BUILD)/place_bench
	$(BUILD)/place_bench
.PHONY: cloud-place golden-place bench-place
