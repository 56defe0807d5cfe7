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

# A programming lab's copy says in its rubric that it is a student copy (its vmlab runs the
# student's holes, so it is no reference): vmlab grade there runs no check that compares with a
# reference run ("not run", not a PASS against the student's own code). A lab whose holes carry
# no markers (lab 06: the starter is the hole) keeps a working reference and no such line.
"$build/vmlab" lab export shadow-fill "$t/copy07" >/dev/null || bad "export of shadow-fill"
grep -qx 'student-copy' "$t/copy07"/labs/07-*/rubric || bad "lab 07's exported rubric has no student-copy line"
! grep -q '^student-copy' "$c"/labs/*/rubric || bad "$lab's export: a student-copy line in a lab without stubs"
"$build/vmlab" lab export overheads-and-modes "$t/copy06" >/dev/null || bad "export of overheads-and-modes"
! grep -q '^student-copy' "$t/copy06"/labs/06-*/rubric || bad "lab 06's export: a student-copy line (its vmlab is whole)"
mkdir -p "$t/sc" "$t/sc-sub"
{ grep -v '^check *\(build\|unit\)' tests/grade/minilab/rubric
  echo 'check runs 5 public exit : test -f shadow/fill.c'; echo student-copy; } >"$t/sc/rubric"
"$build/vmlab" grade "$t/sc" "$t/sc-sub" --build "$build" >"$t/sc.txt" 2>"$t/sc.err"
n=$(grep -c 'not run: a student copy has no reference' "$t/sc.txt")
[ "$n" = 3 ] || bad "grading with a student copy's rubric: $n of 3 checks not run: $(cat "$t/sc.txt")"
grep -q 'runs .*PASS' "$t/sc.txt" || bad "a student copy's own checks did not run: $(grep runs "$t/sc.txt")"
grep -q 'note: .* says this is a student copy' "$t/sc.err" || bad "no note that this is a student copy: $(head -2 "$t/sc.err")"

# vmlab lab new writes a rubric that parses (and its own lab folder, numbered after the others)
mkdir -p "$t/new/labs/07-x"
vm=$(cd "$build" && pwd)/vmlab
(cd "$t/new" && "$vm" lab new my-lab >/dev/null) || bad "vmlab lab new failed"
[ -f "$t/new/labs/08-my-lab/rubric" ] && [ -f "$t/new/labs/08-my-lab/HANDOUT.md" ] || bad "vmlab lab new: no labs/08-my-lab/{rubric,HANDOUT.md}"
"$build/vmlab" lab variant "$t/new/labs/08-my-lab" alice --build "$build" | grep -q '^SEED=' ||
  bad "vmlab lab new: its rubric does not parse: $("$build/vmlab" lab variant "$t/new/labs/08-my-lab" alice --build "$build" 2>&1)"

[ $fail = 0 ] && echo "ok   labs-export-check: the student copy ($lab) holds no expected/, solution/, hand-in trace line or solution value"
exit $fail
