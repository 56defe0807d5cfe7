/*
 * monitor/vmm/trace.c — trace events: one line each, text or JSON Lines, to a
 * file (see open_trace_file), to the
 * console's event sink, and into a ring of the last MON_RING_MAX events that
 * a clean stop prints.
 *
 * Text:   [      1042] vm0 app:hello  TLB miss VA 0x401000 (read) -> VMM
 * JSONL:  {"icount":1042,"vm":0,"who":"app:hello","cat":"tlb","kind":"tlb_miss",
 *          "text":"TLB miss VA 0x401000 (read) -> VMM","va":"0x401000"}
 * Both carry the same fields; numbers in JSON are hex strings for addresses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/vmm/vm.h"

static const char *const cat_names[] = {
	"insn", "tlb", "shadow", "exit", "irq", "io", "syscall", "fault", "pt", "vm", "disk",
};

const char *mon_trace_cat_name(uint32_t c)
{
	for (unsigned i = 0; i < sizeof cat_names / sizeof cat_names[0]; i++)
		if (c == (1u << i))
			return cat_names[i];
	return "?";
}

void mon_json_str(char *buf, size_t len, size_t *pos, const char *s)
{
	size_t p = *pos;
	if (p + 1 < len)
		buf[p++] = '"';
	for (; *s && p + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[p++] = '\\';
			buf[p++] = (char)c;
		} else if (c < 0x20) {
			p += (size_t)snprintf(buf + p, len - p, "\\u%04x", c);
		} else {
			buf[p++] = (char)c;
		}
	}
	if (p + 1 < len)
		buf[p++] = '"';
	buf[p < len ? p : len - 1] = 0;
	*pos = p;
}

void mon_bufappend(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	if (*pos >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
	if (*pos >= len)
		*pos = len - 1;
}

void mon_event_format(const struct mon_event *ev, enum mon_trace_format fmt, char *buf,
		      size_t len)
{
	if (!len)
		return;
	if (fmt == MON_TRACE_TEXT) {
		snprintf(buf, len, "[%9llu] vm%u %-10s %s", (unsigned long long)ev->icount, ev->vmid,
			 ev->who, ev->text);
		return;
	}
	size_t p = 0;
	mon_bufappend(buf, len, &p, "{\"icount\":%llu,\"vm\":%u,\"who\":", (unsigned long long)ev->icount,
		ev->vmid);
	mon_json_str(buf, len, &p, ev->who);
	mon_bufappend(buf, len, &p, ",\"cat\":\"%s\",\"kind\":", mon_trace_cat_name(ev->cat));
	mon_json_str(buf, len, &p, ev->kind ? ev->kind : "");
	mon_bufappend(buf, len, &p, ",\"text\":");
	mon_json_str(buf, len, &p, ev->text);
	if (ev->has & MON_EV_VA)
		mon_bufappend(buf, len, &p, ",\"va\":\"0x%llx\"", (unsigned long long)ev->va);
	if (ev->has & MON_EV_PA)
		mon_bufappend(buf, len, &p, ",\"pa\":\"0x%llx\"", (unsigned long long)ev->pa);
	if (ev->has & MON_EV_MA)
		mon_bufappend(buf, len, &p, ",\"ma\":\"0x%llx\"", (unsigned long long)ev->ma);
	if (ev->has & MON_EV_SETWAY)
		mon_bufappend(buf, len, &p, ",\"set\":%d,\"way\":%d", ev->set, ev->way);
	if (ev->has & MON_EV_VALUE)
		mon_bufappend(buf, len, &p, ",\"value\":\"0x%llx\"", (unsigned long long)ev->value);
	mon_bufappend(buf, len, &p, "}");
}

void mon_trace_update_mask(struct vm *vm)
{
	struct mon_trace *t = &vm->trace;
	/* The ring (clean-stop reports) always sees the crossings; TLB and shadow
	 * internals only when somebody traces them (they are most of the cost). */
	uint32_t m = MON_CAT_DEFAULT & ~(MON_CAT_TLB | MON_CAT_SHADOW);
	if (t->f)
		m |= t->cats;
	if (t->sink)
		m |= t->sink_cats;
	t->seen_mask = m;
	/* --trace-after, waiting: its event must be emitted to be seen, whatever
	 * categories the file holds (every one but insn, unless insn is the event).
	 * Only the trigger looks at these extra events: the ring and the sink get
	 * what they would get without the wait, so the file's preroll is the same. */
	if (t->f && !t->started)
		m |= MON_CAT_DEFAULT | (strcmp(t->after.kind, "insn") ? 0 : MON_CAT_INSN);
	t->mask = m;
}

