/*
 * guestos/tools/mkpack.c — host tool: pack files into one boot-module
 * archive (format in guestos/pack.h), each member named by its file name.
 *
 *   usage: mkpack OUT FILE...
 *
 * Exit status 0 on success; on any error a one-line message naming the
 * problem and status 1 (OUT is then removed).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestos/pack.h"

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

static long file_size(FILE *f)
{
	if (fseek(f, 0, SEEK_END) != 0)
		return -1;
	long n = ftell(f);
	if (fseek(f, 0, SEEK_SET) != 0)
		return -1;
	return n;
}

/* Write the pack; 0 or -1 after printing what went wrong. */
static int write_pack(FILE *out, int n, char **files)
{
	struct pack_header h;
	memset(&h, 0, sizeof h);
	memcpy(h.magic, PACK_MAGIC, 8);
	h.count = (uint32_t)n;
	struct pack_entry e[PACK_MAX_ENTRIES];
	memset(e, 0, sizeof e);
	uint64_t off = sizeof h + (uint64_t)n * sizeof e[0];
	for (int i = 0; i < n; i++) {
		const char *name = base_name(files[i]);
		if (strlen(name) >= PACK_NAME_MAX) {
			fprintf(stderr, "mkpack: name too long (max %d): %s\n", PACK_NAME_MAX - 1, name);
			return -1;
		}
		FILE *f = fopen(files[i], "rb");
		long sz = f ? file_size(f) : -1;
		if (f)
			fclose(f);
		if (sz < 0) {
			fprintf(stderr, "mkpack: cannot read %s\n", files[i]);
			return -1;
		}
		off = (off + PACK_ALIGN - 1) / PACK_ALIGN * PACK_ALIGN;
		strcpy(e[i].name, name);
		e[i].offset = off;
		e[i].size = (uint64_t)sz;
		off += (uint64_t)sz;
	}
	if (fwrite(&h, sizeof h, 1, out) != 1 || (n && fwrite(e, sizeof e[0], (size_t)n, out) != (size_t)n))
		return -1;
	uint64_t pos = sizeof h + (uint64_t)n * sizeof e[0];
	for (int i = 0; i < n; i++) {
		for (; pos < e[i].offset; pos++)
			fputc(0, out);
		FILE *f = fopen(files[i], "rb");
		if (!f) {
			fprintf(stderr, "mkpack: cannot read %s\n", files[i]);
			return -1;
		}
		char buf[65536];
		size_t got;
		while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
			if (fwrite(buf, 1, got, out) != got) {
				fclose(f);
				return -1;
			}
			pos += got;
		}
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mkpack OUT FILE...\n");
		return 1;
	}
	int n = argc - 2;
	if (n > PACK_MAX_ENTRIES) {
		fprintf(stderr, "mkpack: too many files (max %d)\n", PACK_MAX_ENTRIES);
		return 1;
	}
	FILE *out = fopen(argv[1], "wb");
	if (!out) {
		fprintf(stderr, "mkpack: cannot create %s\n", argv[1]);
		return 1;
	}
	int rc = write_pack(out, n, argv + 2);
	if (fclose(out) != 0 || rc != 0) {
		if (rc == 0)
			fprintf(stderr, "mkpack: cannot write %s\n", argv[1]);
		remove(argv[1]);
		return 1;
	}
	return 0;
}
