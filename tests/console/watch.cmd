#! --cmdline run=hello
# A watchpoint in the VMM: continue runs at full speed and stops after the store that changed the variable.
watch curproc
continue
info breakpoints
continue
delete
continue
