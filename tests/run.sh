#!/usr/bin/env bash
# Run each test step (a make target) and print a summary.
# usage: tests/run.sh MAKE [make args...] -- STEP...
# Each step passes when its make target exits 0. The last line is
# "tests: N passed, N failed"; the exit status is non-zero if any failed.
set -u
make_cmd=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do make_cmd+=("$1"); shift; done
shift
passed=0; failed=0; failed_names=""
for step in "$@"; do
  echo "=== test step: $step"
  if "${make_cmd[@]}" "$step"; then
    echo "=== PASS: $step"; passed=$((passed + 1))
  else
    echo "=== FAIL: $step"; failed=$((failed + 1)); failed_names="$failed_names $step"
  fi
done
[ -n "$failed_names" ] && echo "failed steps:$failed_names"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
