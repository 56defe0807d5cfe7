/*
 * tests/bench/workload.c — a freestanding integer workload for the CPU
 * benchmark: sort, hash, CRC, integer matrix multiply. The same source is
 * compiled for the guest (flat image, -ffreestanding -mgeneral-regs-only
 * -mno-red-zone) and for the host, and both must return the same checksum.
 * No library calls, no globals that need a loader: state lives in one
 * struct the caller provides.
 */
#include "tests/bench/workload.h"

#define N_SORT 4096
#define N_BYTES 65536
#define N_MAT 48

struct work {
	uint32_t a[N_SORT];
	uint8_t bytes[N_BYTES];
	int32_t m1[N_MAT][N_MAT], m2[N_MAT][N_MAT], m3[N_MAT][N_MAT];
	uint32_t crc_table[256];
};

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* heapsort: no recursion, lots of compares and branches */
static void sift(uint32_t *a, long start, long end)
{
	long root = start;
	while (2 * root + 1 <= end) {
		long child = 2 * root + 1;
		if (child + 1 <= end && a[child] < a[child + 1])
			child++;
		if (a[root] >= a[child])
			return;
		uint32_t t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static uint64_t sort(struct work *w, uint64_t *seed)
{
	for (long k = 0; k < N_SORT; k++)
		w->a[k] = (uint32_t)next(seed);
	for (long s = (N_SORT - 2) / 2; s >= 0; s--)
		sift(w->a, s, N_SORT - 1);
	for (long end = N_SORT - 1; end > 0; end--) {
		uint32_t t = w->a[0];
		w->a[0] = w->a[end];
		w->a[end] = t;
		sift(w->a, 0, end - 1);
	}
	uint64_t h = 0;
	for (long k = 0; k < N_SORT; k++)
		h = h * 31 + w->a[k];
	return h;
}

/* FNV-1a over the byte buffer */
static uint64_t hash(struct work *w, uint64_t *seed)
{
	for (long k = 0; k < N_BYTES; k++)
		w->bytes[k] = (uint8_t)next(seed);
	uint64_t h = 0xcbf29ce484222325ull;
	for (long k = 0; k < N_BYTES; k++) {
		h ^= w->bytes[k];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* CRC-32 (reflected, table driven) over the same bytes */
static uint64_t crc32(struct work *w)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		w->crc_table[n] = c;
	}
	uint32_t c = 0xffffffffu;
	for (long k = 0; k < N_BYTES; k++)
		c = w->crc_table[(c ^ w->bytes[k]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static uint64_t matmul(struct work *w, uint64_t *seed)
{
	for (int i = 0; i < N_MAT; i++)
		for (int j = 0; j < N_MAT; j++) {
			w->m1[i][j] = (int32_t)(next(seed) % 201) - 100;
			w->m2[i][j] = (int32_t)(next(seed) % 201) - 100;
		}
	for (int i = 0; i < N_MAT; i++)
		for (int j = 0; j < N_MAT; j++) {
			int32_t s = 0;
			for (int k = 0; k < N_MAT; k++)
				s += w->m1[i][k] * w->m2[k][j];
			w->m3[i][j] = s;
		}
	uint64_t h = 0;
	for (int i = 0; i < N_MAT; i++)
		for (int j = 0; j < N_MAT; j++)
			h = h * 1000003 + (uint32_t)w->m3[i][j];
	return h;
}

uint64_t bench_workload(void *mem, unsigned rounds)
{
	struct work *w = mem;
	uint64_t seed = 0x9E3779B97F4A7C15ull, sum = 0;
	for (unsigned r = 0; r < rounds; r++) {
		sum = sum * 7 + sort(w, &seed);
		sum = sum * 7 + hash(w, &seed);
		sum = sum * 7 + crc32(w);
		sum = sum * 7 + matmul(w, &seed);
	}
	return sum;
}

unsigned long bench_workload_size(void)
{
	return sizeof(struct work);
}
