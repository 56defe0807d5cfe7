#!/usr/bin/env bash
# tests/e2e/isolation.sh VMLAB OUTDIR [KERNEL INITRD] — a guest that rewrites its page tables
# maliciously: coherent remaps without invlpg, PT writes through an alias,
# then a mapping of a PA outside its memory. The invariant (no shadow/TLB
# entry points outside the VM's frames) is checked after every exit; the VM
# must end cleanly with one explanatory line, never with a foreign frame.
# With KERNEL and INITRD, also guestos's misbehave demo (apps writing kernel
# memory, privileged instructions) with the invariant checked at every exit.
set -u
vmlab=$1 out=$2 kernel=${3:-} initrd=${4:-}
"$vmlab" run --kernel "$out/evil.elf" --module /dev/null --mem 64M --check-isolation \
  >"$out/evil.out" 2>"$out/evil.err"
rc=$?
fail=0
grep -q "remap without invlpg seen (coherent)" "$out/evil.out" || { echo "FAIL isolation: stale translation"; fail=1; }
grep -q "PT write through an alias traced" "$out/evil.out" || { echo "FAIL isolation: alias write"; fail=1; }
grep -q "SURVIVED" "$out/evil.out" && { echo "FAIL isolation: guest got a frame outside its memory"; fail=1; }
grep -q "ISOLATION VIOLATED" "$out/evil.err" && { echo "FAIL isolation: invariant broken"; fail=1; }
grep -q "outside its" "$out/evil.err" || { echo "FAIL isolation: no clean stop line"; fail=1; }
[ $rc = 1 ] || { echo "FAIL isolation: status $rc, want 1"; fail=1; }
[ $fail = 0 ] && echo "ok   isolation: coherent, invariant held at every exit, clean stop" || { cat "$out/evil.out" "$out/evil.err"; }
if [ -n "$kernel" ]; then
  "$vmlab" run --kernel "$kernel" --module "$initrd" --cmdline run=misbehave --check-isolation --quiet \
    >"$out/iso-misbehave.out" 2>"$out/iso-misbehave.err"
  rc=$?
  if [ $rc = 0 ] && cmp -s tests/guest/expected/misbehave.out "$out/iso-misbehave.out" && ! grep -q "ISOLATION" "$out/iso-misbehave.err"; then
    echo "ok   isolation: guestos misbehave, invariant held at every exit"
  else
    echo "FAIL isolation: guestos misbehave (status $rc)"; tail -5 "$out/iso-misbehave.err"; fail=1
  fi
fi
exit $fail
