#!/usr/bin/env bash
# tests/grade/hostile-submission.sh VMLAB [BUILD] — submissions that try to read what
# students must never see, and the grader's outputs that must not show any of it.
# VMLAB is the grader under test, BUILD the reference build (default: VMLAB's folder).
#
# The grader is pointed (--root) at a copy of the reference sources into which this test
# plants canaries where hidden material lives: a file in a lab's expected/ folder, one in
# lab 06's solution/ folder, a path the rubric calls private, and a line inside the
# reference body of the hole (shadow/fill.c). Then it grades, with tests/grade/minilab's
# rubric, a plain stubbed submission and five hostile ones:
#   inc-rel   #include of the expected/ canary by a path relative to the tree
#   inc-abs   #include of the solution/ canary by its absolute path in the reference tree
#   inc-priv  #include of the private canary (relative)
#   link      a submission whose shadow/ is a symbolic link to the reference's
# (and the rubric gets a hidden check whose environment holds a canary, then a public
# check: the runtime submission keeps what it saw in its tree and prints it)
#   runtime   code that, when run by the checks, prints every hidden file it can open
#             (relative to its tree, by absolute path in the reference tree, through the
#             grader's reference tree beside its own), prints the reference's hole body
#             (absolute path) and the compiled reference (.incbin of the reference
#             libshadow.a, searched for a message of the hole body), replaces its output
#             file and its trace by symbolic links to hidden files, so that the grader,
#             outside the sandbox, would read them after the run
# and asserts that no canary and no line of the reference hole body appears in any grader
# output (text, json, junit, gradescope, the roster) and that files outside the sandbox
# are untouched. On a grader whose work tree holds the whole reference tree, this fails.
# inc-abs and runtime are graded again with VMLAB_GRADE_SANDBOX=landlock (the sandbox used
# where bwrap cannot run): the grader must say so, and still show nothing hidden. Under
# limits-only (no bwrap, no landlock) this test fails: the canaries are world-readable.
set -u
vmlab=${1:-build/vmlab}
build=${2:-$(dirname "$vmlab")}
vmlab=$(realpath "$vmlab")
build=$(realpath "$build")
top=$(pwd)
t=$(mktemp -d /tmp/vmlab-grade-hostile-XXXXXX)
chmod 755 "$t"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$t"' EXIT
fail=0
bad() { echo "grade-leaks: FAIL: $*"; fail=1; }

# ---- the reference tree with canaries
root=$t/root
mkdir -p "$root"
tar -C "$top" --exclude='./build*' --exclude='./.*' --exclude=node_modules -cf - . | tar -C "$root" -xf -
n=$$
exp=$(ls -d "$root"/labs/01-*)/expected
sol=$(ls -d "$root"/labs/06-*)/solution
[ -d "$exp" ] && [ -d "$sol" ] || { echo "grade-leaks: FAIL: no labs/01-*/expected or labs/06-*/solution"; exit 1; }
echo "CANARY_EXPECTED_$n" >"$exp/zz-canary.txt"
echo "CANARY_SOLUTION_$n" >"$sol/zz-canary.sh"
lab=$root/tests/grade/minilab
mkdir -p "$lab/private"
echo "CANARY_PRIVATE_$n" >"$lab/private/zz-canary.txt"
echo "private tests/grade/minilab/private" >>"$lab/rubric"
# a hidden check whose command carries a canary (in its environment), then a public check:
# what the submission's code saw in the hidden check must not reach the public one's output
cat >>"$lab/rubric" <<EOF
check secret    1 hidden exit   : CANARY_HIDDEN_CMD_$n=1 @VMLAB@ run --mem 4M --seed @SEED@ --cmdline run=hello
check after     1 public output : @VMLAB@ run --mem 4M --seed @SEED@ --cmdline run=hello
EOF
# a canary line inside the reference body of the first hole of shadow/fill.c (its
# timestamp kept: the reference build stays up to date)
awk -v c="	/* CANARY_BODY_$n */" '{ print } /LAB-HOLE-BEGIN/ && !done { print c; done = 1 }' \
  shadow/fill.c >"$root/shadow/fill.c"
