#!/usr/bin/env bash
# tests/console/multivm_args.sh — vmlab console --vm (several VMs on one host):
# bad command lines are one line on stderr, status 2, nothing on stdout and no
# file left behind; a console over two VMs starts (vm list) from the command
# line and from a --vm-file.
# usage: multivm_args.sh VMLAB KERNEL INITRD OUTDIR
set -u
if [ $# -ne 4 ]; then echo "usage: $0 VMLAB KERNEL INITRD OUTDIR" >&2; exit 2; fi
vmlab=$1 kernel=$2 initrd=$3 out=$4/multivm_args
rm -rf "$out"
mkdir -p "$out"
img=(--kernel "$kernel" --module "$initrd")
fail=0
bad() { echo "FAIL console --vm: $*"; fail=1; }

# refused NAME PATTERN ARGS...: status 2, one stderr line with PATTERN, empty stdout
refused() {
  local name=$1 pat=$2; shift 2
  "$vmlab" "$@" </dev/null >"$out/$name.out" 2>"$out/$name.err"
  local rc=$?
  [ $rc = 2 ] || bad "$name: status $rc, want 2"
  [ "$(wc -l <"$out/$name.err")" = 1 ] || { bad "$name: stderr is not one line"; head -3 "$out/$name.err"; }
  grep -q -- "$pat" "$out/$name.err" || bad "$name: stderr lacks '$pat': $(head -1 "$out/$name.err")"
  [ -s "$out/$name.out" ] && bad "$name: something on stdout"
}
refused slice "vmlab console: --vm-slice only with --vm" console "${img[@]}" --vm-slice 100
refused flush "tlb-flush-on-vm-switch only with --vm" console "${img[@]}" --tlb-flush-on-vm-switch
refused nospec "vmlab console: --vm needs a VM spec" console "${img[@]}" --vm
refused key "vmlab console: --vm 1 (a): unknown key 'colour'" console "${img[@]}" --vm name=a,colour=red
refused dup "duplicate name 'a'" console "${img[@]}" --vm name=a --vm name=a
refused trace "--trace with --vm: give each VM its own" console "${img[@]}" --vm name=a --trace "$out/t.trace"
refused bare "--bare-core is not with --vm" console "${img[@]}" --vm name=a --bare-core
refused record "a session of several VMs (--vm) cannot be recorded" record "$out/rec.vmrec" "${img[@]}" --vm name=a
printf '#! --vm name=a,cmdline=run=hello\nvm list\n' >"$out/own.cmd"
refused scriptvm "names its own --vm VMs: leave --vm out" console "${img[@]}" --vm name=b --script "$out/own.cmd"
[ -e "$out/t.trace" ] && bad "trace: $out/t.trace left behind"
[ -e "$out/rec.vmrec" ] && bad "record: $out/rec.vmrec left behind"

# two VMs from the command line and from a --vm-file: the same console
printf 'vm list\nvm select b\n' >"$out/list.cmd"
"$vmlab" console --no-color "${img[@]}" --vm name=a,cmdline=run=hello --vm name=b,share=2 --script "$out/list.cmd" \
  >"$out/args.out" 2>&1 || bad "two VMs: status $?"
printf '# two VMs\nname=a,cmdline=run=hello\n\nname=b,share=2\n' >"$out/vms.txt"
"$vmlab" console --no-color "${img[@]}" --vm-file "$out/vms.txt" --script "$out/list.cmd" >"$out/file.out" 2>&1 ||
  bad "--vm-file: status $?"
grep -q '^\* vm0  a .* 1/3 ' "$out/args.out" || { bad "two VMs: vm list lacks a (selected, share 1/3)"; cat "$out/args.out"; }
grep -q '^(vmlab b) ' "$out/args.out" && bad "two VMs: the prompt named b before vm select b"
grep -q '^selected vm1 (b)' "$out/args.out" || bad "two VMs: vm select b did not select it"
cmp -s "$out/args.out" "$out/file.out" || { bad "--vm-file differs from --vm"; diff "$out/args.out" "$out/file.out" | head -5; }

# continued to the end, the console's host ran the schedule vmlab run --vm runs: the same
# world switches, and each VM the same instructions and exits
vms=(--vm name=a,mem=8M,cmdline=run=hello,share=1 --vm name=b,mem=8M,cmdline=run=hello,share=3 --vm-slice 2000)
printf 'continue\ncontinue\nvm list\n' >"$out/end.cmd"
"$vmlab" console --no-color "${img[@]}" "${vms[@]}" --script "$out/end.cmd" >"$out/end.out" 2>&1 || bad "end: status $?"
"$vmlab" run "${img[@]}" "${vms[@]}" >/dev/null 2>"$out/run.err" || bad "run: status $?"
sed -n 's/^[ *] \(vm[0-9]*\) *\([^ ]*\) *stopped: [^ ]* *\([0-9]*\) *\([0-9]*\) .*/\1 \2 \3 \4/p' "$out/end.out" >"$out/end.vms"
sed -n 's/^\(vm[0-9][0-9]*\) *\([^ ]*\) *[^ ]* *\([0-9][0-9]*\) *\([0-9][0-9]*\) .*/\1 \2 \3 \4/p' "$out/run.err" >"$out/run.vms"
[ "$(wc -l <"$out/end.vms")" = 2 ] || bad "end: vm list does not show both VMs stopped"
cmp -s "$out/end.vms" "$out/run.vms" || { bad "end: instructions/exits differ from vmlab run"; diff "$out/end.vms" "$out/run.vms"; }
sw_console=$(sed -n 's/.*, \([0-9]*\) world switches;.*/\1/p' "$out/end.out" | tail -1)
sw_run=$(sed -n 's/.*, \([0-9]*\) world switches, .*/\1/p' "$out/run.err")
[ -n "$sw_run" ] && [ "$sw_console" = "$sw_run" ] || bad "end: $sw_console world switches, vmlab run $sw_run"

# the TLB is the host's: `tlb` shows the same entries and ages whichever VM is selected
printf 'until vm-switch\nuntil vm-switch\nuntil vm-switch\nvm select a\ntlb\nvm select b\ntlb\n' >"$out/tlb.cmd"
"$vmlab" console --no-color "${img[@]}" --vm name=a,cmdline=run=hello --vm name=b,cmdline=run=pingpong \
  --script "$out/tlb.cmd" >"$out/tlb.out" 2>&1 || bad "tlb: status $?"
tlb_of() { awk -v want="(vmlab $1) tlb" '$0 == want { on = 1; next } /^\(vmlab / { on = 0 } on' "$out/tlb.out"; }
[ "$(tlb_of a | wc -l)" -gt 2 ] || bad "tlb: no table with a selected"
cmp -s <(tlb_of a) <(tlb_of b) || { bad "tlb: the host's one TLB differs with b selected"; diff <(tlb_of a) <(tlb_of b) | head -4; }

[ $fail = 0 ] && echo "ok   console --vm: bad command lines refused in one line; --vm and --vm-file consoles;" \
  "continued to the end, the schedule of vmlab run --vm; tlb the same whichever VM is selected"
exit $fail
