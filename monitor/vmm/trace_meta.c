/*
 * monitor/vmm/trace_meta.c — the first line of every trace file: how the trace
 * was made (format in monitor.h, mon_trace_meta_format). Nothing in it depends
 * on the host: no paths, times or addresses; images are named by their file
 * name and hashed by what the guest loads (imagehash.c).
 */
#include <inttypes.h>
#include <string.h>

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
