/*
 * tests/unit/test_monitor_gdb.c — the gdb stub's packet layer without a
 * socket: framing (checksums, '-' for a bad one, oversized bodies, Ctrl-C,
 * escapes) and request parsing (good packets, malformed arguments, unknown
 * packets), then a few requests carried out on a real VM.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/gdb/gdb.h"
#include "tests/unit/check_run.h"

/* Feed s; the last event. */
static enum gdb_rx_event feed(struct gdb_rx *rx, const char *s, size_t n)
{
	enum gdb_rx_event ev = GDB_RX_NONE;
	for (size_t i = 0; i < n; i++) {
		enum gdb_rx_event e = gdb_rx_byte(rx, (uint8_t)s[i]);
		if (e != GDB_RX_NONE)
			ev = e;
	}
	return ev;
}

START_TEST(framing)
{
	static struct gdb_rx rx;
	ck_assert_int_eq(feed(&rx, "$g#67", 5), GDB_RX_PACKET);
	ck_assert_str_eq(rx.buf, "g");
	ck_assert_int_eq(feed(&rx, "$g#68", 5), GDB_RX_BAD_CHECKSUM);
	ck_assert_int_eq(feed(&rx, "$g#zz", 5), GDB_RX_BAD_CHECKSUM);
	ck_assert_int_eq(feed(&rx, "+", 1), GDB_RX_ACK);
	ck_assert_int_eq(feed(&rx, "-", 1), GDB_RX_NAK);
	ck_assert_int_eq(feed(&rx, "\x03", 1), GDB_RX_INTERRUPT);
	/* a packet restarted by '$' keeps only the second */
	ck_assert_int_eq(feed(&rx, "$xx$g#67", 8), GDB_RX_PACKET);
	ck_assert_str_eq(rx.buf, "g");
	/* oversized: read to its end, never past the buffer */
	size_t n = GDB_PACKET_MAX + 100;
	char *big = malloc(n + 5);
	big[0] = '$';
	unsigned sum = 0;
	for (size_t i = 1; i <= n; i++)
		sum += (uint8_t)(big[i] = 'A');
	snprintf(big + n + 1, 4, "#%02x", sum & 0xff);
	ck_assert_int_eq(feed(&rx, big, n + 4), GDB_RX_OVERSIZED);
	free(big);
	/* framing escapes $ # } * and the checksum matches what it frames */
	char out[64];
	size_t len = gdb_frame("a$b", 3, out, sizeof out);
	ck_assert_uint_eq(len, 8);
	ck_assert(!memcmp(out, "$a}\x04" "b#", 6));
	ck_assert_uint_eq(gdb_frame("OK", 2, out, sizeof out), 6);
	ck_assert(!memcmp(out, "$OK#9a", 6));
	ck_assert_uint_eq(gdb_frame("OK", 2, out, 4), 0); /* does not fit */
}
END_TEST

static enum gdb_req_kind kind_of(const char *s, struct gdb_req *r)
{
	gdb_parse_request(s, strlen(s), r);
	return r->kind;
}

