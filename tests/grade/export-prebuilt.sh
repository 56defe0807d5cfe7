#!/usr/bin/env bash
# tests/grade/export-prebuilt.sh VMLAB REF_BUILD — an export holds no other lab's solution.
#
# `vmlab lab export 07` must ship every other programming lab's hole files (the `hole`
# lines of labs/*/rubric whose file holds that lab's LAB-HOLE markers) compiled, as
# prebuilt/<path in the build folder>, and not as source: the files absent, their objects
# present, and no line of any other lab's reference hole bodies anywhere in the tree. The
# copy then builds from scratch with `make` (a student's first step), a second `make`
# has nothing to do, a reference build's .d file of a prebuilt object (a grader's work
# tree copies them) does not break it, and its vmlab runs hello and a console session
# that breaks in a prebuilt guest function (vm_fault, lab 02's script) exactly as the
# reference does. `--source-of 08` keeps lab 08's files as source without markers (and
# there the same grep finds lab 08's body lines: the search can fail); an unknown lab
# there is refused. vmlab lab export itself refuses a tree whose docs quote lab 08's
# body (its own leak check, that of vmlab lab check), unless --source-of names lab 08,
# and one whose prebuilt object would be older than its source; a refused export leaves
# no tree behind.
set -u
vmlab=$(realpath "$1")
ref=$(realpath "$2")
t=$(mktemp -d /tmp/vmlab-export-prebuilt-XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$t"' EXIT
fail=0
bad() { echo "labs-export-prebuilt: FAIL: $*"; fail=1; }

# obj SRC: where the build folder holds SRC's object (as monitor/grade/export.c maps it)
obj() { case $1 in guestos/*) echo "guestos/obj/${1#guestos/}.o" ;; *) echo "obj/${1%.c}.o" ;; esac; }

# The hole files of every lab but 07 that hold their lab's markers, and their body lines
# (at least 20 characters once trimmed, not also in the file as its own lab stubs it:
# the rule of vmlab lab check's search for its own lab).
own=shadow-fill
files=() pat=$t/bodies
: >"$pat"
for r in labs/*/rubric; do
  name=$(awk '$1 == "lab" { print $2; exit }' "$r")
  [ "$name" = "$own" ] && continue
  for h in $(awk '$1 == "hole" { print $2 }' "$r"); do
    grep -q "LAB-HOLE-BEGIN $name " "$h" || continue
    files+=("$h")
    awk -v b="LAB-HOLE-BEGIN $name " -v e="LAB-HOLE-END $name" '
      index($0, b) { in_body = 1; next } index($0, e) { in_body = 0; next }
      in_body { sub(/^[ \t]+/, ""); if (length($0) >= 20) print }' "$h" |
      while IFS= read -r line; do
        awk -v b="LAB-HOLE-BEGIN $name " -v e="LAB-HOLE-END $name" \
          'index($0, b) { h = 1; next } index($0, e) { h = 0; next } !h' "$h" | grep -qF -- "$line" ||
          printf '%s\n' "$line"
      done >>"$pat"
  done
done
[ "${#files[@]}" -ge 8 ] || bad "only ${#files[@]} hole files of labs 08-12 found (${files[*]})"
[ "$(wc -l <"$pat")" -ge 50 ] || bad "only $(wc -l <"$pat") body lines of labs 08-12 to look for"
# the search finds them where they are (else it could never fail)
hits=$(grep -rlF -f "$pat" tlb guestos monitor/vmm | sort | tr '\n' ' ')
for h in "${files[@]}"; do
  case " $hits " in *" $h "*) ;; *) bad "the body lines of $h are not found in the reference's $h" ;; esac
done

