/*
 * monitor/tools/run_multi.c — `vmlab run --vm SPEC --vm SPEC ...`: several
 * VMs on one host, the real CPU shared in slices weighted by share
 * (monitor/vmm/sched.h), until every VM has stopped.
 *
 * stdout: each VM's serial output, line by line, each line prefixed by the
 * VM's name ("a| "); whole lines only, so VMs' lines never mix (a last line
 * without a newline gets one at the end). serial=FILE: that VM's bytes, as
 * they are, in FILE instead. stderr: one stop line per VM (with its last
 * trace events unless it halted), then the host summary with the per-VM table.
 * --trace FILE: one trace of every VM in the order the host ran them (each
 * line names its vm<id>); trace=FILE in a spec: that VM's own. --stats-json
 * FILE: the host summary as one JSON object, each VM's summary in it.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/tools/multivm.h"

/* One VM's serial output on stdout, a line at a time behind its name. */
struct serial_lines {
	const char *name;
	char *buf;
	size_t len, cap;
	bool failed;               /* out of memory: the rest is dropped (said at the end) */
};

static void put_line(struct serial_lines *s)
{
	printf("%s| %.*s\n", s->name, (int)s->len, s->buf);
	fflush(stdout);
	s->len = 0;
}

static void serial_to_lines(void *ctx, const char *text, size_t len)
{
	struct serial_lines *s = ctx;
	for (size_t i = 0; i < len && !s->failed; i++) {
		if (text[i] == '\n') {
			put_line(s);
			continue;
		}
		if (s->len == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 256;
			char *b = realloc(s->buf, cap);
			if (!b) {
				s->failed = true;
				break;
			}
			s->buf = b, s->cap = cap;
		}
		s->buf[s->len++] = text[i];
	}
}

static void serial_to_file(void *ctx, const char *text, size_t len)
{
	struct mon_outfile *o = ctx;
	if (fwrite(text, 1, len, o->f) != len)
		o->write_error = true;
}

/* Monitor messages (--strict-x86 explanations): on stderr behind the VM's name. */
static void message_line(void *ctx, const char *text, size_t len)
{
	fprintf(stderr, "%s| %.*s", (const char *)ctx, (int)len, text);
}

/* --trace FILE with --vm: every VM's events into one file. */
struct shared_trace {
	struct mon_outfile out;
	enum mon_trace_format fmt;
	uint64_t from, limit, written;
};

static void trace_event(void *ctx, const struct mon_event *ev)
{
	struct shared_trace *t = ctx;
	if (ev->icount < t->from || (t->limit && t->written >= t->limit))
		return;
	char line[1024];
	mon_event_format(ev, t->fmt, line, sizeof line);
	if (fprintf(t->out.f, "%s\n", line) < 0)
		t->out.write_error = true;
	t->written++;
}

/* Everything the run holds, freed by finish(). */
struct multi {
	struct tool_multi_host h;
	struct serial_lines lines[MON_HOST_VMS_MAX];
	struct mon_outfile serial[MON_HOST_VMS_MAX];
	struct shared_trace trace;
	struct mon_outfile stats_json; /* --stats-json FILE: the host's summary as JSON */
	unsigned n;
};

/* The shared trace's first line: how it was made (mon_host_trace_meta_format). */
static int write_trace_header(struct multi *m, const struct tool_vmspec *v, const struct tool_multi_opts *o,
			      char *err, size_t errlen)
{
	unsigned shares[MON_HOST_VMS_MAX] = {0};
	for (unsigned i = 0; i < m->n; i++)
		shares[mon_vm_id(m->h.vm[i])] = v[i].share;
	char run[128], line[8192];
	snprintf(run, sizeof run, "--vm-slice %llu%s", (unsigned long long)o->slice,
		 o->flush_on_switch ? " --tlb-flush-on-vm-switch" : "");
	if (mon_host_trace_meta_format(m->h.host, run, shares, m->trace.fmt, line, sizeof line)) {
		snprintf(err, errlen, "the trace header does not fit in %zu bytes", sizeof line);
		return -1;
	}
	if (fprintf(m->trace.out.f, "%s\n", line) < 0)
		m->trace.out.write_error = true;
	return 0;
}

/* Close files (kept only after a whole run) and free everything. Returns 0, or 1 if a file failed. */
static int finish(struct multi *m, const struct tool_vmspec *v, bool keep)
{
	int bad = 0;
	for (unsigned i = 0; i < m->n; i++) {
		if (i < m->h.n && mon_vm_trace_finish(m->h.vm[i]) && keep) {
			fprintf(stderr, "vmlab run: cannot write trace file %s\n", v[i].cfg.trace_file);
			bad = 1;
		}
		if (m->serial[i].f) {
			if (ferror(m->serial[i].f))
				m->serial[i].write_error = true;
			if (mon_outfile_close(&m->serial[i], keep) && keep) {
				fprintf(stderr, "vmlab run: cannot write serial file %s\n", v[i].serial);
				bad = 1;
			}
		}
	}
	if (m->trace.out.f && mon_outfile_close(&m->trace.out, keep) && keep) {
		fprintf(stderr, "vmlab run: cannot write trace file %s\n", v[0].cfg.trace_file);
		bad = 1;
	}
	if (m->stats_json.f) {
		char *path = keep ? strdup(m->stats_json.path) : NULL;
		if (keep && ferror(m->stats_json.f))
			m->stats_json.write_error = true;
		if (mon_outfile_close(&m->stats_json, keep) && keep) {
			fprintf(stderr, "vmlab run: cannot write --stats-json file %s\n", path ? path : "");
			bad = 1;
		}
		free(path);
	}
	tool_multi_host_destroy(&m->h);
	for (unsigned i = 0; i < m->n; i++)
		free(m->lines[i].buf);
	return bad;
}

