# tests/runner/fake.mk — fake steps for tests/runner/runner_test.sh (make -f, from
# the repository's top). Each prints a line and ends as its name says. Above each
# step, tests/run.sh has: timeout (the step's process group), the shell that
# waits for timeout and writes the result, and (-j 2) the background process
# around that shell (tests/runner/ancestor.sh finds them).
pass-a pass-b pass-c:
	@echo "step $@ says hello"
fail-a:
	@echo "step $@ fails"; exit 3
slow:
	@sleep 2; echo "step $@ done"
hang:
	@echo "step $@ sleeps"; exec sleep 100
# kills its own process group (timeout's): the step fails, nothing else is hit
kill-own-group:
	@echo "step $@"; kill -TERM 0; sleep 5
# kills the shell that waits for timeout: the process around it writes the result
kill-shell:
	@echo "step $@"; kill -KILL $$(tests/runner/ancestor.sh timeout 1); sleep 1
# kills the background process around that shell (-j 2): the shell still writes the result
kill-wrapper:
	@echo "step $@"; kill -KILL $$(tests/runner/ancestor.sh timeout 2); echo "killed the wrapper"
# kills both (-j 2): no result is ever written
kill-both:
	@echo "step $@"; kill -KILL $$(tests/runner/ancestor.sh timeout 1) $$(tests/runner/ancestor.sh timeout 2); sleep 1
# stops both (-j 2): alive, but never a result
stop-both:
	@echo "step $@"; kill -STOP $$(tests/runner/ancestor.sh timeout 1) $$(tests/runner/ancestor.sh timeout 2)
.PHONY: pass-a pass-b pass-c fail-a slow hang kill-own-group kill-shell kill-wrapper kill-both stop-both
