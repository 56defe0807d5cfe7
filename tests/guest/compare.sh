#!/usr/bin/env bash
# Run one guestos demo under QEMU and compare its serial output with the
# expected file, byte for byte.
#
# usage: tests/guest/compare.sh [--update] [--streams] KERNEL INITRD OUTDIR NAME CMDLINE [DISK_IMAGE]
#   Boots KERNEL with INITRD and CMDLINE via tests/guest/run-qemu.sh, saves
#   the serial output to OUTDIR/NAME.out and compares it with
#   tests/guest/expected/NAME.out (printing a unified diff on mismatch).
#   --update writes the expected file instead (make golden-guest).
#   DISK_IMAGE, if given, is copied fresh to a private OUTDIR/NAME.*.img for this run.
#   --streams is for command lines that start several programs at once: their
#   lines may interleave differently from run to run (the timer decides who
#   runs when), so if the bytes differ, the output still passes when every
#   stream -- the lines sharing a first word ("[kernel]", "hello:", ...) --
#   equals the expected file's, line for line and in order. It says so.
# Exit status: 0 when QEMU shut down cleanly and the output matches.
set -u
here=$(cd "$(dirname "$0")" && pwd)
update=0 streams=0
while [ $# -gt 0 ]; do
  case $1 in
    --update) update=1; shift ;;
    --streams) streams=1; shift ;;
    *) break ;;
  esac
done
if [ $# -lt 5 ]; then
  echo "usage: $0 [--update] [--streams] KERNEL INITRD OUTDIR NAME CMDLINE [DISK_IMAGE]" >&2
  exit 2
fi
kernel=$1 initrd=$2 outdir=$3 name=$4 cmdline=$5 disk=${6:-}
expected="$here/expected/$name.out"
for f in "$kernel" "$initrd" "$here/run-qemu.sh"; do
  if [ ! -f "$f" ]; then echo "guest test $name: missing $f" >&2; exit 1; fi
done
mkdir -p "$outdir"
actual="$outdir/$name.out"
disk_args=()
if [ -n "$disk" ]; then
  if [ ! -f "$disk" ]; then echo "guest test $name: missing disk image $disk" >&2; exit 1; fi
  # A private copy per run: two runs sharing one image would corrupt each other's swap.
  img=$(mktemp "$outdir/$name.XXXXXX.img")
  trap 'rm -f "$img"' EXIT
  cp "$disk" "$img"
  disk_args=("$img")
fi
# run-qemu.sh has its own timeout; this one only guards against a hung script.
timeout 120 "$here/run-qemu.sh" "$kernel" "$initrd" "$cmdline" "${disk_args[@]}" >"$actual" 2>"$outdir/$name.err"
rc=$?
if [ $rc -ne 0 ]; then
  echo "guest test $name: run-qemu.sh exited with status $rc (cmdline \"$cmdline\"); serial output:"
  cat "$actual"
  echo "--- stderr:"
  cat "$outdir/$name.err"
  exit 1
fi
if [ $update -eq 1 ]; then
  cp "$actual" "$expected"
  echo "guest test $name: wrote $expected ($(wc -l <"$expected") lines)"
  exit 0
fi
if [ ! -f "$expected" ]; then
  echo "guest test $name: no expected output $expected (run make golden-guest)" >&2
  exit 1
fi
# Each stream of file $1, one after another: lines keyed by their first word,
# stable-sorted by key, so each stream keeps its own order.
streams_of() {
  awk '{ print $1 "\t" $0 }' "$1" | LC_ALL=C sort -s -t "$(printf '\t')" -k1,1
}
if ! cmp -s "$expected" "$actual" && [ $streams -eq 1 ] &&
   diff <(streams_of "$expected") <(streams_of "$actual") >/dev/null; then
  echo "guest test $name: programs interleaved differently, but every stream matches $expected"
  exit 0
fi
if ! cmp -s "$expected" "$actual"; then
  echo "guest test $name: serial output differs from $expected (cmdline \"$cmdline\"):"
  diff -u "$expected" "$actual"
  exit 1
fi
echo "guest test $name: output matches $expected"
