/*
 * monitor/vmm/snapshot.c — the whole VM state as one byte stream
 * (mon_vm_save) and back (mon_vm_restore), so that a restored VM continues
 * byte-identically: same serial output, same trace, same stats.
 *
 * Stream: "VLABSNAP", u32 version, u32 layout, u64 payload bytes, u64
 * FNV-1a of the payload, then the payload: tagged sections (u32 tag, u64
 * length, bytes) in a fixed order: machine options, CPU, vCPU, TLB, machine
 * frames, shadow (pmap, roots, PT pages), devices (UART with its output so
 * far, PIC, PIT, ATA with the disk), run state, MMU modes, RAM.
 *
 * mon_vm_save_flags(MON_SAVE_NO_GUEST_RAM) leaves the VM's own frames out of
 * the RAM section (flag 2 per page: "left as it is"): live migration sends
 * guest pages in its pre-copy rounds and only the rest of the state here.
 *
 * SIMPLIFICATION: structs without pointers are stored as their bytes, so a
 * snapshot belongs to one build of vmlab: `layout` (the sizes of those
 * structs) tells another build's snapshot apart with a clear error instead
 * of a misread. RAM and disk are stored sparsely (zero pages skipped).
 *
 * Restore reads the stream twice: the first pass only checks (checksum,
 * version, options, every length), the second applies, so a bad snapshot
 * leaves the VM as it was. The VM restored into must have been created with
 * the same machine options (memory, TLB, seed, MMU mode, ...); output and
 * trace options may differ.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/migrate.h"
#include "monitor/vmm/modes.h"
#include "monitor/vmm/vm.h"

#define SNAP_MAGIC "VLABSNAP"
#define SNAP_VERSION 1u
#define SNAP_HEADER 32u

enum snap_tag {
	TAG_OPTIONS = 1, TAG_CPU, TAG_VCPU, TAG_TLB, TAG_FRAMES, TAG_SHADOW, TAG_DEVICES,
	TAG_RUN, TAG_MODES, TAG_RAM, TAG_END
};

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* The sizes of every struct stored as bytes: another build most likely differs. */
static uint32_t layout(void)
{
	const uint64_t sizes[] = {
		sizeof(struct cpu), sizeof(struct mon_vcpu), sizeof(struct tlb_entry), sizeof(struct tlb_stats),
		sizeof(struct shadow_vm), sizeof(struct shadow_ptpage), sizeof(struct mon_uart),
		sizeof(struct mon_pic), sizeof(struct mon_pit), sizeof(struct mon_ata), sizeof(struct mon_stop),
		sizeof(struct shadow_fill), sizeof(struct shadow_walk), sizeof(struct mon_stats),
		sizeof(struct mon_event), sizeof(struct mon_modes), sizeof(struct mon_appsig),
	};
	return (uint32_t)fnv1a((const uint8_t *)sizes, sizeof sizes);
}

/* ---- writing ---- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

static void put(struct wbuf *b, const void *src, size_t n)
{
	if (b->oom || n == 0) /* n == 0: src may be NULL (no serial output yet) */
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1u << 20;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put64(struct wbuf *b, uint64_t v)
{
	put(b, &v, 8);
}

/* Section start: returns where its length goes. */
static size_t section(struct wbuf *b, enum snap_tag tag)
{
	uint32_t t = tag;
	put(b, &t, 4);
	size_t at = b->len;
	put64(b, 0);
	return at;
}

static void section_end(struct wbuf *b, size_t at)
{
	if (!b->oom) {
		uint64_t n = b->len - at - 8;
		memcpy(b->p + at, &n, 8);
	}
}

/* n bytes as (page count, then per page: u8 0 = all zero, 1 = its bytes, 2 = not in
 * this stream: the page is left as it is (skip[page] set; skip may be NULL)). */
static void put_sparse(struct wbuf *b, const uint8_t *mem, uint64_t n, const uint8_t *skip)
{
	static const uint8_t zero[PAGE_SIZE];
	put64(b, n);
	for (uint64_t off = 0; off < n; off += PAGE_SIZE) {
		uint64_t k = n - off < PAGE_SIZE ? n - off : PAGE_SIZE;
		if (skip && skip[off / PAGE_SIZE]) {
			uint8_t apart = 2;
			put(b, &apart, 1);
			continue;
		}
		uint8_t used = memcmp(mem + off, zero, k) != 0;
		put(b, &used, 1);
		if (used)
			put(b, mem + off, k);
	}
}

