#! --cmdline run=hello
# translate of a mapped, an unmapped and a non-canonical VA; reading unmapped memory prints the fault.
break syscall_dispatch
continue
translate syscall_dispatch
pt syscall_dispatch
translate 0x00005ead00000000
pt 0x00005ead00000000
x/4gx 0x00005ead00000000
x/2gx syscall_dispatch
xp/2gx 0x1000
xm/2xb 0xffffffffffff0000
# non-canonical VAs (bit 47 set, bits 63..48 clear; and the other way): the CPU raises #GP before any walk
translate 0x0000dead00000000
pt 0x8000000000000000
x/gx 0xffff000000000000
