/*
 * monitor/console/console_color.c — what reaches the terminal: ANSI colours,
 * on a terminal only, and typed text made safe. Callers pass whether colour
 * is on (a terminal and no --no-color); with it off every function returns
 * "", so scripted output stays plain and byte-identical. The only escape
 * codes the console writes are its own colours: text a user or a script typed
 * goes through con_put_text.
 */
#include "monitor/console/console.h"

const char *con_color_on(bool enabled, enum con_color c)
{
	static const char *const seq[] = {
		[CON_C_NONE] = "",
		[CON_C_ADDR] = "\033[36m",   /* cyan: addresses */
		[CON_C_SYM] = "\033[33m",    /* yellow: <symbol+off> */
		[CON_C_ERR] = "\033[1;31m",  /* bold red: errors, faults */
		[CON_C_HEAD] = "\033[1m",    /* bold: table headings */
		[CON_C_EVENT] = "\033[35m",  /* magenta: trace events / phases */
		[CON_C_OK] = "\033[32m",     /* green: successful translations */
	};
	if (!enabled || (unsigned)c >= sizeof seq / sizeof seq[0])
		return "";
	return seq[c];
}

const char *con_color_off(bool enabled)
{
	return enabled ? "\033[0m" : "";
}

/* Length of the valid UTF-8 sequence at s, or 0 (bad or overlong sequences,
 * surrogates, and the C1 controls U+0080..U+009F, which terminals may obey). */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < 0xa0 || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void con_put_text(FILE *f, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	while (*s) {
		size_t n = *s >= 0x80 ? utf8_len(s) : (*s >= 0x20 && *s != 0x7f) || *s == '\t';
		if (n) {
			fwrite(s, 1, n, f);
			s += n;
		} else {
			fprintf(f, "\\x%02x", *s++);
		}
	}
}
