/*
 * tests/unit/test_monitor_draw.c — the pictures' model (monitor/draw/): kinds
 * and fields inferred from text trace lines, the lecture's phase names, the
 * walk and TLB models built from events, and the SVG's escaping.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/draw/draw.h"
#include "tests/unit/check_run.h"

/* Append one text trace line to t. */
static void line(struct draw_events *t, const char *s)
{
	char err[160];
	ck_assert_msg(!draw_events_add_line(t, s, err, sizeof err), "%s: %s", s, err);
}

/* The SVG f wrote, as a string (caller frees). */
static char *svg_of(void (*fn)(FILE *, void *), void *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f, ctx);
	fclose(f);
	return buf;
}

/* A hidden fault as the monitor writes it (tests/e2e/golden/hidden-fault.trace):
 * the hardware walk finds no shadow entry, the VMM fills it, the retry's
 * hardware walk installs the TLB entry. */
static void hidden_fault(struct draw_events *t)
{
	line(t, "[   487543] vm0 app:hello  TLB miss VA 0x0000000000400000 (exec) -> hardware walk of the shadow table");
	line(t, "[   487543] vm0 CPU        shadow walk: 0 refs, no shadow PML4 yet for this CR3 and view -> shadow "
		"page fault, exit to VMM");
	line(t, "[   487543] vm0 VMM        shadow miss; walk guest PT cr3=PA 0x270000: 4 refs -> PA 0x271000");
	line(t, "[   487543] vm0 VMM          L4 entry at PA 0x270000 = 0x272007");
	line(t, "[   487543] vm0 VMM          L3 entry at PA 0x272000 = 0x273007");
	line(t, "[   487543] vm0 VMM          L2 entry at PA 0x273010 = 0x274007");
	line(t, "[   487543] vm0 VMM          L1 entry at PA 0x274000 = 0x271005");
	line(t, "[   487543] vm0 VMM        pmap PA 0x271000 -> MA 0x3de5000");
	line(t, "[   487543] vm0 VMM        shadow entry VA 0x400000 -> MA 0x3de5000 U R X written at MA 0x31ab000");
	line(t, "[   487543] vm0 VMM        -> app:hello retry");
	line(t, "[   487543] vm0 app:hello  TLB miss VA 0x0000000000400000 (exec) -> hardware walk of the shadow "
		"table (no exit)");
	line(t, "[   487543] vm0 CPU        shadow walk from root MA 0xf04000: 4 refs -> MA 0x3de5000");
	line(t, "[   487543] vm0 CPU        TLB install VA 0x400000 -> MA 0x3de5000 [set 0 way 2] U R X");
}

START_TEST(text_lines_get_kinds_and_fields)
{
	struct draw_events t = {0};
	hidden_fault(&t);
	static const char *const kinds[] = {"tlb_miss", "shadow_fault", "walk", "walk_ref", "walk_ref",
					    "walk_ref", "walk_ref", "pmap", "shadow_fill", "retry",
					    "tlb_miss", "hw_walk", "tlb_install"};
	ck_assert_uint_eq(t.n, 13);
	for (size_t i = 0; i < t.n; i++)
		ck_assert_str_eq(t.ev[i].kind, kinds[i]);
	ck_assert(t.ev[0].has & DRAW_HAS_VA);
	ck_assert_uint_eq(t.ev[0].va, 0x400000);
	ck_assert_uint_eq(t.ev[2].pa, 0x271000); /* the walk's result, not its cr3 */
	ck_assert_uint_eq(t.ev[6].pa, 0x274000);
	ck_assert_uint_eq(t.ev[6].value, 0x271005);
	ck_assert_uint_eq(t.ev[7].ma, 0x3de5000);
	ck_assert_uint_eq(t.ev[11].ma, 0x3de5000);
	ck_assert(t.ev[12].has & DRAW_HAS_SETWAY);
	ck_assert_int_eq(t.ev[12].set, 0);
	ck_assert_int_eq(t.ev[12].way, 2);
	ck_assert_str_eq(t.ev[3].text, "L4 entry at PA 0x270000 = 0x272007"); /* leading blanks dropped */
	/* a 2-D walk's guest entry: the value it read */
	line(&t, "[ 9] vm0 CPU          gL4 entry PA 0x270000: nested walk 4 refs -> MA 0x881000; read 0x272007 (1 ref)");
	ck_assert_str_eq(t.ev[13].kind, "walk2d_ref");
	ck_assert(t.ev[13].has & DRAW_HAS_VALUE);
	ck_assert_uint_eq(t.ev[13].value, 0x272007);
	draw_events_free(&t);
}
END_TEST

