#!/usr/bin/env bash
# tests/e2e/adversarial.sh VMLAB OUTDIR [KERNEL INITRD] — regression tests for
# what adversarial testing found (issue 10): guests that once crashed, hung
# or exhausted the monitor. Every run is under `timeout`, so a hang fails
# (status 124) instead of stalling the suite. Each case names the stop it
# must end in; a crash (status >= 128) or a hang is always a failure.
set -u
vmlab=$1 out=$2 kernel=${3:-} initrd=${4:-}
fail=0
T=${ADV_TIMEOUT:-60}

# adv NAME WANT-STATUS GREP-IN-STDERR GREP-IN-STDOUT -- vmlab args...
adv() {
  local name=$1 want=$2 err_pat=$3 out_pat=$4; shift 5
  timeout -k 5 "$T" "$vmlab" "$@" >"$out/adv-$name.out" 2>"$out/adv-$name.err"
  local rc=$?
  if [ $rc = 124 ] || [ $rc = 137 ]; then
    echo "FAIL adversarial $name: hung (killed after $T s)"; fail=1; return
  fi
  if [ $rc -ge 128 ]; then echo "FAIL adversarial $name: crashed (status $rc)"; tail -3 "$out/adv-$name.err"; fail=1; return; fi
  if [ "$rc" != "$want" ]; then
    echo "FAIL adversarial $name: status $rc, want $want"; grep -m3 "stop" "$out/adv-$name.err"; fail=1; return
  fi
  if [ -n "$err_pat" ] && ! grep -q -- "$err_pat" "$out/adv-$name.err"; then
    echo "FAIL adversarial $name: stderr lacks '$err_pat'"; head -3 "$out/adv-$name.err"; fail=1; return
  fi
  if [ -n "$out_pat" ] && ! grep -q -- "$out_pat" "$out/adv-$name.out"; then
    echo "FAIL adversarial $name: output lacks '$out_pat'"; head -3 "$out/adv-$name.out"; fail=1; return
  fi
  echo "ok   adversarial $name"
}
bare() { echo --kernel "$out/adv-$1.elf" --module /dev/null --mem 16M; }

# 1. insb into the guest's own page directory: emulated once, no recursion
adv insb-pt 0 "" "rep insb into the page directory done" -- run $(bare insb-pt) --quiet
adv insb-pt-trace 0 "traced PT write" "rep insb into the page directory done" -- \
  run $(bare insb-pt) --trace "$out/adv-insb.trace" --trace-categories pt,io
grep -q "traced PT write" "$out/adv-insb.trace" || { echo "FAIL adversarial insb-pt: no traced PT write"; fail=1; }


# 2. a misaligned rep movsb of 512 KiB at the default TLB geometry finishes, its
#    progress counted (one instruction per page-bounded piece, not 0)
adv rep-movsb 0 "" "rep movsb of 512 KiB done" -- run $(bare rep-movsb)
n=$(sed -n 's/^instructions: *\([0-9]*\).*/\1/p' "$out/adv-rep-movsb.err")
[ "${n:-0}" -gt 256 ] || { echo "FAIL adversarial rep-movsb: only ${n:-0} instructions counted for 512 KiB"; fail=1; }
for p in fifo random; do
  adv rep-movsb-$p 0 "" "rep movsb of 512 KiB done" -- run $(bare rep-movsb) --quiet --tlb-policy $p --tlb 1x6
done
#    too small a TLB is refused with the minimum named; the smallest allowed ones work
for g in 1x1 1x2 2x2 16x1 1x5 64x2; do
  adv tlb-$g 2 "at least" "" -- run --tlb $g --quiet
done
for g in 16x3 1x6; do
  if [ -n "$kernel" ]; then
    adv tlb-$g-hello 0 "" "" -- run --kernel "$kernel" --module "$initrd" --cmdline run=hello --tlb $g --quiet
  fi
  adv tlb-$g-movsb 0 "" "rep movsb of 512 KiB done" -- run $(bare rep-movsb) --tlb $g --quiet
done

exit $fail
