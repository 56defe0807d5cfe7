#!/usr/bin/env bash
# tests/bench/mark.sh VMLAB MARK_ELF [ITERS] [RUNS] — the CoreMark-class
# kernel (tests/bench/mark/) booted bare, timed by CPU time, RUNS times
# (default 3), min and median:
#   1. vmlab bench: under the monitor (shadow MMU) and on the bare core;
#   2. qemu-system-x86_64 TCG on the same image (QEMU's start-up, measured
#      with iters=0, is subtracted) and vmlab's bare-core/QEMU time ratio;
#   3. callgrind: host instructions per guest instruction (bare core and
#      monitor; the iters=0 run's count is subtracted).
# A tool that is not installed gets a "skipped: X not installed" line.
set -u
vmlab=$1 elf=$2 iters=${3:-1000} runs=${4:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
boot=(--kernel "$elf" --module /dev/null --mem 64M)
echo "== mark (CoreMark-class: list, matrix, state machine, CRC-16), $iters iterations, booted bare"

# the same answer everywhere: vmlab's monitor and bare core, and QEMU below
"$vmlab" run "${boot[@]}" --cmdline iters=10 --quiet >"$tmp/vmlab.out" 2>/dev/null
"$vmlab" run "${boot[@]}" --cmdline iters=10 --quiet --bare-core >"$tmp/bare.out" 2>/dev/null
cmp -s "$tmp/vmlab.out" "$tmp/bare.out" && grep -q "^mark: 10 iterations, crc" "$tmp/vmlab.out" ||
  { echo "FAIL mark: monitor and bare core disagree"; cat "$tmp/vmlab.out" "$tmp/bare.out"; exit 1; }

"$vmlab" bench "${boot[@]}" --cmdline "iters=$iters" --repeat "$runs" | tee "$tmp/bench.txt"
bare_min=$(sed -n 's/^bench: bare core:.* min \([0-9.]*\) s.*/\1/p' "$tmp/bench.txt")
bare_insns=$(sed -n 's/^bench: bare core: *\([0-9]*\) guest instructions.*/\1/p' "$tmp/bench.txt")

# min and median of the numbers on stdin
stats() { awk NF | sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f %.3f\n", v[1], m }'; }

qemu=${QEMU:-qemu-system-x86_64}
if command -v "$qemu" >/dev/null 2>&1; then
  qemu_run() { # ITERS -> CPU seconds (user + system) of one QEMU run; serial output in $tmp/qemu.out
    local TIMEFORMAT='%3U %3S'
    { time timeout 300 "$qemu" -nographic -no-reboot -display none -monitor none -serial "file:$tmp/qemu.out" \
        -m 64M -accel tcg -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$elf" -append "iters=$1" </dev/null >/dev/null 2>&1; } 2>&1 | awk '{ print $1 + $2 }'
  }
  qemu_run 10 >/dev/null
  grep -q "$(cat "$tmp/vmlab.out")" "$tmp/qemu.out" ||
    { echo "FAIL mark: QEMU's answer differs from vmlab's"; cat "$tmp/qemu.out"; exit 1; }
  for ((k = 0; k < runs; k++)); do qemu_run 0 >>"$tmp/q0"; qemu_run "$iters" >>"$tmp/qn"; done
  read -r q0min q0med < <(stats <"$tmp/q0")
  read -r qnmin qnmed < <(stats <"$tmp/qn")
  awk -v q0="$q0min" -v qn="$qnmin" -v q0m="$q0med" -v qnm="$qnmed" -v b="$bare_min" -v n="$bare_insns" -v r="$runs" 'BEGIN {
    w = qn - q0; wm = qnm - q0m
    printf "bench: qemu TCG:  %u runs: min %.3f s, median %.3f s of CPU time for the workload (start-up %.3f s subtracted): %.1f guest MIPS\n", r, w, wm, q0, (w > 0 ? n / w / 1e6 : 0)
    printf "bench: vmlab bare core / qemu TCG time: %.1fx (minimum times)\n", (w > 0 ? b / w : 0) }'
else
  echo "bench: qemu TCG: skipped: qemu not installed"
fi

if command -v valgrind >/dev/null 2>&1; then
  small=$(( iters < 10 ? iters : 10 ))
  for mode in bare monitor; do
    flag=; [ $mode = bare ] && flag=--bare-core
    for n in 0 "$small"; do
      valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$n" "$vmlab" run "${boot[@]}" $flag \
        --cmdline "iters=$n" >/dev/null 2>"$tmp/cg.$n.err"
      sed -n 's/^summary: *//p' "$tmp/cg.$n" >"$tmp/ir.$n"
      sed -n 's/^instructions: *\([0-9]*\).*/\1/p' "$tmp/cg.$n.err" >"$tmp/g.$n"
    done
    awk -v m="$mode" -v i0="$(cat "$tmp/ir.0")" -v i1="$(cat "$tmp/ir.$small")" -v g0="$(cat "$tmp/g.0")" \
      -v g1="$(cat "$tmp/g.$small")" 'BEGIN {
      printf "bench: callgrind, %-8s %.1f host instructions per guest instruction (%d guest instructions)\n", m ":", (i1 - i0) / (g1 - g0), g1 - g0 }'
  done
else
  echo "bench: callgrind: skipped: valgrind not installed"
fi
