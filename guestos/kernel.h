/*
 * guestos/kernel.h — the guest kernel's internal interface: memory layout,
 * page-table bits, processes, and the functions each kernel file exports.
 * Freestanding: only <stdint.h>, <stddef.h>, <stdarg.h>.
 *
 * Virtual memory layout (every address space, one CR3 per process):
 *
 *   0xffffffffffffffff +---------------------------------+
 *                      | kernel half: PML4[511], shared  |
 *   KERNEL_BASE        | VA = KERNEL_BASE + PA for all   |  supervisor only
 *   0xffffffff80000000 | guest RAM up to KMAP_MAX (1 GiB)|  (US = 0)
 *                      +---------------------------------+
 *                      |        (non-canonical hole)     |
 *   USER_TOP           +---------------------------------+
 *   0x00007ffffffff000 | guard page                      |
 *   USER_STACK_TOP     +---------------------------------+
 *   0x00007fffffffe000 | user stack, grows down on #PF,  |  U RW NX
 *                      | at most USER_STACK_MAX (1 MiB)  |
 *                      +---------------------------------+
 *                      |             (unmapped)          |
 *                      +---------------------------------+
 *                      | heap: [end of image, brk)       |  U RW NX (sbrk)
 *                      +---------------------------------+
 *                      | program PT_LOAD segments        |  U, RW/NX per p_flags
 *   0x0000000000400000 |   (user.ld puts text here)      |  loaded lazily on #PF
 *   0x0000000000000000 +---------------------------------+  page 0 never mapped
 *
 * Physical memory: [0, 1 MiB) firmware/boot; the kernel image from 1 MiB to
 * kernel_end; boot modules (vmlab: just above the kernel; QEMU: near the top
 * of RAM); everything else is free frames (page tables, kernel data, and user
 * pages, the last limited by mem=).
 */
#ifndef GUESTOS_KERNEL_H
#define GUESTOS_KERNEL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/x86_pte.h"
#include "guestos/boot.h"

#define KERNEL_NAME "guestos 1.0 x86_64"

/* ---- memory layout */
#define KERNEL_BASE 0xffffffff80000000ull
#define KMAP_MAX (1ull << 30)               /* guest RAM the kernel can map */
#define P2V(pa) ((void *)((uint64_t)(pa) + KERNEL_BASE))
#define V2P(va) ((uint64_t)(va) - KERNEL_BASE)

#define USER_TOP 0x00007ffffffff000ull
#define USER_STACK_TOP 0x00007fffffffe000ull
#define USER_STACK_MAX (1ull << 20)
#define USER_MIN 0x1000ull

#define PAGE_SIZE 4096ull
#define PAGE_ROUND_DOWN(a) ((uint64_t)(a) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_UP(a) (((uint64_t)(a) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/*
 * Page-table entries: the bits are cpu/x86_pte.h's (PTE_P, PTE_RW, ...,
 * PTE_ADDR_MASK). A non-present user PTE with PTE_SWAPPED (an available bit)
 * set holds a swap slot in bits 51..12 and keeps its RW/US/NX bits for when
 * the page comes back.
 */
#define PTE_SWAPPED (1ull << 9)

/* ---- segments (GDT layout; STAR relies on the order) */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1b /* 0x18 | RPL 3 */
#define SEL_UCODE 0x23 /* 0x20 | RPL 3 */
#define SEL_TSS 0x28

/* ---- interrupt vectors */
#define VEC_IRQ0 0x20
#define VEC_SYSCALL 0x100 /* pseudo-vector in trap frames built by syscall entry */

/* Saved user/kernel state, built by trap.S (layout is fixed by the asm). */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU (or syscall entry) */
};

/* ---- programs (boot modules, with packs expanded) */
struct program {
	char name[BOOT_NAME_MAX];
	const uint8_t *data; /* kernel VA of the ELF image */
	uint64_t size;
};

/* ---- processes */
#define NPROC 32
#define KSTACK_SIZE 16384
#define MAX_REGIONS 8
#define ARG_MAX 128

enum proc_state { P_FREE, P_RUNNABLE, P_RUNNING, P_SLEEPING, P_WAITING, P_ZOMBIE };

/* One PT_LOAD segment of the running program. */
struct region {
	uint64_t start, end;         /* [start, end) page-aligned VA */
	uint64_t vaddr, filesz;      /* segment start and bytes backed by the file */
	uint64_t offset;             /* file offset of vaddr */
	int writable, executable;
};

