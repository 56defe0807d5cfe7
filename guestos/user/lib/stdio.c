/*
 * guestos/user/lib/stdio.c — formatted output and the line-buffered console.
 *
 * Supported conversions: %d %i %u %x %X %c %s %p %%, with the length
 * modifiers l and ll (so %ld %lu %lx %llu ...), a field width, the flags
 * '0' (zero pad) and '-' (left align). No floating point: user programs are
 * built integer-only.
 */
#include "guestos/user/lib/ulib.h"

#define LINE_MAX 256

/* The pending console line of this process (fd 1). */
static char line_buf[LINE_MAX];
static size_t line_len;

void ulib_flush(void)
{
	size_t off = 0;
	while (off < line_len) {
		long n = write(1, line_buf + off, line_len - off);
		if (n <= 0)
			break; /* nothing sensible to do: drop the rest */
		off += (size_t)n;
	}
	line_len = 0;
}

int putchar(int c)
{
	line_buf[line_len++] = (char)c;
	if (c == '\n' || line_len == LINE_MAX)
		ulib_flush();
	return (unsigned char)c;
}

int puts(const char *s)
{
	while (*s)
		putchar(*s++);
	putchar('\n');
	return 0;
}

/* Output sink for the formatter: a bounded buffer, counting every byte. */
struct sink {
	char *buf;
	size_t size;
	size_t len; /* bytes produced so far (may exceed size) */
};

static void sink_put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void sink_pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		sink_put(s, c);
}

/* Digits of v in `base` into tmp (reversed); returns the count. */
static int utoa_rev(unsigned long long v, unsigned base, int upper, char *tmp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	return n;
}

/* One number with sign, width and padding flags. */
static void put_num(struct sink *s, unsigned long long v, int neg, unsigned base,
		    int upper, int width, int zero, int left)
{
	char tmp[24];
	int n = utoa_rev(v, base, upper, tmp);
	int len = n + (neg ? 1 : 0);
	if (!left && !zero)
		sink_pad(s, ' ', width - len);
	if (neg)
		sink_put(s, '-');
	if (!left && zero)
		sink_pad(s, '0', width - len);
	while (n > 0)
		sink_put(s, tmp[--n]);
	if (left)
		sink_pad(s, ' ', width - len);
}

static void put_str(struct sink *s, const char *str, int width, int left)
{
	int len = (int)strlen(str);
	if (!left)
		sink_pad(s, ' ', width - len);
	while (*str)
		sink_put(s, *str++);
	if (left)
		sink_pad(s, ' ', width - len);
}

/* Fetch a signed integer argument of the given size (0 int, 1 long, 2 long long). */
static long long arg_signed(va_list *ap, int lng)
{
	if (lng >= 2)
		return va_arg(*ap, long long);
	if (lng == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static unsigned long long arg_unsigned(va_list *ap, int lng)
{
	if (lng >= 2)
		return va_arg(*ap, unsigned long long);
	if (lng == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

/* Format one conversion starting after '%'; returns the pointer past it. */
static const char *format_one(struct sink *s, const char *f, va_list *ap)
{
	int zero = 0, left = 0, width = 0, lng = 0;
	for (;; f++) {
		if (*f == '0')
			zero = 1;
		else if (*f == '-')
			left = 1;
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		width = width * 10 + (*f++ - '0');
	while (*f == 'l') {
		lng++;
		f++;
	}
	switch (*f) {
	case 'd':
	case 'i': {
		long long v = arg_signed(ap, lng);
		unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
		put_num(s, mag, v < 0, 10, 0, width, zero, left);
		break;
	}
	case 'u':
		put_num(s, arg_unsigned(ap, lng), 0, 10, 0, width, zero, left);
		break;
	case 'x':
	case 'X':
		put_num(s, arg_unsigned(ap, lng), 0, 16, *f == 'X', width, zero, left);
		break;
	case 'p':
		sink_put(s, '0');
		sink_put(s, 'x');
		put_num(s, (uintptr_t)va_arg(*ap, void *), 0, 16, 0, width, zero, left);
		break;
	case 'c':
		sink_pad(s, ' ', left ? 0 : width - 1);
		sink_put(s, (char)va_arg(*ap, int));
		sink_pad(s, ' ', left ? width - 1 : 0);
		break;
	case 's': {
		const char *str = va_arg(*ap, const char *);
		put_str(s, str ? str : "(null)", width, left);
		break;
	}
	case '%':
		sink_put(s, '%');
		break;
	case '\0':
		return f; /* lone '%' at the end */
	default:
		sink_put(s, '%'); /* unknown: print it as written */
		sink_put(s, *f);
		break;
	}
	return f + 1;
}

/* Like C's vsnprintf: writes at most size-1 bytes and a NUL (if size > 0),
 * returns the length the full output would have. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0 };
	va_list cp;
	va_copy(cp, ap);
	while (*fmt) {
		if (*fmt != '%')
			sink_put(&s, *fmt++);
		else
			fmt = format_one(&s, fmt + 1, &cp);
	}
	va_end(cp);
	if (size > 0)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Formats into a stack buffer first, so one printf is never split by another
 * process's output unless it is longer than a console line. */
int printf(const char *fmt, ...)
{
	char tmp[LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof tmp) {
		/* SIMPLIFICATION: longer outputs are cut to one console line. */
		n = (int)sizeof tmp - 1;
	}
	for (int i = 0; i < n; i++)
		putchar(tmp[i]);
	return n;
}
