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
# on a shared machine the CPU seconds say what a step costs. With TEST_SUMMARY=FILE
# the last line (and the failed steps) is added to FILE too (make test uses it).
#
# The runner cannot wait forever: the shell that waited for a step writes the
# step's result ($dir/I.done) itself, with no command in between that could fail
# (no fork); with -j N the loop also fails a step, with a one-line reason, when
# the process running it is gone without a result, or when there is no result
# RUNNER_GRACE seconds (default 60) after the step's timeout and its kill
# (STEP_KILL_AFTER, default 30 s: timeout's -k).
# tests/runner/ tests this runner (make runner-test).
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
grace=${RUNNER_GRACE:-60} kill_after=${STEP_KILL_AFTER:-30}
dir=$(mktemp -d /tmp/vmlab-steps-XXXXXX)
# on exit (interrupted), stop the steps still running (those with no result: a
# finished step's pid may belong to another process by now): each one's timeout
# passes the signal on to its step's process group
stop_running() {
  local f
  for f in "$dir"/*.pid; do
    [ -f "$f" ] && [ ! -f "${f%.pid}.done" ] && kill -TERM "$(<"$f")" 2>/dev/null
  done
}
trap 'stop_running; wait; rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

limit_of() { case $long in *" $1 "*) echo "${STEP_TIMEOUT_LONG:-1800}" ;; *) echo "${STEP_TIMEOUT:-900}" ;; esac; }
is_alone() { case $alone in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# cpu_of FILE: cpu_s = the children's user + sys seconds (one decimal) from the
# output of `times` in FILE (second line, "XmY.YYYs XmY.YYYs"), with builtins only
cpu_of() {
  local u s ms=0 t m sec
  cpu_s="?"
  { read -r _; read -r u s; } <"$1" || return 0
  for t in "$u" "$s"; do
    m=${t%%m*} sec=${t#*m}; sec=${sec%s}; sec=${sec/,/.}
    # sec is "S.FFF": whole seconds and milliseconds
    ms=$((ms + (10#$m * 60 + 10#${sec%%.*}) * 1000 + 10#${sec#*.}))
  done
  cpu_s="$((ms / 1000)).$((ms % 1000 / 100))"
}

# result I RC SECS LIMIT CPU: write step I's result in one write; the line ends
# in "end" so that a reader never takes a half-written file for a result
result() { printf '%s %s %s %s end\n' "$2" "$3" "$4" "$5" >"$dir/$1.done"; }
has_result() { local e; read -r _ _ _ _ e 2>/dev/null <"$dir/$1.done" && [ "$e" = end ]; }
# lost I REASON: step I has no result and will not get one: it fails, saying why
lost() { echo "$2" >"$dir/$1.why"; result "$1" lost "$((SECONDS - ${started[$1]:-$SECONDS}))" "$(limit_of "${steps[$1]}")" "?"; }
# how_ended STATUS: "status N", or "killed by SIGNAME"
how_ended() { if [ "$1" -gt 128 ]; then echo "killed by SIG$(kill -l $(($1 - 128)))"; else echo "status $1"; fi; }

# run_step I: step I with its timeout. The subshell that waits for it writes its
# result: a subshell of its own, so that `times` gives this step's CPU (user +
# sys of every process it waited for): on a shared machine that, not the wall
# time, says what the step costs. The step's stdin is /dev/null; with -j 1 its
# output goes straight out, else to $dir/I.log. The shells' own notices of a
# killed child ("Killed") are dropped (fd 3 keeps the step's stderr): the log
# is the steps' output, the same whatever -j is.
run_step() {
  local i=$1 step=${steps[$1]} t0=$SECONDS limit rc
  limit=$(limit_of "$step")
  {
    (
      exec 2>&3 3>&-
      echo "$BASHPID" >"$dir/$i.shell"
      if [ "$jobs" -gt 1 ]; then
        timeout -k "$kill_after" "$limit" "${make_cmd[@]}" "$step" >"$dir/$i.log" 2>&1 </dev/null &
      else
        echo "=== test step: $step"
        timeout -k "$kill_after" "$limit" "${make_cmd[@]}" "$step" </dev/null &
      fi
      echo $! >"$dir/$i.pid"
      wait $!
      rc=$?
      times >"$dir/$i.cpu"
      cpu_of "$dir/$i.cpu"
      result "$i" "$rc" "$((SECONDS - t0))" "$limit" "$cpu_s"
      exit $rc
    )
  } 3>&2 2>/dev/null
  rc=$?
  has_result "$i" || lost "$i" "the shell that ran it ended without writing one ($(how_ended $rc))"
}

passed=0; failed=0; failed_names="" cpu_total=0
report() {
  local i=$1 step=${steps[$1]} rc secs limit cpu
  read -r rc secs limit cpu _ <"$dir/$i.done"
  if [ "$jobs" -gt 1 ]; then echo "=== test step: $step"; cat "$dir/$i.log" 2>/dev/null; fi
  [ "$rc" = 124 ] && echo "=== step $step did not finish within $limit s (hang?)"
  [ "$rc" = lost ] && echo "=== step $step has no result: $(<"$dir/$i.why")"
  echo "=== time: $step $secs s (cpu $cpu s)"
  case $cpu in ?*.?) cpu_total=$(awk -v a="$cpu_total" -v b="$cpu" 'BEGIN { printf "%.1f", a + b }') ;; esac
  if [ "$rc" = 0 ]; then
    echo "=== PASS: $step"; passed=$((passed + 1))
  else
    echo "=== FAIL: $step"; failed=$((failed + 1)); failed_names="$failed_names $step"
  fi
}

# check_lost I: step I (started, no result yet) fails if the process running it
# is gone, or if it has had no result for RUNNER_GRACE s after its timeout and
# kill; then what is left of it is stopped: the step's process group (timeout
# leads it), the shell that waits for it, the process around that shell
check_lost() {
  local i=$1 pid=${wrapper[$1]} limit
  kill -0 "$pid" 2>/dev/null && {
    limit=$(limit_of "${steps[$i]}")
    [ $((SECONDS - started[i])) -gt $((limit + kill_after + grace)) ] || return 0
    has_result "$i" && return 0
    lost "$i" "still none $((SECONDS - started[i])) s after it started (timeout $limit s); stopped it"
    [ -f "$dir/$i.pid" ] && kill -KILL -- "-$(<"$dir/$i.pid")" 2>/dev/null
    [ -f "$dir/$i.shell" ] && kill -KILL "$(<"$dir/$i.shell")" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null
    return 0
  }
  has_result "$i" && return 0 # it wrote its result, then ended
  wait "$pid" 2>/dev/null # bash keeps the status of its reaped children
  lost "$i" "the process running it (pid $pid) is gone without writing one ($(how_ended $?))"
  [ -f "$dir/$i.pid" ] && kill -TERM "$(<"$dir/$i.pid")" 2>/dev/null
  return 0
}

declare -a wrapper started
if [ "$jobs" -le 1 ]; then
  for ((i = 0; i < n; i++)); do run_step "$i"; report "$i"; done
else
  # the loop's stderr is kept in fd 4 for the steps' processes; bash's own
  # notices of a killed background process go nowhere (check_lost says it)
  exec 4>&2 2>/dev/null
  next=0 printed=0
  while [ "$printed" -lt "$n" ]; do
    # fail the steps whose runner is gone; then start steps while a slot is
    # free; --alone steps share the machine only with each other
    n_alone=0 n_normal=0
    for ((i = printed; i < next; i++)); do
      has_result "$i" && continue
      check_lost "$i"
      has_result "$i" && continue
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
      started[next]=$SECONDS
      run_step "$next" 2>&4 &
      wrapper[next]=$!
      next=$((next + 1))
    done
    while [ "$printed" -lt "$n" ] && has_result "$printed"; do
      report "$printed"; printed=$((printed + 1))
    done
    [ "$printed" -lt "$n" ] && sleep 0.5
  done
  exec 2>&4 4>&-
fi
[ -n "$failed_names" ] && echo "failed steps:$failed_names"
summary="tests$name: $passed passed, $failed failed ($SECONDS s, cpu $cpu_total s in the steps)"
echo "$summary"
# TEST_SUMMARY=FILE: the summary line (and which steps failed) is added to FILE too
[ -n "${TEST_SUMMARY:-}" ] && { [ -n "$failed_names" ] && echo "failed steps$name:$failed_names"; echo "$summary"; } >>"$TEST_SUMMARY"
[ "$failed" -eq 0 ]
