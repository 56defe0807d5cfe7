/*
 * tests/fuzz/harness.h — what every fuzz harness shares: the libFuzzer entry
 * point (also called by replay_main.c, the plain driver gcc builds), and the
 * totals each harness prints when its process ends.
 */
#ifndef VMLAB_TESTS_FUZZ_HARNESS_H
#define VMLAB_TESTS_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Count one execution and the guest instruction bytes (or parser input bytes)
 * it fed in. At exit: "fuzz-stats: NAME: N executions, M bytes" on stderr. */
void fz_count(const char *name, size_t bytes);

/* A broken invariant: print "NAME: WHAT" on stderr and abort (the fuzzer keeps the input). */
_Noreturn void fz_fail(const char *name, const char *what);

#endif
