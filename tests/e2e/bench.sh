#!/usr/bin/env bash
# tests/e2e/bench.sh VMLAB KERNEL INITRD — cpubench under the full monitor.
set -u
vmlab=$1 kernel=$2 initrd=$3
echo "== cpubench under the monitor (shadow MMU, trap and emulate)"
"$vmlab" bench --kernel "$kernel" --module "$initrd" --mem 64M --cmdline run=cpubench
