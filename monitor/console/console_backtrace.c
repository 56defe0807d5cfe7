/*
 * monitor/console/console_backtrace.c — `backtrace`: the guest's call stack.
 *
 * The chain is the frame-pointer chain ([rbp] = the caller's rbp, [rbp+8] =
 * the return address), but a function's frame exists only once its prologue
 * (`push rbp; mov rbp, rsp`) has run. Before that -- at a breakpoint on the
 * function's first instruction, in a shrink-wrapped function whose prologue
 * comes later, in a leaf without a frame -- rbp is still the caller's and the
 * return address is on the stack at rsp plus what the function pushed so far.
 * Like gdb without unwind info, we find that by scanning the function's
 * instructions from its start up to RIP (console_prologue_scan below).
 */
#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/console/console.h"

#define BT_MAX_FRAMES 32
#define SCAN_MAX 4096 /* a function longer than this before RIP is not scanned */

/* The stack state the scan tracks: bytes pushed below the return address, and the frame. */
struct scan_state {
	uint64_t depth;  /* rsp + depth = where the return address is */
	bool framed;     /* `mov rbp, rsp` has run: rbp is this function's frame */
	bool known;      /* depth is known (no `and rsp`, `mov rsp, ...` seen) */
	uint64_t rbp_at; /* depth before `push rbp`: where `leave` puts rsp back */
};

/* Is op_str "rsp, N"? Puts N in *n. */
static bool rsp_imm(const char *op, uint64_t *n)
{
	if (strncmp(op, "rsp, ", 5))
		return false;
	char *end;
	*n = strtoull(op + 5, &end, 0);
	return end != op + 5 && !*end;
}

/*
 * Apply one instruction to st. `body` keeps the state before the last
 * epilogue (`pop rbp` / `leave`): code after a `ret` or `jmp` in address
 * order is reached from the body, not from the epilogue.
 */
static void scan_insn(const cs_insn *in, struct scan_state *st, struct scan_state *body, bool *have_body)
{
	const char *m = in->mnemonic, *op = in->op_str;
	uint64_t n;
	if (!strcmp(m, "push") || !strcmp(m, "pushfq")) {
		if (!strcmp(op, "rbp"))
			st->rbp_at = st->depth;
		st->depth += 8;
	} else if (!strcmp(m, "pop") || !strcmp(m, "popfq")) {
		if (!strcmp(op, "rbp") && st->framed) {
			*body = *st;
			*have_body = true;
			st->framed = false;
		}
		st->depth -= 8;
	} else if (!strcmp(m, "leave")) {
		*body = *st;
		*have_body = true;
		st->framed = false;
		st->depth = st->rbp_at; /* mov rsp, rbp; pop rbp */
	} else if (!strcmp(m, "ret") || !strcmp(m, "jmp")) {
		if (*have_body)
			*st = *body;
	} else if (!strcmp(m, "mov") && !strcmp(op, "rbp, rsp")) {
		st->framed = true;
	} else if (!strcmp(m, "sub") && rsp_imm(op, &n)) {
		st->depth += n;
	} else if (!strcmp(m, "add") && rsp_imm(op, &n)) {
		st->depth -= n;
	} else if (!strncmp(op, "rsp, ", 5) && strcmp(m, "cmp") && strcmp(m, "test")) {
		st->known = false; /* and rsp, -16; mov rsp, ...; lea rsp, ... */
	}
}

int con_prologue_scan(const uint8_t *code, size_t len, uint64_t start, uint64_t pc, uint64_t *ra_off)
{
	if (pc < start || pc - start > len || pc - start > SCAN_MAX)
		return -1;
	csh h;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -1;
	cs_insn *insn = NULL;
	size_t count = pc > start ? cs_disasm(h, code, (size_t)(pc - start), start, 0, &insn) : 0;
	struct scan_state st = {.known = true}, body = st;
	bool have_body = false, reached = pc == start;
	for (size_t i = 0; i < count; i++) {
		scan_insn(&insn[i], &st, &body, &have_body);
		reached = insn[i].address + insn[i].size == pc;
	}
	if (count)
		cs_free(insn, count);
	cs_close(&h);
	if (!reached || !st.known || (int64_t)st.depth < 0)
		return -1; /* RIP is not on an instruction boundary of a linear decode, or rsp is lost */
	if (st.framed)
		return 0;
	*ra_off = st.depth;
	return 1;
}

/* Does a call instruction end right before ra (so ra really is a return address)? */
static bool after_call(struct con_session *s, uint64_t ra)
{
	uint8_t b[7];
	if (ra < sizeof b || mon_read_va(s->vm, ra - sizeof b, b, sizeof b) != sizeof b)
		return false;
	if (b[2] == 0xe8) /* call rel32 */
		return true;
	/* call r/m64 (ff /2): 2 bytes (register, [reg]), 3 (disp8), 6 (rip/disp32), 7 (SIB disp32) */
	static const unsigned lens[] = {2, 3, 6, 7};
	for (unsigned i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		unsigned at = 7 - lens[i];
		if (b[at] == 0xff && (b[at + 1] & 0x38) == 0x10)
			return true;
	}
	return false;
}

/* Before RIP's function has its frame: the return address on the stack, or false. */
static bool entry_return(struct con_session *s, const struct cpu *cpu, uint64_t *ra)
{
	const struct con_sym *sym = con_sym_find(&s->syms, cpu->rip, con_cur_prog(s));
	if (!sym || cpu->rip - sym->addr > SCAN_MAX)
		return false;
	size_t len = (size_t)(cpu->rip - sym->addr) + 16;
	uint8_t *code = malloc(len);
	uint64_t off = 0;
	int r = -1;
	if (code && mon_read_va(s->vm, sym->addr, code, len) >= len - 16)
		r = con_prologue_scan(code, len, sym->addr, cpu->rip, &off);
	free(code);
	return r == 1 && mon_read_va(s->vm, cpu->gpr[RSP] + off, ra, sizeof *ra) == sizeof *ra &&
	       after_call(s, *ra);
}

int con_cmd_backtrace(struct con_session *s)
{
	const struct cpu *cpu = mon_vm_cpu(s->vm);
	char a[200];
	fprintf(s->out, "#0  %s\n", con_fmt_addr(s, cpu->rip, a, sizeof a));
	int i = 1;
	uint64_t ra;
	if (entry_return(s, cpu, &ra))
		fprintf(s->out, "#%-2d %s\n", i++, con_fmt_addr(s, ra, a, sizeof a));
	uint64_t fp = cpu->gpr[RBP];
	for (; i < BT_MAX_FRAMES && fp; i++) {
		uint64_t frame[2];
		if (mon_read_va(s->vm, fp, frame, sizeof frame) != sizeof frame) {
			fprintf(s->out, "(frame pointer 0x%llx not readable: the chain ends)\n",
				(unsigned long long)fp);
			return 0;
		}
		if (!frame[1])
			break;
		fprintf(s->out, "#%-2d %s\n", i, con_fmt_addr(s, frame[1], a, sizeof a));
		if (frame[0] <= fp)
			break; /* the chain must go up the stack */
		fp = frame[0];
	}
	return 0;
}
