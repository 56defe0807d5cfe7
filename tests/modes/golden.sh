#!/usr/bin/env bash
# tests/modes/golden.sh [--update] VMLAB KERNEL INITRD OUTDIR NAME CMDLINE [run options...]
# One TLB miss (or hypercall) in one MMU mode: the trace window must equal
# tests/modes/golden/NAME.trace byte for byte (--update rewrites it), and if
# tests/modes/golden/NAME.order exists, its lines (extended regexps) must
# match trace lines in that order (the lecture's sequence survives a rewrite).
set -u
update=0
[ "${1:-}" = "--update" ] && { update=1; shift; }
vmlab=$1 kernel=$2 initrd=$3 out=$4 name=$5 cmdline=$6; shift 6
golden=tests/modes/golden/$name.trace
mkdir -p "$out"
"$vmlab" run --kernel "$kernel" --module "$initrd" --mem 64M --cmdline "$cmdline" --quiet \
  --max-insns 2000000000 --trace "$out/$name.trace" "$@" >/dev/null 2>"$out/$name.err"
if [ $update = 1 ]; then cp "$out/$name.trace" "$golden"; echo "golden $name: $(wc -l <"$golden") lines written"; fi
order=tests/modes/golden/$name.order
if [ -f "$order" ]; then
  i=0
  while IFS= read -r pat; do
    [ -z "$pat" ] && continue
    i=$((i + 1))
    n=$(tail -n +"$((${line:-0} + 1))" "$out/$name.trace" | grep -n -E -m1 -- "$pat" | cut -d: -f1)
    [ -n "$n" ] || { echo "FAIL golden $name: step $i '$pat' missing or out of order"; cat "$out/$name.trace"; exit 1; }
    line=$(( ${line:-0} + n ))
  done <"$order"
fi
[ $update = 1 ] && exit 0
[ -f "$golden" ] || { echo "FAIL golden $name: no $golden (make modes-golden)"; exit 1; }
if ! cmp -s "$golden" "$out/$name.trace"; then
  echo "FAIL golden $name: trace differs"; diff -u "$golden" "$out/$name.trace" | head -30; exit 1
fi
echo "ok   golden $name ($(grep -c '^\[' "$golden") events${line:+, $i steps in order})"
