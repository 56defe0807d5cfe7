/*
 * guestos/vm.c — page tables and demand paging.
 *
 * The kernel half (PML4[511] -> one PDPT -> one PD) maps guest RAM at
 * KERNEL_BASE: 4 KiB pages over the kernel image (text R-X, rodata R--,
 * the rest RW- NX) and 2 MiB NX pages above it. It is built once and shared
 * by every address space; no entry has US set.
 *
 * User halves (PML4[0..255]) start empty. A user #PF on a page of a
 * program segment, the heap or the stack allocates a frame (swap.c may page
 * another one out for it), fills it and maps it: RW only for writable
 * segments, heap and stack; NX everywhere but executable segments.
 *
 * VA split (4-level paging, 4 KiB pages):
 *   63..48 sign | 47..39 PML4 | 38..30 PDPT | 29..21 PD | 20..12 PT | 11..0 offset
 */
#include "guestos/kernel.h"
#include "guestos/vmlab.h"

#define PT_INDEX(level, va) (((va) >> (12 + 9 * (level))) & 511) /* level 3 = PML4 .. 0 = PT */
#define KIMAGE_PTS 8 /* the kernel image must end below 16 MiB */

extern char _text[], _rodata[], _data[], _kernel_end[];

static uint64_t kpml4[512] __attribute__((aligned(4096)));
static uint64_t kpdpt[512] __attribute__((aligned(4096)));
static uint64_t kpd[512] __attribute__((aligned(4096)));
static uint64_t kpt[KIMAGE_PTS][512] __attribute__((aligned(4096)));

static uint64_t kpage_flags(uint64_t va)
{
	if (va >= (uint64_t)_text && va < (uint64_t)_rodata)
		return PTE_P;                   /* kernel text: read + execute */
	if (va >= (uint64_t)_rodata && va < (uint64_t)_data)
		return PTE_P | PTE_NX;          /* read-only data */
	return PTE_P | PTE_RW | PTE_NX;
}

/* Build the kernel half and switch to it (drops the boot identity map). */
void vm_init(void)
{
	uint64_t ram = PAGE_ROUND_UP(kboot.mem_size);
	if (ram > KMAP_MAX)
		ram = KMAP_MAX;
	uint64_t img_2m = (V2P(_kernel_end) + (1 << 21) - 1) >> 21;
	if (img_2m > KIMAGE_PTS)
		panic("kernel image too large (%lu x 2 MiB)", img_2m);
	for (uint64_t i = 0; i < 512 && (i << 21) < ram; i++) {
		uint64_t pa = i << 21;
		if (i < img_2m) {
			for (int j = 0; j < 512; j++) {
				uint64_t p = pa + ((uint64_t)j << 12);
				kpt[i][j] = p | kpage_flags((uint64_t)P2V(p));
			}
			kpd[i] = V2P(kpt[i]) | PTE_P | PTE_RW;
		} else {
			kpd[i] = pa | PTE_P | PTE_RW | PTE_PS | PTE_NX;
		}
	}
	kpdpt[510] = V2P(kpd) | PTE_P | PTE_RW;
	kpml4[511] = V2P(kpdpt) | PTE_P | PTE_RW;
	lcr3(V2P(kpml4));
}

uint64_t vm_kernel_cr3(void)
{
	return V2P(kpml4);
}

/* A new user PML4 (kernel VA) whose kernel half is the shared one; NULL if OOM. */
uint64_t *vm_new_user(void)
{
	uint64_t pa = kalloc_frame();
	if (!pa)
		return NULL;
	uint64_t *pml4 = P2V(pa);
	pml4[511] = kpml4[511];
	return pml4;
}

/*
 * The level-0 PTE for user `va` in `pml4` (kernel VA of the entry), or NULL
 * when a table on the way is missing and `create` is 0 or memory is out.
 * New intermediate tables are P|RW|US: the leaf decides the permissions.
 */
