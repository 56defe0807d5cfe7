/*
 * monitor/cloud/place_parse.c — the nodes and VMs files of `vmlab place`.
 *
 *   # nodes: NAME cpu=CORES mem=SIZE [cost=N]
 *   rack1-a  cpu=16 mem=64G
 *   # vms: NAME cpu=CORES mem=SIZE [node=NODE] [dirty=SIZE-PER-SECOND]
 *   web1     cpu=2  mem=4G node=rack1-a dirty=64M
 *
 * Every error names the line and the word that is wrong.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/cloud/place.h"

#define PLACE_LINE_MAX 512

/* "2", "0.5", "2.25" -> millicores. */
static bool parse_cores(const char *s, uint64_t *out)
{
	uint64_t whole = 0, frac = 0, scale = 1000;
	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		whole = whole * 10 + (uint64_t)(*s - '0');
		if (whole > 1000000)
			return false;
	}
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		for (; isdigit((unsigned char)*s); s++) {
			if (scale == 1)
				return false; /* finer than a millicore */
			scale /= 10;
			frac += (uint64_t)(*s - '0') * scale;
		}
	}
	*out = whole * 1000 + frac;
	return *s == '\0';
}

/* "512", "512M", "4G", "64K" (rounded up to whole MiB) -> MiB. */
static bool parse_mib(const char *s, uint64_t *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (v > (1ull << 40))
		return false;
	if (!strcmp(end, "") || !strcmp(end, "M"))
		*out = v;
	else if (!strcmp(end, "G"))
		*out = v * 1024;
	else if (!strcmp(end, "K"))
		*out = (v + 1023) / 1024;
	else
		return false;
	return true;
}

static bool parse_count(const char *s, uint64_t *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	*out = v;
	return *end == '\0' && v <= (1ull << 40);
}

static int find_node(const struct place_problem *p, const char *name)
{
	for (int i = 0; i < p->nnodes; i++)
		if (!strcmp(p->nodes[i].name, name))
			return i;
	return PLACE_NONE;
}

/* Split text into lines and words; calls one_line(word list) per non-empty line. */
typedef int (*line_fn)(struct place_problem *p, int lineno, char **w, int nw, char *err, size_t errlen);

static int each_line(struct place_problem *p, const char *text, line_fn fn, char *err, size_t errlen)
{
	int lineno = 0;
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		lineno++;
		if (len >= PLACE_LINE_MAX) {
			snprintf(err, errlen, "line %d: longer than %d characters", lineno, PLACE_LINE_MAX - 1);
			return -1;
		}
		char line[PLACE_LINE_MAX];
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (nl != NULL);
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *w[16];
		int nw = 0;
		for (char *tok = strtok(line, " \t\r"); tok; tok = strtok(NULL, " \t\r")) {
			if (nw == 16) {
				snprintf(err, errlen, "line %d: too many words", lineno);
				return -1;
			}
			w[nw++] = tok;
		}
		if (nw && fn(p, lineno, w, nw, err, errlen))
			return -1;
	}
	return 0;
}

static int check_name(const struct place_problem *p, int lineno, const char *name, bool node,
		      char *err, size_t errlen)
{
	if (strlen(name) >= PLACE_NAME_MAX || strchr(name, '=')) {
		snprintf(err, errlen, "line %d: bad name '%s' (no '=', at most %d characters)", lineno,
			 name, PLACE_NAME_MAX - 1);
		return -1;
	}
	bool dup = false;
	if (node)
		dup = find_node(p, name) != PLACE_NONE;
	else
		for (int i = 0; i < p->nvms; i++)
			dup |= !strcmp(p->vms[i].name, name);
	if (dup) {
		snprintf(err, errlen, "line %d: '%s' named twice", lineno, name);
		return -1;
	}
	return 0;
}

static int bad_word(int lineno, const char *word, const char *valid, char *err, size_t errlen)
{
	snprintf(err, errlen, "line %d: bad '%s' (valid: %s)", lineno, word, valid);
	return -1;
}

