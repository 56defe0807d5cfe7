/*
 * tests/bench/mark/mark.c — a CoreMark-class integer benchmark kernel,
 * written for vmlab (the algorithms are the classic public ones: linked-list
 * search/reverse/merge sort, small integer matrix algebra, a number-parsing
 * state machine, CRC-16). Booted bare (start.S) under vmlab or QEMU; the
 * command line says "iters=N". Prints the iteration count and a CRC of all
 * results on the 16550, then writes 0 to the debug-exit port 0xf4.
 * Everything lives in static arrays: no allocator, no library.
 */
#include <stdint.h>

#include "tests/e2e/bare/bare_io.h"

#define LIST_N 256
#define MAT_N 24
#define TEXT_N 512

/* ---- CRC-16 (reflected polynomial 0xA001), one bit at a time ---- */
static uint16_t crc8(uint8_t b, uint16_t crc)
{
	for (int k = 0; k < 8; k++) {
		unsigned mix = (crc ^ b) & 1;
		crc >>= 1;
		b >>= 1;
		if (mix)
			crc ^= 0xA001;
	}
	return crc;
}

static uint16_t crc16(uint16_t v, uint16_t crc)
{
	return crc8((uint8_t)(v >> 8), crc8((uint8_t)v, crc));
}

/* ---- linked list ---- */
struct node {
	struct node *next;
	int16_t value, index;
};
static struct node pool[LIST_N];

static struct node *list_build(uint16_t seed)
{
	for (int k = 0; k < LIST_N; k++) {
		pool[k].index = (int16_t)k;
		pool[k].value = (int16_t)((k * 7919 + seed * 31) & 0x7fff);
		pool[k].next = k + 1 < LIST_N ? &pool[k + 1] : 0;
	}
	return &pool[0];
}

static struct node *list_find(struct node *l, int16_t value)
{
	while (l && l->value != value)
		l = l->next;
	return l;
}

static struct node *list_reverse(struct node *l)
{
	struct node *r = 0;
	while (l) {
		struct node *n = l->next;
		l->next = r;
		r = l;
		l = n;
	}
	return r;
}

static int cmp_value(const struct node *a, const struct node *b)
{
	return a->value - b->value;
}

static int cmp_index(const struct node *a, const struct node *b)
{
	return a->index - b->index;
}

/* Bottom-up merge sort of a singly linked list: runs of 1, 2, 4, ... */
static struct node *list_sort(struct node *l, int (*cmp)(const struct node *, const struct node *))
{
	for (int run = 1;; run *= 2) {
		struct node *p = l, *head = 0, *tail = 0;
		int merges = 0;
		while (p) {
			merges++;
			struct node *q = p;
			int psize = 0, qsize = run;
			while (psize < run && q) {
				psize++;
				q = q->next;
			}
			while (psize > 0 || (qsize > 0 && q)) {
				struct node *e;
				if (psize == 0 || (qsize > 0 && q && cmp(q, p) < 0)) {
					e = q;
					q = q->next;
					qsize--;
				} else {
					e = p;
					p = p->next;
					psize--;
				}
				if (tail)
					tail->next = e;
				else
					head = e;
				tail = e;
			}
			p = q;
		}
		tail->next = 0;
		l = head;
		if (merges <= 1)
			return l;
	}
}

static uint16_t bench_list(uint16_t seed, uint16_t crc)
{
	struct node *l = list_build(seed);
	for (int k = 0; k < 8; k++) {
		struct node *f = list_find(l, (int16_t)(((k * 3 + seed) * 7919 + seed * 31) & 0x7fff));
		crc = crc16(f ? (uint16_t)f->index : 0xffff, crc);
	}
	l = list_reverse(l);
	l = list_sort(l, cmp_value);
	for (struct node *p = l; p; p = p->next)
		if ((p->index & 15) == 0)
			crc = crc16((uint16_t)p->value, crc);
	l = list_sort(l, cmp_index);
	return crc16((uint16_t)l->value, crc);
}

/* ---- matrix ---- */
static int16_t ma[MAT_N][MAT_N], mb[MAT_N][MAT_N];
static int32_t mc[MAT_N][MAT_N], vec[MAT_N];

static uint16_t mat_sum(uint16_t crc)
{
	int32_t s = 0;
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++)
			s += mc[i][j] > 4096 ? 1 : mc[i][j] < -4096 ? -3 : 0;
	return crc16((uint16_t)s, crc);
}

