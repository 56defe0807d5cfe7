#!/usr/bin/env bash
# Boot guestos through vmlab's hand-off (boot path 1) on QEMU, using the test
# firmware fwstub.elf, and check the serial output equals that of the PVH
# boot (boot path 2) with the same command line.
#
# usage: guestos/selftest/handoff-test.sh FWSTUB HANDOFF_PACK KERNEL INITRD CMDLINE...
#   HANDOFF_PACK holds kernel.elf plus the programs (each becomes one
#   boot_info module); INITRD is the normal pack for the PVH run.
# Under the hand-off the kernel ends with `cli; hlt` (booted_by = vmlab), so
# QEMU never exits by itself: this script stops it (by its pid) once the
# shutdown line or a panic appears on the serial port.
set -u
if [ $# -lt 5 ]; then
  echo "usage: $0 FWSTUB HANDOFF_PACK KERNEL INITRD CMDLINE..." >&2
  exit 2
fi
stub=$1 hpack=$2 kernel=$3 initrd=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
runner="$here/../../tests/guest/run-qemu.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
for cmdline in "$@"; do
  truncate -s 32M "$tmp/disk.img"
  : >"$tmp/serial.out"
  qemu-system-x86_64 -nographic -no-reboot -display none -monitor none \
    -serial "file:$tmp/serial.out" -m 64M -accel tcg -nic none \
    -fw_cfg name=etc/sercon-port,string=0 \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -drive "file=$tmp/disk.img,format=raw,if=ide,index=0" \
    -kernel "$stub" -initrd "$hpack" -append "$cmdline" </dev/null >"$tmp/qemu.log" 2>&1 &
  qpid=$!
  state=timeout
  for _ in $(seq 1 600); do   # up to 60 s
    if grep -q '^\[kernel\] all processes exited; shutting down$' "$tmp/serial.out"; then state=ok; break; fi
    if grep -q 'PANIC\|^fwstub: ' "$tmp/serial.out"; then state=failed; break; fi
    if ! kill -0 "$qpid" 2>/dev/null; then state=exited; break; fi
    sleep 0.1
  done
  kill "$qpid" 2>/dev/null
  wait "$qpid" 2>/dev/null
  awk 'started { print; next } { i = index($0, "[kernel] "); if (i) { started = 1; print substr($0, i) } }' \
    "$tmp/serial.out" >"$tmp/handoff.out"
  "$runner" "$kernel" "$initrd" "$cmdline" >"$tmp/pvh.out" 2>/dev/null
  if [ "$state" != ok ]; then
    echo "handoff \"$cmdline\": FAILED ($state); serial output:"; cat "$tmp/serial.out"; fails=$((fails + 1))
  elif ! cmp -s "$tmp/handoff.out" "$tmp/pvh.out"; then
    echo "handoff \"$cmdline\": output differs from the PVH boot:"; diff -u "$tmp/pvh.out" "$tmp/handoff.out"
    fails=$((fails + 1))
  else
    echo "handoff \"$cmdline\": vmlab hand-off boot matches PVH boot ($(wc -l <"$tmp/handoff.out") lines)"
  fi
done
[ $fails -eq 0 ]
