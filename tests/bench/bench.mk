# The CPU benchmark: a freestanding integer workload run on the core (paging on)
# and natively. `make bench` runs it.
BENCH_GUEST_CFLAGS = -std=c11 -Wall -Wextra -Werror -I. -O2 -ffreestanding -mgeneral-regs-only \
  -mno-red-zone -fno-pic -fno-pie -no-pie -nostdlib -static -fno-stack-protector \
  -fcf-protection=none -fno-asynchronous-unwind-tables -Wl,--build-id=none

$(BUILD)/bench/workload.elf: tests/bench/guest_start.c tests/bench/workload.c tests/bench/workload.h tests/bench/link.ld
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_GUEST_CFLAGS) -T tests/bench/link.ld -o $@ tests/bench/guest_start.c tests/bench/workload.c

$(BUILD)/bench/workload.bin: $(BUILD)/bench/workload.elf
	objcopy -O binary $< $@

$(BUILD)/cpubench: tests/bench/cpubench.c tests/bench/workload.c tests/bench/workload.h $(LIBS_cpu)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ tests/bench/cpubench.c tests/bench/workload.c $(LIBS_cpu) $(LDFLAGS_SAN) $(LDLIBS)

ALL_TARGETS += $(BUILD)/cpubench $(BUILD)/bench/workload.bin
BENCH_STEPS += cpubench
cpubench: $(BUILD)/cpubench $(BUILD)/bench/workload.bin
	$(BUILD)/cpubench $(BUILD)/bench/workload.bin
.PHONY: cpubench

# The CoreMark-class benchmark kernel (tests/bench/mark/): one ELF that boots
# bare under vmlab (--kernel) and under QEMU (PVH). `make bench` runs it on
# vmlab's monitor and bare core, under QEMU TCG, and under callgrind.
$(BUILD)/bench/mark.elf: tests/bench/mark/start.S tests/bench/mark/mark.c tests/bench/mark/mark.ld tests/e2e/bare/bare_io.h
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_GUEST_CFLAGS) -T tests/bench/mark/mark.ld -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack \
	  -Wl,--no-warn-rwx-segments -o $@ tests/bench/mark/start.S tests/bench/mark/mark.c
ALL_TARGETS += $(BUILD)/bench/mark.elf

BENCH_STEPS += bench-mark
bench-mark: $(BUILD)/vmlab $(BUILD)/bench/mark.elf
	@tests/bench/mark.sh $(BUILD)/vmlab $(BUILD)/bench/mark.elf $(MARK_ITERS) $(MARK_RUNS)
MARK_ITERS ?= 1000
MARK_RUNS ?= 3
.PHONY: bench-mark

# The grader at course scale (tests/grade/bench-grade.sh): 100 generated submissions
# of lab tlb graded with --jobs 2; prints wall and CPU time per submission.
BENCH_STEPS += bench-grade
bench-grade: $(BUILD)/vmlab $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/initrd.pack $(BUILD)/tests/test_tlb_policy
	@VMLAB_GRADE_MAKE="$(MAKE) -s SAN=$(SAN) OPT=$(OPT)" tests/grade/bench-grade.sh $(BUILD) $(GRADE_BENCH_N) $(GRADE_BENCH_JOBS)
GRADE_BENCH_N ?= 100
GRADE_BENCH_JOBS ?= 2
.PHONY: bench-grade
