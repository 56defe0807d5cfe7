/*
 * guestos/swap.c — user page frames and the swap area.
 *
 * Every frame that holds a user page is registered in a slot of `uframes`
 * (owner process, user VA). At most `ulimit` of them exist at once: mem=
 * sets it (default: MAX_UFRAMES or whatever RAM allows). When a new user
 * page is needed and the limit is reached (or RAM is out), the clock hand
 * sweeps the slots in order (second chance): a page whose PTE has A set
 * gets A cleared (invlpg if its address space is loaded) and is passed
 * over; the first page with A clear is written to a free swap slot on the
 * ATA disk, its PTE becomes "not present, PTE_SWAPPED, slot number", and
 * its frame is reused. A later #PF on that PTE reads the page back (swap_in)
 * and frees the slot.
 * SIMPLIFICATION: every page-out writes the page, dirty or not, and a
 * page-in frees its slot (no swap cache): fewer states to follow in a trace.
 * SIMPLIFICATION: the swap area is the first SWAP_SLOTS * 8 sectors of the
 * disk, not sized by IDENTIFY DEVICE (a 32 MiB raw image is expected).
 *
 * Determinism: the hand, the slot order and the lowest-free swap slot
 * choice depend only on the order of page faults and on A bits, i.e. on
 * the program's own accesses; with one process running the page-out and
 * page-in counts are the same on every run and on every correct x86.
 */
#include "guestos/kernel.h"
#include "guestos/vmlab.h"

#define MAX_UFRAMES 8192                 /* 32 MiB of resident user pages */
#define SWAP_SLOTS 8192                  /* 32 MiB swap disk, 8 sectors per slot */
#define SECTORS_PER_PAGE 8

struct uframe {
	uint64_t pa;                     /* 0 = slot unused */
	struct proc *owner;
	uint64_t va;
};

static struct uframe uframes[MAX_UFRAMES];
static uint16_t frame_slot[KMAP_MAX / PAGE_SIZE]; /* PA frame -> uframes index + 1 */
uint64_t ulimit; /* the user-page budget: balloon.c lowers it */
static uint64_t nused, hand;
static uint8_t swap_used[SWAP_SLOTS / 8];
static int have_disk;
static uint64_t page_outs, page_ins;

/* Decide the user-page budget and probe the swap disk. */
void swap_init(void)
{
	ulimit = MAX_UFRAMES;
	if (mem_limit_pages && mem_limit_pages < ulimit)
		ulimit = mem_limit_pages;
	have_disk = ata_init();
}

int swap_available(void)
{
	return have_disk;
}

static int slot_alloc(void)
{
	for (int s = 0; s < SWAP_SLOTS; s++) {
		if (!(swap_used[s / 8] & (1 << (s % 8)))) {
			swap_used[s / 8] |= (uint8_t)(1 << (s % 8));
			return s;
		}
	}
	return -1;
}

static void slot_free(uint64_t s)
{
	swap_used[s / 8] &= (uint8_t)~(1 << (s % 8));
}

static void uframe_set(uint64_t i, uint64_t pa, struct proc *p, uint64_t va)
{
	uframes[i].pa = pa;
	uframes[i].owner = p;
	uframes[i].va = va;
	frame_slot[pa / PAGE_SIZE] = (uint16_t)(i + 1);
}

/* Advance the clock to a victim whose A bit is clear; returns its index. */
static uint64_t clock_pick(void)
{
	/* LAB-HOLE-BEGIN demand-paging stub: (void)hand; panic("not implemented: clock_pick"); */
	pv_batch_begin(); /* vmlab --paravirt: a sweep's A-bit clears in few hypercalls */
	for (;;) {
		uint64_t i = hand;
		hand = (hand + 1) % ulimit;
		if (hand == 0) { /* the next lap must see this lap's clears */
			pv_batch_end();
			pv_batch_begin();
		}
		struct uframe *f = &uframes[i];
		if (!f->pa)
			continue;
		uint64_t *pte = vm_walk(f->owner->pml4, f->va, 0);
		if (!pte || !(*pte & PTE_P))
			panic("swap: frame table out of sync at VA 0x%lx", f->va);
		if (*pte & PTE_A) {
			pv_pte_set(pte, *pte & ~PTE_A, f->owner == curproc ? f->va : 0);
			continue;
		}
		pv_batch_end();
		return i;
	}
	/* LAB-HOLE-END demand-paging */
}

/* Write out the page in uframes[i] and unmap it; its frame stays in the slot. */
static int page_out(uint64_t i)
{
	struct uframe *f = &uframes[i];
	int s = slot_alloc();
	if (s < 0)
		return -1;
	ata_write((uint32_t)s * SECTORS_PER_PAGE, P2V(f->pa), SECTORS_PER_PAGE);
	uint64_t *pte = vm_walk(f->owner->pml4, f->va, 0);
	*pte = ((uint64_t)s << 12) | (*pte & (PTE_RW | PTE_US | PTE_NX)) | PTE_SWAPPED;
	if (f->owner == curproc)
		invlpg(f->va);
	page_outs++;
	return 0;
}

/*
 * A zeroed frame for user page `va` of `p`, registered for replacement;
 * pages another user page out when the budget or RAM is exhausted.
 * Returns its PA, or 0 when there is neither memory nor swap.
 */
uint64_t upage_alloc(struct proc *p, uint64_t va)
{
	if (nused < ulimit) {
		uint64_t pa = kalloc_frame();
		if (pa) {
			uint64_t i = 0;
			while (uframes[i].pa)
				i++;
			uframe_set(i, pa, p, va);
			nused++;
			return pa;
		}
	}
	if (!have_disk || nused == 0)
		return 0;
	uint64_t i = clock_pick();
	if (page_out(i) != 0)
		return 0;
	uint64_t pa = uframes[i].pa;
	memset(P2V(pa), 0, PAGE_SIZE);
	uframe_set(i, pa, p, va);
	return pa;
}

/* Unregister and free a user frame. */
void upage_free(uint64_t pa)
{
	uint16_t i = frame_slot[pa / PAGE_SIZE];
	if (!i)
		panic("swap: freeing unregistered user frame 0x%lx", pa);
	uframes[i - 1].pa = 0;
	frame_slot[pa / PAGE_SIZE] = 0;
	nused--;
	kfree_frame(pa);
}

/* Bring swapped-out page `va` of `p` (PTE *pte) back; 0 or -1. */
int swap_in(struct proc *p, uint64_t va, uint64_t *pte)
{
	uint64_t slot = (*pte & PTE_ADDR_MASK) >> 12;
	uint64_t pa = upage_alloc(p, va);
	if (!pa)
		return -1;
	pte = vm_walk(p->pml4, va, 0); /* page_out may not free tables, but be exact */
	ata_read((uint32_t)slot * SECTORS_PER_PAGE, P2V(pa), SECTORS_PER_PAGE);
	slot_free(slot);
	*pte = pa | (*pte & (PTE_RW | PTE_US | PTE_NX)) | PTE_P;
	page_ins++;
	return 0;
}

/* Release the swap slot held by a swapped-out PTE. */
void swap_drop(uint64_t pte)
{
	slot_free((pte & PTE_ADDR_MASK) >> 12);
}

void swap_report(void)
{
	kprintf("[kernel] swap: %lu page-outs, %lu page-ins\n", page_outs, page_ins);
}
