# tests/console/console.mk — the student console and trace-diff (issue 7).
#
#   make console-golden          scripted sessions (tests/console/*.cmd) compared byte for
#                                byte with tests/console/*.golden, each run twice (determinism)
#   make console-golden-update   regenerate the goldens (review the diff before committing!)
#   make console-tmux            the interactive console in a real terminal (tmux): completion,
#                                history across sessions, colour, Ctrl-C, Ctrl-D
#   make console-tracediff       vmlab trace-diff end to end on two runs' traces
#   make console-scriptline      a script's "#! OPTIONS" line: used; conflicts and garbage refused
#   make console-record          vmlab record / replay (and the record command): same transcript
#   make console-vm-args         vmlab console --vm (several VMs): bad command lines refused in
#                                one line, --vm and --vm-file consoles alike (the session itself:
#                                multivm.cmd, vm_single.cmd in console-golden)
# The Check unit tests (tests/unit/test_monitor_console*.c, test_monitor_tracediff.c) run
# with `make unit`.

CONSOLE_VMLAB  := $(BUILD)/vmlab
CONSOLE_KERNEL ?= $(BUILD)/guestos/kernel.elf
CONSOLE_INITRD ?= $(BUILD)/guestos/initrd.pack
CONSOLE_OUT    := $(BUILD)/tests/console

# Goldens hold guest addresses and instruction counts, so they always use the normal
# (-O2) build of the guest, whatever BUILD/OPT/SAN/COV this run uses.
CONSOLE_GOLD_KERNEL := build/guestos/kernel.elf
CONSOLE_GOLD_INITRD := build/guestos/initrd.pack
# module_symbols.cmd passes the lab 06 starter with --module (labs/labs.mk builds it)
CONSOLE_GOLD_STARTER := build/labs/strider
# multivm.cmd runs lab 12's strict-x86 demo kernel beside guestos ("kernel B")
CONSOLE_GOLD_STRICT := build/labs/strict.elf
console-gold-guest:
	@$(MAKE) --no-print-directory BUILD=build SAN= COV= OPT=-O2 $(CONSOLE_GOLD_KERNEL) $(CONSOLE_GOLD_INITRD) \
		$(CONSOLE_GOLD_STARTER) $(CONSOLE_GOLD_STRICT)

console-golden: $(CONSOLE_VMLAB) console-gold-guest
	@tests/console/run_golden.sh $(CONSOLE_VMLAB) $(CONSOLE_GOLD_KERNEL) $(CONSOLE_GOLD_INITRD) $(CONSOLE_OUT)

console-golden-update: $(CONSOLE_VMLAB) console-gold-guest
	@tests/console/run_golden.sh --update $(CONSOLE_VMLAB) $(CONSOLE_GOLD_KERNEL) $(CONSOLE_GOLD_INITRD) $(CONSOLE_OUT)

console-tmux: $(CONSOLE_VMLAB) $(CONSOLE_KERNEL) $(CONSOLE_INITRD)
	@tests/console/tmux_test.sh $(CONSOLE_VMLAB) $(CONSOLE_KERNEL) $(CONSOLE_INITRD)

console-tracediff: $(CONSOLE_VMLAB) $(CONSOLE_KERNEL) $(CONSOLE_INITRD)
	@tests/console/tracediff_e2e.sh $(CONSOLE_VMLAB) $(CONSOLE_KERNEL) $(CONSOLE_INITRD) $(CONSOLE_OUT)

console-record: $(CONSOLE_VMLAB) console-gold-guest
	@tests/console/record_test.sh $(CONSOLE_VMLAB) $(CONSOLE_GOLD_KERNEL) $(CONSOLE_GOLD_INITRD) $(CONSOLE_OUT)/record

# A script's "#! OPTIONS" line: used, conflicts and garbage refused (needs lab 06's starter).
console-scriptline: $(CONSOLE_VMLAB) $(CONSOLE_KERNEL) $(CONSOLE_INITRD) $(BUILD)/labs/strider
	@tests/console/scriptline.sh $(CONSOLE_VMLAB) $(CONSOLE_KERNEL) $(CONSOLE_INITRD) $(CONSOLE_OUT)

console-vm-args: $(CONSOLE_VMLAB) $(CONSOLE_KERNEL) $(CONSOLE_INITRD)
	@tests/console/multivm_args.sh $(CONSOLE_VMLAB) $(CONSOLE_KERNEL) $(CONSOLE_INITRD) $(CONSOLE_OUT)

TEST_STEPS += console-golden console-tmux console-tracediff console-record console-scriptline console-vm-args

.PHONY: console-golden console-golden-update console-gold-guest console-tmux console-tracediff console-record console-scriptline \
	console-vm-args
