# labs/06-overheads-and-modes/solution/solution.mk — lab 06's reference solution: the
# starter built with these two values (labs/labs.mk). This folder is never exported
# (`vmlab lab export` drops every labs/*/solution), so students do not get it.
LABS_SOLUTION_DEFS := -DNPAGES=5 -DSTRIDE_PAGES=16
