#!/bin/sh
# labs/graded.sh — run a vmlab command and print what labs 10 and 11 grade of it (their holes
# are guest code: kernel A's page-fault handler and clock, its console hypercall): the whole
# output and exit status, except what counts the guest's instructions. Any correct code
# takes more or fewer instructions than the reference's, so the summary lines that count
# them (instructions, modelled cycles, counts) and the TLB line's hits and hit rate (every
# instruction fetch is a TLB hit) are left out; every other line (the programs' output,
# faults, exits, TLB misses and evictions, swap) must equal the reference's. The rubrics
# also run with --pit-scale 100000: no timer tick, whose place would depend on the count.
#
#   sh labs/graded.sh build/vmlab run --mem 4M --pit-scale 100000 --cmdline run=hello
{ "$@" 2>&1; echo "exit status $?"; } |
  grep -v -e '^instructions:' -e '^modelled cycles:' -e '^  counts:' |
  sed 's/^\(TLB: .*\): hits [0-9]*, \(misses [0-9]*\), hit rate [0-9.]*%/\1: \2/'
