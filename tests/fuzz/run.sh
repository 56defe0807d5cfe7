#!/usr/bin/env bash
# tests/fuzz/run.sh SECS LFBUILD "BUILD-COMMAND" NAME... — run each libFuzzer
# harness for SECS seconds (niced, fixed seed), starting from tests/fuzz/corpus/NAME;
# new inputs go to LFBUILD/work/NAME/corpus, crash inputs to LFBUILD/work/NAME/.
# Prints per harness: executions, bytes, coverage (cov/ft), crashes. Fails if any crashed.
# Without clang's libFuzzer it says "skipped: ..." and exits 0 (scripts/deps.sh installs it).
set -u
secs=$1 lf=$2 build=$3; shift 3
probe=$(mktemp -d)
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
if ! command -v clang >/dev/null 2>&1 || ! clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>/dev/null; then
  rm -rf "$probe"
  echo "skipped: clang libFuzzer not installed (apt-get install clang libclang-rt-14-dev)"
  exit 0
fi
rm -rf "$probe"
$build || exit 1
fail=0
for n in "$@"; do
  w=$lf/work/$n
  mkdir -p "$w/corpus"
  log=$w/log.txt
  lenctl=""
  case $n in
    cpl3) maxlen=8193; lenctl="-len_control=0" ;;   # whole code pages from the start
    vm) maxlen=4096; lenctl="-len_control=0" ;;
    loaders) maxlen=65536 ;;
    *) maxlen=4096 ;;
  esac
  dict=""
  [ -f tests/fuzz/$n.dict ] && dict="-dict=tests/fuzz/$n.dict"
  nice "$lf/fuzz/lf-$n" -max_total_time="$secs" -seed=1 -timeout=20 -rss_limit_mb=2048 -max_len=$maxlen \
    -print_final_stats=1 -artifact_prefix="$w/" $lenctl $dict "$w/corpus" "tests/fuzz/corpus/$n" >"$log" 2>&1
  rc=$?
  stats=$(sed -n 's/^fuzz-stats: //p' "$log" | tail -1)
  cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')
  crashes=$(ls "$w"/crash-* "$w"/timeout-* "$w"/leak-* "$w"/oom-* 2>/dev/null | wc -l)
  if [ $rc -ne 0 ] || [ "$crashes" -ne 0 ]; then
    echo "FAIL fuzz $n: status $rc, $crashes crash inputs in $w (copy each to tests/fuzz/crashes/$n/ once fixed)"
    grep -E "ERROR|INVARIANT|SUMMARY|runtime error" "$log" | head -5
    fail=1
  else
    echo "ok   fuzz $n: ${secs}s, $stats, $cov, 0 crashes"
  fi
done
exit $fail
