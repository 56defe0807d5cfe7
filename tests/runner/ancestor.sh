#!/usr/bin/env bash
# tests/runner/ancestor.sh NAME [K] — the pid of the nearest ancestor of the
# caller whose command is NAME, or (K > 0) that ancestor's K-th parent.
set -u
pid=$PPID
while [ "$pid" -gt 1 ] && [ "$(cat /proc/"$pid"/comm)" != "$1" ]; do
  pid=$(awk '{ print $4 }' /proc/"$pid"/stat)
done
[ "$pid" -gt 1 ] || { echo "ancestor.sh: no ancestor named $1" >&2; exit 1; }
for ((k = 0; k < ${2:-0}; k++)); do pid=$(awk '{ print $4 }' /proc/"$pid"/stat); done
echo "$pid"
