#!/usr/bin/env bash
# tests/grade/other-code.sh VMLAB BUILD LAB... — a correct submission that is not the
# reference's code byte for byte scores full marks. For each LAB: the reference's hole files
# with a harmless loop put first in every hole body (more guest instructions, another code
# layout, as any student's own correct code has), graded with the answer key: full marks
# expected. Labs whose holes are guest code must not grade what counts instructions
# (labs/graded.sh, --pit-scale, trace-diff's ignore=icount,rip); before they did, a correct
# lab 10 or 11 submission scored 15/90 and 25/100.
set -u
vmlab=$1 build=$2
shift 2
t=$(mktemp -d /tmp/vmlab-other-code-XXXXXX)
chmod 755 "$t"
trap 'rm -rf "$t"' EXIT
fail=0
for lab in "$@"; do
  r=$(ls labs/"$lab"*/rubric | head -1)
  name=$(awk '$1 == "lab" { print $2; exit }' "$r")
  sub=$t/$lab
  for hole in $(awk '$1 == "hole" { print $2 }' "$r"); do
    mkdir -p "$sub/$(dirname "$hole")"
    awk -v tag="LAB-HOLE-BEGIN $name " '
      index($0, tag) { print "\t{ volatile int other_code; for (other_code = 0; other_code < 3; other_code++) ; }"; next }
      /LAB-HOLE-/ { next }
      { print }' "$hole" >"$sub/$hole"
    grep -q other_code "$sub/$hole" || { echo "other-code: FAIL: $lab: no hole body in $hole"; fail=1; }
  done
  "$vmlab" lab answers "$lab" other --build "$build" | grep -v '^#' >"$sub/answers.txt"
  "$vmlab" grade "$lab" "$sub" --student-id other --build "$build" --quiet >"$t/$lab.txt" 2>&1
  if grep -q '^total \([0-9.]*\)/\1$' "$t/$lab.txt"; then
    echo "other-code: $lab: other correct code scores $(grep '^total' "$t/$lab.txt" | cut -d' ' -f2)"
  else
    echo "other-code: FAIL: $lab: other correct code does not score full marks:"
    grep -e FAIL -e '^total' "$t/$lab.txt" | cut -c1-240
    fail=1
  fi
done
exit $fail
