# tests/e2e/e2e.mk — end-to-end tests of `vmlab run` (the monitor's owner).
#
#   make e2e-cli             CLI: help, version, bad input -> one line, exit 2; bad ELF -> no trace left
#   make e2e-paths           the default guest images are found beside vmlab (any cwd, installed copy)
#   make e2e-adversarial     guests that once crashed/hung/exhausted the monitor: clean, explained stops
#   make e2e-bare            a bare-metal ELF (no page tables, UART, hlt) runs; debug-exit status
#   make e2e-isolation       a guest rewriting its page tables maliciously never gets a foreign frame
#   make e2e-fuzz            seeded random-code guests (40 bare, 20 guestos apps): clean, explained stops
#   make e2e-fasttlb-off     the host fast TLB off changes no output, summary or TLB trace
#   make e2e-shadow-pressure a 32 KiB shadow pool: constant resets, same output
#   make e2e-demo-<name>     guestos demo under vmlab; serial output == tests/guest/expected/<name>.out
#   make e2e-golden-<name>   a trace window compared byte for byte with tests/e2e/golden/<name>.trace
#   make golden              regenerate the golden traces (review the diff before committing!)
#   make e2e-bench           (BENCH_STEPS) cpubench under the monitor: guest MIPS, exits/Minsn

VMLAB := $(BUILD)/vmlab
E2E_OUT := $(BUILD)/tests/e2e
E2E_KERNEL ?= $(BUILD)/guestos/kernel.elf
E2E_INITRD ?= $(BUILD)/guestos/initrd.pack
E2E_BARE_CFLAGS := -ffreestanding -fno-pic -no-pie -nostdlib -static -mno-red-zone -mgeneral-regs-only \
  -fno-stack-protector -fno-asynchronous-unwind-tables -O2 -I. -Wall -Wextra -Werror -Wl,--build-id=none \
  -Wl,-T,tests/e2e/bare/bare.ld -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

E2E_BARE_DEPS := tests/e2e/bare/bare.ld tests/e2e/bare/bare_io.h guestos/boot.h
$(E2E_OUT)/%.elf: tests/e2e/bare/%.c $(E2E_BARE_DEPS)
	@mkdir -p $(dir $@)
	gcc $(E2E_BARE_CFLAGS) -o $@ $<
# bare.c again, ending through the debug-exit port instead of hlt
$(E2E_OUT)/bare-exit.elf: tests/e2e/bare/bare.c $(E2E_BARE_DEPS)
	@mkdir -p $(dir $@)
	gcc $(E2E_BARE_CFLAGS) -DDEBUG_EXIT=0x21 -o $@ $<

# user.c with its first user instruction faulting forever (the progress guard's test)
$(E2E_OUT)/user-stuck.elf: tests/e2e/bare/user.c $(E2E_BARE_DEPS)
	@mkdir -p $(dir $@)
	gcc $(E2E_BARE_CFLAGS) -DSTUCK -o $@ $<

E2E_BARE_ELFS := $(E2E_OUT)/bare.elf $(E2E_OUT)/bare-exit.elf $(E2E_OUT)/evil.elf $(E2E_OUT)/timer.elf $(E2E_OUT)/sens.elf $(E2E_OUT)/user.elf $(E2E_OUT)/user-stuck.elf
ALL_TARGETS += $(E2E_BARE_ELFS)

# adversarial guests (tests/e2e/bare/adv.c), one ELF per case
E2E_ADV_CASES := insb-pt rep-movsb rep-outsb rep-insb uart-flood spin
E2E_ADV_DEF_insb-pt := -DCASE_INSB_PT
E2E_ADV_DEF_rep-movsb := -DCASE_REP_MOVSB
E2E_ADV_DEF_rep-outsb := -DCASE_REP_OUTSB
E2E_ADV_DEF_rep-insb := -DCASE_REP_OUTSB -DINS
E2E_ADV_DEF_uart-flood := -DCASE_UART_FLOOD
E2E_ADV_DEF_spin := -DCASE_SPIN
E2E_ADV_ELFS := $(patsubst %,$(E2E_OUT)/adv-%.elf,$(E2E_ADV_CASES))
$(E2E_OUT)/adv-%.elf: tests/e2e/bare/adv.c $(E2E_BARE_DEPS)
	@mkdir -p $(dir $@)
	gcc $(E2E_BARE_CFLAGS) $(E2E_ADV_DEF_$*) -o $@ $<
ALL_TARGETS += $(E2E_ADV_ELFS)

# The default images are found beside the program, from any directory and when installed.
e2e-paths: $(VMLAB) $(E2E_KERNEL) $(E2E_INITRD)
	@tests/e2e/paths.sh $(VMLAB) $(MAKE) --no-print-directory -s BUILD=$(BUILD) SAN=$(SAN) OPT=$(OPT) COV=$(COV)

