#! --mem 4M --module guestos/initrd.pack --module labs/strider --cmdline run=strider
# Symbols of a program passed with --module (labs/06: the starter, strider),
# and the guest's serial output at `until io`: the console ends the guest's
# unfinished line before printing its own lines.
break strider:main
info breakpoints
continue
bt
disas strider:main 2
delete
break console_write
continue
delete
until io
until io
until io
until io
stepi
vm
continue
