#!/usr/bin/env bash
# tests/e2e/bare.sh VMLAB OUTDIR — a bare-metal ELF64 guest (no page tables of
# its own) prints on the UART and halts with IF=0 (status 0); a variant
# writes 0x21 to the debug-exit port (status 0x43 = 67). Runs twice: the
# trace must be byte-identical. timer.elf takes timer interrupts through its
# own IDT while sleeping in `sti; hlt`; sens.elf checks every sensitive
# instruction from inside; user.elf runs a user program (syscall/sysret,
# #PF with the U bit on a supervisor page, #GP for cli, int n via DPL-3 and
# DPL-0 gates).
set -u
vmlab=$1 out=$2
fail=0
want="hello from a bare-metal guest
boot_info: mem 4 MiB, modules 0, cmdline 'hi there'"
for i in 1 2; do
  "$vmlab" run --kernel "$out/bare.elf" --module /dev/null --mem 4M --cmdline "hi there" \
    --trace "$out/bare$i.trace" --trace-categories all >"$out/bare.out" 2>"$out/bare.err"
  rc=$?
  [ $rc = 0 ] || { echo "FAIL bare: status $rc"; cat "$out/bare.err"; fail=1; }
done
got=$(cat "$out/bare.out")
if [ "$got" != "${want/modules 0/modules 1}" ]; then echo "FAIL bare: output"; echo "$got"; fail=1; fi
cmp -s "$out/bare1.trace" "$out/bare2.trace" || { echo "FAIL bare: traces differ between runs"; fail=1; }
grep -q "summary" "$out/bare.err" || { echo "FAIL bare: no summary"; fail=1; }
"$vmlab" run --kernel "$out/bare-exit.elf" --module /dev/null --mem 4M --quiet >"$out/bare-exit.out" 2>&1
rc=$?
[ $rc = 67 ] || { echo "FAIL bare-exit: status $rc, want 67"; fail=1; }
"$vmlab" run --kernel "$out/bare.elf" --module /dev/null --mem 4M --max-insns 50 --quiet >"$out/bare-max.out" 2>"$out/bare-max.err"
rc=$?
{ [ $rc = 1 ] && grep -q "max-insns" "$out/bare-max.err"; } || { echo "FAIL bare --max-insns: status $rc"; cat "$out/bare-max.err"; fail=1; }
# its own IDT, PIC and PIT: five `sti; hlt` sleeps, each woken by one timer interrupt
"$vmlab" run --kernel "$out/timer.elf" --module /dev/null --mem 4M --quiet >"$out/timer.out" 2>"$out/timer.err"
rc=$?
{ [ $rc = 0 ] && [ "$(cat "$out/timer.out")" = "timer: ticks = 5" ]; } || { echo "FAIL bare timer: status $rc"; cat "$out/timer.out" "$out/timer.err"; fail=1; }
# every sensitive instruction, checked from inside the deprivileged guest
"$vmlab" run --kernel "$out/sens.elf" --module /dev/null --mem 16M --quiet >"$out/sens.out" 2>"$out/sens.err"
rc=$?
{ [ $rc = 0 ] && grep -q "^sens: [0-9]* checks passed, 0 failed" "$out/sens.out"; } || { echo "FAIL bare sens: status $rc"; cat "$out/sens.out"; fail=1; }
# its own user program: syscalls, faults and int n reflected, ring compression
"$vmlab" run --kernel "$out/user.elf" --module /dev/null --mem 16M --quiet >"$out/user.out" 2>"$out/user.err"
rc=$?
{ [ $rc = 0 ] && grep -q "^user: 0x[0-9a-f]* checks passed, 0x0 failed" "$out/user.out"; } || { echo "FAIL bare user: status $rc"; cat "$out/user.out"; tail -12 "$out/user.err"; fail=1; }
[ $fail = 0 ] && echo "ok   bare-metal guests: output, status 0, debug-exit 67, --max-insns stop, deterministic trace, timer interrupts through the guest IDT, $(grep -o '[0-9]* checks' "$out/sens.out") of sensitive instructions, a user program (syscalls, faults, int n: 10 checks)"
exit $fail
