#!/usr/bin/env bash
# tests/e2e/demo.sh VMLAB KERNEL INITRD OUTDIR NAME CMDLINE — a guestos demo
# under vmlab; its serial output must equal tests/guest/expected/NAME.out
# (the QEMU run) byte for byte, and the guest must shut down through the
# with cli; hlt (status 0; under QEMU it writes 0 to the debug-exit port).
set -u
vmlab=$1 kernel=$2 initrd=$3 out=$4 name=$5 cmdline=$6
expected=tests/guest/expected/$name.out
mkdir -p "$out"
[ -f "$expected" ] || { echo "e2e demo $name: no expected file $expected (run make golden-guest)"; exit 1; }
"$vmlab" run --kernel "$kernel" --module "$initrd" --mem 64M --cmdline "$cmdline" \
  --max-insns 2000000000 >"$out/$name.out" 2>"$out/$name.err"
rc=$?
if ! cmp -s "$expected" "$out/$name.out"; then
  echo "FAIL e2e demo $name: output differs from QEMU's"; diff -u "$expected" "$out/$name.out" | head -30
  tail -25 "$out/$name.err"; exit 1
fi
[ $rc = 0 ] || { echo "FAIL e2e demo $name: status $rc (want 0: cli; hlt)"; tail -25 "$out/$name.err"; exit 1; }
echo "ok   e2e demo $name: identical to QEMU ($(wc -c <"$out/$name.out") bytes)"
