/*
 * ulibtest — self-test of the user library (formatting, strings, numbers,
 * malloc). Runs in the guest like any program and, built against
 * host/sys_host.c, on the build machine (test step guest-ulib-host).
 * Prints one line per failed check, then a summary and PASS/FAIL.
 */
#include "guestos/user/lib/ulib.h"

static int checks, failures;

static void check(int ok, const char *what)
{
	checks++;
	if (!ok) {
		failures++;
		printf("ulibtest: FAILED: %s\n", what);
	}
}

/* snprintf into a buffer and compare with the expected text. */
#define CHECK_FMT(want, ...)                                               \
	do {                                                               \
		char b_[96];                                               \
		int n_ = snprintf(b_, sizeof b_, __VA_ARGS__);             \
		check(strcmp(b_, want) == 0 && n_ == (int)strlen(want),    \
		      "snprintf " #__VA_ARGS__ " -> " want);               \
	} while (0)

static void test_format(void)
{
	CHECK_FMT("42 -7 0", "%d %i %d", 42, -7, 0);
	CHECK_FMT("-2147483648", "%d", (int)0x80000000u);
	CHECK_FMT("4294967295", "%u", 0xffffffffu);
	CHECK_FMT("ff FF", "%x %X", 255u, 255u);
	CHECK_FMT("ffffffffffffffff", "%lx", ~0ul);
	CHECK_FMT("-9223372036854775807", "%ld", -9223372036854775807l);
	CHECK_FMT("18446744073709551615", "%lu", ~0ul);
	CHECK_FMT("18446744073709551615", "%llu", ~0ull);
	CHECK_FMT("[   42][42   ][00042][-0042]", "[%5d][%-5d][%05d][%05d]", 42, 42, 42, -42);
	CHECK_FMT("[0000beef]", "[%08x]", 0xbeefu);
	CHECK_FMT("[  ab][ab  ]", "[%4s][%-4s]", "ab", "ab");
	CHECK_FMT("x=A%", "x=%c%%", 'A');
	CHECK_FMT("0x1000", "%p", (void *)0x1000);
	const char *volatile null_str = NULL; /* hidden from gcc's format check */
	CHECK_FMT("(null)", "%s", null_str);
	char small[6];
	int n = snprintf(small, sizeof small, "%s", "truncated");
	check(n == 9 && strcmp(small, "trunc") == 0, "snprintf truncates and counts");
	check(snprintf(NULL, 0, "%d", 12345) == 5, "snprintf(NULL, 0) counts");
}

static void test_strings(void)
{
	char buf[32];
	check(strlen("") == 0 && strlen("abc") == 3, "strlen");
	check(strcmp("abc", "abc") == 0 && strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0, "strcmp");
	check(strncmp("abcx", "abcy", 3) == 0 && strncmp("ab", "ac", 2) < 0, "strncmp");
	check(strcmp(strcpy(buf, "copy"), "copy") == 0, "strcpy");
	check(strchr("hello", 'l') == (char *)"hello" + 2 || *strchr("hello", 'l') == 'l', "strchr finds");
	check(strchr("hello", 'z') == NULL && *strchr("hi", '\0') == '\0', "strchr misses / NUL");
	memset(buf, 'x', 10);
	check(buf[0] == 'x' && buf[9] == 'x', "memset");
	memcpy(buf, "0123456789", 10);
	memmove(buf + 2, buf, 6);
	check(memcmp(buf, "0101234589", 10) == 0, "memmove forward overlap");
	memmove(buf, buf + 2, 6);
	check(memcmp(buf, "0123454589", 10) == 0, "memmove backward overlap");
	check(memcmp("ab", "ac", 2) < 0 && memcmp("ab", "ab", 2) == 0, "memcmp");
}

static void test_numbers(void)
{
	char *end;
	check(atoi("123") == 123 && atoi("-45") == -45 && atoi("  7x") == 7, "atoi");
	check(strtoul("0x1f", &end, 0) == 31 && *end == '\0', "strtoul hex prefix");
	check(strtoul("017", NULL, 0) == 15, "strtoul octal prefix");
	check(strtoul("ff", NULL, 16) == 255, "strtoul base 16");
	check(strtoul("abc", &end, 10) == 0 && strcmp(end, "abc") == 0, "strtoul no digits");
	check(ulib_arg_num("", 64) == 64 && ulib_arg_num("12", 64) == 12, "ulib_arg_num");
}

/* Many blocks of varying size, each filled with its own byte; freed in a
 * scattered order, reallocated, checked. */
static void test_malloc(void)
{
	enum { N = 200 };
	uint8_t *p[N];
	size_t sz[N];
	uint32_t r = 1;
	int intact = 1;
	for (int i = 0; i < N; i++) {
		r = r * 1103515245u + 12345u;
		sz[i] = 1 + (r >> 16) % 3000;
		p[i] = malloc(sz[i]);
		check(p[i] != NULL && ((uintptr_t)p[i] & 15) == 0, "malloc returns aligned memory");
		if (p[i])
			memset(p[i], i & 0xff, sz[i]);
	}
	for (int i = 0; i < N; i += 3) {
		free(p[i]);
		p[i] = NULL;
	}
	for (int i = 1; i < N; i += 3) {
		p[i] = realloc(p[i], sz[i] * 2);
		for (size_t k = 0; p[i] && k < sz[i]; k++)
			intact &= p[i][k] == (i & 0xff);
		if (p[i])
			memset(p[i], i & 0xff, sz[i] *= 2);
	}
	for (int i = 0; i < N; i++)
		for (size_t k = 0; p[i] && k < sz[i]; k++)
			intact &= p[i][k] == (i & 0xff);
	check(intact, "blocks keep their contents through free/realloc of others");
	for (int i = 0; i < N; i++)
		free(p[i]);
	uint32_t *z = calloc(1000, sizeof *z);
	int zeroed = z != NULL;
	for (int i = 0; z && i < 1000; i++)
		zeroed &= z[i] == 0;
	check(zeroed, "calloc zeroes");
	free(z);
	/* After freeing everything, a big block must come from merged free space. */
	void *before = sbrk(0);
	void *big = malloc(64 * 1024);
	check(big != NULL && sbrk(0) == before, "freed neighbours merge (no heap growth)");
	free(big);
	check(malloc(0) == NULL, "malloc(0) is NULL");
}

int main(const char *arg)
{
	(void)arg;
	test_format();
	test_strings();
	test_numbers();
	test_malloc();
	printf("ulibtest: %d checks, %d failed\n", checks, failures);
	printf("ulibtest: %s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
