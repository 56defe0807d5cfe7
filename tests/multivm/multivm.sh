#!/usr/bin/env bash
# tests/multivm/multivm.sh VMLAB KERNEL INITRD OUT STRICT_ELF BAD_DIR USER_STUCK_ELF
# `vmlab run --vm ...`: several VMs on one host (docs/multi-vm.md).
#  - each VM's serial output (prefixed on stdout, or serial=FILE) is byte for
#    byte its output alone, at any shares, with the TLB tagged or flushed at
#    every VM switch, with the isolation invariant checked at every exit;
#  - kernel B: the strict-x86 demo kernel beside guestos;
#  - a guest that scans all its guest-physical memory never sees another VM's
#    data, with frames of its own and with frames reused across VMs;
#  - a VM that triple-faults, hangs (its max-insns), loops on one faulting
#    instruction (the progress guard) or panics is stopped and reported while
#    the other runs to completion;
#  - the same run twice: the same bytes; --vm-file = the same --vm options;
#    one --trace names each event's VM;
#  - bad --vm specs: one line, status 2, no file left behind.
# Every run is under `timeout`: a hang fails instead of stalling the suite.
set -u
vmlab=$1 kernel=$2 initrd=$3 out=$4 strict=$5 bad=$6 stuck=$7
mkdir -p "$out"
fail=0
T=${MV_TIMEOUT:-300}
g="kernel=$kernel,module=$initrd,mem=8M"

# run NAME ARGS...: vmlab run ARGS, stdout/stderr/status into OUT/NAME.{out,err,rc}
run() {
  local name=$1; shift
  timeout -k 5 "$T" "$vmlab" run "$@" >"$out/$name.out" 2>"$out/$name.err"
  echo $? >"$out/$name.rc"
}
bad() { echo "FAIL multivm $*"; fail=1; }
want_rc() { [ "$(cat "$out/$1.rc")" = "$2" ] || { bad "$1: status $(cat "$out/$1.rc"), want $2"; head -5 "$out/$1.err"; }; }
# lines_of RUN VM: that VM's serial output, its prefix taken off
lines_of() { sed -n "s/^$2| //p" "$out/$1.out"; }
same_as() { # same_as WHAT FILE-A FILE-B
  cmp -s "$2" "$3" || { bad "$1: differs from the VM alone"; diff "$2" "$3" | head -5; }
}
has() { grep -q -- "$3" "$out/$1.$2" || bad "$1: $2 lacks '$3'"; }

# the VMs alone, each on a host of its own
for d in hello pingpong; do
  "$vmlab" run --kernel "$kernel" --module "$initrd" --mem 8M --cmdline run=$d --quiet >"$out/solo-$d.out" 2>/dev/null ||
    bad "solo $d did not halt"
done

# 1. two guestos VMs, shares 1:3, one on stdout, one to its file; the isolation invariant at every exit
two=(--vm "name=a,$g,cmdline=run=pingpong,share=1" --vm "name=b,$g,cmdline=run=hello,share=3,serial=$out/two-b.serial")
run two "${two[@]}" --check-isolation
want_rc two 0
lines_of two a >"$out/two-a.serial"
same_as "two: a" "$out/solo-pingpong.out" "$out/two-a.serial"
same_as "two: b (serial=FILE)" "$out/solo-hello.out" "$out/two-b.serial"
grep -q '^b| ' "$out/two.out" && bad "two: b's serial output is on stdout too"
grep -q "ISOLATION VIOLATED" "$out/two.err" && bad "two: isolation invariant broken"
has two err "^vm0 *a *halt"
has two err "^vm1 *b *halt"
has two err "world switches"
[ $fail = 0 ] && echo "ok   multivm: two guestos VMs on one host, serial output as alone, isolation held at every exit"

# 2. deterministic: the same run again gives the same bytes
run two-again "${two[@]}" --check-isolation
cmp -s "$out/two.out" "$out/two-again.out" && cmp -s "$out/two.err" "$out/two-again.err" ||
  bad "two: a second run differs"

# 3. the TLB flushed at every VM switch: the same output, more TLB misses
run flush "${two[@]}" --tlb-flush-on-vm-switch
want_rc flush 0
lines_of flush a | cmp -s - "$out/solo-pingpong.out" || bad "flush: a's output differs"
has flush err "flushed at every VM switch"
misses() { awk -v n="$2" '$2 == n { print $6 }' "$out/$1.err"; }
for v in a b; do
  tagged=$(misses two $v) flushed=$(misses flush $v)
  [ "${flushed:-0}" -gt "${tagged:-0}" ] || bad "flush: $v has $flushed TLB misses, not more than the tagged TLB's $tagged"
  echo "     TLB misses of $v: tagged $tagged, flushed at every VM switch $flushed"
