/*
 * tests/unit/guest_file.h — hand-made guests for the monitor's unit tests:
 * `code` written as an ELF64 ET_EXEC whose one segment loads at PA 0x100000
 * (VA == PA under the firmware's identity map) and starts there. Check tests only.
 */
#ifndef VMLAB_TESTS_UNIT_GUEST_FILE_H
#define VMLAB_TESTS_UNIT_GUEST_FILE_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/elf_image.h"

/* The segment holds `filesz` bytes from the file (code, then zeros) and
 * `memsz` in memory. Returns a malloc'd path of a file in /tmp. */
static inline char *test_guest_file(const uint8_t *code, size_t n, size_t filesz, size_t memsz)
{
	ck_assert_uint_le(n, filesz);
	size_t size = 4096 + filesz;
	uint8_t *buf = calloc(1, size);
	ck_assert_ptr_nonnull(buf);
	elf_image_header(buf, 0x100000, 0x100000, 4096, filesz, memsz, PF_R | PF_X | PF_W);
	memcpy(buf + 4096, code, n);
	char *path = strdup("/tmp/vmlab_test_guest_XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
	return path;
}

#endif
