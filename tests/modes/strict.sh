#!/usr/bin/env bash
# tests/modes/strict.sh VMLAB ELF OUTDIR — the strict-x86 demo (labs/12-strict-x86/strict.c):
# under trap and emulate sidt/smsw/pushf/popf give the right answers
# (tests/modes/strict-right.out) and vmlab explains nothing; with --strict-x86
# they go wrong as on pre-VT x86 (tests/modes/strict-wrong.out) and vmlab
# prints one explanation per kind of untrapped instruction.
set -u
vmlab=$1 elf=$2 out=$3
mkdir -p "$out"
fail=0
for mode in right wrong; do
  opt=; [ $mode = wrong ] && opt=--strict-x86
  "$vmlab" run --kernel "$elf" --module /dev/null --mem 4M --quiet $opt >"$out/strict-$mode.out" 2>"$out/strict-$mode.err"
  rc=$?
  [ $rc = 0 ] || { echo "FAIL strict ($mode): status $rc"; cat "$out/strict-$mode.err"; fail=1; }
  if ! cmp -s "tests/modes/strict-$mode.out" "$out/strict-$mode.out"; then
    echo "FAIL strict ($mode): output"; diff -u "tests/modes/strict-$mode.out" "$out/strict-$mode.out"; fail=1
  fi
done
if grep -q "strict-x86:" "$out/strict-right.err"; then echo "FAIL strict: explanations without --strict-x86"; fail=1; fi
for op in sidt smsw pushf popf; do
  n=$(grep -c "^vmlab: strict-x86: $op ran without a trap" "$out/strict-wrong.err")
  [ "$n" = 1 ] || { echo "FAIL strict: want one explanation for $op, got $n"; cat "$out/strict-wrong.err"; fail=1; }
done
[ $fail = 0 ] && echo "ok   strict-x86 demo: sidt/smsw/pushf/popf right when trapped, wrong and explained with --strict-x86"
exit $fail
