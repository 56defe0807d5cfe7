#!/usr/bin/env bash
# tests/grade/cli-errors.sh VMLAB [BUILD] — vmlab grade and vmlab lab on bad input.
#
# Each bad command line must print exactly one line, naming the problem, exit 2, and
# leave nothing behind (no roster, no results folder, no output file): an unknown lab,
# a missing submission folder, a bad --format or --jobs, --jobs without --roster, an
# --output that cannot be written (refused before any grading), an empty folder of
# submissions, an export into a folder that exists, a variant of an unknown lab.
set -u
vmlab=${1:-build/vmlab}
build=${2:-$(dirname "$vmlab")}
t=$(mktemp -d /tmp/vmlab-grade-cli-XXXXXX)
trap 'rm -rf "$t"' EXIT
fail=0
bad() { echo "grade-cli: FAIL: $*"; fail=1; }
mkdir -p "$t/sub" "$t/empty" "$t/exists"
# refused WANT ARGS...: exit 2, one line on stderr holding WANT, nothing on stdout, no new file in $t
refused() {
  local want=$1; shift
  local before after
  before=$(find "$t" | sort)
  "$vmlab" "$@" >"$t.out" 2>"$t.err"
  local rc=$?
  after=$(find "$t" | sort)
  [ $rc = 2 ] || bad "$*: exit status $rc, want 2"
  [ "$(wc -l <"$t.err")" = 1 ] || bad "$*: $(wc -l <"$t.err") lines on stderr, want 1: $(cat "$t.err")"
  grep -qF -- "$want" "$t.err" || bad "$*: stderr does not say '$want': $(cat "$t.err")"
  [ -s "$t.out" ] && bad "$*: printed on stdout: $(head -2 "$t.out")"
  [ "$before" = "$after" ] || bad "$*: left files behind: $(diff <(echo "$before") <(echo "$after") | grep '^>')"
}
refused "no-such-lab" grade no-such-lab "$t/sub" --build "$build"
refused "not a folder" grade 07 "$t/missing" --build "$build"
refused "--format wants" grade 07 "$t/sub" --format yaml --build "$build"
for j in 0 abc -3 2x 99999999999999999999; do
  refused "--jobs wants" grade 07 "$t/empty" --roster "$t/r.csv" --jobs "$j" --build "$build"
done
refused "needs --roster" grade 07 "$t/sub" --jobs 2 --build "$build"
refused "cannot write --output" grade 07 "$t/sub" --output "$t/no/such/folder/x.json" --build "$build"
refused "cannot write --output" grade 07 "$t/sub" --output "$t/exists" --build "$build"
refused "holds no submission" grade 07 "$t/empty" --roster "$t/r.csv" --build "$build"
refused "already exists" lab export 07 "$t/exists" --build "$build"
refused "wants a value" grade 07 "$t/sub" --student-id
refused "nope" lab variant nope alice --build "$build"
rm -f "$t.out" "$t.err"
[ $fail = 0 ] && echo "ok   grade-cli: every bad command line is refused in one line, exit 2, nothing left behind"
exit $fail
