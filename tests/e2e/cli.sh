#!/usr/bin/env bash
# tests/e2e/cli.sh VMLAB OUTDIR — the command line: help, version, bad input.
set -u
vmlab=$1 out=$2
fail=0
check() { # name expected-status command...
  local name=$1 want=$2; shift 2
  "$@" >"$out/cli.stdout" 2>"$out/cli.stderr"
  local rc=$?
  if [ "$rc" != "$want" ]; then echo "FAIL cli $name: status $rc, want $want"; cat "$out/cli.stderr"; fail=1; return; fi
  echo "ok   cli $name"
}
one_line() { # name: stderr must be exactly one line
  local n; n=$(wc -l <"$out/cli.stderr")
  if [ "$n" != 1 ]; then echo "FAIL cli $1: stderr has $n lines"; cat "$out/cli.stderr"; fail=1; fi
}
mkdir -p "$out"
check help 0 "$vmlab" --help
for c in run console trace-diff compare bench place; do
  grep -q "^  $c " "$out/cli.stdout" || { echo "FAIL cli help lacks $c"; fail=1; }
done
check version 0 "$vmlab" --version
check run-help 0 "$vmlab" run --help
grep -q -- "--max-insns" "$out/cli.stdout" || { echo "FAIL run --help lacks --max-insns"; fail=1; }
check no-command 2 "$vmlab"
check unknown-command 2 "$vmlab" frobnicate; one_line unknown-command
check unknown-flag 2 "$vmlab" run --frob; one_line unknown-flag
check bad-mem 2 "$vmlab" run --mem 12Q; one_line bad-mem
check bad-tlb 2 "$vmlab" run --tlb 3x4; one_line bad-tlb
check bad-number 2 "$vmlab" run --max-insns -5; one_line bad-number
check missing-value 2 "$vmlab" run --seed; one_line missing-value
check bad-policy 2 "$vmlab" run --tlb-policy mru; one_line bad-policy
check bad-category 2 "$vmlab" run --trace-categories tlb,bogus; one_line bad-category
check missing-elf 1 "$vmlab" run --kernel "$out/no-such.elf" --trace "$out/t1.trace"; one_line missing-elf
[ -e "$out/t1.trace" ] && { echo "FAIL cli: trace file left behind for a missing ELF"; fail=1; }
ls "$out"/t1.trace* >/dev/null 2>&1 && { echo "FAIL cli: temp trace left"; fail=1; }
head -c 100 /dev/zero >"$out/zero.elf"
check bad-elf 1 "$vmlab" run --kernel "$out/zero.elf" --trace "$out/t2.trace"; one_line bad-elf
grep -q "magic" "$out/cli.stderr" || { echo "FAIL cli bad-elf message"; fail=1; }
ls "$out"/t2.trace* >/dev/null 2>&1 && { echo "FAIL cli: trace left for a bad ELF"; fail=1; }
check bench 0 "$vmlab" bench --kernel "$out/bare.elf" --module /dev/null --mem 4M
grep -q "guest MIPS" "$out/cli.stdout" && grep -q "slowdown" "$out/cli.stdout" || { echo "FAIL cli bench output"; fail=1; }
check bench-bad-option 2 "$vmlab" bench --tlb 0x0; one_line bench-bad-option
check bench-bad-repeat 2 "$vmlab" bench --repeat 0; one_line bench-bad-repeat
check bench-repeat 0 "$vmlab" bench --kernel "$out/bare.elf" --module /dev/null --mem 4M --repeat=2
grep -q "bare core: .* 2 runs: min .* median" "$out/cli.stdout" || { echo "FAIL cli bench --repeat output"; fail=1; }
check bare-core 0 "$vmlab" run --bare-core --kernel "$out/bare.elf" --module /dev/null --mem 4M --quiet
grep -q "hello from a bare-metal guest" "$out/cli.stdout" || { echo "FAIL cli --bare-core output"; fail=1; }
# the bare core's summary speaks of the bare core: its own CPL split, no simulated TLB
check bare-core-summary 0 "$vmlab" run --bare-core
grep -q "^mode:            bare core" "$out/cli.stderr" || { echo "FAIL cli --bare-core summary mode"; fail=1; }
grep -q "^TLB:             not simulated" "$out/cli.stderr" || { echo "FAIL cli --bare-core summary TLB"; fail=1; }
grep -q "^instructions:.*(guest user [1-9]" "$out/cli.stderr" || { echo "FAIL cli --bare-core counts no user instructions"; fail=1; }
exit $fail
