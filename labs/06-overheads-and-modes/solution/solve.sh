#!/bin/sh
# labs/06-overheads-and-modes/solution/solve.sh TLB OUT — the rubric's solve command: writes
# the full-marks strider.c for the TLB geometry SETSxWAYS into the submission folder OUT.
# One page more than the ways, a set's worth of pages apart: all in one set, and LRU evicts
# each page just before it comes round again (never exported: `vmlab lab export` drops solution/).
sets=${1%x*} ways=${1#*x}
dir=$2/labs/06-overheads-and-modes/starter
mkdir -p "$dir" &&
  sed -e "s/^#define NPAGES [0-9]*/#define NPAGES $((ways + 1))/" \
      -e "s/^#define STRIDE_PAGES [0-9]*/#define STRIDE_PAGES $sets/" \
      labs/06-overheads-and-modes/starter/strider.c >"$dir/strider.c"
