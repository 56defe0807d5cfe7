#!/bin/sh
# labs/06-overheads-and-modes/loop-misses.sh VMLAB TLB [PAGES] — part B as `vmlab grade` checks
# it (run it yourself from the top of the tree after `make labs-starter`): runs strider.vmlab's
# commands on build/labs/strider with the TLB geometry TLB (e.g. 16x4) and exits 0 when every
# touch of the measured loop missed in the TLB (the loop's TLB misses, the difference of the two
# `stats`, equal its touches); with PAGES, also when the loop touched exactly PAGES pages.
vmlab=$1 tlb=$2 pages=${3:-}
sed 1d labs/06-overheads-and-modes/strider.vmlab |
  "$vmlab" console --no-color --mem 4M --tlb "$tlb" --module build/guestos/initrd.pack \
    --module build/labs/strider --cmdline run=strider 2>&1 |
  awk -v pages="$pages" -v tlb="$tlb" '
    /^TLB:/ { k++; for (i = 1; i <= NF; i++) if ($i == "misses") m[k] = $(i + 1) + 0 }
    /^strider:/ { n = $2 + 0; touches = $9 + 0 }
    END {
      if (k < 2 || !touches) { print "loop-misses: strider did not run its loop (no two stats, no result line)"; exit 1 }
      miss = m[2] - m[1]
      printf "loop-misses: %d pages, %d touches, %d TLB misses in the loop (TLB %s)", n, touches, miss, tlb
      if (miss < touches) { print ": not every touch misses"; exit 1 }
      if (pages != "" && n != pages) { print ": every touch misses, but not with the fewest pages"; exit 1 }
      print ": every touch misses"
    }'