void mon_vm_set_event_sink(struct vm *vm, mon_event_fn fn, void *ctx)
{
	vm->trace.sink = fn;
	vm->trace.sink_ctx = ctx;
	vm->trace.sink_cats = MON_CAT_ALL;
	mon_trace_update_mask(vm);
}

void mon_vm_set_sink_cats(struct vm *vm, uint32_t cats)
{
	vm->trace.sink_cats = cats;
	mon_trace_update_mask(vm);
}

bool mon_vm_trace_after_pending(const struct vm *vm)
{
	return vm->trace.f && !vm->trace.started;
}

int mon_vm_trace_finish(struct vm *vm)
{
	return mon_trace_close(vm, true);
}

/* Write one event to the trace file if its category, icount and the limit allow. */
static void write_event(struct mon_trace *t, const struct mon_event *ev)
{
	if (!(t->cats & ev->cat) || ev->icount < t->from || (t->limit && t->written >= t->limit))
		return;
	char line[512];
	mon_event_format(ev, t->fmt, line, sizeof line);
	if (fprintf(t->f, "%s\n", line) < 0)
		t->write_error = true;
	t->written++;
}

/* --trace-after KIND[@app|@kernel]: does this event start the file? */
static bool trigger_matches(const struct vm *vm, struct mon_trace *t, const struct mon_event *ev)
{
	if (!ev->kind || strcmp(ev->kind, t->after.kind))
		return false;
	if (t->after.who[0] && strncmp(vm->who, t->after.who, strlen(t->after.who)))
		return false;
	return ++t->after_seen >= t->after.nth;
}

/* The trigger fired: first write the ring's earlier events of the same instruction. */
static void preroll(struct mon_trace *t, const struct mon_event *trigger, bool in_ring)
{
	unsigned n = t->ring_count;
	/* in_ring: the trigger is the ring's newest entry */
	unsigned last = in_ring && n ? n - 1 : n;
	unsigned first = last;
	struct mon_event ev;
	while (first > 0) {
		mon_trace_ring_copy(t, first - 1, &ev);
		if (ev.icount != trigger->icount)
			break;
		first--;
	}
	for (unsigned i = first; i < last; i++) {
		mon_trace_ring_copy(t, i, &ev);
		write_event(t, &ev);
	}
}

/* An event's all but its text: who (NULL: the VM's runner; who_later: left
 * to the ring), kind, fields. */
static void event_head(const struct vm *vm, struct mon_event *ev, enum mon_cat cat, const char *who,
		       bool who_later, const char *kind, const struct mon_event *fields)
{
	ev->icount = vm->cpu.icount;
	ev->vmid = vm->vmid;
	ev->cat = cat;
	ev->kind = kind;
	if (!who) { /* the runner: a whole NUL-terminated array of the same size */
		_Static_assert(sizeof vm->who == sizeof ev->who, "who sizes");
		memcpy(ev->who, vm->who, sizeof ev->who);
	} else if (!who_later) {
		size_t n = 0; /* (a byte loop: "VMM", "CPU": a call costs more) */
		while (n < sizeof ev->who - 1 && who[n]) {
			ev->who[n] = who[n];
			n++;
		}
		ev->who[n] = 0;
	}
	if (fields) {
		ev->has = fields->has;
		ev->va = fields->va;
		ev->pa = fields->pa;
		ev->ma = fields->ma;
		ev->set = fields->set;
		ev->way = fields->way;
		ev->value = fields->value;
	} else {
		mon_event_fields(ev, 0);
	}
	ev->text[0] = 0;
}

