# tests/api/api.mk — front ends use only the VMM's public API (issue 13).
# api-includes: the tree passes; the fixture (a console file including vm.h) must fail.
api-includes:
	@./tests/api/check_includes.sh .
	@if ./tests/api/check_includes.sh tests/api/fixture >/dev/null; then \
	  echo "check_includes.sh accepted tests/api/fixture (a front end including vm.h)"; exit 1; fi
	@echo "ok   no front end includes a VMM-private header"

TEST_STEPS += api-includes
.PHONY: api-includes

# snapshot-cli: `vmlab run --save-at N FILE` then `vmlab run --restore FILE` ends
# with the same summary, and the restored run prints what the saved run
# printed after N; a damaged snapshot is one line and exit 1.
SNAP_TMP = $(BUILD)/snapshot-cli
snapshot-cli: $(BUILD)/vmlab
	@rm -rf $(SNAP_TMP) && mkdir -p $(SNAP_TMP)
	@./$(BUILD)/vmlab run --cmdline run=pingpong --save-at 2000000 $(SNAP_TMP)/s.snap \
	  >$(SNAP_TMP)/a.out 2>$(SNAP_TMP)/a.err
	@test ! -e $(SNAP_TMP)/s.snap.tmp
	@./$(BUILD)/vmlab run --cmdline run=pingpong --restore $(SNAP_TMP)/s.snap \
	  >$(SNAP_TMP)/b.out 2>$(SNAP_TMP)/b.err
	@cmp $(SNAP_TMP)/a.err $(SNAP_TMP)/b.err
	@test -s $(SNAP_TMP)/b.out
	@tail -c $$(wc -c <$(SNAP_TMP)/b.out) $(SNAP_TMP)/a.out | cmp - $(SNAP_TMP)/b.out
	@head -c 1000 $(SNAP_TMP)/s.snap >$(SNAP_TMP)/cut.snap
	@if ./$(BUILD)/vmlab run --restore $(SNAP_TMP)/cut.snap >/dev/null 2>$(SNAP_TMP)/cut.err; then \
	  echo "a truncated snapshot was accepted"; exit 1; fi
	@test $$(wc -l <$(SNAP_TMP)/cut.err) -eq 1 && grep -q truncated $(SNAP_TMP)/cut.err
	@echo "ok   vmlab run --save-at / --restore: same summary, same serial output after the save point"

TEST_STEPS += snapshot-cli
.PHONY: snapshot-cli

# make bench: continuing to breakpoints against a plain run (issue 13: within 10%).
BENCH_STEPS += bench-break
bench-break: $(BUILD)/vmlab
	@tests/api/break_bench.sh $(BUILD)/vmlab build/guestos/kernel.elf 5
.PHONY: bench-break
