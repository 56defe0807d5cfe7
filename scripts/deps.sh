#!/usr/bin/env bash
# Install the Debian packages vmlab needs, if any are missing.
# Quiet when everything is there. Uses sudo when not root; when it cannot
# install, prints the exact apt-get line to run and exits non-zero.
set -u
PKGS="gcc make pkg-config libcapstone-dev libreadline-dev check gcovr qemu-system-x86 tmux valgrind"
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
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
echo "vmlab deps: done"
