# labs/labs.mk — the student labs (labs/README.md).
#
#   make labs-check     re-run every lab's console scripts (*.vmlab), trace windows (*.run)
#                       and compare runs (*.compare) and compare each output byte for byte
#                       with the lab's expected/ files; fails on any difference
#   make golden-labs    regenerate every expected/ file (review the diff before committing!)
#   make labs-starter   build the starter program(s) students edit (lab 06: strider)
#
# The starter is built exactly like guestos/user programs (user.mk's flags, library and
# link script) into $(BUILD)/labs/<name>, and passed to vmlab with --module.

LABS_VMLAB  := $(BUILD)/vmlab
LABS_KERNEL ?= $(BUILD)/guestos/kernel.elf
LABS_INITRD ?= $(BUILD)/guestos/initrd.pack
LABS_OUT    := $(BUILD)/labs/out

# Lab 06 starter: labs/06-overheads-and-modes/starter/strider.c -> $(BUILD)/labs/strider
LABS_STARTER_SRC := labs/06-overheads-and-modes/starter/strider.c
LABS_STARTER     := $(BUILD)/labs/strider
# The reference solution exists only as its output (06.../expected/solution.txt). Its two
# numbers are printed in that output's first program line anyway; here they only let
# labs-check keep that expected file honest.
LABS_SOLUTION      := $(BUILD)/labs/solution/strider
LABS_SOLUTION_DEFS := -DNPAGES=5 -DSTRIDE_PAGES=16

$(BUILD)/labs/obj/strider.o: $(LABS_STARTER_SRC) guestos/user/lib/ulib.h guestos/user/user.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_USER_CFLAGS) -c $< -o $@
$(BUILD)/labs/obj/strider-solution.o: $(LABS_STARTER_SRC) guestos/user/lib/ulib.h guestos/user/user.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_USER_CFLAGS) $(LABS_SOLUTION_DEFS) -c $< -o $@
$(LABS_STARTER): $(BUILD)/labs/obj/strider.o $(GUEST_USER_LIB_OBJ) guestos/user/user.ld
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_USER_LDFLAGS) -o $@ $(GUEST_USER_LIB_OBJ) $<
$(LABS_SOLUTION): $(BUILD)/labs/obj/strider-solution.o $(GUEST_USER_LIB_OBJ) guestos/user/user.ld
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_USER_LDFLAGS) -o $@ $(GUEST_USER_LIB_OBJ) $<

labs-starter: $(LABS_STARTER)

# Lab 12's demo kernel: a bare-metal guest (tests/e2e/bare's link script and UART helpers,
# MODES_BARE_CFLAGS from tests/modes/modes.mk; no SSE: vmlab's CPU has none);
# tests/modes/strict.sh runs it too.
LABS_STRICT := $(BUILD)/labs/strict.elf
$(LABS_STRICT): labs/12-strict-x86/strict.c tests/e2e/bare/bare.ld tests/e2e/bare/bare_io.h
	@mkdir -p $(dir $@)
	gcc $(MODES_BARE_CFLAGS) -mgeneral-regs-only -o $@ $<

LABS_DEPS := $(LABS_VMLAB) $(LABS_KERNEL) $(LABS_INITRD) $(LABS_STARTER) $(LABS_SOLUTION) $(LABS_STRICT)

labs-check: $(LABS_DEPS)
	@labs/check.sh $(LABS_VMLAB) $(LABS_KERNEL) $(LABS_INITRD) $(BUILD) $(LABS_OUT)

golden-labs: $(LABS_DEPS)
	@labs/check.sh --update $(LABS_VMLAB) $(LABS_KERNEL) $(LABS_INITRD) $(BUILD) $(LABS_OUT)

ALL_TARGETS += $(LABS_STARTER) $(LABS_STRICT)
TEST_STEPS  += labs-check

.PHONY: labs-check golden-labs labs-starter