START_TEST(jsonl_kind_wins_over_inference)
{
	struct draw_events t = {0};
	line(&t, "{\"icount\":5,\"vm\":1,\"who\":\"CPU\",\"cat\":\"shadow\",\"kind\":\"hw_walk\","
		 "\"text\":\"TLB miss lookalike\",\"va\":\"0x1000\"}");
	ck_assert_str_eq(t.ev[0].kind, "hw_walk");
	ck_assert_uint_eq(t.ev[0].vm, 1);
	ck_assert_uint_eq(t.ev[0].va, 0x1000);
	/* a kind never heard of: its phase is "walk" if it walks, else its own name */
	ck_assert_str_eq(draw_phase(&t.ev[0]), "walk");
	strcpy(t.ev[0].kind, "frobnicate");
	ck_assert_str_eq(draw_phase(&t.ev[0]), "frobnicate");
	draw_events_free(&t);
}
END_TEST

START_TEST(phases_are_the_lectures)
{
	struct draw_events t = {0};
	hidden_fault(&t);
	line(&t, "[   578193] vm0 app:hello  exit: syscall at RIP 0x4013d7 -> VMM");
	static const char *const want[] = {"miss", "shadow fault", "walk", "walk", "walk", "walk", "walk",
					   "pmap", "shadow fill", "retry", "miss", "walk", "install", "syscall"};
	for (size_t i = 0; i < t.n; i++)
		ck_assert_str_eq(draw_phase(&t.ev[i]), want[i]);
	draw_events_free(&t);
}
END_TEST

START_TEST(malformed_lines_are_refused)
{
	struct draw_events t = {0};
	char err[160];
	ck_assert_int_eq(draw_events_add_line(&t, "no bracket here", err, sizeof err), -1);
	ck_assert_int_eq(draw_events_add_line(&t, "{\"vm\":0}", err, sizeof err), -1);
	ck_assert_uint_eq(t.n, 0);
	draw_events_free(&t);
}
END_TEST

START_TEST(walk_model_from_a_hidden_fault)
{
	struct draw_events t = {0};
	hidden_fault(&t);
	struct draw_walk w;
	char err[160];
	ck_assert_int_eq(draw_walk_from_events(&w, &t, 0x400123, err, sizeof err), 0);
	ck_assert_uint_eq(w.nrefs, 4);
	ck_assert_uint_eq(w.ref_val[3], 0x271005);
	ck_assert(w.has_cr3);
	ck_assert_uint_eq(w.cr3, 0x270000);
	ck_assert(w.pa_ok && w.ma_ok && w.tlb_ok && !w.fault);
	ck_assert_uint_eq(w.pa, 0x271123); /* the offset of the VA asked for */
	ck_assert_uint_eq(w.ma, 0x3de5123);
	ck_assert_str_eq(w.perm, "U R X");
	ck_assert_int_eq(w.set, 0); /* the retry's hardware walk installed it */
	ck_assert_int_eq(w.way, 2);
	ck_assert(w.hw_refill);
	ck_assert_int_eq(w.mmu, DRAW_WALK_SHADOW);
	ck_assert_int_eq(draw_walk_from_events(&w, &t, 0x500000, err, sizeof err), -1);
	draw_events_free(&t);
}
END_TEST

/* A miss refilled from the shadow table alone (no exit): no guest walk, and no fault either. */
START_TEST(walk_model_of_a_shadow_hit)
{
	struct draw_events t = {0};
	line(&t, "[ 7] vm0 kernel     TLB miss VA 0x0000000000101067 (exec) -> hardware walk of the shadow table (no exit)");
	line(&t, "[ 7] vm0 CPU        shadow walk from root MA 0x4458000: 4 refs -> MA 0x75c000");
	line(&t, "[ 7] vm0 CPU        TLB install VA 0x101000 -> MA 0x75c000 [set 1 way 0] R X");
	line(&t, "[ 9] vm0 kernel     TLB miss VA 0x0000000000101f00 (read) -> hardware walk of the shadow table");
	struct draw_walk w;
	char err[160];
	ck_assert_int_eq(draw_walk_from_events(&w, &t, 0x101067, err, sizeof err), 0);
	ck_assert(w.hw_refill && !w.fault && !w.pa_ok && w.nrefs == 0);
	ck_assert(w.ma_ok && w.tlb_ok);
	ck_assert_uint_eq(w.ma, 0x75c067);
	char *svg = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&svg, &len);
	draw_walk_svg(f, &w);
	fclose(f);
	ck_assert_ptr_null(strstr(svg, "class=\"frame fault\""));
	ck_assert_ptr_null(strstr(svg, "#PF"));
	ck_assert_ptr_nonnull(strstr(svg, "VA 0x101000 -&gt; MA 0x75c000 "));
	ck_assert_ptr_nonnull(strstr(svg, "guest table not walked"));
	free(svg);
	draw_events_free(&t);
}
END_TEST

