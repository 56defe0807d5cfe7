#!/usr/bin/env bash
# tests/grade/copied-answers.sh VMLAB BUILD [LAB...] — per-student variants make copying fail
# (default: every lab with a `vary` line).
#
# Labs that build code: the answer keys of alice, bob and carol (`vmlab lab answers`) are not
# all the same, and the full-marks submission (`vmlab lab solution`) of one of two students
# whose keys differ, graded as the other, scores less than full marks: every answer whose
# value differs fails, and (unless the lab has a `solve` command or hand-ins, whose files are
# the student's own: lab 06) every other check passes (the submission's code is the
# reference's, right for every variant). Read-and-answer labs (no build check): alice's full-marks
# submission graded as bob fails every hand-in and loses points. (That a model submission
# scores full marks for its own student is what `vmlab lab check` proves.)
set -u
vmlab=$1 build=$2
shift 2
labs=("$@")
if [ ${#labs[@]} -eq 0 ]; then
  for r in labs/*/rubric; do grep -q '^vary' "$r" && labs+=("$(basename "$(dirname "$r")")"); done
fi
t=$(mktemp -d /tmp/vmlab-copied-XXXXXX)
chmod 755 "$t"
trap 'rm -rf "$t"' EXIT
fail=0
bad() { echo "copied-answers: FAIL: $*"; fail=1; }

for lab in "${labs[@]}"; do
  r=$(ls labs/"$lab"*/rubric 2>/dev/null | head -1)
  [ -n "$r" ] || { bad "$lab: no such lab with a rubric"; continue; }
  if grep -q '^check  *[^ ]*  *[0-9.]*  *[a-z]*  *build' "$r"; then
    for who in alice bob carol; do
      "$vmlab" lab answers "$lab" "$who" --build "$build" | grep -v '^#' >"$t/$lab.$who" || bad "$lab: answers of $who"
    done
    if cmp -s "$t/$lab.alice" "$t/$lab.bob" && cmp -s "$t/$lab.alice" "$t/$lab.carol"; then
      bad "$lab: alice, bob and carol have the same answers"
      continue
    fi
    echo "copied-answers: $lab: alice's, bob's and carol's answers are not all the same"
    # two of them whose keys differ: from's submission graded as to
    from= to=
    for pair in "alice bob" "alice carol" "bob carol"; do
      read -r a b <<<"$pair"
      cmp -s "$t/$lab.$a" "$t/$lab.$b" || { from=$a to=$b; break; }
    done
    "$vmlab" lab solution "$lab" "$from" "$t/$lab" --build "$build" || { bad "$lab: no solution for $from"; continue; }
    "$vmlab" grade "$lab" "$t/$lab" --student-id "$to" --format json --build "$build" >"$t/$lab.json" 2>/dev/null
    read -r score max < <(grep -o '"score":[0-9.]*,"max_score":[0-9.]*' "$t/$lab.json" | head -1 | tr -c '0-9.\n' ' ')
    [ -n "${score:-}" ] && [ "$score" != "$max" ] || bad "$lab: $from's submission scores ${score:-?}/${max:-?} for $to"
    # the keys whose values differ, and the checks that must fail: the answer checks of those keys
    diffkeys=$(awk 'NR == FNR { v[$1] = $3; next } $1 in v && v[$1] != $3 { print $1 }' "$t/$lab.$from" "$t/$lab.$to")
    want_fail=$(for k in $diffkeys; do awk -v k="key=$k" '$1 == "check" { for (i = 6; i <= NF && $i != ":"; i++) if ($i == k) print $2 }' "$r"; done | sort -u)
    failed=$(grep -o '"name":"[^"]*","score":[0-9.]*,"max_score":[0-9.]*,"status":"[a-z]*"' "$t/$lab.json" |
             grep -v '"status":"passed"' | cut -d'"' -f4 | sort -u)
    [ -n "$want_fail" ] || bad "$lab: keys $(echo $diffkeys) differ but no answer check reads them"
    missed=$(comm -23 <(echo "$want_fail") <(echo "$failed"))
    [ -z "$missed" ] || bad "$lab: $from's answers pass for $to where they differ: $(echo $missed)"
    # Where the submission's code is the reference's (no solve command, no hand-ins), nothing else fails.
    if ! grep -q '^solve\|handin=' "$r" && [ "$failed" != "$want_fail" ]; then
      bad "$lab: $from's submission as $to: failed [$(echo $failed)], want exactly the answers that differ [$(echo $want_fail)]"
    fi
    echo "copied-answers: $lab: $from's full-marks submission scores $score/$max for $to (fails: $(echo $failed))"
    continue
  fi
  "$vmlab" lab solution "$lab" alice "$t/$lab" --build "$build" || { bad "$lab: no solution for alice"; continue; }
  "$vmlab" grade "$lab" "$t/$lab" --student-id bob --format json --build "$build" >"$t/$lab.json" 2>/dev/null
  # "score":S,"max_score":M at the top level of the report
  read -r score max < <(grep -o '"score":[0-9.]*,"max_score":[0-9.]*' "$t/$lab.json" | head -1 | tr -c '0-9.\n' ' ')
  [ -n "${score:-}" ] && [ "$score" != "$max" ] || bad "$lab: alice's submission scores ${score:-?}/${max:-?} for bob"
  passed=$(grep -o '"name":"[^"]*","score":[0-9.]*,"max_score":[0-9.]*,"status":"passed"' "$t/$lab.json" |
           cut -d'"' -f4 | grep -Fx -f <(grep 'handin=' "$r" | awk '{print $2}'))
  [ -z "$passed" ] || bad "$lab: bob passes with alice's hand-ins: $passed"
  echo "copied-answers: $lab: alice's full-marks submission scores $score/$max for bob ($(grep -c 'handin=' "$r") hand-ins, all fail)"
done
[ $fail = 0 ] && echo "ok   copied-answers: a friend's answers and hand-ins fail your variant (${labs[*]})"
exit $fail
