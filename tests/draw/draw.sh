#!/usr/bin/env bash
# tests/draw/draw.sh [--update] VMLAB KERNEL INITRD OUTDIR
# The pictures of the e2e golden traces (a hidden fault, a true fault, a
# syscall) against tests/draw/golden/*.svg, each drawn twice (determinism)
# and checked by xmllint; the same windows traced as JSON Lines must draw the
# same bytes; vmlab report on them; bad input exits 2 and writes nothing.
set -u
update=0
[ "${1:-}" = "--update" ] && { update=1; shift; }
vmlab=$1 kernel=$2 initrd=$3 out=$4
gold=tests/draw/golden traces=tests/e2e/golden
command -v xmllint >/dev/null || { echo "FAIL draw: xmllint not installed (scripts/deps.sh installs libxml2-utils)"; exit 1; }
mkdir -p "$out" "$gold"
rm -f "$out"/*.svg "$out"/*.html
fail=0
bad() { echo "FAIL draw: $*"; fail=1; }

# name | picture arguments (the trace is appended)
pictures=(
  "hidden-fault-sequence|sequence|hidden-fault"
  "hidden-fault-walk|walk --va 0x400000|hidden-fault"
  "true-fault-sequence|sequence|true-fault"
  "true-fault-walk|walk --va 0x400000|true-fault"
  "syscall-sequence|sequence|syscall"
  "syscall-walk|walk --va 0xffffffff8010e000|syscall"
  "syscall-tlb|tlb|syscall"
  "swtlb-sequence|sequence|tests/modes/golden/swtlb-miss.trace"
  "nested-walk|walk --va 0x400000|tests/modes/golden/nested-miss.trace"
)
n=0
for p in "${pictures[@]}"; do
  IFS='|' read -r name args trace <<<"$p"
  case $trace in */*) ;; *) trace=$traces/$trace.trace ;; esac
  # shellcheck disable=SC2086
  "$vmlab" draw $args "$trace" -o "$out/$name.svg" || { bad "$name: vmlab draw failed"; continue; }
  # shellcheck disable=SC2086
  "$vmlab" draw $args "$trace" >"$out/$name.again.svg"
  cmp -s "$out/$name.svg" "$out/$name.again.svg" || bad "$name: two draws differ"
  xmllint --noout "$out/$name.svg" || bad "$name: not well-formed XML"
  if [ $update = 1 ]; then cp "$out/$name.svg" "$gold/$name.svg"; n=$((n + 1)); continue; fi
  if ! cmp -s "$gold/$name.svg" "$out/$name.svg"; then
    bad "$name: differs from $gold/$name.svg (make golden)"; diff -u "$gold/$name.svg" "$out/$name.svg" | head -20
  fi
  n=$((n + 1))
done
[ $update = 1 ] && { echo "draw goldens: $n pictures written to $gold"; exit $fail; }

# The same windows as JSON Lines (kinds and fields given, not inferred from text).
run_jsonl() { # name cmdline window...
  local name=$1 cmdline=$2; shift 2
  "$vmlab" run --kernel "$kernel" --module "$initrd" --mem 64M --cmdline "$cmdline" --quiet \
    --max-insns 2000000000 --trace "$out/$name.jsonl" --trace-format jsonl "$@" >/dev/null 2>&1
}
run_jsonl hidden-fault run=hello --trace-after tlb_install@app --trace-categories tlb,shadow --trace-limit 13
run_jsonl syscall run=hello --trace-after syscall --trace-categories syscall,exit,tlb,shadow,fault --trace-limit 31
for t in hidden-fault syscall; do
  "$vmlab" draw sequence "$out/$t.jsonl" -o "$out/$t.jsonl.svg"
  cmp -s "$out/$t.jsonl.svg" "$out/$t-sequence.svg" || bad "$t: the JSONL trace draws differently from the text trace"
done

# A picture that must show what it claims (the golden could be wrong too).
grep -q 'data-phase="install"' "$out/hidden-fault-sequence.svg" || bad "hidden fault: no install arrow"
# the shadow page fault is an exit: an arrow from the CPU/MMU lane (1) to the VMM's (3), not a loop
grep -q 'data-kind="shadow_fault" data-phase="shadow fault" data-icount="[0-9]*" data-from="1" data-to="3"' \
  "$out/hidden-fault-sequence.svg" || bad "hidden fault: the shadow page fault does not cross to the VMM"
grep -q 'data-level="1" data-index="0" data-at="0x274000" data-value="0x271005"' "$out/hidden-fault-walk.svg" ||
  bad "hidden fault walk: the L1 entry is not the trace's"
grep -q 'class="frame fault"' "$out/true-fault-walk.svg" || bad "true fault walk: no fault box"
# the install after the retry's hardware walk, with the trace's MA; no fault where the VMM resolved the miss
grep -q 'TLB install \[set 0 way 2\]: VA 0x400000 -&gt; MA 0x3de5000 ' "$out/hidden-fault-walk.svg" ||
  bad "hidden fault walk: not the TLB install of the trace (set 0 way 2, MA 0x3de5000)"
