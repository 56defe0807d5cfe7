/*
 * monitor/tools/images.c — the front ends' file loading: read the kernel and
 * boot modules named in a mon_config and create the VM from them in memory
 * (mon_vm_create_from). The VMM itself reads no files.
 */
#include <stdlib.h>

#include "monitor/vmm/monitor.h"

/* Read a whole file into a malloc'd buffer. NULL with err on failure. */
static uint8_t *read_file(const char *path, size_t *size, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open %s", path);
		return NULL;
	}
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > (1ull << 32)) {
				snprintf(err, errlen, "%s is too large", path);
				goto fail;
			}
			uint8_t *n = realloc(buf, cap);
			if (!n) {
				snprintf(err, errlen, "out of host memory reading %s", path);
				goto fail;
			}
			buf = n;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				snprintf(err, errlen, "cannot read %s", path);
				goto fail;
			}
			break;
		}
	}
	fclose(f);
	*size = len;
	return buf ? buf : calloc(1, 1);
fail:
	fclose(f);
	free(buf);
	return NULL;
}

struct vm *mon_vm_create(const struct mon_config *cfg, unsigned vmid, char *err, size_t errlen)
{
	struct mon_images img = {.nmodules = cfg->nmodules};
	uint8_t *buf[MON_MAX_MODULES + 1] = {0};
	struct vm *vm = NULL;
	if (cfg->nmodules > MON_MAX_MODULES) {
		snprintf(err, errlen, "at most %u boot modules", MON_MAX_MODULES);
		return NULL;
	}
	img.kernel.name = cfg->kernel;
	if (!(buf[0] = read_file(cfg->kernel, &img.kernel.size, err, errlen)))
		goto out;
	img.kernel.data = buf[0];
	for (unsigned i = 0; i < cfg->nmodules; i++) {
		img.modules[i].name = cfg->modules[i];
		if (!(buf[i + 1] = read_file(cfg->modules[i], &img.modules[i].size, err, errlen)))
			goto out;
		img.modules[i].data = buf[i + 1];
	}
	vm = mon_vm_create_from(cfg, &img, vmid, err, errlen);
out:
	for (unsigned i = 0; i <= MON_MAX_MODULES; i++)
		free(buf[i]);
	return vm;
}
