#! --vm name=a,mem=8M,cmdline=run=hello,share=1 --vm name=b,mem=8M,cmdline=run=hello,share=3 --vm-slice 2000
# Several VMs on one host (issue 15, docs/multi-vm.md): vm list, vm select,
# inspection of the selected VM, until vm-switch, stepping the host, a
# breakpoint in one VM only, and continue until both VMs have stopped.
vm list
vm
help vm
help until
until vm-switch
vm list
vm select a
x/2i $rip
translate $rip
vm select nosuch
vm select vm1
step 3
stepi
until vm-switch
vm
vm select b
break hello:main
info breakpoints
continue
bt
translate $rip
vm list
vm select a
vm
translate 0x4013e0
continue
vm list
continue
continue
quit
