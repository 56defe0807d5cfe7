#! --cmdline run=pagetouch
# A true fault (demand paging): the guest's own table has no mapping, so the
# monitor injects #PF into the guest kernel, whose handler maps the page.
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
translate $cr2
pt $cr2
shadow $cr2
