#!/usr/bin/env bash
# tests/console/tracediff_e2e.sh — `vmlab trace-diff` on real traces.
# usage: tracediff_e2e.sh VMLAB KERNEL INITRD OUTDIR
# Two runs with the same options give equal traces (exit 0); text and JSONL
# of one run are equal; another --seed differs (exit 1) until MA and seed are
# ignored; a truncated or missing trace is bad input (exit 2). The header
# line: the same options in another order give the same header; headers that
# differ are named on one line; --require-same-options makes that exit 3.
set -u
if [ $# -ne 4 ]; then echo "usage: $0 VMLAB KERNEL INITRD OUTDIR" >&2; exit 2; fi
vmlab=$1 kernel=$2 initrd=$3 out=$4/tracediff
mkdir -p "$out"
fails=0
run() { # run NAME [options...]
  local n=$1; shift
  "$vmlab" run --quiet --kernel "$kernel" --module "$initrd" --cmdline run=hello "$@" >/dev/null 2>&1
}
expect() { # expect STATUS DESCRIPTION trace-diff-args...
  local want=$1 what=$2; shift 2
  "$vmlab" trace-diff "$@" >"$out/last.out" 2>&1
  local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "tracediff_e2e: FAIL: $what: exit $got, want $want"; head -12 "$out/last.out"; fails=$((fails + 1))
  fi
}
run a --trace "$out/a.txt"
run b --trace "$out/b.txt"
run j --trace "$out/a.jsonl" --trace-format jsonl
run s --trace "$out/s7.txt" --seed 7
expect 0 "same run twice" "$out/a.txt" "$out/b.txt"
expect 0 "text vs JSONL of the same run" "$out/a.txt" "$out/a.jsonl"
expect 1 "another seed" "$out/a.txt" "$out/s7.txt"
grep -q "traces differ at event 1 " "$out/last.out" || { echo "tracediff_e2e: FAIL: no readable first difference"; fails=$((fails + 1)); }
expect 0 "another seed, MA and seed ignored" "$out/a.txt" "$out/s7.txt" --ignore ma --ignore seed
# the header: how the trace was made
head -1 "$out/a.txt" | grep -q '^# vmlab trace version=[^ ]* seed=1 kernel=[0-9a-f]\{16\} modules=initrd.pack:[0-9a-f]\{16\} options=--cmdline run=hello$' ||
  { echo "tracediff_e2e: FAIL: header line: $(head -1 "$out/a.txt")"; fails=$((fails + 1)); }
head -1 "$out/a.jsonl" | grep -q '^{"meta":{"version":"[^"]*","seed":1,"kernel":"[0-9a-f]\{16\}","modules":"initrd.pack:[0-9a-f]\{16\}","options":"--cmdline run=hello"}}$' ||
  { echo "tracediff_e2e: FAIL: JSONL header: $(head -1 "$out/a.jsonl")"; fails=$((fails + 1)); }
"$vmlab" run --quiet --kernel "$kernel" --module "$initrd" --trace-limit 5 --tlb 8x8 --trace "$out/o1.txt" --cmdline 'run=hello' --mem=32768K --cost io=7,exit=9 >/dev/null 2>&1
"$vmlab" run --quiet --trace "$out/o2.txt" --cost exit=9 --mem 32M --kernel "$kernel" --cmdline run=hello --tlb=8x8 --module "$initrd" --cost io=7 --trace-limit=5 >/dev/null 2>&1
cmp -s "$out/o1.txt" "$out/o2.txt" && head -1 "$out/o1.txt" | grep -q 'options=--mem 32M --cmdline run=hello --tlb 8x8 --cost exit=9,io=7 --trace-limit 5$' ||
  { echo "tracediff_e2e: FAIL: the same options in another order give another header: $(head -1 "$out/o1.txt") / $(head -1 "$out/o2.txt")"; fails=$((fails + 1)); }
expect 1 "another seed: the headers differ" "$out/a.txt" "$out/s7.txt"
[ "$(head -1 "$out/last.out")" = 'note: the traces were made differently (EXPECTED vs ACTUAL): seed "1" vs "7"' ] ||
  { echo "tracediff_e2e: FAIL: differing headers not named: $(head -1 "$out/last.out")"; fails=$((fails + 1)); }
expect 3 "another seed, --require-same-options" "$out/a.txt" "$out/s7.txt" --require-same-options
expect 0 "same run, --require-same-options" "$out/a.txt" "$out/a.jsonl" --require-same-options
expect 1 "other options, headers ignored" "$out/a.txt" "$out/o1.txt" --ignore meta
grep -q "^note" "$out/last.out" && { echo "tracediff_e2e: FAIL: --ignore meta still names the headers"; fails=$((fails + 1)); }
expect 3 "other options, only the seed ignored" "$out/a.txt" "$out/o1.txt" --ignore seed --require-same-options
expect 1 "other options, their field ignored" "$out/a.txt" "$out/o1.txt" --ignore meta.options --require-same-options
sed '1s/kernel=[0-9a-f]*/kernel=0123456789abcdef/' "$out/a.txt" >"$out/otherkernel.txt"
expect 0 "another kernel build, same options (a student's kernel)" "$out/a.txt" "$out/otherkernel.txt" --require-same-options
grep -q '^note: the traces were made differently (EXPECTED vs ACTUAL): kernel "[0-9a-f]*" vs "0123456789abcdef"$' "$out/last.out" ||
  { echo "tracediff_e2e: FAIL: another kernel not named: $(head -1 "$out/last.out")"; fails=$((fails + 1)); }
tail -n +2 "$out/a.txt" >"$out/nohead.txt"
expect 0 "no header on one side" "$out/nohead.txt" "$out/a.txt"
grep -q "^note: EXPECTED has no header line" "$out/last.out" || { echo "tracediff_e2e: FAIL: a missing header not named"; fails=$((fails + 1)); }
expect 3 "no header, --require-same-options" "$out/nohead.txt" "$out/a.txt" --require-same-options
expect 2 "--require-same-options with --ignore meta" "$out/a.txt" "$out/a.txt" --require-same-options --ignore meta
{ head -1 "$out/a.txt"; echo "# a comment"; tail -n +2 "$out/a.txt"; } >"$out/comment.txt"
expect 0 "a comment line" "$out/a.txt" "$out/comment.txt"
{ echo "# vmlab trace seed=1"; tail -n +2 "$out/a.txt"; } >"$out/badhead.txt"
expect 2 "a header without a version" "$out/a.txt" "$out/badhead.txt"
head -n 1001 "$out/a.txt" >"$out/short.txt"
expect 1 "a shorter trace" "$out/a.txt" "$out/short.txt" --context 0
grep -q "ACTUAL ends after 1000 events" "$out/last.out" || { echo "tracediff_e2e: FAIL: length difference not named"; fails=$((fails + 1)); }
cp "$out/short.txt" "$out/cut.txt"; printf "[    12" >>"$out/cut.txt"
expect 2 "a truncated last line is malformed" "$out/a.txt" "$out/cut.txt"
expect 2 "missing file" "$out/a.txt" "$out/none.txt"
expect 2 "no arguments"
[ $fails -eq 0 ] && echo "tracediff_e2e: ok ($(grep -c '^\[' "$out/a.txt") events per trace)"
[ $fails -eq 0 ]
