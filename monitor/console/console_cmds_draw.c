/*
 * monitor/console/console_cmds_draw.c — `draw walk <va> FILE`, `draw tlb
 * FILE`, `draw sequence FILE`: the pictures of monitor/draw/ from the
 * session's live VM and events, written as SVG.
 *
 *   walk      va's walk now: guest entries, shadow entries (current view),
 *             pmap, the TLB entry if there is one
 *   tlb       the TLB, entries changed by the last run command marked
 *   sequence  the last CON_DRAW_EVENTS events as a sequence diagram
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"
#include "monitor/draw/draw.h"

#define CON_DRAW_EVENTS 40

/* The TLB as it was before the run command, for `draw tlb`'s change marks.
 * While stepi shows the buffered phases of an exit or hardware refill that
 * already ran whole, the snapshot from before it is kept: the entry the
 * "tlb_install" phase shows changed then, not at that stepi. */
void con_draw_before_step(struct con_session *s)
{
	char err[160];
	if (s->in_phases && s->tlb_before)
		return;
	if (!s->tlb_before && !(s->tlb_before = malloc(sizeof *s->tlb_before)))
		return;
	if (draw_tlb_from_vm(s->tlb_before, s->vm, err, sizeof err)) {
		free(s->tlb_before);
		s->tlb_before = NULL;
	}
}

void con_draw_events(const struct con_session *s, struct draw_events *t, uint64_t n)
{
	uint64_t have = s->nevents < CON_RING ? s->nevents : CON_RING;
	if (n > have)
		n = have;
	for (uint64_t i = s->nevents - n; i < s->nevents; i++)
		if (draw_events_add_mon(t, &s->ring[i % CON_RING]))
			break;
}

struct draw_job {
	struct con_session *s;
	const struct con_cmd *c;
};

static int write_picture(FILE *f, void *ctx, char *err, size_t errlen)
{
	struct draw_job *j = ctx;
	if (!strcmp(j->c->topic, "walk")) {
		struct draw_walk w;
		draw_walk_from_vm(&w, j->s->vm, j->c->addr);
		draw_walk_svg(f, &w);
		return 0;
	}
	if (!strcmp(j->c->topic, "tlb"))
		return draw_tlb_vm_svg(f, j->s->vm, j->s->tlb_before, err, errlen);
	struct draw_events t = {0};
	con_draw_events(j->s, &t, CON_DRAW_EVENTS);
	int rc = t.n ? draw_sequence_svg(f, &t, 0, 0, err, errlen) : -1;
	if (!t.n)
		snprintf(err, errlen, "no trace events yet");
	draw_events_free(&t);
	return rc;
}

int con_cmd_draw(struct con_session *s, const struct con_cmd *c)
{
	char err[256];
	struct draw_job j = {s, c};
	if (draw_to_file(c->file, write_picture, &j, err, sizeof err))
		return con_error(s, "%s", err);
	fprintf(s->out, "wrote %s (%s)\n", c->file, c->topic);
	return 0;
}
