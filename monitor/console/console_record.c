/*
 * monitor/console/console_record.c — a console session as a record file
 * (monitor/reverse/recfile.c has the format): `vmlab record FILE [options]`
 * writes one when the session ends, the console command `record FILE` writes
 * the session so far, and `vmlab replay FILE` runs it again.
 *
 * The run is deterministic, so the options, the guest images and the command
 * lines are the whole session: replaying them in batch mode prints the same
 * transcript byte for byte. What the record cannot reproduce makes it
 * unwritable rather than wrong: a Ctrl-C (it stops at a host-timed point) or
 * a gdb session (its packets are not recorded). The replay checks the images'
 * hashes before it starts and each command's icount before it runs it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/console/console.h"

struct con_record {
	struct rev_record rec;
	char broken[MON_ERR_MAX]; /* why the session cannot be replayed ("": it can) */
};

struct con_record *con_record_new(void)
{
	struct con_record *r = calloc(1, sizeof *r);
	if (r)
		snprintf(r->rec.version, sizeof r->rec.version, "%s", mon_version());
	return r;
}

void con_record_free(struct con_record *r)
{
	if (r)
		rev_record_free(&r->rec);
	free(r);
}

int con_record_opt(struct con_record *r, const char *arg, char *err, size_t errlen)
{
	return rev_record_add_opt(&r->rec, arg, err, errlen);
}

/* Hash one boot file into the record. */
static int add_image(struct con_record *r, const char *kind, const char *path, char *err, size_t errlen)
{
	size_t len;
	void *data = con_file_read(path, &len, err, errlen);
	if (!data)
		return -1;
	int rc = rev_record_add_image(&r->rec, kind, mon_image_hash(path, data, len), len, path, err, errlen);
	free(data);
	return rc;
}

int con_record_images(struct con_record *r, const struct mon_config *cfg, char *err, size_t errlen)
{
	if (add_image(r, "kernel", cfg->kernel, err, errlen))
		return -1;
	for (unsigned i = 0; i < cfg->nmodules; i++)
		if (add_image(r, "module", cfg->modules[i], err, errlen))
			return -1;
	return 0;
}

void con_record_broken(struct con_record *r, const char *why)
{
	if (r && !r->broken[0])
		snprintf(r->broken, sizeof r->broken, "%s", why);
}

void con_record_note(struct con_session *s, const char *line)
{
	struct con_record *r = s->record;
	char err[MON_ERR_MAX];
	if (r && !r->broken[0] && rev_record_add_cmd(&r->rec, mon_vm_icount(s->vm), line, err, sizeof err))
		con_record_broken(r, err);
}

int con_record_save(const struct con_record *r, const char *path, char *err, size_t errlen)
{
	if (r->broken[0]) {
		snprintf(err, errlen, "the session cannot be replayed: %s", r->broken);
		return -1;
	}
	char tmp[MON_PATH_MAX + 8];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
		snprintf(err, errlen, "file name too long: %s", path);
		return -1;
	}
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	int bad = rev_record_write(&r->rec, f);
	bad |= fclose(f);
	if (bad || rename(tmp, path)) {
		snprintf(err, errlen, "cannot write %s: %s", path, errno ? strerror(errno) : "write failed");
		unlink(tmp);
		return -1;
	}
	return 0;
}

int con_cmd_record(struct con_session *s, const struct con_cmd *c)
{
	char err[MON_ERR_MAX];
	if (!s->record)
		return con_error(s, "this session keeps no record");
	if (con_record_save(s->record, c->file, err, sizeof err))
		return con_error(s, "record: %s", err);
	fprintf(s->out, "recorded %zu command%s to %s (vmlab replay %s runs them again)\n", s->record->rec.ncmd,
		s->record->rec.ncmd == 1 ? "" : "s", c->file, c->file);
	return 0;
}

/* ---- replay ---- */

int con_record_load(struct con_record *r, const char *path, char *err, size_t errlen)
{
	size_t len;
	char *buf = con_file_read(path, &len, err, errlen);
	if (!buf)
		return -1;
	char why[MON_ERR_MAX];
	int rc = rev_record_parse(&r->rec, buf, len, why, sizeof why);
	free(buf);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	if (strcmp(r->rec.version, mon_version())) {
		snprintf(err, errlen, "%s: recorded by vmlab %s, this is vmlab %s (the replay would not be exact)",
			 path, r->rec.version, mon_version());
		return -1;
	}
	return 0;
}

int con_record_same_images(const struct con_record *want, const struct con_record *have, char *err,
			   size_t errlen)
{
	const struct rev_record *w = &want->rec, *h = &have->rec;
	if (w->nimg != h->nimg) {
		snprintf(err, errlen, "the session was recorded with %zu boot images, this one has %zu", w->nimg,
			 h->nimg);
		return -1;
	}
	for (size_t i = 0; i < w->nimg; i++) {
		if (w->img[i].hash == h->img[i].hash) /* what the guest loads: not debug info */
			continue;
		snprintf(err, errlen,
			 "%s %s is not the recorded image (hash %016" PRIx64 ", recorded %016" PRIx64
			 " from %s): replay needs the same guest images",
			 h->img[i].kind, h->img[i].path, h->img[i].hash, w->img[i].hash, w->img[i].path);
		return -1;
	}
	return 0;
}

const char *const *con_record_opts(const struct con_record *r, size_t *n)
{
	*n = r->rec.nopts;
	return (const char *const *)r->rec.opts;
}

int con_record_replay(struct con_session *s, const struct con_record *r, char *err, size_t errlen)
{
	for (size_t i = 0; i < r->rec.ncmd && !s->quit; i++) {
		const struct rev_cmd *c = &r->rec.cmd[i];
		uint64_t now = mon_vm_icount(s->vm);
		if (now != c->icount) {
			snprintf(err, errlen, "diverged before command %zu (%.60s): icount %" PRIu64 ", recorded %" PRIu64,
				 i + 1, c->line, now, c->icount);
			return -1;
		}
		con_batch_line(s, c->line);
	}
	return 0;
}