# ---- the export of lab 07
"$vmlab" lab export 07 "$t/e07" --build "$ref" >"$t/export.txt" 2>&1 || bad "export of lab 07: $(cat "$t/export.txt")"
c=$t/e07
[ -f "$c/shadow/fill.c" ] || bad "lab 07's own hole file shadow/fill.c is not in its export"
[ -f "$c/prebuilt/README" ] || bad "no prebuilt/README"
for h in "${files[@]}"; do
  [ ! -e "$c/$h" ] || bad "the export of lab 07 holds $h as source"
  o=$(obj "$h")
  [ -f "$c/prebuilt/$o" ] || bad "the export of lab 07 has no prebuilt/$o (for $h)"
  cmp -s "$c/prebuilt/$o" "$ref/$o" || bad "prebuilt/$o is not the reference build's $o"
  grep -qF "$h" "$c/prebuilt/README" || bad "prebuilt/README does not name $h"
done
hits=$(grep -rlF -f "$pat" "$c" | head -3)
[ -z "$hits" ] || bad "the export of lab 07 holds body lines of other labs' holes in: $hits"
hits=$(grep -rl 'LAB-HOLE-BEGIN' "$c" --include='*.c' --include='*.S' --include='*.h' | grep -v '^'"$c"'/monitor/grade/' | head -3)
[ -z "$hits" ] || bad "hole markers left in: $hits"

# ---- a student's first step: make, from scratch, as a student runs it: not with the
# suite's make variables (under make asan, MAKEFLAGS holds BUILD=build/asan SAN=1)
smake() { (cd "$c" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make "$@"); }
if [ -n "${EXPORT_PREBUILT_NO_MAKE:-}" ]; then
  echo "$EXPORT_PREBUILT_NO_MAKE"
elif ! smake -s -j2 >"$t/make.txt" 2>&1; then
  bad "make in the export failed: $(tail -5 "$t/make.txt")"
else
  for h in "${files[@]}"; do
    o=$(obj "$h")
    cmp -s "$c/build/$o" "$ref/$o" || bad "the export's build/$o is not the prebuilt object"
  done
  n=$(smake -n 2>&1 | grep -vc '^make')
  [ "$n" = 0 ] || bad "a second make in the export has $n things to do: $(smake -n 2>&1 | head -3)"
  # a grader's work tree has the reference build's .d files, which name the absent sources
  cp "$ref/obj/tlb/tlb.d" "$c/build/obj/tlb/tlb.d" && cp "$ref/guestos/obj/vm.c.d" "$c/build/guestos/obj/vm.c.d"
  grep -q 'tlb/tlb.c' "$c/build/obj/tlb/tlb.d" || bad "the reference's tlb.d does not name tlb/tlb.c (the case is not tested)"
  out=$(smake -n build/vmlab build/guestos/kernel.elf 2>&1) || bad "make with the reference's .d files: $out"
  # vmlab runs on the prebuilt objects (nested paging: lab 07's own shadow fill is a stub),
  # as the reference does, and the console knows a prebuilt guest function's symbol
  cmd=(run --mmu nested --mem 4M --cmdline run=pagetouch:4)
  (cd "$c" && build/vmlab "${cmd[@]}") >"$t/run.txt" 2>&1 || bad "the export's vmlab failed: $(tail -3 "$t/run.txt")"
  "$ref/vmlab" "${cmd[@]}" >"$t/run-ref.txt" 2>&1 # its guest images are beside it
  cmp -s "$t/run.txt" "$t/run-ref.txt" || bad "the export's vmlab prints another run than the reference's: $(diff "$t/run.txt" "$t/run-ref.txt" | head -4)"
  printf 'break vm_fault\ncontinue\nbt\n' >"$t/s.vmlab"
  (cd "$c" && build/vmlab console --no-color --mmu nested --mem 4M --cmdline run=pagetouch:4 --script "$t/s.vmlab") \
    >"$t/con.txt" 2>&1
  grep -q '^breakpoint 1 at 0x[0-9a-f]* <vm_fault>' "$t/con.txt" || bad "the console does not know vm_fault: $(head -3 "$t/con.txt")"
  grep -q 'vm_fault' <(sed 1,3d "$t/con.txt") || bad "no backtrace through vm_fault: $(cat "$t/con.txt" | head -8)"
