#!/usr/bin/env bash
# tests/e2e/golden.sh [--update] VMLAB KERNEL INITRD OUTDIR NAME CMDLINE [run options...]
# Run a demo with a trace window and compare the trace with
# tests/e2e/golden/NAME.trace byte for byte (--update rewrites it).
set -u
update=0
[ "${1:-}" = "--update" ] && { update=1; shift; }
vmlab=$1 kernel=$2 initrd=$3 out=$4 name=$5 cmdline=$6; shift 6
golden=tests/e2e/golden/$name.trace
mkdir -p "$out" tests/e2e/golden
"$vmlab" run --kernel "$kernel" --module "$initrd" --mem 64M --cmdline "$cmdline" --quiet \
  --max-insns 2000000000 --trace "$out/$name.trace" "$@" >/dev/null 2>"$out/$name.golden.err"
if [ $update = 1 ]; then cp "$out/$name.trace" "$golden"; echo "golden $name: $(wc -l <"$golden") lines written"; exit 0; fi
[ -f "$golden" ] || { echo "FAIL golden $name: no $golden (make golden)"; exit 1; }
if ! cmp -s "$golden" "$out/$name.trace"; then
  echo "FAIL golden $name: trace differs"; diff -u "$golden" "$out/$name.trace" | head -30; exit 1
fi
echo "ok   golden $name ($(grep -c '^\[' "$golden") events)"
