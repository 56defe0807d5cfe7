#!/usr/bin/env bash
# tests/e2e/stats_json.sh VMLAB KERNEL INITRD OUTDIR — `vmlab run --stats-json FILE`
# writes the summary as JSON with the same fields as the text: for the demos
# under each mode, the JSON parses, and every number of the text summary is a
# number of the JSON (so a field added to one and not the other fails here),
# and the exits add up: total = sensitive + exception + tlb-miss + other, and
# tlb-miss = its kinds (hidden fault, true fault, pt write, pt write (no
# change), swtlb upcall, stopped), in the text and in the JSON. With --vm: one
# object, the host summary's numbers in it, totals the VMs' sums.
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
  # the exits add up: total = its parts, tlb-miss = what those exits became (text and JSON)
  adds_up "$name" "$out/$name.json" "$out/$name.summary" || return
  echo "ok   stats-json $name: $(wc -l <"$out/$name.text-nums") numbers, all in the JSON; the exits add up"
}
adds_up() { # name JSON|- SUMMARY: the exits' parts add up (in the JSON too, unless -); else FAIL
  local name=$1 sums; sums=$(python3 - "$2" "$3" <<'PY'
import json, re, sys
e, bad = json.load(open(sys.argv[1]))["exits"] if sys.argv[1] != "-" else {}, []
if "core_stops" not in e:
    if e:
        parts = ["sensitive", "exception", "tlb_miss", "other"]
        if e["total"] != sum(e[p] for p in parts):
            bad.append("JSON total %d != %s" % (e["total"], "+".join(str(e[p]) for p in parts)))
        k = e["tlb_miss_kinds"]
        if e["tlb_miss"] != sum(k.values()):
            bad.append("JSON tlb_miss %d != sum of tlb_miss_kinds %s" % (e["tlb_miss"], k))
    text = open(sys.argv[2]).read()
    m = re.search(r"^exits: +(\d+) \((.*)\)$", text, re.M)
    n = re.search(r"^  tlb-miss kinds: (.*)$", text, re.M)
    if not m or not n:
        bad.append("text: no exits line or no tlb-miss kinds line")
    else:
        num = lambda s: [int(x) for x in re.findall(r"(?:^|, )[a-z() -]+? (\d+)", s)]
        parts, kinds = num(m.group(2)), num(n.group(1)) if n.group(1) != "none" else []
        miss = int(re.search(r"tlb-miss (\d+)", m.group(2)).group(1))
        if int(m.group(1)) != sum(parts): bad.append("text: exits %s != sum %s" % (m.group(1), parts))
        if miss != sum(kinds): bad.append("text: tlb-miss %d != sum of kinds %s" % (miss, kinds))
print("; ".join(bad))
PY
  ) || sums="${sums:-the check itself failed (no such field?)}"
  if [ -n "$sums" ]; then echo "FAIL stats-json $name: the exits do not add up: $sums"; fail=1; return 1; fi
}
check hello --cmdline run=hello
check spawn --mem 4M --cmdline run=spawn
check spawn-swtlb --mem 4M --mmu=swtlb --cmdline run=spawn
check spawn-paravirt --mem 4M --paravirt --cmdline run=spawn
check pagetouch --mem 4M --cmdline run=pagetouch
check pressure --mem 4M --shadow-pool 32K --cmdline run=spawn
check overcommit --mem 8M --machine-mem 4M --cmdline "mem=1M run=swaptest:4"
check swtlb --mmu=swtlb --cmdline run=hello
check nested --mmu=nested --cmdline run=pagetouch
check paravirt --paravirt --cmdline "mem=1M run=swaptest:4"
check strict --strict-x86 --cmdline run=misbehave
check bare --bare-core --cmdline run=hello
# several VMs on one host: one object, "host" (the host summary's numbers, "totals": the VMs' counts
# added up) and "vms" (each VM's object as alone, its exits adding up)
multi() { # name run-options...
  local name=$1; shift
  "$vmlab" run --kernel "$kernel" --module "$initrd" --stats-json "$out/$name.json" "$@" >/dev/null 2>"$out/$name.summary"
  if ! python3 -m json.tool "$out/$name.json" >/dev/null 2>"$out/$name.jsonerr"; then
    echo "FAIL stats-json $name: not JSON: $(head -1 "$out/$name.jsonerr")"; fail=1; return
  fi
  sed -n '/^=== vmlab host/,$p' "$out/$name.summary" | sed 1d | sed 's/^vm[0-9]* //' | nums >"$out/$name.text-nums"
  nums <"$out/$name.json" >"$out/$name.json-nums"
  local missing; missing=$(comm -23 "$out/$name.text-nums" "$out/$name.json-nums" | tr '\n' ' ')
  if [ -n "$missing" ] || [ ! -s "$out/$name.text-nums" ]; then
    echo "FAIL stats-json $name: numbers of the host summary not in the JSON: $missing"; fail=1; return
  fi
  local bad; bad=$(python3 - "$out/$name.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
h, vms, bad = j["host"], j["vms"], []
t = h["totals"]
if h["vms"] != len(vms): bad.append("host.vms %d != %d objects" % (h["vms"], len(vms)))
def total(get): return sum(get(v) for v in vms)
for what, got, want in [
        ("instructions", t["instructions"]["total"], total(lambda v: v["instructions"]["total"])),
        ("exits", t["exits"]["total"], total(lambda v: v["exits"]["total"])),
        ("tlb_miss exits", t["exits"]["tlb_miss"], total(lambda v: v["exits"]["tlb_miss"])),
        ("TLB misses", t["tlb"]["misses"], total(lambda v: v["tlb"]["misses"])),
        ("modelled cycles", t["modelled_cycles"], total(lambda v: v["modelled_cycles"]))]:
    if got != want: bad.append("totals %s %d != the VMs' %d" % (what, got, want))
for v in vms + [{"name": "totals", "exits": t["exits"]}]:
    e = v["exits"]
    if e["total"] != e["sensitive"] + e["exception"] + e["tlb_miss"] + e["other"]:
        bad.append("%s: exits do not add up" % v["name"])
    if e["tlb_miss"] != sum(e["tlb_miss_kinds"].values()):
        bad.append("%s: tlb_miss kinds do not add up" % v["name"])
print("; ".join(bad))
PY
  ) || bad="${bad:-the check itself failed}"
  if [ -n "$bad" ]; then echo "FAIL stats-json $name: $bad"; fail=1; return; fi
  echo "ok   stats-json $name: $(wc -l <"$out/$name.text-nums") numbers of the host summary in the JSON; totals = the VMs' sums; exits add up"
}
multi three-vms --mem 4M --vm name=a,cmdline=run=hello --vm name=b,mmu=swtlb,cmdline=run=spawn,share=2 \
  --vm name=c,mmu=nested,cmdline=run=pagetouch
multi two-overcommit --machine-mem 2M --vm 'name=a,mem=8M,cmdline=mem=1M run=swaptest:4' --vm name=b,mem=8M,cmdline=run=hello
# the console's stats, paused inside a TLB miss (phase steps): that exit is "in progress"
printf 'step 100\nuntil tlb-miss\nstepi\nstepi\nstats\n' |
  "$vmlab" console --no-color --kernel "$kernel" --module "$initrd" --mem 4M --cmdline run=spawn >"$out/console-stats.out" 2>&1
if adds_up console-mid-miss - "$out/console-stats.out"; then
  if grep -q "^  tlb-miss kinds: .*in progress 1" "$out/console-stats.out"; then
    echo "ok   stats-json console-mid-miss: the console's stats add up inside a miss (in progress 1)"
  else echo "FAIL stats-json console-mid-miss: no 'in progress 1': $(grep 'tlb-miss kinds' "$out/console-stats.out")"; fail=1; fi
fi
exit $fail
