#!/usr/bin/env bash
# Run each test step (a make target) and print a summary.
# usage: tests/run.sh [-j N] [--name SUITE] [--alone "STEP..."] [--long "STEP..."] MAKE [make args...] -- STEP...
#
# -j N runs N steps at a time (default TEST_JOBS, else 1). Each step's output goes
# to a file of its own and is printed whole, in the order of the list, as soon as
# the step and every step before it have finished: the log and the summary are the
# same whatever N is (only the "=== time" lines differ). With N = 1 the output is
# printed live. --alone steps run beside each other but never beside another step
# (the grader copies the build folder that other steps write into).
#
# Every step has a timeout: it passes when its make target exits 0 within
# STEP_TIMEOUT seconds (default 900; --long steps STEP_TIMEOUT_LONG, default 1800).
# A step that hangs (a guest the monitor never stops) is killed and fails instead
# of stalling CI. The last line is "tests (SUITE): N passed, N failed (S s, cpu C s
# in the steps)"; the exit status is non-zero if any failed. Each step's "=== time"
# line gives its wall seconds and its CPU seconds (user + sys of its processes):
# on a shared machine the CPU seconds say what a step costs.
set -u
jobs=${TEST_JOBS:-1} alone=" " long=" " name=""
while [ $# -gt 0 ]; do
  case $1 in
    -j) jobs=$2; shift 2 ;;
    --name) name=" ($2)"; shift 2 ;;
    --alone) alone=" $2 "; shift 2 ;;
    --long) long=" $2 "; shift 2 ;;
    *) break ;;
  esac
done
make_cmd=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do make_cmd+=("$1"); shift; done
shift
steps=("$@")
n=${#steps[@]}
dir=$(mktemp -d /tmp/vmlab-steps-XXXXXX)
# on exit (interrupted), stop the steps still running: each one's timeout passes
# the signal on to its step's process group
trap 'for f in "$dir"/*.pid; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null; done; wait; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

limit_of() { case $long in *" $1 "*) echo "${STEP_TIMEOUT_LONG:-1800}" ;; *) echo "${STEP_TIMEOUT:-900}" ;; esac; }
is_alone() { case $alone in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# run_step I: step I with its timeout; its status and seconds go to $dir/I.done
run_step() {
  local i=$1 step=${steps[$1]} t0=$SECONDS rc limit
  limit=$(limit_of "$step")
  # a subshell of its own, so that `times` gives this step's CPU (user + sys of
  # every process it waited for): on a shared machine that, not the wall time,
  # says what the step costs
  (
    if [ "$jobs" -gt 1 ]; then
      timeout -k 30 "$limit" "${make_cmd[@]}" "$step" >"$dir/$i.log" 2>&1 </dev/null &
      echo $! >"$dir/$i.pid"
      wait $!
    else
      echo "=== test step: $step"
      timeout -k 30 "$limit" "${make_cmd[@]}" "$step"
    fi
    rc=$?
    times >"$dir/$i.cpu"
    exit $rc
  )
  rc=$?
  echo "$rc $((SECONDS - t0)) $limit $(cpu_seconds "$dir/$i.cpu")" >"$dir/$i.tmp" && mv "$dir/$i.tmp" "$dir/$i.done"
}

# cpu_seconds FILE: the children's user + sys seconds from the output of `times`
# (second line, "XmY.YYYs XmY.YYYs")
cpu_seconds() {
  sed -n 2p "$1" | tr 'ms' '  ' | awk '{ printf "%.1f", $1 * 60 + $2 + $3 * 60 + $4 }'
}

passed=0; failed=0; failed_names="" cpu_total=0
report() {
  local i=$1 step=${steps[$1]} rc secs limit
  read -r rc secs limit cpu <"$dir/$i.done"
  if [ "$jobs" -gt 1 ]; then echo "=== test step: $step"; cat "$dir/$i.log"; fi
  [ "$rc" = 124 ] && echo "=== step $step did not finish within $limit s (hang?)"
  echo "=== time: $step $secs s (cpu $cpu s)"
  cpu_total=$(awk -v a="$cpu_total" -v b="$cpu" 'BEGIN { printf "%.1f", a + b }')
  if [ "$rc" = 0 ]; then
    echo "=== PASS: $step"; passed=$((passed + 1))
  else
    echo "=== FAIL: $step"; failed=$((failed + 1)); failed_names="$failed_names $step"
  fi
}

if [ "$jobs" -le 1 ]; then
  for ((i = 0; i < n; i++)); do run_step "$i"; report "$i"; done
else
  next=0 printed=0
  while [ "$printed" -lt "$n" ]; do
    # start steps while a slot is free; --alone steps share the machine only
    # with each other
    n_alone=0 n_normal=0
    for ((i = printed; i < next; i++)); do
      [ -f "$dir/$i.done" ] && continue
      if is_alone "${steps[$i]}"; then n_alone=$((n_alone + 1)); else n_normal=$((n_normal + 1)); fi
    done
    while [ "$next" -lt "$n" ] && [ $((n_alone + n_normal)) -lt "$jobs" ]; do
      if is_alone "${steps[$next]}"; then
        [ "$n_normal" -gt 0 ] && break
        n_alone=$((n_alone + 1))
      else
        [ "$n_alone" -gt 0 ] && break
        n_normal=$((n_normal + 1))
      fi
      run_step "$next" &
      next=$((next + 1))
    done
    while [ "$printed" -lt "$n" ] && [ -f "$dir/$printed.done" ]; do
      report "$printed"; printed=$((printed + 1))
    done
    [ "$printed" -lt "$n" ] && sleep 0.5
  done
fi
[ -n "$failed_names" ] && echo "failed steps:$failed_names"
echo "tests$name: $passed passed, $failed failed ($SECONDS s, cpu $cpu_total s in the steps)"
[ "$failed" -eq 0 ]
