#!/usr/bin/env bash
# tests/grade/student-copy.sh BUILD — what students get holds no answer.
#
# `vmlab lab export` of a programming lab is the student's copy of the whole tree,
# read-and-answer labs 01-06 included. It must hold no labs/*/expected or
# labs/*/solution folder, no line of any hand-in trace (labs/*/expected/*.trace,
# compared line by line), no transcript of lab 06's reference solution, and not lab
# 06's solution values (labs/06-*/solution/solution.mk); and no handout may send
# students to an expected/ file they do not have.
set -u
build=${1:-build}
t=$(mktemp -d /tmp/vmlab-student-copy-XXXXXX)
trap 'rm -rf "$t"' EXIT
fail=0
bad() { echo "labs-export-check: FAIL: $*"; fail=1; }

lab=$(basename "$(dirname "$(ls labs/*/rubric | head -1)")")
"$build/vmlab" lab export "$lab" "$t/copy" >/dev/null || { echo "labs-export-check: FAIL: export of $lab"; exit 1; }
c=$t/copy

found=$(cd "$c" && find labs -name expected -o -name solution)
[ -z "$found" ] || bad "the export holds $found"

# Every line of every hand-in trace, and lab 06's solution transcripts (their program
# lines), must be absent from every file of the export.
pat=$t/patterns
# (not their header lines "# vmlab trace ...": how a trace is made is no answer)
for f in labs/*/expected/*.trace; do grep -v -e '^[[:space:]]*$' -e '^# vmlab trace ' "$f"; done >"$pat"
grep -h '^strider:' labs/06-overheads-and-modes/expected/solution*.txt >>"$pat"
[ -s "$pat" ] || bad "no hand-in trace lines to look for (did labs/*/expected move?)"
hits=$(grep -rlF -f "$pat" "$c" | head -3)
[ -z "$hits" ] || bad "solution or hand-in text in: $hits"

# Lab 06's solution values, in any spelling of the two -D flags.
defs=labs/06-overheads-and-modes/solution/solution.mk
[ -f "$defs" ] || bad "no $defs in the reference tree"
for d in $(grep -o -- '-D[A-Z_]*=[0-9]*' "$defs"); do
  hits=$(grep -rlF -- "$d" "$c" | head -3)
  [ -z "$hits" ] || bad "lab 06's solution value $d in: $hits"
done

# Handouts may not point students at files of expected/ (they only have their own output).
hits=$(grep -lE 'expected/[A-Za-z0-9_.-]+\.(txt|trace|out)' "$c"/labs/*/HANDOUT.md)
[ -z "$hits" ] || bad "a handout refers to an expected/ file: $hits"

# The copy still runs lab 06's scripts: labs.mk builds the starter without the solution.
make -s -C "$c" -n BUILD="$t/b" labs-starter >/dev/null 2>&1 || bad "labs.mk is broken without lab 06's solution folder"

[ $fail = 0 ] && echo "ok   labs-export-check: the student copy ($lab) holds no expected/, solution/, hand-in trace line or solution value"
exit $fail
