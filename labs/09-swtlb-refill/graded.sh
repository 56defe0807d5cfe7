#!/bin/sh
# labs/09-swtlb-refill/graded.sh — run a vmlab command and print what lab 09 grades of it:
# its whole output and exit status, except the summary lines that count instructions.
# Those depend on how many instructions YOUR refill handler takes (any correct handler
# will do), so they are left out; every other line (the program's output, the exits,
# TLB and swtlb counts) must equal the reference's.
#
#   sh labs/09-swtlb-refill/graded.sh build/vmlab run --mem 4M --mmu swtlb --cmdline run=hello
{ "$@" 2>&1; echo "exit status $?"; } | grep -v -e '^instructions:' -e '^modelled cycles:' -e '^  counts:'