START_TEST(tlb_grid_marks_the_last_change)
{
	struct draw_events t = {0};
	line(&t, "[ 10] vm0 VMM TLB install VA 0x1000 -> MA 0x9000 [set 1 way 0] R");
	line(&t, "[ 20] vm0 VMM TLB install VA 0x2000 -> MA 0xa000 [set 2 way 3] R W");
	line(&t, "[ 25] vm0 VMM retry-less event");
	struct draw_tlb *now = malloc(sizeof *now), *prev = malloc(sizeof *prev);
	char err[160];
	ck_assert_int_eq(draw_tlb_from_events(now, prev, &t, 4, 4, err, sizeof err), 0);
	ck_assert(now->e[1 * 4 + 0].valid && prev->e[1 * 4 + 0].valid);
	ck_assert(now->e[2 * 4 + 3].valid && !prev->e[2 * 4 + 3].valid);
	ck_assert_uint_eq(now->now, 25);
	ck_assert_str_eq(now->e[2 * 4 + 3].perm, "R W");
	ck_assert_int_eq(draw_tlb_from_events(now, prev, &t, 0, 4, err, sizeof err), -1);
	free(now);
	free(prev);
	draw_events_free(&t);
}
END_TEST

static void seq(FILE *f, void *ctx)
{
	char err[160];
	ck_assert_int_eq(draw_sequence_svg(f, ctx, 0, 0, err, sizeof err), 0);
}

START_TEST(sequence_escapes_and_is_deterministic)
{
	struct draw_events t = {0};
	line(&t, "[ 1] vm0 VMM        in port 0x3f8 (COM1 <uart>) -> 0x41 & more \"quoted\"");
	line(&t, "[ 2] vm1 kernel     TLB miss VA 0x5000 (read) -> VMM");
	char *a = svg_of(seq, &t), *b = svg_of(seq, &t);
	ck_assert_str_eq(a, b);
	ck_assert_ptr_nonnull(strstr(a, "(COM1 &lt;uart&gt;) -&gt; 0x41 &amp; more &quot;quoted&quot;"));
	ck_assert_ptr_null(strstr(a, "<uart>"));
	ck_assert_ptr_nonnull(strstr(a, ">VM b</text>")); /* a second VM gets its own lane */
	free(a);
	free(b);
	draw_events_free(&t);
}
END_TEST

START_TEST(windows)
{
	size_t first, count;
	ck_assert(draw_parse_window("3:10", &first, &count));
	ck_assert_uint_eq(first, 2);
	ck_assert_uint_eq(count, 10);
	ck_assert(draw_parse_window("1", &first, &count));
	ck_assert_uint_eq(count, 0);
	ck_assert(!draw_parse_window("0", &first, &count));
	ck_assert(!draw_parse_window("2:0", &first, &count));
	ck_assert(!draw_parse_window("x", &first, &count));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("monitor_draw");
	TCase *tc = tcase_create("draw");
	tcase_add_test(tc, text_lines_get_kinds_and_fields);
	tcase_add_test(tc, jsonl_kind_wins_over_inference);
	tcase_add_test(tc, phases_are_the_lectures);
	tcase_add_test(tc, malformed_lines_are_refused);
	tcase_add_test(tc, walk_model_from_a_hidden_fault);
	tcase_add_test(tc, walk_model_of_a_shadow_hit);
	tcase_add_test(tc, tlb_grid_marks_the_last_change);
	tcase_add_test(tc, sequence_escapes_and_is_deterministic);
	tcase_add_test(tc, windows);
	suite_add_tcase(s, tc);
	return check_run(s);
}
