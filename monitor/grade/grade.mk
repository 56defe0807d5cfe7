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
