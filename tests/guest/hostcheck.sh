#!/usr/bin/env bash
# Check that the host (Linux) build of a guestos user program prints exactly
# the program's own lines of a guest demo's expected output: the program
# computes the same thing on both, so any difference is a guest-side bug
# (kernel or library) or a stale expected file.
#
# usage: tests/guest/hostcheck.sh HOST_PROG EXPECTED_FILE [ARG]
#   The program's lines are those of EXPECTED_FILE starting with "<prog>: ".
set -u
prog=$1 expected=$2 arg=${3:-}
name=$(basename "$prog")
if [ ! -f "$expected" ]; then echo "hostcheck $name: missing $expected" >&2; exit 1; fi
host_out=$("$prog" "$arg") || { echo "hostcheck $name: host run failed"; echo "$host_out"; exit 1; }
guest_out=$(tr -d '\r' <"$expected" | grep "^$name: ")
if [ "$host_out" != "$guest_out" ]; then
  echo "hostcheck $name: host output differs from the $name lines of $expected:"
  diff -u <(echo "$guest_out") <(echo "$host_out")
  exit 1
fi
echo "hostcheck $name: host and guest agree ($(echo "$host_out" | wc -l) lines)"
