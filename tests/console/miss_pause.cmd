#! --cmdline run=hello
# A TLB miss is really paused in the monitor between phases: after the guest walk has
# read the L2 entry, neither the shadow table nor the TLB has the page yet; after the
# shadow fill the shadow table has it (the TLB not: the VMM cannot write it), and the
# guest resumes only on the last stepi (retry), whose hardware walk refills the TLB.
until syscall
finish
until hidden-fault
stepi
stepi
stepi
stepi
shadow 0xffffffff8027a000
tlb
stepi
stepi
stepi
shadow 0xffffffff8027a000
tlb
stepi