static uint16_t bench_matrix(uint16_t seed, uint16_t crc)
{
	int16_t c = (int16_t)(seed | 0xf);
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			ma[i][j] = (int16_t)((i * 37 + j * 11 + seed) % 97 - 48);
			mb[i][j] = (int16_t)((i * 13 + j * 29 + seed * 3) % 89 - 44);
		}
	for (int i = 0; i < MAT_N; i++) /* add a constant */
		for (int j = 0; j < MAT_N; j++)
			ma[i][j] = (int16_t)(ma[i][j] + c);
	for (int i = 0; i < MAT_N; i++) /* multiply by a constant */
		for (int j = 0; j < MAT_N; j++)
			mc[i][j] = ma[i][j] * c;
	crc = mat_sum(crc);
	for (int i = 0; i < MAT_N; i++) { /* matrix times vector */
		vec[i] = 0;
		for (int j = 0; j < MAT_N; j++)
			vec[i] += ma[i][j] * mb[j][0];
	}
	for (int i = 0; i < MAT_N; i++)
		crc = crc16((uint16_t)vec[i], crc);
	for (int i = 0; i < MAT_N; i++) /* matrix times matrix */
		for (int j = 0; j < MAT_N; j++) {
			int32_t s = 0;
			for (int k = 0; k < MAT_N; k++)
				s += ma[i][k] * mb[k][j];
			mc[i][j] = s;
		}
	crc = mat_sum(crc);
	for (int i = 0; i < MAT_N; i++) /* times matrix, on extracted bit fields */
		for (int j = 0; j < MAT_N; j++) {
			int32_t s = 0;
			for (int k = 0; k < MAT_N; k++) {
				int32_t t = ma[i][k] * mb[k][j];
				s += ((t >> 2) & 0xf) * ((t >> 5) & 0x7f);
			}
			mc[i][j] = s;
		}
	return mat_sum(crc);
}

/* ---- state machine: classify comma-separated numbers ---- */
enum state { S_START, S_INT, S_SIGN, S_FLOAT, S_EXP, S_EXPSIGN, S_SCI, S_BAD, S_COUNT };
static char text[TEXT_N];
static const char *const words[] = { "5012", "1234", "-874", "+122", "35.54400", ".1234500", "-110.700",
				     "+0.64400", "5.500e+3", "-.123e-2", "-87e+832", "+0.6e-12", "T0.3e-1F",
				     "-T.T++Tq", "1T3.4e4z", "34.0e-T^" };

static void text_build(uint16_t seed)
{
	int n = 0;
	for (unsigned w = seed; n + 10 < TEXT_N; w = w * 5 + 3) {
		const char *s = words[w & 15];
		while (*s)
			text[n++] = *s++;
		text[n++] = ',';
	}
	text[n] = 0;
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* One token from *p: the state it ends in; counts every transition. */
static enum state scan(const char **p, unsigned *moves)
{
	enum state s = S_START;
	const char *q = *p;
	for (; *q && *q != ','; q++) {
		char ch = *q;
		enum state n = s;
		switch (s) {
		case S_START:
			n = is_digit(ch) ? S_INT : (ch == '+' || ch == '-') ? S_SIGN : ch == '.' ? S_FLOAT : S_BAD;
			break;
		case S_SIGN:
			n = is_digit(ch) ? S_INT : ch == '.' ? S_FLOAT : S_BAD;
			break;
		case S_INT:
			n = is_digit(ch) ? S_INT : ch == '.' ? S_FLOAT : (ch == 'e' || ch == 'E') ? S_EXP : S_BAD;
			break;
		case S_FLOAT:
			n = is_digit(ch) ? S_FLOAT : (ch == 'e' || ch == 'E') ? S_EXP : S_BAD;
			break;
		case S_EXP:
			n = (ch == '+' || ch == '-') ? S_EXPSIGN : S_BAD;
			break;
		case S_EXPSIGN:
		case S_SCI:
			n = is_digit(ch) ? S_SCI : S_BAD;
			break;
		default:
			break;
		}
		*moves += n != s;
		s = n;
	}
	*p = *q ? q + 1 : q;
	return s;
}

static uint16_t bench_states(uint16_t seed, uint16_t crc)
{
	unsigned final[S_COUNT] = { 0 }, moves = 0;
	text_build(seed);
	for (int pass = 0; pass < 2; pass++) {
		for (const char *p = text; *p;)
			final[scan(&p, &moves)]++;
		for (int k = seed & 7; k < TEXT_N - 1 && text[k]; k += 13) /* corrupt, then scan again */
			if (text[k] != ',')
				text[k] ^= 1;
	}
	for (int k = 0; k < S_COUNT; k++)
		crc = crc16((uint16_t)final[k], crc);
	return crc16((uint16_t)moves, crc);
}

/* ---- driver ---- */
static uint64_t iterations(const char *cmdline)
{
	for (const char *p = cmdline; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && p[0] == 'i' && p[1] == 't' && p[2] == 'e' && p[3] == 'r' &&
		    p[4] == 's' && p[5] == '=') {
			uint64_t n = 0;
			for (p += 6; is_digit(*p); p++)
				n = n * 10 + (uint64_t)(*p - '0');
			return n;
		}
	return 1000;
}

_Noreturn void mark_main(const char *cmdline)
{
	uint64_t n = iterations(cmdline);
	uint16_t crc = 0;
	for (uint64_t it = 0; it < n; it++) {
		uint16_t seed = (uint16_t)(it * 0x9e37 + 1);
		crc = bench_list(seed, crc);
		crc = bench_matrix(seed, crc);
		crc = bench_states(seed, crc);
	}
	outb(UART_BASE + 3, 0x80); /* DLAB: 115200 baud, then 8N1 */
	outb(UART_BASE + 0, 0x01);
	outb(UART_BASE + 1, 0x00);
	outb(UART_BASE + 3, 0x03);
	puts_uart("mark: ");
	putnum(n);
	puts_uart(" iterations, crc ");
	puthex_w(crc, 4);
	puts_uart("\n");
	outb(0xf4, 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}
