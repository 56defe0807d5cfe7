#! --cmdline run=hello
# The vm commands in a console of one VM: vm shows it; vm list, vm select and
# until vm-switch say (one line each) that several VMs need --vm.
vm
vm list
vm select a
until vm-switch
reverse-until vm-switch
vm bogus
vm select
help vm
