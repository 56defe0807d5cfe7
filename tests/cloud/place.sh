#!/usr/bin/env bash
# tests/cloud/place.sh VMLAB OUTDIR — `vmlab place` end to end: the example
# cluster's placement and rebalance against goldens, and bad input.
set -u
vmlab=$1 out=$2 here=$(dirname "$0")
fail=0
mkdir -p "$out"
golden() { # name args...
  local name=$1; shift
  "$vmlab" place "$@" >"$out/$name.out" 2>"$out/$name.err"
  local rc=$?
  if [ "$rc" != 0 ]; then echo "FAIL place $name: status $rc"; cat "$out/$name.err"; fail=1; return; fi
  if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then cp "$out/$name.out" "$here/$name.golden"; echo "updated $here/$name.golden"; return; fi
  if ! diff -u "$here/$name.golden" "$out/$name.out"; then echo "FAIL place $name: differs from golden"; fail=1; return; fi
  echo "ok   place $name"
}
bad() { # name want-status message-substring args...
  local name=$1 want=$2 msg=$3; shift 3
  "$vmlab" place "$@" >"$out/bad.out" 2>"$out/bad.err"
  local rc=$? lines; lines=$(wc -l <"$out/bad.err")
  if [ "$rc" != "$want" ] || [ "$lines" != 1 ] || ! grep -q -- "$msg" "$out/bad.err"; then
    echo "FAIL place $name: status $rc (want $want), stderr:"; cat "$out/bad.err"; fail=1; return
  fi
  echo "ok   place $name: $(cat "$out/bad.err")"
}
golden place --nodes "$here/nodes.txt" --vms "$here/vms.txt"
golden rebalance --nodes "$here/nodes.txt" --vms "$here/rebalance-vms.txt" --rebalance
printf 'a cpu=4 mem=8G\n' >"$out/tiny-nodes.txt"
printf 'huge cpu=64 mem=1G\n' >"$out/huge-vms.txt"
printf 'v cpu=1 mem=1G node=nowhere\n' >"$out/bad-vms.txt"
bad missing-file 2 "cannot open" --nodes "$out/none.txt" --vms "$here/vms.txt"
bad bad-line 2 "line 1: unknown node 'nowhere'" --nodes "$out/tiny-nodes.txt" --vms "$out/bad-vms.txt"
bad bad-algo 2 "valid: all, exact, ffd, bfd" --nodes "$here/nodes.txt" --vms "$here/vms.txt" --algo magic
bad bad-budget 2 "--budget needs a number" --nodes "$here/nodes.txt" --vms "$here/vms.txt" --budget x
bad no-vms 2 "both needed" --nodes "$here/nodes.txt"
bad infeasible 1 "no feasible placement" --nodes "$out/tiny-nodes.txt" --vms "$out/huge-vms.txt"
bad directory 2 "is a directory" --nodes "$out" --vms "$here/vms.txt"
exit $fail
