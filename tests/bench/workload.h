/* tests/bench/workload.h — the benchmark workload, built for guest and host. */
#ifndef VMLAB_BENCH_WORKLOAD_H
#define VMLAB_BENCH_WORKLOAD_H
#include <stdint.h>

/* Run `rounds` rounds of sort, hash, CRC and matrix multiply in `mem`
 * (bench_workload_size() bytes); returns a checksum. */
uint64_t bench_workload(void *mem, unsigned rounds);
unsigned long bench_workload_size(void);

#endif
