#!/usr/bin/env bash
# labs/gradescope/test.sh VMLAB [BUILD] — run_autograder on a fake /autograder tree (a temp
# folder, AUTOGRADER_ROOT) with the reference solution of lab tlb handed in flat (tlb.c,
# policy.c), and check results.json has Gradescope's keys and full marks (the lab named "tlb" is
# labs/08-tlb, not 01-tlb-miss-round-trip whose name also holds "tlb": run_autograder once took
# that one's rubric, found no hole and graded the stubs); then build the zip and look inside.
# VMLAB is the grader under test, BUILD the reference build (default: VMLAB's folder).
set -u
vmlab=${1:-build/vmlab}
build=${2:-$(dirname "$vmlab")}
top=$(pwd)
t=$(mktemp -d /tmp/vmlab-gradescope-XXXXXX)
chmod 755 "$t"
trap 'rm -rf "$t"' EXIT
fail=0
bad() { echo "gradescope: FAIL: $*"; fail=1; }
mkdir -p "$t/submission"
ln -s "$top" "$t/source"
grep -v 'LAB-HOLE-' tlb/tlb.c >"$t/submission/tlb.c"
grep -v 'LAB-HOLE-' tlb/policy.c >"$t/submission/policy.c"
printf '{"id": 1, "users": [{"email": "student@example.edu", "id": 7, "name": "S"}]}\n' \
  >"$t/submission_metadata.json"
"$vmlab" lab answers tlb student@example.edu --build "$build" \
  | grep -v '^#' >"$t/submission/answers.txt"
AUTOGRADER_ROOT=$t VMLAB_LAB=tlb VMLAB_BUILD=$build VMLAB_GRADER=$vmlab labs/gradescope/run_autograder
r=$t/results/results.json
[ -f "$r" ] || { echo "gradescope: FAIL: no results.json"; exit 1; }
head -c 300 "$r"; echo
# required keys: score at the top, each test with name, score, max_score; output, visibility
for k in '^{"score":100,' '"tests":\[{"name":"build","score":10,"max_score":10,' '"visibility":"visible"' \
         '"visibility":"after_published"' '"output":"vmlab grade tlb: 100/100'; do
  grep -q "$k" "$r" || bad "results.json has no $k"
done
# links in the upload are not copied: fill.c a link to the reference's, answers.txt a link to
# a hidden file (a stand-in grader lists what run_autograder handed it): they are handed on
# as links, which vmlab grade refuses with a reason (the real grader, below)
mkdir -p "$t/links/submission"
ln -s "$top" "$t/links/source"
ln -s "$top/shadow/fill.c" "$t/links/submission/fill.c"
ln -s "$top/labs/06-overheads-and-modes/solution/solve.sh" "$t/links/submission/answers.txt"
ln -s "$top/shadow" "$t/links/submission/shadow"
printf '#!/bin/sh\nfind "$3" -type f >"%s"\nfind "$3" -type l >"%s.links"\necho "{}" >"%s"\n' "$t/links/handed" \
  "$t/links/handed" "$t/links/results/results.json" >"$t/links/grader"
chmod +x "$t/links/grader"
AUTOGRADER_ROOT=$t/links VMLAB_LAB=shadow-fill VMLAB_BUILD=$build VMLAB_GRADER=$t/links/grader labs/gradescope/run_autograder
[ -f "$t/links/handed" ] || bad "links: run_autograder did not run the grader"
[ -s "$t/links/handed" ] && bad "links: run_autograder copied linked files: $(cat "$t/links/handed")"
grep -q 'shadow/fill.c$' "$t/links/handed.links" && grep -q 'answers.txt$' "$t/links/handed.links" ||
  bad "links: the linked uploads were not handed on as links: $(cat "$t/links/handed.links")"
# ... and the real grader scores such an upload zero with the reason, not the stub's scores
rm -rf "$t/links/results" && mkdir -p "$t/links/results"
AUTOGRADER_ROOT=$t/links VMLAB_LAB=shadow-fill VMLAB_BUILD=$build VMLAB_GRADER=$vmlab labs/gradescope/run_autograder >/dev/null 2>&1
grep -q '^{"score":0,' "$t/links/results/results.json" 2>/dev/null &&
  grep -q 'refused: [a-z/.]* is a symbolic link' "$t/links/results/results.json" ||
  bad "links: results.json of a linked upload has no score 0 with the refusal: $(head -c 300 "$t/links/results/results.json" 2>&1)"
n=$(grep -o '"name":' "$r" | wc -l)
[ "$n" -eq "$(grep -o '"max_score":' "$r" | wc -l)" ] || bad "a test without max_score"
if git rev-parse --git-dir >/dev/null 2>&1; then
  labs/gradescope/make-zip.sh tlb "$t/ag.zip" >/dev/null || bad "make-zip.sh failed"
  for f in setup.sh run_autograder gradescope-lab labs/08-tlb/rubric tlb/policy.c; do
    grep -aq "$f" "$t/ag.zip" || bad "the zip has no $f"
  done
else
  echo "gradescope: skipped: the zip test (not a git checkout)"
fi
[ $fail -eq 0 ] && echo "gradescope: run_autograder wrote a valid results.json (100/100); zip ok"
exit $fail
