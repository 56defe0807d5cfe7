#!/usr/bin/env bash
# guestos smoke test under QEMU (PVH boot), independent of the demos' golden
# files: the kernel boots, runs hello, passes run= arguments, reports an
# unknown program, shuts down cleanly; kerntest (syscall error paths and
# fault kills) passes; the panic path reports and exits 3;
# mkpack rejects a missing input with a one-line error.
#
# usage: guestos/selftest/smoke-test.sh KERNEL PACK MKPACK OUTDIR
#   PACK must hold hello and kerntest (build/guestos/selftest/selftest.pack)
set -u
if [ $# -ne 4 ]; then echo "usage: $0 KERNEL PACK MKPACK OUTDIR" >&2; exit 2; fi
kernel=$1 initrd=$2 mkpack=$3 out=$4
runner="$(cd "$(dirname "$0")" && pwd)/../../tests/guest/run-qemu.sh"
mkdir -p "$out"
fails=0

# check NAME WANT_STATUS CMDLINE PATTERN...: every PATTERN (grep -x, fixed
# string) must be a whole line of the serial output.
check() {
  local name=$1 want=$2 cmdline=$3; shift 3
  "$runner" "$kernel" "$initrd" "$cmdline" >"$out/$name.out" 2>"$out/$name.err"
  local rc=$? ok=1
  [ "$rc" -eq "$want" ] || ok=0
  for pat in "$@"; do grep -qxF -- "$pat" "$out/$name.out" || { ok=0; echo "smoke $name: missing line: $pat"; }; done
  if [ $ok -eq 1 ]; then
    echo "smoke $name: ok (\"$cmdline\", status $rc)"
  else
    echo "smoke $name: FAILED (\"$cmdline\", status $rc, want $want); output:"; cat "$out/$name.out" "$out/$name.err"
    fails=$((fails + 1))
  fi
}

check hello 0 "run=hello" \
  "[kernel] guestos 1.0 x86_64" "hello: pid 1, arg \"\"" \
  "[kernel] swap: 0 page-outs, 0 page-ins" "[kernel] all processes exited; shutting down"
check args 0 "run=nosuch,hello:some-arg bogus" \
  "[kernel] ignoring unknown option bogus" "[kernel] run: cannot start nosuch" \
  "hello: pid 1, arg \"some-arg\"" "[kernel] all processes exited; shutting down"
check kerntest 0 "run=kerntest" "kerntest: PASS" "[kernel] all processes exited; shutting down"
for why in "execute at non-executable page" "write to read-only page" "read of unmapped address 0x8"; do
  grep -qF "killed: page fault: $why" "$out/kerntest.out" || { echo "smoke kerntest: no kill for: $why"; fails=$((fails + 1)); }
done
check preempt 0 "run=kerntest:preempt" "kerntest: spinner done" "kerntest: parent woke while the spinner runs"
if [ "$(grep -n 'parent woke' "$out/preempt.out" | cut -d: -f1)" -gt "$(grep -n 'spinner done' "$out/preempt.out" | cut -d: -f1)" ]; then
  echo "smoke preempt: FAILED: the sleeping parent did not run before the spinner finished (no preemption?)"; fails=$((fails + 1))
fi
check panic 3 "kpanic run=hello" \
  "[kernel] PANIC: page fault in kernel mode"
grep -q 'cr2 0xffff900000000000' "$out/panic.out" || { echo "smoke panic: CR2 not reported"; fails=$((fails + 1)); }

if "$mkpack" "$out/bad.pack" /nonexistent/file 2>"$out/mkpack.err" || [ -e "$out/bad.pack" ] ||
   [ "$(wc -l <"$out/mkpack.err")" -ne 1 ]; then
  echo "smoke mkpack: FAILED: a missing input must give one error line, status 1, no output file"; fails=$((fails + 1))
else
  echo "smoke mkpack: ok ($(cat "$out/mkpack.err"))"
fi
[ $fails -eq 0 ]
