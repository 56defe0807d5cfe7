#!/usr/bin/env bash
# tests/runner/runner_test.sh — tests/run.sh on fake steps (tests/runner/fake.mk):
# passes, failures, a timeout, steps that kill their own process group or the
# runner's processes above them; -j 2 prints what -j 1 prints; the runner never
# waits forever (each run is bounded by `timeout`; 124 there is a failure).
set -u
unset TEST_SUMMARY # the suite's summary file, if the suite runs this

out=${1:-build/tests/runner}
mkdir -p "$out"
fails=0
fail() { echo "FAIL runner: $*"; fails=$((fails + 1)); }
# run NAME JOBS STEP...: tests/run.sh on fake steps, output in $out/NAME.out; a
# short limit (3 s) for the steps that must run out of time (hang, stop-both), a
# long one (--long, 60 s) for the others, so that a loaded machine fails none of them
run() {
  local name=$1 jobs=$2; shift 2
  STEP_TIMEOUT=3 STEP_TIMEOUT_LONG=60 STEP_KILL_AFTER=1 RUNNER_GRACE=1 timeout 300 \
    tests/run.sh -j "$jobs" --name "$name" --long "$(printf '%s\n' "$@" | grep -vx 'hang\|stop-both' | tr '\n' ' ')" \
    make --no-print-directory -s -f tests/runner/fake.mk -- "$@" \
    >"$out/$name.out" 2>&1
  status=$?
  [ "$status" = 124 ] && fail "$name: tests/run.sh did not finish within 300 s"
}
has() { grep -qxF -- "$2" "$out/$1.out" || fail "$1: no line '$2' (see $out/$1.out)"; }
# what must not differ between -j 1 and -j 2: all but the times
same_part() { sed -e '/^=== time: /d' -e 's/^\(tests ([^)]*)\).*: \([0-9]* passed, [0-9]* failed\).*/tests: \2/' "$1"; }

list="pass-a fail-a slow pass-b hang pass-c kill-own-group kill-shell"
# shellcheck disable=SC2086
run serial 1 $list
[ "$status" = 1 ] || fail "serial: exit status $status, not 1"
# shellcheck disable=SC2086
run parallel 2 $list
[ "$status" = 1 ] || fail "parallel: exit status $status, not 1"
same_part "$out/serial.out" >"$out/serial.same"
same_part "$out/parallel.out" >"$out/parallel.same"
diff -u "$out/serial.same" "$out/parallel.same" >"$out/serial-parallel.diff" ||
  { fail "-j 2 output differs from -j 1:"; cat "$out/serial-parallel.diff"; }
for name in serial parallel; do
  grep -q "^tests ($name): 4 passed, 4 failed (" "$out/$name.out" || fail "$name: summary line"
  has $name "failed steps: fail-a hang kill-own-group kill-shell"
  has $name "=== step hang did not finish within 3 s (hang?)"
  has $name "step pass-b says hello"
  has $name "=== PASS: slow"
  grep -q "^=== step kill-shell has no result: the shell that ran it ended without writing one (killed by SIGKILL)$" \
    "$out/$name.out" || fail "$name: no 'kill-shell has no result' line"
done

# the runner's own processes killed or stopped under a step (-j 2 only: with
# -j 1 the process around the shell is the runner itself)
run lost 2 pass-a kill-wrapper kill-both pass-b stop-both pass-c
[ "$status" = 1 ] || fail "lost: exit status $status, not 1"
grep -q "^tests (lost): 4 passed, 2 failed (" "$out/lost.out" || fail "lost: summary line"
has lost "failed steps: kill-both stop-both"
has lost "=== PASS: kill-wrapper"
grep -q "^=== step kill-both has no result: the process running it (pid [0-9]*) is gone without writing one (killed by SIGKILL)$" \
  "$out/lost.out" || fail "lost: no 'kill-both has no result' line"
grep -q "^=== step stop-both has no result: still none [0-9]* s after it started (timeout 3 s); stopped it$" \
  "$out/lost.out" || fail "lost: no 'stop-both has no result' line"
has lost "=== PASS: pass-c"

if [ "$fails" -eq 0 ]; then echo "runner: ok (pass, fail, timeout, own group killed, runner's processes killed or stopped; -j 2 prints what -j 1 prints)"; else
  echo "runner: $fails failed checks"; exit 1; fi
