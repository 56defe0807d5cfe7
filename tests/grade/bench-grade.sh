#!/usr/bin/env bash
# tests/grade/bench-grade.sh BUILD [N] [JOBS] — a benchmark, not a test: grades N
# (default 100) generated submissions of lab tlb (labs/08-tlb) with --jobs JOBS
# (default 2) and prints the wall time, the CPU time of the grader and everything it
# ran, and both per submission. The submissions mix the reference with broken
# variants: a tag match that ignores the view, LRU that evicts the most recent way,
# a clock without second chances, a syntax error, a wrong answer.
set -u
build=${1:-build}
n=${2:-100}
jobs=${3:-2}
vmlab=$build/vmlab
t=$(mktemp -d /tmp/vmlab-grade-bench-XXXXXX)
chmod 755 "$t"
trap 'rm -rf "$t"' EXIT

ref_tlb=$(grep -v 'LAB-HOLE-' tlb/tlb.c)
ref_policy=$(grep -v 'LAB-HOLE-' tlb/policy.c)
# sub ID KIND: one submission folder
sub() {
  local d="$t/subs/$1"
  mkdir -p "$d/tlb"
  local tlbc=$ref_tlb policyc=$ref_policy
  case $2 in
    view) tlbc=${tlbc/e->vmid != k->vmid || e->view != k->view/e->vmid != k->vmid} ;;
    lru)  policyc=${policyc/e\[w\].stamp < e\[best\].stamp/e[w].stamp >= e[best].stamp} ;;
    clock) policyc=${policyc/e\[w\].ref_from = e\[w\].stamp + 1;/return w;} ;;
    syntax) policyc="$policyc this is not C;" ;;
  esac
  printf '%s\n' "$tlbc" >"$d/tlb/tlb.c"
  printf '%s\n' "$policyc" >"$d/tlb/policy.c"
  "$vmlab" lab answers tlb "$1" --build "$build" >"$d/answers.txt"
  # (the first line of a key counts: replace it, an appended wrong line would change nothing)
  [ "$2" = answer ] && sed -i 's/^pagetouch_lru_misses = .*/pagetouch_lru_misses = 1/' "$d/answers.txt"
}
kinds=(good good good good view lru clock syntax answer good)
for i in $(seq 1 "$n"); do
  sub "s$(printf %03d "$i")" "${kinds[$(( i % ${#kinds[@]} ))]}"
done

start=$(date +%s.%N)
"$vmlab" grade tlb "$t/subs" --jobs "$jobs" --roster "$t/roster.csv" --build "$build" >"$t/out.txt" 2>&1
rc=$?
end=$(date +%s.%N)
tail -15 "$t/out.txt"
# CPU time of this shell's waited-for children (cutime + cstime: the grader and all it ran;
# sandboxed processes are reaped by the grader, so they count too)
ticks=$(getconf CLK_TCK)
cpu=$(awk -v p=$$ -v tk="$ticks" 'BEGIN { getline l < ("/proc/" p "/stat"); split(l, f, " "); print (f[16] + f[17]) / tk }')
awk -v s="$start" -v e="$end" -v n="$n" -v j="$jobs" -v c="$cpu" 'BEGIN {
  w = e - s
  printf "bench-grade: %d submissions of lab tlb, --jobs %d: wall %.1f s (%.2f s per submission), CPU %.1f s (%.2f s per submission)\n", n, j, w, w / n, c, c / n }'
exit $rc
