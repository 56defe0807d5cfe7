/*
 * tests/unit/test_monitor_tracediff.c — `vmlab trace-diff` and the trace line
 * parsers: equal and different traces, text and JSONL, --ignore, --context,
 * bad input (exit 2 with one line naming the problem).
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/console/console.h"
#include "tests/unit/check_run.h"

static char dir[64];
static char out[16384], err[4096];

static void setup(void)
{
	strcpy(dir, "/tmp/vmlab_td_XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Write a file in the temp dir; returns its path (static buffer per slot). */
static const char *file(int slot, const char *text)
{
	static char path[4][128];
	snprintf(path[slot], sizeof path[slot], "%s/f%d", dir, slot);
	FILE *f = fopen(path[slot], "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path[slot];
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
}

/* Run trace-diff with the given arguments; stdout/stderr land in out/err. */
static int run(const char *a1, const char *a2, const char *a3, const char *a4, const char *a5)
{
	char *argv[8] = {"trace-diff"};
	int argc = 1;
	const char *args[] = {a1, a2, a3, a4, a5};
	for (int i = 0; i < 5 && args[i]; i++)
		argv[argc++] = (char *)args[i];
	char po[160], pe[160];
	snprintf(po, sizeof po, "%s/out", dir);
	snprintf(pe, sizeof pe, "%s/err", dir);
	fflush(stdout);
	fflush(stderr);
	int so = dup(1), se = dup(2);
	int fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0600), fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fo, 1);
	dup2(fe, 2);
	int rc = mon_tracediff_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(fo);
	close(fe);
	close(so);
	close(se);
	slurp(po, out, sizeof out);
	slurp(pe, err, sizeof err);
	return rc;
}

static const char *T1 =
	"[     1042] vm0 app:hello  TLB miss VA 0x0000000000401000 (read)            -> VMM\n"
	"[     1042] vm0 VMM        shadow miss; walk guest PT cr3=PA 0x5000: 4 refs -> PA 0x23000\n"
	"[     1042] vm0 VMM        pmap PA 0x23000 -> MA 0x1a7000\n"
	"[     1042] vm0 VMM        TLB install VA 0x401000 -> MA 0x1a7000 [set 1 way 2] U R X\n"
	"[     1042] vm0 VMM        -> app:hello retry\n";

static const char *T1_OTHER_MA =
	"[     1042] vm0 app:hello  TLB miss VA 0x0000000000401000 (read)            -> VMM\n"
	"[     1042] vm0 VMM        shadow miss; walk guest PT cr3=PA 0x5000: 4 refs -> PA 0x23000\n"
	"[     1042] vm0 VMM        pmap PA 0x23000 -> MA 0x1b8000\n"
	"[     1042] vm0 VMM        TLB install VA 0x401000 -> MA 0x1b8000 [set 1 way 3] U R X\n"
	"[     1042] vm0 VMM        -> app:hello retry\n";

