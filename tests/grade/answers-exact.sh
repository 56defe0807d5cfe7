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

[ $fail -eq 0 ] && echo "grade-answers: 64-bit answers compared exactly (key, other base, tolerance edges, low bits)"
exit $fail
