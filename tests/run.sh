#!/usr/bin/env bash
# Run each test step (a make target) and print a summary.
# usage: tests/run.sh MAKE [make args...] -- STEP...
# Each step passes when its make target exits 0 within STEP_TIMEOUT seconds
# (default 1800): a step that hangs (a guest the monitor never stops) is
# killed and fails instead of stalling CI. The last line is
# "tests: N passed, N failed"; the exit status is non-zero if any failed.
set -u
make_cmd=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do make_cmd+=("$1"); shift; done
shift
passed=0; failed=0; failed_names=""
for step in "$@"; do
  echo "=== test step: $step"
  t0=$SECONDS
  timeout -k 30 "${STEP_TIMEOUT:-1800}" "${make_cmd[@]}" "$step"
  rc=$?
  [ $rc = 124 ] && echo "=== step $step did not finish within ${STEP_TIMEOUT:-1800} s (hang?)"
  echo "=== time: $step $((SECONDS - t0)) s"
  if [ $rc = 0 ]; then
    echo "=== PASS: $step"; passed=$((passed + 1))
  else
    echo "=== FAIL: $step"; failed=$((failed + 1)); failed_names="$failed_names $step"
  fi
done
[ -n "$failed_names" ] && echo "failed steps:$failed_names"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
