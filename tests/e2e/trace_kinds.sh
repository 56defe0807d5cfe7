#!/usr/bin/env bash
# tests/e2e/trace_kinds.sh VMLAB KERNEL INITRD OUTDIR — every event kind a trace
# holds is one that --trace-after accepts (monitor/vmm/trace_after.c's table):
# JSON Lines traces of the demos under each MMU mode, their "kind" values
# collected, and each must be in the list `--trace-after` prints when refused
# (a VM's page-outs forced by another VM are seen: page_out_forced);
# and no event carries the MA of no frame (0xffffffffffffffff: an absent "ma").
set -u
vmlab=$1 kernel=$2 initrd=$3 out=$4
mkdir -p "$out"
fail=0
list=$("$vmlab" run --trace-after not-an-event 2>&1 | sed -n 's/.*(events: \(.*\))$/\1/p')
[ -n "$list" ] || { echo "FAIL trace kinds: --trace-after did not list the events"; exit 1; }
seen=""
run() { # options...: a window of at most 50000 events (the kinds, not the volume, matter)
  "$vmlab" run --kernel "$kernel" --module "$initrd" --quiet --trace-format jsonl --trace-limit 50000 --max-insns 20000000 \
    --trace "$out/kinds.jsonl" "$@" >/dev/null 2>&1
  # an event with no machine address (a shadow fault before any shadow root) has no "ma" field
  if grep -q '"ma":"0xffffffffffffffff"' "$out/kinds.jsonl"; then
    echo "FAIL trace kinds: an event names MA 0xffffffffffffffff (none) with $*: $(grep -m1 '"ma":"0xffffffffffffffff"' "$out/kinds.jsonl")"
    fail=1
  fi
  seen="$seen $(grep -o '"kind":"[^"]*"' "$out/kinds.jsonl" | sort -u | sed 's/"kind":"\(.*\)"/\1/' | tr '\n' ' ')"
}
for mode in --mmu=shadow --mmu=swtlb --mmu=nested --paravirt --strict-x86; do
  run "$mode" --cmdline run=hello
done
run --trace-after true_fault --cmdline run=pagetouch
run --trace-after disk_read --cmdline "mem=1M run=swaptest:4"
run --trace-after disk_read --paravirt --cmdline "mem=1M run=swaptest:4"
run --cmdline run=misbehave
run --strict-x86 --cmdline run=misbehave
run --trace-after shadow_reset --shadow-pool 32K --cmdline run=spawn
run --trace-categories insn --trace-limit 3 --cmdline run=hello
# two VMs on 2M of machine frames: each VM's page-outs, its own (page_out) and forced by the other (page_out_forced)
swap='cmdline=mem=1M run=swaptest:4'
run --machine-mem 2M --trace-categories disk --vm "name=a,mem=8M,$swap" --vm "name=b,mem=8M,$swap"
for k in page_out page_out_forced; do
  case " $seen " in *" $k "*) ;; *) echo "FAIL trace kinds: no $k event in the traces (two VMs on --machine-mem 2M)"; fail=1 ;; esac
done
rm -f "$out/kinds.jsonl"
for k in $(echo "$seen" | tr ' ' '\n' | sort -u); do
  case " $list " in
    *" $k "*) ;;
    *) echo "FAIL trace kinds: the trace holds kind '$k', which --trace-after refuses"; fail=1 ;;
  esac
done
n=$(echo "$seen" | tr ' ' '\n' | sort -u | grep -c .)
[ $fail = 0 ] && echo "ok   trace kinds: all $n kinds seen in the demos' traces are --trace-after events"
exit $fail
