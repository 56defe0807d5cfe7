# tests/runner/runner.mk — the test runner's own test (tests/run.sh on the fake
# steps of tests/runner/fake.mk): about 15 s, mostly sleeping.
runner-test:
	@tests/runner/runner_test.sh $(BUILD)/tests/runner
TEST_STEPS += runner-test
ASAN_SKIP += runner-test
ASAN_SKIP_WHY_runner-test := it tests the shell runner on fake steps; no C
.PHONY: runner-test
