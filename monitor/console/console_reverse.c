/*
 * monitor/console/console_reverse.c — reverse execution in the console:
 * reverse-stepi [n], reverse-step [n], reverse-continue, reverse-until EVENT.
 *
 * The run is deterministic, so going back is going forward again from an
 * earlier point. Every `every` instructions (and at the start) the console
 * keeps a checkpoint: the VM (mon_vm_save) and what the console shows (its
 * trace-event ring and counters), in a snapshot ring with a memory budget
 * (monitor/reverse/snapring.c thins old ones out). Going back N of some
 * motion (a stepi, a step, a `continue` stop, an `until` stop):
 *   1. scan: restore the latest checkpoint before the current point, repeat
 *      the motion silently up to the current point, and remember the last N
 *      points it stopped at; if fewer than N, the checkpoint before that
 *      covers the rest, and so on back to the start;
 *   2. go: restore that checkpoint again and repeat the motion as many times
 *      as it took to reach the target, silently but for the last, whose
 *      output is printed: the console shows exactly what the same forward
 *      command showed when it arrived there (regs, trace, tlb agree too).
 * stepi and step scans first run at full speed to a few instructions before
 * the window's end (every motion moves at most one instruction).
 * A point inside the phases of an exit is ordered by the trace events shown
 * (struct rev_pos), so going back works at any phase of a round trip.
 * SIMPLIFICATION: a point is reached as `stepi` reaches it: after going back
 * into an exit that `until` entered mid-way, phases are numbered from the
 * exit's first event, as stepi numbers them.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"
#include "monitor/gdb/gdb.h"

/* A checkpoint: the VM's state and the console's view of it. */
struct ckpt {
	uint8_t *vm;
	size_t vmlen;
	uint64_t nevents;
	size_t serial_eol_at;
	unsigned nring;            /* events kept: the last nring of nevents */
	struct mon_event ring[];   /* oldest first */
};

static void ckpt_free(void *p)
{
	struct ckpt *c = p;
	if (c)
		free(c->vm);
	free(c);
}

/* Where the session is on the run's timeline (reverse.h: struct rev_pos). */
static struct rev_pos here(struct con_session *s)
{
	struct mon_miss m;
	bool miss = mon_vm_miss(s->vm, &m);
	return (struct rev_pos){mon_vm_icount(s->vm), s->in_phases ? s->phase_cur + 1 : s->nevents,
				miss ? m.step : UINT64_MAX};
}

/* Is the session between two instructions, showing no exit? (checkpoints go there) */
static bool clean(struct con_session *s)
{
	struct mon_miss m;
	return !s->in_phases && !mon_vm_miss(s->vm, &m);
}

static int checkpoint(struct con_session *s, char *err, size_t errlen)
{
	unsigned n = s->nevents < CON_RING ? (unsigned)s->nevents : CON_RING;
	struct ckpt *c = malloc(sizeof *c + n * sizeof c->ring[0]);
	if (!c) {
		snprintf(err, errlen, "out of memory for a checkpoint");
		return -1;
	}
	c->vm = mon_vm_save(s->vm, &c->vmlen, err, errlen);
	if (!c->vm) {
		free(c);
		return -1;
	}
	c->nevents = s->nevents;
	c->serial_eol_at = s->serial_eol_at;
	c->nring = n;
	for (unsigned i = 0; i < n; i++)
		c->ring[i] = s->ring[(s->nevents - n + i) % CON_RING];
	if (rev_ring_add(&s->rev.ring, here(s), c, sizeof *c + n * sizeof c->ring[0] + c->vmlen)) {
		snprintf(err, errlen, "out of memory for a checkpoint");
		return -1;
	}
	s->rev.taken++;
	return 0;
}

static int restore(struct con_session *s, long k)
{
	const struct ckpt *c = s->rev.ring.v[k].data;
	char err[MON_ERR_MAX];
	if (mon_vm_restore(s->vm, c->vm, c->vmlen, err, sizeof err))
		return con_error(s, "cannot go back: %s", err);
	s->nevents = c->nevents;
	s->serial_eol_at = c->serial_eol_at;
	for (unsigned i = 0; i < c->nring; i++)
		s->ring[(c->nevents - c->nring + i) % CON_RING] = c->ring[i];
	s->in_phases = false;
	s->miss_phase_no = 0;
	mon_vm_set_miss_phases(s->vm, false);
	return 0;
}

