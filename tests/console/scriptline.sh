#!/usr/bin/env bash
# tests/console/scriptline.sh — a console script carries its options in its
# first line "#! OPTIONS" (monitor/console/console_main.c).
# usage: scriptline.sh VMLAB KERNEL INITRD OUTDIR
# The script runs with its options (--script and on stdin alike); the command
# line may repeat them or add --trace, but another value, or an option the
# line does not give, is one line on stderr and exit 2; garbage in the #!
# line is one line naming it; module paths in it are found beside vmlab.
set -u
if [ $# -ne 4 ]; then echo "usage: $0 VMLAB KERNEL INITRD OUTDIR" >&2; exit 2; fi
vmlab=$(realpath "$1") kernel=$2 initrd=$3 out=$(realpath -m "$4")/scriptline
mkdir -p "$out"
fails=0
fail() { echo "scriptline: FAIL: $*"; fails=$((fails + 1)); }
con() { # con NAME [options...]: console output in $out/NAME.out, stderr in NAME.err, status in $rc
  local n=$1; shift
  "$vmlab" console --no-color --kernel "$kernel" --module "$initrd" "$@" >"$out/$n.out" 2>"$out/$n.err" </dev/null
  rc=$?
}
printf '#! --mem 8M --tlb 8x8 --seed 3 --cmdline "run=hello"\ntlb\ncontinue\n' >"$out/s.vmlab"
con own --script "$out/s.vmlab"
{ [ $rc = 0 ] && grep -q "^TLB 8 sets x 8 ways" "$out/own.out"; } || fail "the #! options were not used (status $rc): $(head -3 "$out/own.out")"
"$vmlab" console --no-color --kernel "$kernel" --module "$initrd" <"$out/s.vmlab" >"$out/stdin.out" 2>&1
cmp -s "$out/own.out" "$out/stdin.out" || fail "on stdin the #! line is not honoured the same way"
con same --mem 8M --seed=3 --tlb 8x8 --cmdline run=hello --trace "$out/t.txt" --script "$out/s.vmlab"
{ [ $rc = 0 ] && cmp -s "$out/own.out" "$out/same.out"; } || fail "repeating the script's options changed the run (status $rc)"
head -1 "$out/t.txt" | grep -q 'seed=3 .* options=--mem 8M --cmdline run=hello --tlb 8x8$' || fail "the trace header does not show the script's options: $(head -1 "$out/t.txt")"
check_refused() { # NAME WHAT-STDERR-SAYS options...
  local n=$1 want=$2; shift 2
  con "$n" "$@"
  if [ $rc != 2 ] || [ "$(wc -l <"$out/$n.err")" != 1 ] || ! grep -qF -- "$want" "$out/$n.err" || [ -s "$out/$n.out" ]; then
    fail "$n: status $rc, want 2, one line saying '$want', no output; got: $(head -2 "$out/$n.err")"
  fi
}
check_refused other-mem "the command line changes the options of $out/s.vmlab (its #! line: --mem 8M --cmdline run=hello --tlb 8x8 --seed 3; with the command line: --mem 16M" --mem 16M --script "$out/s.vmlab"
check_refused other-seed "with the command line: --mem 8M --cmdline run=hello --tlb 8x8 --seed 4)" --seed 4 --script "$out/s.vmlab"
check_refused added-option "--mmu nested" --mmu nested --script "$out/s.vmlab"
"$vmlab" console --no-color --mem 16M <"$out/s.vmlab" >"$out/stdin-other.out" 2>"$out/stdin-other.err"
{ [ $? = 2 ] && grep -q "options of the script on stdin" "$out/stdin-other.err"; } || fail "other options with the script on stdin: $(cat "$out/stdin-other.err")"
bad_line() { # NAME WHAT-STDERR-SAYS #!-LINE
  printf '%s\ntlb\n' "$3" >"$out/$1.vmlab"
  check_refused "$1" "$out/$1.vmlab, #! line: $2" --script "$out/$1.vmlab"
}
bad_line unknown "unknown option 'bogus'" '#! --mem 4M bogus'
bad_line bad-value "bad --mem '3'" '#! --mem 3'
bad_line quote "unterminated double quote" '#! --cmdline "run=hello'
bad_line nested-script "--script is not an option of a script" '#! --script x.vmlab'
# module paths are found beside vmlab (the build's labs/strider), whatever the folder
if [ -f "$(dirname "$vmlab")/labs/strider" ]; then
  printf '#! --mem 4M --module guestos/initrd.pack --module labs/strider --cmdline run=strider\nbreak strider:main\ncontinue\n' >"$out/mod.vmlab"
  (cd / && "$vmlab" console --no-color --script "$out/mod.vmlab" >"$out/mod.out" 2>&1 </dev/null) &&
    grep -q "strider:main" "$out/mod.out" || fail "--module labs/strider in the #! line: $(tail -3 "$out/mod.out")"
  check_refused mod-other "the #! line of $out/mod.vmlab names its own --module files: leave --module out" --script "$out/mod.vmlab"
else
  fail "no $(dirname "$vmlab")/labs/strider (make labs-starter)"
fi
[ $fails -eq 0 ] && echo "scriptline: ok (#! options used on --script and stdin, repeats allowed, 4 conflicts and 4 bad lines refused in one line, module paths found beside vmlab)"
[ $fails -eq 0 ]
