#!/usr/bin/env bash
# labs/check.sh — re-run every lab's scripts and compare with its expected/ files.
#
# usage: labs/check.sh [--update] VMLAB KERNEL INITRD BUILD OUTDIR [LABDIR...]
#
# In each lab folder (default: every labs/NN-*/):
#   NAME.vmlab    a console script; its first line "#! OPTIONS" holds the options of
#                 `vmlab console`, which runs it with them (image paths in it are found
#                 beside vmlab: --module labs/strider is BUILD/labs/strider). Output
#                 (stdout+stderr, then "exit status N") -> expected/NAME.txt
#   NAME.run      `vmlab run` options (one or more lines, # comments); the run writes a
#                 trace window -> expected/NAME.trace, and its serial output and summary
#                 (stdout+stderr, then "exit status N") -> expected/NAME.out.
#                 The trace is also checked with `vmlab trace-diff --require-same-options`
#                 (the graders' tool; it reads the trace's header line too).
#   NAME.compare  `vmlab compare` options -> expected/NAME.txt
# Every run gets --kernel KERNEL --module INITRD first (a script whose #! line names
# its own --module files gets only --kernel); "@BUILD@" in .run and .compare options
# becomes BUILD. Options are split like a shell command line, so
# --cmdline "mem=256K run=swaptest:1" works.
# Comparison is byte for byte; any difference fails (exit 1). --update rewrites the
# expected files instead (review the diff before committing!).
set -u
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
if [ $# -lt 5 ]; then
  echo "usage: $0 [--update] VMLAB KERNEL INITRD BUILD OUTDIR [LABDIR...]" >&2; exit 2
fi
vmlab=$1 kernel=$2 initrd=$3 build=$4 out=$5; shift 5
here=$(cd "$(dirname "$0")" && pwd)
labs=("$@")
if [ ${#labs[@]} -eq 0 ]; then
  for d in "$here"/[0-9][0-9]-*/; do labs+=("${d%/}"); done
fi

# Options of a run or compare file: all non-comment lines.
opts_of() {
  grep -v '^[[:space:]]*#' "$1" | tr '\n' ' ' | sed "s|@BUILD@|$build|g"
}

fail=0 count=0
# settle NAME GOT EXPECTED: compare (or update) one output file.
settle() {
  local name=$1 got=$2 want=$3
  count=$((count + 1))
  if [ $update -eq 1 ]; then
    mkdir -p "$(dirname "$want")"
    cp "$got" "$want"
    echo "labs: $name: $(wc -l <"$want") lines written to ${want#"$here"/}"
  elif [ ! -f "$want" ]; then
    echo "labs: FAIL $name: no ${want#"$here"/} (make golden-labs)"; fail=1
  elif ! cmp -s "$want" "$got"; then
    echo "labs: FAIL $name: output differs from ${want#"$here"/} (got $got):"
    diff -u "$want" "$got" | head -30
    fail=1
  else
    echo "labs: ok   $name"
  fi
}

for lab in "${labs[@]}"; do
  lab=${lab%/}
  ln=$(basename "$lab")
  o="$out/$ln"
  mkdir -p "$o"
  shopt -s nullglob
  for f in "$lab"/*.vmlab "$lab"/solution/*.vmlab; do # solution/: instructors only (never exported)
    n=$(basename "$f" .vmlab)
    images=(--kernel "$kernel" --module "$initrd")
    head -1 "$f" | grep -q '^#!.* --module' && images=(--kernel "$kernel")
    timeout 300 "$vmlab" console --no-color "${images[@]}" --script "$f" >"$o/$n.txt" 2>&1 </dev/null
    echo "exit status $?" >>"$o/$n.txt"
    settle "$ln/$n.vmlab" "$o/$n.txt" "$lab/expected/$n.txt"
  done
  for f in "$lab"/*.run; do
    n=$(basename "$f" .run)
    rm -f "$o/$n.trace"
    eval "opts=($(opts_of "$f"))"
    timeout 300 "$vmlab" run --kernel "$kernel" --module "$initrd" "${opts[@]}" \
      --trace "$o/$n.trace" >"$o/$n.out" 2>&1 </dev/null
    echo "exit status $?" >>"$o/$n.out"
    [ -f "$o/$n.trace" ] || : >"$o/$n.trace"
    settle "$ln/$n.run (output)" "$o/$n.out" "$lab/expected/$n.out"
    settle "$ln/$n.run (trace)" "$o/$n.trace" "$lab/expected/$n.trace"
    if [ $update -eq 0 ] && [ -f "$lab/expected/$n.trace" ]; then
      if ! "$vmlab" trace-diff --require-same-options "$lab/expected/$n.trace" "$o/$n.trace" >"$o/$n.tracediff" 2>&1; then
        echo "labs: FAIL $ln/$n.run: vmlab trace-diff disagrees:"; head -20 "$o/$n.tracediff"; fail=1
      fi
    fi
  done
  for f in "$lab"/*.compare; do
    n=$(basename "$f" .compare)
    eval "opts=($(opts_of "$f"))"
    timeout 300 "$vmlab" compare --kernel "$kernel" --module "$initrd" "${opts[@]}" \
      >"$o/$n.txt" 2>&1 </dev/null
    echo "exit status $?" >>"$o/$n.txt"
    settle "$ln/$n.compare" "$o/$n.txt" "$lab/expected/$n.txt"
  done
done
if [ $count -eq 0 ]; then echo "labs: FAIL: no lab scripts found"; exit 1; fi
[ $update -eq 1 ] && exit 0
[ $fail -eq 0 ] && echo "labs: all $count outputs match"
exit $fail
