#!/usr/bin/env bash
# tests/grade/bad-submissions.sh VMLAB [BUILD] — the grader against real bad submissions.
# VMLAB is the grader under test (under `make asan`, a sanitized one); BUILD the
# reference build it grades with (default: VMLAB's folder; grade.mk says why they differ).
#
# Ten submissions of lab shadow-fill's hole file (tests/grade/minilab/rubric), graded
# together with --jobs 2: the reference, and the reference with one of these put at
# the start of phase_pmap: a syntax error, an infinite loop, a segfault, a fork bomb,
# a 1 GB printer, a write outside its tree, a network connection, a 2.5 GiB allocation
# (the address-space cap must refuse it: it is set by prlimit, see sandbox.c). Each bad one must
# score zero on the code checks with a one-line reason, the good ones full marks, no
# file outside the sandbox may change, and a second run must resume (grade nothing).
# Then good2, outside and network again with VMLAB_GRADE_SANDBOX=landlock (confine.c).
# Last, a grader killed mid-run (both sandboxes) leaves nothing of its run running.
set -u
vmlab=${1:-build/vmlab}
build=${2:-$(dirname "$vmlab")}
t=$(mktemp -d /tmp/vmlab-grade-test-XXXXXX)
chmod 755 "$t"
trap "rm -rf $t" EXIT
fail=0
bad() { echo "grade-sandbox: FAIL: $*"; fail=1; }

ref=$(grep -v 'LAB-HOLE-' shadow/fill.c)
headers='#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>'
# make_sub NAME CODE: the reference with CODE first in phase_pmap's body
make_sub() {
  mkdir -p "$t/subs/$1/shadow"
  { echo "$headers"; printf '%s\n' "$ref" | awk -v code="$2" '
      { print }
      /^static void phase_pmap/ { getline; print; print code }'; } >"$t/subs/$1/shadow/fill.c"
  echo "hidden = $3" >"$t/subs/$1/answers.txt"
}
canary="$t/outside/canary"
mkdir -p "$t/outside"
make_sub good '' 0
make_sub good2 '' 0
make_sub syntax 'this is not C;' 0
make_sub loop 'for (;;) f->now++;' 0
make_sub segv '*(volatile int *)(uintptr_t)(16 + (f->pa & 7)) = 1;' 0
make_sub forkbomb 'for (;;) if (fork() < 0) { finish(f, SHADOW_FILL_ERROR, "fork failed"); return; }' 0
make_sub printer 'static char big[1 << 16]; memset(big, 120, sizeof big); for (;;) fwrite(big, 1, sizeof big, stdout);' 0
make_sub outside "FILE *o = fopen(\"$canary\", \"w\"); if (!o) { finish(f, SHADOW_FILL_ERROR, \"cannot write outside\"); return; } fputs(\"escaped\", o); fclose(o);" 0
# network: opens a socket, and says "no network" unless it is in the host's network
# namespace (bwrap gives the sandbox its own, with only a loopback of its own)
hostnet=$(stat -L -c %i /proc/self/ns/net)
make_sub network "{ struct stat st; int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0 || stat(\"/proc/self/ns/net\", &st) || st.st_ino != ${hostnet}u) {
    finish(f, SHADOW_FILL_ERROR, \"no network: not the host's network namespace\"); return; } close(s); }" 0
make_sub memhog 'finish(f, SHADOW_FILL_ERROR, malloc(5ul << 29) ? "no address-space limit: 2.5 GiB allocated"
  : "address space capped: malloc of 2.5 GiB failed"); return;' 0
# the right answer for good2 comes from the grader itself
key=$("$vmlab" lab answers tests/grade/minilab good2 --build "$build" | sed -n 's/^hidden = //p')
echo "hidden = $key" >"$t/subs/good2/answers.txt"
# a reference run that prints no number (a student copy's stubs, a wrong grep=): `lab answers`
# fails in one line instead of printing a key of "nan" with exit status 0
mkdir -p "$t/nokey"
sed 's/grep=faults:/grep=no_such_text/' tests/grade/minilab/rubric >"$t/nokey/rubric"
if nokey=$("$vmlab" lab answers "$t/nokey" good2 --build "$build" 2>&1); then
  bad "lab answers without the number: exit status 0: $nokey"
fi
case $nokey in *nan*|'') bad "lab answers without the number: $nokey" ;; esac

"$vmlab" grade tests/grade/minilab "$t/subs" --jobs 2 --roster "$t/roster.csv" --build "$build" >"$t/run1.txt" 2>&1
echo "grade exit status $?" >>"$t/run1.txt"
cat "$t/run1.txt"

