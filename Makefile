# vmlab — top-level build.
#
#   make            build build/vmlab, the tools and the guest kernel
#   make run        install deps, build, run the demo
#   make test       install deps, build, run every test (unit, differential, e2e, golden), then
#                   all of it again built with ASan+UBSan (asan-suite); CI runs this
#   make suite      one suite, without installing deps (BUILD/SAN/COV say which build)
#   make asan       the suite built with ASan+UBSan (under build/asan; make test's second half)
#   make coverage   line coverage of the suite (gcovr summary + HTML in build/coverage/)
#   make bench      benchmarks: guest MIPS and ratios
#   make golden     regenerate golden traces (review the diff!)
#   make install    PREFIX/bin/vmlab and its guest images (PREFIX=/usr/local)
#   make web        vmlab in the browser, a static site in build/web/ (docs/pictures.md)
#
# Each module folder holds plain C files; every *.c in cpu/ tlb/ shadow/ goes
# into lib<module>.a, every *.c in monitor/<part>/ (except monitor/tools/main.c)
# into libmon_<part>.a (MON_FRONTENDS, MON_CORE below). Unit tests are
# tests/unit/test_<module>_*.c, one Check binary each. Other parts add their
# own rules in a fragment (*.mk in their folder) that appends to TEST_STEPS,
# BENCH_STEPS and the build targets.

BUILD    ?= build
ifeq ($(origin CC),default)
  CC = gcc
endif
OPT      ?= -O2
SAN      ?=
COV      ?=
CFLAGS_COMMON = -std=c11 -Wall -Wextra -Werror -g -D_GNU_SOURCE -I. $(OPT)
ifeq ($(SAN),1)
  CFLAGS_COMMON += -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
  LDFLAGS_SAN    = -fsanitize=address,undefined
endif
ifeq ($(COV),1)
  CFLAGS_COMMON += --coverage
  LDFLAGS_SAN   += --coverage
endif
# pkg-config is evaluated lazily so that `make run`/`make test` can install deps first.
PKG_CFLAGS = $(shell pkg-config --cflags capstone readline 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs capstone readline 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)
CFLAGS   = $(CFLAGS_COMMON) $(PKG_CFLAGS)
LDLIBS   = $(PKG_LIBS)

.DEFAULT_GOAL := all

