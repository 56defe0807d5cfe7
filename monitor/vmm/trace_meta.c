/*
 * monitor/vmm/trace_meta.c — the first line of every trace file: how the trace
 * was made (format in monitor.h, mon_trace_meta_format). Nothing in it depends
 * on the host: no paths, times or addresses; images are named by their file
 * name and hashed by what the guest loads (imagehash.c).
 */
#include <inttypes.h>
#include <string.h>

#include "monitor/vmm/host.h"
#include "monitor/vmm/vm.h"

/* The header's size limit: the options (cmdline at most 255 bytes, quoted)
 * and 16 module names with their hashes fit with room to spare. */
#define META_OPTIONS_MAX 2048

/* "initrd.pack:0123456789abcdef,strider:..." -- a module's file name without
 * its folders, any of " ,:=\"\\" and control characters replaced by '_'. */
static void modules_list(const struct mon_images *img, char *buf, size_t len)
{
	size_t pos = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < img->nmodules; i++) {
		const struct mon_image *m = &img->modules[i];
		const char *name = m->name ? m->name : "module";
		const char *slash = strrchr(name, '/');
		name = slash ? slash + 1 : name;
		mon_bufappend(buf, len, &pos, "%s", i ? "," : "");
		for (const char *c = name; *c && pos + 1 < len; c++)
			buf[pos++] = (unsigned char)*c < 0x20 || strchr(" ,:=\"\\", *c) ? '_' : *c;
		if (pos < len)
			buf[pos] = 0;
		mon_bufappend(buf, len, &pos, ":%016" PRIx64, mon_image_hash(name, m->data, m->size));
	}
}

void mon_trace_meta_images(struct vm *vm, const struct mon_images *img)
{
	modules_list(img, vm->modules_meta, sizeof vm->modules_meta);
	vm->kernel_hash = mon_image_hash("kernel", img->kernel.data, img->kernel.size);
}

int mon_trace_meta_format(const struct mon_config *cfg, const struct mon_images *img,
			  enum mon_trace_format fmt, char *buf, size_t len)
{
	char opts[META_OPTIONS_MAX], mods[MON_MAX_MODULES * 64];
	if (!len || !mon_config_options(cfg, opts, sizeof opts))
		return -1;
	modules_list(img, mods, sizeof mods);
	uint64_t kh = mon_image_hash("kernel", img->kernel.data, img->kernel.size);
	size_t pos = 0;
	if (fmt == MON_TRACE_TEXT) {
		mon_bufappend(buf, len, &pos, MON_TRACE_META_PREFIX "version=%s seed=%" PRIu64 " kernel=%016" PRIx64
			" modules=%s options=%s", mon_version(), cfg->seed, kh, mods, opts);
	} else {
		mon_bufappend(buf, len, &pos, "{\"meta\":{\"version\":");
		mon_json_str(buf, len, &pos, mon_version());
		mon_bufappend(buf, len, &pos, ",\"seed\":%" PRIu64 ",\"kernel\":\"%016" PRIx64 "\",\"modules\":\"%s\",\"options\":",
		    cfg->seed, kh, mods);
		mon_json_str(buf, len, &pos, opts);
		mon_bufappend(buf, len, &pos, "}}");
	}
	return pos + 1 < len ? 0 : -1; /* mon_bufappend stops at len - 1 when the text is cut */
}

/* One trace of every VM (vmlab run --vm ... --trace FILE): version and seed
 * (the host's), then per VM in vmid order its name, kernel and modules
 * ("a:HASH,b:HASH"; modules "a/initrd.pack:HASH,b/..."), and the options:
 * the run's own, then "| NAME share=N: OPTIONS" per VM. */
int mon_host_trace_meta_format(const struct host *h, const char *run_opts, const unsigned *shares,
			       enum mon_trace_format fmt, char *buf, size_t len)
{
	char names[MON_HOST_VMS_MAX * MON_VM_NAME_MAX], kernels[MON_HOST_VMS_MAX * 40];
	char mods[MON_HOST_VMS_MAX * 256], opts[META_OPTIONS_MAX * 4], one[META_OPTIONS_MAX];
	size_t pn = 0, pk = 0, pm = 0, po = 0;
	names[0] = kernels[0] = mods[0] = 0;
	mon_bufappend(opts, sizeof opts, &po, "%s", run_opts);
	uint64_t seed = 0;
	for (unsigned i = 0, k = 0; i < MON_HOST_VMS_MAX; i++) {
		const struct vm *vm = host_vm(h, i);
		if (!vm)
			continue;
		const char *sep = k++ ? "," : "";
		seed = vm->cfg.seed;
		if (!mon_config_options(&vm->cfg, one, sizeof one))
			return -1;
		mon_bufappend(names, sizeof names, &pn, "%s%s", sep, vm->name);
		mon_bufappend(kernels, sizeof kernels, &pk, "%s%s:%016" PRIx64, sep, vm->name, vm->kernel_hash);
		for (const char *m = vm->modules_meta; *m;) { /* each module behind its VM's name */
			size_t n = strcspn(m, ",");
			mon_bufappend(mods, sizeof mods, &pm, "%s%s/%.*s", pm ? "," : "", vm->name, (int)n, m);
			m += n + (m[n] == ',');
		}
		mon_bufappend(opts, sizeof opts, &po, "%s| %s share=%u:%s%s", po ? " " : "", vm->name,
			      shares ? shares[i] : 1, one[0] ? " " : "", one);
	}
	size_t pos = 0;
	if (fmt == MON_TRACE_TEXT) {
		mon_bufappend(buf, len, &pos, MON_TRACE_META_PREFIX "version=%s seed=%" PRIu64 " vms=%s kernel=%s"
			      " modules=%s options=%s", mon_version(), seed, names, kernels, mods, opts);
	} else {
		mon_bufappend(buf, len, &pos, "{\"meta\":{\"version\":");
		mon_json_str(buf, len, &pos, mon_version());
		mon_bufappend(buf, len, &pos, ",\"seed\":%" PRIu64 ",\"vms\":\"%s\",\"kernel\":\"%s\",\"modules\":", seed,
			      names, kernels);
		mon_json_str(buf, len, &pos, mods);
		mon_bufappend(buf, len, &pos, ",\"options\":");
		mon_json_str(buf, len, &pos, opts);
		mon_bufappend(buf, len, &pos, "}}");
	}
	return pos + 1 < len && po + 1 < sizeof opts ? 0 : -1;
}
