#!/bin/sh
# tests/api/check_includes.sh [ROOT] — front ends use only the VMM's public API.
#
# Every folder of ROOT/monitor/ other than the VMM core (vmm/) and its devices
# (dev/) is a front end (console/, tools/, cloud/, draw/, grade/, web/, gdb/,
# ...). A front end may include from monitor/vmm/ only the public headers
# listed in PUBLIC, and nothing from monitor/dev/. Prints each offending
# line as file:line: and exits 1 if there is one.
root=${1:-.}
PUBLIC="monitor.h migrate.h overcommit.h sched.h" # live migration, overcommit counters, multi-VM scheduler
status=0
for dir in "$root"/monitor/*/; do
	part=$(basename "$dir")
	[ "$part" = vmm ] || [ "$part" = dev ] && continue
	hits=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"monitor/(vmm|dev)/[^"]*"' "$dir" \
		--include='*.c' --include='*.h' 2>/dev/null) || continue
	echo "$hits" | while IFS= read -r line; do
		hdr=$(echo "$line" | sed -E 's#.*"monitor/(vmm|dev)/([^"]*)".*#\1/\2#')
		case "$hdr" in
		vmm/*) name=${hdr#vmm/}
			case " $PUBLIC " in *" $name "*) continue ;; esac ;;
		esac
		echo "${line%%#*} front end includes VMM-private header monitor/$hdr (use monitor/vmm/monitor.h)"
	done | grep . && status=1
done
exit $status
