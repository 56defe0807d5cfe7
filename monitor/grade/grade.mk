# monitor/grade/grade.mk — the grader and lab tools (`vmlab grade`, `vmlab lab`):
# lib grade, linked into vmlab. It uses no VMM code: it runs vmlab builds as programs.
GRADE_SRC := $(wildcard monitor/grade/*.c)
GRADE_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(GRADE_SRC))
# Paths are built with snprintf into PATH_MAX buffers; gcc's truncation guesses
# fire on every one of them (a path that long is refused by the kernel anyway).
$(GRADE_OBJ): CFLAGS += -Wno-format-truncation
$(BUILD)/libgrade.a: $(GRADE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/vmlab: $(BUILD)/libgrade.a

# Unit tests tests/unit/test_grade_*.c link the grader library alone.
LIBS_grade := $(BUILD)/libgrade.a

# `vmlab lab check` for every lab with a rubric: the reference scores full marks,
# the export scores zero on code checks and holds no solution text.
LABS_RUBRICS := $(sort $(wildcard labs/*/rubric))
labs-grade: $(BUILD)/vmlab $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/initrd.pack
	@set -e; for r in $(LABS_RUBRICS); do \
	  VMLAB_GRADE_MAKE="$(MAKE) -s SAN=$(SAN) OPT=$(OPT)" \
	    $(BUILD)/vmlab lab check $$(basename $$(dirname $$r)) --build $(BUILD); done

# The grader against real bad submissions (tests/grade/bad-submissions.sh).
grade-sandbox: $(BUILD)/vmlab $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/initrd.pack
	@VMLAB_GRADE_MAKE="$(MAKE) -s SAN=$(SAN) OPT=$(OPT)" tests/grade/bad-submissions.sh $(BUILD)

TEST_STEPS += labs-grade grade-sandbox
.PHONY: labs-grade grade-sandbox