touch -r shadow/fill.c "$root/shadow/fill.c"
# the decoy: a file outside every sandbox that a hostile submission aims symbolic links at
decoy=$t/outside/decoy.txt
mkdir -p "$t/outside"
echo "CANARY_DECOY_$n" >"$decoy"
chmod 644 "$decoy"

# ---- the submissions: the stubbed hole (what the export hands out) plus hostile code
# the stub as the export writes it: each hole body replaced by its "stub:" text
stub=$(awk '/LAB-HOLE-BEGIN/ { s = $0; sub(/.*stub: */, "", s); sub(/ *\*\/.*/, "", s)
                              ind = $0; sub(/[^[:space:]].*/, "", ind); print ind s; h = 1; next }
            /LAB-HOLE-END/ { h = 0; next } !h' shadow/fill.c)
# make_sub NAME HEAD CODE: the stub with HEAD before it and CODE first in phase_pmap
make_sub() {
  mkdir -p "$t/subs/$1/shadow"
  { printf '%s\n' "$2"; printf '%s\n' "$stub" | awk -v code="$3" '
      { print }
      /^static void phase_pmap/ { getline; print; print code }'; } >"$t/subs/$1/shadow/fill.c"
  echo "hidden = 0" >"$t/subs/$1/answers.txt"
}
make_sub plain '' ''
make_sub inc-rel '#include "../labs/01-tlb-miss-round-trip/expected/zz-canary.txt"' ''
make_sub inc-abs "#include \"$sol/zz-canary.sh\"" ''
make_sub inc-priv '#include "../tests/grade/minilab/private/zz-canary.txt"' ''
read -r -d '' head <<EOF
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if __has_include("build/libshadow.a")
__asm__(".section .rodata\\n.globl hostile_blob\\nhostile_blob:\\n.incbin \\"build/libshadow.a\\"\\n"
        ".globl hostile_blob_end\\nhostile_blob_end:\\n.previous\\n");
extern const char hostile_blob[], hostile_blob_end[];
#define HAVE_BLOB 1
#endif
/* every line of path that holds CANARY, or its first line */
static void hostile_cat(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[200];
	int first = 1;
	while (f && fgets(line, sizeof line, f)) {
		if (first || strstr(line, "CANARY") || strstr(line, " hidden "))
			printf("leak %s: %s", path, line);
		first = 0;
	}
	if (f)
		fclose(f);
}
static void hostile_glob(const char *pattern)
{
	glob_t g;
	if (glob(pattern, 0, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			hostile_cat(g.gl_pathv[i]);
}
static void hostile(void)
{
	static const char *const rel[] = { "labs/*/expected/*", "labs/*/solution/*",
		"tests/grade/minilab/private/*", "tests/grade/minilab/rubric", "labs/minilab/rubric",
		"../ref-*/labs/*/expected/zz-canary.txt", "../ref-*/labs/*/solution/zz-canary.sh",
		"../ref-*/shadow/fill.c", "$root/labs/*/expected/zz-canary.txt",
		"$root/labs/*/solution/zz-canary.sh", "$root/tests/grade/minilab/private/*",
		"$root/shadow/fill.c", "$build/../shadow/fill.c", "$decoy", NULL };
	/* keep the environment of this check in the tree, show what earlier checks kept */
	int hidden_check = getenv("CANARY_HIDDEN_CMD_$n") != NULL;
	FILE *seen = fopen("seen.txt", "a");
	for (char **e = environ; seen && *e; e++)
		if (strstr(*e, "CANARY"))
			fprintf(seen, "%s\n", *e);
	if (seen)
		fclose(seen);
	if (!hidden_check)
		hostile_cat("seen.txt");
	for (int i = 0; rel[i]; i++)
		hostile_glob(rel[i]);
#ifdef HAVE_BLOB
	/* the compiled reference: a message of the hole body (split, so this file lacks it) */
	char needle[64];
	snprintf(needle, sizeof needle, "%s%s", "out of machine fr", "ames for shadow tables");
	if (memmem(hostile_blob, (size_t)(hostile_blob_end - hostile_blob), needle, strlen(needle)))
		printf("leak compiled reference: %s\n", needle);
#endif
	/* the grader reads the output file and the trace after the run: make them links */
	char out[4096];
	ssize_t l = readlink("/proc/self/fd/1", out, sizeof out - 1);
	if (l > 0) {
		out[l] = '\0';
		printf("stdout is %s\n", out);
		fflush(stdout);
		if (unlink(out) == 0 && symlink("$decoy", out) == 0)
			printf("stdout now a link to the decoy\n");
	}
	char cmd[8192] = "";
	int fd = open("/proc/self/cmdline", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, cmd, sizeof cmd - 1) : 0;
	if (fd >= 0)
		close(fd);
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(cmd + i) + 1)
		if (!strcmp(cmd + i, "--trace") && i + 8 < n) {
			const char *trace = cmd + i + 8;
			unlink(trace);
			if (symlink("$sol/zz-canary.sh", trace) == 0)
				printf("trace %s now a link to the solution canary\n", trace);
		}
	fflush(stdout);
	_exit(3);
}
EOF
make_sub runtime "$head" 'hostile();'
# link: its shadow/ is the reference's (a link), so its "hand-in" would be the solution
mkdir -p "$t/subs/link"
ln -s "$root/shadow" "$t/subs/link/shadow"

# ---- grade: a roster (json results) with two at a time, then each format of one submission
cd "$t"
"$vmlab" grade "$lab" subs --jobs 2 --roster roster.csv --root "$root" --build "$build" >run.txt 2>&1
echo "grade exit status $?" >>run.txt
cat run.txt
# (--format json is the roster's result files; the submissions that leaked on the grader
# before work trees were exports, in the other formats, two at a time)
for s in inc-rel inc-priv runtime; do
  for f in text junit gradescope; do
    "$vmlab" grade "$lab" "subs/$s" --root "$root" --build "$build" --format $f --quiet \
      >"single-$s.$f" 2>&1 &
    [ $f = junit ] && wait
  done
  wait
done
# the landlock sandbox (where bwrap cannot run: confine.c), forced: the submissions that
# reach outside their tree by absolute path (the reference tree here is readable by
# anyone: only the sandbox stops them) and at run time, graded again
mkdir -p subs-ll
cp -r subs/inc-abs subs/runtime subs-ll/
VMLAB_GRADE_SANDBOX=landlock "$vmlab" grade "$lab" subs-ll --jobs 2 --roster roster-ll.csv --root "$root" \
  --build "$build" >run-ll.txt 2>&1
echo "grade exit status $?" >>run-ll.txt
sed 's/^/landlock: /' run-ll.txt
cd "$top"

# ---- nothing hidden in any output
patterns=$t/hidden-lines
body=$(awk '/LAB-HOLE-BEGIN/ { h = 1; next } /LAB-HOLE-END/ { h = 0 } h' shadow/fill.c)
{ echo "CANARY_"
  # the lines of the reference hole bodies that the stub does not have (longer than 12),
  # and their messages (what the compiled reference holds)
  printf '%s\n' "$body" | sed 's/^[[:space:]]*//' | awk 'length($0) > 12' |
    grep -vxF -f <(printf '%s\n' "$stub" | sed 's/^[[:space:]]*//')
  printf '%s\n' "$body" | grep -o '"[^"]\{12,\}"' | tr -d '"'
  # the rubric's hidden check (the sandbox has the public rubric only)
  sed -n 's/^\(check .* hidden [a-z]*\) .*/\1/p' "$lab/rubric"
} >"$patterns"
outputs=$(ls "$t"/run.txt "$t"/roster.csv "$t"/roster.csv.d/*.json "$t"/single-* "$t"/run-ll.txt \
  "$t"/roster-ll.csv "$t"/roster-ll.csv.d/*.json)
for o in $outputs; do
  if hit=$(grep -F -f "$patterns" "$o" | head -3) && [ -n "$hit" ]; then
    bad "$(basename "$o") shows hidden text: $(printf '%s' "$hit" | cut -c1-300)"
  fi
done
for s in plain inc-rel inc-abs inc-priv runtime; do
  [ -f "$t/roster.csv.d/$s.json" ] || bad "$s: no result"
done
# the grader still grades: the plain stub builds and scores zero on code checks (a work
# tree without expected/, solution/ and private files still builds)
grep -q '"name":"build","score":10' "$t/roster.csv.d/plain.json" 2>/dev/null ||
  bad "plain: the stubbed hole did not build: $(cat "$t/roster.csv.d/plain.json" 2>/dev/null | cut -c1-400)"
grep -q '"name":"build","score":10' "$t/roster.csv.d/runtime.json" 2>/dev/null ||
  bad "runtime: did not build: $(cat "$t/roster.csv.d/runtime.json" 2>/dev/null | cut -c1-400)"
grep -q '"name":"hello","score":0' "$t/roster.csv.d/runtime.json" 2>/dev/null || bad "runtime: hello passed"
# link: refused (no result, or zero on the code checks), never graded as the reference
if [ -f "$t/roster.csv.d/link.json" ]; then
  grep -q '"name":"hello","score":0' "$t/roster.csv.d/link.json" || bad "link: graded the reference's hole file"
fi
# landlock: the mode is said (it was applied: else the canaries above would show), and the
# runtime submission still builds there (the system's compiler, make and tmp work)
if grep -q 'VMLAB_GRADE_SANDBOX=landlock: the kernel has no Landlock' "$t/run-ll.txt"; then
  echo "grade-leaks: landlock: SKIPPED: $(grep -m1 -o 'the kernel has no Landlock.*' "$t/run-ll.txt")"
else
  grep -q '^vmlab grade: sandbox: landlock, ABI [1-9]' "$t/run-ll.txt" || bad "landlock: no 'sandbox: landlock' line"
  for s in inc-abs runtime; do
    grep -q '"sandbox":"landlock"' "$t/roster-ll.csv.d/$s.json" 2>/dev/null || bad "landlock: $s: not graded in landlock mode"
  done
  grep -q '"name":"build","score":10' "$t/roster-ll.csv.d/runtime.json" 2>/dev/null ||
    bad "landlock: runtime: did not build: $(cut -c1-400 "$t/roster-ll.csv.d/runtime.json" 2>/dev/null)"
  grep -q '"name":"build","score":0' "$t/roster-ll.csv.d/inc-abs.json" 2>/dev/null ||
    bad "landlock: inc-abs: built with the solution canary included"
fi
# outside the sandbox: the decoy and the canaries unchanged, owned by whoever made them
[ "$(cat "$decoy")" = "CANARY_DECOY_$n" ] || bad "the decoy outside the sandbox was changed"
[ "$(stat -c %u "$decoy")" = "$(id -u)" ] || bad "the decoy outside the sandbox was handed to uid $(stat -c %u "$decoy")"
[ "$(cat "$sol/zz-canary.sh")" = "CANARY_SOLUTION_$n" ] || bad "the solution canary was changed"
[ $fail -eq 0 ] || ! grep -q 'weaker sandbox' "$t/run.txt" ||
  echo "grade-leaks: note: the grader ran without bubblewrap ($(grep -m1 -o 'weaker sandbox: [^;]*' "$t/run.txt")): submissions can read the host"
[ $fail -eq 0 ] && echo "grade-leaks: 5 hostile submissions, 4 output formats and the roster, 2 of them under landlock too: no hidden text shown, nothing outside changed"
exit $fail