START_TEST(equal_text)
{
	ck_assert_int_eq(run(file(0, T1), file(1, T1), NULL, NULL, NULL), 0);
	ck_assert_str_eq(out, "traces equal: 5 events\n");
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(equal_ignores_padding_and_blank_lines)
{
	const char *b = "[1042] vm0   app:hello TLB miss VA 0x0000000000401000 (read) -> VMM   \r\n"
			"\n"
			"[1042] vm0 VMM shadow miss; walk guest PT cr3=PA 0x5000: 4 refs -> PA 0x23000\n"
			"   \n"
			"[ 1042 ] vm0 VMM pmap PA 0x23000 -> MA 0x1a7000\n"
			"[01042] vm0 VMM TLB install VA 0x401000 -> MA 0x1a7000 [set 1 way 2] U R X\n"
			"[1042] vm0 VMM -> app:hello retry";
	ck_assert_int_eq(run(file(0, T1), file(1, b), NULL, NULL, NULL), 0);
}
END_TEST

START_TEST(differ_text_field)
{
	ck_assert_int_eq(run(file(0, T1), file(1, T1_OTHER_MA), NULL, NULL, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "traces differ at event 3 ("));
	ck_assert_ptr_nonnull(strstr(out, "field 'text', word 6: expected \"0x1a7000\", actual \"0x1b8000\""));
	ck_assert_ptr_nonnull(strstr(out, "-   event 3     | [     1042] vm0 VMM        pmap PA 0x23000 -> MA 0x1a7000"));
	ck_assert_ptr_nonnull(strstr(out, "+   event 3     | [     1042] vm0 VMM        pmap PA 0x23000 -> MA 0x1b8000"));
	/* two events before, two after from each file */
	ck_assert_ptr_nonnull(strstr(out, "    event 1     | [     1042] vm0 app:hello"));
	ck_assert_ptr_nonnull(strstr(out, "after, EXPECTED:\n    event 4     |"));
	ck_assert_ptr_nonnull(strstr(out, "after, ACTUAL:\n    event 4     |"));
	ck_assert_ptr_nonnull(strstr(out, "(end of ACTUAL)"));
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(ignore_ma_masks_event_text)
{
	/* set/way still differ at event 4 */
	ck_assert_int_eq(run(file(0, T1), file(1, T1_OTHER_MA), "--ignore", "ma", NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "traces differ at event 4 ("));
	ck_assert_int_eq(run(file(0, T1), file(1, T1_OTHER_MA), "--ignore=ma,way", NULL, NULL), 0);
	ck_assert_int_eq(run(file(0, T1), file(1, T1_OTHER_MA), "--ignore", "ma", "--ignore=way"), 0);
}
END_TEST

START_TEST(ignore_icount_vm_who)
{
	const char *a = "[ 1] vm0 kernel  syscall write\n[ 2] vm0 VMM  sysret\n";
	const char *b = "[ 7] vm1 kernel  syscall write\n[ 9] vm1 app:x  sysret\n";
	ck_assert_int_eq(run(file(0, a), file(1, b), NULL, NULL, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "field 'icount': expected \"1\", actual \"7\""));
	ck_assert_int_eq(run(file(0, a), file(1, b), "--ignore=icount", NULL, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "field 'vm': expected \"0\", actual \"1\""));
	ck_assert_int_eq(run(file(0, a), file(1, b), "--ignore=icount,vm", NULL, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "at event 2"));
	ck_assert_ptr_nonnull(strstr(out, "field 'who': expected \"VMM\", actual \"app:x\""));
	ck_assert_int_eq(run(file(0, a), file(1, b), "--ignore=icount,vm,who", NULL, NULL), 0);
	ck_assert_int_eq(run(file(0, a), file(1, b), "--ignore=icount,vm,who,event", NULL, NULL), 0);
}
END_TEST

START_TEST(different_lengths)
{
	const char *a = "[1] vm0 VMM a\n[2] vm0 VMM b\n[3] vm0 VMM c\n";
	const char *b = "[1] vm0 VMM a\n[2] vm0 VMM b\n";
	ck_assert_int_eq(run(file(0, a), file(1, b), NULL, NULL, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "traces differ at event 3: ACTUAL ends after 2 events, EXPECTED goes on (line 3)"));
	ck_assert_ptr_nonnull(strstr(out, "-   event 3     | [3] vm0 VMM c"));
	ck_assert_int_eq(run(file(0, b), file(1, a), NULL, NULL, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "EXPECTED ends after 2 events, ACTUAL goes on"));
	ck_assert_ptr_nonnull(strstr(out, "+   event 3     | [3] vm0 VMM c"));
	ck_assert_int_eq(run(file(0, ""), file(1, ""), NULL, NULL, NULL), 0);
	ck_assert_str_eq(out, "traces equal: 0 events\n");
	ck_assert_int_eq(run(file(0, ""), file(1, b), NULL, NULL, NULL), 1);
}
END_TEST

START_TEST(context_option)
{
	char a[2048] = "", b[2048] = "";
	for (int i = 1; i <= 20; i++) {
		char l[64];
		snprintf(l, sizeof l, "[%d] vm0 VMM event %d\n", i, i);
		strcat(a, l);
		snprintf(l, sizeof l, "[%d] vm0 VMM event %d\n", i, i == 10 ? 99 : i);
		strcat(b, l);
	}
	ck_assert_int_eq(run(file(0, a), file(1, b), "--context", "0", NULL), 1);
	ck_assert_ptr_null(strstr(out, "event 9 "));
	ck_assert_ptr_null(strstr(out, "after,"));
	ck_assert_int_eq(run(file(0, a), file(1, b), "--context=5", NULL, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "    event 5     | [5]"));
	ck_assert_ptr_null(strstr(out, "    event 4     | [4]"));
	ck_assert_ptr_nonnull(strstr(out, "    event 15    | [15]"));
	ck_assert_ptr_null(strstr(out, "[16]"));
	ck_assert_int_eq(run(file(0, a), file(1, b), "--context", "100", NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "    event 1     | [1]"));
	ck_assert_ptr_nonnull(strstr(out, "(end of EXPECTED)"));
}
END_TEST

static const char *J1 =
	"{\"icount\":1042,\"vm\":\"vm0\",\"who\":\"app:hello\",\"cat\":\"tlb\",\"event\":\"TLB miss\",\"va\":\"0x401000\"}\n"
	"{\"icount\":1042,\"vm\":\"vm0\",\"who\":\"VMM\",\"cat\":\"tlb\",\"event\":\"TLB install\",\"va\":\"0x401000\",\"ma\":\"0x1a7000\",\"value\":{\"set\":1,\"way\":2}}\n";

START_TEST(equal_jsonl_any_order_and_spacing)
{
	const char *b =
		"  { \"vm\" : \"vm0\", \"icount\": 1042, \"who\":\"app:hello\",\"cat\":\"tlb\",\"event\":\"TLB miss\",\"va\":\"0x401000\" }\n"
		"{\"value\": { \"set\" : 1 , \"way\" : 2 }, \"ma\":\"0x1a7000\",\"va\":\"0x401000\",\"event\":\"TLB install\",\"cat\":\"tlb\",\"who\":\"VMM\",\"vm\":\"vm0\",\"icount\":1042}\n";
	ck_assert_int_eq(run(file(0, J1), file(1, b), NULL, NULL, NULL), 0);
	ck_assert_str_eq(out, "traces equal: 2 events\n");
}
END_TEST

START_TEST(differ_jsonl_fields)
{
	const char *b =
		"{\"icount\":1042,\"vm\":\"vm0\",\"who\":\"app:hello\",\"cat\":\"tlb\",\"event\":\"TLB miss\",\"va\":\"0x401000\"}\n"
		"{\"icount\":1042,\"vm\":\"vm0\",\"who\":\"VMM\",\"cat\":\"tlb\",\"event\":\"TLB install\",\"va\":\"0x401000\",\"ma\":\"0x1b8000\",\"value\":{\"set\":1,\"way\":3}}\n";
	ck_assert_int_eq(run(file(0, J1), file(1, b), NULL, NULL, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "traces differ at event 2"));
	ck_assert_ptr_nonnull(strstr(out, "field 'ma': expected \"0x1a7000\", actual \"0x1b8000\""));
	ck_assert_int_eq(run(file(0, J1), file(1, b), "--ignore", "ma", NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "field 'value': expected \"{\"set\":1,\"way\":2}\", actual \"{\"set\":1,\"way\":3}\""));
	ck_assert_int_eq(run(file(0, J1), file(1, b), "--ignore", "ma", "--ignore=value"), 0);
}
END_TEST

START_TEST(jsonl_missing_and_extra_keys)
{
	const char *a = "{\"icount\":1,\"vm\":\"vm0\",\"pa\":1}\n";
	const char *b = "{\"icount\":1,\"vm\":\"vm0\"}\n";
	const char *c = "{\"icount\":1,\"vm\":\"vm0\",\"pa\":1,\"value\":2}\n";
	ck_assert_int_eq(run(file(0, a), file(1, b), NULL, NULL, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "field 'pa': only in EXPECTED (\"1\")"));
	ck_assert_int_eq(run(file(0, a), file(1, c), NULL, NULL, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "field 'value': only in ACTUAL (\"2\")"));
	ck_assert_int_eq(run(file(0, a), file(1, c), "--ignore", "value", NULL), 0);
}
END_TEST

START_TEST(jsonl_string_escapes)
{
	const char *a = "{\"event\":\"caf\\u00e9 \\\"q\\\" \\ud83d\\ude00 \\/ \\n\"}\n";
	const char *b = "{\"event\":\"caf\xc3\xa9 \\\"q\\\" \xf0\x9f\x98\x80 / \\u000a\"}\n";
	ck_assert_int_eq(run(file(0, a), file(1, b), NULL, NULL, NULL), 0);
	struct con_event ev = {0};
	char why[128];
	ck_assert_int_eq(con_event_parse_json(&ev, "{\"k\":\"a\\tb\",\"n\":-1.5e+3,\"t\":true,\"z\":null,\"arr\":[1, \"x\" ,{}]}", why, sizeof why), 0);
	ck_assert_str_eq(con_event_get(&ev, "k"), "a\tb");
	ck_assert_str_eq(con_event_get(&ev, "n"), "-1.5e+3");
	ck_assert_str_eq(con_event_get(&ev, "t"), "true");
	ck_assert_str_eq(con_event_get(&ev, "z"), "null");
	ck_assert_str_eq(con_event_get(&ev, "arr"), "[1,\"x\",{}]");
	ck_assert_ptr_null(con_event_get(&ev, "missing"));
	con_event_free(&ev);
	ck_assert_int_eq(con_event_parse_json(&ev, "{}", why, sizeof why), 0);
	ck_assert_uint_eq(ev.nf, 0);
}
END_TEST

/* Malformed JSON: every one is rejected with a reason. */
static const char *const bad_json[] = {
	"[1,2]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1 \"b\":2}", "{a:1}",
	"{\"a\":01}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":tru}", "{\"a\":\"x}",
	"{\"a\":\"\\x\"}", "{\"a\":\"\\u12g4\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}",
	"{\"a\":1} x", "{\"a\":1,\"a\":2}", "{\"a\":[1,2}", "{\"a\":{\"b\" 1}}", "{\"a\":\"tab\there\"}",
	"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
};

START_TEST(json_malformed)
{
	struct con_event ev = {0};
	char why[128];
	const char *s = bad_json[_i];
	ck_assert_msg(con_event_parse_json(&ev, s, why, sizeof why) == -1, "accepted: %s", s);
	ck_assert_msg(strlen(why) > 5, "no reason for %s", s);
	ck_assert_uint_eq(ev.nf, 0);
}
END_TEST

static const char *const bad_text[] = {
	"1042 vm0 VMM x", "[] vm0 VMM x", "[12 vm0 VMM x", "[12]", "[12] vm0", "[12] vm0 VMM",
	"[12] vm0 VMM   ", "[99999999999999999999] vm0 VMM x", "[x] vm0 VMM x",
};

START_TEST(text_malformed)
{
	struct con_event ev = {0};
	char why[128];
	ck_assert_msg(con_event_parse_text(&ev, bad_text[_i], why, sizeof why) == -1, "accepted: %s",
		      bad_text[_i]);
	ck_assert(strlen(why) > 5);
	con_event_free(&ev);
}
END_TEST

START_TEST(text_fields)
{
	struct con_event ev = {0};
	char why[128];
	ck_assert_int_eq(con_event_parse_text(&ev, "[ 18446744073709551615] vm3 kernel   a  b\tc  ", why, sizeof why), 0);
	ck_assert_str_eq(con_event_get(&ev, "icount"), "18446744073709551615");
	ck_assert_str_eq(con_event_get(&ev, "vm"), "3");
	ck_assert_str_eq(con_event_get(&ev, "who"), "kernel");
	ck_assert_str_eq(con_event_get(&ev, "text"), "a b c");
	ck_assert_int_eq(con_event_parse_text(&ev, "[1] vmx VMM a", why, sizeof why), 0);
	ck_assert_str_eq(con_event_get(&ev, "vm"), "vmx");
	con_event_free(&ev);
}
END_TEST

START_TEST(mixed_text_and_jsonl)
{
	/* the monitor's own JSONL form: vm is a number, the event text is "text" */
	const char *t = "[      1042] vm0 VMM        TLB install VA 0x401000 -> MA 0x1a7000 [set 1 way 2]\n";
	const char *j = "{\"icount\":1042,\"vm\":0,\"who\":\"VMM\",\"cat\":\"tlb\",\"kind\":\"tlb_install\","
			"\"text\":\"TLB install VA 0x401000 -> MA 0x1a7000 [set 1 way 2]\",\"va\":\"0x401000\",\"ma\":\"0x1a7000\"}\n";
	const char *j2 = "{\"icount\":1043,\"vm\":0,\"who\":\"VMM\",\"text\":\"TLB install VA 0x401000 -> MA 0x1a7000 [set 1 way 2]\"}\n";
	ck_assert_int_eq(run(file(0, t), file(1, j), NULL, NULL, NULL), 0);
	ck_assert_int_eq(run(file(0, t), file(1, j2), NULL, NULL, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "field 'icount'"));
}
END_TEST

START_TEST(bad_input_files)
{
	char missing[160];
	snprintf(missing, sizeof missing, "%s/nope", dir);
	ck_assert_int_eq(run(missing, file(1, T1), NULL, NULL, NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
	ck_assert_ptr_nonnull(strstr(err, "nope"));
	ck_assert_int_eq(run(file(0, T1), dir, NULL, NULL, NULL), 2); /* a directory */
	ck_assert_ptr_nonnull(strstr(err, "cannot read"));
	ck_assert_int_eq(run(file(0, "[1] vm0 VMM x\n[2] vm0 VMM y\n"), file(1, "[1] vm0 VMM x\nhello world\n"), NULL, NULL, NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "f1:2: malformed text trace line"));
	ck_assert_int_eq(run(file(0, "{\"a\":1}\n{\"a\":\n"), file(1, "{\"a\":1}\n{\"a\":1}\n"), NULL, NULL, NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "f0:2: malformed JSONL line"));
	ck_assert_int_eq(run(file(0, "{\"a\":1}\n[1] vm0 VMM x\n"), file(1, "{\"a\":1}\n{\"a\":1}\n"), NULL, NULL, NULL), 2);
	/* one line on stderr, nothing on stdout */
	ck_assert_str_eq(out, "");
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
}
END_TEST

START_TEST(nul_byte)
{
	char path[160];
	snprintf(path, sizeof path, "%s/nul", dir);
	FILE *f = fopen(path, "w");
	fwrite("[1] vm0 VMM a\0b\n", 1, 16, f);
	fclose(f);
	ck_assert_int_eq(run(file(0, "[1] vm0 VMM a\n"), path, NULL, NULL, NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "NUL byte"));
}
END_TEST

START_TEST(bad_arguments)
{
	ck_assert_int_eq(run(NULL, NULL, NULL, NULL, NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "need two trace files"));
	ck_assert_int_eq(run(file(0, T1), NULL, NULL, NULL, NULL), 2);
	ck_assert_int_eq(run(file(0, T1), file(1, T1), "x", NULL, NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "too many files"));
	ck_assert_int_eq(run(file(0, T1), file(1, T1), "--frob", NULL, NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "unknown option '--frob'"));
	ck_assert_int_eq(run(file(0, T1), file(1, T1), "--ignore", NULL, NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "--ignore needs a value"));
	/* a misspelt field is refused (it used to hide nothing, silently), with the list */
	ck_assert_int_eq(run(file(0, T1), file(1, T1), "--ignore", "icnt", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "--ignore: unknown field 'icnt' (fields: icount vm who"));
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
	ck_assert_int_eq(run(file(0, T1), file(1, T1), "--ignore=ma,wya", NULL, NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "unknown field 'wya'"));
	ck_assert_int_eq(run(file(0, T1), file(1, T1), "--ignore=MA,Seed", NULL, NULL), 0);
	ck_assert_int_eq(run(file(0, T1), file(1, T1), "--context", "-1", NULL), 2);
	ck_assert_int_eq(run(file(0, T1), file(1, T1), "--context", "3x", NULL), 2);
	ck_assert_int_eq(run(file(0, T1), file(1, T1), "--context", "99999999999999999999999", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "--context wants a number"));
	ck_assert_int_eq(run("--help", NULL, NULL, NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "icount vm who cat kind text event va pa ma set way value"));
	ck_assert_ptr_nonnull(strstr(out, "usage: vmlab trace-diff"));
}
END_TEST

START_TEST(ignore_any_word_and_blanks)
{
	const char *a = "[0] vm0 VMM boot: 64 MiB RAM, TLB 16x4 lru, seed 1\n[1] vm0 VMM   walk L4 entry\n";
	const char *b = "[0] vm0 VMM boot: 64 MiB RAM, TLB 16x4 lru, seed 7\n[1] vm0 VMM walk L4 entry\n";
	const char *j = "{\"icount\":0,\"vm\":0,\"who\":\"VMM\",\"text\":\"boot: 64 MiB RAM, TLB 16x4 lru, seed 7\"}\n"
			"{\"icount\":1,\"vm\":0,\"who\":\"VMM\",\"text\":\"  walk L4 entry\"}\n";
	ck_assert_int_eq(run(file(0, a), file(1, b), NULL, NULL, NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "word 9: expected \"1\", actual \"7\""));
	ck_assert_int_eq(run(file(0, a), file(1, b), "--ignore", "seed", NULL), 0);
	ck_assert_int_eq(run(file(0, a), file(1, b), "--ignore", "SEED", NULL), 0);
	ck_assert_int_eq(run(file(0, a), file(1, j), NULL, NULL, NULL), 1);
	ck_assert_int_eq(run(file(0, a), file(1, j), "--ignore=seed", NULL, NULL), 0);
	/* masking only hides the value after the word, not other words */
	const char *c = "[0] vm0 VMM boot: 64 MiB RAM, TLB 16x4 fifo, seed 7\n[1] vm0 VMM walk L4 entry\n";
	ck_assert_int_eq(run(file(0, a), file(1, c), "--ignore", "seed", NULL), 1);
}
END_TEST

START_TEST(header_lines)
{
	struct con_event m = {0};
	char why[160];
	ck_assert_int_eq(con_trace_meta_parse(&m, "# vmlab trace version=0.1 seed=3 kernel=ab modules=a:1,b:2 "
					      "options=--mem 4M --cmdline 'x y'", why, sizeof why), 1);
	ck_assert_str_eq(con_event_get(&m, "version"), "0.1");
	ck_assert_str_eq(con_event_get(&m, "seed"), "3");
	ck_assert_str_eq(con_event_get(&m, "modules"), "a:1,b:2");
	ck_assert_str_eq(con_event_get(&m, "options"), "--mem 4M --cmdline 'x y'");
	ck_assert_int_eq(con_trace_meta_parse(&m, "{\"meta\":{\"version\":\"0.1\",\"seed\":3,\"options\":\"\"}}",
					      why, sizeof why), 1);
	ck_assert_str_eq(con_event_get(&m, "seed"), "3");
	ck_assert_str_eq(con_event_get(&m, "options"), "");
	/* not headers */
	ck_assert_int_eq(con_trace_meta_parse(&m, "[1] vm0 VMM x", why, sizeof why), 0);
	ck_assert_int_eq(con_trace_meta_parse(&m, "{\"icount\":1}", why, sizeof why), 0);
	ck_assert_int_eq(con_trace_meta_parse(&m, "# a comment", why, sizeof why), 0);
	ck_assert(con_trace_comment("  # a comment") && !con_trace_comment("[1] vm0 VMM #"));
	/* malformed headers */
	static const char *const bad[] = {
		"# vmlab trace seed=1", "# vmlab trace version=1 version=2", "# vmlab trace version=1 junk",
		"{\"meta\":1}", "{\"meta\":{\"seed\":1}}", "{\"meta\":{\"version\":\"1\"},\"x\":2}", "{\"meta\":{",
	};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(con_trace_meta_parse(&m, bad[i], why, sizeof why) == -1, "accepted: %s", bad[i]);
		ck_assert(!strncmp(why, "malformed trace header: ", 24));
	}
	con_event_free(&m);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tracediff");
	TCase *tc = tcase_create("tracediff");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, equal_text);
	tcase_add_test(tc, equal_ignores_padding_and_blank_lines);
	tcase_add_test(tc, differ_text_field);
	tcase_add_test(tc, ignore_ma_masks_event_text);
	tcase_add_test(tc, ignore_icount_vm_who);
	tcase_add_test(tc, different_lengths);
	tcase_add_test(tc, context_option);
	tcase_add_test(tc, equal_jsonl_any_order_and_spacing);
	tcase_add_test(tc, differ_jsonl_fields);
	tcase_add_test(tc, jsonl_missing_and_extra_keys);
	tcase_add_test(tc, jsonl_string_escapes);
	tcase_add_loop_test(tc, json_malformed, 0, (int)(sizeof bad_json / sizeof bad_json[0]));
	tcase_add_loop_test(tc, text_malformed, 0, (int)(sizeof bad_text / sizeof bad_text[0]));
	tcase_add_test(tc, text_fields);
	tcase_add_test(tc, mixed_text_and_jsonl);
	tcase_add_test(tc, header_lines);
	tcase_add_test(tc, bad_input_files);
	tcase_add_test(tc, nul_byte);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, ignore_any_word_and_blanks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