int con_reverse_init(struct con_session *s, uint64_t every, size_t budget, char *err, size_t errlen)
{
	rev_ring_init(&s->rev.ring, budget, ckpt_free);
	s->rev.every = every;
	s->rev.next_at = every ? (mon_vm_icount(s->vm) / every + 1) * every : UINT64_MAX;
	if (checkpoint(s, err, errlen))
		return -1;
	s->rev.null = fopen("/dev/null", "w");
	if (!s->rev.null) {
		snprintf(err, errlen, "cannot open /dev/null");
		return -1;
	}
	return 0;
}

void con_reverse_free(struct con_session *s)
{
	rev_ring_free(&s->rev.ring);
	if (s->rev.null)
		fclose(s->rev.null);
	s->rev.null = NULL;
}

void con_reverse_poll(struct con_session *s)
{
	if (!s->rev.null || s->rev.replaying || !s->rev.every)
		return;
	uint64_t now = mon_vm_icount(s->vm);
	if (now >= s->rev.next_at && clean(s) && mon_vm_stop(s->vm)->reason == MON_STOP_NONE) {
		char err[MON_ERR_MAX];
		if (checkpoint(s, err, sizeof err))
			con_error(s, "%s (reverse execution goes back from older checkpoints)", err);
		s->rev.next_at = (now / s->rev.every + 1) * s->rev.every;
	}
	mon_vm_pause_at(s->vm, s->rev.next_at);
}

void con_reverse_print(struct con_session *s)
{
	const struct rev_ring *r = &s->rev.ring;
	fprintf(s->out, "reverse: %zu checkpoint%s kept (%zu KiB, budget %zu KiB), %llu taken, %llu thinned out\n",
		r->n, r->n == 1 ? "" : "s", r->bytes >> 10, r->budget >> 10, (unsigned long long)s->rev.taken,
		(unsigned long long)r->thinned);
}

/* ---- re-execution ---- */

/* The motion whose stops are counted going back: the console's stepi, step,
 * until and continue, gdb's stepi (MO_INSN) and continue (MO_PAUSE). */
enum motion { MO_STEPI, MO_STEP, MO_UNTIL, MO_BREAK, MO_INSN, MO_PAUSE };

/* Output on (to the console) or off (re-executing silently). */
static void quiet(struct con_session *s, FILE *saved_out, bool on)
{
	s->out = on ? s->rev.null : saved_out;
	mon_vm_set_serial_echo(s->vm, s->out);
}

/* Run to the first instruction boundary at or after icount `to`, at full speed. */
static void fast_forward(struct con_session *s, uint64_t to)
{
	mon_vm_set_miss_phases(s->vm, false);
	mon_vm_pause_at(s->vm, to);
	while (mon_vm_icount(s->vm) < to && mon_vm_step(s->vm, MON_STEP_RUN) == MON_RUNNING)
		;
	mon_vm_pause_at(s->vm, UINT64_MAX);
}

static bool past(void *ctx)
{
	const struct con_session *s = ctx;
	return mon_vm_icount(s->vm) >= s->rev.bound;
}

/* gdb's continue, ended at icount bound at the latest: true if it paused at a
 * breakpoint or watchpoint. */
static bool gdb_continue(struct con_session *s, uint64_t bound)
{
	s->rev.bound = bound;
	mon_vm_pause_at(s->vm, bound);
	bool cut = gdb_run(s->vm, NULL, past, s);
	mon_vm_pause_at(s->vm, UINT64_MAX);
	enum mon_pause_reason r = mon_vm_pause(s->vm)->reason;
	return !cut && mon_vm_stop(s->vm)->reason == MON_STOP_NONE && (r == MON_PAUSE_BREAK || r == MON_PAUSE_WATCH);
}

/* One motion forward (its output goes wherever s->out is): true if where it
 * stopped counts as a stop of the motion (continue: a breakpoint's). */
