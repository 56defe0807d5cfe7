#!/usr/bin/env bash
# tests/e2e/fuzz.sh VMLAB MKRANDOM OUTDIR [N] — N guests of seeded random
# code: each must end in a clean, explained stop (one "stopped:" line, exit
# status < 128, no sanitizer report), never a host crash.
set -u
vmlab=$1 mk=$2 out=$3 n=${4:-40}
mkdir -p "$out"
fail=0
declare -A why
for seed in $(seq 1 "$n"); do
  "$mk" "$seed" "$out/rand.elf" || exit 1
  "$vmlab" run --kernel "$out/rand.elf" --module /dev/null --mem 4M --max-insns 200000 --quiet \
    >/dev/null 2>"$out/rand.err"
  rc=$?
  if [ $rc -ge 128 ] || grep -q "Sanitizer\|runtime error" "$out/rand.err" || ! grep -q "stopped:" "$out/rand.err"; then
    echo "FAIL fuzz seed $seed: status $rc"; cat "$out/rand.err" | head -20; fail=1
  fi
  r=$(sed -n 's/^vmlab: vm0 stopped: \([a-z -]*\).*/\1/p' "$out/rand.err" | cut -c1-24)
  why[$r]=$(( ${why[$r]:-0} + 1 ))
done
[ $fail = 0 ] && { echo "ok   fuzz: $n random-code guests, all clean stops:"; for k in "${!why[@]}"; do echo "       ${why[$k]} x $k"; done | sort; }
exit $fail