for w in hidden-fault syscall nested; do
  grep -q 'class="frame fault"' "$out/$w-walk.svg" && bad "$w walk: a fault box for a miss with no true fault"
done
[ "$(grep -c '<g class="pte"' "$out/nested-walk.svg")" = 4 ] || bad "nested walk: not the 4 guest entries of the 2-D walk"
grep -q '>nested walk<' "$out/nested-walk.svg" || bad "nested walk: the PA -> MA arrow is not the nested walk"
# 3 misses that fault into the VMM, 2 retries refilled by the hardware walk (the window ends in the 3rd fill)
[ "$(grep -c 'data-phase="miss"' "$out/syscall-sequence.svg")" = 5 ] || bad "syscall: not 5 miss arrows"
grep -q 'data-kind="tlb_write" data-phase="tlb write"' "$out/swtlb-sequence.svg" || bad "swtlb: no TLB write arrow"

# The report: summary, compare as bars, pictures; valid HTML.
"$vmlab" run --kernel "$kernel" --module "$initrd" --cmdline run=hello >/dev/null 2>"$out/summary.txt"
"$vmlab" compare --kernel "$kernel" --module "$initrd" --workload hello --format json >"$out/compare.json" 2>/dev/null
"$vmlab" report --summary "$out/summary.txt" --compare "$out/compare.json" --trace "$traces/syscall.trace" \
  -o "$out/report.html" || bad "vmlab report failed"
xmllint --noout "$out/report.html" || bad "report: not well-formed (X)HTML"
[ "$(grep -c '<svg' "$out/report.html")" = 7 ] || bad "report: not 4 charts and 3 pictures"
grep -q '<th>TLB</th><td>16x4 lru: hits' "$out/report.html" || bad "report: no summary table"
grep -q '<td>hello / nested</td>' "$out/report.html" || bad "report: no compare table"

# The console's draw command, on the live VM: a TLB miss stepped into, then drawn.
printf '%s\n' "until tlb-miss" "finish" "stepi" "draw walk 0x101000 $out/console-walk.svg" "draw tlb $out/console-tlb.svg" \
  "draw sequence $out/console-sequence.svg" "draw walk 0x101000" "draw pie $out/x.svg" >"$out/console.cmd"
"$vmlab" console --no-color --kernel "$kernel" --module "$initrd" --cmdline run=hello --script "$out/console.cmd" \
  >"$out/console.out" 2>&1
for p in walk tlb sequence; do
  grep -q "^wrote $out/console-$p.svg ($p)" "$out/console.out" || bad "console: draw $p did not say it wrote"
  xmllint --noout "$out/console-$p.svg" || bad "console: draw $p: not well-formed"
done
# the boot code's page: a 2 MiB page, so three guest levels, and the shadow table beside them
[ "$(grep -c '<g class="pte"' "$out/console-walk.svg")" = 3 ] || bad "console: the walk does not show 3 guest levels"
grep -q '<g class="spte"' "$out/console-walk.svg" || bad "console: the walk shows no shadow entry"
grep -q 'data-changed="1"' "$out/console-tlb.svg" || bad "console: the TLB grid marks no change of the last step"
grep -q "error: draw walk needs an address and a file name" "$out/console.out" || bad "console: draw walk without a file accepted"
grep -q "error: draw what?" "$out/console.out" || bad "console: draw pie accepted"

# Bad input: one line on stderr, exit 2, nothing written.
expect_bad() { # what args...
  local what=$1; shift
  rm -f "$out/bad.svg"
  "$vmlab" "$@" -o "$out/bad.svg" >/dev/null 2>"$out/bad.err"; rc=$?
  [ $rc = 2 ] || bad "$what: exit $rc, not 2"
  [ "$(wc -l <"$out/bad.err")" = 1 ] || bad "$what: not one line: $(cat "$out/bad.err")"
  [ -e "$out/bad.svg" ] || [ -e "$out/bad.svg.tmp" ] && bad "$what: output left behind"
}
printf '[ 12] vm0 VMM ok\nnot a trace line\n' >"$out/broken.trace"
expect_bad "missing trace" draw sequence "$out/none.trace"
expect_bad "malformed trace" draw sequence "$out/broken.trace"
expect_bad "walk without --va" draw walk "$traces/hidden-fault.trace"
expect_bad "walk of an absent VA" draw walk --va 0x1234000 "$traces/hidden-fault.trace"
expect_bad "window past the end" draw sequence --window 99 "$traces/hidden-fault.trace"
expect_bad "bad geometry" draw tlb --tlb 0x4 "$traces/syscall.trace"
expect_bad "unknown picture" draw pie "$traces/syscall.trace"
grep -q "broken.trace:2: malformed trace line" <("$vmlab" draw sequence "$out/broken.trace" 2>&1) ||
  bad "a malformed line is not named by file and line"

[ $fail = 0 ] && echo "ok   draw: $n pictures identical to their goldens and valid; JSONL = text; report; bad input refused"
exit $fail
