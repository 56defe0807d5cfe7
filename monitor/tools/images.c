/*
 * monitor/tools/images.c — the front ends' file loading: read the kernel and
 * boot modules named in a mon_config (con_file_read) and create the VM from them in memory
 * (mon_vm_create_from, or mon_vm_create_on a shared host). The VMM itself reads no files.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/console/console.h"
#include "monitor/tools/tools.h"
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

/* A default image that is not there: name every place it was looked for. */
static void default_missing(const char *what, const char *rel, char *err, size_t errlen)
{
	char tried[TOOL_IMAGE_CANDIDATES * (MON_PATH_MAX + 2)];
	tool_image_tried(rel, tried, sizeof tried);
	snprintf(err, errlen, "no default %s: tried %s (build it with make, or give %s FILE)", what, tried,
		 strcmp(what, "kernel") ? "--module" : "--kernel");
}

/* A boot file (at most max bytes); for a default image that is not there, the paths tried. */
static uint8_t *read_image(const struct mon_config *cfg, const char *path, uint64_t max, const char *why,
			   size_t *size, char *err, size_t errlen)
{
	uint8_t *b = con_file_read_max(path, max, why, size, err, errlen);
	if (!b && access(path, F_OK) != 0) {
		if (path == cfg->default_kernel)
			default_missing("kernel", TOOL_KERNEL_REL, err, errlen);
		else if (path == cfg->default_initrd)
			default_missing("initrd", TOOL_INITRD_REL, err, errlen);
	}
	return b;
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
	/* Sizes are checked before reading: an ELF kernel only against the
	 * general bound (its symbols and debug sections are not loaded, so its
	 * file may exceed guest memory), each module, copied whole into guest
	 * memory, against the room the earlier ones left in --mem. */
	img.kernel.name = cfg->kernel;
	if (!(buf[0] = read_image(cfg, cfg->kernel, UINT64_MAX, "", &img.kernel.size, err, errlen)))
		goto out;
	img.kernel.data = buf[0];
	uint64_t room = cfg->mem_size;
	for (unsigned i = 0; i < cfg->nmodules; i++) {
		char why[96];
		snprintf(why, sizeof why, ": the boot modules must fit in --mem %lluK",
			 (unsigned long long)(cfg->mem_size >> 10));
		img.modules[i].name = cfg->modules[i];
		if (!(buf[i + 1] = read_image(cfg, cfg->modules[i], room, why, &img.modules[i].size, err, errlen)))
			goto out;
		img.modules[i].data = buf[i + 1];
		room -= img.modules[i].size;
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