static bool move(struct con_session *s, enum motion mo, enum con_until what, uint64_t bound)
{
	uint64_t now = mon_vm_icount(s->vm);
	struct con_goal g = {0};
	struct con_cmd c = {.id = CON_STEPI};
	switch (mo) {
	case MO_STEPI:
		con_cmd_run(s, &c);
		return true;
	case MO_INSN:
		gdb_step_insn(s->vm, NULL);
		return true;
	case MO_PAUSE:
		return gdb_continue(s, bound);
	case MO_STEP:
		g.insns = 1;
		g.print_events = true;
		break;
	case MO_UNTIL:
		g.until = true;
		g.what = what;
		g.insns = bound > now ? bound - now : 1;
		break;
	case MO_BREAK:
		g.insns = bound > now ? bound - now : 1;
		break;
	}
	con_run(s, &g);
	return mo != MO_BREAK || s->last_bp_id;
}

/* A point a motion stopped at, and how many motions from the window's start reached it. */
struct stop {
	struct rev_pos pos;
	uint64_t moves;
};

/* One window: from checkpoint k (fast-forwarded to icount ff, 0: not), every
 * stop before `end` (at `end` too if inclusive). */
struct window {
	long k;
	uint64_t ff;
	struct rev_pos end;
	bool inclusive;
};

/* Restore the window's start (and fast-forward). 0 or -1. */
static int window_start(struct con_session *s, const struct window *w)
{
	if (restore(s, w->k))
		return -1;
	if (w->ff)
		fast_forward(s, w->ff);
	return 0;
}

/*
 * Scan window w with motion mo: keep the last `need` stops in last[] (a
 * circular buffer, index moves % need). Returns the number of stops found,
 * or -1 on error.
 */
static long scan(struct con_session *s, const struct window *w, enum motion mo, enum con_until what,
		 struct stop *last, size_t need)
{
	if (window_start(s, w))
		return -1;
	uint64_t found = 0, moves = 0;
	struct rev_pos prev = here(s);
	for (;;) {
		bool counts = move(s, mo, what, w->end.icount + 1);
		moves++;
		struct rev_pos p = here(s);
		int c = rev_pos_cmp(p, w->end);
		if (rev_pos_cmp(p, prev) <= 0 || c > 0 || (c == 0 && !w->inclusive))
			break;  /* stuck (the VM stopped), or past the end */
		if (counts)
			last[found++ % need] = (struct stop){p, moves};
		prev = p;
		if (c == 0)
			break;
	}
	return (long)found;
}

/* Go to the stop reached by `moves` motions from window w's start, printing the last. */
static int go(struct con_session *s, const struct window *w, enum motion mo, enum con_until what,
	      uint64_t moves, FILE *out)
{
	if (window_start(s, w))
		return -1;
	for (uint64_t i = 0; i < moves; i++) {
		if (i + 1 == moves) {
			/* leaving the exit shown before is not part of arriving: silently */
			if (mo != MO_STEPI) {
				con_phase_flush(s);
				con_miss_flush(s);
			}
			/* the console's lines, not the guest's serial output again (it would
			 * depend on where the window starts) */
			s->out = out;
		}
		move(s, mo, what, w->end.icount + 1);
	}
	return 0;
}

/* Where scans of `need` stepi/step motions may start: a few instructions
 * before the end (each motion moves at most one instruction), not before k. */
static uint64_t ff_point(const struct con_session *s, const struct window *w, enum motion mo, size_t need)
{
	if (mo != MO_STEPI && mo != MO_STEP && mo != MO_INSN)
		return 0;
	uint64_t start = s->rev.ring.v[w->k].pos.icount, margin = (uint64_t)need + 2;
	uint64_t to = w->end.icount > margin ? w->end.icount - margin : 0;
	return to > start ? to : 0;
}

/* Back to the first checkpoint, the start of the recorded history. */
static int to_start(struct con_session *s, FILE *out)
{
	int rc = restore(s, 0);
	s->rev.at_start = true;
	quiet(s, out, false);
	if (!rc) {
		fprintf(s->out, "(the start of the recorded history)\n");
		con_print_where(s);
	}
	return rc;
}