# ---- libraries, one per module, in dependency order (monitor -> shadow -> tlb -> cpu)
# monitor/ is several libraries, one per subfolder (libmon_<part>.a, every
# *.c of monitor/<part>/ except tools/main.c):
#   front ends (any order; they may use each other and the VMM, never the reverse):
MON_FRONTENDS := tools console draw cloud grade gdb reverse
#   the VMM core, then the devices it drives:
MON_CORE      := vmm dev
MON_PARTS := $(MON_FRONTENDS) $(MON_CORE)
MODULES := shadow tlb cpu
PREBUILT_OBJ :=
# A student's copy (vmlab lab export) holds other labs' hole files compiled, at their
# path in the build folder under prebuilt/ (prebuilt/README): X_PRE are the sources of
# X whose file is absent and whose object is there; make copies it into $(BUILD)/obj/.
# The reference tree has no prebuilt/ folder.
define module_lib
$(1)_SRC := $$(filter-out monitor/tools/main.c,$$(wildcard $(2)/*.c))
$(1)_PRE := $$(filter-out $$($(1)_SRC),$$(patsubst prebuilt/obj/%.o,%.c,$$(wildcard prebuilt/obj/$(2)/*.o)))
$(1)_OBJ := $$(patsubst %.c,$$(BUILD)/obj/%.o,$$($(1)_SRC) $$($(1)_PRE))
PREBUILT_OBJ += $$(patsubst %.c,$$(BUILD)/obj/%.o,$$($(1)_PRE))
$$(BUILD)/lib$(1).a: $$($(1)_OBJ)
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_lib,$(m),$(m))))
$(foreach p,$(MON_PARTS),$(eval $(call module_lib,mon_$(p),monitor/$(p))))

# What a module links against (itself and everything below it). LIBS_x are
# the files (prerequisites), LINK_x the link-line form of the same.
LIBS_cpu     := $(BUILD)/libcpu.a
LIBS_tlb     := $(BUILD)/libtlb.a $(LIBS_cpu)
LIBS_shadow  := $(BUILD)/libshadow.a $(LIBS_tlb)
LIBS_mon_front := $(foreach p,$(MON_FRONTENDS),$(BUILD)/libmon_$(p).a)
LIBS_mon_core  := $(foreach p,$(MON_CORE),$(BUILD)/libmon_$(p).a)
LIBS_monitor := $(LIBS_mon_front) $(LIBS_mon_core) $(LIBS_shadow)
ALL_LIBS     := $(LIBS_monitor)
LINK_cpu     := $(LIBS_cpu)
LINK_tlb     := $(LIBS_tlb)
LINK_shadow  := $(LIBS_shadow)
# The front ends are one link group; the core comes after it, so a core
# symbol that needs a front end fails to link (dependencies go one way).
LINK_monitor := -Wl,--start-group $(LIBS_mon_front) -Wl,--end-group $(LIBS_mon_core) $(LIBS_shadow)

# The CPU core's handlers: gcc's straight-line vectorizer packs the lazy-flags
# stores into SSE moves, more instructions than the plain stores.
$(BUILD)/obj/cpu/%.o: CFLAGS += -fno-tree-slp-vectorize
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@
# (only when there is no X.c: a pattern rule whose prerequisite cannot be made is passed over)
$(BUILD)/obj/%.o: prebuilt/obj/%.o
	@mkdir -p $(dir $@)
	cp $< $@

# vmlab's version: the VERSION file, compiled into monitor/vmm/version.c only
# (trace headers carry it; a fixed string keeps goldens machine-independent).
VMLAB_VERSION := $(shell cat VERSION)
VERSION_CFLAGS = -DVMLAB_VERSION='"$(VMLAB_VERSION)"'
$(BUILD)/obj/monitor/vmm/version.o: VERSION
$(BUILD)/obj/monitor/vmm/version.o: CFLAGS += $(VERSION_CFLAGS)

# ---- the program
$(BUILD)/vmlab: $(BUILD)/obj/monitor/tools/main.o $(ALL_LIBS)
	$(CC) $(LDFLAGS_SAN) -o $@ $< $(LINK_monitor) $(LDLIBS)

# ---- unit tests: tests/unit/test_<module>_<name>.c -> $(BUILD)/tests/test_<module>_<name>
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
unit_module = $(word 2,$(subst _, ,$(notdir $(1))))
.SECONDEXPANSION:
$(BUILD)/tests/test_%: tests/unit/test_%.c $$(LIBS_$$(call unit_module,$$@))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -MMD -MP -o $@ $< $(LINK_$(call unit_module,$@)) $(LDFLAGS_SAN) $(CHECK_LIBS) $(LDLIBS)

unit-%: $(BUILD)/tests/test_%
	CK_FORK=yes $<

# Build-only targets per module, so one part can be built while another is broken.
$(foreach m,$(MODULES),$(eval $(m): $(BUILD)/lib$(m).a $(filter $(BUILD)/tests/test_$(m)_%,$(UNIT_BIN))))
monitor: $(LIBS_mon_front) $(LIBS_mon_core) $(filter $(BUILD)/tests/test_monitor_%,$(UNIT_BIN))

# ---- fragments add: ALL_TARGETS, TEST_STEPS (make targets run by tests/run.sh), BENCH_STEPS
ALL_TARGETS := $(BUILD)/vmlab
# each unit test binary is a step of its own (unit-NAME): its own time, its own
# timeout, and the suite can run it beside the others (`make unit` runs them all)
TEST_STEPS  := $(patsubst tests/unit/test_%.c,unit-%,$(UNIT_SRC))
ASAN_SKIP   :=
TEST_ALONE  :=
TEST_LONG   :=
BENCH_STEPS :=
GOLDEN_STEPS := golden-e2e modes-golden console-golden-update golden-labs
include $(sort $(wildcard */*.mk */*/*.mk))

all: $(ALL_TARGETS) $(UNIT_BIN)

# every unit test binary, each a Check suite
unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; CK_FORK=yes $$t; done

deps:
	@./scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	./$(BUILD)/vmlab run
	@echo
	@echo "next: ./$(BUILD)/vmlab run --cmdline run=pagetouch --trace t.txt   (every round trip, in t.txt)"
	@echo "      ./$(BUILD)/vmlab console --cmdline run=hello                 (then: until tlb-miss, stepi, tlb)"
	@echo "      labs/README.md for the labs, README.md for the rest"

# Under SAN=1 (make asan) the steps in ASAN_SKIP, which run no C that the
# sanitizers instrument, are left out, each with a printed reason
# (ASAN_SKIP_WHY_<step>, set next to the step in its fragment): never silently.
RUN_STEPS = $(if $(filter 1,$(SAN)),$(filter-out $(ASAN_SKIP),$(TEST_STEPS)),$(TEST_STEPS))
SKIPPED_STEPS = $(if $(filter 1,$(SAN)),$(filter $(ASAN_SKIP),$(TEST_STEPS)))
# tests/run.sh runs TEST_JOBS steps at a time (output still in list order; by
# default one per core, at most 2: CI's machine has 2; TEST_JOBS=1 runs them one
# by one, printed live); TEST_ALONE steps run with no other step beside them,
# TEST_LONG steps get STEP_TIMEOUT_LONG instead of STEP_TIMEOUT (fragments add
# to both). A step whose result never comes (the runner's process for it killed
# or stuck) fails with a reason instead of stalling the run (runner-test checks
# this). The suite's build uses every core too (BUILD_JOBS; or make's own -j).
NPROC      := $(shell nproc 2>/dev/null || echo 1)
TEST_JOBS  ?= $(if $(filter 1,$(NPROC)),1,2)
BUILD_JOBS ?= $(NPROC)
SUITE_NAME ?= $(if $(filter 1,$(SAN)),asan,$(if $(filter 1,$(COV)),coverage,plain))
RUN_FLAGS = -j $(TEST_JOBS) --name $(SUITE_NAME) --alone "$(TEST_ALONE)" --long "$(TEST_LONG)"

# One suite: build, then every step of RUN_STEPS, with this BUILD/SAN/COV. With
# TEST_SUMMARY=FILE its last line (or that its build failed) is added to FILE.
suite:
	@$(MAKE) --no-print-directory $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(BUILD_JOBS)) all || \
	  { echo "tests ($(SUITE_NAME)): the build failed" | tee -a $(or $(TEST_SUMMARY),/dev/null); exit 1; }
	@$(foreach s,$(SKIPPED_STEPS),echo "skipped: $(s) (under asan): $(ASAN_SKIP_WHY_$(s))";)
	@st=0; TEST_SUMMARY=$(TEST_SUMMARY) ./tests/run.sh $(RUN_FLAGS) $(MAKE) --no-print-directory BUILD=$(BUILD) SAN=$(SAN) COV=$(COV) -- $(RUN_STEPS) || st=1; \
	  $(if $(SKIPPED_STEPS),echo "skipped under asan: $(words $(SKIPPED_STEPS)) steps ($(SKIPPED_STEPS))" | tee -a $(or $(TEST_SUMMARY),/dev/null);) \
	  exit $$st

# The test command (README, .ci/run): the suite, then the same suite built with
# ASan+UBSan (asan-suite), both always; at the end both summary lines again; it
# fails if either failed. Both fit CI's 30 minutes on 2 cores with TEST_JOBS=2
# (README, "Set-up", has the measured numbers).
TEST_SUMMARY_FILE = $(CURDIR)/build/test-summary.txt
test: deps
	@mkdir -p build; rm -f $(TEST_SUMMARY_FILE); st=0; \
	  $(MAKE) --no-print-directory suite TEST_SUMMARY=$(TEST_SUMMARY_FILE) || st=1; \
	  $(MAKE) --no-print-directory asan-suite TEST_SUMMARY=$(TEST_SUMMARY_FILE) || st=1; \
	  echo "=== make test: both suites"; cat $(TEST_SUMMARY_FILE); \
	  if [ $$st = 0 ]; then echo "make test: passed"; else echo "make test: FAILED"; fi; exit $$st

# The whole suite under ASan+UBSan, in its own build folder.
asan: deps
	@$(MAKE) --no-print-directory asan-suite
asan-suite:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 OPT=-O1 suite

coverage: deps
	@$(MAKE) --no-print-directory BUILD=build/cov COV=1 OPT=-O0 suite
	@mkdir -p build/coverage
	gcovr --root . --object-directory build/cov --exclude 'tests/' --exclude 'guestos/' \
	  --html-details build/coverage/index.html --print-summary

# Regenerate every golden file vmlab itself produces (e2e traces, MMU-mode
# traces, console sessions, lab outputs) from a fresh build of the guest.
# Deliberate only: read `git diff` afterwards. (QEMU's expected serial output,
# the reference for both, is `make golden-guest`.)
golden: all
	@set -e; for g in $(GOLDEN_STEPS); do $(MAKE) --no-print-directory $$g; done

bench: deps
	@$(MAKE) --no-print-directory all
	@set -e; for b in $(BENCH_STEPS); do $(MAKE) --no-print-directory -s $$b; done

# Install the program and its default guest images: PREFIX/bin/vmlab finds
# them in PREFIX/share/vmlab/guestos/ (monitor/tools/image_paths.c).
PREFIX ?= /usr/local
install: all
	install -D -m 755 $(BUILD)/vmlab $(DESTDIR)$(PREFIX)/bin/vmlab
	install -D -m 644 $(BUILD)/guestos/kernel.elf $(DESTDIR)$(PREFIX)/share/vmlab/guestos/kernel.elf
	install -D -m 644 $(BUILD)/guestos/initrd.pack $(DESTDIR)$(PREFIX)/share/vmlab/guestos/initrd.pack

clean:
	rm -rf build

.PHONY: all run test suite asan asan-suite coverage bench golden install clean deps unit cpu tlb shadow monitor

# (not those of objects taken from prebuilt/: a reference build's .d file of one, which
# a grader's work tree copies, names its source, absent here)
-include $(filter-out $(patsubst %.o,%.d,$(PREBUILT_OBJ)),$(shell find $(BUILD) -name '*.d' 2>/dev/null))
