#!/usr/bin/env bash
# tests/e2e/fasttlb.sh VMLAB KERNEL INITRD OUTDIR NAME CMDLINE [OPTION...] — the
# core's host-side fast translation cache must not change what students see:
# the demo runs with it on and with it off (--no-fast-tlb: every access asks
# the simulated TLB), and the serial output, the summary (TLB hits, misses,
# evictions, modelled cycles) and the TLB trace (every install with its set
# and way, every evicted LRU victim) must be byte-identical.
set -u
vmlab=$1 kernel=$2 initrd=$3 out=$4 name=$5 cmdline=$6
shift 6
mkdir -p "$out"
for fast in on off; do
  flag=; [ $fast = off ] && flag=--no-fast-tlb
  "$vmlab" run --kernel "$kernel" --module "$initrd" --mem 64M --cmdline "$cmdline" "$@" $flag \
    --max-insns 2000000000 --trace "$out/fasttlb-$name-$fast.trace" --trace-categories tlb \
    >"$out/fasttlb-$name-$fast.out" 2>"$out/fasttlb-$name-$fast.err"
done
same=1
for f in out err trace; do
  cmp -s "$out/fasttlb-$name-on.$f" "$out/fasttlb-$name-off.$f" || {
    same=0
    echo "FAIL fast TLB off changes $name ($f):"
    diff "$out/fasttlb-$name-on.$f" "$out/fasttlb-$name-off.$f" | head -10
  }
done
grep -q "^TLB: .* hits [1-9]" "$out/fasttlb-$name-on.err" || { same=0; echo "FAIL $name: no TLB hits in the summary"; }
[ $same = 1 ] || exit 1
echo "ok   fast TLB off: $name identical ($(sed -n 's/^TLB: *//p' "$out/fasttlb-$name-on.err"); $(grep -c evicted "$out/fasttlb-$name-on.trace") victims traced)"
rm -f "$out/fasttlb-$name-"*.trace
