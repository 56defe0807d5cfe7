#! --cmdline run=hello
# Reverse execution: a student steps past the interesting phase of a hidden fault
# and goes back to it. After each reverse command the console shows what it showed
# when it was there going forward: compare regs, trace and tlb before and after.
until syscall
finish
until hidden-fault
stepi
stepi
stepi
regs
trace 5
shadow 0xffffffff8027a000
stepi
stepi
stepi
stepi
reverse-stepi 4
regs
trace 5
shadow 0xffffffff8027a000
# back to phase 1 and past the miss's start, into the instruction before
reverse-stepi 3
reverse-stepi
stepi
step 4
reverse-step 2
reverse-stepi
# back to where until stopped, for each kind of event
reverse-until tlb-miss
reverse-until syscall
stats
continue
reverse-until syscall