uint64_t *vm_walk(uint64_t *pml4, uint64_t va, int create)
{
	uint64_t *table = pml4;
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &table[PT_INDEX(level, va)];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			uint64_t pa = kalloc_frame();
			if (!pa)
				return NULL;
			*e = pa | PTE_P | PTE_RW | PTE_US;
		}
		table = P2V(*e & PTE_ADDR_MASK);
	}
	return &table[PT_INDEX(0, va)];
}

static void free_level(uint64_t *table, int level)
{
	int top = level == 3 ? 256 : 512;
	for (int i = 0; i < top; i++) {
		uint64_t e = table[i];
		if (level == 0) {
			if (e & PTE_P)
				upage_free(e & PTE_ADDR_MASK);
			else if (e & PTE_SWAPPED)
				swap_drop(e);
		} else if (e & PTE_P) {
			free_level(P2V(e & PTE_ADDR_MASK), level - 1);
			kfree_frame(e & PTE_ADDR_MASK);
		}
	}
}

/* Free the user half of `pml4` (pages, swap slots, tables) and pml4 itself.
 * The caller must not be running on it (CR3). */
void vm_free_user(uint64_t *pml4)
{
	free_level(pml4, 3);
	kfree_frame(V2P(pml4));
}

/* Unmap user pages in [start, end) (page-aligned), freeing frames and slots. */
void vm_unmap_range(struct proc *p, uint64_t start, uint64_t end)
{
	pv_batch_begin(); /* vmlab --paravirt: one hypercall for the whole range */
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t *pte = vm_walk(p->pml4, va, 0);
		if (!pte)
			continue;
		if (*pte & PTE_P) {
			upage_free(*pte & PTE_ADDR_MASK);
			pv_pte_set(pte, 0, p == curproc ? va : 0);
		} else if (*pte & PTE_SWAPPED) {
			swap_drop(*pte);
			pv_pte_set(pte, 0, 0);
		}
	}
	pv_batch_end();
}

/* Copy the file-backed bytes of every segment that overlaps page `va`. */
static void fill_from_program(struct proc *p, uint64_t va, uint8_t *frame)
{
	for (int i = 0; i < p->nregions; i++) {
		const struct region *r = &p->regions[i];
		uint64_t lo = r->vaddr > va ? r->vaddr : va;
		uint64_t hi = r->vaddr + r->filesz;
		if (hi > va + PAGE_SIZE)
			hi = va + PAGE_SIZE;
		if (lo < hi)
			memcpy(frame + (lo - va), p->prog->data + r->offset + (lo - r->vaddr), hi - lo);
	}
}

/* PTE permission bits for a fresh user page at `va`, or 0 if `va` is in no
 * region (program segment, heap, stack). */
static uint64_t page_flags(struct proc *p, uint64_t va, int *from_file)
{
	uint64_t flags = 0;
	int w = 0, x = 0;
	*from_file = 0;
	for (int i = 0; i < p->nregions; i++) {
		const struct region *r = &p->regions[i];
		if (va >= r->start && va < r->end) {
			flags = PTE_P | PTE_US;
			w |= r->writable;
			x |= r->executable;
			*from_file = 1;
		}
	}
	if (!flags && ((va >= p->heap_start && va < PAGE_ROUND_UP(p->brk)) ||
		       (va >= USER_STACK_TOP - USER_STACK_MAX && va < USER_STACK_TOP))) {
		flags = PTE_P | PTE_US;
		w = 1;
	}
	if (!flags)
		return 0;
	return flags | (w ? PTE_RW : 0) | (x ? 0 : PTE_NX);
}

/*
 * Resolve a user page fault at `va` for `p` (the running process or not).
 * Returns 0 when the page is now mapped with the needed access, -1 when
 * the access is illegal (*why says why) or memory and swap are exhausted.
 */
