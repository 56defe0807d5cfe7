# tests/multivm/multivm.mk — several VMs on one host (issue 15; docs/multi-vm.md).
#
#   make multivm-run           vmlab run --vm ...: each VM's serial output as alone, kernel B
#                              (the strict-x86 demo kernel) beside guestos, a VM that triple-faults,
#                              hangs, loops on one faulting instruction or panics stops alone, the
#                              TLB flushed at each VM switch, --vm-file, one trace of every VM,
#                              bad --vm specs (one line, status 2)
#   make multivm-golden        stdout and stderr of one two-kernel run vs tests/multivm/golden/
#   make multivm-golden-update regenerate that golden (review the diff!)
#   make multivm-overcommit    two guestos VMs overcommitted on one machine RAM (--machine-mem):
#                              output as alone, isolation with shared frames, the double-paging
#                              demo with/without balloon and sharing vs its golden
#                              (make multivm-overcommit-update regenerates it)
# The scheduler's shares and determinism: tests/unit/test_monitor_sched.c.

MV_OUT := $(BUILD)/tests/multivm
MV_VMLAB := $(BUILD)/vmlab
MV_KERNEL ?= $(BUILD)/guestos/kernel.elf
MV_INITRD ?= $(BUILD)/guestos/initrd.pack
MV_STRICT := $(LABS_STRICT)
MV_STUCK := $(BUILD)/tests/e2e/user-stuck.elf
MV_BAD_DEF_triple := -DCASE_TRIPLE
MV_BAD_DEF_spin := -DCASE_SPIN
MV_PAT_A := 0x5ca77e2ed0a0a0a0ull
MV_PAT_B := 0x5ca77e2ed0b0b0b0ull
MV_BAD_DEF_scana := -DCASE_SCAN -DSCAN_OWN=$(MV_PAT_A) -DSCAN_OTHER=$(MV_PAT_B)
MV_BAD_DEF_scanb := -DCASE_SCAN -DSCAN_OWN=$(MV_PAT_B) -DSCAN_OTHER=$(MV_PAT_A)
MV_BAD_DEF_scanself := -DCASE_SCAN -DSCAN_OWN=$(MV_PAT_A) -DSCAN_OTHER=$(MV_PAT_A)
MV_BAD := $(patsubst %,$(MV_OUT)/bad-%.elf,triple spin scana scanb scanself)
$(MV_OUT)/bad-%.elf: tests/multivm/bad.c $(E2E_BARE_DEPS)
	@mkdir -p $(dir $@)
	gcc $(E2E_BARE_CFLAGS) $(MV_BAD_DEF_$*) -o $@ $<
ALL_TARGETS += $(MV_BAD)
MV_DEPS := $(MV_VMLAB) $(MV_KERNEL) $(MV_INITRD) $(MV_STRICT) $(MV_STUCK) $(MV_BAD)

multivm-run: $(MV_DEPS)
	@tests/multivm/multivm.sh $(MV_VMLAB) $(MV_KERNEL) $(MV_INITRD) $(MV_OUT) $(MV_STRICT) $(MV_OUT) $(MV_STUCK)

# The golden run: two guestos VMs (pingpong, hello) and lab 12's strict-x86 demo
# kernel beside them, shares 1:3:2.
MV_GOLDEN_ARGS = --vm name=a,kernel=$(MV_KERNEL),module=$(MV_INITRD),mem=8M,cmdline=run=pingpong,share=1 \
  --vm name=b,kernel=$(MV_KERNEL),module=$(MV_INITRD),mem=8M,cmdline=run=hello,share=3 \
  --vm name=strict,kernel=$(MV_STRICT),module=/dev/null,mem=4M,share=2
multivm-golden: $(MV_DEPS)
	@mkdir -p $(MV_OUT)
	@$(MV_VMLAB) run $(MV_GOLDEN_ARGS) >$(MV_OUT)/golden.txt 2>&1; echo "status $$?" >>$(MV_OUT)/golden.txt
	@if cmp -s tests/multivm/golden/three-vms.txt $(MV_OUT)/golden.txt; then \
	  echo "ok   multivm golden three-vms"; \
	else echo "FAIL multivm golden three-vms:"; diff -u tests/multivm/golden/three-vms.txt $(MV_OUT)/golden.txt; exit 1; fi
multivm-golden-update: $(MV_DEPS)
	@mkdir -p tests/multivm/golden
	@$(MV_VMLAB) run $(MV_GOLDEN_ARGS) >tests/multivm/golden/three-vms.txt 2>&1; \
	  echo "status $$?" >>tests/multivm/golden/three-vms.txt
	@echo "regenerated tests/multivm/golden/three-vms.txt (review the diff)"

# Several VMs overcommitted on one host (--machine-mem with --vm): tests/multivm/overcommit.sh.
MV_OC_GOLDEN := tests/multivm/golden/overcommit-demo.txt
multivm-overcommit: $(MV_VMLAB) $(MV_KERNEL) $(MV_INITRD)
	@tests/multivm/overcommit.sh $(MV_VMLAB) $(MV_KERNEL) $(MV_INITRD) $(MV_OUT)/oc $(MV_OC_GOLDEN)
multivm-overcommit-update: $(MV_VMLAB) $(MV_KERNEL) $(MV_INITRD)
	@UPDATE_GOLDEN=1 tests/multivm/overcommit.sh $(MV_VMLAB) $(MV_KERNEL) $(MV_INITRD) $(MV_OUT)/oc $(MV_OC_GOLDEN)

TEST_STEPS += multivm-run multivm-golden multivm-overcommit
GOLDEN_STEPS += multivm-golden-update multivm-overcommit-update
.PHONY: multivm-run multivm-golden multivm-golden-update multivm-overcommit multivm-overcommit-update
