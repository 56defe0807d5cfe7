/*
 * monitor/web/web_api.c — the browser front end's C side: one console
 * session on one VM, driven line by line from JavaScript (monitor/web/app.js)
 * through the functions below (exported by emcc, see w->mk).
 *
 *   web_new(cmdline, color)  boot a VM as `vmlab console --cmdline CMDLINE`
 *                            does (the guest images are files in emscripten's
 *                            file system, at the paths the native defaults
 *                            use); NULL only when out of memory. A VM that
 *                            cannot boot says why in the first web_exec.
 *   web_exec(w, line)        run one console line as batch mode does (echoed
 *                            "(vmlab) LINE", then its output); returns the
 *                            text printed since the last call
 *   web_picture(w, which)    "walk", "tlb" or "sequence": the SVG of now ("" if
 *                            there is nothing to draw yet)
 *   web_icount(w)            guest instructions retired (for the speed note)
 *
 * JavaScript keeps the struct web pointer; no state outside it. Strings
 * returned stay valid until the next call on the same w.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"
#include "monitor/draw/draw.h"

#define WEB_SEQ_EVENTS 40

struct web {
	struct vm *vm;
	struct con_session s;
	FILE *out;          /* open_memstream over buf */
	char *buf;
	size_t len;
	char *result;       /* the last string handed to JavaScript */
};

static const char *hand_over(struct web *w, char *s)
{
	free(w->result);
	w->result = s;
	return s ? s : "";
}

/* What the session printed since the last call, and a fresh buffer. */
static char *take_output(struct web *w)
{
	fflush(w->out);
	char *s = strndup(w->buf ? w->buf : "", w->len);
	rewind(w->out);
	w->len = 0;
	if (w->buf)
		w->buf[0] = 0;
	return s;
}

struct web *web_new(const char *cmdline, int color)
{
	struct web *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	struct mon_config cfg;
	mon_config_defaults(&cfg);
	cfg.quiet = true;
	if (!(w->out = open_memstream(&w->buf, &w->len))) {
		free(w);
		return NULL;
	}
	if (strlen(cmdline) >= sizeof cfg.cmdline) {
		fprintf(w->out, "vmlab: the command line is too long\n");
		return w;
	}
	snprintf(cfg.cmdline, sizeof cfg.cmdline, "%s", cmdline);
	char err[MON_ERR_MAX];
	w->vm = mon_vm_create(&cfg, 0, err, sizeof err);
	if (!w->vm) {
		fprintf(w->out, "vmlab: %s\n", err);
		return w;
	}
	con_session_init(&w->s, w->vm, w->out, color != 0);
	con_session_load_symbols(&w->s, cfg.kernel, cfg.modules, cfg.nmodules);
	return w;
}

const char *web_exec(struct web *w, const char *line)
{
	if (!w->vm)
		return hand_over(w, take_output(w));
	const char *p = line + strspn(line, " \t");
	if (*p && !w->s.quit) {
		fprintf(w->out, "(vmlab) %s\n", p);
		con_exec_line(&w->s, p);
	}
	return hand_over(w, take_output(w));
}

static bool is_miss(const struct draw_event *e)
{
	return (!strcmp(e->kind, "tlb_miss") || !strcmp(e->kind, "true_fault")) && (e->has & DRAW_HAS_VA);
}

/* The VA of the last TLB miss or true fault the session saw, if any. A miss
 * that retries a shadow fill of the same page belongs to the fill's walk:
 * *at is then the miss that began it (the guest walk, the pmap, the fill). */
static bool last_miss(const struct draw_events *t, uint64_t *va, size_t *at)
{
	size_t i = t->n;
	while (i-- > 0 && !is_miss(&t->ev[i]))
		;
	if (i >= t->n)
		return false;
	bool retried = false; /* a retry since the miss before */
	for (size_t j = i; j-- > 0;) {
		if (!is_miss(&t->ev[j])) {
			retried |= !strcmp(t->ev[j].kind, "retry");
			continue;
		}
		if (retried && (t->ev[j].va >> 12) == (t->ev[i].va >> 12))
			i = j;
		break;
	}
	*va = t->ev[i].va;
	*at = i;
	return true;
}

/* The walk of the last miss as far as it has gone: the events since the
 * miss (one more guest entry per stepi), then the live shadow and TLB. */
static int picture_walk(struct web *w, FILE *f, struct draw_events *t)
{
	uint64_t va;
	size_t at;
	if (!last_miss(t, &va, &at))
		return -1;
	struct draw_events since = {t->ev + at, t->n - at, 0};
	struct draw_walk walk, live;
	char err[128];
	if (draw_walk_from_events(&walk, &since, va, err, sizeof err))
		return -1;
	draw_walk_from_vm(&live, w->vm, va);
	if (walk.tlb_ok) { /* the fill is done: the shadow table holds it */
		memcpy(walk.sh_ma, live.sh_ma, sizeof walk.sh_ma);
		memcpy(walk.sh_val, live.sh_val, sizeof walk.sh_val);
		walk.nshadow = live.nshadow;
	}
	draw_walk_svg(f, &walk);
	return 0;
}

const char *web_picture(struct web *w, const char *which)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f || !w->vm)
		return hand_over(w, NULL);
	struct draw_events t = {0};
	con_draw_events(&w->s, &t, CON_RING);
	int rc = -1;
	char err[160];
	if (!strcmp(which, "walk")) {
		rc = picture_walk(w, f, &t);
	} else if (!strcmp(which, "tlb")) {
		rc = draw_tlb_vm_svg(f, w->vm, w->s.tlb_before, err, sizeof err);
	} else if (!strcmp(which, "sequence") && t.n) {
		size_t first = t.n > WEB_SEQ_EVENTS ? t.n - WEB_SEQ_EVENTS : 0;
		rc = draw_sequence_svg(f, &t, first, 0, err, sizeof err);
	}
	draw_events_free(&t);
	fclose(f);
	if (rc) {
		free(buf);
		return hand_over(w, NULL);
	}
	return hand_over(w, buf);
}

double web_icount(struct web *w)
{
	return w->vm ? (double)mon_vm_icount(w->vm) : 0;
}
