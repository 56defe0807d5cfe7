/*
 * monitor/gdb/gdb_packet.c — GDB remote protocol framing: "$body#xx" with
 * a modulo-256 checksum in two hex digits, '+'/'-' acknowledgements, and
 * the lone 0x03 byte gdb sends for Ctrl-C. A bad checksum is reported so the
 * caller answers '-'; a body longer than GDB_PACKET_MAX is read to its end
 * and reported as oversized (never written past the buffer).
 */
#include <string.h>

#include "monitor/gdb/gdb.h"

int gdb_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c)
{
	switch (rx->state) {
	case 0: /* between packets */
		if (c == '$') {
			rx->state = 1;
			rx->len = 0;
			rx->sum = 0;
			rx->overflow = false;
			return GDB_RX_NONE;
		}
		return c == 0x03 ? GDB_RX_INTERRUPT : c == '+' ? GDB_RX_ACK : c == '-' ? GDB_RX_NAK : GDB_RX_NONE;
	case 1: /* the body */
		if (c == '#') {
			rx->state = 2;
			return GDB_RX_NONE;
		}
		if (c == '$') { /* a new packet before the old one ended: start again */
			rx->len = 0;
			rx->sum = 0;
			rx->overflow = false;
			return GDB_RX_NONE;
		}
		rx->sum = (uint8_t)(rx->sum + c);
		if (rx->len < GDB_PACKET_MAX)
			rx->buf[rx->len++] = (char)c;
		else
			rx->overflow = true;
		return GDB_RX_NONE;
	case 2: /* first checksum digit */
	{
		int hi = gdb_hexval(c);
		rx->got = (uint8_t)(hi < 0 ? 0 : hi);
		rx->state = hi < 0 ? 4 : 3; /* 4: the packet is bad whatever follows */
		return GDB_RX_NONE;
	}
	default: { /* second digit (state 3), or the first was bad (state 4) */
		int lo = gdb_hexval(c);
		bool ok = rx->state == 3 && lo >= 0 && (uint8_t)(rx->got << 4 | lo) == rx->sum;
		rx->state = 0;
		rx->buf[rx->len] = '\0';
		if (!ok)
			return GDB_RX_BAD_CHECKSUM;
		return rx->overflow ? GDB_RX_OVERSIZED : GDB_RX_PACKET;
	}
	}
}

size_t gdb_frame(const char *body, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	uint8_t sum = 0;
	if (outlen < 4)
		return 0;
	out[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)body[i];
		bool esc = c == '$' || c == '#' || c == '}' || c == '*';
		if (n + 2 + 3 > outlen)
			return 0;
		if (esc) {
			out[n++] = '}';
			sum = (uint8_t)(sum + '}');
			c ^= 0x20;
		}
		out[n++] = (char)c;
		sum = (uint8_t)(sum + c);
	}
	if (n + 3 > outlen)
		return 0;
	out[n++] = '#';
	out[n++] = hex[sum >> 4];
	out[n++] = hex[sum & 15];
	return n;
}
