/*
 * tests/e2e/bare/user.c — a bare-metal guest kernel with one user program:
 * its own GDT (user segments, TSS), IDT, syscall MSRs, and the page at
 * 2 MiB made user-accessible. It enters user mode with iretq; the user code
 * makes syscalls (results checked through registers), reads and writes a
 * supervisor page (#PF with the U bit), executes `cli` (#GP), `int $0x80`
 * (a DPL-3 gate) and `int $0x81` (a DPL-0 gate: #GP), then exits by syscall.
 * Everything the monitor reflects is checked in the kernel and printed.
 * With -DSTUCK the first user instruction reads the supervisor page with
 * a #PF handler that returns to it unchanged, forever (a guest whose
 * instruction never retires; the monitor's progress guard must stop it).
 */
#include <stdint.h>
#include "tests/e2e/bare/bare_io.h"

static unsigned passed, failed;
static void check(int ok, const char *what)
{
	passed += ok != 0;
	failed += !ok;
	if (!ok) {
		puts_uart("user: FAIL ");
		puts_uart(what);
		puts_uart("\n");
	}
}

struct __attribute__((packed)) tss {
	uint32_t r0;
	uint64_t rsp0, rsp1, rsp2, r1, ist[7], r2;
	uint16_t r3, iomap;
};
static struct tss tss __attribute__((aligned(16)));
static uint64_t gdt[7] __attribute__((aligned(16)));
static uint64_t idt[2 * 256] __attribute__((aligned(16)));
static uint8_t kstack[8192] __attribute__((aligned(16)));

/* Written by the handlers (kernel side). */
volatile uint64_t sys_nr[8], sys_arg[8], nsys, exc_vec[8], exc_err[8], exc_cr2[8], nexc, int80;
volatile uint64_t kernel_rsp, user_rsp;

void syscall_entry(void);
void pf_isr(void);
void gp_isr(void);
void int80_isr(void);
void stuck_pf_isr(void);
void enter_user(uint64_t rip, uint64_t rsp);
void user_start(void);

__asm__(".text\n"
	/* syscall: RCX = user RIP, R11 = user RFLAGS; still on the user stack */
	"syscall_entry:\n"
	"  mov %rsp, user_rsp(%rip)\n"
	"  lea kstack+8192(%rip), %rsp\n"
	"  push %rcx\n push %r11\n"
	"  mov nsys(%rip), %rcx\n"
	"  lea sys_nr(%rip), %r11\n mov %rax, (%r11,%rcx,8)\n"
	"  lea sys_arg(%rip), %r11\n mov %rdi, (%r11,%rcx,8)\n"
	"  incq nsys(%rip)\n"
	"  cmp $3, %rax\n je 2f\n"
	"  add $100, %rax\n"
	"  pop %r11\n pop %rcx\n"
	"  mov user_rsp(%rip), %rsp\n"
	"  sysretq\n"
	"2: mov kernel_rsp(%rip), %rsp\n"   /* exit: back into enter_user's caller */
	"  ret\n"
	/* a fault from user mode: record vector, error, CR2; skip the instruction (length in %al at entry) */
	"pf_isr:\n push $14\n jmp 1f\n"
	"gp_isr:\n push $13\n"
	"1: push %rax\n push %rcx\n push %rdx\n"
	"  mov nexc(%rip), %rcx\n"
	"  lea exc_vec(%rip), %rdx\n mov 24(%rsp), %rax\n mov %rax, (%rdx,%rcx,8)\n"
	"  lea exc_err(%rip), %rdx\n mov 32(%rsp), %rax\n mov %rax, (%rdx,%rcx,8)\n"
	"  lea exc_cr2(%rip), %rdx\n mov %cr2, %rax\n mov %rax, (%rdx,%rcx,8)\n"
	"  incq nexc(%rip)\n"
	"  movzbq %bl, %rax\n add %rax, 40(%rsp)\n" /* the user code puts the faulting insn's length in BL */
	"  pop %rdx\n pop %rcx\n pop %rax\n"
	"  add $16, %rsp\n"                        /* vector, error code */
	"  iretq\n"
	"int80_isr:\n incq int80(%rip)\n iretq\n"
	"stuck_pf_isr:\n add $8, %rsp\n iretq\n"         /* drop the error code, retry unchanged */
	/* enter_user(rip, rsp): iretq to CPL 3, returns when the user calls exit */
	"enter_user:\n"
	"  mov %rsp, kernel_rsp(%rip)\n"
	"  push $0x1b\n push %rsi\n push $0x202\n push $0x23\n push %rdi\n"
	"  iretq\n"
	/* the user program, at 2 MiB (a user page) */
	".section .user, \"ax\"\n"
	"user_start:\n"
#ifdef STUCK
	"  .byte 0x8a, 0x04, 0x25, 0x00, 0x00, 0x10, 0x00\n" /* mov 0x100000, %al: #PF, retried unchanged */
#endif
	"  mov $1, %eax\n mov $7, %edi\n syscall\n"      /* -> 101 */
	"  mov %rax, %rdi\n mov $2, %eax\n syscall\n"   /* the kernel sees 101 */
	"  pushfq\n pop %rdi\n mov $4, %eax\n syscall\n" /* user RFLAGS as the user sees them */
	"  mov $7, %bl\n .byte 0x8a, 0x04, 0x25, 0x00, 0x00, 0x10, 0x00\n" /* mov 0x100000, %al: #PF */
	"  mov $7, %bl\n .byte 0x88, 0x04, 0x25, 0x00, 0x00, 0x10, 0x00\n" /* mov %al, 0x100000: #PF */
	"  mov $1, %bl\n cli\n"                          /* #GP(0) */
	"  int $0x80\n"                                  /* DPL 3 gate */
	"  mov $2, %bl\n int $0x81\n"                    /* DPL 0 gate: #GP(0x81 * 8 + 2) */
	"  mov $3, %eax\n syscall\n"                     /* exit */
	"  jmp .\n"
	".text\n");