/* The options that shape the machine: the VM restored into must have the same. */
struct snap_options {
	uint64_t mem_size, seed, tlb_sets, tlb_ways, tlb_policy, mmu, paravirt, strict_x86;
	uint64_t shadow_pool, pit_scale, ram_size;
};

static void options_of(const struct vm *vm, struct snap_options *o)
{
	const struct mon_config *c = &vm->cfg;
	memset(o, 0, sizeof *o);
	*o = (struct snap_options){c->mem_size, c->seed, c->tlb_sets, c->tlb_ways, c->tlb_policy, c->mmu,
				   c->paravirt, c->strict_x86, c->shadow_pool, c->pit_scale, vm->ram_size};
}

uint8_t *mon_vm_save(struct vm *vm, size_t *len, char *err, size_t errlen)
{
	return mon_vm_save_flags(vm, 0, len, err, errlen);
}

uint8_t *mon_vm_save_flags(struct vm *vm, unsigned save_flags, size_t *len, char *err, size_t errlen)
{
	if (vm->bare) {
		snprintf(err, errlen, "snapshots need the monitor: not with --bare-core");
		return NULL;
	}
	if (vm->in_exit) {
		snprintf(err, errlen, "internal: snapshot while an exit is being handled");
		return NULL;
	}
	if (!vm->own_host) { /* the RAM, frames and TLB hold the other VMs' state too */
		snprintf(err, errlen, "snapshots are of a VM with a host of its own: this one shares its host");
		return NULL;
	}
	if (vm->sh.pmap.oc) {
		snprintf(err, errlen, "snapshots of an overcommitted VM (--machine-mem) are not supported");
		return NULL;
	}
	struct wbuf b = {0};
	uint8_t head[SNAP_HEADER] = {0};
	put(&b, head, sizeof head);

	struct snap_options o;
	options_of(vm, &o);
	size_t s = section(&b, TAG_OPTIONS);
	put(&b, &o, sizeof o);
	section_end(&b, s);

	s = section(&b, TAG_CPU);
	put(&b, &vm->cpu, sizeof vm->cpu);
	put64(&b, cpu_get_rflags(&vm->cpu)); /* lazily computed flags, materialized */
	section_end(&b, s);

	s = section(&b, TAG_VCPU);
	put(&b, &vm->v, sizeof vm->v);
	section_end(&b, s);

	s = section(&b, TAG_TLB);
	put64(&b, (uint64_t)vm->tlb->sets * vm->tlb->ways);
	put64(&b, vm->tlb->rng);
	put64(&b, vm->tlb->next_seq);
	put(&b, &vm->tlb->stats, sizeof vm->tlb->stats);
	put(&b, vm->tlb->e, (size_t)vm->tlb->sets * vm->tlb->ways * sizeof *vm->tlb->e);
	put(&b, vm->tlb->hand, vm->tlb->sets * sizeof *vm->tlb->hand);
	section_end(&b, s);

	s = section(&b, TAG_FRAMES);
	put64(&b, vm->mf->nframes);
	put(&b, vm->mf->owner, vm->mf->nframes * sizeof *vm->mf->owner);
	put(&b, vm->mf->tag, vm->mf->nframes * sizeof *vm->mf->tag);
	put(&b, vm->mf->free, vm->mf->nframes * sizeof *vm->mf->free);
	put64(&b, vm->mf->nfree);
	put64(&b, vm->mf->monitor_frames);
	section_end(&b, s);

	s = section(&b, TAG_SHADOW);
	put(&b, &vm->sh, sizeof vm->sh);
	uint64_t np = vm->sh.pmap.npages;
	put64(&b, np);
	put(&b, vm->sh.pmap.frame, np * sizeof *vm->sh.pmap.frame);
	put(&b, vm->sh.mapped_w, np);
	for (uint64_t i = 0; i < np; i++) {
		uint8_t has = vm->sh.pt[i] != NULL;
		put(&b, &has, 1);
		if (has)
			put(&b, vm->sh.pt[i], sizeof *vm->sh.pt[i]);
	}
	section_end(&b, s);

	s = section(&b, TAG_DEVICES);
	put(&b, &vm->uart, sizeof vm->uart);
	put64(&b, vm->uart.len);
	put(&b, vm->uart.out, vm->uart.len);
	put(&b, &vm->pic, sizeof vm->pic);
	put(&b, &vm->pit, sizeof vm->pit);
	put(&b, &vm->ata, sizeof vm->ata);
	put_sparse(&b, vm->ata.disk, vm->ata.sectors * ATA_SECTOR, NULL);
	put64(&b, vm->next_tick);
	section_end(&b, s);

	s = section(&b, TAG_RUN);
	put(&b, &vm->stop, sizeof vm->stop);
	uint8_t flags[6] = {vm->stopped, vm->sti_shadow, vm->in_reflection, vm->exit_pending,
			    (uint8_t)vm->pending_fill, vm->at_break};
	put(&b, flags, sizeof flags);
	put(&b, &vm->fill, sizeof vm->fill);
	put(&b, &vm->fill_forecast, sizeof vm->fill_forecast);
	put(&b, &vm->fill_walk, sizeof vm->fill_walk);
	put(&b, &vm->ptw_pending, sizeof vm->ptw_pending);
	put(&b, vm->who, sizeof vm->who);
	put(&b, &vm->stats, sizeof vm->stats);
	put64(&b, vm->last_icount);
	put(&b, vm->app_cr3, sizeof vm->app_cr3);
	put(&b, vm->app_sig, sizeof vm->app_sig);
	put64(&b, vm->napps);
	put(&b, vm->sigs, sizeof vm->sigs);
	put64(&b, vm->nsigs);
	mon_trace_ring_settle(&vm->trace); /* the ring's texts made (trace_ring.c) */
	put(&b, vm->trace.ring, sizeof vm->trace.ring);
	for (unsigned i = 0; i < MON_RING_MAX; i++) { /* kinds are host pointers: store the names */
		char k[32] = {0};
		snprintf(k, sizeof k, "%s", vm->trace.ring[i].kind ? vm->trace.ring[i].kind : "");
		put(&b, k, sizeof k);
	}
	put64(&b, vm->trace.ring_next);
	put64(&b, vm->trace.ring_count);
	section_end(&b, s);

	s = section(&b, TAG_MODES);
	uint8_t has_modes = vm->modes != NULL;
	put(&b, &has_modes, 1);
	if (has_modes)
		put(&b, vm->modes, sizeof *vm->modes);
	section_end(&b, s);

	s = section(&b, TAG_RAM);
	uint8_t *skip = NULL;
	if (save_flags & MON_SAVE_NO_GUEST_RAM) { /* the VM's own frames: migrate.c sends them apart */
		skip = calloc(vm->mf->nframes ? vm->mf->nframes : 1, 1);
		for (uint64_t i = 0; skip && i < vm->mf->nframes; i++)
			skip[i] = vm->mf->owner[i] == vm->vmid;
		b.oom |= skip == NULL;
	}
	put_sparse(&b, vm->ram, vm->ram_size, skip);
	free(skip);
	section_end(&b, s);

	s = section(&b, TAG_END);
	section_end(&b, s);

	if (b.oom) {
		free(b.p);
		snprintf(err, errlen, "out of host memory for the snapshot");
		return NULL;
	}
	uint32_t ver = SNAP_VERSION, lay = layout();
	uint64_t plen = b.len - SNAP_HEADER, sum = fnv1a(b.p + SNAP_HEADER, plen);
	memcpy(b.p, SNAP_MAGIC, 8);
	memcpy(b.p + 8, &ver, 4);
	memcpy(b.p + 12, &lay, 4);
	memcpy(b.p + 16, &plen, 8);
	memcpy(b.p + 24, &sum, 8);
	*len = b.len;
	return b.p;
}

