#!/usr/bin/env bash
# tests/multivm/overcommit.sh VMLAB KERNEL INITRD OUT GOLDEN — several VMs overcommitted
# on one host (`vmlab run --machine-mem SIZE --vm ... --vm ...`, docs/overcommit.md):
#  - two guestos VMs of 8M in 4M of machine frames print what they print alone, with
#    the isolation invariant checked at every exit: plain, with --share-pages (their
#    identical pages share read-only frames: one VM never sees the other's writes),
#    and with the balloon and sharing under --paravirt; two VMs of 32M each on a
#    host of 20M of RAM;
#  - the demo (both VMs swap too: mem=1M run=swaptest:4, 2M of frames for 16M of
#    guest memory, --paravirt) with and without the balloon, with and without
#    sharing: program output as QEMU's, the guests' swap counts and the memory
#    table against GOLDEN (byte for byte; the same run twice gives the same bytes);
#  - refused: a VM not in shadow mode, --balloon without --paravirt.
# UPDATE_GOLDEN=1 rewrites GOLDEN. Every run is under `timeout`.
set -u
vmlab=$1 kernel=$2 initrd=$3 out=$4 golden=$5
mkdir -p "$out"
fail=0
T=${MV_TIMEOUT:-300}
g="kernel=$kernel,module=$initrd,mem=8M"
bad() { echo "FAIL multivm-overcommit $*"; fail=1; }
run() { # run NAME ARGS...: stdout, stderr, status into OUT/NAME.{out,err,rc}
  local name=$1; shift
  timeout -k 5 "$T" "$vmlab" run "$@" >"$out/$name.out" 2>"$out/$name.err"
  echo $? >"$out/$name.rc"
}
lines_of() { sed -n "s/^$2| //p" "$out/$1.out"; }

# 1. hello and pingpong in 4M of frames: output as alone, isolation at every exit
for opts in "" "--share-pages" "--paravirt --balloon --share-pages"; do
  name=two${opts// /}
  run "$name" --machine-mem 4M $opts --check-isolation --vm "name=a,$g,cmdline=run=hello" \
    --vm "name=b,$g,cmdline=run=pingpong"
  [ "$(cat "$out/$name.rc")" = 0 ] || bad "$opts: status $(cat "$out/$name.rc")"
  lines_of "$name" a | cmp -s - tests/guest/expected/hello.out || bad "$opts: a's output differs from QEMU's"
  lines_of "$name" b | cmp -s - tests/guest/expected/pingpong.out || bad "$opts: b's output differs from QEMU's"
  grep -q "ISOLATION VIOLATED" "$out/$name.err" && bad "$opts: isolation invariant broken"
  grep -q "^memory: *1024 machine frames for 4096 guest pages, [0-9]* held" "$out/$name.err" ||
    bad "$opts: no memory line: $(grep '^memory' "$out/$name.err")"
  # the frames the VMs hold add up to what the machine has at most
  held=$(awk '$1 ~ /^vm[0-9]/ && NF == 13 { s += $10 } END { print s + 0 }' "$out/$name.err")
  [ "$held" -le 1024 ] || bad "$opts: the VMs hold $held frames of 1024"
done
# a VM larger than the host's whole RAM (4M of frames + 2 x 8M of shadow tables < 32M)
run big --machine-mem 4M --vm "name=a,kernel=$kernel,module=$initrd,mem=32M,cmdline=run=hello" \
  --vm "name=b,kernel=$kernel,module=$initrd,mem=32M,cmdline=run=hello"
[ "$(cat "$out/big.rc")" = 0 ] || bad "big: status $(cat "$out/big.rc"): $(head -2 "$out/big.err")"
for v in a b; do lines_of big $v | cmp -s - tests/guest/expected/hello.out || bad "big: $v's output differs"; done
grep -q "^machine: *20 MiB RAM" "$out/big.err" || bad "big: $(grep '^machine' "$out/big.err")"
saved=$(sed -n 's/.*sharing saves [0-9]* frames now, \([0-9]*\) at most/\1/p' "$out/two--share-pages.err")
[ "${saved:-0}" -gt 0 ] || bad "--share-pages: no frame saved"
[ $fail = 0 ] && echo "ok   multivm-overcommit: two guestos VMs in 4M of frames (plain, shared, ballooned) print as QEMU, isolation held ($saved frames saved at most)"

# 2. the demo: both guests swap; double paging with and without the balloon and sharing
: >"$out/demo.txt"
for opts in "" "--share-pages" "--balloon" "--balloon --share-pages"; do
  name=demo${opts// /}
  run "$name" --machine-mem 2M --paravirt $opts --vm "name=a,$g,cmdline=mem=1M run=swaptest:4" \
    --vm "name=b,$g,cmdline=mem=1M run=swaptest:4"
  [ "$(cat "$out/$name.rc")" = 0 ] || bad "demo $opts: status $(cat "$out/$name.rc")"
  for v in a b; do # the program's lines as QEMU's; the kernel's swap count is in the golden
    cmp -s <(grep -v '^\[kernel\] swap:' tests/guest/expected/swaptest.out) \
      <(lines_of "$name" $v | grep -v '^\[kernel\] swap:') || bad "demo $opts: $v's output differs"
  done
  { echo "== --machine-mem 2M --paravirt $opts"; grep '\[kernel\] swap:' "$out/$name.out"
    sed -n '/^memory:/,$p' "$out/$name.err"; } >>"$out/demo.txt"
done
run demo-again --machine-mem 2M --paravirt --vm "name=a,$g,cmdline=mem=1M run=swaptest:4" \
  --vm "name=b,$g,cmdline=mem=1M run=swaptest:4"
cmp -s "$out/demo.err" "$out/demo-again.err" || bad "demo: a second run differs"
if [ -n "${UPDATE_GOLDEN:-}" ]; then
  cp "$out/demo.txt" "$golden"; echo "regenerated $golden (review the diff)"
elif ! cmp -s "$golden" "$out/demo.txt"; then
  bad "demo: memory tables differ from $golden:"; diff -u "$golden" "$out/demo.txt" | head -20
fi
[ $fail = 0 ] && echo "ok   multivm-overcommit: the demo with and without balloon and sharing as golden" &&
  awk '/^==/ { h = $0 } /^vm[0-9]/ { d[h] += $8 } END { for (k in d) print "     double paging " d[k] "  " k }' \
    "$out/demo.txt" | sort -t= -k3

# 3. refused, one line naming the problem
run nested --machine-mem 4M --vm "name=a,$g" --vm "name=b,$g,mmu=nested"
[ "$(cat "$out/nested.rc")" != 0 ] && [ "$(wc -l <"$out/nested.err")" = 1 ] &&
  grep -q "needs --mmu=shadow" "$out/nested.err" || bad "nested: $(cat "$out/nested.err")"
run balloon --machine-mem 4M --balloon --vm "name=a,$g" --vm "name=b,$g"
[ "$(cat "$out/balloon.rc")" != 0 ] && grep -q "needs --paravirt" "$out/balloon.err" || bad "balloon: $(cat "$out/balloon.err")"
[ $fail = 0 ] && echo "ok   multivm-overcommit: nested mode and --balloon without --paravirt refused"
exit $fail
