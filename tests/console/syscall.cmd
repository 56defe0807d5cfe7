#! --cmdline run=hello
# One syscall round trip: the app's syscall exits to the VMM, which reflects it
# into the guest kernel at LSTAR; sysret comes back through the VMM.
until syscall
regs
disas $rip 4
finish
trace 6
vm
