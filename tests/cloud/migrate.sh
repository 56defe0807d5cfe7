#!/usr/bin/env bash
# tests/cloud/migrate.sh VMLAB KERNEL INITRD OUTDIR — `vmlab migrate` end to end:
#  - every guestos demo migrated part-way in one process: its serial output
#    equals QEMU's (tests/guest/expected, which the unmigrated run equals too),
#    shadow mode, and pingpong under --paravirt;
#  - two vmlab processes over a Unix socket: sender's + receiver's output = QEMU's;
#  - the migration reports against goldens: a link fast enough (converges) and
#    one slower than the guest dirties pages (ends at the round limit);
#  - bad input: one line, exit 2; a missing receiver: one line, exit 1.
# UPDATE_GOLDEN=1 rewrites the report goldens.
set -u
vmlab=$1 kernel=$2 initrd=$3 out=$4 here=$(dirname "$0")
fail=0
mkdir -p "$out"
boot=(--kernel "$kernel" --module "$initrd" --max-insns 2000000000)
expected() { echo "tests/guest/expected/$1.out"; }
demo() { # name cmdline [extra options]
  local name=$1 cmd=$2; shift 2
  "$vmlab" migrate "${boot[@]}" --mem 64M --cmdline "$cmd" --link 1024/100000 --at 1000000 "$@" \
    >"$out/$name.out" 2>"$out/$name.err"
  local rc=$?
  if [ $rc != 0 ] || ! cmp -s "$(expected "$name")" "$out/$name.out"; then
    echo "FAIL migrate demo $name $*: status $rc or output differs from QEMU's"; diff -u "$(expected "$name")" "$out/$name.out" | head -20
    tail -5 "$out/$name.err"; fail=1; return
  fi
  echo "ok   migrate demo $name $*: identical output; $(grep -c '^migrate: round' "$out/$name.err") round(s), $(sed -n 's/^migrate: \(downtime [0-9]*\).*/\1/p' "$out/$name.err") insns"
}
demo hello run=hello
demo pagetouch run=pagetouch
demo spawn run=spawn
demo cpubench run=cpubench
demo misbehave run=misbehave
demo swaptest "mem=1M run=swaptest:4"
demo pingpong run=pingpong
demo ulibtest run=ulibtest
demo pingpong run=pingpong --paravirt

# two processes: the receiver listens, the sender connects
sock="$out/mig.sock"
rm -f "$sock"
"$vmlab" migrate "${boot[@]}" --mem 64M --cmdline run=pingpong --listen "$sock" >"$out/rx.out" 2>"$out/rx.err" &
rx=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
"$vmlab" migrate "${boot[@]}" --mem 64M --cmdline run=pingpong --link 1024/100000 --at 1000000 --connect "$sock" \
  >"$out/tx.out" 2>"$out/tx.err"
txrc=$?
wait $rx
rxrc=$?
if [ $txrc != 0 ] || [ $rxrc != 0 ] || ! cmp -s "$(expected pingpong)" <(cat "$out/tx.out" "$out/rx.out"); then
  echo "FAIL migrate over a socket: sender $txrc, receiver $rxrc"; tail -3 "$out/tx.err" "$out/rx.err"; fail=1
elif [ -e "$sock" ]; then
  echo "FAIL migrate over a socket: the socket file was left behind"; fail=1
else
  echo "ok   migrate over a Unix socket: sender's + receiver's output identical to QEMU's ($(wc -c <"$out/tx.out") + $(wc -c <"$out/rx.out") bytes)"
fi

report() { # name options...: the migrate: lines against a golden
  local name=$1; shift
  "$vmlab" migrate "${boot[@]}" --quiet "$@" >"$out/$name.out" 2>"$out/$name.err"
  local rc=$?
  # numbers that depend on the size of the state record (vmlab's struct layout) are masked:
  # rounds, pages per round and the instructions run are the guest's and stay exact
  grep '^migrate:' "$out/$name.err" | sed -E 's/[0-9]+ bytes of CPU/N bytes of CPU/; s/= [0-9]+ bytes/= N bytes/;
    s/downtime [0-9]+/downtime N/; s/total [0-9]+ bytes/total N bytes/; s/received [0-9]+ bytes/received N bytes/;
    s/, [0-9]+ bytes of state/, N bytes of state/' >"$out/$name.report"
  grep -E '^migrate: (downtime|stop and copy)' "$out/$name.err" | sed 's/^/     /'
  if [ $rc != 0 ]; then echo "FAIL migrate $name: status $rc"; tail -5 "$out/$name.err"; fail=1; return; fi
  # the report adds up: pre-copy start + what the guest ran in each round = stop and copy;
  # the rounds' bytes + the stop and copy's = the total
  awk '/pre-copy from icount/ { s = $NF } /^migrate: round/ { s += $(NF - 5); b += $(NF - 11) }
    /stop and copy at icount/ { sub(":", "", $7); if (s != $7) { print "ran to " s ", stopped at " $7; exit 1 }; b += $(NF - 1) }
    /^migrate: total/ { if (b != $3) { print "rounds + stop and copy " b " bytes, total " $3; exit 1 } }' \
    "$out/$name.err" || { echo "FAIL migrate $name: the report does not add up"; fail=1; return; }
  if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then cp "$out/$name.report" "$here/$name.golden"; echo "updated $here/$name.golden"; return; fi
  if ! diff -u "$here/$name.golden" "$out/$name.report"; then echo "FAIL migrate $name: report differs from golden"; fail=1; return; fi
  echo "ok   migrate $name: $(grep 'pre-copy ended' "$out/$name.report" | cut -d' ' -f2-)"
}
report migrate-converge --mem 16M --cmdline run=swaptest:8 --at 15000000 --link 32/100000
report migrate-round-limit --mem 32M --cmdline run=swaptest:16 --at 60000000 --link 16/100000 --max-rounds 2
grep -q "round limit" "$out/migrate-round-limit.report" || { echo "FAIL migrate round limit: not reached"; fail=1; }

bad() { # name want-status message-substring args...
  local name=$1 want=$2 msg=$3; shift 3
  "$vmlab" migrate "$@" >"$out/bad.out" 2>"$out/bad.err"
  local rc=$? lines; lines=$(wc -l <"$out/bad.err")
  if [ "$rc" != "$want" ] || [ "$lines" != 1 ] || ! grep -q -- "$msg" "$out/bad.err"; then
    echo "FAIL migrate $name: status $rc (want $want), stderr:"; cat "$out/bad.err"; fail=1; return
  fi
  echo "ok   migrate $name: $(cat "$out/bad.err")"
}
bad nested 2 "--mmu=shadow only" "${boot[@]}" --mmu=nested
bad link 2 "bad value '0/5' for --link" "${boot[@]}" --link 0/5
bad rounds 2 "bad value '0' for --max-rounds" "${boot[@]}" --max-rounds 0
bad both-ends 2 "one of them" "${boot[@]}" --listen a --connect b
bad trace 2 "options of vmlab run" "${boot[@]}" --trace "$out/t.trace"
bad no-receiver 1 "cannot connect" "${boot[@]}" --cmdline run=hello --at 1000 --connect "$out/nobody.sock"
exit $fail
