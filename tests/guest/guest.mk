# tests/guest/guest.mk — guestos demo tests under QEMU, and host checks of
# the user library.
#
#   make guest-demo-<name>   boot guestos under QEMU with that demo's command
#                            line; the serial output must equal
#                            tests/guest/expected/<name>.out byte for byte
#   make guest-demos         all of them
#   make golden-guest        rewrite the expected files from fresh QEMU runs
#                            (review the diff before committing!)
#   make guest-ulib-host     the user library's self-test, built for Linux
#   make guest-hostcheck     host builds of cpubench/pagetouch/swaptest print
#                            the same lines as in the guest's expected output
#
# The expected files hold only guest serial output (kernel and programs), so
# vmlab's own run of the same kernel must reproduce them too.

GUEST_KERNEL ?= $(BUILD)/guestos/kernel.elf
GUEST_INITRD ?= $(BUILD)/guestos/initrd.pack
GUEST_TEST_OUT := $(BUILD)/tests/guest
GUEST_SWAP_IMG ?= $(BUILD)/guestos/swap.img
GUEST_SWAP_MB ?= 4
GUEST_SWAP_MEM ?= 1M

# Demo name -> kernel command line (and disk image, if it needs one).
# vmlab's own run of these demos (tests/e2e/) should take the command lines
# from GUEST_CMD_<name> and honour GUEST_OPTS_<name>, so the two never drift.
GUEST_DEMOS := hello pagetouch spawn cpubench misbehave swaptest pingpong ulibtest misbehave-hello
GUEST_CMD_hello := run=hello
GUEST_CMD_pagetouch := run=pagetouch
GUEST_CMD_spawn := run=spawn
GUEST_CMD_cpubench := run=cpubench
GUEST_CMD_misbehave := run=misbehave
GUEST_CMD_swaptest := mem=$(GUEST_SWAP_MEM) run=swaptest:$(GUEST_SWAP_MB)
GUEST_DISK_swaptest := $(GUEST_SWAP_IMG)
GUEST_CMD_pingpong := run=pingpong
GUEST_CMD_ulibtest := run=ulibtest
# Two programs at once: the timer decides how their lines interleave, so this
# demo compares each program's (and the kernel's) lines in order, not the
# whole interleaving (compare.sh --streams).
GUEST_CMD_misbehave-hello := run=misbehave,hello
GUEST_OPTS_misbehave-hello := --streams

# A blank swap disk (the kernel formats nothing: swap slots are raw sectors).
$(GUEST_SWAP_IMG):
	@mkdir -p $(dir $@)
	truncate -s 32M $@

define guest_demo_rule
guest-demo-$(1): $$(GUEST_KERNEL) $$(GUEST_INITRD) $$(GUEST_DISK_$(1))
	@tests/guest/compare.sh $$(GUEST_UPDATE) $$(GUEST_OPTS_$(1)) $$(GUEST_KERNEL) $$(GUEST_INITRD) $$(GUEST_TEST_OUT) $(1) "$$(GUEST_CMD_$(1))" $$(GUEST_DISK_$(1))
endef
$(foreach d,$(GUEST_DEMOS),$(eval $(call guest_demo_rule,$(d))))

guest-demos:
	@set -e; for d in $(GUEST_DEMOS); do $(MAKE) --no-print-directory guest-demo-$$d; done

golden-guest:
	@set -e; for d in $(GUEST_DEMOS); do $(MAKE) --no-print-directory GUEST_UPDATE=--update guest-demo-$$d; done

guest-ulib-host: $(BUILD)/guestos/user-host/ulibtest
	$<

guest-hostcheck: $(GUEST_USER_HOST_PROGS)
	@tests/guest/hostcheck.sh $(BUILD)/guestos/user-host/cpubench tests/guest/expected/cpubench.out
	@tests/guest/hostcheck.sh $(BUILD)/guestos/user-host/pagetouch tests/guest/expected/pagetouch.out
	@tests/guest/hostcheck.sh $(BUILD)/guestos/user-host/swaptest tests/guest/expected/swaptest.out $(GUEST_SWAP_MB)
	@tests/guest/hostcheck.sh $(BUILD)/guestos/user-host/ulibtest tests/guest/expected/ulibtest.out

TEST_STEPS += guest-ulib-host guest-hostcheck $(patsubst %,guest-demo-%,$(GUEST_DEMOS))
# QEMU runs the guest: nothing of vmlab runs (e2e-demo-* run the same demos under vmlab)
ASAN_SKIP += $(patsubst %,guest-demo-%,$(GUEST_DEMOS))
$(foreach d,$(GUEST_DEMOS),$(eval ASAN_SKIP_WHY_guest-demo-$(d) := QEMU runs the guest, no vmlab code; e2e-demo-$(d) runs it under vmlab))

.PHONY: guest-demos golden-guest guest-ulib-host guest-hostcheck $(patsubst %,guest-demo-%,$(GUEST_DEMOS))