int vm_fault(struct proc *p, uint64_t va, int write, const char **why)
{
	if (va >= USER_TOP) {
		*why = "kernel address";
		return -1;
	}
	if (va < USER_MIN) {
		*why = "unmapped address";
		return -1;
	}
	/* LAB-HOLE-BEGIN demand-paging stub: (void)p; (void)write; (void)why; (void)page_flags; (void)fill_from_program; panic("not implemented: vm_fault"); */
	uint64_t page = PAGE_ROUND_DOWN(va);
	uint64_t *pte = vm_walk(p->pml4, page, 0);
	if (pte && (*pte & (PTE_P | PTE_SWAPPED))) {
		if (write && !(*pte & PTE_RW)) {
			*why = "read-only page";
			return -1;
		}
		if (*pte & PTE_P)
			return 0; /* already there (another access raced it in) */
		if (swap_in(p, page, pte) == 0)
			return 0;
		*why = "page that could not be swapped in";
		return -1;
	}
	int from_file;
	uint64_t flags = page_flags(p, page, &from_file);
	if (!flags) {
		*why = "unmapped address";
		return -1;
	}
	if (write && !(flags & PTE_RW)) {
		*why = "read-only page";
		return -1;
	}
	uint64_t pa = upage_alloc(p, page);
	if (!pa) {
		*why = "page (out of memory)";
		return -1;
	}
	if (from_file)
		fill_from_program(p, page, P2V(pa));
	pte = vm_walk(p->pml4, page, 1);
	if (!pte) {
		upage_free(pa);
		*why = "page (out of memory for page tables)";
		return -1;
	}
	pv_pte_set(pte, pa | flags, 0); /* a plain store unless vmlab --paravirt */
	return 0;
	/* LAB-HOLE-END demand-paging */
}

/* Make user page `va` present (and writable if `write`) and return its
 * kernel VA, or NULL if the access is illegal. Marks it accessed (and dirty). */
static uint8_t *user_page(struct proc *p, uint64_t va, int write)
{
	uint64_t *pte = vm_walk(p->pml4, va, 0);
	if (!pte || !(*pte & PTE_P) || (write && !(*pte & PTE_RW))) {
		const char *why;
		if (vm_fault(p, va, write, &why) != 0)
			return NULL;
		pte = vm_walk(p->pml4, va, 0);
	}
	*pte |= PTE_A | (write ? PTE_D : 0);
	return (uint8_t *)P2V(*pte & PTE_ADDR_MASK) + (va & (PAGE_SIZE - 1));
}

static int user_range_ok(uint64_t va, uint64_t n)
{
	return va >= USER_MIN && va <= USER_TOP && n <= USER_TOP - va;
}

/* Copy n bytes from user `src` of `p` into kernel `dst`; 0 or -1. */
int vm_copyin(struct proc *p, void *dst, uint64_t src, uint64_t n)
{
	if (!user_range_ok(src, n))
		return -1;
	uint8_t *d = dst;
	while (n > 0) {
		uint64_t chunk = PAGE_SIZE - (src & (PAGE_SIZE - 1));
		if (chunk > n)
			chunk = n;
		uint8_t *s = user_page(p, src, 0);
		if (!s)
			return -1;
		memcpy(d, s, chunk);
		d += chunk, src += chunk, n -= chunk;
	}
	return 0;
}

/* Copy n bytes from kernel `src` to user `dst` of `p`; 0 or -1. */
int vm_copyout(struct proc *p, uint64_t dst, const void *src, uint64_t n)
{
	if (!user_range_ok(dst, n))
		return -1;
	const uint8_t *s = src;
	while (n > 0) {
		uint64_t chunk = PAGE_SIZE - (dst & (PAGE_SIZE - 1));
		if (chunk > n)
			chunk = n;
		uint8_t *d = user_page(p, dst, 1);
		if (!d)
			return -1;
		memcpy(d, s, chunk);
		dst += chunk, s += chunk, n -= chunk;
	}
	return 0;
}

/* Copy a NUL-terminated user string of at most max-1 bytes; its length or -1. */
int vm_copyinstr(struct proc *p, char *dst, uint64_t src, uint64_t max)
{
	for (uint64_t i = 0; i < max; i++) {
		if (vm_copyin(p, &dst[i], src + i, 1) != 0)
			return -1;
		if (!dst[i])
			return (int)i;
	}
	dst[max - 1] = '\0';
	return -1;
}
