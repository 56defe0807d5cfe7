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

# `vmlab migrate` (live migration): demos migrated part-way keep QEMU's output,
# two processes over a Unix socket, report goldens (converging, round limit).
# The goldens hold instruction counts: defined against the -O2 guest (e2e-gold-guest).
TEST_STEPS += cloud-migrate
GOLDEN_STEPS += golden-migrate
cloud-migrate: $(BUILD)/vmlab e2e-gold-guest
	tests/cloud/migrate.sh $(BUILD)/vmlab $(E2E_GOLD_KERNEL) $(E2E_GOLD_INITRD) $(BUILD)/test-out/migrate
golden-migrate: $(BUILD)/vmlab e2e-gold-guest
	UPDATE_GOLDEN=1 tests/cloud/migrate.sh $(BUILD)/vmlab $(E2E_GOLD_KERNEL) $(E2E_GOLD_INITRD) $(BUILD)/test-out/migrate
.PHONY: cloud-migrate golden-migrate