void mon_trace_emit(struct vm *vm, enum mon_cat cat, const char *who, const char *kind,
		    const struct mon_event *fields, const char *fmt, ...)
{
	struct mon_trace *t = &vm->trace;
	bool seen = cat & t->seen_mask; /* else only a waiting --trace-after wants it */
	if (!seen && !(t->f && !t->started))
		return; /* nobody wants it (a caller that skipped MON_TRACING) */
	bool ringed = seen && cat != MON_CAT_INSN;
	/* Its text is made now only if the sink or the file takes it; the ring
	 * alone keeps the format and the arguments (trace_ring.c), and the trigger
	 * of --trace-after looks only at the kind. */
	bool text_now = (t->sink && seen) || (t->f && (t->cats & cat));
	struct mon_event local, *ev = &local;
	va_list ap;
	va_start(ap, fmt);
	if (text_now || !ringed) {
		event_head(vm, ev, cat, who, false, kind, fields);
		if (text_now) {
			vsnprintf(ev->text, sizeof ev->text, fmt, ap);
			t->formatted++;
			if (ringed)
				mon_trace_ring_put(t, ev);
		}
	} else { /* the ring alone: the event is made in its ring entry */
		ev = mon_trace_ring_next(t);
		event_head(vm, ev, cat, who, true, kind, fields);
		mon_trace_ring_put_lazy(t, who, fmt, ap);
	}
	va_end(ap);
	if (t->sink && seen)
		t->sink(t->sink_ctx, ev);
	if (!t->f)
		return;
	if (!t->started) {
		if (!trigger_matches(vm, t, ev))
			return;
		t->started = true;
		mon_trace_update_mask(vm); /* back to what the file and the sink want */
		preroll(t, ev, ringed);
	}
	write_event(t, ev); /* (not text_now: not a category of the file, not written) */
}

/*
 * Open the trace file. A regular file at `file`, or nothing yet, is replaced
 * atomically: the trace is written under a unique temporary name in the same
 * folder (FILE.tmpXXXXXX) and renamed over FILE when the run ends, or removed
 * if it fails. Anything else -- a symlink, a FIFO, a terminal, a device -- is
 * written through and stays what it is (renaming over it would turn a
 * /dev/null into a regular file). A directory is refused.
 */
static int open_trace_file(struct mon_trace *t, const char *file, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(file, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "cannot write trace file %s: it is a directory", file);
			return -1;
		}
		t->f = fopen(file, "w");
		if (!t->f) {
			snprintf(err, errlen, "cannot write trace file %s: %s", file, strerror(errno));
			return -1;
		}
		return 0;
	}
	size_t n = strlen(file) + 16;
	t->tmp_path = malloc(n);
	if (!t->tmp_path) {
		snprintf(err, errlen, "out of host memory");
		return -1;
	}
	snprintf(t->tmp_path, n, "%s.tmpXXXXXX", file);
	int fd = mkstemp(t->tmp_path);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write trace file %s: %s", file, strerror(errno));
		free(t->tmp_path);
		t->tmp_path = NULL;
		return -1;
	}
	mode_t mask = umask(0); /* mkstemp made it 0600: give it the mode fopen would */
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) || !(t->f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "cannot write trace file %s: %s", file, strerror(errno));
		close(fd);
		unlink(t->tmp_path);
		return -1;
	}
	return 0;
}

/* The file's first line: how the trace was made (mon_trace_meta_format). */
static int write_header(struct mon_trace *t, const struct mon_config *cfg, const struct mon_images *img,
			char *err, size_t errlen)
{
	char line[4096];
	if (mon_trace_meta_format(cfg, img, t->fmt, line, sizeof line)) {
		snprintf(err, errlen, "the trace header does not fit in %zu bytes", sizeof line);
		return -1;
	}
	if (fprintf(t->f, "%s\n", line) < 0)
		t->write_error = true;
	return 0;
}

int mon_trace_open(struct vm *vm, const struct mon_config *cfg, const struct mon_images *img, char *err,
		   size_t errlen)
{
	struct mon_trace *t = &vm->trace;
	t->fmt = cfg->trace_format;
	t->cats = cfg->trace_cats;
	t->from = cfg->trace_from;
	t->limit = cfg->trace_limit;
	t->started = true;
	if (cfg->trace_after) {
		if (mon_trace_after_parse(cfg->trace_after, &t->after, err, errlen))
			return -1;
		t->started = false;
	}
	if (cfg->trace_file) {
		t->path = strdup(cfg->trace_file);
		if (!t->path) {
			snprintf(err, errlen, "out of host memory");
			return -1;
		}
		if (open_trace_file(t, cfg->trace_file, err, errlen) || write_header(t, cfg, img, err, errlen))
			return -1;
	}
	mon_trace_update_mask(vm);
	return 0;
}

int mon_trace_close(struct vm *vm, bool keep)
{
	struct mon_trace *t = &vm->trace;
	int rc = 0;
	if (t->f) {
		if (fclose(t->f) || t->write_error)
			rc = -1;
		t->f = NULL;
		if (t->tmp_path && keep && rc == 0) {
			if (rename(t->tmp_path, t->path))
				rc = -1;
		}
		if (t->tmp_path && (!keep || rc))
			unlink(t->tmp_path);
	}
	free(t->path);
	free(t->tmp_path);
	t->path = t->tmp_path = NULL;
	mon_trace_update_mask(vm);
	return rc;
}
