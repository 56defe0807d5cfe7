#! --cmdline run=hello
# A hidden fault (here a guest kernel access after the app's first syscall), phase by phase:
# miss -> VMM -> guest walk (one entry per step) -> pmap -> TLB install -> retry.
until syscall
finish
until hidden-fault
stepi
stepi
stepi
stepi
stepi
stepi
stepi
stepi
translate $rip
tlb
