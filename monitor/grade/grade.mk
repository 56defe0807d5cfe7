# monitor/grade/grade.mk — the grader and lab tools (`vmlab grade`, `vmlab lab`),
# libmon_grade.a (a front end, see MON_FRONTENDS in the Makefile). It uses no VMM
# code: it runs vmlab builds as programs.
# Paths are built with snprintf into PATH_MAX buffers; gcc's truncation guesses
# fire on every one of them (a path that long is refused by the kernel anyway).
$(mon_grade_OBJ): CFLAGS += -Wno-format-truncation

# Unit tests tests/unit/test_grade_*.c link the grader library alone.
LIBS_grade := $(BUILD)/libmon_grade.a
LINK_grade := $(LIBS_grade)

# The reference build the grader copies into each work tree (submissions are
# built in that copy with GRADE_MAKE, timestamps kept, so only changed files
# rebuild) and whose build/vmlab gives the expected outputs. Always a plain
# build (the default flags, in build/): under `make asan` or `make coverage`
# the grader under test is this build's sanitized (or instrumented) vmlab, but
# it grades exactly as in `make test`. A sanitized reference could not work:
# the unsanitized sub-make cannot link the copied ASan objects, and ASan's
# terabytes of shadow memory cannot fit the sandbox's RLIMIT_AS (2 GiB per
# check, sandbox.c); lifting that cap would test a weaker sandbox than
# graders use. The student's copy of the sources is what the rest of the
# asan suite checks already.
ifneq ($(SAN)$(COV)$(FUZZ),)
GRADE_REF := build
GRADE_MAKE := $(MAKE) -s
# Built by `all` before any step runs (so grader steps running at once never
# build it twice), and again as each step's prerequisite (a no-op by then).
grade-ref:
	@$(MAKE) --no-print-directory BUILD=$(GRADE_REF) SAN= COV= FUZZ= OPT=-O2 all
ALL_TARGETS += grade-ref
GRADE_DEPS := grade-ref $(BUILD)/vmlab
else
GRADE_REF := $(BUILD)
GRADE_MAKE := $(MAKE) -s OPT=$(OPT)
GRADE_DEPS := $(BUILD)/vmlab $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/initrd.pack
# The reference build is this suite's own build folder, which the other steps
# write their outputs into while the grader copies it: grade alone (tests/run.sh).
TEST_ALONE += labs-grade grade-sandbox grade-leaks gradescope-test
endif
.PHONY: grade-ref

# `vmlab lab check` for every lab with a rubric (the reference scores full marks,
# the export scores zero on code checks and holds no solution text) and the
# copied-answers test, as many at a time as there are CPUs (tests/grade/labs-grade.sh).
# Under asan (make test's second suite) only two labs, one that builds code and one
# that does not: the sanitized part is the grader (rubric, sandbox, compare, variants),
# which grades every lab alike; the labs' code is built and run without ASan either
# way, and the plain suite grades all twelve.
LABS_GRADE_ASAN := 01-tlb-miss-round-trip 07-shadow-fill
labs-grade: $(GRADE_DEPS)
	@$(if $(filter 1,$(SAN)),echo "under asan: only labs $(LABS_GRADE_ASAN) (the sanitized grader grades every lab alike; lab code is built without ASan; the plain suite grades all)";) \
	  VMLAB_GRADE_MAKE="$(GRADE_MAKE)" LABS_GRADE_ONLY="$(if $(filter 1,$(SAN)),$(LABS_GRADE_ASAN))" \
	  tests/grade/labs-grade.sh $(BUILD)/vmlab $(GRADE_REF)

# The grader against real bad submissions (tests/grade/bad-submissions.sh).
grade-sandbox: $(GRADE_DEPS)
	@VMLAB_GRADE_MAKE="$(GRADE_MAKE)" tests/grade/bad-submissions.sh $(BUILD)/vmlab $(GRADE_REF)

# Hostile submissions that try to read hidden material (tests/grade/hostile-submission.sh).
grade-leaks: $(GRADE_DEPS)
	@VMLAB_GRADE_MAKE="$(GRADE_MAKE)" tests/grade/hostile-submission.sh $(BUILD)/vmlab $(GRADE_REF)

# Numeric answers compared exactly, the roster of odd student ids (tests/grade/answers-exact.sh):
# answer checks only, nothing built, seconds.
grade-answers: $(GRADE_DEPS)
	@tests/grade/answers-exact.sh $(BUILD)/vmlab $(GRADE_REF)

# Bad command lines of vmlab grade / vmlab lab: one line, exit 2, nothing left behind
# (tests/grade/cli-errors.sh): seconds.
grade-cli: $(GRADE_DEPS)
	@tests/grade/cli-errors.sh $(BUILD)/vmlab $(GRADE_REF)

TEST_STEPS += labs-grade grade-sandbox grade-leaks grade-answers grade-cli
# every lab's reference and export built and graded in the sandbox: minutes
TEST_LONG  += labs-grade grade-sandbox grade-leaks
.PHONY: labs-grade grade-sandbox grade-leaks grade-answers grade-cli

# A student's copy holds no other lab's solution: lab 07's export ships the other labs'
# hole files compiled (prebuilt/), holds no line of their bodies, builds from scratch with
# make and runs on them; --source-of (tests/grade/export-prebuilt.sh). The export takes the
# objects from the plain reference build (an ASan object would not link in the copy).
# Under asan the export's make from scratch is left out: it is a plain build (no sanitizer
# in it), the same in both suites, and the most expensive part (about 3 CPU minutes there).
labs-export-prebuilt: $(GRADE_DEPS)
	@$(if $(filter 1,$(SAN)),EXPORT_PREBUILT_NO_MAKE="under asan: the export is not built and run (a plain build from scratch, not sanitized: the plain suite builds and runs it)") \
	  tests/grade/export-prebuilt.sh $(BUILD)/vmlab $(GRADE_REF)
TEST_STEPS += labs-export-prebuilt
# a whole build of the copy from scratch: minutes
TEST_LONG  += labs-export-prebuilt
.PHONY: labs-export-prebuilt

# Gradescope: run_autograder on a fake /autograder tree, and the zip (labs/gradescope/).
gradescope-test: $(GRADE_DEPS)
	@VMLAB_GRADE_MAKE="$(GRADE_MAKE)" labs/gradescope/test.sh $(BUILD)/vmlab $(GRADE_REF)
TEST_STEPS += gradescope-test
.PHONY: gradescope-test
