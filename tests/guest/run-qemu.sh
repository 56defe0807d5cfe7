#!/usr/bin/env bash
# Boot guestos under QEMU (TCG) and print the guest's serial output.
#
# usage: tests/guest/run-qemu.sh KERNEL INITRD CMDLINE [DISK_IMAGE]
#   KERNEL      guestos kernel.elf (booted through its PVH note)
#   INITRD      boot module (a pack or one ELF program)
#   CMDLINE     kernel command line, e.g. "mem=2M run=swaptest"
#   DISK_IMAGE  raw swap disk on the primary IDE channel; without it a zeroed
#               32 MiB image is made in a temporary file and removed after
# Environment: QEMU_TIMEOUT (seconds, default 60), QEMU (the binary).
# stdout: exactly what the guest wrote to COM1 (QEMU's own messages and the
# firmware's are not included). Exit status: 0 when the kernel shut down
# cleanly (isa-debug-exit value 0 -> QEMU status 1); 3 when the kernel
# panicked (value 1); 4 when QEMU stopped without a debug-exit write (e.g. a
# triple fault with -no-reboot); 5 when QEMU could not start; 124 on
# timeout; 2 for usage errors;
# otherwise QEMU's own status.
set -u
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: $0 KERNEL INITRD CMDLINE [DISK_IMAGE]" >&2
  exit 2
fi
kernel=$1 initrd=$2 cmdline=$3 disk=${4:-}
for f in "$kernel" "$initrd"; do
  if [ ! -f "$f" ]; then echo "run-qemu.sh: no such file: $f" >&2; exit 2; fi
done
qemu=${QEMU:-qemu-system-x86_64}
if ! command -v "$qemu" >/dev/null 2>&1; then
  echo "run-qemu.sh: $qemu not found (run scripts/deps.sh)" >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$disk" ]; then
  disk=$tmp/swap.img
  truncate -s 32M "$disk"
elif [ ! -f "$disk" ]; then
  echo "run-qemu.sh: no such disk image: $disk" >&2
  exit 2
fi
# The serial port goes to a file, so nothing QEMU prints can mix with it.
# SeaBIOS would copy its screen to COM1 (sercon); etc/sercon-port=0 stops it,
# and anything that still comes before the kernel's first "[kernel] " is cut.
timeout "${QEMU_TIMEOUT:-60}" "$qemu" -nographic -no-reboot -display none -monitor none \
  -serial "file:$tmp/serial.out" -m 64M -accel tcg -nic none \
  -fw_cfg name=etc/sercon-port,string=0 \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
  -drive "file=$disk,format=raw,if=ide,index=0" \
  -kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
  </dev/null >"$tmp/qemu.out" 2>&1
rc=$?
awk 'started { print; next }
     { i = index($0, "[kernel] "); if (i) { started = 1; print substr($0, i) } }
     END { if (!started) exit 1 }' "$tmp/serial.out" 2>/dev/null || cat "$tmp/serial.out" 2>/dev/null
# QEMU itself also exits 1 when it cannot start (bad kernel file, bad option):
# then it says why on stderr, while a debug-exit leaves it silent (the fw_cfg
# warning aside).
if [ $rc -eq 1 ] && grep -v 'warning:' "$tmp/qemu.out" | grep -q .; then
  echo "run-qemu.sh: qemu failed:" >&2; sed 's/^/qemu: /' "$tmp/qemu.out" >&2; exit 5
fi
case $rc in
  1) exit 0 ;;                               # guest wrote 0 to 0xf4: clean shutdown
  3) echo "run-qemu.sh: guest panicked (debug-exit status 3)" >&2; exit 3 ;;
  124) echo "run-qemu.sh: timed out after ${QEMU_TIMEOUT:-60}s" >&2; exit 124 ;;
  0) echo "run-qemu.sh: qemu stopped without a debug-exit write (triple fault or reset?)" >&2
     sed 's/^/qemu: /' "$tmp/qemu.out" >&2; exit 4 ;;
  *) echo "run-qemu.sh: qemu exited with status $rc" >&2; sed 's/^/qemu: /' "$tmp/qemu.out" >&2; exit "$rc" ;;
esac
