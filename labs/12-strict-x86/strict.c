/*
 * labs/12-strict-x86/strict.c — the Popek-Goldberg holes of pre-VT x86, as a
 * bare-metal guest kernel for `vmlab run --kernel` (runs on the firmware's
 * identity map, like tests/e2e/bare/bare.c; lab 12, and tests/modes/strict.sh).
 * It runs four instructions that are sensitive but not privileged and checks
 * what it gets back:
 *   sidt  after its own lidt: its own IDT, or someone else's?
 *   smsw  against mov from cr0 (which traps even on pre-VT x86)
 *   pushf after sti (which traps): does it show IF=1?
 *   popf  with IF=1, then pushf: did IF stick?
 * Under vmlab (trap and emulate) every one exits and is emulated: the right
 * answers. Under `vmlab run --strict-x86` they run untrapped at the kernel's
 * real CPL 3: sidt shows the monitor's IDT, smsw the real CR0, pushf the real
 * IF (0: the monitor, not the guest, takes the real interrupts), and popf
 * silently loses IF. The program prints what it saw; vmlab prints why.
 *
 * Per-student variants (lab 12's rubric): the kernel command line
 * (`vmlab run --cmdline "idt=0x240000 cr0=0x2a pushf=3"`, handed over in
 * boot_info.cmdline, guestos/boot.h) sets the IDT base it loads, the CR0 bits
 * it sets (any of MP 0x2, EM 0x4, TS 0x8, NE 0x20; they only reach the guest's
 * virtual CR0) and how many times it runs the sti/pushf test. Without a
 * command line: 0x200000, MP|NE (0x22), once.
 */
#include <stdint.h>
#include "guestos/boot.h"
#include "tests/e2e/bare/bare_io.h"

#define IDT_BASE_DEFAULT 0x200000ull
#define MY_IDT_LIMIT 0xfff
#define CR0_BITS_DEFAULT 0x22ull   /* MP | NE */
#define CR0_BITS_ALLOWED 0x2eull   /* MP | EM | TS | NE: harmless in the virtual CR0 */
#define PUSHF_ROUNDS_MAX 16
#define RFLAGS_IF (1ull << 9)

/* What the command line chose. */
struct params {
	uint64_t idt_base, cr0_bits;
	unsigned pushf_rounds;
};

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

/* What each instruction gave back. All four run first, one after the other (so a
 * trace window of the exits shows them together); the report is printed after. */
struct seen {
	struct dtr idt;
	uint64_t msw, cr0, pushf_flags, popf_flags;
};

/* "0x..." hex or decimal; the end of the number in *end. */
static uint64_t parse_num(const char *s, const char **end)
{
	uint64_t v = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (s += 2;; s++) {
			char c = *s;
			unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
				   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
			if (d == 16)
				break;
			v = v * 16 + d;
		}
	} else {
		for (; *s >= '0' && *s <= '9'; s++)
			v = v * 10 + (uint64_t)(*s - '0');
	}
	*end = s;
	return v;
}

static int word_is(const char *s, const char *key)
{
	while (*key && *s == *key)
		s++, key++;
	return !*key && *s == '=';
}

/* idt=BASE cr0=BITS pushf=N, space-separated; other words are ignored, bad values
 * fall back to the defaults (an IDT base is rounded down to a page). */
static void parse_cmdline(const struct boot_info *bi, struct params *p)
{
	p->idt_base = IDT_BASE_DEFAULT;
	p->cr0_bits = CR0_BITS_DEFAULT;
	p->pushf_rounds = 1;
	if (!bi || bi->magic != BOOT_INFO_MAGIC)
		return;
	const char *s = bi->cmdline, *end = bi->cmdline + BOOT_CMDLINE_MAX;
	while (s < end && *s) {
		while (*s == ' ')
			s++;
		const char *v = s;
		while (*v && *v != ' ' && *v != '=')
			v++;
		uint64_t n = 0;
		const char *after = v;
		if (*v == '=')
			n = parse_num(v + 1, &after);
		if (word_is(s, "idt") && n >= 0x100000 && n < 0x400000)
			p->idt_base = n & ~0xfffull;
		else if (word_is(s, "cr0") && n && !(n & ~CR0_BITS_ALLOWED))
			p->cr0_bits = n;
		else if (word_is(s, "pushf") && n >= 1 && n <= PUSHF_ROUNDS_MAX)
			p->pushf_rounds = (unsigned)n;
		s = after;
		while (*s && *s != ' ')
			s++;
	}
}

