/*
 * tests/fuzz/fuzz_gdb.c — the gdb stub's packet parser: the input is the byte
 * stream a client sends; it goes through the framing (gdb_rx_byte), every
 * packet it yields through gdb_parse_request, and each reply body we would
 * frame through gdb_frame. Invariants: no sanitizer report, a packet body
 * never longer than GDB_PACKET_MAX, data lengths within their buffer, a
 * frame that fits its buffer.
 */
#include <string.h>

#include "monitor/gdb/gdb.h"
#include "tests/fuzz/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gdb_rx rx;
	static struct gdb_req req;
	static char frame[2 * GDB_PACKET_MAX + 8];
	fz_count("gdb", size);
	memset(&rx, 0, sizeof rx);
	for (size_t i = 0; i < size; i++) {
		enum gdb_rx_event ev = gdb_rx_byte(&rx, data[i]);
		if (ev != GDB_RX_PACKET)
			continue;
		if (rx.len > GDB_PACKET_MAX)
			fz_fail("gdb", "packet body longer than GDB_PACKET_MAX");
		gdb_parse_request(rx.buf, rx.len, &req);
		if (req.ndata > sizeof req.data)
			fz_fail("gdb", "request data past its buffer");
		if (gdb_frame(rx.buf, rx.len, frame, sizeof frame) > sizeof frame)
			fz_fail("gdb", "frame past its buffer");
	}
	return 0;
}
