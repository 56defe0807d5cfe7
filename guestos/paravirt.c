/*
 * guestos/paravirt.c — knowing we run on vmlab (vmlab.h): CPUID detection
 * and the hypercalls used with --paravirt.
 */
#include "guestos/vmlab.h"

uint32_t vmlab_features;

static int batching;
static unsigned nqueued;
static struct pv_pte_update queue[64];

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static inline int64_t vmcall3(uint64_t op, uint64_t a, uint64_t b, uint64_t c)
{
	int64_t r;
	__asm__ volatile("vmcall" : "=a"(r) : "a"(op), "D"(a), "S"(b), "d"(c) : "memory");
	return r;
}

static inline int64_t vmcall(uint64_t op, uint64_t a, uint64_t b)
{
	return vmcall3(op, a, b, 0);
}

/* Ask CPUID whether this is vmlab and what it offers (silently: the serial
 * output must be the same everywhere). */
void vmlab_detect(void)
{
	uint32_t a, b, c, d;
	cpuid(VMLAB_CPUID_SIGNATURE, &a, &b, &c, &d);
	if (memcmp(&b, "Vmla", 4) || memcmp(&c, "bVml", 4) || memcmp(&d, "abVm", 4) ||
	    a < VMLAB_CPUID_FEATURES)
		return;
	cpuid(VMLAB_CPUID_FEATURES, &a, &b, &c, &d);
	vmlab_features = a;
}

int pv_console_write(const char *s, size_t n)
{
	/* LAB-HOLE-BEGIN hypercall stub: (void)s; (void)n; if (vmlab_features & VMLAB_FEAT_HYPERCALL) panic("not implemented: pv_console_write"); return 0; */
	if (!(vmlab_features & VMLAB_FEAT_HYPERCALL))
		return 0;
	while (n) {
		size_t k = n > 4096 ? 4096 : n;
		if (vmcall(VMLAB_HC_CONSOLE_WRITE, (uint64_t)s, k) < 0)
			return 0;
		s += k;
		n -= k;
	}
	return 1;
	/* LAB-HOLE-END hypercall */
}

static void flush_queue(void)
{
	if (nqueued && vmcall(VMLAB_HC_MMU_UPDATE, (uint64_t)queue, nqueued) < 0)
		panic("paravirt: the monitor refused %u PTE updates", nqueued);
	nqueued = 0;
}

void pv_pte_set(uint64_t *pte, uint64_t val, uint64_t flush_va)
{
	if (!(vmlab_features & VMLAB_FEAT_HYPERCALL)) {
		*pte = val;
		if (flush_va)
			invlpg(flush_va);
		return;
	}
	queue[nqueued++] = (struct pv_pte_update){ V2P(pte), val, flush_va };
	if (!batching || nqueued == sizeof queue / sizeof queue[0])
		flush_queue();
}

void pv_batch_begin(void)
{
	batching = 1;
}

void pv_batch_end(void)
{
	batching = 0;
	flush_queue();
}

int pv_idle(void)
{
	if (!(vmlab_features & VMLAB_FEAT_HYPERCALL))
		return 0;
	vmcall(VMLAB_HC_IRQ, 2, 0);
	__asm__ volatile("cli" ::: "memory");
	return 1;
}

void pv_lcr3(uint64_t pa)
{
	if (vmlab_features & VMLAB_FEAT_HYPERCALL) {
		if (vmcall(VMLAB_HC_SET_CR3, pa, 0) > 0) /* the monitor wants memory back */
			pv_balloon_inflate();
	} else
		lcr3(pa);
}

int pv_disk(int write, uint32_t lba, void *buf, int nsect)
{
	if (!(vmlab_features & VMLAB_FEAT_HYPERCALL))
		return 0;
	if (vmcall3(write ? VMLAB_HC_DISK_WRITE : VMLAB_HC_DISK_READ, (uint64_t)buf, lba,
		    (uint64_t)nsect) < 0)
		panic("paravirt: swap disk %s refused at LBA %u", write ? "write" : "read", lba);
	return 1;
}
