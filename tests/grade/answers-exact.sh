#!/usr/bin/env bash
# tests/grade/answers-exact.sh VMLAB [BUILD] — `make grade-answers`: numeric answers are
# compared exactly, and the roster of odd student ids is a valid CSV.
# VMLAB is the grader under test, BUILD the reference build (default: VMLAB's folder).
#
# A lab of answer checks only (nothing is built, so it takes seconds) whose reference
# "runs" print 64-bit numbers: an IDT base 0xfffffe0000001000 (above 2^53: as doubles,
# 0xfffffe0000001001 is the same number) and numbers with integer and percentage
# tolerances. The answer key must print them exactly in the reference's base; answers
# wrong only in their low bits must fail, right ones in any base pass, and each
# check's output echoes the number as the student wrote it.
set -u
vmlab=${1:-build/vmlab}
build=${2:-$(dirname "$vmlab")}
t=$(mktemp -d /tmp/vmlab-grade-answers-XXXXXX)
chmod 755 "$t"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$t"' EXIT
fail=0
bad() { echo "grade-answers: FAIL: $*"; fail=1; }

lab=$t/bignum
mkdir -p "$lab"
cat >"$lab/rubric" <<'EOF'
lab     bignum
title   exact answers
timeout 10
check base   10 public answer key=base grep=base : printf 'sidt: base 0xfffffe0000001000 limit 0x0fff\n'
check addr   10 public answer key=addr grep=MA : printf 'VA 0x400000 -> MA 0x7f3a123456789abc\n'
check near   10 public answer key=near grep=near tol=100 : printf 'near 18446744073709551000\n'
check pct    10 public answer key=pct grep=pct tol=0.000000001% : printf 'pct 10000000000000000000\n'
check rate   10 public answer key=rate grep=rate tol=0.05 : printf 'hit rate 99.96%%\n'
EOF

key=$("$vmlab" lab answers "$lab" anyone --build "$build" 2>&1)
echo "$key"
for want in 'base = 0xfffffe0000001000' 'addr = 0x7f3a123456789abc' 'near = 18446744073709551000' \
            'pct = 10000000000000000000' 'rate = 99.96'; do
  grep -qxF "$want" <<<"$key" || bad "answer key: no line '$want'"
done
grep -q 'e+' <<<"$key" && bad "answer key in %g form: $key"

# grade ID ANSWERS...: grade a submission with these answers.txt lines, as json
grade() {
  local id=$1
  shift
  mkdir -p "$t/subs/$id"
  printf '%s\n' "$@" >"$t/subs/$id/answers.txt"
  "$vmlab" grade "$lab" "$t/subs/$id" --build "$build" --format json --quiet >"$t/$id.json" 2>"$t/$id.err" ||
    bad "$id: grade exit status $?: $(head -3 "$t/$id.err")"
}
# status ID CHECK: passed or failed
status() { grep -o "{\"name\":\"$2\",[^}]*" "$t/$1.json" | grep -o '"status":"[a-z]*"' | cut -d'"' -f4; }
output() { grep -o "{\"name\":\"$2\",[^}]*" "$t/$1.json" | sed 's/.*"output":"\([^"]*\).*/\1/'; }

# right: the key itself, and the same values written in the other base
grade key "$key"
grade other-base 'base = 18446741874686300160' 'addr: 9167660007464409788' 'near 0xfffffffffffffd98' \
  'pct = 0x8ac7230489e80000' 'rate = 100'
# inside the tolerances, exactly at their edges
grade edges 'base = 0xfffffe0000001000' 'addr = 0x7f3a123456789abc' 'near = 18446744073709551100' \
  'pct = 10000000000100000000' 'rate = 99.91'
for id in key other-base edges; do
  for c in base addr near pct rate; do
    [ "$(status $id $c)" = passed ] || bad "$id: $c failed: $(output $id $c)"
  done
done
[ "$(output other-base base)" = 'base = 18446741874686300160: right' ] ||
  bad "other-base: the answer is not echoed as written: $(output other-base base)"
[ "$(output other-base near)" = 'near = 0xfffffffffffffd98: right' ] ||
  bad "other-base: the answer is not echoed as written: $(output other-base near)"
# wrong only in the low bits (all equal to the reference's as doubles), or just past a tolerance
grade low-bits 'base = 0xfffffe0000001001' 'addr = 0x7f3a123456789abd' 'near = 18446744073709551101' \
  'pct = 10000000000100000001' 'rate = 99.9'
for c in base addr near pct rate; do
  [ "$(status low-bits $c)" = failed ] || bad "low-bits: $c passed: $(output low-bits $c)"
done
[ "$(output low-bits base)" = 'base = 0xfffffe0000001001: wrong' ] ||
  bad "low-bits: base: $(output low-bits base)"
# the reference's value is not shown to a student who got it wrong
grep -q 'fffffe0000001000\|18446741874686300160' "$t/low-bits.json" && bad "low-bits: the output shows the right answer"

