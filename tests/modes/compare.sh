#!/usr/bin/env bash
# tests/modes/compare.sh VMLAB KERNEL INITRD OUTDIR — `vmlab compare` on a small
# workload: every format runs, the four modes agree on the guest's output
# (exit 0), the numbers say what the modes are about (nested: no TLB-miss
# exits, paravirt: hypercalls, swtlb: refill round trips), one cost model
# (each column's modelled cycles and the bare core's are what `vmlab run`
# prints for the same run), it is deterministic, and bad input is one line
# with status 2.
set -u
vmlab=$1 kernel=$2 initrd=$3 out=$4
mkdir -p "$out"
fail=0
run() { "$vmlab" compare --kernel "$kernel" --module "$initrd" "$@"; }
for f in table csv json markdown; do
  run --workload hello --format=$f >"$out/compare.$f" 2>"$out/compare.$f.err" || { echo "FAIL compare --format=$f: status $?"; cat "$out/compare.$f.err"; fail=1; }
done
csv=$out/compare.csv
field() { awk -F, -v m="$1" -v k="$2" '/^workload,/{for(i=1;i<=NF;i++) if($i==k) c=i} $2==m{print $c}' "$csv"; }
[ "$(field nested exits_tlb_miss)" = 0 ] || { echo "FAIL compare: nested has TLB-miss exits"; fail=1; }
[ "$(field shadow exits_tlb_miss)" -gt 0 ] || { echo "FAIL compare: shadow has no TLB-miss exits"; fail=1; }
[ "$(field paravirt hypercalls)" -gt 0 ] || { echo "FAIL compare: paravirt made no hypercalls"; fail=1; }
[ "$(field shadow hypercalls)" = 0 ] || { echo "FAIL compare: shadow made hypercalls"; fail=1; }
[ "$(field swtlb round_trips)" -gt "$(field shadow round_trips)" ] || { echo "FAIL compare: swtlb refills add no round trips"; fail=1; }
[ "$(field nested walk_refs)" -gt "$(field shadow walk_refs)" ] || { echo "FAIL compare: nested walks are not longer"; fail=1; }
[ "$(field shadow exits_tlb_miss)" -lt "$(field shadow tlb_misses)" ] || { echo "FAIL compare: shadow: every TLB miss exits (no hardware walk of the shadow table)"; fail=1; }
# One cost model: `vmlab run` prints the very numbers compare puts in its table.
runcycles() { "$vmlab" run --kernel "$kernel" --module "$initrd" --cmdline run=hello "$@" 2>&1 >/dev/null |
  sed -n 's/^modelled cycles: \([0-9]*\) .*/\1/p'; }
for m in "shadow:" "swtlb:--mmu=swtlb" "nested:--mmu=nested" "paravirt:--paravirt"; do
  want=$(field "${m%%:*}" cycles) got=$(runcycles ${m#*:})
  [ -n "$want" ] && [ "$want" = "$got" ] || { echo "FAIL compare: ${m%%:*} cycles $want, vmlab run says '$got'"; fail=1; }
done
want=$(field shadow bare_cycles) got=$(runcycles --bare-core)
[ -n "$want" ] && [ "$want" = "$got" ] || { echo "FAIL compare: bare-core cycles $want, vmlab run --bare-core says '$got'"; fail=1; }
grep -q "^# cost model" "$csv" || { echo "FAIL compare: csv without the cost model"; fail=1; }
grep -q '"cost": {"insn"' "$out/compare.json" || { echo "FAIL compare: json without the cost model"; fail=1; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["results"]) == 4' "$out/compare.json" 2>/dev/null || { echo "FAIL compare: json does not parse or lacks 4 results"; fail=1; }
run --workload hello --format=csv >"$out/compare.csv2" 2>/dev/null
cmp -s "$csv" "$out/compare.csv2" || { echo "FAIL compare: not deterministic"; fail=1; }
# --cmdline is a workload of its own, alongside any named ones (here: hello again, as "custom")
run --workload hello --cmdline run=hello --format=csv >"$out/compare.custom" 2>"$out/compare.custom.err" ||
  { echo "FAIL compare --cmdline: status $?"; cat "$out/compare.custom.err"; fail=1; }
[ "$(grep -c '^custom,' "$out/compare.custom")" = 4 ] || { echo "FAIL compare --cmdline: no custom rows for the 4 modes"; fail=1; }
[ "$(grep '^hello,' "$out/compare.custom" | cut -d, -f2-)" = "$(grep '^custom,' "$out/compare.custom" | cut -d, -f2-)" ] ||
  { echo "FAIL compare --cmdline run=hello: numbers differ from the hello workload"; fail=1; }
for bad in "--workload nosuch" "--format=xml" "--workload" "--mmu=warp"; do
  # shellcheck disable=SC2086
  run $bad >"$out/compare.bad" 2>&1; rc=$?
  { [ $rc = 2 ] && [ "$(wc -l <"$out/compare.bad")" = 1 ]; } || { echo "FAIL compare $bad: status $rc"; cat "$out/compare.bad"; fail=1; }
done
"$vmlab" run --mmu=warp >"$out/mmu.bad" 2>&1; rc=$?
{ [ $rc = 2 ] && grep -q "bad --mmu 'warp'" "$out/mmu.bad"; } || { echo "FAIL run --mmu=warp: status $rc"; fail=1; }
[ $fail = 0 ] && echo "ok   vmlab compare: 4 formats, modes agree, numbers plausible, cycles = vmlab run's (bare core too), deterministic, --cmdline workload, bad input"
exit $fail