/*
 * Go back `need` stops of motion mo from the current point. Returns 0 (the
 * console shows the target as the motion showed it going forward, or the
 * start of the recorded history), or -1.
 */
static int go_back(struct con_session *s, enum motion mo, enum con_until what, size_t need, FILE *out)
{
	struct window w = {.end = here(s)};
	w.k = rev_ring_before(&s->rev.ring, w.end);
	if (w.k < 0) {
		quiet(s, out, false);
		return con_error(s, "already at the start of the recorded history (icount %llu)",
				 (unsigned long long)mon_vm_icount(s->vm));
	}
	struct stop *last = calloc(need, sizeof *last);
	if (!last) {
		quiet(s, out, false);
		return con_error(s, "out of memory");
	}
	int rc = 0;
	for (;;) {
		w.ff = ff_point(s, &w, mo, need);
		long got = scan(s, &w, mo, what, last, need);
		if (got >= 0 && (size_t)got < need && w.ff) {
			w.ff = 0; /* fewer stops than instructions: scan the whole window */
			got = scan(s, &w, mo, what, last, need);
		}
		if (got < 0) {
			rc = -1;
			break;
		}
		if ((size_t)got >= need) {
			rc = go(s, &w, mo, what, last[(size_t)(got - need) % need].moves, out);
			break;
		}
		need -= (size_t)got;
		if (w.k == 0) {
			rc = to_start(s, out);
			break;
		}
		w.end = s->rev.ring.v[w.k].pos;
		w.inclusive = true;
		w.k--;
	}
	free(last);
	return rc;
}

static bool any_breakpoint(const struct con_session *s)
{
	for (int i = 0; i < CON_MAX_BPS; i++)
		if (s->bp[i].used)
			return true;
	return false;
}

/* Go back need stops of motion mo, printing the arrival to out. 0 or -1. */
static int reverse(struct con_session *s, enum motion mo, enum con_until until, size_t need, FILE *out)
{
	/* going back must not change the breakpoints (hits, tbreaks) or the error count */
	struct con_bp *bps = malloc(sizeof s->bp);
	if (!bps)
		return con_error(s, "out of memory");
	memcpy(bps, s->bp, sizeof s->bp);
	unsigned errors = s->errors;
	FILE *saved = s->out;
	s->rev.replaying = true;
	s->rev.at_start = false;
	quiet(s, saved, true);
	int rc;
	if (mo == MO_BREAK && !any_breakpoint(s)) /* nothing to stop at: the start */
		rc = to_start(s, out);
	else
		rc = go_back(s, mo, until, need, out);
	quiet(s, saved, false);
	s->rev.replaying = false;
	memcpy(s->bp, bps, sizeof s->bp);
	free(bps);
	if (rc == 0)
		s->errors = errors;
	/* the future is re-recorded as the guest runs forward again */
	rev_ring_drop_after(&s->rev.ring, here(s));
	if (s->rev.every)
		s->rev.next_at = (mon_vm_icount(s->vm) / s->rev.every + 1) * s->rev.every;
	return rc;
}

int con_cmd_reverse(struct con_session *s, const struct con_cmd *c)
{
	if (!s->rev.null)
		return con_error(s, "reverse execution is off in this session");
	enum motion mo = c->id == CON_REVERSE_STEPI  ? MO_STEPI
			 : c->id == CON_REVERSE_STEP  ? MO_STEP
			 : c->id == CON_REVERSE_UNTIL ? MO_UNTIL
						      : MO_BREAK;
	return reverse(s, mo, c->until, c->has_n ? (size_t)c->n : 1, s->out);
}

int con_reverse_gdb(struct con_session *s, bool cont)
{
	if (!s->rev.null)
		return -1;
	if (rev_ring_before(&s->rev.ring, here(s)) < 0)
		return 1; /* already at the start */
	unsigned errors = s->errors;
	int rc = reverse(s, cont ? MO_PAUSE : MO_INSN, CON_UNTIL_TLB_MISS, 1, s->rev.null);
	s->errors = errors;
	return rc < 0 ? -1 : s->rev.at_start;
}
