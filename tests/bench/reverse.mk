# tests/bench/reverse.mk — `make bench-reverse` (part of `make bench`): the cost of
# reverse execution in the console (checkpoints kept, their memory, the time of one
# reverse-stepi after REVERSE_INSNS instructions of cpubench) for several
# --snapshot-every values. A benchmark: it prints numbers and checks nothing.
REVERSE_INSNS ?= 10000000
BENCH_STEPS += bench-reverse
bench-reverse: $(BUILD)/vmlab $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/initrd.pack
	@tests/bench/reverse_bench.sh $(BUILD)/vmlab $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/initrd.pack $(REVERSE_INSNS)
.PHONY: bench-reverse
