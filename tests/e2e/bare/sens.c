/*
 * tests/e2e/bare/sens.c — a bare-metal guest that checks, from inside, that
 * every sensitive instruction behaves as on a real CPU at CPL 0 although it
 * runs deprivileged: descriptor-table loads/stores, control registers, MSRs,
 * swapgs, pushf/popf and IF, cpuid, rdtsc, invlpg, wbinvd, int3 through its
 * own IDT, a #PF with CR2 and the error code. Prints one line per failure and
 * "sens: N checks passed" at the end.
 */
#include <stdint.h>
#include "tests/e2e/bare/bare_io.h"

static unsigned passed, failed;
static void check(int ok, const char *what)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	puts_uart("sens: FAIL ");
	puts_uart(what);
	puts_uart("\n");
}

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint64_t base;
};

static uint64_t idt[2 * 32] __attribute__((aligned(16)));
volatile uint64_t bp_hits, pf_err, pf_cr2, pf_rip_skip;

void bp_isr(void);
void pf_isr(void);
__asm__(".text\n"
	"bp_isr:\n"
	"  incq bp_hits(%rip)\n"
	"  iretq\n"
	"pf_isr:\n"
	"  push %rax\n"
	"  mov 8(%rsp), %rax\n"          /* error code */
	"  mov %rax, pf_err(%rip)\n"
	"  mov %cr2, %rax\n"
	"  mov %rax, pf_cr2(%rip)\n"
	"  mov pf_rip_skip(%rip), %rax\n"
	"  add %rax, 16(%rsp)\n"          /* skip the faulting instruction */
	"  pop %rax\n"
	"  add $8, %rsp\n"                /* drop the error code */
	"  iretq\n");

static void set_gate(unsigned vec, void (*fn)(void), unsigned dpl)
{
	uint64_t a = (uint64_t)(uintptr_t)fn;
	idt[2 * vec] = (a & 0xffff) | (0x08ull << 16) | ((0x8eull | (dpl << 5)) << 40) | ((a >> 16) << 48);
	idt[2 * vec + 1] = a >> 32;
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static void descriptor_tables(void)
{
	struct dtr g, i, d = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" ::"m"(d));
	__asm__ volatile("sgdt %0" : "=m"(g));
	__asm__ volatile("sidt %0" : "=m"(i));
	check(g.base == 0x2000 && g.limit == 23, "sgdt shows the firmware GDT");
	check(i.base == d.base && i.limit == d.limit, "sidt shows the guest's own IDT");
	uint16_t tr = 0xffff, ldt = 0xffff;
	__asm__ volatile("str %0" : "=r"(tr));
	__asm__ volatile("sldt %0" : "=r"(ldt));
	check(tr == 0 && ldt == 0, "str/sldt before ltr are 0");
	uint16_t cs;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	check(cs == 0x08, "CS reads as the firmware's 0x08");
}

static void control_registers(void)
{
	uint64_t cr0, cr3, cr4, cr2 = 0x1234000;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	check((cr0 & 0x80000001) == 0x80000001, "CR0.PG|PE");
	check(cr3 == 0x3000, "CR3 is the firmware PML4");
	check(cr4 & (1 << 5), "CR4.PAE");
	__asm__ volatile("mov %0, %%cr2" ::"r"(cr2));
	uint64_t back;
	__asm__ volatile("mov %%cr2, %0" : "=r"(back));
	check(back == cr2, "CR2 written and read back");
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0 | 8));
	__asm__ volatile("clts");
	__asm__ volatile("mov %%cr0, %0" : "=r"(back));
	check(!(back & 8), "clts clears CR0.TS");
	uint16_t msw;
	__asm__ volatile("smsw %0" : "=r"(msw));
	check(msw == (uint16_t)back, "smsw = CR0 low word");
	__asm__ volatile("mov %0, %%cr3" ::"r"(cr3)); /* flush */
	__asm__ volatile("invlpg (%0)" ::"r"(0x100000) : "memory");
	__asm__ volatile("wbinvd");
	check(1, "cr3 reload, invlpg, wbinvd survive");
}

static void msrs(void)
{
	check((rdmsr(0xc0000080) & 0xd01) == 0xd01, "EFER has SCE LME LMA NXE");
	wrmsr(0xc0000082, 0xffffffff80001234ull);
	check(rdmsr(0xc0000082) == 0xffffffff80001234ull, "LSTAR round trip");
	wrmsr(0xc0000081, 0x0013000800000000ull);
	check(rdmsr(0xc0000081) == 0x0013000800000000ull, "STAR round trip");
	wrmsr(0xc0000101, 0x5000);
	wrmsr(0xc0000102, 0x6000);
	__asm__ volatile("swapgs");
	check(rdmsr(0xc0000101) == 0x6000 && rdmsr(0xc0000102) == 0x5000, "swapgs exchanges the GS bases");
	wrmsr(0xc0000100, 0x7000);
	check(rdmsr(0xc0000100) == 0x7000, "FS base");
}

static void flags_and_info(void)
{
	uint64_t f;
	__asm__ volatile("cli; pushfq; popq %0" : "=r"(f));
	check(!(f & 0x200), "pushf after cli: IF clear");
	__asm__ volatile("pushq %0; popfq; pushfq; popq %0" : "+r"(f) : : "cc");
	f |= 0x200;
	__asm__ volatile("pushq %0; popfq" ::"r"(f) : "cc");
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	check(f & 0x200, "popf sets IF at CPL 0");
	__asm__ volatile("cli");
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	check(b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e, "cpuid vendor");
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	check(c & (1u << 31), "cpuid: hypervisor present bit");
	uint32_t lo1, hi1, lo2, hi2;
	__asm__ volatile("rdtsc" : "=a"(lo1), "=d"(hi1));
	for (volatile int i = 0; i < 100; i++)
		;
	__asm__ volatile("rdtsc" : "=a"(lo2), "=d"(hi2));
	check((((uint64_t)hi2 << 32) | lo2) > (((uint64_t)hi1 << 32) | lo1), "rdtsc advances");
}

static void exceptions(void)
{
	set_gate(3, bp_isr, 0);
	set_gate(14, pf_isr, 0);
	__asm__ volatile("int3");
	check(bp_hits == 1, "int3 through the guest IDT");
	/* unmap the 2 MiB page at 8 MiB (PD[4]) and touch it */
	volatile uint64_t *pd = (volatile uint64_t *)0x5000;
	uint64_t old = pd[4];
	pd[4] = 0;
	__asm__ volatile("invlpg (%0)" ::"r"(0x800000) : "memory");
	pf_rip_skip = 3; /* mov %al, (%rbx) is 2 bytes; see below */
	__asm__ volatile("mov %%al, (%%rbx)\n nop" ::"b"(0x800010), "a"(1) : "memory");
	check(pf_cr2 == 0x800010, "#PF: CR2 is the faulting address");
	check(pf_err == 2, "#PF: error code W, not present, supervisor");
	pd[4] = old;
}

void sens_main(void)
{
	outb(0x3fb, 0x03);
	descriptor_tables();
	control_registers();
	msrs();
	flags_and_info();
	exceptions();
	puts_uart("sens: ");
	putnum(passed);
	puts_uart(" checks passed, ");
	putnum(failed);
	puts_uart(" failed\n");
	__asm__ volatile("cli; hlt");
}

__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"  call sens_main\n"
	"1: hlt\n"
	"  jmp 1b\n");
