#! --cmdline run=hello
# Breakpoints on guest kernel symbols.
break kmain
tbreak syscall_dispatch
watch 0x1000
info breakpoints
continue
disas
bt
delete 3
continue
info breakpoints
x/2i $rip
delete
info breakpoints