done

# 4. --vm-file: the same VMs from a file (comments and blank lines skipped)
{ echo "# two guestos VMs"; echo; echo "name=a,$g,cmdline=run=pingpong,share=1"
  echo "  name=b,$g,cmdline=run=hello,share=3,serial=$out/two-b.serial  "; } >"$out/two.vms"
run file --vm-file "$out/two.vms" --check-isolation
cmp -s "$out/two.out" "$out/file.out" && cmp -s "$out/two.err" "$out/file.err" || bad "--vm-file differs from --vm"

# 5. kernel B: the strict-x86 demo kernel beside guestos, trapped and untrapped
run kernb --vm "name=a,$g,cmdline=run=pingpong" --vm "name=b,kernel=$strict,module=/dev/null,mem=4M"
want_rc kernb 0
lines_of kernb a | cmp -s - "$out/solo-pingpong.out" || bad "kernel B: guestos's output differs"
lines_of kernb b | cmp -s - tests/modes/strict-right.out || bad "kernel B: the strict demo's output differs"
run kernb-strict --vm "name=a,$g,cmdline=run=pingpong" --vm "name=b,kernel=$strict,module=/dev/null,mem=4M,strict-x86"
want_rc kernb-strict 0
lines_of kernb-strict b | cmp -s - tests/modes/strict-wrong.out || bad "kernel B strict-x86: output differs"
has kernb-strict err "^b| vmlab: strict-x86: sidt ran without a trap"
grep -q "^a| vmlab: strict-x86" "$out/kernb-strict.err" && bad "kernel B: strict-x86 leaked into VM a"
[ $fail = 0 ] && echo "ok   multivm: kernel B (the strict-x86 demo kernel) beside guestos, each as alone"

# 6. isolation: the VM beside a misbehaving one runs to completion with its output unchanged
iso() { # iso NAME STATUS STOP-PATTERN B-SPEC
  run "iso-$1" --vm "name=a,$g,cmdline=run=hello,check-isolation" --vm "name=b,$4"
  want_rc "iso-$1" "$2"
  lines_of "iso-$1" a | cmp -s - "$out/solo-hello.out" || bad "iso $1: a's output differs from a alone"
  has "iso-$1" err "^vmlab: vm0 (a) stopped: guest halted"
  has "iso-$1" err "^vmlab: vm1 (b) stopped: $3"
  has "iso-$1" err "^vm0 *a *halt"
  grep -q "ISOLATION VIOLATED" "$out/iso-$1.err" && bad "iso $1: isolation invariant broken"
}
iso triple 1 "triple fault" "kernel=$bad/bad-triple.elf,module=/dev/null,mem=4M"
iso hang 1 "no end after --max-insns 2000000" "kernel=$bad/bad-spin.elf,module=/dev/null,mem=4M,max-insns=2000000"
iso stuck 1 "no progress" "kernel=$stuck,module=/dev/null,mem=4M"
iso panic 3 "guest wrote 0x1 to the debug-exit port" "$g,cmdline=kpanic"
has iso-panic out "^b| .*PANIC"
[ $fail = 0 ] && echo "ok   multivm: a VM that triple-faults, hangs, makes no progress or panics stops alone"

# 6b. a guest that reads all its guest-physical memory and writes its pattern over half of
# it never sees the other VM's pattern: frames of their own, and with --machine-mem 1M
# frames that go from one VM to the other (zeroed before reuse); the scan can fail
scan=(--vm "name=a,kernel=$bad/bad-scana.elf,module=/dev/null,mem=4M" --vm "name=b,kernel=$bad/bad-scanb.elf,module=/dev/null,mem=4M")
for mm in "" 1M; do
  run "scan$mm" ${mm:+--machine-mem $mm} --check-isolation "${scan[@]}"
  want_rc "scan$mm" 0
  for v in a b; do
    lines_of "scan$mm" $v | grep -qx "scan: 3 passes over 4 MiB, none of the other pattern" ||
      bad "scan$mm: $v: $(lines_of "scan$mm" $v)"
  done
done
awk '$1 == "vm0" && NF == 13 { exit !($5 > 0) }' "$out/scan1M.err" || bad "scan1M: no page-outs, no frame went to the other VM"
run scanself --vm "name=a,kernel=$bad/bad-scanself.elf,module=/dev/null,mem=4M"
has scanself out "^a| scan: found the other pattern at PA 0x00200000"
[ $fail = 0 ] && echo "ok   multivm: a guest scanning all its memory never sees the other VM's pattern (own frames, reused frames)"

