#!/usr/bin/env bash
# Install the Debian packages vmlab needs, if any are missing.
# Quiet when everything is there. Uses sudo when not root; when it cannot
# install, prints the exact apt-get line to run and exits non-zero.
set -u
# libxml2-utils: xmllint checks the pictures; emscripten, chromium: vmlab in the browser
# (make web, and its test in headless Chromium). clang + libclang-rt-14-dev: libFuzzer
# for `make fuzz-smoke` / `make fuzz` (they print "skipped: clang libFuzzer not installed" without them).
# bubblewrap: the sandbox of vmlab grade (without it: Landlock, or a "weaker sandbox").
PKGS="gcc make pkg-config libcapstone-dev libreadline-dev check gcovr qemu-system-x86 tmux valgrind libxml2-utils emscripten chromium clang libclang-rt-14-dev bubblewrap gdb"
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
# npm: Debian's, unless the machine already has one (e.g. NodeSource's node ships its own)
command -v npm >/dev/null 2>&1 || missing="$missing npm"
# The browser front end's JavaScript packages (versions locked by package-lock.json).
web_node() {
  if [ ! -d monitor/web/node_modules ] && command -v npm >/dev/null 2>&1; then
    (cd monitor/web && npm ci --no-audit --no-fund --loglevel=error) ||
      { echo "vmlab deps: npm ci in monitor/web failed" >&2; return 1; }
  fi
}
[ -z "$missing" ] && { web_node; exit; }
echo "vmlab deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
  SUDO="sudo"
else
  echo "vmlab deps: cannot install as $(id -un); run: sudo apt-get install -y$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -q >/dev/null || ! $SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null; then
  echo "vmlab deps: install failed; run: sudo apt-get install -y$missing" >&2
  exit 1
fi
web_node || exit 1
echo "vmlab deps: done"
