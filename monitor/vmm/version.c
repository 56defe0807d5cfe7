/*
 * monitor/vmm/version.c — vmlab's version. The top Makefile (and web.mk) pass
 * the VERSION file's text as VMLAB_VERSION when compiling this one file. It is
 * a fixed string, not `git describe`: trace headers carry it, and goldens
 * made on any machine or commit must hold the same bytes.
 */
#include "monitor/vmm/monitor.h"

#ifndef VMLAB_VERSION
#error "compile with -DVMLAB_VERSION='\"X.Y\"' (the top Makefile reads it from VERSION)"
#endif

const char *mon_version(void)
{
	return VMLAB_VERSION;
}
