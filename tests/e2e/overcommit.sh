#!/usr/bin/env bash
# tests/e2e/overcommit.sh VMLAB KERNEL INITRD OUTDIR — --machine-mem (overcommit) end to end:
#  - demos with 64 MiB of guest memory in 1 MiB of machine frames: output identical to QEMU's;
#  - the swap demo (the guest swaps too) at four machine sizes: output identical,
#    and the summary's overcommit line against a golden (double paging grows as frames shrink);
#  - the balloon under --paravirt: the swap demo with and without it (in the same golden),
#    hello and pingpong with it: output identical;
#  - page sharing (--share-pages): the swap demo at 1M/512K and with the balloon (in the
#    same golden), demos in 1M of frames keep QEMU's output, a cow_break trace window (golden);
#  - a trace window from the first double-paging event, against a golden;
#  - --stats-json carries the counters; bad input: one line, exit 2.
# UPDATE_GOLDEN=1 rewrites the goldens.
set -u
vmlab=$1 kernel=$2 initrd=$3 out=$4
fail=0
mkdir -p "$out"
boot=(--kernel "$kernel" --module "$initrd" --max-insns 2000000000)
for d in hello pingpong spawn hello+share pingpong+share; do
  share=; [ "${d#*+}" = share ] && share=--share-pages
  "$vmlab" run "${boot[@]}" --mem 64M --machine-mem 1M $share --cmdline run=${d%+share} --check-isolation \
    >"$out/oc-$d.out" 2>"$out/oc-$d.err"
  rc=$?
  if [ $rc != 0 ] || ! cmp -s "tests/guest/expected/${d%+share}.out" "$out/oc-$d.out"; then
    echo "FAIL overcommit $d: status $rc or output differs"; tail -3 "$out/oc-$d.err"; fail=1
  else
    echo "ok   overcommit $d in 1M of machine frames: identical to QEMU ($(grep -o 'page-outs [0-9]*, page-ins [0-9]*' "$out/oc-$d.err")$(grep -o ', COW breaks [0-9]*' "$out/oc-$d.err"))"
  fi
done
golden=tests/e2e/golden/overcommit-swap.summary
: >"$out/swap.summary"
for mm in 8M 2M 1M 512K; do
  "$vmlab" run "${boot[@]}" --mem 8M --machine-mem $mm --cmdline "mem=1M run=swaptest:4" \
    --stats-json "$out/swap-$mm.json" >"$out/swap-$mm.out" 2>"$out/swap-$mm.err"
  rc=$?
  if [ $rc != 0 ] || ! cmp -s tests/guest/expected/swaptest.out "$out/swap-$mm.out"; then
    echo "FAIL overcommit swaptest --machine-mem $mm: status $rc or output differs"; fail=1
  fi
  echo "--machine-mem $mm: $(grep '^overcommit:' "$out/swap-$mm.err" || echo 'not overcommitted')" >>"$out/swap.summary"
done
# the balloon (--paravirt): the guest gives frames back and shrinks its own user-page budget
for b in "" --balloon; do
  "$vmlab" run "${boot[@]}" --mem 8M --machine-mem 1M --paravirt $b --cmdline "mem=1M run=swaptest:4" \
    --stats-json "$out/pv$b.json" >"$out/pv$b.out" 2>"$out/pv$b.err"
  rc=$?
  # the program's lines are unchanged; the kernel's own swap count is not (it pages more itself)
  if [ $rc != 0 ] || ! cmp -s <(grep -v '^\[kernel\] swap:' tests/guest/expected/swaptest.out) <(grep -v '^\[kernel\] swap:' "$out/pv$b.out"); then
    echo "FAIL overcommit swaptest --paravirt $b: status $rc or output differs"; fail=1
  fi
  { echo "--machine-mem 1M --paravirt $b: $(grep '^\[kernel\] swap:' "$out/pv$b.out")"
    grep -E '^(overcommit|balloon):' "$out/pv$b.err"; } >>"$out/swap.summary"
