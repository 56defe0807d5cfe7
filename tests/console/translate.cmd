#! --cmdline run=hello
# translate of a mapped and an unmapped VA; reading unmapped memory prints the fault.
break syscall_dispatch
continue
translate syscall_dispatch
pt syscall_dispatch
translate 0x0000dead00000000
pt 0x0000dead00000000
x/4gx 0x0000dead00000000
x/2gx syscall_dispatch
xp/2gx 0x1000
xm/2xb 0xffffffffffff0000
