# guestos/guestos.mk — the guest kernel: $(BUILD)/guestos/kernel.elf (one
# ELF64 for vmlab's hand-off and QEMU's PVH boot), the boot-module pack
# $(BUILD)/guestos/initrd.pack of $(GUEST_USER_PROGS) (guestos/user/user.mk),
# the host tool that builds packs, and a QEMU smoke test.
#
# The guest is never built with the host's SAN/COV/OPT flags: it has its own.

GUEST_CC ?= gcc
# -fno-omit-frame-pointer: the console's backtrace walks the RBP chain.
GUEST_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -I. -fno-omit-frame-pointer \
  -ffreestanding -nostdlib -mgeneral-regs-only -mno-red-zone \
  -fno-pic -fno-pie -mcmodel=kernel -fno-stack-protector \
  -fno-asynchronous-unwind-tables -fcf-protection=none \
  -fno-tree-loop-distribute-patterns
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none \
  -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -T guestos/kernel.ld

# A student's copy (vmlab lab export) holds other labs' hole files compiled:
# prebuilt/guestos/obj/X.c.o for an absent guestos/X.c (prebuilt/README), copied
# into the build folder. The objects link in name order, prebuilt or not (the same
# order as the wildcard's: the kernel's layout, and so every guest RIP in a trace,
# is the reference's).
GUEST_KERNEL_PRE := $(patsubst prebuilt/guestos/obj/%.o,guestos/%,$(wildcard prebuilt/guestos/obj/*.o))
GUEST_KERNEL_PRE := $(filter-out $(wildcard guestos/*.c guestos/*.S),$(GUEST_KERNEL_PRE))
GUEST_KERNEL_SRC := $(sort $(wildcard guestos/*.c) $(filter %.c,$(GUEST_KERNEL_PRE))) \
  $(sort $(wildcard guestos/*.S) $(filter %.S,$(GUEST_KERNEL_PRE)))
GUEST_KERNEL_OBJ := $(patsubst guestos/%,$(BUILD)/guestos/obj/%.o,$(GUEST_KERNEL_SRC))
PREBUILT_OBJ += $(patsubst guestos/%,$(BUILD)/guestos/obj/%.o,$(GUEST_KERNEL_PRE))

# The guest is compiled with flags set here: a change to them must rebuild it,
# or goldens get made from a stale guest.
$(BUILD)/guestos/obj/%.c.o: guestos/%.c guestos/guestos.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/guestos/obj/%.S.o: guestos/%.S guestos/guestos.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

# (only when guestos/X.c or X.S is absent: a student's copy, above)
$(BUILD)/guestos/obj/%.o: prebuilt/guestos/obj/%.o
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/guestos/kernel.elf: $(GUEST_KERNEL_OBJ) guestos/kernel.ld guestos/guestos.mk
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(GUEST_KERNEL_OBJ)

# Host tool (built like any host code, so it works under SAN=1 too).
$(BUILD)/guestos/tools/mkpack: guestos/tools/mkpack.c guestos/pack.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -o $@ $< $(LDFLAGS_SAN)

# GUEST_USER_PROGS is defined by guestos/user/user.mk, read after this file:
# $$ defers it to the second expansion (enabled in the top Makefile).
$(BUILD)/guestos/initrd.pack: $(BUILD)/guestos/tools/mkpack $$(GUEST_USER_PROGS)
	$(BUILD)/guestos/tools/mkpack $@ $(GUEST_USER_PROGS)

guestos: $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/initrd.pack

# kerntest: the kernel's own edge-case program, built like the user programs
# (flags, crt0 and library from guestos/user/user.mk, read later: $$).
$(BUILD)/guestos/selftest/kerntest.o: guestos/selftest/kerntest.c
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_USER_CFLAGS) -c $< -o $@
$(BUILD)/guestos/selftest/kerntest: $(BUILD)/guestos/selftest/kerntest.o $$(GUEST_USER_LIB_OBJ) guestos/user/user.ld
	$(GUEST_CC) $(GUEST_USER_LDFLAGS) -o $@ $(GUEST_USER_LIB_OBJ) $<
$(BUILD)/guestos/selftest/selftest.pack: $(BUILD)/guestos/tools/mkpack $(BUILD)/guestos/selftest/kerntest $$(GUEST_USER_PROGS)
	$(BUILD)/guestos/tools/mkpack $@ $(GUEST_USER_PROGS) $(BUILD)/guestos/selftest/kerntest

# Smoke test (guestos/selftest/smoke-test.sh): boot under QEMU with hello,
# run= arguments, kerntest, the panic path, mkpack's error handling.
guestos-smoke: $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/selftest/selftest.pack $(BUILD)/guestos/tools/mkpack
	@guestos/selftest/smoke-test.sh $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/selftest/selftest.pack \
	  $(BUILD)/guestos/tools/mkpack $(BUILD)/tests/guestos

# Boot path 1 without vmlab: a test firmware (guestos/selftest/) that loads
# kernel.elf and the programs from one pack exactly as vmlab's loader must
# (guestos/boot.h), booted by QEMU; its output must equal the PVH boot's.
GUEST_FW_OBJ := $(BUILD)/guestos/selftest/fwstub.S.o $(BUILD)/guestos/selftest/fwstub.c.o
$(BUILD)/guestos/selftest/%.c.o: guestos/selftest/%.c
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(filter-out -mcmodel=kernel,$(GUEST_CFLAGS)) -mcmodel=small -MMD -MP -c $< -o $@
$(BUILD)/guestos/selftest/%.S.o: guestos/selftest/%.S
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(filter-out -mcmodel=kernel,$(GUEST_CFLAGS)) -mcmodel=small -c $< -o $@
$(BUILD)/guestos/selftest/fwstub.elf: $(GUEST_FW_OBJ) guestos/selftest/fwstub.ld
	$(GUEST_CC) $(filter-out -T guestos/kernel.ld,$(GUEST_LDFLAGS)) -T guestos/selftest/fwstub.ld -o $@ $(GUEST_FW_OBJ)
$(BUILD)/guestos/selftest/handoff.pack: $(BUILD)/guestos/tools/mkpack $(BUILD)/guestos/kernel.elf $$(GUEST_USER_PROGS)
	$(BUILD)/guestos/tools/mkpack $@ $(BUILD)/guestos/kernel.elf $(GUEST_USER_PROGS)

guestos-handoff: $(BUILD)/guestos/selftest/fwstub.elf $(BUILD)/guestos/selftest/handoff.pack \
  $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/initrd.pack
	@guestos/selftest/handoff-test.sh $(BUILD)/guestos/selftest/fwstub.elf $(BUILD)/guestos/selftest/handoff.pack \
	  $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/initrd.pack "run=hello" "run=spawn" "run=misbehave"

ALL_TARGETS += $(BUILD)/guestos/kernel.elf $(BUILD)/guestos/initrd.pack $(BUILD)/guestos/tools/mkpack
TEST_STEPS += guestos-smoke guestos-handoff

.PHONY: guestos guestos-smoke guestos-handoff
