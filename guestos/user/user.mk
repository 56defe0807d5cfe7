# guestos/user/user.mk — guestos user programs: static, freestanding ELF64
# executables linked at 0x400000 (user.ld), one per program, in
# $(BUILD)/guestos/user/<name>. The kernel's pack rule puts $(GUEST_USER_PROGS)
# into the boot-module archive.
#
# Own flags on purpose: never the host's SAN/COV/OPT flags (the guest has no
# sanitizer runtime), integer registers only (vmlab's core has no x87/SSE).

GUEST_CC ?= gcc
# -fno-omit-frame-pointer: the console's backtrace walks the RBP chain.
GUEST_USER_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -I. -fno-omit-frame-pointer \
  -ffreestanding -fno-builtin -mgeneral-regs-only -mno-red-zone \
  -fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
  -fno-tree-loop-distribute-patterns -fcf-protection=none -mcmodel=small
GUEST_USER_LDFLAGS := -static -nostdlib -no-pie -Wl,--build-id=none \
  -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -T guestos/user/user.ld

GUEST_USER_NAMES := hello pagetouch spawn cpubench misbehave swaptest pingpong ulibtest
GUEST_USER_PROGS := $(patsubst %,$(BUILD)/guestos/user/%,$(GUEST_USER_NAMES))

GUEST_USER_LIB_SRC := $(wildcard guestos/user/lib/*.c)
GUEST_USER_OBJDIR  := $(BUILD)/guestos/user/obj
GUEST_USER_LIB_OBJ := $(GUEST_USER_OBJDIR)/crt0.o \
  $(patsubst guestos/user/%.c,$(GUEST_USER_OBJDIR)/%.o,$(GUEST_USER_LIB_SRC))

# Flags live in this file: a change to them must rebuild the programs.
$(GUEST_USER_OBJDIR)/%.o: guestos/user/%.c guestos/user/user.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_USER_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_USER_OBJDIR)/crt0.o: guestos/user/crt0.S guestos/user/user.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_USER_CFLAGS) -c $< -o $@

$(GUEST_USER_PROGS): $(BUILD)/guestos/user/%: $(GUEST_USER_OBJDIR)/%.o $(GUEST_USER_LIB_OBJ) guestos/user/user.ld guestos/user/user.mk
	$(GUEST_CC) $(GUEST_USER_LDFLAGS) -o $@ $(GUEST_USER_LIB_OBJ) $<

# Host (Linux) builds of the same programs, for tests only: lib/sys.c and
# crt0 replaced by host/. Processes (spawn/wait/exec) fail there.
GUEST_USER_HOST_NAMES := hello pagetouch cpubench swaptest ulibtest
GUEST_USER_HOST_PROGS := $(patsubst %,$(BUILD)/guestos/user-host/%,$(GUEST_USER_HOST_NAMES))
GUEST_USER_HOST_OBJ := $(GUEST_USER_OBJDIR)/host/crt0_host.o $(GUEST_USER_OBJDIR)/host/sys_host.o \
  $(filter-out %/crt0.o %/lib/sys.o,$(GUEST_USER_LIB_OBJ))

$(GUEST_USER_OBJDIR)/host/crt0_host.o: guestos/user/host/crt0_host.S
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_USER_CFLAGS) -c $< -o $@

$(GUEST_USER_HOST_PROGS): $(BUILD)/guestos/user-host/%: $(GUEST_USER_OBJDIR)/%.o $(GUEST_USER_HOST_OBJ) guestos/user/user.ld
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_USER_LDFLAGS) -o $@ $(GUEST_USER_HOST_OBJ) $<

guest-user: $(GUEST_USER_PROGS)

# Keep the objects (they are intermediate files of the pattern rules).
.SECONDARY: $(GUEST_USER_LIB_OBJ) $(GUEST_USER_HOST_OBJ) $(patsubst %,$(GUEST_USER_OBJDIR)/%.o,$(GUEST_USER_NAMES))

ALL_TARGETS += $(GUEST_USER_PROGS)

.PHONY: guest-user
