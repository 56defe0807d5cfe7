#!/usr/bin/env bash
# tests/e2e/stats_json.sh VMLAB KERNEL INITRD OUTDIR — `vmlab run --stats-json FILE`
# writes the summary as JSON with the same fields as the text: for the demos
# under each mode, the JSON parses, and every number of the text summary is a
# number of the JSON (so a field added to one and not the other fails here).
set -u
vmlab=$1 kernel=$2 initrd=$3 out=$4
mkdir -p "$out"
fail=0
nums() { grep -oE '[0-9]+(\.[0-9]+)?' | sort; }
check() { # name run-options...
  local name=$1; shift
  "$vmlab" run --kernel "$kernel" --module "$initrd" --stats-json "$out/$name.json" "$@" \
    >/dev/null 2>"$out/$name.summary"
  if ! python3 -m json.tool "$out/$name.json" >/dev/null 2>"$out/$name.jsonerr"; then
    echo "FAIL stats-json $name: not JSON: $(head -1 "$out/$name.jsonerr")"; fail=1; return
  fi
  sed -n '/^=== vmlab summary/,$p' "$out/$name.summary" | sed 1d | nums >"$out/$name.text-nums"
  nums <"$out/$name.json" >"$out/$name.json-nums"
  local missing; missing=$(comm -23 "$out/$name.text-nums" "$out/$name.json-nums" | tr '\n' ' ')
  if [ -n "$missing" ] || [ ! -s "$out/$name.text-nums" ]; then
    echo "FAIL stats-json $name: numbers of the text summary not in the JSON: $missing"; fail=1; return
  fi
  echo "ok   stats-json $name: $(wc -l <"$out/$name.text-nums") numbers, all in the JSON"
}
check hello --cmdline run=hello
check swtlb --mmu=swtlb --cmdline run=hello
check nested --mmu=nested --cmdline run=pagetouch
check paravirt --paravirt --cmdline "mem=1M run=swaptest:4"
check strict --strict-x86 --cmdline run=misbehave
check bare --bare-core --cmdline run=hello
exit $fail
