#!/usr/bin/env bash
# tests/bench/reverse_bench.sh VMLAB KERNEL INITRD [INSNS] — the cost of reverse execution
# (benchmark, not a test): cpubench runs INSNS instructions (default 10^7) in the console,
# then one reverse-stepi, for several --snapshot-every values. Prints the checkpoints
# kept and their memory (info snapshots) and the wall time of the session with and
# without the reverse-stepi (the difference is the reverse-stepi).
set -u
vmlab=$1 kernel=$2 initrd=$3 insns=${4:-10000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'step %s\ninfo snapshots\n' "$insns" >"$tmp/fwd.cmd"
printf 'step %s\ninfo snapshots\nreverse-stepi\n' "$insns" >"$tmp/rev.cmd"
secs() { # wall seconds of one console session
	local t0 t1
	t0=$(date +%s.%N)
	"$vmlab" console --no-color --kernel "$kernel" --module "$initrd" --cmdline run=cpubench "$@" >"$tmp/out" 2>&1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
for every in 0 100000 1000000; do
	f=$(secs --snapshot-every "$every" --script "$tmp/fwd.cmd")
	r=$(secs --snapshot-every "$every" --script "$tmp/rev.cmd")
	kept=$(grep '^reverse:' "$tmp/out")
	printf 'snapshot-every %-8s forward %6.2f s, with reverse-stepi %6.2f s: reverse-stepi %6.2f s; %s\n' \
		"$every" "$f" "$r" "$(awk -v a="$f" -v b="$r" 'BEGIN { printf "%.2f", b - a }')" "$kept"
done