# 7. one trace of every VM: each line names its VM; the world switches name both
run trace "${two[@]}" --trace "$out/two.trace" --trace-categories vm --quiet
want_rc trace 0
tail -n +2 "$out/two.trace" | grep -vqE '^\[ *[0-9]+\] vm[01] ' && bad "trace: a line without its VM"
# its first line says how it was made: every VM's images, shares and options (a single VM's trace has one too)
head -1 "$out/two.trace" | grep -qE '^# vmlab trace version=[^ ]+ seed=1 vms=a,b kernel=a:[0-9a-f]{16},b:[0-9a-f]{16} modules=a/initrd.pack:[0-9a-f]{16},b/initrd.pack:[0-9a-f]{16} options=--vm-slice 10000 \| a share=1: --mem 8M --cmdline run=pingpong .*\| b share=3: --mem 8M --cmdline run=hello' ||
  bad "trace: no provenance header: $(head -1 "$out/two.trace")"
run trace-json "${two[@]}" --trace "$out/two.jsonl" --trace-format jsonl --trace-categories vm --quiet
head -1 "$out/two.jsonl" | grep -q '^{"meta":{"version":"[^"]*","seed":1,"vms":"a,b","kernel":"a:' || bad "trace: no JSON Lines header"
"$vmlab" trace-diff "$out/two.trace" "$out/two.trace" >/dev/null || bad "trace-diff cannot read the multi-VM trace"
grep -q "world switch: a (vm0) -> b (vm1)" "$out/two.trace" || bad "trace: no switch a -> b"
run trace-own --vm "name=a,$g,cmdline=run=hello,trace=$out/a.trace,trace-categories=vm" --vm "name=b,$g,cmdline=run=hello" --quiet
want_rc trace-own 0
grep -q "vm1 " "$out/a.trace" && bad "trace: b's events in a's own trace"
grep -q "boot: .*name a" "$out/a.trace" || bad "trace=FILE: a's boot event does not name it"

# 7b. a value in quotes holds commas: guestos runs two programs, as alone
"$vmlab" run --kernel "$kernel" --module "$initrd" --mem 8M --cmdline run=hello,pingpong --quiet >"$out/solo-two.out" 2>/dev/null
run quoted --vm "name=a,$g,cmdline=\"run=hello,pingpong\",share=2" --vm "name=b,$g,cmdline='run=pingpong,hello'"
want_rc quoted 0
lines_of quoted a | cmp -s - "$out/solo-two.out" || bad "quoted: a's output differs from run=hello,pingpong alone"
lines_of quoted b | grep -q "pong" || bad "quoted: b did not run pingpong"
[ $fail = 0 ] && echo "ok   multivm: one trace of every VM with its header; quoted values hold commas"

# 8. bad specs: one line naming the problem, status 2, nothing left behind
badspec() { # badspec NAME PATTERN ARGS...
  local name=$1 pat=$2; shift 2
  run "bad-$name" "$@"
  want_rc "bad-$name" 2
  [ "$(wc -l <"$out/bad-$name.err")" = 1 ] || bad "bad spec $name: not one line"
  has "bad-$name" err "$pat"
}
rm -f "$out"/left.serial*
badspec key "unknown key 'colour'" --vm "name=a,serial=$out/left.serial,colour=red"
badspec share "bad share 'lots'" --vm "name=a,share=lots"
badspec share0 "bad share '0'" --vm "name=a,share=0"
badspec mem "bad --mem 'big'" --vm "name=a,mem=big"
badspec dup "duplicate name 'a'" --vm name=a --vm name=b --vm name=a
badspec dupdefault "duplicate name 'vm1'" --vm name=vm1 --vm share=2
badspec name "bad name 'a b'" --vm "name=a b"
badspec host "option of the whole machine" --vm "name=a,tlb=8x4"
badspec flag "key paravirt takes no value" --vm "name=a,paravirt=yes"
badspec empty "empty VM spec" --vm ""
badspec quote "no closing quote" --vm "name=a,cmdline=\"run=hello,pingpong"
badspec file "cannot open" --vm-file "$out/no-such.vms"
badspec flushalone "only with --vm" --tlb-flush-on-vm-switch
badspec slice "bad --vm-slice" --vm name=a --vm-slice 0
badspec save "not with --vm" --vm name=a --save-at 100 "$out/x.snap"
badspec twofiles "both write" --vm "name=a,serial=$out/same" --vm "name=b,serial=$out/same"
ls "$out"/left.serial* >/dev/null 2>&1 && bad "bad spec: a serial file was left behind"
[ $fail = 0 ] && echo "ok   multivm: bad --vm specs: one line, status 2, nothing left behind"

exit $fail
