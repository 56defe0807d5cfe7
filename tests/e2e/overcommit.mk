# tests/e2e/overcommit.mk — `vmlab run --machine-mem` (overcommit, double paging):
#   make e2e-overcommit   demos in 1M of frames keep QEMU's output; the swap demo's
#                         double-paging counts and trace window against goldens
# The goldens hold instruction counts: defined against the -O2 guest (e2e-gold-guest).
TEST_STEPS += e2e-overcommit
GOLDEN_STEPS += golden-overcommit
e2e-overcommit: $(BUILD)/vmlab e2e-gold-guest
	@tests/e2e/overcommit.sh $(BUILD)/vmlab $(E2E_GOLD_KERNEL) $(E2E_GOLD_INITRD) $(BUILD)/test-out/overcommit
golden-overcommit: $(BUILD)/vmlab e2e-gold-guest
	@UPDATE_GOLDEN=1 tests/e2e/overcommit.sh $(BUILD)/vmlab $(E2E_GOLD_KERNEL) $(E2E_GOLD_INITRD) $(BUILD)/test-out/overcommit
.PHONY: e2e-overcommit golden-overcommit
