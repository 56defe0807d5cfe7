#!/usr/bin/env bash
# tests/console/record_test.sh VMLAB KERNEL INITRD OUTDIR — vmlab record / replay and the
# console's record command: a replay prints the recorded session's transcript byte for
# byte; a truncated, changed or other-version record, or other guest images, give one
# line on stderr and a non-zero exit, and no run.
set -u
vmlab=$1 kernel=$2 initrd=$3 out=$4
here=$(dirname "$0")
rm -rf "$out" && mkdir -p "$out"
fail() { echo "FAIL console-record: $*"; exit 1; }
opts=(--no-color --kernel "$kernel" --module "$initrd" --cmdline run=hello)

# 1. a scripted session (reverse execution included) recorded and replayed
timeout 120 "$vmlab" record "$out/s.rec" "${opts[@]}" --script "$here/reverse.cmd" >"$out/rec.out" 2>"$out/rec.err" ||
	fail "vmlab record exit $? ($(head -1 "$out/rec.err"))"
[ -s "$out/s.rec" ] && [ ! -e "$out/s.rec.tmp" ] || fail "no record file (or a .tmp left)"
timeout 120 "$vmlab" replay "$out/s.rec" >"$out/replay.out" 2>"$out/replay.err" || fail "vmlab replay exit $?"
cmp -s "$out/rec.out" "$out/replay.out" || { diff "$out/rec.out" "$out/replay.out" | head; fail "replay transcript differs"; }
grep -q '^(vmlab) reverse-stepi 4$' "$out/replay.out" || fail "the replay ran no commands"

# 2. the console's record command: the session so far, replayed = the transcript up to it
printf '%s\n' 'until syscall' 'stepi' 'regs' "record $out/c.rec" 'step 3' >"$out/c.cmd"
timeout 120 "$vmlab" console "${opts[@]}" --script "$out/c.cmd" >"$out/c.out" 2>&1 || fail "console with record: exit $?"
grep -q "^recorded 3 commands to $out/c.rec" "$out/c.out" || fail "record command: no confirmation"
timeout 120 "$vmlab" replay "$out/c.rec" >"$out/c.replay" 2>&1 || fail "replay of the console's record: exit $?"
sed "/^(vmlab) record /,\$d" "$out/c.out" | cmp -s - "$out/c.replay" ||
	fail "replay of the console's record differs from the session before 'record'"

# 3. bad records: one line on stderr, exit 2, nothing run
bad() { # NAME EXPECTED-WORDS
	if timeout 60 "$vmlab" replay "$out/$1" >"$out/$1.out" 2>"$out/$1.err"; then fail "$1 accepted"; fi
	[ "$(wc -l <"$out/$1.err")" = 1 ] || fail "$1: not one line: $(cat "$out/$1.err")"
	grep -q "$2" "$out/$1.err" || fail "$1: '$(cat "$out/$1.err")' does not say '$2'"
	[ ! -s "$out/$1.out" ] || fail "$1: the replay ran"
}
# reseal IN OUT: IN without its end line, sealed again (FNV-1a 64 as recfile.c computes it),
# as a vmlab that writes such a file would have written it
reseal() {
	grep -v '^end ' "$1" >"$2"
	local h=$((0xcbf29ce484222325)) b
	for b in $(od -An -tu1 -v "$2"); do h=$(((h ^ b) * 0x100000001b3)); done
	printf 'end %d %016x\n' "$(grep -c '^cmd ' "$2")" "$h" >>"$2"
}
reseal "$out/s.rec" "$out/same.rec"
cmp -s "$out/s.rec" "$out/same.rec" || fail "reseal does not reproduce the record's checksum"
head -c 400 "$out/s.rec" >"$out/cut.rec"
bad cut.rec truncated
sed '0,/^cmd [0-9]* stepi$/s//cmd 1 stepi/' "$out/s.rec" >"$out/changed.rec"
bad changed.rec 'checksum mismatch'
sed '1s/^vmlab-record 1$/vmlab-record 7/' "$out/s.rec" >"$out/v7.rec"
bad v7.rec 'record format 7, this vmlab reads format 1'
sed '2s/^vmlab .*/vmlab 9.9/' "$out/s.rec" >"$out/vv.tmp"
reseal "$out/vv.tmp" "$out/vv.rec"
bad vv.rec 'recorded by vmlab 9.9'
: >"$out/empty.rec"
bad empty.rec 'empty file'
# a run that does not arrive where the record says: diverged (after the commands before it)
sed '0,/^cmd [0-9]* stepi$/s//cmd 1 stepi/' "$out/s.rec" >"$out/div.tmp"
reseal "$out/div.tmp" "$out/div.rec"
if timeout 60 "$vmlab" replay "$out/div.rec" >"$out/div.out" 2>"$out/div.err"; then fail "diverging replay exit 0"; fi
[ "$(wc -l <"$out/div.err")" = 1 ] && grep -q 'diverged before command 8 (stepi): icount 578539, recorded 1' "$out/div.err" ||
	fail "div: $(cat "$out/div.err")"
# another kernel than the recorded one: same path, one byte of its code changed (bytes
# after its loaded segments, e.g. debug information, do not count: checkouts differ there)
cp "$kernel" "$out/k.elf"
printf '%s\n' 'step 2' >"$out/k.cmd"
timeout 60 "$vmlab" record "$out/k.rec" --no-color --kernel "$out/k.elf" --module "$initrd" --script "$out/k.cmd" \
	>/dev/null 2>&1 || fail "record with a copied kernel: exit $?"
printf 'x' >>"$out/k.elf"
timeout 60 "$vmlab" replay "$out/k.rec" >/dev/null 2>&1 || fail "a byte after the kernel's segments refused the replay"
text=$(readelf -SW "$out/k.elf" | awk '{ for (i = 1; i < NF; i++) if ($i == ".text") print $(i + 3) }')
[ -n "$text" ] || fail "no .text in $kernel"
printf '\xcc' | dd of="$out/k.elf" bs=1 seek=$((0x$text + 16)) conv=notrunc status=none
bad k.rec 'kernel .*k.elf is not the recorded image'

# 4. a record that cannot be written: one line, exit 1, nothing left behind
if timeout 60 "$vmlab" record "$out/no/such/dir/x.rec" "${opts[@]}" --script "$out/k.cmd" >/dev/null 2>"$out/nodir.err"; then
	fail "record into a missing directory succeeded"
fi
[ "$(wc -l <"$out/nodir.err")" = 1 ] && grep -q 'cannot write' "$out/nodir.err" || fail "nodir: $(cat "$out/nodir.err")"
echo "ok   vmlab record / replay: same transcript (reverse session, console record command); bad records refused"
