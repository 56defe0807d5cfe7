# tests/fuzz/fuzz.mk — fuzzing (docs/fuzzing.md).
#
#   make fuzz-replay       every corpus file and crash input of tests/fuzz/ through each harness
#                          (plain driver, any compiler: part of make test)
#   make fuzz-adversarial  seeded hostile guest kernels in all 13 mode combinations (make test)
#   make fuzz-smoke        each libFuzzer harness for FUZZ_SMOKE_SECS seconds (make test; clang)
#   make fuzz              each libFuzzer harness for FUZZ_SECS seconds (default 600), niced
#
# Harnesses: tests/fuzz/fuzz_NAME.c, each an LLVMFuzzerTestOneInput. libFuzzer
# builds live in build/libfuzzer (clang, ASan+UBSan, whatever BUILD is).

FUZZ_NAMES := cpl3 vm loaders console tracediff gdb
FUZZ_OBJ = $(patsubst %,$(BUILD)/obj/tests/fuzz/%.o,gen vmrun harness)
FUZZ_REPLAY := $(patsubst %,$(BUILD)/fuzz/replay-%,$(FUZZ_NAMES))
FUZZ_LF_BUILD := build/libfuzzer
FUZZ_SMOKE_SECS ?= 4
FUZZ_SECS ?= 600
FUZZ_ADV_SEEDS ?= 4

ifeq ($(FUZZ),1)
  CFLAGS_COMMON += -fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp
  # gcc-only warning options of some parts (grade.mk) must not break clang
  CFLAGS_COMMON += -Wno-unknown-warning-option
endif

$(BUILD)/fuzz/replay-%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/replay_main.o $(FUZZ_OBJ) $(LIBS_monitor)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) -o $@ $(filter %.o,$^) $(LINK_monitor) $(LDLIBS)

$(BUILD)/fuzz/lf-%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_OBJ) $(LIBS_monitor)
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=fuzzer,address,undefined -o $@ $(filter %.o,$^) $(LINK_monitor) $(LDLIBS)

$(BUILD)/fuzz/adv-guests: $(BUILD)/obj/tests/fuzz/adv_main.o $(FUZZ_OBJ) $(LIBS_monitor)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_SAN) -o $@ $(filter %.o,$^) $(LINK_monitor) $(LDLIBS)

# The harness objects are prerequisites of pattern rules only (intermediate): make would
# delete them after a build from scratch, and their .d files, which name them, would make
# the next make rebuild them and relink every replay program.
.SECONDARY: $(patsubst %,$(BUILD)/obj/tests/fuzz/fuzz_%.o,$(FUZZ_NAMES)) $(BUILD)/obj/tests/fuzz/replay_main.o

ALL_TARGETS += $(FUZZ_REPLAY) $(BUILD)/fuzz/adv-guests

fuzz-replay: $(FUZZ_REPLAY)
	@set -e; for n in $(FUZZ_NAMES); do \
	  echo "replay $$n: $$(ls tests/fuzz/corpus/$$n | wc -l) corpus files, $$(ls tests/fuzz/crashes/$$n 2>/dev/null | wc -l) crash inputs"; \
	  $(BUILD)/fuzz/replay-$$n tests/fuzz/corpus/$$n $$(test -d tests/fuzz/crashes/$$n && echo tests/fuzz/crashes/$$n); \
	done

# Seed 2787: found by the long sweep, an swtlb refill-upcall/#DF exit loop that
# --max-insns did not bound (docs/fuzzing.md); replayed in every mode.
fuzz-adversarial: $(BUILD)/fuzz/adv-guests
	$(BUILD)/fuzz/adv-guests --seeds $(FUZZ_ADV_SEEDS) --timeout 60
	$(BUILD)/fuzz/adv-guests --first 2787 --seeds 1 --timeout 60

# The libFuzzer binaries (clang only): a sub-make in their own build folder.
fuzz-build-lf:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_LF_BUILD) CC=clang SAN=1 FUZZ=1 OPT=-O1 \
	  $(patsubst %,$(FUZZ_LF_BUILD)/fuzz/lf-%,$(FUZZ_NAMES))

fuzz-smoke:
	@tests/fuzz/run.sh $(FUZZ_SMOKE_SECS) $(FUZZ_LF_BUILD) "$(MAKE) --no-print-directory fuzz-build-lf" $(FUZZ_NAMES)

fuzz:
	@tests/fuzz/run.sh $(FUZZ_SECS) $(FUZZ_LF_BUILD) "$(MAKE) --no-print-directory fuzz-build-lf" $(FUZZ_NAMES)

TEST_STEPS += fuzz-replay fuzz-adversarial fuzz-smoke
# fuzz-smoke's libFuzzer binaries are always ASan+UBSan builds in build/libfuzzer,
# whatever BUILD is: make test has just run exactly them
ASAN_SKIP += fuzz-smoke
ASAN_SKIP_WHY_fuzz-smoke := its libFuzzer builds (build/libfuzzer) are ASan+UBSan already and make test ran them
.PHONY: fuzz-replay fuzz-adversarial fuzz-build-lf fuzz-smoke fuzz