static void run_sidt(const struct params *p, struct seen *r)
{
	struct dtr mine = { MY_IDT_LIMIT, p->idt_base };
	__asm__ volatile("lidt %0" ::"m"(mine));
	__asm__ volatile("sidt %0" : "=m"(r->idt));
}

static void run_smsw(const struct params *p, struct seen *r)
{
	uint64_t cr0;
	/* set my CR0 bits (MP and NE by default) in my (virtual) CR0: mov to cr0 always traps */
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 |= p->cr0_bits;
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
	__asm__ volatile("smsw %0" : "=r"(r->msw));
	__asm__ volatile("mov %%cr0, %0" : "=r"(r->cr0));
}

/* pushf_flags keeps IF only if every round showed it. */
static void run_pushf(const struct params *p, struct seen *r)
{
	r->pushf_flags = RFLAGS_IF;
	for (unsigned i = 0; i < p->pushf_rounds; i++) {
		uint64_t flags;
		__asm__ volatile("sti; pushfq; popq %0; cli" : "=r"(flags) : : "memory");
		r->pushf_flags &= flags;
	}
}

static void run_popf(struct seen *r)
{
	uint64_t before;
	__asm__ volatile("pushfq; popq %0" : "=r"(before));
	before |= RFLAGS_IF;
	__asm__ volatile("pushq %1; popfq; pushfq; popq %0; cli" : "=r"(r->popf_flags) : "r"(before) : "cc", "memory");
}

static void report(const struct params *p, const struct seen *r)
{
	puts_uart("sidt: base ");
	puthex_w(r->idt.base, 16);
	puts_uart(" limit ");
	puthex_w(r->idt.limit, 4);
	if (r->idt.base == p->idt_base && r->idt.limit == MY_IDT_LIMIT)
		puts_uart(" = the IDT I loaded: right\n");
	else
		puts_uart(" != the IDT I loaded: someone else's IDT leaked\n");
	puts_uart("smsw: ");
	puthex_w(r->msw & 0xffff, 4);
	puts_uart(", mov from cr0: ");
	puthex_w(r->cr0 & 0xffff, 4);
	if ((r->msw & 0xffff) == (r->cr0 & 0xffff))
		puts_uart(": they agree: right\n");
	else
		puts_uart(": they differ: smsw read a CR0 that is not mine\n");
	puts_uart("pushf: after sti, pushf shows IF=");
	putc_uart(r->pushf_flags & RFLAGS_IF ? '1' : '0');
	puts_uart(r->pushf_flags & RFLAGS_IF ? ": right\n" : ": the real IF leaked, not mine\n");
	puts_uart("popf: IF=1 requested, pushf then shows IF=");
	putc_uart(r->popf_flags & RFLAGS_IF ? '1' : '0');
	puts_uart(r->popf_flags & RFLAGS_IF ? ": right\n" : ": IF was silently lost\n");
}

/* RDI: the firmware's boot_info (guestos/boot.h), passed on by _start's call. */
void strict_main(const struct boot_info *bi)
{
	outb(0x3f8 + 1, 0x00);
	outb(0x3f8 + 3, 0x80);
	outb(0x3f8 + 0, 0x01);
	outb(0x3f8 + 1, 0x00);
	outb(0x3f8 + 3, 0x03);
	puts_uart("strict-x86 demo: four sensitive but unprivileged instructions\n");
	struct params p;
	parse_cmdline(bi, &p);
	if (bi && bi->magic == BOOT_INFO_MAGIC && bi->cmdline[0]) {
		puts_uart("variant: IDT base ");
		puthex(p.idt_base);
		puts_uart(", CR0 bits set ");
		puthex(p.cr0_bits);
		puts_uart(", sti/pushf test ");
		putnum(p.pushf_rounds);
		puts_uart(p.pushf_rounds == 1 ? " time\n" : " times\n");
	}
	struct seen r = { { 0, 0 }, 0, 0, 0, 0 };
	run_sidt(&p, &r);
	run_smsw(&p, &r);
	run_pushf(&p, &r);
	run_popf(&r);
	report(&p, &r);
	__asm__ volatile("cli; hlt");
	for (;;)
		;
}

__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"  call strict_main\n"
	"1: hlt\n"
	"  jmp 1b\n");
