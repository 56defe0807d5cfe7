/*
 * monitor/gdb/gdb_request.c — one packet body into a struct gdb_req. Pure
 * parsing, no VM: every number is bounded, every length checked against
 * the data actually present, so any byte string is safe (tests/fuzz/fuzz_gdb.c).
 */
#include <string.h>

#include "monitor/gdb/gdb.h"

struct cur {
	const char *p, *end;
};

/* A hex number of 1..16 digits. */
static bool get_hex(struct cur *c, uint64_t *v)
{
	unsigned n = 0;
	*v = 0;
	while (c->p < c->end && gdb_hexval((uint8_t)*c->p) >= 0) {
		if (++n > 16)
			return false;
		*v = *v << 4 | (uint64_t)gdb_hexval((uint8_t)*c->p++);
	}
	return n > 0;
}

static bool get_char(struct cur *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

static bool at_end(const struct cur *c)
{
	return c->p == c->end;
}

/* Hex pairs to the end into r->data. */
static bool get_hex_bytes(struct cur *c, struct gdb_req *r)
{
	size_t n = (size_t)(c->end - c->p);
	if (n % 2 || n / 2 > sizeof r->data)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = gdb_hexval((uint8_t)c->p[2 * i]), lo = gdb_hexval((uint8_t)c->p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		r->data[i] = (uint8_t)(hi << 4 | lo);
	}
	r->ndata = n / 2;
	c->p = c->end;
	return true;
}

/* X's binary data: '}' escapes the next byte (xor 0x20). */
static bool get_binary(struct cur *c, struct gdb_req *r)
{
	r->ndata = 0;
	while (c->p < c->end) {
		uint8_t b = (uint8_t)*c->p++;
		if (b == '}') {
			if (c->p == c->end)
				return false;
			b = (uint8_t)(*c->p++ ^ 0x20);
		}
		if (r->ndata == sizeof r->data)
			return false;
		r->data[r->ndata++] = b;
	}
	return true;
}

static bool starts(const struct cur *c, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(c->end - c->p) >= n && !memcmp(c->p, word, n);
}

/* "addr,len" */
static bool get_addr_len(struct cur *c, struct gdb_req *r)
{
	return get_hex(c, &r->addr) && get_char(c, ',') && get_hex(c, &r->len);
}

/* m, M, X */
static enum gdb_req_kind parse_mem(struct cur *c, char op, struct gdb_req *r)
{
	if (!get_addr_len(c, r) || r->len > GDB_PACKET_MAX / 2)
		return GDB_REQ_BAD;
	if (op == 'm')
		return at_end(c) ? GDB_REQ_READ_MEM : GDB_REQ_BAD;
	if (!get_char(c, ':'))
		return GDB_REQ_BAD;
	bool ok = op == 'M' ? get_hex_bytes(c, r) : get_binary(c, r);
	return ok && r->ndata == r->len ? GDB_REQ_WRITE_MEM : GDB_REQ_BAD;
}

/* Z/z type,addr,kind (conditions after ';' are not supported: ignored) */
static enum gdb_req_kind parse_break(struct cur *c, bool insert, struct gdb_req *r)
{
	uint64_t type;
	if (!get_hex(c, &type) || type > 4 || !get_char(c, ',') || !get_addr_len(c, r))
		return GDB_REQ_BAD;
	if (!at_end(c) && *c->p != ';')
		return GDB_REQ_BAD;
	r->type = (unsigned)type;
	return insert ? GDB_REQ_BREAK_INSERT : GDB_REQ_BREAK_REMOVE;
}

/* c [addr] / s [addr] */
static enum gdb_req_kind parse_resume(struct cur *c, enum gdb_req_kind k, struct gdb_req *r)
{
	if (at_end(c))
		return k;
	r->has_addr = get_hex(c, &r->addr);
	return r->has_addr && at_end(c) ? k : GDB_REQ_BAD;
}

/* vCont;ACTION[:thread][;ACTION...]: the first action decides (one vCPU). */
static enum gdb_req_kind parse_vcont(struct cur *c)
{
	if (get_char(c, '?'))
		return at_end(c) ? GDB_REQ_VCONT_QUERY : GDB_REQ_BAD;
	if (!get_char(c, ';') || at_end(c))
		return GDB_REQ_BAD;
	char a = *c->p;
	if (a == 'c' || a == 'C')
		return GDB_REQ_CONTINUE;
	if (a == 's' || a == 'S')
		return GDB_REQ_STEP;
	return GDB_REQ_UNKNOWN;
}

static enum gdb_req_kind parse_reg(struct cur *c, bool write, struct gdb_req *r)
{
	uint64_t n;
	if (!get_hex(c, &n) || n > 4096)
		return GDB_REQ_BAD;
	r->regno = (unsigned)n;
	if (!write)
		return at_end(c) ? GDB_REQ_READ_REG : GDB_REQ_BAD;
	return get_char(c, '=') && get_hex_bytes(c, r) ? GDB_REQ_WRITE_REG : GDB_REQ_BAD;
}

static enum gdb_req_kind parse_query(struct cur *c, struct gdb_req *r)
{
	if (starts(c, "qSupported"))
		return GDB_REQ_SUPPORTED;
	if (starts(c, "qXfer:features:read:target.xml:")) {
		c->p += strlen("qXfer:features:read:target.xml:");
		return get_addr_len(c, r) && at_end(c) ? GDB_REQ_XFER_FEATURES : GDB_REQ_BAD;
	}
	if (starts(c, "qAttached"))
		return GDB_REQ_ATTACHED;
	if (starts(c, "qfThreadInfo"))
		return GDB_REQ_THREAD_INFO;
	if (starts(c, "qsThreadInfo"))
		return GDB_REQ_THREAD_INFO_MORE;
	if (c->end - c->p == 2 && starts(c, "qC"))
		return GDB_REQ_CUR_THREAD;
	if (starts(c, "qRcmd,")) {
		c->p += strlen("qRcmd,");
		if (!get_hex_bytes(c, r) || r->ndata >= sizeof r->data)
			return GDB_REQ_BAD;
		r->data[r->ndata] = 0;
		return memchr(r->data, 0, r->ndata) ? GDB_REQ_BAD : GDB_REQ_MONITOR;
	}
	return GDB_REQ_UNKNOWN;
}

static enum gdb_req_kind parse(struct cur *c, struct gdb_req *r)
{
	if (at_end(c))
		return GDB_REQ_UNKNOWN;
	if (*c->p == 'q')
		return parse_query(c, r);
	if (starts(c, "QStartNoAckMode"))
		return GDB_REQ_NOACK;
	if (starts(c, "vCont"))
		return (c->p += 5), parse_vcont(c);
	if (starts(c, "vKill"))
		return GDB_REQ_KILL;
	if (starts(c, "bc") || starts(c, "bs")) {
		bool cont = c->p[1] == 'c';
		c->p += 2;
		return !at_end(c) ? GDB_REQ_BAD : cont ? GDB_REQ_REVERSE_CONTINUE : GDB_REQ_REVERSE_STEP;
	}
	char op = *c->p++;
	switch (op) {
	case '?': return at_end(c) ? GDB_REQ_STATUS : GDB_REQ_BAD;
	case 'g': return at_end(c) ? GDB_REQ_READ_REGS : GDB_REQ_BAD;
	case 'G': return get_hex_bytes(c, r) ? GDB_REQ_WRITE_REGS : GDB_REQ_BAD;
	case 'p': return parse_reg(c, false, r);
	case 'P': return parse_reg(c, true, r);
	case 'm': case 'M': case 'X': return parse_mem(c, op, r);
	case 'c': return parse_resume(c, GDB_REQ_CONTINUE, r);
	case 's': return parse_resume(c, GDB_REQ_STEP, r);
	case 'Z': return parse_break(c, true, r);
	case 'z': return parse_break(c, false, r);
	case 'H': case 'T': return GDB_REQ_OK; /* one thread: any thread is it */
	case 'D': return GDB_REQ_DETACH;
	case 'k': return GDB_REQ_KILL;
	default: return GDB_REQ_UNKNOWN;
	}
}

void gdb_parse_request(const char *buf, size_t len, struct gdb_req *out)
{
	memset(out, 0, offsetof(struct gdb_req, data));
	out->ndata = 0;
	struct cur c = {buf, buf + len};
	out->kind = parse(&c, out);
}
