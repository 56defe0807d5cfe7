# tests/gdb/gdb.mk — the gdb remote stub (monitor/gdb/, docs/gdb.md) with real gdb.
gdb-stub: $(BUILD)/vmlab build/guestos/kernel.elf build/guestos/initrd.pack
	@timeout 300 tests/gdb/gdb_test.sh $(BUILD)/vmlab build/guestos/kernel.elf $(BUILD)/gdb-stub

TEST_STEPS += gdb-stub
.PHONY: gdb-stub
