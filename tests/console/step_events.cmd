#! --cmdline run=hello
# step N prints the events just before it stopped (the last 24), after a count of
# the earlier ones; `trace 3` then shows the same last three.
step 3000
trace 3