# Guests that once crashed, hung or exhausted the monitor (issue 10); each run under timeout.
e2e-adversarial: $(VMLAB) $(E2E_ADV_ELFS) $(E2E_OUT)/bare.elf $(E2E_OUT)/user-stuck.elf $(E2E_KERNEL) $(E2E_INITRD)
	@tests/e2e/adversarial.sh $(VMLAB) $(E2E_OUT) $(E2E_KERNEL) $(E2E_INITRD)

e2e-cli: $(VMLAB) $(E2E_OUT)/bare.elf
	@tests/e2e/cli.sh $(VMLAB) $(E2E_OUT)

e2e-bare: $(VMLAB) $(E2E_OUT)/bare.elf $(E2E_OUT)/bare-exit.elf $(E2E_OUT)/timer.elf $(E2E_OUT)/sens.elf $(E2E_OUT)/user.elf
	@tests/e2e/bare.sh $(VMLAB) $(E2E_OUT)

$(E2E_OUT)/mkrandom: tests/e2e/mkrandom.c tests/elf_image.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror -I. -o $@ $<

# Random-code guests: every one must end in a clean, explained stop.
e2e-fuzz: $(VMLAB) $(E2E_OUT)/mkrandom $(E2E_KERNEL) $(E2E_INITRD)
	@tests/e2e/fuzz.sh $(VMLAB) $(E2E_OUT)/mkrandom $(E2E_OUT) 40 $(E2E_KERNEL) $(E2E_INITRD)

e2e-isolation: $(VMLAB) $(E2E_OUT)/evil.elf $(E2E_KERNEL) $(E2E_INITRD)
	@tests/e2e/isolation.sh $(VMLAB) $(E2E_OUT) $(E2E_KERNEL) $(E2E_INITRD)

# Demos: the names and command lines of tests/guest/guest.mk (GUEST_CMD_*), QEMU runs with -m 64M.
E2E_DEMOS := hello pagetouch spawn cpubench misbehave swaptest pingpong ulibtest misbehave-hello

define e2e_demo_rule
e2e-demo-$(1): $$(VMLAB) $$(E2E_KERNEL) $$(E2E_INITRD)
	@tests/e2e/demo.sh $$(GUEST_OPTS_$(1)) $$(VMLAB) $$(E2E_KERNEL) $$(E2E_INITRD) $$(E2E_OUT) $(1) "$$(GUEST_CMD_$(1))"
endef
$(foreach d,$(E2E_DEMOS),$(eval $(call e2e_demo_rule,$(d))))

# The host fast TLB changes nothing students see: every demo (and hello and
# pingpong under the other MMU modes) with it on and off, summaries and TLB traces identical.
# Under asan (make test's second suite) not the two long demos, cpubench and
# swaptest (about 190 million TLB hits of the same lookup paths the short demos
# take): there the step is for memory errors, and the plain suite compares them all.
E2E_FASTTLB_MODES := hello:--mmu=swtlb hello:--mmu=nested hello:--paravirt pingpong:--mmu=swtlb pingpong:--mmu=nested
E2E_FASTTLB_ASAN_SKIP := cpubench swaptest
E2E_FASTTLB_DEMOS = $(if $(filter 1,$(SAN)),$(filter-out $(E2E_FASTTLB_ASAN_SKIP),$(E2E_DEMOS)),$(E2E_DEMOS))
e2e-fasttlb-off: $(VMLAB) $(E2E_KERNEL) $(E2E_INITRD)
	@$(if $(filter 1,$(SAN)),echo "under asan: not $(E2E_FASTTLB_ASAN_SKIP) (long runs of the lookup paths the other demos take; the plain suite compares them)";) \
	set -e; $(foreach d,$(E2E_FASTTLB_DEMOS),tests/e2e/fasttlb.sh $(VMLAB) $(E2E_KERNEL) $(E2E_INITRD) $(E2E_OUT) $(d) "$(GUEST_CMD_$(d))";) \
	$(foreach m,$(E2E_FASTTLB_MODES),tests/e2e/fasttlb.sh $(VMLAB) $(E2E_KERNEL) $(E2E_INITRD) $(E2E_OUT) \
	  $(subst :--,-,$(subst :--mmu=,-,$(m))) "run=$(word 1,$(subst :, ,$(m)))" $(word 2,$(subst :, ,$(m)));)