/* ---- reading ---- */

struct rbuf {
	const uint8_t *p;
	size_t len, pos;
	bool bad;
	char why[96];
};

static void fail(struct rbuf *r, const char *why)
{
	if (!r->bad)
		snprintf(r->why, sizeof r->why, "%s", why);
	r->bad = true;
}

/* n bytes from the stream into dst (dst NULL: skip them). */
static void get(struct rbuf *r, void *dst, size_t n)
{
	if (r->bad || n > r->len - r->pos) {
		fail(r, "truncated");
		return;
	}
	if (dst && n)
		memcpy(dst, r->p + r->pos, n);
	r->pos += n;
}

static uint64_t get64(struct rbuf *r)
{
	uint64_t v = 0;
	get(r, &v, 8);
	return v;
}

/* A section header: must be `tag`. Returns the section's end. */
static size_t expect(struct rbuf *r, enum snap_tag tag)
{
	uint32_t t = 0;
	get(r, &t, 4);
	uint64_t n = get64(r);
	if (!r->bad && t != tag)
		fail(r, "sections out of order");
	if (!r->bad && n > r->len - r->pos)
		fail(r, "truncated");
	return r->bad ? r->pos : r->pos + n;
}

static void expect_end(struct rbuf *r, size_t end)
{
	if (!r->bad && r->pos != end)
		fail(r, "a section has the wrong length");
}