struct proc {
	enum proc_state state;
	int pid;
	int parent;                  /* pid, 0 = none */
	int exit_status;
	int wait_for;                /* P_WAITING: pid waited for */
	uint64_t wake_tick;          /* P_SLEEPING: wake when ticks >= this */
	char name[BOOT_NAME_MAX];
	char arg[ARG_MAX];
	uint64_t *pml4;              /* kernel VA of the top-level table */
	const struct program *prog;
	struct region regions[MAX_REGIONS];
	int nregions;
	uint64_t heap_start, brk;
	uint8_t *kstack;             /* kernel VA of the KSTACK_SIZE stack */
	uint64_t ctx_rsp;            /* saved kernel RSP for swtch */
	struct trapframe *tf;        /* user state at the top of kstack */
};

/* ---- port I/O and CPU helpers */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void lcr3(uint64_t pa) { __asm__ volatile("mov %0, %%cr3" ::"r"(pa) : "memory"); }
static inline uint64_t rcr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline uint64_t rcr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
static inline void invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }

/* ---- lib.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
void kstrlcpy(char *d, const char *s, size_t n);

/* ---- console.c */
void console_init(void);
void console_write(const char *s, size_t n);
void kprintf(const char *fmt, ...);
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t n, const char *fmt, ...);

/* ---- main.c / bootinfo.c */
extern struct boot_info kboot;             /* kernel's copy of the hand-off */
extern uint64_t mem_limit_pages;           /* mem=: user pages allowed, 0 = no limit */
void kmain(void) __attribute__((noreturn));
void boot_from_vmlab(uint64_t boot_info_pa) __attribute__((noreturn));
void boot_from_pvh(uint32_t start_info_pa) __attribute__((noreturn));
void machine_shutdown(void) __attribute__((noreturn));

/* ---- cpu.c: GDT, TSS, IDT, syscall MSRs */
void cpu_init(void);
void cpu_set_kstack(uint64_t top);
extern uint64_t syscall_kstack_top;        /* used by trap.S */

/* ---- timer.c: PIC + PIT */
extern volatile uint64_t ticks;
void timer_init(void);
void pic_eoi(int irq);

/* ---- trap.c */
void trap(struct trapframe *tf);
void panic(const char *fmt, ...) __attribute__((noreturn));
void panic_tf(struct trapframe *tf, const char *fmt, ...) __attribute__((noreturn));

extern uint64_t ulimit; /* swap.c: user pages resident at most (the balloon lowers it) */

/* ---- kalloc.c: physical frames */
void kalloc_init(void);
uint64_t kalloc_frame(void);               /* zeroed frame PA, 0 if none */
void kfree_frame(uint64_t pa);
uint64_t kalloc_free_count(void);

/* ---- vm.c: page tables */
void vm_init(void);
uint64_t *vm_new_user(void);               /* new PML4 sharing the kernel half, NULL if OOM */
void vm_free_user(uint64_t *pml4);
uint64_t *vm_walk(uint64_t *pml4, uint64_t va, int create);
uint64_t vm_kernel_cr3(void);
int vm_fault(struct proc *p, uint64_t va, int write, const char **why);
int vm_copyin(struct proc *p, void *dst, uint64_t src, uint64_t n);
int vm_copyout(struct proc *p, uint64_t dst, const void *src, uint64_t n);
int vm_copyinstr(struct proc *p, char *dst, uint64_t src, uint64_t max);
void vm_unmap_range(struct proc *p, uint64_t start, uint64_t end);

/* ---- swap.c: user page frames, clock replacement, swap slots */
void swap_init(void);
uint64_t upage_alloc(struct proc *p, uint64_t va);  /* frame PA, 0 if none */
void upage_free(uint64_t pa);
int swap_in(struct proc *p, uint64_t va, uint64_t *pte);
void swap_drop(uint64_t pte);
void swap_report(void);
int swap_available(void);

/* ---- ata.c */
int ata_init(void);
void ata_read(uint32_t lba, void *buf, int nsect);
void ata_write(uint32_t lba, const void *buf, int nsect);

/* ---- program.c: modules, packs, ELF */
void programs_init(void);
const struct program *program_find(const char *name);
int program_count(void);
const struct program *program_at(int i);
int elf_load(struct proc *p, const struct program *prog, uint64_t *entry, const char **why);

/* ---- proc.c */
extern struct proc *curproc;
void proc_init(void);
int proc_spawn(const char *name, const char *arg, int parent);
int proc_exec(struct proc *p, const char *name, const char *arg);
void proc_exit(struct proc *p, int status) __attribute__((noreturn));
void proc_kill(struct proc *p, const char *fmt, ...) __attribute__((noreturn));
int proc_wait(struct proc *p, int pid, int *status);
void proc_sleep(struct proc *p, uint64_t nticks);
void proc_yield(void);
void proc_tick(void);
void scheduler(void) __attribute__((noreturn));

/* ---- syscall.c */
void syscall_dispatch(struct trapframe *tf);

/* ---- trap.S */
void swtch(uint64_t *old_rsp, uint64_t new_rsp);
void trapret(void);
extern uint64_t trap_vectors[];

#endif
