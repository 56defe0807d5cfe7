#! --vm name=a,mem=8M,cmdline=run=hello,share=1 --vm name=b,mem=8M,cmdline=run=hello,share=3 --vm name=strict,kernel=build/labs/strict.elf,module=/dev/null,mem=4M,share=2 --vm-slice 2000
# Several VMs on one host (issue 15, docs/multi-vm.md): two guestos VMs and
# "kernel B" (lab 12's strict-x86 demo kernel). vm list, vm select, inspection
# of the selected VM with its own symbols, until vm-switch, stepping the host,
# a breakpoint in one VM only, and continue until every VM has stopped.
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
x/2i $rip
break main
vm select b
break hello:main
info breakpoints
continue
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
