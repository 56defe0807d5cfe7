#!/usr/bin/env bash
# tests/grade/copied-answers.sh VMLAB BUILD — per-student variants make copying fail.
#
# For every lab with a `vary` line: two students' answer keys differ (`vmlab lab answers`).
# For every lab without a build check (the read-and-answer labs, cheap to grade): alice's
# full-marks submission (`vmlab lab solution`) scores full marks as alice and loses
# points as bob, on every hand-in and on at least one answer.
set -u
vmlab=${1:-build/vmlab}
build=${2:-build}
t=$(mktemp -d /tmp/vmlab-copied-XXXXXX)
chmod 755 "$t"
trap 'rm -rf "$t"' EXIT
fail=0
bad() { echo "copied-answers: FAIL: $*"; fail=1; }

for r in labs/*/rubric; do
  lab=$(basename "$(dirname "$r")")
  grep -q '^vary' "$r" || continue
  "$vmlab" lab answers "$lab" alice --build "$build" | grep -v '^#' >"$t/$lab.alice" || bad "$lab: answers of alice"
  "$vmlab" lab answers "$lab" bob --build "$build" | grep -v '^#' >"$t/$lab.bob" || bad "$lab: answers of bob"
  [ -s "$t/$lab.alice" ] && cmp -s "$t/$lab.alice" "$t/$lab.bob" && bad "$lab: alice and bob have the same answers"
  grep -q '^check [^ ]* *[0-9.]* *[a-z]* *build' "$r" && continue
  "$vmlab" lab solution "$lab" alice "$t/$lab" --build "$build" || { bad "$lab: no solution for alice"; continue; }
  for who in alice bob; do
    "$vmlab" grade "$lab" "$t/$lab" --student-id "$who" --format json --build "$build" >"$t/$lab.$who.json" 2>/dev/null
  done
  # "score":S,"max_score":M at the top level of each report
  read -r sa ma < <(grep -o '"score":[0-9.]*,"max_score":[0-9.]*' "$t/$lab.alice.json" | head -1 | tr -c '0-9.\n' ' ')
  read -r sb mb < <(grep -o '"score":[0-9.]*,"max_score":[0-9.]*' "$t/$lab.bob.json" | head -1 | tr -c '0-9.\n' ' ')
  [ -n "${sa:-}" ] && [ "$sa" = "$ma" ] || bad "$lab: alice's own submission scores ${sa:-?}/${ma:-?}"
  [ -n "${sb:-}" ] && [ "$sb" != "$mb" ] || bad "$lab: alice's submission scores full marks ($sb/$mb) for bob"
  hand=$(grep -c 'handin=' "$r")
  passed=$(grep -o '"name":"[^"]*","score":[0-9.]*,"max_score":[0-9.]*,"status":"passed"' "$t/$lab.bob.json" |
           cut -d'"' -f4 | grep -Ff <(grep 'handin=' "$r" | awk '{print $2}') -x)
  [ -z "$passed" ] || bad "$lab: bob passes with alice's hand-ins: $passed"
  echo "copied-answers: $lab: alice's submission: $sa/$ma as alice, $sb/$mb as bob ($hand hand-ins, all fail for bob)"
done
[ $fail = 0 ] && echo "ok   copied-answers: a friend's answers and hand-ins fail your variant"
exit $fail