# Shadow pressure: a 32 KiB shadow pool (8 frames) runs out constantly; every
# reset drops all shadow state and the TLB, and the output must not change.
e2e-shadow-pressure: $(VMLAB) $(E2E_KERNEL) $(E2E_INITRD)
	@set -e; for d in spawn pingpong; do \
	  $(VMLAB) run --kernel $(E2E_KERNEL) --module $(E2E_INITRD) --mem 64M --shadow-pool 32K \
	    --cmdline run=$$d >$(E2E_OUT)/pressure-$$d.out 2>$(E2E_OUT)/pressure-$$d.err; \
	  cmp -s tests/guest/expected/$$d.out $(E2E_OUT)/pressure-$$d.out || { echo "FAIL shadow pressure $$d"; exit 1; }; \
	  grep -q "resets [1-9]" $(E2E_OUT)/pressure-$$d.err || { echo "FAIL shadow pressure $$d: no reset happened"; exit 1; }; \
	  echo "ok   shadow pressure $$d: identical to QEMU with $$(sed -n 's/.*resets \([0-9]*\)/\1/p' $(E2E_OUT)/pressure-$$d.err) shadow resets"; \
	done

# Golden traces: name -> demo command line and trace window (vmlab run options).
E2E_GOLDENS := hidden-fault true-fault syscall context-switch swap
# a hidden fault of an app: miss -> shadow miss -> walk (4 entries) -> pmap -> install -> retry
E2E_GOLD_CMD_hidden-fault := run=hello
E2E_GOLD_OPT_hidden-fault := --trace-after tlb_install@app --trace-categories tlb,shadow --trace-limit 13
# demand paging: true fault -> reflect #PF into the kernel -> traced PT write -> iretq -> app retries
E2E_GOLD_CMD_true-fault := run=pagetouch
E2E_GOLD_OPT_true-fault := --trace-after true_fault@app --trace-categories fault,pt,syscall --trace-limit 12
# one syscall round trip: exit -> LSTAR -> the kernel's misses -> sysret -> app
E2E_GOLD_CMD_syscall := run=hello
E2E_GOLD_OPT_syscall := --trace-after syscall --trace-categories syscall,exit,tlb,shadow,fault --trace-limit 31
# a context switch: the fourth CR3 write (app:1 -> app:2)
E2E_GOLD_CMD_context-switch := run=pingpong
E2E_GOLD_OPT_context-switch := --trace-after cr3\#4 --trace-categories vm,syscall,irq --trace-limit 10
# swap: from the first swap-in, page-outs and page-ins around true faults
E2E_GOLD_CMD_swap := mem=1M run=swaptest:4
E2E_GOLD_OPT_swap := --trace-after disk_read --trace-categories disk,fault,syscall --trace-limit 12

# Golden traces hold guest addresses and instruction counts, so they are defined
# against the normal (-O2) build of the guest, whatever BUILD/OPT/SAN this run uses.
E2E_GOLD_KERNEL := build/guestos/kernel.elf
E2E_GOLD_INITRD := build/guestos/initrd.pack
e2e-gold-guest:
	@$(MAKE) --no-print-directory BUILD=build SAN= COV= OPT=-O2 $(E2E_GOLD_KERNEL) $(E2E_GOLD_INITRD)

define e2e_golden_rule
e2e-golden-$(1): $$(VMLAB) e2e-gold-guest
	@tests/e2e/golden.sh $$(E2E_GOLDEN_UPDATE) $$(VMLAB) $$(E2E_GOLD_KERNEL) $$(E2E_GOLD_INITRD) $$(E2E_OUT) $(1) "$$(E2E_GOLD_CMD_$(1))" $$(E2E_GOLD_OPT_$(1))
endef
$(foreach g,$(E2E_GOLDENS),$(eval $(call e2e_golden_rule,$(g))))

golden-e2e:
	@set -e; for g in $(E2E_GOLDENS); do $(MAKE) --no-print-directory E2E_GOLDEN_UPDATE=--update e2e-golden-$$g; done

e2e-bench: $(VMLAB) $(E2E_KERNEL) $(E2E_INITRD)
	@tests/e2e/bench.sh $(VMLAB) $(E2E_KERNEL) $(E2E_INITRD)

TEST_STEPS += e2e-cli e2e-paths e2e-adversarial e2e-bare e2e-isolation e2e-fuzz e2e-shadow-pressure e2e-fasttlb-off $(patsubst %,e2e-demo-%,$(E2E_DEMOS)) \
  $(patsubst %,e2e-golden-%,$(E2E_GOLDENS))
BENCH_STEPS += e2e-bench

.PHONY: e2e-cli e2e-paths e2e-adversarial e2e-bare e2e-isolation e2e-fuzz e2e-shadow-pressure e2e-fasttlb-off golden-e2e e2e-bench e2e-gold-guest $(patsubst %,e2e-demo-%,$(E2E_DEMOS)) \
  $(patsubst %,e2e-golden-%,$(E2E_GOLDENS))