START_TEST(requests)
{
	static struct gdb_req r;
	ck_assert_int_eq(kind_of("m ffffffff80107f80,8", &r), GDB_REQ_BAD);
	ck_assert_int_eq(kind_of("mffffffff80107f80,8", &r), GDB_REQ_READ_MEM);
	ck_assert_uint_eq(r.addr, 0xffffffff80107f80ull);
	ck_assert_uint_eq(r.len, 8);
	ck_assert_int_eq(kind_of("M1000,2:abcd", &r), GDB_REQ_WRITE_MEM);
	ck_assert_uint_eq(r.ndata, 2);
	ck_assert_uint_eq(r.data[1], 0xcd);
	ck_assert_int_eq(kind_of("M1000,3:abcd", &r), GDB_REQ_BAD);   /* length disagrees */
	ck_assert_int_eq(kind_of("X1000,2:}\x03" "a", &r), GDB_REQ_WRITE_MEM);
	ck_assert_uint_eq(r.data[0], '#');
	ck_assert_int_eq(kind_of("X1000,1:}", &r), GDB_REQ_BAD);      /* escape at the end */
	ck_assert_int_eq(kind_of("m11112222333344445,1", &r), GDB_REQ_BAD); /* 17 digits */
	ck_assert_int_eq(kind_of("m0,ffff", &r), GDB_REQ_BAD);        /* longer than a packet */
	ck_assert_int_eq(kind_of("Z0,ffffffff80107f80,1", &r), GDB_REQ_BREAK_INSERT);
	ck_assert_int_eq(kind_of("z2,1000,8", &r), GDB_REQ_BREAK_REMOVE);
	ck_assert_uint_eq(r.type, 2);
	ck_assert_int_eq(kind_of("Z5,1000,8", &r), GDB_REQ_BAD);
	ck_assert_int_eq(kind_of("p10", &r), GDB_REQ_READ_REG);
	ck_assert_uint_eq(r.regno, 16);
	ck_assert_int_eq(kind_of("P10=0011223344556677", &r), GDB_REQ_WRITE_REG);
	ck_assert_int_eq(kind_of("P10=001", &r), GDB_REQ_BAD);
	ck_assert_int_eq(kind_of("vCont;s:1", &r), GDB_REQ_STEP);
	ck_assert_int_eq(kind_of("vCont;c", &r), GDB_REQ_CONTINUE);
	ck_assert_int_eq(kind_of("vCont?", &r), GDB_REQ_VCONT_QUERY);
	ck_assert_int_eq(kind_of("c", &r), GDB_REQ_CONTINUE);
	ck_assert_int_eq(kind_of("s1000", &r), GDB_REQ_STEP);
	ck_assert(r.has_addr);
	ck_assert_int_eq(kind_of("qRcmd,746c62", &r), GDB_REQ_MONITOR);
	ck_assert_str_eq((const char *)r.data, "tlb");
	ck_assert_int_eq(kind_of("qRcmd,00", &r), GDB_REQ_BAD);       /* NUL inside */
	ck_assert_int_eq(kind_of("qXfer:features:read:target.xml:0,ffb", &r), GDB_REQ_XFER_FEATURES);
	ck_assert_int_eq(kind_of("qXfer:features:read:other.xml:0,ffb", &r), GDB_REQ_UNKNOWN);
	ck_assert_int_eq(kind_of("vMustReplyEmpty", &r), GDB_REQ_UNKNOWN);
	ck_assert_int_eq(kind_of("", &r), GDB_REQ_UNKNOWN);
	ck_assert_int_eq(kind_of("bc", &r), GDB_REQ_REVERSE_CONTINUE);
	ck_assert_int_eq(kind_of("bs", &r), GDB_REQ_REVERSE_STEP);
	ck_assert_int_eq(kind_of("D", &r), GDB_REQ_DETACH);
	ck_assert_int_eq(kind_of("k", &r), GDB_REQ_KILL);
}
END_TEST

START_TEST(requests_on_a_vm)
{
	struct mon_config c;
	mon_config_defaults(&c);
	snprintf(c.cmdline, sizeof c.cmdline, "run=hello");
	char err[MON_ERR_MAX] = "";
	struct vm *vm = mon_vm_create(&c, 0, err, sizeof err);
	ck_assert_msg(vm != NULL, "%s", err);
	mon_vm_set_serial_echo(vm, NULL);
	static struct gdb_stub g;
	g.vm = vm;
	static struct gdb_req r;
	static char reply[GDB_REPLY_MAX + 1];
	gdb_parse_request("?", 1, &r);
	gdb_exec(&g, &r, reply, NULL, NULL);
	ck_assert_str_eq(reply, "S05");
	gdb_parse_request("p10", 3, &r); /* rip, little-endian */
	gdb_exec(&g, &r, reply, NULL, NULL);
	ck_assert_uint_eq(strlen(reply), 16);
	va_t rip = mon_vm_cpu(vm)->rip;
	gdb_parse_request("s", 1, &r); /* the first instruction (cli: emulated by the VMM) */
	gdb_exec(&g, &r, reply, NULL, NULL);
	ck_assert_str_eq(reply, "S05");
	ck_assert_uint_ne(mon_vm_cpu(vm)->rip, rip);
	gdb_parse_request("bc", 2, &r); /* no recorder: an error, nothing runs */
	uint64_t ic = mon_vm_icount(vm);
	gdb_exec(&g, &r, reply, NULL, NULL);
	ck_assert_str_eq(reply, "E01");
	ck_assert_uint_eq(mon_vm_icount(vm), ic);
	gdb_parse_request("Z2,1ffc,8", 9, &r); /* crosses a page: refused */
	gdb_exec(&g, &r, reply, NULL, NULL);
	ck_assert_str_eq(reply, "E01");
	ck_assert_uint_eq(g.nwatch, 0);
	gdb_parse_request("k", 1, &r);
	gdb_exec(&g, &r, reply, NULL, NULL);
	ck_assert(g.killed);
	gdb_parse_request("c", 1, &r);
	gdb_exec(&g, &r, reply, NULL, NULL);
	ck_assert_str_eq(reply, "W01");
	mon_vm_destroy(vm);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_gdb");
	TCase *tc = tcase_create("gdb");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, framing);
	tcase_add_test(tc, requests);
	tcase_add_test(tc, requests_on_a_vm);
	suite_add_tcase(s, tc);
	return check_run(s);
}
