# tests/modes/modes.mk — the MMU modes side by side (issue 6; monitor/vmm/modes.h).
#
#   make modes-demo-<mode>-<demo>  a guestos demo under --mmu=swtlb / nested / --paravirt;
#                                  serial output == tests/guest/expected/<demo>.out
#   make modes-demos               all of them
#   make modes-golden-<name>       one TLB miss (or hypercall) per mode vs tests/modes/golden/
#   make modes-golden              regenerate those goldens (review the diff!)
#   make modes-strict              the strict-x86 demo: right when trapped, wrong + explained without
#   make modes-compare             vmlab compare: formats, agreement, plausibility, bad input
# The nested walk's reference count is asserted by tests/unit/test_shadow_nested.c.

MODES_OUT := $(BUILD)/tests/modes
MODES_VMLAB := $(BUILD)/vmlab
MODES_KERNEL ?= $(BUILD)/guestos/kernel.elf
MODES_INITRD ?= $(BUILD)/guestos/initrd.pack
MODES_BARE_CFLAGS := -ffreestanding -fno-pic -no-pie -nostdlib -static -mno-red-zone \
  -fno-stack-protector -fno-asynchronous-unwind-tables -O2 -I. -Wall -Wextra -Werror \
  -Wl,--build-id=none -Wl,-T,tests/e2e/bare/bare.ld -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack

# The strict-x86 demo kernel is lab 12's (labs/labs.mk builds $(LABS_STRICT) with these flags).

# Every mode runs every demo (swaptest ~10 s under swtlb/nested: a port exit per
# disk word; ~1 s under paravirt's disk hypercalls). Shadow's own runs are
# tests/e2e's e2e-demo-*.
MODES_ALL_DEMOS := hello pagetouch spawn cpubench misbehave pingpong ulibtest swaptest
MODES_OPTS_swtlb := --mmu=swtlb
MODES_OPTS_nested := --mmu=nested
MODES_OPTS_paravirt := --paravirt
MODES_DEMOS_swtlb := $(MODES_ALL_DEMOS)
MODES_DEMOS_nested := $(MODES_ALL_DEMOS)
MODES_DEMOS_paravirt := $(MODES_ALL_DEMOS)

define modes_demo_rule
modes-demo-$(1)-$(2): $$(MODES_VMLAB) $$(MODES_KERNEL) $$(MODES_INITRD)
	@tests/modes/demos.sh $$(MODES_VMLAB) $$(MODES_KERNEL) $$(MODES_INITRD) $$(MODES_OUT) "$$(MODES_OPTS_$(1))" $(2) "$$(GUEST_CMD_$(2))"
MODES_DEMO_STEPS += modes-demo-$(1)-$(2)
endef
$(foreach m,swtlb nested paravirt,$(foreach d,$(MODES_DEMOS_$(m)),$(eval $(call modes_demo_rule,$(m),$(d)))))

# misbehave-hello interleaves two programs by the timer: compare per stream as tests/guest does.
define modes_streams_rule
modes-demo-$(1)-misbehave-hello: $$(MODES_VMLAB) $$(MODES_KERNEL) $$(MODES_INITRD)
	@mkdir -p $$(MODES_OUT)
	@o=$$(MODES_OUT)/$(1).misbehave-hello; $$(MODES_VMLAB) run $$(MODES_OPTS_$(1)) --kernel $$(MODES_KERNEL) \
	  --module $$(MODES_INITRD) --mem 64M --cmdline "$$(GUEST_CMD_misbehave-hello)" --max-insns 2000000000 \
	  >$$$$o.out 2>$$$$o.err || { echo "FAIL modes demo misbehave-hello ($$(MODES_OPTS_$(1))): status $$$$?"; exit 1; }; \
	for s in kernel misbehave hello; do \
	  grep "^\[*$$$$s" tests/guest/expected/misbehave-hello.out >$$$$o.want; grep "^\[*$$$$s" $$$$o.out >$$$$o.got; \
	  cmp -s $$$$o.want $$$$o.got || { echo "FAIL modes demo misbehave-hello ($$(MODES_OPTS_$(1))): stream $$$$s differs"; exit 1; }; \
	done; echo "ok   modes demo misbehave-hello ($$(MODES_OPTS_$(1))): each stream identical to QEMU"
MODES_DEMO_STEPS += modes-demo-$(1)-misbehave-hello
endef
$(foreach m,swtlb nested paravirt,$(eval $(call modes_streams_rule,$(m))))

modes-demos:
	@set -e; for t in $(MODES_DEMO_STEPS); do $(MAKE) --no-print-directory $$t; done

# Golden windows: one TLB miss in each mode (shadow's is tests/e2e's hidden-fault).
MODES_GOLDENS := swtlb-miss nested-miss paravirt-miss paravirt-hypercall
MODES_GOLD_CMD_swtlb-miss := run=hello
MODES_GOLD_OPT_swtlb-miss := --mmu=swtlb --trace-after upcall\#6 --trace-categories tlb,shadow,fault,syscall --trace-limit 11
MODES_GOLD_CMD_nested-miss := run=hello
MODES_GOLD_OPT_nested-miss := --mmu=nested --trace-after tlb_miss@app\#2 --trace-categories tlb,shadow --trace-limit 8
MODES_GOLD_CMD_paravirt-miss := run=hello
MODES_GOLD_OPT_paravirt-miss := --paravirt --trace-after tlb_install@app --trace-categories tlb,shadow --trace-limit 13
MODES_GOLD_CMD_paravirt-hypercall := run=hello
MODES_GOLD_OPT_paravirt-hypercall := --paravirt --trace-after hypercall --trace-categories exit,vm --trace-limit 6

define modes_golden_rule
modes-golden-$(1): $$(MODES_VMLAB) e2e-gold-guest
	@tests/modes/golden.sh $$(MODES_GOLDEN_UPDATE) $$(MODES_VMLAB) $$(E2E_GOLD_KERNEL) $$(E2E_GOLD_INITRD) $$(MODES_OUT) $(1) "$$(MODES_GOLD_CMD_$(1))" $$(MODES_GOLD_OPT_$(1))
endef
$(foreach g,$(MODES_GOLDENS),$(eval $(call modes_golden_rule,$(g))))

modes-golden:
	@set -e; for g in $(MODES_GOLDENS); do $(MAKE) --no-print-directory MODES_GOLDEN_UPDATE=--update modes-golden-$$g; done

modes-strict: $(MODES_VMLAB) $(LABS_STRICT)
	@tests/modes/strict.sh $(MODES_VMLAB) $(LABS_STRICT) $(MODES_OUT)

modes-compare: $(MODES_VMLAB) $(MODES_KERNEL) $(MODES_INITRD)
	@tests/modes/compare.sh $(MODES_VMLAB) $(MODES_KERNEL) $(MODES_INITRD) $(MODES_OUT)

TEST_STEPS += modes-strict modes-compare $(patsubst %,modes-golden-%,$(MODES_GOLDENS)) $(MODES_DEMO_STEPS)

.PHONY: modes-demos modes-golden modes-strict modes-compare $(MODES_DEMO_STEPS) \
  $(patsubst %,modes-golden-%,$(MODES_GOLDENS))
