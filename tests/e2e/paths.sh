#!/usr/bin/env bash
# tests/e2e/paths.sh VMLAB MAKE... — the default guest images are found beside
# the program, not in the working directory (issue 10 item 9): vmlab runs
# the default demo from another directory, from an installed copy
# (make install PREFIX=...), and a copy without images says which paths it
# tried, in one line, with status 1.
set -u
vmlab=$(realpath "$1"); shift
tmp=$(mktemp -d /tmp/vmlab-paths-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
T=${PATHS_TIMEOUT:-60}

# from another directory
(cd "$tmp" && timeout -k 5 "$T" "$vmlab" run --quiet >out 2>err)
rc=$?
if [ $rc = 0 ] && grep -q "hello, world" "$tmp/out"; then
  echo "ok   paths: run from $tmp finds the images beside $vmlab"
else
  echo "FAIL paths: run from another directory: status $rc"; head -2 "$tmp/err"; fail=1
fi

# installed: PREFIX/bin/vmlab with PREFIX/share/vmlab/guestos/
"$@" install PREFIX="$tmp/prefix" >"$tmp/install.log" 2>&1 || { echo "FAIL paths: make install"; tail -3 "$tmp/install.log"; fail=1; }
(cd / && timeout -k 5 "$T" "$tmp/prefix/bin/vmlab" run --quiet >"$tmp/out2" 2>"$tmp/err2")
rc=$?
if [ $rc = 0 ] && grep -q "hello, world" "$tmp/out2"; then
  echo "ok   paths: the installed $tmp/prefix/bin/vmlab runs from /"
else
  echo "FAIL paths: installed copy: status $rc"; head -2 "$tmp/err2"; fail=1
fi

# a copy with no images: one line naming every path tried, status 1
mkdir -p "$tmp/lonely"; cp "$vmlab" "$tmp/lonely/vmlab"
(cd "$tmp" && timeout -k 5 "$T" "$tmp/lonely/vmlab" run >/dev/null 2>"$tmp/err3")
rc=$?
want="vmlab run: no default kernel: tried $tmp/lonely/guestos/kernel.elf, $tmp/lonely/../share/vmlab/guestos/kernel.elf, build/guestos/kernel.elf (build it with make, or give --kernel FILE)"
if [ $rc = 1 ] && [ "$(cat "$tmp/err3")" = "$want" ]; then
  echo "ok   paths: no images: '$want'"
else
  echo "FAIL paths: no images: status $rc, stderr:"; cat "$tmp/err3"; echo "want: $want"; fail=1
fi
exit $fail
