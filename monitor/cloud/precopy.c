/*
 * monitor/cloud/precopy.c — what a live migration by iterative pre-copy costs.
 *
 * Round 0 sends all of the VM's memory while it runs; every later round sends
 * what the VM dirtied during the round before; when the dirty set is small
 * enough (or the round limit is reached) the VM is paused and the rest is
 * sent: the downtime. A VM that dirties memory as fast as the link sends it
 * never converges, which is why pre-copy needs a round limit.
 *
 * SIMPLIFICATION: the VM dirties memory at a constant rate and never more
 * than its whole memory in a round (real working sets are hotter in some
 * pages than others, so real dirty sets shrink faster at first).
 */
#include "monitor/cloud/place.h"

/* Milliseconds to send mib over the link, rounded up. */
static uint64_t send_ms(const struct precopy_model *m, uint64_t mib)
{
	return (mib * 1000 + m->link_mibs - 1) / m->link_mibs;
}

void precopy_estimate(const struct precopy_model *m, uint64_t mem_mib, uint64_t dirty_mibs,
		      struct precopy_estimate *e)
{
	uint64_t to_send = mem_mib;
	e->rounds = 0;
	e->sent_mib = 0;
	e->converged = false;
	while (e->rounds < m->max_rounds) {
		uint64_t ms = send_ms(m, to_send);
		e->sent_mib += to_send;
		e->rounds++;
		uint64_t dirtied = (dirty_mibs * ms + 999) / 1000;
		to_send = dirtied < mem_mib ? dirtied : mem_mib;
		if (to_send <= m->stop_mib) {
			e->converged = true;
			break;
		}
	}
	/* stop-and-copy: the VM is paused while the last dirty set goes over */
	e->sent_mib += to_send;
	e->downtime_ms = send_ms(m, to_send);
}
