#!/usr/bin/env bash
# tests/console/run_golden.sh — scripted console sessions against goldens.
# usage: run_golden.sh [--update] VMLAB KERNEL INITRD OUTDIR [NAME...]
# For each tests/console/NAME.cmd: run
#   VMLAB console --no-color --kernel KERNEL [--module INITRD] --script NAME.cmd
# (the script's first line "#! OPTIONS" gives its options; INITRD unless that
# line names its own --module files)
# and compare stdout+stderr (plus a last line "exit status N") byte for byte
# with tests/console/NAME.golden. A second run, the script fed on stdin instead
# of --script, must give the same bytes (stdin mode and determinism at once).
# --update rewrites the goldens instead (review the diff!).
set -u
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
if [ $# -lt 4 ]; then echo "usage: $0 [--update] VMLAB KERNEL INITRD OUTDIR [NAME...]" >&2; exit 2; fi
vmlab=$1 kernel=$2 initrd=$3 out=$4; shift 4
here=$(dirname "$0")
mkdir -p "$out"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$here"/*.cmd; do names+=("$(basename "$f" .cmd)"); done
fi
fail=0
for n in "${names[@]}"; do
  cmd="$here/$n.cmd"
  images=(--kernel "$kernel" --module "$initrd")
  head -1 "$cmd" | grep -q '^#!.* --module' && images=(--kernel "$kernel")
  timeout 120 "$vmlab" console --no-color "${images[@]}" --script "$cmd" >"$out/$n.out1" 2>&1 </dev/null
  echo "exit status $?" >>"$out/$n.out1"
  # the same commands on a non-terminal stdin (no --script), a second run: the
  # same transcript (the same stdin mode and determinism, in one run)
  timeout 120 "$vmlab" console --no-color "${images[@]}" <"$cmd" >"$out/$n.stdin" 2>&1
  echo "exit status $?" >>"$out/$n.stdin"
  if ! cmp -s "$out/$n.out1" "$out/$n.stdin"; then
    echo "console golden $n: a second run, in stdin batch mode, differs from --script (stdin mode, or not deterministic):"
    diff "$out/$n.out1" "$out/$n.stdin" | head -20
    fail=1
    continue
  fi
  if [ $update -eq 1 ]; then
    cp "$out/$n.out1" "$here/$n.golden"
    echo "console golden $n: $(wc -l <"$here/$n.golden") lines written"
  elif ! cmp -s "$out/$n.out1" "$here/$n.golden"; then
    echo "console golden $n: differs from $here/$n.golden (got $out/$n.out1):"
    diff -u "$here/$n.golden" "$out/$n.out1" | head -40
    fail=1
  else
    echo "console golden $n: ok"
  fi
done
exit $fail
