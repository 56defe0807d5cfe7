#! --cmdline run=hello --snapshot-every 20000 --snapshot-budget 24M
# reverse-continue goes back to the previous breakpoint hit, across checkpoints that
# the 24M budget has thinned out (each checkpoint is about 63M here: only the start and the newest stay);
# going back from a phase of a true fault's round trip.
break kalloc_frame
continue
continue
continue
trace 3
continue
reverse-continue
trace 3
reverse-continue
delete
until true-fault
stepi
stepi
stepi
reverse-stepi 2
regs
reverse-continue
vm
