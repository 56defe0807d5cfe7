#!/bin/bash
# tests/gdb/gdb_test.sh VMLAB KERNEL OUTDIR — the gdb stub against real gdb
# (Debian's gdb, batch mode) on guestos with its symbols, and malformed
# packets from a raw client. Every vmlab listens on port 0 (a free port the
# kernel picks, read back from its "listening" line); everything runs under
# timeouts, so nothing can hang.
vmlab=$1 kernel=$2 out=$3
if ! command -v gdb >/dev/null; then echo "skipped: gdb not installed"; exit 0; fi
rm -rf "$out" && mkdir -p "$out"
fail() { echo "FAIL gdb: $*"; exit 1; }

# start_vmlab NAME: vmlab run --gdb 0 in the background; sets $vpid and $port
start_vmlab() {
	timeout 120 "$vmlab" run --cmdline run=hello --gdb 0 --quiet >"$out/$1.out" 2>"$out/$1.err" &
	vpid=$! port=
	for _ in $(seq 300); do
		port=$(sed -n 's/^gdb: listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$out/$1.err")
		[ -n "$port" ] && return 0
		sleep 0.1
	done
	kill "$vpid" 2>/dev/null
	fail "$1: vmlab did not listen"
}

# run_gdb NAME COMMANDS...: gdb -batch with the commands, output in $out/NAME.gdb
run_gdb() {
	name=$1; shift
	{ echo "set pagination off"; echo "target remote 127.0.0.1:$port"; printf '%s\n' "$@"; } >"$out/$name.cmds"
	timeout 60 gdb -batch -nx -x "$out/$name.cmds" "$kernel" >"$out/$name.gdb" 2>&1
	wait "$vpid"; vstatus=$?
}

expect() { grep -qE -- "$2" "$out/$1" || fail "$1 has no line matching: $2"; }

# 1. break on a kernel symbol, registers, memory, stepi, watch, monitor, detach
start_vmlab session
run_gdb session "break kmain" "continue" "info registers rip rsp cr3 cs eflags" 'x/4gx $rsp' \
	"stepi" 'print $pc' "watch curproc" "continue" "monitor translate 0xffffffff80107f80" \
	"monitor pt 0xffffffff80107f80" "monitor tlb" "monitor bogus" "delete" "detach"
expect session.gdb '^Breakpoint 1, kmain \(\)'
expect session.gdb '^rip +0xffffffff80107f80 +0xffffffff80107f80 <kmain>'
expect session.gdb '^cr3 +0x[0-9a-f]+'
expect session.gdb '^0xffffffff[0-9a-f]+:	0x[0-9a-f]{16}	0x[0-9a-f]{16}'
expect session.gdb '^\$1 = .*<kmain\+1>'
expect session.gdb '^Hardware watchpoint 2: curproc'
expect session.gdb '^Old value = \(struct proc \*\) 0x0'
expect session.gdb '^New value = \(struct proc \*\) 0xffffffff[0-9a-f]+ <procs>'
expect session.gdb '^VA 0xffffffff80107f80 -> PA 0x[0-9a-f]+ -> MA 0x[0-9a-f]+'
expect session.gdb 'vmlab monitor commands: .*not bogus'
expect session.gdb 'Inferior 1 \(Remote target\) detached'
[ "$vstatus" = 0 ] || fail "session: vmlab exit $vstatus after detach (the guest should run to its end)"
expect session.out 'all processes exited'
expect session.err '^gdb: detached$'

# 2. kill: the VM stops, vmlab says so and exits 1
start_vmlab kill
run_gdb kill "break syscall_dispatch" "continue" "kill"
expect kill.gdb '^Breakpoint 1, syscall_dispatch'
[ "$vstatus" = 1 ] || fail "kill: vmlab exit $vstatus, not 1"
expect kill.err 'killed by gdb'

# 3. reverse execution (bc/bs over the console's checkpoints and re-execution):
#    reverse-stepi goes back one instruction, reverse-continue back to the previous
#    breakpoint hit, and past the first one to the start of the history
start_vmlab reverse
run_gdb reverse "break kmain" "continue" "stepi" 'info registers rsp' "stepi" 'print $pc' "reverse-stepi" \
	'print $pc' 'info registers rsp' "reverse-stepi" 'print $pc' "break syscall_dispatch" "continue" 'print $pc' \
	"reverse-continue" 'info registers rip' "continue" 'info registers rip' "reverse-continue" \
	"reverse-continue" 'info registers rip' "kill"
expect reverse.gdb '^\$1 = .*<kmain\+4>'
expect reverse.gdb '^\$2 = .*<kmain\+1>'
expect reverse.gdb '^\$3 = .*<kmain>'
expect reverse.gdb '^\$4 = .*<syscall_dispatch>'
grep -A2 '^\$4 = ' "$out/reverse.gdb" | grep -q '^Breakpoint 1, kmain' || fail "reverse-continue did not stop at kmain"
[ "$(grep -c '^rip  *0xffffffff80107f80 *0xffffffff80107f80 <kmain>' "$out/reverse.gdb")" = 1 ] ||
	fail "reverse: rip is not kmain after reverse-continue"
[ "$(grep -c '^rip  *0xffffffff80109f10 *0xffffffff80109f10 <syscall_dispatch>' "$out/reverse.gdb")" = 1 ] ||
	fail "reverse: continue after reverse-continue did not reach syscall_dispatch again"
expect reverse.gdb '^No more reverse-execution history'
expect reverse.gdb '^rip  *0x101067 .*<vmlab_start>'
# rsp after reverse-stepi is the rsp the forward stepi had there
rsps=$(sed -n 's/^rsp  *\(0x[0-9a-f]*\).*/\1/p' "$out/reverse.gdb")
[ "$(echo "$rsps" | wc -l)" = 2 ] && [ "$(echo "$rsps" | sort -u | wc -l)" = 1 ] ||
	fail "reverse: rsp at kmain+1 differs going back ($rsps)"

# 4. gdb-listen in a console session: the console waits while gdb is attached, gdb's
#    breakpoints replace the console's, detach returns to the prompt where gdb left
#    the guest, with the console's breakpoints back
printf '%s\n' 'break syscall_dispatch' 'until syscall' 'gdb-listen 0' 'regs' 'info breakpoints' 'continue' 'quit' >"$out/listen.cmd"
timeout 120 "$vmlab" console --no-color --cmdline run=hello --script "$out/listen.cmd" >"$out/listen.out" 2>&1 &
vpid=$! port=
for _ in $(seq 300); do
	port=$(sed -n 's/^gdb: listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$out/listen.out")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { kill "$vpid" 2>/dev/null; fail "gdb-listen: the console did not listen"; }
run_gdb listen "break syscall_dispatch" "continue" "stepi" 'print $pc' "reverse-stepi" 'print $pc' \
	"monitor translate 0xffffffff80107f80" "detach"
[ "$vstatus" = 0 ] || fail "gdb-listen: console exit $vstatus"
expect listen.gdb '^Breakpoint 1, syscall_dispatch'
expect listen.gdb '^\$1 = .*<syscall_dispatch\+1>'
expect listen.gdb '^\$2 = .*<syscall_dispatch>'
expect listen.gdb '^VA 0xffffffff80107f80 -> PA 0x[0-9a-f]+ -> MA 0x[0-9a-f]+'
expect listen.out '^gdb: detached$'
# the prompt again, at syscall_dispatch where gdb left it; then the console's own breakpoint
sed -n '/^gdb: detached$/,$p' "$out/listen.out" >"$out/listen.after"
expect listen.after '^rip +0xffffffff80109f10'
expect listen.after '^\(vmlab\) continue$'
expect listen.after '^1 +breakpoint +0xffffffff80109f10 <syscall_dispatch> +0  syscall_dispatch$'
expect listen.after '^breakpoint 1 at 0xffffffff80109f10 <syscall_dispatch>$'

# 5. malformed packets from a raw client: bad checksum '-', unknown the empty
#    packet, oversized and bad arguments an error, and the stub still answers.
start_vmlab raw
exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "raw: cannot connect"
ask() { # ask PACKET-BYTES NBYTES: send, read NBYTES of answer
	printf '%s' "$1" >&3
	IFS= read -r -t 10 -N "$2" ans <&3 || ans="(timeout: $ans)"
	echo "$ans"
}
csum() { printf '%s' "$1" | od -An -tu1 -v | tr -s ' ' '\n' | awk 'NF { s += $1 } END { printf "%02x", s % 256 }'; }
pkt() { printf '$%s#%s' "$1" "$(csum "$1")"; }
big=$(head -c 5000 /dev/zero | tr '\0' A)
{
	ask '$g#00' 1                                  # bad checksum
	ask "$(pkt vMustReplyEmpty)" 5                 # unknown
	ask "\$$big#00" 1                              # oversized with a bad checksum
	ask "$(pkt "$big")" 8                          # oversized, good checksum
	ask "$(pkt mzz,4)" 8                           # bad arguments
	ask "$(pkt m0,)" 8                             # bad arguments
	ask "$(pkt '?')" 8                             # still alive
	ask "$(pkt k)" 7
} >"$out/raw.replies"
exec 3>&-
wait "$vpid"; vstatus=$?
printf '%s\n' '-' '+$#00' '-' '+$E01#a6' '+$E01#a6' '+$E01#a6' '+$S05#b8' '+$OK#9a' | cmp -s - "$out/raw.replies" ||
	{ diff <(printf '%s\n' '-' '+$#00' '-' '+$E01#a6' '+$E01#a6' '+$E01#a6' '+$S05#b8' '+$OK#9a') "$out/raw.replies"; fail "raw replies differ"; }
[ "$vstatus" = 1 ] || fail "raw: vmlab exit $vstatus after k, not 1"
echo "ok   gdb stub: real gdb (break, registers, x, stepi, watch, monitor, detach, kill, reverse-stepi, reverse-continue, console gdb-listen) and malformed packets"