done
# page sharing: the same output in the same number of instructions; counts in the golden
for s in "1M" "512K" "1M --paravirt --balloon"; do
  "$vmlab" run "${boot[@]}" --mem 8M --machine-mem $s --share-pages --cmdline "mem=1M run=swaptest:4" \
    --stats-json "$out/share.json" >"$out/share.out" 2>"$out/share.err"
  rc=$?
  if [ $rc != 0 ] || ! cmp -s <(grep -v '^\[kernel\] swap:' tests/guest/expected/swaptest.out) <(grep -v '^\[kernel\] swap:' "$out/share.out"); then
    echo "FAIL overcommit swaptest --machine-mem $s --share-pages: status $rc or output differs"; fail=1
  fi
  if [ -f "$out/swap-$s.err" ] && ! cmp -s <(grep '^instructions:' "$out/swap-$s.err") <(grep '^instructions:' "$out/share.err"); then
    echo "FAIL overcommit swaptest --machine-mem $s: --share-pages changed the instruction count"; fail=1
  fi
  { echo "--machine-mem $s --share-pages: $(grep '^\[kernel\] swap:' "$out/share.out"), $(grep '^instructions:' "$out/share.err")"
    grep -E '^(overcommit|balloon|sharing):' "$out/share.err"; } >>"$out/swap.summary"
done
grep -q '"sharing": {"merges": [1-9]' "$out/share.json" || { echo "FAIL overcommit: --stats-json has no sharing"; fail=1; }
"$vmlab" run "${boot[@]}" --mem 8M --machine-mem 1M --share-pages --cmdline "mem=1M run=swaptest:4" --quiet \
  --trace "$out/cow.trace" --trace-after cow_break --trace-categories shadow --trace-limit 16 >/dev/null 2>&1
grep -q '"balloon": {"frames": [1-9]' "$out/pv--balloon.json" || { echo "FAIL overcommit: --stats-json has no balloon"; fail=1; }
for d in hello pingpong; do
  "$vmlab" run "${boot[@]}" --mem 8M --machine-mem 1M --paravirt --balloon --cmdline run=$d >"$out/b-$d.out" 2>"$out/b-$d.err"
  if [ $? != 0 ] || ! cmp -s "tests/guest/expected/$d.out" "$out/b-$d.out"; then echo "FAIL balloon $d: output differs"; fail=1
  else echo "ok   overcommit $d with the balloon: identical to QEMU ($(grep -o '[0-9]* frames given back' "$out/b-$d.err"))"; fi
done
grep -q '"double_paging": [1-9]' "$out/swap-512K.json" || { echo "FAIL overcommit: --stats-json has no double paging"; fail=1; }
grep -q '"overcommit"' "$out/swap-8M.json" && { echo "FAIL overcommit: 8M of 8M is not overcommitted"; fail=1; }
"$vmlab" run "${boot[@]}" --mem 8M --machine-mem 512K --cmdline "mem=1M run=swaptest:4" --quiet \
  --trace "$out/double.trace" --trace-after double_paging --trace-categories disk --trace-limit 6 >/dev/null 2>&1
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
  cp "$out/swap.summary" "$golden"; cp "$out/double.trace" tests/e2e/golden/overcommit-double.trace
  cp "$out/cow.trace" tests/e2e/golden/overcommit-cow.trace
  echo "updated $golden tests/e2e/golden/overcommit-double.trace tests/e2e/golden/overcommit-cow.trace"
else
  diff -u tests/e2e/golden/overcommit-cow.trace "$out/cow.trace" || { echo "FAIL overcommit cow_break trace differs"; fail=1; }
  diff -u "$golden" "$out/swap.summary" || { echo "FAIL overcommit swap summary differs from golden"; fail=1; }
  diff -u tests/e2e/golden/overcommit-double.trace "$out/double.trace" || { echo "FAIL overcommit double-paging trace differs"; fail=1; }
  [ $fail = 0 ] && { echo "ok   overcommit swap demo at 8M/2M/1M/512K and with/without the balloon: identical output, summaries and trace as golden"; sed 's/^/     /' "$out/swap.summary"; }
fi
bad() { # name message args...
  local name=$1 msg=$2; shift 2
  "$vmlab" run "${boot[@]}" "$@" >"$out/bad.out" 2>"$out/bad.err"
  local rc=$?
  if [ $rc != 2 ] && [ $rc != 1 ] || [ "$(grep -c . "$out/bad.err")" != 1 ] || ! grep -q -- "$msg" "$out/bad.err"; then
    echo "FAIL overcommit $name: status $rc"; cat "$out/bad.err"; fail=1; return
  fi
  echo "ok   overcommit $name: $(cat "$out/bad.err")"
}
bad size "bad --machine-mem" --machine-mem 3K
bad nested "needs --mmu=shadow" --mem 8M --machine-mem 1M --mmu=nested
bad balloon-pv "--balloon needs --paravirt" --mem 8M --machine-mem 1M --balloon
bad balloon-oc "--balloon needs --machine-mem" --mem 8M --paravirt --balloon
bad share-oc "--share-pages needs --machine-mem" --mem 8M --share-pages
exit $fail
