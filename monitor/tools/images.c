/*
 * monitor/tools/images.c — the front ends' file loading: read the kernel and
 * boot modules named in a mon_config (con_file_read) and create the VM from them in memory
 * (mon_vm_create_from, or mon_vm_create_on a shared host). The VMM itself reads no files.
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"
#include "monitor/vmm/monitor.h"

static void to_file(void *f, const char *text, size_t len)
{
	fwrite(text, 1, len, f);
	if (memchr(text, '\n', len))
		fflush(f);
}

void mon_vm_set_serial_echo(struct vm *vm, FILE *f)
{
	mon_vm_set_serial_sink(vm, f ? to_file : NULL, f);
}

/* Read the images, then create the VM on host h (NULL: a host of its own, as vmid). */
static struct vm *create_from_files(struct host *h, const struct mon_config *cfg, unsigned vmid, char *err,
				    size_t errlen)
{
	struct mon_images img = {.nmodules = cfg->nmodules};
	uint8_t *buf[MON_MAX_MODULES + 1] = {0};
	struct vm *vm = NULL;
	if (cfg->nmodules > MON_MAX_MODULES) {
		snprintf(err, errlen, "at most %u boot modules", MON_MAX_MODULES);
		return NULL;
	}
	img.kernel.name = cfg->kernel;
	if (!(buf[0] = con_file_read(cfg->kernel, &img.kernel.size, err, errlen)))
		goto out;
	img.kernel.data = buf[0];
	for (unsigned i = 0; i < cfg->nmodules; i++) {
		img.modules[i].name = cfg->modules[i];
		if (!(buf[i + 1] = con_file_read(cfg->modules[i], &img.modules[i].size, err, errlen)))
			goto out;
		img.modules[i].data = buf[i + 1];
	}
	vm = h ? mon_vm_create_on(h, cfg, &img, err, errlen) : mon_vm_create_from(cfg, &img, vmid, err, errlen);
	if (vm) {
		mon_vm_set_serial_echo(vm, stdout);
		mon_vm_set_message_sink(vm, to_file, stderr);
	}
out:
	for (unsigned i = 0; i <= MON_MAX_MODULES; i++)
		free(buf[i]);
	return vm;
}

struct vm *mon_vm_create(const struct mon_config *cfg, unsigned vmid, char *err, size_t errlen)
{
	return create_from_files(NULL, cfg, vmid, err, errlen);
}

struct vm *mon_vm_load_on(struct host *h, const struct mon_config *cfg, char *err, size_t errlen)
{
	return create_from_files(h, cfg, 0, err, errlen);
}