/* The sparse form of put_sparse into mem (NULL: check only), which holds n bytes. */
static void get_sparse(struct rbuf *r, uint8_t *mem, uint64_t n)
{
	if (get64(r) != n) {
		fail(r, "memory size differs");
		return;
	}
	for (uint64_t off = 0; off < n && !r->bad; off += PAGE_SIZE) {
		uint64_t k = n - off < PAGE_SIZE ? n - off : PAGE_SIZE;
		uint8_t used = 0;
		get(r, &used, 1);
		if (used > 2)
			fail(r, "bad page flag");
		else if (used == 1)
			get(r, mem ? mem + off : NULL, k);
		else if (used == 2)
			continue; /* sent apart (migration): the page stays as it is */
		else if (mem)
			memset(mem + off, 0, k);
	}
}

/* Copy a struct stored as bytes into *dst, keeping the live values of its pointer
 * members: the caller saves and puts them back. */
#define GET_STRUCT(r, apply, dst) get((r), (apply) ? (void *)(dst) : NULL, sizeof *(dst))

static void restore_pass(struct vm *vm, struct rbuf *r, bool apply)
{
	size_t end = expect(r, TAG_OPTIONS);
	struct snap_options o, mine;
	memset(&o, 0, sizeof o);
	get(r, &o, sizeof o);
	options_of(vm, &mine);
	if (!r->bad && memcmp(&o, &mine, sizeof o))
		fail(r, "it was taken with other machine options (memory, TLB, seed, MMU mode, ...)");
	expect_end(r, end);

	/* CPU: everything but its host-side pointers and caches */
	end = expect(r, TAG_CPU);
	struct cpu live = vm->cpu;
	GET_STRUCT(r, apply, &vm->cpu);
	uint64_t rflags = get64(r);
	if (apply) {
		vm->cpu.ram = live.ram;
		vm->cpu.ram_size = live.ram_size;
		vm->cpu.mmu = live.mmu;
		vm->cpu.in = live.in;
		vm->cpu.ftlb_ = live.ftlb_; /* points into `in` */
		vm->cpu.mmu_paging = live.mmu_paging;
	}
	expect_end(r, end);

	end = expect(r, TAG_VCPU);
	GET_STRUCT(r, apply, &vm->v);
	expect_end(r, end);

	end = expect(r, TAG_TLB);
	uint64_t nent = (uint64_t)vm->tlb->sets * vm->tlb->ways;
	if (get64(r) != nent)
		fail(r, "TLB geometry differs");
	uint64_t rng = get64(r), seq = get64(r);
	GET_STRUCT(r, apply, &vm->tlb->stats);
	get(r, apply ? vm->tlb->e : NULL, nent * sizeof *vm->tlb->e);
	get(r, apply ? vm->tlb->hand : NULL, vm->tlb->sets * sizeof *vm->tlb->hand);
	if (apply) {
		vm->tlb->rng = rng;
		vm->tlb->next_seq = seq;
		tlb_unpin_all(vm->tlb); /* pins are not saved: none may match this TLB's epoch */
	}
	expect_end(r, end);

	end = expect(r, TAG_FRAMES);
	uint64_t nf = vm->mf->nframes;
	if (get64(r) != nf)
		fail(r, "machine memory differs");
	get(r, apply ? vm->mf->owner : NULL, nf * sizeof *vm->mf->owner);
	get(r, apply ? vm->mf->tag : NULL, nf * sizeof *vm->mf->tag);
	get(r, apply ? vm->mf->free : NULL, nf * sizeof *vm->mf->free);
	uint64_t nfree = get64(r), monf = get64(r);
	if (nfree > nf)
		fail(r, "bad free-frame count");
	if (apply) {
		vm->mf->nfree = nfree;
		vm->mf->monitor_frames = monf;
		shadow_mframe_dirty(vm->mf); /* the free list and RAM are the snapshot's now */
	}
	expect_end(r, end);

	end = expect(r, TAG_SHADOW);
	struct shadow_vm sh = vm->sh;
	GET_STRUCT(r, apply, &vm->sh);
	uint64_t np = sh.pmap.npages;
	if (apply) { /* the pointers stay the live VM's */
		vm->sh.mf = sh.mf;
		vm->sh.pmap.frame = sh.pmap.frame;
		vm->sh.pmap.mf = sh.pmap.mf;
		vm->sh.pmap.dirty = sh.pmap.dirty;
		vm->sh.tlb = sh.tlb;
		vm->sh.cpu = sh.cpu;
		vm->sh.pt = sh.pt;
		vm->sh.mapped_w = sh.mapped_w;
	}
	if (get64(r) != np)
		fail(r, "guest memory size differs");
	get(r, apply ? sh.pmap.frame : NULL, np * sizeof *sh.pmap.frame);
	get(r, apply ? sh.mapped_w : NULL, np);
	for (uint64_t i = 0; i < np && !r->bad; i++) {
		uint8_t has = 0;
		get(r, &has, 1);
		if (has > 1)
			fail(r, "bad PT-page flag");
		if (!apply) {
			if (has)
				get(r, NULL, sizeof **sh.pt);
			continue;
		}
		if (has && !sh.pt[i] && !(sh.pt[i] = calloc(1, sizeof **sh.pt))) {
			fail(r, "out of host memory");
			break;
		}
		if (has)
			get(r, sh.pt[i], sizeof **sh.pt);
		else {
			free(sh.pt[i]);
			sh.pt[i] = NULL;
		}
	}
	expect_end(r, end);

	end = expect(r, TAG_DEVICES);
	struct mon_uart u = vm->uart;
	GET_STRUCT(r, apply, &vm->uart);
	uint64_t olen = get64(r);
	if (!r->bad && olen > r->len - r->pos)
		fail(r, "truncated");
	if (apply) {
		vm->uart.out = u.out;
		vm->uart.cap = u.cap;
		vm->uart.echo = u.echo;
		vm->uart.echo_ctx = u.echo_ctx;
		vm->uart.len = 0;
		vm->uart.oom = false;
		if (olen > vm->uart.cap) {
			char *p = realloc(vm->uart.out, olen);
			if (!p) {
				fail(r, "out of host memory");
				return;
			}
			vm->uart.out = p;
			vm->uart.cap = olen;
		}
		vm->uart.len = olen;
	}
	get(r, apply ? vm->uart.out : NULL, olen);
	GET_STRUCT(r, apply, &vm->pic);
	GET_STRUCT(r, apply, &vm->pit);
	uint8_t *disk = vm->ata.disk;
	uint64_t sectors = vm->ata.sectors;
	GET_STRUCT(r, apply, &vm->ata);
	if (apply) {
		vm->ata.disk = disk;
		vm->ata.sectors = sectors;
	}
	get_sparse(r, apply ? disk : NULL, sectors * ATA_SECTOR);
	uint64_t tick = get64(r);
	if (apply)
		vm->next_tick = tick;
	expect_end(r, end);

	end = expect(r, TAG_RUN);
	GET_STRUCT(r, apply, &vm->stop);
	uint8_t flags[6] = {0};
	get(r, flags, sizeof flags);
	GET_STRUCT(r, apply, &vm->fill);
	GET_STRUCT(r, apply, &vm->fill_forecast);
	GET_STRUCT(r, apply, &vm->fill_walk);
	GET_STRUCT(r, apply, &vm->ptw_pending);
	get(r, apply ? vm->who : NULL, sizeof vm->who);
	GET_STRUCT(r, apply, &vm->stats);
	uint64_t last = get64(r);
	get(r, apply ? vm->app_cr3 : NULL, sizeof vm->app_cr3);
	get(r, apply ? vm->app_sig : NULL, sizeof vm->app_sig);
	uint64_t napps = get64(r);
	get(r, apply ? vm->sigs : NULL, sizeof vm->sigs);
	uint64_t nsigs = get64(r);
	get(r, apply ? vm->trace.ring : NULL, sizeof vm->trace.ring);
	get(r, apply ? vm->trace.ring_kind : NULL, sizeof vm->trace.ring_kind);
	uint64_t ring_next = get64(r), ring_count = get64(r);
	if (napps > 64 || nsigs > MON_APPSIG_MAX || ring_next >= MON_RING_MAX || ring_count > MON_RING_MAX)
		fail(r, "bad run state");
	if (apply) {
		vm->stopped = flags[0];
		vm->sti_shadow = flags[1];
		vm->in_reflection = flags[2];
		vm->exit_pending = flags[3];
		vm->pending_fill = flags[4];
		vm->at_break = flags[5];
		vm->last_icount = last;
		vm->napps = (unsigned)napps;
		vm->nsigs = (unsigned)nsigs;
		vm->trace.ring_next = (unsigned)ring_next;
		vm->trace.ring_count = (unsigned)ring_count;
		mon_trace_ring_restored(&vm->trace);
		for (unsigned i = 0; i < MON_RING_MAX; i++) {
			vm->trace.ring_kind[i][sizeof vm->trace.ring_kind[i] - 1] = 0;
			vm->trace.ring[i].kind = vm->trace.ring_kind[i];
		}
	}
	expect_end(r, end);

	end = expect(r, TAG_MODES);
	uint8_t has_modes = 0;
	get(r, &has_modes, 1);
	if (!r->bad && has_modes != (vm->modes != NULL))
		fail(r, "it was taken in another MMU mode");
	if (has_modes && vm->modes) {
		struct shadow_nested n = vm->modes->nested;
		GET_STRUCT(r, apply, vm->modes);
		if (apply) {
			vm->modes->nested.mf = n.mf;
			vm->modes->nested.pm = n.pm;
		}
	}
	expect_end(r, end);

	end = expect(r, TAG_RAM);
	get_sparse(r, apply ? vm->ram : NULL, vm->ram_size);
	expect_end(r, end);

	end = expect(r, TAG_END);
	expect_end(r, end);
	if (!r->bad && r->pos != r->len)
		fail(r, "bytes after the end");

	if (apply && !r->bad) {
		/* the host-side caches knew the old state: forget them */
		cpu_state_loaded(&vm->cpu, rflags);
	}
}

