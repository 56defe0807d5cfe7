# tests/e2e/readme.mk — the README's example trace (issue 11): generated, never stale.
#
#   make e2e-readme      README.md's example command, run: its trace must be the one the README shows
#   make readme-update   rewrite that trace in README.md (part of `make golden`; review the diff)

e2e-readme: $(VMLAB) e2e-gold-guest
	@tests/e2e/readme.sh $(VMLAB) $(E2E_GOLD_KERNEL) $(E2E_GOLD_INITRD) $(E2E_OUT)

readme-update: $(VMLAB) e2e-gold-guest
	@tests/e2e/readme.sh --update $(VMLAB) $(E2E_GOLD_KERNEL) $(E2E_GOLD_INITRD) $(E2E_OUT)

TEST_STEPS += e2e-readme
GOLDEN_STEPS += readme-update
.PHONY: e2e-readme readme-update