# score CHECK STUDENT: the check's score in the student's result
score() { grep -o "{\"name\":\"$1\",\"score\":[0-9.]*" "$t/roster.csv.d/$2.json" | sed 's/.*://'; }
output() { grep -o "{\"name\":\"$1\",[^}]*" "$t/roster.csv.d/$2.json" | sed 's/.*"output":"\([^"]*\).*/\1/'; }
for s in good good2 syntax loop segv forkbomb printer outside network memhog; do
  [ -f "$t/roster.csv.d/$s.json" ] || { bad "$s: no result"; continue; }
done
[ "$(score unit-fill good)" = 10 ] && [ "$(score hello good)" = 10 ] && [ "$(score trace good)" = 10 ] \
  || bad "good: not full marks on code checks: $(cat "$t/roster.csv.d/good.json")"
grep -q '^good2,45,45,' "$t/roster.csv" || bad "good2: not 45/45 in the roster: $(grep good2 "$t/roster.csv")"
grep -q '^good,40,45,' "$t/roster.csv" || bad "good: a wrong answer should cost exactly its 5 points"
for s in syntax loop segv forkbomb printer outside network memhog; do
  for c in unit-fill hello trace; do
    [ "$(score $c $s)" = 0 ] || bad "$s: $c scored $(score $c $s), want 0"
  done
  echo "grade-sandbox: $s: hello: $(output hello $s | cut -c1-100)"
done
[ "$(score build syntax)" = 0 ] || bad "syntax: build passed"
output build syntax | grep -q 'error:' || bad "syntax: no compiler error in the reason"
output hello loop | grep -qE 'timed out|CPU time' || bad "loop: reason does not say timeout"
output hello segv | grep -q 'Segmentation fault' || bad "segv: reason does not say segfault"
output hello printer | grep -q 'file size limit' || bad "printer: reason does not say file size"
# the fork bomb's reason names the limit where the kernel can tell it refused forks: as
# root, with a pids cgroup to put the command in (sandbox.c; the v1 hierarchy, or a v2
# root that delegates pids); elsewhere RLIMIT_NPROC alone stops it, silently
if [ "$(id -u)" = 0 ] && { [ -w /sys/fs/cgroup/pids/cgroup.procs ] ||
     { [ "$(cat /proc/self/cgroup)" = "0::/" ] && grep -qw pids /sys/fs/cgroup/cgroup.subtree_control; }; }; then
  output hello forkbomb | grep -q 'process limit of 64 reached ([0-9]* forks\? refused)' ||
    bad "forkbomb: reason does not say the process limit: $(output hello forkbomb | cut -c1-200)"
  for c in hello unit-fill; do
    for s in good good2 loop segv printer; do
      output $c $s | grep -q 'process limit' && bad "$s: $c: says the process limit: $(output $c $s | cut -c1-200)"
    done
  done
else
  echo "grade-sandbox: note: no pids cgroup here (not root, or none delegated): the fork bomb's reason is not checked"
fi
grep -q 'no network' "$t/roster.csv.d/network.json" || bad "network: the sandbox let it connect"
grep -q 'address space capped' "$t/roster.csv.d/memhog.json" || bad "memhog: no address-space cap"
[ -e "$canary" ] && bad "outside: wrote $canary outside its sandbox"
# the sandbox uids this run used (a range of its own: graders running at once lock
# different ranges) own the files the sandbox wrote; none may have a process left
for u in $(find "$t" -printf '%U\n' | sort -un | awk '$1 >= 61000'); do
  ps -eo uid=,stat=,comm= | awk -v u="$u" '$1 == u' | grep -q . && bad "processes of the sandbox uid $u left running"
done

# resume: a second run grades nothing; a removed result is graded again
rm "$t/roster.csv.d/segv.json"
"$vmlab" grade tests/grade/minilab "$t/subs" --jobs 2 --roster "$t/roster.csv" --build "$build" >"$t/run2.txt" 2>&1
grep -q '^9 already graded' "$t/run2.txt" || bad "resume: $(head -3 "$t/run2.txt")"
[ -f "$t/roster.csv.d/segv.json" ] || bad "resume: segv not regraded"
[ "$(wc -l <"$t/roster.csv")" = 11 ] || bad "roster: $(wc -l <"$t/roster.csv") lines, want 11"

# JUnit XML of one submission (the Gradescope format is tested by labs/gradescope/test.sh)
"$vmlab" grade tests/grade/minilab "$t/subs/syntax" --build "$build" --format junit --quiet >"$t/junit.xml" 2>/dev/null
grep -q '<testsuite name="shadow-fill" tests="5" failures="5"' "$t/junit.xml" || bad "junit: $(head -3 "$t/junit.xml")"