int mon_vm_restore(struct vm *vm, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	uint32_t ver = 0, lay = 0;
	uint64_t plen = 0, sum = 0;
	if (!vm->own_host) {
		snprintf(err, errlen, "snapshots are of a VM with a host of its own: this one shares its host");
		return -1;
	}
	if (len < SNAP_HEADER || memcmp(buf, SNAP_MAGIC, 8)) {
		snprintf(err, errlen, "not a vmlab snapshot");
		return -1;
	}
	memcpy(&ver, buf + 8, 4);
	memcpy(&lay, buf + 12, 4);
	memcpy(&plen, buf + 16, 8);
	memcpy(&sum, buf + 24, 8);
	if (ver != SNAP_VERSION) {
		snprintf(err, errlen, "snapshot version %u, this vmlab reads version %u", ver, SNAP_VERSION);
		return -1;
	}
	if (lay != layout()) {
		snprintf(err, errlen, "snapshot from another build of vmlab (its state layout differs)");
		return -1;
	}
	if (plen != len - SNAP_HEADER) {
		snprintf(err, errlen, "snapshot truncated (%zu of %llu bytes)", len,
			 (unsigned long long)(plen + SNAP_HEADER));
		return -1;
	}
	if (fnv1a(buf + SNAP_HEADER, plen) != sum) {
		snprintf(err, errlen, "snapshot corrupted (checksum mismatch)");
		return -1;
	}
	if (vm->bare) {
		snprintf(err, errlen, "snapshots need the monitor: not with --bare-core");
		return -1;
	}
	if (vm->sh.pmap.oc) {
		snprintf(err, errlen, "snapshots of an overcommitted VM (--machine-mem) are not supported");
		return -1;
	}
	struct rbuf r = {.p = buf, .len = len, .pos = SNAP_HEADER};
	restore_pass(vm, &r, false);
	if (r.bad) {
		snprintf(err, errlen, "cannot restore snapshot: %s", r.why);
		return -1;
	}
	r.pos = SNAP_HEADER;
	restore_pass(vm, &r, true);
	if (r.bad) { /* only host memory can fail here */
		snprintf(err, errlen, "cannot restore snapshot: %s", r.why);
		return -1;
	}
	return 0;
}
