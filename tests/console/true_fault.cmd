#! --cmdline run=pagetouch
# A true fault (demand paging): the guest's own table has no mapping, so the
# monitor injects #PF into the guest kernel, whose handler maps the page; the
# app's retry then takes a hidden fault that the monitor fills by itself.
until true-fault
stepi
stepi
stepi
stepi
stepi
stepi
stepi
regs
finish
until hidden-fault
stepi
stepi
stepi
stepi
stepi
stepi
stepi
stepi
translate $cr2
pt $cr2
shadow $cr2
