#!/usr/bin/env bash
# tests/console/tracediff_e2e.sh — `vmlab trace-diff` on real traces.
# usage: tracediff_e2e.sh VMLAB KERNEL INITRD OUTDIR
# Two runs with the same options give equal traces (exit 0); text and JSONL
# of one run are equal; another --seed differs (exit 1) until MA and seed are
# ignored; a truncated or missing trace is bad input (exit 2).
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
head -n 1000 "$out/a.txt" >"$out/short.txt"
expect 1 "a shorter trace" "$out/a.txt" "$out/short.txt" --context 0
grep -q "ACTUAL ends after 1000 events" "$out/last.out" || { echo "tracediff_e2e: FAIL: length difference not named"; fails=$((fails + 1)); }
cp "$out/short.txt" "$out/cut.txt"; printf "[    12" >>"$out/cut.txt"
expect 2 "a truncated last line is malformed" "$out/a.txt" "$out/cut.txt"
expect 2 "missing file" "$out/a.txt" "$out/none.txt"
expect 2 "no arguments"
[ $fails -eq 0 ] && echo "tracediff_e2e: ok ($(wc -l <"$out/a.txt") events per trace)"
[ $fails -eq 0 ]
