#!/usr/bin/env bash
# tests/e2e/fuzz.sh VMLAB MKRANDOM OUTDIR [N [KERNEL INITRD]] — N bare-metal
# guests of seeded random code, and (given KERNEL and INITRD) N/2 guestos user
# programs of random code: each run must end in a clean, explained stop (one
# "stopped:" line, exit status < 128, no sanitizer report), never a host crash.
set -u
vmlab=$1 mk=$2 out=$3 n=${4:-40} kernel=${5:-} initrd=${6:-}
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
users=0
if [ -n "$kernel" ]; then
  for seed in $(seq 1 $((n / 2))); do
    "$mk" "$seed" "$out/rnd" user || exit 1
    "$vmlab" run --kernel "$kernel" --module "$initrd" --module "$out/rnd" --cmdline run=rnd \
      --max-insns 20000000 --quiet >"$out/rnd.out" 2>"$out/rand.err"
    rc=$?
    if [ $rc -ge 128 ] || grep -q "Sanitizer\|runtime error" "$out/rand.err" || ! grep -q "stopped:" "$out/rand.err"; then
      echo "FAIL fuzz user seed $seed: status $rc"; head -20 "$out/rand.err"; fail=1
    fi
    r="user: "$(sed -n 's/^vmlab: vm0 stopped: \([a-z -]*\).*/\1/p' "$out/rand.err" | cut -c1-24)
    why[$r]=$(( ${why[$r]:-0} + 1 ))
    users=$((users + 1))
  done
fi
[ $fail = 0 ] && { echo "ok   fuzz: $n bare-metal and $users user-mode random-code guests, all clean stops:"; for k in "${!why[@]}"; do echo "       ${why[$k]} x $k"; done | sort; }
exit $fail
