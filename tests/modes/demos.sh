#!/usr/bin/env bash
# tests/modes/demos.sh VMLAB KERNEL INITRD OUTDIR "MODE OPTIONS" NAME CMDLINE — a guestos
# demo under one MMU mode; its serial output must equal tests/guest/expected/NAME.out
# (the QEMU run) byte for byte and the guest must shut down with cli; hlt (status 0).
set -u
vmlab=$1 kernel=$2 initrd=$3 out=$4 opts=$5 name=$6 cmdline=$7
tag=$(echo "$opts" | tr -c 'a-z0-9\n' '_' | sed 's/^_*//')
expected=tests/guest/expected/$name.out
mkdir -p "$out"
# shellcheck disable=SC2086
"$vmlab" run $opts --kernel "$kernel" --module "$initrd" --mem 64M --cmdline "$cmdline" \
  --max-insns 2000000000 >"$out/$tag.$name.out" 2>"$out/$tag.$name.err"
rc=$?
if ! cmp -s "$expected" "$out/$tag.$name.out"; then
  echo "FAIL modes demo $name ($opts): output differs from QEMU's"; diff -u "$expected" "$out/$tag.$name.out" | head -20
  tail -20 "$out/$tag.$name.err"; exit 1
fi
[ $rc = 0 ] || { echo "FAIL modes demo $name ($opts): status $rc"; tail -20 "$out/$tag.$name.err"; exit 1; }
echo "ok   modes demo $name ($opts): identical to QEMU"
