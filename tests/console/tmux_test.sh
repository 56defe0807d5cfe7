#!/usr/bin/env bash
# tests/console/tmux_test.sh — drive the interactive console in a real terminal.
# usage: tmux_test.sh VMLAB KERNEL INITRD
# Runs `vmlab console` inside a private tmux server (its own socket), types
# with send-keys and reads the screen with capture-pane. Checks: the prompt,
# tab completion of commands, of `until`/`info` arguments and of kernel
# symbols, history (Up arrow) within a session and across sessions through
# $HOME/.vmlab_history (HOME is a temp dir), colour on a terminal and none
# with --no-color, Ctrl-C at the prompt (drops the line) and during
# `continue` (stops the guest, back to the prompt), Ctrl-D (clean exit 0);
# a console of several VMs (--vm): its banner, the prompt naming the selected
# VM, completion of `vm select` and the VMs' names.
set -u
if [ $# -ne 3 ]; then echo "usage: $0 VMLAB KERNEL INITRD" >&2; exit 2; fi
vmlab=$(realpath "$1") kernel=$(realpath "$2") initrd=$(realpath "$3")
command -v tmux >/dev/null || { echo "tmux_test: tmux is not installed" >&2; exit 1; }
tmp=$(mktemp -d)
sock="vmlab-console-test-$$"
T() { tmux -L "$sock" "$@"; }
cleanup() { T kill-server >/dev/null 2>&1; [ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"; }
trap cleanup EXIT
failures=0
fail() { echo "tmux_test: FAIL: $*"; echo "--- screen:"; screen | grep -v "^$" | tail -25; echo "---"; failures=$((failures + 1)); }
screen() { T capture-pane -p -t con -S -300; }
# wait until the screen contains a fixed string (10 s at most)
wait_for() {
  for _ in $(seq 100); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
  return 1
}
count() { screen | grep -cF -- "$1"; }
# A session that lives as long as the test: without it, killing the console's
# session makes the server exit, and the next new-session may reach the exiting
# server ("server exited unexpectedly": seen under load, make asan).
T new-session -d -s keep -x 20 -y 5 "sleep 3600"
start() { # start [extra console options...]
  T kill-session -t con >/dev/null 2>&1
  T new-session -d -s con -x 180 -y 50 \
    "env HOME=$tmp TERM=xterm-256color $vmlab console --kernel $kernel --module $initrd --cmdline run=cpubench $*; echo CONSOLE-EXITED \$?; sleep 60"
  wait_for "(vmlab)" || fail "no prompt"
  wait_for "is stopped before its first instruction" || fail "no banner"
}
type_line() { T send-keys -t con -l "$1"; }
key() { T send-keys -t con "$@"; }

start
# 1. completion of a command name
type_line "hel"; key Tab; type_line "step"; key Enter
wait_for "(vmlab) help step" || fail "command completion: 'hel<Tab>' did not become 'help '"
wait_for "execute n guest instructions" || fail "help step printed nothing"
# 2. completion of a kernel symbol
type_line "break syscall_disp"; key Tab; key Enter
wait_for "(vmlab) break syscall_dispatch" || fail "symbol completion: 'syscall_disp<Tab>'"
wait_for "<syscall_dispatch>" || fail "break on a completed symbol"
# 2b. completion of a user program's symbol (prog:sym) and of a register
type_line "tbreak hello:mai"; key Tab; key Enter
wait_for "(vmlab) tbreak hello:main" || fail "prog:symbol completion: 'hello:mai<Tab>'"
type_line "x/2i \$ri"; key Tab; key Enter
wait_for "(vmlab) x/2i \$rip" || fail "register completion: \$ri<Tab>"
# 3. completion of an argument word
type_line "info br"; key Tab; key Enter
wait_for "(vmlab) info breakpoints" || fail "argument completion: 'info br<Tab>'"
wait_for "Num  Type" || fail "info breakpoints printed no table"
type_line "until hidden-f"; key Tab; key Enter
wait_for "(vmlab) until hidden-fault" || fail "argument completion: 'until hidden-f<Tab>'"
wait_for "phase 1 " || fail "until hidden-fault did not stop at a phase"
# 4. history: Up recalls the last line
key Up; key Enter
wait_for "phase 1 " || true
sleep 0.3
[ "$(count "(vmlab) until hidden-fault")" -eq 2 ] || fail "history: Up did not recall 'until hidden-fault'"
# 5. colour on a terminal: errors are red
type_line "frobnicate"; key Enter
wait_for "unknown command 'frobnicate'" || fail "error line missing"
T capture-pane -p -e -t con | grep -q $'\033\\[[0-9;]*31m.*error' || fail "no colour on a terminal"
# 6. Ctrl-C at the prompt drops the line
type_line "garbage-line-xyz"; key C-c; type_line "vm"; key Enter
wait_for "vm0: running" || fail "after Ctrl-C at the prompt, 'vm' did not run"
screen | grep -qF "unknown command 'garbage-line-xyz" && fail "Ctrl-C at the prompt did not drop the line"
# 7. Ctrl-C during continue stops the guest and returns to the prompt
type_line "delete"; key Enter
type_line "watch 0x1000"; key Enter
wait_for "watchpoint 3" || fail "watch"
type_line "continue"; key Enter
sleep 1
key C-c
wait_for "interrupted" || fail "Ctrl-C during continue: no 'interrupted'"
type_line "vm"; key Enter
sleep 0.3
[ "$(count "vm0: running")" -ge 2 ] || fail "the VM should still be running after Ctrl-C"
# 8. Ctrl-D: clean exit
key C-d
wait_for "CONSOLE-EXITED 0" || fail "Ctrl-D did not exit cleanly with status 0"
# 9. persistent history in $HOME/.vmlab_history
grep -qx "break syscall_dispatch" "$tmp/.vmlab_history" || fail "history file lacks 'break syscall_dispatch'"
grep -qx "until hidden-fault" "$tmp/.vmlab_history" || fail "history file lacks 'until hidden-fault'"
start --no-color
key Up; key Enter
wait_for "vm0: running" || fail "history across sessions: Up did not recall 'vm'"
type_line "frobnicate"; key Enter
wait_for "unknown command 'frobnicate'" || fail "error line missing (--no-color)"
T capture-pane -p -e -t con | grep -q $'\033\\[[0-9;]*31m' && fail "--no-color still prints colour"
key C-d
wait_for "CONSOLE-EXITED 0" || fail "second session: Ctrl-D"
# 10. several VMs (--vm): the banner, the prompt naming the selected VM, completion of
# vm's words and of the VMs' names, Ctrl-C during continue, Ctrl-D. cpubench:100 runs
# for a minute: still running when Ctrl-C comes a second after continue (two cpubench:1
# VMs finish in half a second)
T kill-session -t con >/dev/null 2>&1
T new-session -d -s con -x 180 -y 50 \
  "env HOME=$tmp TERM=xterm-256color $vmlab console --kernel $kernel --module $initrd --vm name=alpha,cmdline=run=cpubench:100 --vm name=beta,cmdline=run=cpubench:100; echo CONSOLE-EXITED \$?; sleep 60"
wait_for "2 VMs on one host, stopped before their first instruction; alpha is selected" || fail "multi: no banner"
wait_for "(vmlab alpha)" || fail "multi: the prompt does not name alpha"
type_line "vm sel"; key Tab; type_line "be"; key Tab; key Enter
wait_for "(vmlab alpha) vm select beta" || fail "multi: completion of 'vm sel<Tab>be<Tab>'"
wait_for "selected vm1 (beta)" || fail "multi: vm select beta"
wait_for "(vmlab beta)" || fail "multi: the prompt does not name beta after vm select beta"
type_line "continue"; key Enter
sleep 1
key C-c
wait_for "interrupted" || fail "multi: Ctrl-C during continue: no 'interrupted'"
type_line "vm list"; key Enter
wait_for "world switches" || fail "multi: vm list"
key C-d
wait_for "CONSOLE-EXITED 0" || fail "multi: Ctrl-D did not exit cleanly with status 0"
if [ $failures -ne 0 ]; then echo "tmux_test: $failures failure(s)"; exit 1; fi
echo "tmux_test: ok (completion, history, colour, Ctrl-C, Ctrl-D; several VMs: prompt, vm select completion)"
