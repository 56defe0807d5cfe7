/*
 * monitor/tools/tracemeta.c — reading the header line of a trace (how it was
 * made; written by monitor/vmm/trace_meta.c, format in monitor/vmm/monitor.h)
 * and telling comment lines apart, for every reader of trace files.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"

bool con_trace_comment(const char *line)
{
	return line[strspn(line, " \t")] == '#';
}

static int bad(struct con_event *meta, char *err, size_t errlen, const char *why)
{
	con_event_free(meta);
	snprintf(err, errlen, "malformed trace header: %s", why);
	return -1;
}

/* "k=v k=v ... options=REST": every value a word, options the rest of the line. */
static int parse_text(struct con_event *meta, const char *p, char *err, size_t errlen)
{
	while (*p) {
		size_t k = strcspn(p, "= ");
		if (!k || p[k] != '=')
			return bad(meta, err, errlen, "expected KEY=VALUE");
		bool rest = k == 7 && !strncmp(p, "options", 7);
		const char *v = p + k + 1;
		size_t n = rest ? strlen(v) : strcspn(v, " ");
		char *key = strndup(p, k);
		if (key && con_event_get(meta, key)) {
			free(key);
			return bad(meta, err, errlen, "a key twice");
		}
		if (con_event_add(meta, key, strndup(v, n)))
			return bad(meta, err, errlen, "out of memory");
		p = v + n;
		p += strspn(p, " ");
	}
	if (!con_event_get(meta, "version"))
		return bad(meta, err, errlen, "no version");
	return 1;
}

int con_trace_meta_parse(struct con_event *meta, const char *line, char *err, size_t errlen)
{
	con_event_free(meta);
	const char *p = line + strspn(line, " \t");
	if (!strncmp(p, MON_TRACE_META_PREFIX, strlen(MON_TRACE_META_PREFIX)))
		return parse_text(meta, p + strlen(MON_TRACE_META_PREFIX), err, errlen);
	/* {"meta": ...}: cheap test first, every event line starts differently */
	if (*p != '{' || strncmp(p + 1 + strspn(p + 1, " \t"), "\"meta\"", 6))
		return 0;
	struct con_event rec = {0};
	char why[160] = "";
	if (con_event_parse_json(&rec, p, why, sizeof why))
		return bad(meta, err, errlen, why);
	const char *inner = con_event_get(&rec, "meta");
	int rc = rec.nf == 1 && inner && *inner == '{' ? con_event_parse_json(meta, inner, why, sizeof why) : -1;
	con_event_free(&rec);
	if (rc)
		return bad(meta, err, errlen, rc < 0 && why[0] ? why : "want {\"meta\":{...}}");
	if (!con_event_get(meta, "version"))
		return bad(meta, err, errlen, "no version");
	return 1;
}
