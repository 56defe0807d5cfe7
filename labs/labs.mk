# labs/labs.mk — the student labs (labs/README.md).
#
#   make labs-check     re-run every lab's console scripts (*.vmlab), trace windows (*.run)
#                       and compare runs (*.compare) and compare each output byte for byte
#                       with the lab's expected/ files; fails on any difference
#   make golden-labs    regenerate every expected/ file (review the diff before committing!)
#   make labs-starter   build the starter program(s) students edit (lab 06: strider)
#   make labs-export-check  the student copy (vmlab lab export) holds no answer
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
# The reference solution's two values live in 06.../solution/ (instructors only: the export
# drops it, with every expected/ folder); its scripts are 06.../solution/*.vmlab, its outputs
# expected/solution*.txt. Without that folder (a student's tree) nothing of it is built.
-include labs/06-overheads-and-modes/solution/solution.mk
LABS_SOLUTION := $(if $(LABS_SOLUTION_DEFS),$(BUILD)/labs/solution/strider)

$(BUILD)/labs/obj/strider.o: $(LABS_STARTER_SRC) guestos/user/lib/ulib.h guestos/user/user.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_USER_CFLAGS) -c $< -o $@
$(BUILD)/labs/obj/strider-solution.o: $(LABS_STARTER_SRC) guestos/user/lib/ulib.h guestos/user/user.mk \
		labs/06-overheads-and-modes/solution/solution.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_USER_CFLAGS) $(LABS_SOLUTION_DEFS) -c $< -o $@
$(LABS_STARTER): $(BUILD)/labs/obj/strider.o $(GUEST_USER_LIB_OBJ) guestos/user/user.ld
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_USER_LDFLAGS) -o $@ $(GUEST_USER_LIB_OBJ) $<
$(BUILD)/labs/solution/strider: $(BUILD)/labs/obj/strider-solution.o $(GUEST_USER_LIB_OBJ) guestos/user/user.ld
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_USER_LDFLAGS) -o $@ $(GUEST_USER_LIB_OBJ) $<

labs-starter: $(LABS_STARTER)

# Lab 12's demo kernel: a bare-metal guest (tests/e2e/bare's link script and UART helpers,
# MODES_BARE_CFLAGS from tests/modes/modes.mk; no SSE: vmlab's CPU has none);
# tests/modes/strict.sh runs it too.
LABS_STRICT := $(BUILD)/labs/strict.elf
$(LABS_STRICT): labs/12-strict-x86/strict.c tests/e2e/bare/bare.ld tests/e2e/bare/bare_io.h guestos/boot.h
	@mkdir -p $(dir $@)
	gcc $(MODES_BARE_CFLAGS) -mgeneral-regs-only -o $@ $<

LABS_DEPS := $(LABS_VMLAB) $(LABS_KERNEL) $(LABS_INITRD) $(LABS_STARTER) $(LABS_SOLUTION) $(LABS_STRICT)

labs-check: $(LABS_DEPS)
	@labs/check.sh $(LABS_VMLAB) $(LABS_KERNEL) $(LABS_INITRD) $(BUILD) $(LABS_OUT)

golden-labs: $(LABS_DEPS)
	@labs/check.sh --update $(LABS_VMLAB) $(LABS_KERNEL) $(LABS_INITRD) $(BUILD) $(LABS_OUT)

# The student's copy (vmlab lab export) holds no expected/, solution/, hand-in trace or
# solution value (tests/grade/student-copy.sh).
labs-export-check: $(LABS_VMLAB)
	@tests/grade/student-copy.sh $(BUILD)

ALL_TARGETS += $(LABS_STARTER) $(LABS_STRICT)
TEST_STEPS  += labs-check labs-export-check

.PHONY: labs-check golden-labs labs-starter labs-export-check