static void set_gate(unsigned vec, void (*fn)(void), unsigned dpl)
{
	uint64_t a = (uint64_t)(uintptr_t)fn;
	idt[2 * vec] = (a & 0xffff) | (0x08ull << 16) | ((0x8eull | (dpl << 5)) << 40) | ((a >> 16) << 48);
	idt[2 * vec + 1] = a >> 32;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* GDT, TSS, segment reloads (the monitor emulates the DPL-0 loads), IDT, syscall MSRs. */
static void setup_cpu(void)
{
	uint64_t t = (uint64_t)(uintptr_t)&tss, lim = sizeof tss - 1;
	gdt[1] = 0x00209a0000000000ull; /* 0x08 kernel code */
	gdt[2] = 0x0000920000000000ull; /* 0x10 kernel data */
	gdt[3] = 0x0000f20000000000ull; /* 0x18 user data (DPL 3) */
	gdt[4] = 0x0020fa0000000000ull; /* 0x20 user code (DPL 3) */
	gdt[5] = (lim & 0xffff) | ((t & 0xffffff) << 16) | (0x89ull << 40) | (((t >> 24) & 0xff) << 56);
	gdt[6] = t >> 32;
	tss.rsp0 = (uint64_t)(uintptr_t)(kstack + sizeof kstack);
	struct __attribute__((packed)) { uint16_t l; uint64_t b; } g = { sizeof gdt - 1, (uint64_t)(uintptr_t)gdt },
		i = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lgdt %0" ::"m"(g));
	__asm__ volatile("pushq $0x08\n lea 1f(%%rip), %%rax\n pushq %%rax\n lretq\n1:\n"
			 "mov $0x10, %%eax\n mov %%eax, %%ds\n mov %%eax, %%es\n mov %%eax, %%ss\n"
			 "mov $0x28, %%eax\n ltr %%ax" ::: "rax", "memory");
	set_gate(13, gp_isr, 0);
#ifdef STUCK
	set_gate(14, stuck_pf_isr, 0);
#else
	set_gate(14, pf_isr, 0);
#endif
	set_gate(0x80, int80_isr, 3);
	set_gate(0x81, int80_isr, 0);
	__asm__ volatile("lidt %0" ::"m"(i));
	wrmsr(0xc0000081, (0x10ull << 48) | (0x08ull << 32)); /* STAR: sysret CS 0x23 SS 0x1b */
	wrmsr(0xc0000082, (uint64_t)(uintptr_t)syscall_entry);
	wrmsr(0xc0000084, 0x200);                             /* FMASK: IF */
	/* make the 2 MiB page at 2 MiB user-accessible: PML4[0], PDPT[0], PD[1] get U */
	*(volatile uint64_t *)0x3000 |= 4;
	*(volatile uint64_t *)0x4000 |= 4;
	*(volatile uint64_t *)0x5008 |= 4;
	__asm__ volatile("mov %%cr3, %%rax\n mov %%rax, %%cr3" ::: "rax", "memory");
}

void user_main(void)
{
	outb(0x3fb, 0x03);
	setup_cpu();
	enter_user((uint64_t)(uintptr_t)user_start, 0x3ff000);
	check(nsys == 4, "four syscalls");
	check(sys_nr[0] == 1 && sys_arg[0] == 7, "syscall 1 arguments");
	check(sys_nr[1] == 2 && sys_arg[1] == 101, "syscall result came back in RAX");
	check((sys_arg[2] & 0x200) && !(sys_arg[2] & 0x3000), "user RFLAGS: IF set, IOPL 0");
	check(nexc == 4, "four exceptions reflected");
	check(exc_vec[0] == 14 && exc_err[0] == 5 && exc_cr2[0] == 0x100000, "user read of a supervisor page: #PF P|U");
	check(exc_vec[1] == 14 && exc_err[1] == 7 && exc_cr2[1] == 0x100000, "user write of a supervisor page: #PF P|W|U");
	check(exc_vec[2] == 13 && exc_err[2] == 0, "cli in user mode: #GP(0)");
	check(int80 == 1, "int $0x80 through a DPL-3 gate");
	check(exc_vec[3] == 13 && exc_err[3] == 0x81 * 8 + 2, "int $0x81 through a DPL-0 gate: #GP(vector)");
	puts_uart("user: ");
	puthex(passed);
	puts_uart(" checks passed, ");
	puthex(failed);
	puts_uart(" failed\n");
	__asm__ volatile("cli; hlt");
}

__asm__(".section .text.start, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"  call user_main\n"
	"1: hlt\n"
	"  jmp 1b\n");
