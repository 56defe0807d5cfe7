/*
 * guestos/cpu.c — descriptor tables and the syscall MSRs: the kernel's own
 * GDT (kernel and user code/data, one 64-bit TSS), the TSS (RSP0 = kernel
 * stack of the running process, IST1 = a private stack for double faults),
 * the IDT (interrupt gates for vectors 0-47: all exceptions and the 16 PIC
 * IRQs), and STAR/LSTAR/FMASK for syscall/sysret.
 */
#include "guestos/kernel.h"

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define EFER_SCE (1ull << 0)
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_AC (1ull << 18)

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));

struct dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t gdt[7] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static struct idt_gate idt[48] __attribute__((aligned(16)));
static uint8_t df_stack[4096] __attribute__((aligned(16)));

uint64_t syscall_kstack_top;

extern void syscall_entry(void);

static void gdt_init(void)
{
	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* 0x08 kernel code, 64-bit, DPL 0 */
	gdt[2] = 0x00cf92000000ffffull; /* 0x10 kernel data, DPL 0 */
	gdt[3] = 0x00cff2000000ffffull; /* 0x18 user data, DPL 3 */
	gdt[4] = 0x00affa000000ffffull; /* 0x20 user code, 64-bit, DPL 3 */
	uint64_t base = (uint64_t)&tss, limit = sizeof tss - 1;
	gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[6] = base >> 32;             /* 0x28: 16-byte available 64-bit TSS */
	tss.ist[0] = (uint64_t)(df_stack + sizeof df_stack);
	tss.iomap_base = sizeof tss;     /* no I/O bitmap: CPL 3 gets no ports */

	struct dtr d = { sizeof gdt - 1, (uint64_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "ltr %w3"
			 :
			 : "m"(d), "i"(SEL_KCODE), "i"(SEL_KDATA), "r"(SEL_TSS)
			 : "rax", "memory");
}

static void idt_init(void)
{
	for (int v = 0; v < 48; v++) {
		uint64_t h = trap_vectors[v];
		idt[v].off_lo = h & 0xffff;
		idt[v].sel = SEL_KCODE;
		idt[v].ist = v == 8 ? 1 : 0;  /* #DF on its own stack */
		idt[v].type = 0x8e;           /* present, DPL 0, 64-bit interrupt gate */
		idt[v].off_mid = (h >> 16) & 0xffff;
		idt[v].off_hi = h >> 32;
		idt[v].zero = 0;
	}
	struct dtr d = { sizeof idt - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(d));
}

/* syscall enters at CPL 0 with CS=0x08/SS=0x10; sysretq returns with
 * CS=0x20|3, SS=0x18|3 (STAR[63:48] = 0x10). FMASK clears IF, TF, DF, AC. */
static void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)SEL_KDATA << 48) | ((uint64_t)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC);
}

/* Load the kernel's GDT, TSS, IDT and syscall MSRs (once, at boot). */
void cpu_init(void)
{
	gdt_init();
	idt_init();
	syscall_init();
}

/* Make `top` the kernel stack for traps and syscalls from user mode. */
void cpu_set_kstack(uint64_t top)
{
	tss.rsp[0] = top;
	syscall_kstack_top = top;
}
