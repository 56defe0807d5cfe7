#!/usr/bin/env bash
# labs/gradescope/setup.sh — Gradescope runs this once when it builds the autograder
# image (Ubuntu/Debian, as root, from /autograder/source = the zip made by make-zip.sh):
# install the Debian packages vmlab and the grader need, then build vmlab and the guest.
set -eu
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends gcc make pkg-config libcapstone-dev \
  libreadline-dev check bubblewrap ca-certificates
make -j"$(nproc)" all
echo "vmlab autograder ready: lab $(cat gradescope-lab)"
