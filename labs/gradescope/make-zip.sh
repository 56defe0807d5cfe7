#!/usr/bin/env bash
# labs/gradescope/make-zip.sh LAB OUT.zip — the Gradescope autograder zip of one lab:
# the committed vmlab tree (reference solution and hidden checks included: the zip goes
# to Gradescope, never to students) plus setup.sh, run_autograder and gradescope-lab at
# its top. Uses `git archive`, so it packs what is committed (HEAD).
set -eu
[ $# -eq 2 ] || { echo "usage: $0 LAB OUT.zip" >&2; exit 2; }
lab=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(git -C "$here" rev-parse --show-toplevel)
# found as run_autograder (and vmlab grade) find it: labs/LAB, labs/NN-*, labs/NN-LAB
found=
for d in "$top/labs/$lab" "$top"/labs/"$lab"-* "$top"/labs/[0-9]*-"$lab"; do [ -f "$d/rubric" ] && found=$d; done
[ -n "$found" ] || { echo "$0: no lab $lab with a rubric" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "$lab" >"$tmp/gradescope-lab"
cp "$here/setup.sh" "$here/run_autograder" "$tmp/"
git -C "$top" archive --format=zip -o "$(realpath -m "$out")" \
  --add-file="$tmp/setup.sh" --add-file="$tmp/run_autograder" --add-file="$tmp/gradescope-lab" HEAD
echo "$out: Gradescope autograder for lab $lab (upload it as the assignment's autograder)"