# The landlock sandbox (what runs where bwrap cannot: confine.c), forced on this machine:
# a good submission still scores full marks, and the ones that write outside their tree
# (into a folder anyone may write: only the sandbox stops it) or open a network socket
# (the host's network namespace here) score zero. The grader must say it ran landlock.
mkdir -p "$t/ll"
cp -r "$t/subs/good2" "$t/subs/outside" "$t/subs/network" "$t/ll/"
chmod 1777 "$t/outside"
VMLAB_GRADE_SANDBOX=landlock "$vmlab" grade tests/grade/minilab "$t/ll" --jobs 2 --roster "$t/ll.csv" \
  --build "$build" >"$t/ll.txt" 2>&1
echo "grade exit status $?" >>"$t/ll.txt"
if grep -q 'VMLAB_GRADE_SANDBOX=landlock: the kernel has no Landlock' "$t/ll.txt"; then
  echo "grade-sandbox: landlock: SKIPPED: $(grep -m1 -o 'the kernel has no Landlock.*' "$t/ll.txt")"
else
  sed 's/^/landlock: /' "$t/ll.txt"
  grep -q '^vmlab grade: sandbox: landlock, ABI [1-9]' "$t/ll.txt" || bad "landlock: no 'sandbox: landlock' line"
  for s in good2 outside network; do
    grep -q '"sandbox":"landlock"' "$t/ll.csv.d/$s.json" 2>/dev/null || bad "landlock: $s: not graded in landlock mode"
  done
  grep -q '^good2,45,45,' "$t/ll.csv" || bad "landlock: good2: not 45/45: $(grep good2 "$t/ll.csv")"
  for s in outside network; do
    for c in unit-fill hello trace; do
      [ "$(grep -o "{\"name\":\"$c\",\"score\":[0-9.]*" "$t/ll.csv.d/$s.json" | sed 's/.*://')" = 0 ] ||
        bad "landlock: $s: $c did not score 0"
    done
  done
  grep -q 'no network' "$t/ll.csv.d/network.json" || bad "landlock: network: the sandbox let it open a socket"
  grep -q 'cannot write outside' "$t/ll.csv.d/outside.json" || bad "landlock: outside: no 'cannot write outside'"
  [ -e "$canary" ] && bad "landlock: outside: wrote $canary outside its sandbox"
fi

# A grader killed in the middle of a --jobs 2 run takes its workers and their commands
# with it: nothing of the run keeps going (a worker left running would write a result
# after the grader is gone, and share a work folder with a rerun's worker). The two
# loop submissions keep both workers busy in a check when the grader is killed.
killtest() { # MODE: auto or landlock
  local k=$t/kill-$1 pids n=0
  mkdir -p "$k"
  cp -r "$t/subs/loop" "$k/loop1"; cp -r "$t/subs/loop" "$k/loop2"
  VMLAB_GRADE_SANDBOX=$1 "$vmlab" grade tests/grade/minilab "$k" --jobs 2 --roster "$k.csv" \
    --build "$build" >"$k.txt" 2>&1 &
  local grader=$!
  # both workers busy: each slot's work tree made (they build there, then run checks)
  while [ $n -lt 1200 ] && ! [ -d "$k.csv.d/work/work-0" -a -d "$k.csv.d/work/work-1" ]; do
    sleep 0.1; n=$((n + 1))
  done
  [ $n -lt 1200 ] || bad "kill ($1): the two workers never started"
  sleep 3
  kill -TERM $grader; wait $grader 2>/dev/null
  sleep 2
  left=$(for c in /proc/[0-9]*/cwd; do readlink "$c" 2>/dev/null; done | grep -c "^$k.csv.d")
  pids=$(pgrep -f -- "$k" | tr '\n' ' ')
  [ "$left" = 0 ] && [ -z "$pids" ] || bad "kill ($1): 2 s after the grader was killed, $left processes work in its folder and [$pids] name it"
  sleep 1
  ls "$k.csv.d"/*.json >/dev/null 2>&1 && bad "kill ($1): a result was written after the grader was killed: $(ls "$k.csv.d")"
  pkill -KILL -f -- "$k" 2>/dev/null
}
killtest auto
grep -q 'VMLAB_GRADE_SANDBOX=landlock: the kernel has no Landlock' "$t/ll.txt" || killtest landlock

[ $fail -eq 0 ] && echo "grade-sandbox: all bad submissions scored zero with a reason; good ones full; resume ok; landlock too"
exit $fail