# ---- the roster of odd folder names (student ids), two at a time
# Accepted (any folder name but the two below): a comma, a quote, a newline, a space; each
# is one CSV record (RFC 4180: quoted, quotes doubled). Refused, each named, with exit
# status 1: a name starting with '.' and one longer than 63 bytes.
# A submission whose answers.txt is a symbolic link is refused as a whole: a row with 0
# and the reason, the others unaffected.
r=$t/roster
ids=('doe, jane' 'say "hi"' $'new\nline' 'plain' 'sp ace' 'linked')
for id in "${ids[@]}"; do
  mkdir -p "$r/$id"
  printf '%s\n' "$key" >"$r/$id/answers.txt"
done
printf '%s\n' "$key" >"$t/key.txt"
rm "$r/linked/answers.txt"
ln -s "$t/key.txt" "$r/linked/answers.txt"
long=$(printf 'x%.0s' $(seq 70))
mkdir -p "$r/.hidden" "$r/$long"
"$vmlab" grade "$lab" "$r" --jobs 2 --roster "$t/out.csv" --build "$build" >"$t/batch.txt" 2>&1
echo "grade exit status $?" >>"$t/batch.txt"
cat "$t/batch.txt"
grep -q '^grade exit status 1$' "$t/batch.txt" || bad "roster: refused folder names but exit status 0"
grep -q 'not graded: folder ".hidden"' "$t/batch.txt" || bad "roster: .hidden not named as not graded"
grep -q "not graded: folder \"$long\": a student id is at most 63 bytes" "$t/batch.txt" ||
  bad "roster: the long name not named as not graded"
[ -e "$t/out.csv.d/.hidden.json" ] && bad "roster: graded .hidden"
# the CSV, read by an RFC 4180 parser (awk, below): records of 5 fields, these ids
cat >"$t/want.csv" <<'EOF2'
student_id|score|max_score|variant|refused
doe, jane|50|50||
linked|0|50||refused: answers.txt is a symbolic link
new\nline|50|50||
plain|50|50||
say "hi"|50|50||
sp ace|50|50||
EOF2
# fields of each record joined with '|', a newline inside a field shown as \n
awk 'BEGIN { RS = "\n"; inq = 0 }
  { line = $0
    if (inq) { cur = cur "\\n" } else { cur = ""; nf = 0; out = "" }
    for (i = 1; i <= length(line); i++) {
      c = substr(line, i, 1)
      if (inq) {
        if (c == "\"") { if (substr(line, i + 1, 1) == "\"") { cur = cur "\""; i++ } else inq = 0 }
        else cur = cur c
      } else if (c == "\"") inq = 1
      else if (c == ",") { out = out (nf++ ? "|" : "") cur; cur = "" }
      else cur = cur c
    }
    if (!inq) { out = out (nf++ ? "|" : "") cur; print nf " " out }
  }' "$t/out.csv" >"$t/got.txt"
sed 's/^[0-9]* //' "$t/got.txt" >"$t/got.csv"
diff "$t/want.csv" "$t/got.csv" >"$t/csv.diff" || bad "roster CSV: $(cat "$t/csv.diff")"
awk '$1 != 5 { exit 1 }' "$t/got.txt" || bad "roster CSV: a record without 5 fields: $(cat "$t/got.txt")"
# the refused one: every check 0 with the reason, in its JSON result
for c in base addr near pct rate; do
  grep -q "{\"name\":\"$c\",\"score\":0,[^}]*\"status\":\"failed\",\"output\":\"refused: answers.txt is a symbolic link\"" \
    "$t/out.csv.d/linked.json" || bad "linked: $c: $(cat "$t/out.csv.d/linked.json")"
done
grep -q '"refused":"refused: answers.txt is a symbolic link"' "$t/out.csv.d/linked.json" ||
  bad "linked: no top-level refused reason: $(cat "$t/out.csv.d/linked.json")"
[ -f "$t/out.csv.d/new"$'\n'"line.json" ] || bad "roster: no result for the id with a newline"

# ---- --student-id as given: the variant of an id with a '/' or of 70 bytes is the one
# `vmlab lab variant` shows (it was cut at the '/' and at 63 bytes)
mkdir -p "$t/varied" "$t/empty"
printf 'lab varied\nvary SEED range 1 1000000000\ncheck n 1 public answer key=n grep=n : echo n 1\n' >"$t/varied/rubric"
for id in 'course/alice@example.edu' "$long"; do
  want=$("$vmlab" lab variant "$t/varied" "$id" --build "$build")
  got=$("$vmlab" grade "$t/varied" "$t/empty" --student-id "$id" --build "$build" --format json --quiet |
        grep -o '"variant":"[^"]*"' | cut -d'"' -f4)
  [ -n "$want" ] && [ "$want" = "$got" ] || bad "--student-id $id: variant $got, lab variant says $want"
done

[ $fail -eq 0 ] && echo "grade-answers: 64-bit answers compared exactly (key, other base, tolerance edges, low bits); roster CSV of odd ids"
exit $fail