fi

# ---- --source-of 08: lab 08's files as source, without markers; the others still compiled
"$vmlab" lab export 07 "$t/s08" --build "$ref" --source-of 08 >"$t/s08.txt" 2>&1 || bad "export --source-of 08: $(cat "$t/s08.txt")"
for h in tlb/tlb.c tlb/policy.c; do
  [ -f "$t/s08/$h" ] || bad "--source-of 08: no $h"
  ! grep -q 'LAB-HOLE' "$t/s08/$h" || bad "--source-of 08: markers left in $h"
  [ ! -e "$t/s08/prebuilt/$(obj "$h")" ] || bad "--source-of 08: $h also prebuilt"
done
[ ! -e "$t/s08/guestos/swtlb.c" ] && [ -f "$t/s08/prebuilt/guestos/obj/swtlb.c.o" ] || bad "--source-of 08: lab 09's swtlb.c not compiled"
grep -rlF -f "$pat" "$t/s08" | grep -q '/tlb/tlb.c$' || bad "--source-of 08: lab 08's body lines not found in its tlb/tlb.c"
if out=$("$vmlab" lab export 07 "$t/s99" --build "$ref" --source-of 08,no-such-lab 2>&1); then
  bad "export --source-of no-such-lab: exit status 0"
fi
case $out in *no-such-lab*) ;; *) bad "export --source-of no-such-lab: $out" ;; esac
[ ! -e "$t/s99" ] || bad "export --source-of no-such-lab wrote a tree"

# ---- vmlab lab export refuses a tree that holds another lab's body text: a copy of the
# sources (timestamps kept: the reference build stays up to date for it) whose docs quote
# a line of lab 08's tlb/tlb.c body
root=$t/root
mkdir -p "$root"
tar -C . --exclude='./build*' --exclude='./.*' -cf - . | tar -C "$root" -xf -
line=$(grep -m1 -F -f "$pat" tlb/tlb.c | sed 's/^[[:space:]]*//')
[ -n "$line" ] || bad "no body line of tlb/tlb.c to plant"
printf 'quoted from the reference:\n    %s\n' "$line" >"$root/docs/zz-quote.md"
if out=$(cd "$root" && "$vmlab" lab export 07 "$t/quoted" --build "$ref" 2>&1); then
  bad "export of a tree whose docs quote lab 08's solution: exit status 0 ($out)"
fi
case $out in *"solution text"*zz-quote.md*) ;; *) bad "export of a tree that quotes lab 08: $out" ;; esac
[ ! -e "$t/quoted" ] || bad "the refused export left its tree behind"
(cd "$root" && "$vmlab" lab export 07 "$t/quoted" --build "$ref" --source-of tlb >/dev/null 2>&1) ||
  bad "export --source-of tlb of that tree (lab 08's text may be there) failed"
# ... and one whose object of another lab's hole file is older than its source: refused
# half-way, after other labs' sources were copied in, so nothing of it may stay behind
touch "$root/guestos/swtlb.c"
if out=$(cd "$root" && "$vmlab" lab export 07 "$t/stale" --build "$ref" 2>&1); then
  bad "export with a stale object of guestos/swtlb.c: exit status 0"
fi
case $out in *"older than guestos/swtlb.c"*) ;; *) bad "export with a stale object: $out" ;; esac
[ ! -e "$t/stale" ] || bad "the export refused for a stale object left its tree behind ($(find "$t/stale" | wc -l) files)"

[ $fail = 0 ] && echo "ok   labs-export-prebuilt: lab 07's export holds ${#files[@]} other hole files compiled and no line of their bodies; it builds with make and runs on them; --source-of keeps a lab's as source"
exit $fail
