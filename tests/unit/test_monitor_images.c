/*
 * tests/unit/test_monitor_images.c — mon_vm_create_from: a VM built from
 * images in memory (the config names files that do not exist, so nothing is
 * read from disk by the VMM) runs exactly like one created from the files.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/vmm/monitor.h"
#include "tests/unit/check_run.h"

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	uint8_t *b = malloc((size_t)n);
	ck_assert(b && fread(b, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static char *run_to_stop(struct vm *vm, size_t *len)
{
	mon_vm_set_serial_echo(vm, NULL);
	while (mon_vm_step(vm, MON_STEP_RUN) != MON_STOPPED)
		;
	char *buf;
	FILE *f = open_memstream(&buf, len);
	size_t n;
	const char *out = mon_vm_serial(vm, &n);
	fwrite(out, 1, n, f);
	mon_print_summary(vm, f);
	fclose(f);
	return buf;
}

START_TEST(memory_images_run_like_files)
{
	struct mon_config c;
	mon_config_defaults(&c);
	snprintf(c.cmdline, sizeof c.cmdline, "run=hello");
	char err[MON_ERR_MAX] = "";
	struct vm *a = mon_vm_create(&c, 0, err, sizeof err);
	ck_assert_msg(a != NULL, "%s", err);
	size_t alen;
	char *aout = run_to_stop(a, &alen);

	struct mon_images img = {.nmodules = 1};
	img.kernel.name = "kernel.elf";
	img.kernel.data = slurp(c.kernel, &img.kernel.size);
	img.modules[0].name = c.modules[0];
	img.modules[0].data = slurp(c.modules[0], &img.modules[0].size);
	c.kernel = "/nonexistent/kernel.elf";
	c.modules[0] = "/nonexistent/initrd.pack";
	struct vm *b = mon_vm_create_from(&c, &img, 0, err, sizeof err);
	ck_assert_msg(b != NULL, "%s", err);
	free((void *)img.kernel.data); /* the VM keeps no pointer into the images */
	free((void *)img.modules[0].data);
	size_t blen;
	char *bout = run_to_stop(b, &blen);
	ck_assert_uint_eq(alen, blen);
	ck_assert(!memcmp(aout, bout, alen));
	ck_assert(strstr(aout, "hello, world"));
	free(aout);
	free(bout);
	mon_vm_destroy(a);
	mon_vm_destroy(b);
}
END_TEST

static void collect(void *ctx, const char *text, size_t len)
{
	fwrite(text, 1, len, ctx);
}

/* A VM from images writes nowhere by itself; the sinks get every serial byte. */
START_TEST(serial_through_the_sink)
{
	struct mon_config c;
	mon_config_defaults(&c);
	snprintf(c.cmdline, sizeof c.cmdline, "run=hello");
	struct mon_images img = {.nmodules = 1};
	img.kernel.name = c.kernel;
	img.kernel.data = slurp(c.kernel, &img.kernel.size);
	img.modules[0].name = c.modules[0];
	img.modules[0].data = slurp(c.modules[0], &img.modules[0].size);
	char err[MON_ERR_MAX] = "";
	struct vm *vm = mon_vm_create_from(&c, &img, 0, err, sizeof err);
	ck_assert_msg(vm != NULL, "%s", err);
	char *buf, *msg;
	size_t len, mlen;
	FILE *f = open_memstream(&buf, &len), *m = open_memstream(&msg, &mlen);
	mon_vm_set_serial_sink(vm, collect, f);
	mon_vm_set_message_sink(vm, collect, m);
	while (mon_vm_step(vm, MON_STEP_RUN) != MON_STOPPED)
		;
	fclose(f);
	fclose(m);
	size_t n;
	const char *out = mon_vm_serial(vm, &n);
	ck_assert_uint_gt(n, 0);
	ck_assert(len == n && !memcmp(buf, out, n));
	ck_assert_uint_eq(mlen, 0); /* no --strict-x86: nothing to say */
	free(buf);
	free(msg);
	free((void *)img.kernel.data);
	free((void *)img.modules[0].data);
	mon_vm_destroy(vm);
}
END_TEST

START_TEST(bad_image_named_in_error)
{
	struct mon_config c;
	mon_config_defaults(&c);
	struct mon_images img = {.kernel = {"my.elf", (const uint8_t *)"not an elf", 10}};
	char err[MON_ERR_MAX] = "";
	ck_assert_ptr_null(mon_vm_create_from(&c, &img, 0, err, sizeof err));
	ck_assert_msg(!strncmp(err, "my.elf: ", 8), "%s", err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_images");
	TCase *tc = tcase_create("images");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, memory_images_run_like_files);
	tcase_add_test(tc, serial_through_the_sink);
	tcase_add_test(tc, bad_image_named_in_error);
	suite_add_tcase(s, tc);
	return check_run(s);
}
