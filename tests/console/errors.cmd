#! --cmdline run=hello
# Bad input: one-line errors, the console goes on.
frobnicate
st
step 0
step 99999999999999999999999
x/4q 0x1000
x/5000x 0x1000
break no_such_symbol
until banana
info frogs
help nosuch
b main * 2

stepi 2
help until
step 3
