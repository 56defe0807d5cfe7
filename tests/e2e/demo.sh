#!/usr/bin/env bash
# tests/e2e/demo.sh [--streams] VMLAB KERNEL INITRD OUTDIR NAME CMDLINE — a guestos demo
# under vmlab; its serial output must equal tests/guest/expected/NAME.out
# (the QEMU run) byte for byte, and the guest must shut down cleanly
# with cli; hlt (status 0; under QEMU it writes 0 to the debug-exit port).
# --streams (as tests/guest/compare.sh, for command lines starting several
# programs at once): if the bytes differ, pass when every program's lines
# (those sharing a first word) equal QEMU's, in order.
set -u
streams=0
[ "${1:-}" = "--streams" ] && { streams=1; shift; }
vmlab=$1 kernel=$2 initrd=$3 out=$4 name=$5 cmdline=$6
expected=tests/guest/expected/$name.out
mkdir -p "$out"
[ -f "$expected" ] || { echo "e2e demo $name: no expected file $expected (run make golden-guest)"; exit 1; }
"$vmlab" run --kernel "$kernel" --module "$initrd" --mem 64M --cmdline "$cmdline" \
  --max-insns 2000000000 >"$out/$name.out" 2>"$out/$name.err"
rc=$?
# Per-stream view: the lines of each program (first word) in order.
streams_of() { awk '{ w = $1; n[w]++; printf "%s %06d %s\n", w, n[w], $0 }' "$1" | sort; }
how="identical to QEMU"
if ! cmp -s "$expected" "$out/$name.out"; then
  if [ "$streams" = 1 ] && cmp -s <(streams_of "$expected") <(streams_of "$out/$name.out"); then
    how="every program's lines equal QEMU's (interleaving differs: the timer decides)"
  else
    echo "FAIL e2e demo $name: output differs from QEMU's"; diff -u "$expected" "$out/$name.out" | head -30
    tail -25 "$out/$name.err"; exit 1
  fi
fi
[ $rc = 0 ] || { echo "FAIL e2e demo $name: status $rc (want 0: cli; hlt)"; tail -25 "$out/$name.err"; exit 1; }
echo "ok   e2e demo $name: $how ($(wc -c <"$out/$name.out") bytes)"
