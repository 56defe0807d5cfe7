#!/usr/bin/env bash
# tests/grade/labs-grade.sh VMLAB REF_BUILD [JOBS] — `make labs-grade`: `vmlab lab check` of
# every lab with a rubric (reference full marks, export zero on code checks, no solution
# text), tests/grade/copied-answers.sh for each lab with a variant, and tests/grade/other-code.sh
# for each lab whose holes are guest code (correct code that is not the reference's scores full
# marks: no check may grade instruction counts), JOBS at a time (default: the number of
# CPUs; each lab check is one serial process, so on 2 cores two of them halve the wall time).
# The labs that build code run first (the longest), each one's output is printed whole in lab
# order with its wall time; the step fails if any lab or the copied-answers test fails.
# LABS_GRADE_ONLY="LAB...": only those labs (and their copied-answers and other-code tests).
set -u
vmlab=$1 build=$2 jobs=${3:-$(nproc)}
t=$(mktemp -d /tmp/vmlab-labs-grade-XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf "$t"' EXIT
trap 'exit 130' INT TERM

only=" ${LABS_GRADE_ONLY:-} "
labs=() heavy=() light=() varied=() guest=()
for r in labs/*/rubric; do
  lab=$(basename "$(dirname "$r")")
  [ "$only" = "  " ] || [[ $only == *" $lab "* ]] || continue
  labs+=("$lab")
  if grep -q '^check  *[^ ]*  *[0-9.]*  *[a-z]*  *build' "$r"; then heavy+=("$lab"); else light+=("$lab"); fi
  grep -q '^vary' "$r" && varied+=("$lab")
  grep -q '^hole  *guestos/' "$r" && guest+=("$lab")
done

# one job: NAME COMMAND...; its output in $t/NAME.log, status and seconds in $t/NAME.done
job() {
  local name=$1 t0=$SECONDS rc
  shift
  "$@" >"$t/$name.log" 2>&1 </dev/null
  rc=$?
  echo "$rc $((SECONDS - t0))" >"$t/$name.done"
}
start() {
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  job "$@" &
}
for lab in "${heavy[@]}" "${light[@]}"; do
  start "$lab" "$vmlab" lab check "$lab" --build "$build"
done
for lab in "${varied[@]}"; do
  start "copied-$lab" tests/grade/copied-answers.sh "$vmlab" "$build" "$lab"
done
for lab in "${guest[@]}"; do
  start "other-$lab" tests/grade/other-code.sh "$vmlab" "$build" "$lab"
done
wait

fail=0
for name in "${labs[@]}" "${varied[@]/#/copied-}" "${guest[@]/#/other-}"; do
  cat "$t/$name.log"
  read -r rc secs <"$t/$name.done" || rc=1 secs=?
  echo "labs-grade: $name: $( [ "$rc" = 0 ] && echo ok || echo FAIL) in $secs s"
  [ "$rc" = 0 ] || fail=1
done
echo "labs-grade: ${#labs[@]} lab checks, ${#varied[@]} copied-answers and ${#guest[@]} other-code tests, $jobs at a time: $( [ $fail = 0 ] && echo ok || echo FAIL)"
exit $fail
