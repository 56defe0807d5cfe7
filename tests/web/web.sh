#!/usr/bin/env bash
# tests/web/web.sh VMLAB KERNEL INITRD OUTDIR — the page in headless Chromium.
# Skips (says so, passes) when emscripten, chromium or npm is missing. Writes the
# native transcripts of the console scripts the browser test replays, serves
# build/web with python3 -m http.server on a free port, runs browser_test.mjs.
set -u
vmlab=$1 kernel=$2 initrd=$3 out=$4
for tool in emcc chromium npm node python3; do
  command -v $tool >/dev/null || { echo "skipped: $tool not installed (scripts/deps.sh installs it)"; exit 0; }
done
mkdir -p "$out"
for n in hidden_fault syscall true_fault; do
  opts=$(sed -n '1s/^#! *//p' tests/console/$n.cmd)
  # shellcheck disable=SC2086
  "$vmlab" console --no-color --kernel "$kernel" --module "$initrd" $opts --script tests/console/$n.cmd \
    >"$out/$n.out" 2>&1 </dev/null
done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory build/web >"$out/http.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 50); do
  python3 - "$port" <<'PY' 2>/dev/null && break
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2)
PY
  sleep 0.1
done
timeout 170 node tests/web/browser_test.mjs "http://127.0.0.1:$port/" "$out" docs/web
