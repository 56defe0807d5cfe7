# monitor/grade/grade.mk — the grader and lab tools (`vmlab grade`, `vmlab lab`),
# libmon_grade.a (a front end, see MON_FRONTENDS in the Makefile). It uses no VMM
# code: it runs vmlab builds as programs.
# Paths are built with snprintf into PATH_MAX buffers; gcc's truncation guesses
# fire on every one of them (a path that long is refused by the kernel anyway).
$(mon_grade_OBJ): CFLAGS += -Wno-format-truncation

# Unit tests tests/unit/test_grade_*.c link the grader library alone.
LIBS_grade := $(BUILD)/libmon_grade.a
LINK_grade := $(LIBS_grade)

# How the grader builds a submission's tree (the MAKE its rubric commands use).
# Never with SAN: the sandbox caps the address space (RLIMIT_AS, 2 GiB per
# check, sandbox.c), and an ASan program reserves terabytes of shadow memory
# at start-up, so every sanitized student build and run died with "ASan
# failed to allocate" under `make asan` (labs-grade, grade-sandbox and
# gradescope-test all failed). Lifting the cap for ASan would test a weaker
# sandbox than the one graders use. Under `make asan` the grader itself
# (this build's vmlab) still runs sanitized; the student's copy of the same
# sources is what the rest of the asan suite checks already.
GRADE_MAKE := $(MAKE) -s OPT=$(OPT)

# `vmlab lab check` for every lab with a rubric: the reference scores full marks,
# the export scores zero on code checks and holds no solution text.
LABS_RUBRICS := $(sort $(wildcard labs/*/rubric))
labs-grade: $(BUILD)/vmlab $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/initrd.pack
	@set -e; for r in $(LABS_RUBRICS); do \
	  VMLAB_GRADE_MAKE="$(GRADE_MAKE)" \
	    $(BUILD)/vmlab lab check $$(basename $$(dirname $$r)) --build $(BUILD); done

# The grader against real bad submissions (tests/grade/bad-submissions.sh).
grade-sandbox: $(BUILD)/vmlab $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/initrd.pack
	@VMLAB_GRADE_MAKE="$(GRADE_MAKE)" tests/grade/bad-submissions.sh $(BUILD)

TEST_STEPS += labs-grade grade-sandbox
.PHONY: labs-grade grade-sandbox

# Gradescope: run_autograder on a fake /autograder tree, and the zip (labs/gradescope/).
gradescope-test: $(BUILD)/vmlab $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/initrd.pack
	@VMLAB_GRADE_MAKE="$(GRADE_MAKE)" labs/gradescope/test.sh $(BUILD)
TEST_STEPS += gradescope-test
.PHONY: gradescope-test
