/*
 * monitor/vmm/migrate_rx.c — the receiving end of a live migration: collects
 * the pre-copy rounds' pages (a later copy of a page replaces the earlier),
 * then, at the end record, restores the state into its VM (mon_vm_restore,
 * which leaves the VM's own frames alone), writes every guest page into the
 * VM's frames through its pmap and checks the sender's hash of guest memory.
 * Pages are kept in a guest-physical image until then: the VM's pmap is the
 * one the state brings.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/migrate.h"
#include "monitor/vmm/migrate_stream.h"

struct mon_migrate_rx {
	struct vm *vm;
	uint8_t *buf;             /* bytes received but not yet parsed */
	size_t len, cap;
	bool header, done, bad;
	uint64_t npages;
	uint8_t *image;           /* npages * PAGE_SIZE: the guest-physical memory received */
	uint8_t *have;            /* per page: received at least once */
	uint8_t *state;           /* the 'S' record's bytes */
	size_t state_len;
	struct mon_migrate_rx_stats st;
};

struct mon_migrate_rx *mon_migrate_rx_new(struct vm *dst, char *err, size_t errlen)
{
	struct mon_migrate_rx *rx = calloc(1, sizeof *rx);
	if (!rx) {
		snprintf(err, errlen, "out of host memory");
		return NULL;
	}
	rx->vm = dst;
	return rx;
}

void mon_migrate_rx_free(struct mon_migrate_rx *rx)
{
	if (!rx)
		return;
	free(rx->buf);
	free(rx->image);
	free(rx->have);
	free(rx->state);
	free(rx);
}

const struct mon_migrate_rx_stats *mon_migrate_rx_stats(const struct mon_migrate_rx *rx)
{
	return &rx->st;
}

static int fail(struct mon_migrate_rx *rx, char *err, size_t errlen, const char *why)
{
	rx->bad = true;
	snprintf(err, errlen, "migration stream: %s", why);
	return -1;
}

static int parse_header(struct mon_migrate_rx *rx, char *err, size_t errlen)
{
	uint32_t ver;
	memcpy(&ver, rx->buf + 8, 4);
	memcpy(&rx->npages, rx->buf + 12, 8);
	if (memcmp(rx->buf, MIG_MAGIC, 8))
		return fail(rx, err, errlen, "not a vmlab migration");
	if (ver != MIG_VERSION)
		return fail(rx, err, errlen, "another version of the stream");
	if (rx->npages != rx->vm->sh.pmap.npages)
		return fail(rx, err, errlen, "the sender's guest memory differs from this VM's (--mem)");
	rx->image = malloc(rx->npages * PAGE_SIZE);
	rx->have = calloc(rx->npages, 1);
	if (!rx->image || !rx->have)
		return fail(rx, err, errlen, "out of host memory");
	rx->header = true;
	return 0;
}

/* The end record: install state and memory, check the hash. */
static int finish(struct mon_migrate_rx *rx, uint64_t hash, char *err, size_t errlen)
{
	struct vm *vm = rx->vm;
	for (uint64_t p = 0; p < rx->npages; p++)
		if (!rx->have[p])
			return fail(rx, err, errlen, "a guest page was never sent");
	if (!rx->state)
		return fail(rx, err, errlen, "no CPU/device state before the end");
	char why[MON_ERR_MAX];
	if (mon_vm_restore(vm, rx->state, rx->state_len, why, sizeof why)) {
		rx->bad = true;
		snprintf(err, errlen, "migration: %s", why);
		return -1;
	}
	for (uint64_t p = 0; p < rx->npages; p++)
		memcpy(vm->ram + vm->sh.pmap.frame[p], rx->image + p * PAGE_SIZE, PAGE_SIZE);
	if (mig_guest_hash(vm) != hash)
		return fail(rx, err, errlen, "guest memory differs from the sender's (hash mismatch)");
	rx->done = true;
	return 1;
}

/* Parse one record at b (n bytes there): its length, or 0 if incomplete, -1 bad. */
static long long parse_record(struct mon_migrate_rx *rx, const uint8_t *b, size_t n, char *err, size_t errlen,
			      int *result)
{
	uint64_t v = 0;
	if (n >= 9)
		memcpy(&v, b + 1, 8);
	switch (b[0]) {
	case 'P':
	case 'Z': {
		size_t need = b[0] == 'P' ? MIG_PAGE_REC : MIG_ZERO_REC;
		if (n < need)
			return 0;
		if (v >= rx->npages)
			return fail(rx, err, errlen, "a page outside guest memory");
		uint8_t *dst = rx->image + v * PAGE_SIZE;
		if (b[0] == 'P')
			memcpy(dst, b + 9, PAGE_SIZE);
		else
			memset(dst, 0, PAGE_SIZE);
		rx->have[v] = 1;
		rx->st.pages++;
		rx->st.zero_pages += b[0] == 'Z';
		return (long long)need;
	}
	case 'R':
		if (n < 5)
			return 0;
		rx->st.rounds++;
		return 5;
	case 'S':
		if (n < 9)
			return 0;
		if (rx->state || v > (1ull << 40))
			return fail(rx, err, errlen, "a bad state record");
		if (n - 9 < v)
			return 0;
		if (!(rx->state = malloc(v ? v : 1)))
			return fail(rx, err, errlen, "out of host memory");
		memcpy(rx->state, b + 9, v);
		rx->state_len = v;
		rx->st.state_bytes = 9 + v;
		return (long long)(9 + v);
	case 'E':
		if (n < 9)
			return 0;
		*result = finish(rx, v, err, errlen);
		return *result < 0 ? -1 : 9;
	default:
		return fail(rx, err, errlen, "an unknown record");
	}
}

int mon_migrate_rx_feed(struct mon_migrate_rx *rx, const void *buf, size_t len, char *err, size_t errlen)
{
	if (rx->bad)
		return fail(rx, err, errlen, "already failed");
	if (rx->done)
		return len ? fail(rx, err, errlen, "bytes after the end") : 1;
	if (rx->len + len > rx->cap) {
		size_t cap = rx->cap ? rx->cap : 1u << 16;
		while (cap < rx->len + len)
			cap *= 2;
		uint8_t *p = realloc(rx->buf, cap);
		if (!p)
			return fail(rx, err, errlen, "out of host memory");
		rx->buf = p;
		rx->cap = cap;
	}
	if (len)
		memcpy(rx->buf + rx->len, buf, len);
	rx->len += len;
	rx->st.bytes += len;
	size_t pos = 0;
	int result = 0;
	if (!rx->header) {
		if (rx->len < MIG_HEADER)
			return 0;
		if (parse_header(rx, err, errlen))
			return -1;
		pos = MIG_HEADER;
	}
	while (pos < rx->len && !rx->done) {
		long long k = parse_record(rx, rx->buf + pos, rx->len - pos, err, errlen, &result);
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		pos += (size_t)k;
	}
	if (pos) {
		memmove(rx->buf, rx->buf + pos, rx->len - pos);
		rx->len -= pos;
	}
	if (rx->done && rx->len)
		return fail(rx, err, errlen, "bytes after the end");
	return rx->done ? 1 : 0;
}