/* Open the output files, the host and the VMs. 0, or the exit status (message
 * printed): 2 for an output path that cannot be written (checked before anything
 * is created, the VMs' own trace files too), 1 when the host or a VM cannot be made. */
static int start(struct multi *m, const struct mon_config *base, struct tool_vmspec *v, unsigned n,
		 const struct tool_multi_opts *o)
{
	char err[MON_ERR_MAX];
	m->n = n;
	for (unsigned i = 0; i < n; i++) {
		const char *own = v[i].cfg.trace_file;
		if (own && own != base->trace_file && mon_outfile_check(own, "trace file", err, sizeof err)) {
			fprintf(stderr, "vmlab run: %s\n", err);
			return 2;
		}
	}
	if (base->trace_file) {
		if (mon_outfile_open(&m->trace.out, base->trace_file, "trace file", 0, err, sizeof err))
			goto bad_path;
		m->trace.fmt = base->trace_format;
		m->trace.from = base->trace_from;
		m->trace.limit = base->trace_limit;
	}
	for (unsigned i = 0; i < n; i++)
		if (v[i].serial && mon_outfile_open(&m->serial[i], v[i].serial, "serial file", i, err, sizeof err))
			goto bad_path;
	if (base->stats_json &&
	    mon_outfile_open(&m->stats_json, base->stats_json, "--stats-json file", MON_HOST_VMS_MAX, err, sizeof err))
		goto bad_path;
	if (tool_multi_host_create(&m->h, base, v, n, o, err, sizeof err))
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		struct vm *vm = m->h.vm[i];
		m->lines[i].name = mon_vm_name(vm);
		if (m->serial[i].f)
			mon_vm_set_serial_sink(vm, serial_to_file, &m->serial[i]);
		else
			mon_vm_set_serial_sink(vm, serial_to_lines, &m->lines[i]);
		mon_vm_set_message_sink(vm, message_line, (void *)mon_vm_name(vm));
		const char *own = v[i].cfg.trace_file;
		if (base->trace_file && (!own || own == base->trace_file)) {
			mon_vm_set_event_sink(vm, trace_event, &m->trace);
			mon_vm_set_sink_cats(vm, base->trace_cats);
		}
	}
	if (m->trace.out.f && write_trace_header(m, v, o, err, sizeof err))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "vmlab run: %s\n", err);
	return 1;
bad_path:
	fprintf(stderr, "vmlab run: %s\n", err);
	return 2;
}

int tool_run_multi(const struct mon_config *base, struct tool_vmspec *v, unsigned n,
		   const struct tool_multi_opts *o)
{
	struct multi *m = calloc(1, sizeof *m);
	if (!m) {
		fprintf(stderr, "vmlab run: out of memory\n");
		return 1;
	}
	tool_catch_interrupts();
	int bad = start(m, base, v, n, o);
	if (bad) {
		finish(m, v, false);
		free(m);
		return bad;
	}
	struct vm *ran;
	while (mon_sched_run_slice(m->h.sched, &ran) != MON_STOPPED) {
		if (tool_interrupted())
			for (unsigned i = 0; i < n; i++)
				mon_vm_interrupt(m->h.vm[i], tool_interrupted() == SIGINT ? "SIGINT" : "SIGTERM");
	}
	int status = 0;
	bool interrupted = false;
	for (unsigned i = 0; i < n; i++) {
		struct serial_lines *s = &m->lines[i];
		if (s->len)
			put_line(s);
		if (s->failed)
			fprintf(stderr, "vmlab run: %s: out of host memory for its serial lines: output cut\n",
				s->name);
	}
	fflush(stdout);
	for (unsigned i = 0; i < n; i++) {
		tool_report_stop(m->h.vm[i]);
		const struct mon_stop *st = mon_vm_stop(m->h.vm[i]);
		interrupted |= st->reason == MON_STOP_INTERRUPTED;
		if (!status)
			status = st->status;
	}
	if (!base->quiet)
		mon_sched_print_summary(m->h.sched, stderr);
	if (m->stats_json.f)
		mon_host_summary_json(m->h.sched, m->h.host, o->slice, m->stats_json.f);
	if (finish(m, v, true) && !status)
		status = 1;
	free(m);
	if (interrupted)
		return 128 + tool_interrupted();
	return status;
}
