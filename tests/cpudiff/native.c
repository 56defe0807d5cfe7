/*
 * tests/cpudiff/native.c — running one case on the host CPU: the window is
 * mapped at BASE (read/write/execute); a generated entry stub saves the
 * host's callee-saved registers, loads RFLAGS and all 16 GPRs from the slots
 * and jumps to the instruction; both exits (fall-through and "branch taken"
 * 64 bytes further) record which one ran and jump to a common stub that
 * saves the GPRs and RFLAGS and returns to C. A signal (a generator bug)
 * is caught on an alternate stack and reported instead of killing the run.
 */
#include <asm/prctl.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/cpudiff/cpudiff.h"

struct slots {
	uint64_t in[16], in_flags, out[16], out_flags, host_rsp, which;
};

static void emit_rip_mov(uint8_t *code, unsigned *n, bool store, unsigned reg, uint64_t target)
{
	/* mov [rip+d], r64 (89) / mov r64, [rip+d] (8B) */
	code[(*n)++] = (uint8_t)(0x48 | (reg >= 8 ? 4 : 0));
	code[(*n)++] = store ? 0x89 : 0x8B;
	code[(*n)++] = (uint8_t)(0x05 | ((reg & 7) << 3));
	int32_t d = (int32_t)(target - (BASE + *n + 4));
	memcpy(code + *n, &d, 4);
	*n += 4;
}

/* The fixed parts of the code page: entry stub at 0, common exit at COMMON_OFF. */
static void build_stubs(uint8_t *code)
{
	unsigned n = 0;
	const uint64_t S = BASE + SLOT_OFF;
	static const uint8_t save[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
	memcpy(code + n, save, sizeof(save));
	n += sizeof(save);
	emit_rip_mov(code, &n, true, RSP, S + offsetof(struct slots, host_rsp));
	/* push qword [rip+in_flags]; popfq */
	code[n++] = 0xFF;
	code[n++] = 0x35;
	int32_t d = (int32_t)(S + offsetof(struct slots, in_flags) - (BASE + n + 4));
	memcpy(code + n, &d, 4);
	n += 4;
	code[n++] = 0x9D;
	for (unsigned k = 0; k < 16; k++)
		if (k != RSP)
			emit_rip_mov(code, &n, false, k, S + k * 8);
	emit_rip_mov(code, &n, false, RSP, S + RSP * 8);
	/* jmp CODE_OFF */
	code[n++] = 0xE9;
	d = (int32_t)(CODE_OFF - (n + 4));
	memcpy(code + n, &d, 4);
	n += 4;

	n = COMMON_OFF;
	for (unsigned k = 0; k < 16; k++)
		emit_rip_mov(code, &n, true, k, S + offsetof(struct slots, out) + k * 8);
	emit_rip_mov(code, &n, false, RSP, S + offsetof(struct slots, host_rsp));
	code[n++] = 0x9C; /* pushfq */
	code[n++] = 0x58; /* pop rax */
	emit_rip_mov(code, &n, true, RAX, S + offsetof(struct slots, out_flags));
	code[n++] = 0xFC; /* cld */
	static const uint8_t restore[] = { 0x41, 0x5F, 0x41, 0x5E, 0x41, 0x5D, 0x41, 0x5C, 0x5D, 0x5B, 0xC3 };
	memcpy(code + n, restore, sizeof(restore));
}

/* An exit at `at`: mov byte [rip+which], id; jmp COMMON_OFF */
static void put_exit(uint8_t *code, unsigned at, uint8_t id)
{
	unsigned n = at;
	code[n++] = 0xC6;
	code[n++] = 0x05;
	int32_t d = (int32_t)(SLOT_OFF + offsetof(struct slots, which) - (n + 5));
	memcpy(code + n, &d, 4);
	n += 4;
	code[n++] = id;
	code[n++] = 0xE9;
	d = (int32_t)(COMMON_OFF - (n + 4));
	memcpy(code + n, &d, 4);
}

/* A native fault is a bug in the generator: report it instead of dying. */
static sigjmp_buf native_fault;
volatile int cpudiff_native_signal;
static void on_signal(int sig)
{
	cpudiff_native_signal = sig;
	siglongjmp(native_fault, 1);
}

static void catch_signals(void)
{
	static uint8_t altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
}

static void run_native(uint8_t *win, const struct tcase *t, struct state *out, uint64_t *rip)
{
	struct slots *sl = (struct slots *)(win + SLOT_OFF);
	memset(win + CODE_OFF, 0xCC, 0x100);
	memcpy(win + CODE_OFF, t->bytes, t->len);
	put_exit(win, CODE_OFF + t->len, 1);
	put_exit(win, CODE_OFF + t->len + 64, 2);
	memcpy(win + 0x1000, t->mem, sizeof(t->mem));
	memcpy(sl->in, t->in.gpr, sizeof(sl->in));
	sl->in_flags = t->in.flags;
	sl->which = 0;
	__builtin___clear_cache((char *)win, (char *)win + 0x1000);
	((void (*)(void))(uintptr_t)BASE)();
	memcpy(out->gpr, sl->out, sizeof(out->gpr));
	out->flags = sl->out_flags;
	*rip = BASE + CODE_OFF + t->len + (sl->which == 2 ? 64 : 0);
}

/* run_native, catching a signal; false if the instruction faulted natively. */
bool cpudiff_native_run(uint8_t *win, const struct tcase *t, struct state *out, uint64_t *rip)
{
	if (sigsetjmp(native_fault, 1))
		return false;
	run_native(win, t, out, rip);
	return true;
}


uint8_t *cpudiff_native_init(void)
{
	uint8_t *win = mmap((void *)BASE, WIN, PROT_READ | PROT_WRITE | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (win == MAP_FAILED || win != (uint8_t *)BASE) {
		fprintf(stderr, "cpudiff: cannot map the test window at 0x%llx\n", BASE);
		return NULL;
	}
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, GS_BASE) != 0) {
		fprintf(stderr, "cpudiff: cannot set the GS base\n");
		return NULL;
	}
	build_stubs(win);
	catch_signals();
	return win;
}
