#! --cmdline run=hello
# A hidden fault (here a guest kernel access after the app's first syscall), phase by phase:
# miss -> hardware walk of the shadow table faults -> VMM -> guest walk (one entry per
# step) -> pmap -> shadow entry -> retry; the retry's hardware walk refills the TLB.
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
stepi
translate $rip
tlb
