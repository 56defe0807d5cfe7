# tests/e2e/inputs.mk — bad input a student meets (issue 11), and the trace's event kinds.
#
#   make e2e-inputs        every bad input: one line on stderr, non-zero exit, before the run
#   make e2e-trace-kinds   every event kind in the demos' traces is one --trace-after accepts
#   make e2e-stats-json    run --stats-json: valid JSON holding every number of the text summary

e2e-inputs: $(VMLAB) $(E2E_KERNEL) $(E2E_INITRD) $(E2E_OUT)/bare.elf
	@tests/e2e/inputs.sh $(VMLAB) $(E2E_KERNEL) $(E2E_INITRD) $(E2E_OUT)

e2e-trace-kinds: $(VMLAB) $(E2E_KERNEL) $(E2E_INITRD)
	@tests/e2e/trace_kinds.sh $(VMLAB) $(E2E_KERNEL) $(E2E_INITRD) $(E2E_OUT)

e2e-stats-json: $(VMLAB) $(E2E_KERNEL) $(E2E_INITRD)
	@tests/e2e/stats_json.sh $(VMLAB) $(E2E_KERNEL) $(E2E_INITRD) $(E2E_OUT)

TEST_STEPS += e2e-inputs e2e-trace-kinds e2e-stats-json
.PHONY: e2e-inputs e2e-trace-kinds e2e-stats-json
