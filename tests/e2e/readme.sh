#!/usr/bin/env bash
# tests/e2e/readme.sh [--update] VMLAB KERNEL INITRD OUTDIR — the README's example
# trace is what the README's command prints today. README.md holds, after the
# line "<!-- example: tests/e2e/readme.sh -->", an indented command
# "build/vmlab run ... --trace t.txt" and then the indented trace it writes
# (its header line "# vmlab trace ..." and its events "[...");
# this runs the command (with KERNEL and INITRD) and compares the trace byte
# for byte. --update rewrites the trace in README.md (review the diff).
set -u
update=0
[ "${1:-}" = "--update" ] && { update=1; shift; }
vmlab=$1 kernel=$2 initrd=$3 out=$4
readme=README.md
mkdir -p "$out"
marker='<!-- example: tests/e2e/readme.sh -->'
start=$(grep -nF -- "$marker" "$readme" | cut -d: -f1)
[ -n "$start" ] || { echo "FAIL readme: no '$marker' in $readme"; exit 1; }
# the command: the first indented "build/vmlab run" line after the marker
cmd=$(tail -n +"$start" "$readme" | grep -m1 '^    build/vmlab run ' | sed 's/^    //')
case "$cmd" in *" --trace t.txt"*) ;; *) echo "FAIL readme: the example command does not write --trace t.txt"; exit 1 ;; esac
# the trace: the first run of indented "#" and "[" lines after the command
tail -n +"$start" "$readme" | awk '/^    [[#]/ { print substr($0, 5); seen = 1; next } seen { exit }' >"$out/readme.expected"
# shellcheck disable=SC2086
set -- ${cmd#build/vmlab run }
args=()
for a in "$@"; do [ "$a" = t.txt ] && a="$out/readme.trace"; args+=("$a"); done
"$vmlab" run --kernel "$kernel" --module "$initrd" --quiet "${args[@]}" >/dev/null 2>"$out/readme.err" ||
  { echo "FAIL readme: the example command failed: $(head -1 "$out/readme.err")"; exit 1; }
if [ $update = 1 ]; then
  awk -v start="$start" -v file="$out/readme.trace" '
    NR > start && !done && /^    [[#]/ { if (!printed) { while ((getline l < file) > 0) print "    " l; printed = 1 } skip = 1; next }
    skip && !/^    [[#]/ { done = 1 }
    { print }' "$readme" >"$out/README.new" && cp "$out/README.new" "$readme"
  echo "readme: example trace written ($(wc -l <"$out/readme.trace") lines)"
  exit 0
fi
if ! cmp -s "$out/readme.expected" "$out/readme.trace"; then
  echo "FAIL readme: README.md's example trace is not what its command prints (make readme-update, part of make golden, rewrites it):"
  diff -u "$out/readme.expected" "$out/readme.trace" | head -30
  exit 1
fi
echo "ok   readme example trace ($(grep -c '^\[' "$out/readme.trace") events) is what its command prints"
