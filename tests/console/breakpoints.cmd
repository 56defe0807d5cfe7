#! --cmdline run=hello
# Breakpoints on guest kernel symbols, and on a user program's symbol.
break kmain
tbreak syscall_dispatch
watch 0x1000
break hello:main
info breakpoints
continue
disas
bt
delete 3
continue
info breakpoints
x/2i $rip
continue
disas $rip 3
delete
info breakpoints
continue
