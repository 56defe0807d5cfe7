/*
 * monitor/console/console_color.c — ANSI colours for the console, on a terminal only.
 * Callers pass whether colour is on (a terminal and no --no-color); with it
 * off every function returns "", so scripted output stays plain and
 * byte-identical.
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
