/*
 * guestos/balloon.c — the balloon driver (--paravirt): when the monitor
 * says it wants memory back (the CR3 hypercall returns > 0, see paravirt.c),
 * ask how many pages, take that many free frames from the kernel's allocator
 * and hand each to the monitor, which drops its machine frame. The kernel
 * never uses them again (the balloon only inflates), so its own pager, which
 * knows what the programs use, decides what else leaves memory.
 *
 * Placed in section .text_last (after all other kernel code, kernel.ld) and
 * without static data, so adding it moved no other kernel address.
 */
#include "guestos/kernel.h"
#include "guestos/vmlab.h"

#define BALLOON_RESERVE 96  /* free frames kept when giving frames back */
#define BALLOON_PT_ROOM 32   /* of those, for page tables and stacks (guestos cannot reclaim them) */
#define BALLOON_MIN_USER 16  /* the user-page budget never goes below this */

__attribute__((section(".text_last"))) static int64_t balloon_call(uint64_t op, uint64_t arg)
{
	int64_t r;
	__asm__ volatile("vmcall" : "=a"(r) : "a"((uint64_t)VMLAB_HC_BALLOON), "D"(op), "S"(arg) : "memory");
	return r;
}

/*
 * Free frames first (nobody uses them); what they cannot cover comes out of
 * the user-page budget (swap.c's ulimit), which also must fit in what stays
 * free: the kernel's own pager, which knows which pages the programs use,
 * then keeps fewer of them and swaps the rest itself.
 */
__attribute__((section(".text_last"))) void pv_balloon_inflate(void)
{
	int64_t want = balloon_call(0, 0);
	while (want > 0 && kalloc_free_count() > BALLOON_RESERVE) {
		uint64_t pa = kalloc_frame();
		if (!pa || balloon_call(1, pa) < 0)
			return;
		want--;
	}
	if (want <= 0)
		return;
	uint64_t room = kalloc_free_count() - BALLOON_PT_ROOM, limit = ulimit;
	limit = limit > (uint64_t)want + BALLOON_MIN_USER ? limit - (uint64_t)want : BALLOON_MIN_USER;
	if (limit > room)
		limit = room > BALLOON_MIN_USER ? room : BALLOON_MIN_USER;
	if (limit < ulimit) {
		balloon_call(2, ulimit - limit);
		ulimit = limit;
	}
}
