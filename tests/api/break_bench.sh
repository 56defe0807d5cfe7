#!/bin/sh
# tests/api/break_bench.sh VMLAB KERNEL [RUNS] — `make bench`: a run to the end
# with breakpoints set (two kernel functions hit now and then, one address
# never reached) against the same run without, min of RUNS each, CPU time
# (user+sys) of the process. Breakpoints live on the core's decode path, so
# the two should be within a few percent.
vmlab=$1 kernel=$2 runs=${3:-3}
sym() { nm "$kernel" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
b1=$(sym syscall_dispatch) b2=$(sym kmain)
[ -n "$b1" ] && [ -n "$b2" ] || { echo "break_bench: no symbols in $kernel"; exit 1; }
tf=$(mktemp) && trap 'rm -f "$tf"' EXIT
best() { # best CPU seconds of $runs runs of: vmlab run "$@"
	m=999999
	for i in $(seq "$runs"); do
		/usr/bin/time -o "$tf" -f '%U %S' "$vmlab" run --cmdline run=cpubench --quiet "$@" >/dev/null 2>&1
		t=$(tail -1 "$tf" | awk '{ print $1 + $2 }')
		m=$(echo "$m $t" | awk '{ print ($2 < $1) ? $2 : $1 }')
	done
	echo "$m"
}
plain=$(best)
brk=$(best --break "$b1" --break "$b2" --break 0x10)
hits=$("$vmlab" run --cmdline run=cpubench --quiet --break "$b1" --break "$b2" --break 0x10 2>&1 >/dev/null | grep -c 'breakpoint 0x')
echo "$plain $brk $hits" | awk '{ printf "breakpoint continue (cpubench demo, 3 breakpoints, %d stops): plain %.2f s, with breakpoints %.2f s CPU: %.3fx\n", $3, $1, $2, ($1 > 0 ? $2 / $1 : 0) }'