static int node_line(struct place_problem *p, int lineno, char **w, int nw, char *err, size_t errlen)
{
	if (p->nnodes == PLACE_MAX_NODES) {
		snprintf(err, errlen, "line %d: more than %d nodes", lineno, PLACE_MAX_NODES);
		return -1;
	}
	if (check_name(p, lineno, w[0], true, err, errlen))
		return -1;
	struct place_node *n = &p->nodes[p->nnodes];
	memset(n, 0, sizeof *n);
	snprintf(n->name, sizeof n->name, "%s", w[0]);
	n->cost = 1;
	const char *valid = "cpu=CORES mem=SIZE cost=N";
	for (int i = 1; i < nw; i++) {
		bool ok;
		if (!strncmp(w[i], "cpu=", 4))
			ok = parse_cores(w[i] + 4, &n->cap[PLACE_CPU]);
		else if (!strncmp(w[i], "mem=", 4))
			ok = parse_mib(w[i] + 4, &n->cap[PLACE_MEM]);
		else if (!strncmp(w[i], "cost=", 5))
			ok = parse_count(w[i] + 5, &n->cost) && n->cost > 0;
		else
			ok = false;
		if (!ok)
			return bad_word(lineno, w[i], valid, err, errlen);
	}
	if (!n->cap[PLACE_CPU] || !n->cap[PLACE_MEM]) {
		snprintf(err, errlen, "line %d: node '%s' needs cpu= and mem= above 0", lineno, n->name);
		return -1;
	}
	p->nnodes++;
	return 0;
}

static int vm_line(struct place_problem *p, int lineno, char **w, int nw, char *err, size_t errlen)
{
	if (p->nvms == PLACE_MAX_VMS) {
		snprintf(err, errlen, "line %d: more than %d VMs", lineno, PLACE_MAX_VMS);
		return -1;
	}
	if (check_name(p, lineno, w[0], false, err, errlen))
		return -1;
	struct place_vm *v = &p->vms[p->nvms];
	memset(v, 0, sizeof *v);
	snprintf(v->name, sizeof v->name, "%s", w[0]);
	v->node = PLACE_NONE;
	const char *valid = "cpu=CORES mem=SIZE node=NODE dirty=SIZE";
	for (int i = 1; i < nw; i++) {
		bool ok;
		if (!strncmp(w[i], "cpu=", 4))
			ok = parse_cores(w[i] + 4, &v->need[PLACE_CPU]);
		else if (!strncmp(w[i], "mem=", 4))
			ok = parse_mib(w[i] + 4, &v->need[PLACE_MEM]);
		else if (!strncmp(w[i], "dirty=", 6))
			ok = parse_mib(w[i] + 6, &v->dirty_mibs);
		else if (!strncmp(w[i], "node=", 5)) {
			v->node = find_node(p, w[i] + 5);
			if (v->node == PLACE_NONE) {
				snprintf(err, errlen, "line %d: unknown node '%s'", lineno, w[i] + 5);
				return -1;
			}
			ok = true;
		} else
			ok = false;
		if (!ok)
			return bad_word(lineno, w[i], valid, err, errlen);
	}
	if (!v->need[PLACE_CPU] || !v->need[PLACE_MEM]) {
		snprintf(err, errlen, "line %d: VM '%s' needs cpu= and mem= above 0", lineno, v->name);
		return -1;
	}
	p->nvms++;
	return 0;
}

int place_parse_nodes(struct place_problem *p, const char *text, char *err, size_t errlen)
{
	if (each_line(p, text, node_line, err, errlen))
		return -1;
	if (!p->nnodes) {
		snprintf(err, errlen, "no nodes");
		return -1;
	}
	return 0;
}

int place_parse_vms(struct place_problem *p, const char *text, char *err, size_t errlen)
{
	if (each_line(p, text, vm_line, err, errlen))
		return -1;
	if (!p->nvms) {
		snprintf(err, errlen, "no VMs");
		return -1;
	}
	return 0;
}
