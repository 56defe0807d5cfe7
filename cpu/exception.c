/*
 * cpu/exception.c — interrupt and exception delivery through the 64-bit IDT,
 * as the SDM (vol. 3, ch. 6.14) describes it, with #DF and triple fault.
 *
 * One delivery: read the 16-byte gate, check it (type, DPL for software
 * interrupts, present), check the target code segment, pick the stack (same
 * level, TSS RSPn on a switch to an inner level, or the TSS IST entry),
 * align it to 16, push SS, RSP, RFLAGS, CS, RIP and maybe an error code,
 * then load CS:RIP, clear TF/NT/RF (and IF for an interrupt gate).
 * Registers change only after every check and push has succeeded: a fault
 * part-way leaves the interrupted state intact, and the fault becomes the
 * next event (or #DF, or a triple fault), as in table 6-5 of the SDM.
 */
#include "cpu/internal.h"

#define RFLAGS_VM (1ull << 17)

/* An event being delivered. */
struct event {
	uint8_t vector;
	uint32_t error; /* CPU_NO_ERROR for none */
	bool soft;      /* int n / int3: gate DPL checked, no error code, EXT = 0 */
};

bool cpu_vector_is_fault(unsigned vector)
{
	switch (vector) {
	case VEC_DE: case VEC_BR: case VEC_UD: case VEC_NM: case VEC_DF:
	case VEC_TS: case VEC_NP: case VEC_SS: case VEC_GP: case VEC_PF:
	case VEC_MF: case VEC_AC: case 19: case 20:
		return true;
	default:
		return false; /* #DB (as a trap), NMI, #BP, #OF, #MC, interrupts */
	}
}

static bool is_contributory(unsigned v)
{
	return v == VEC_DE || v == VEC_TS || v == VEC_NP || v == VEC_SS || v == VEC_GP;
}

/* Table 6-5: does `second`, raised while delivering `first`, make a #DF? */
static bool makes_double_fault(const struct event *first, unsigned second)
{
	if (first->soft)
		return false; /* a software interrupt is benign */
	if (is_contributory(first->vector))
		return is_contributory(second);
	if (first->vector == VEC_PF)
		return is_contributory(second) || second == VEC_PF;
	return false;
}

/* Stack pointer for a delivery that runs at new_cpl: IST entry `ist` if
 * non-zero, else TSS.RSPn on a privilege switch, else the current RSP.
 * TSS layout: RSP0 at +4, RSP1 +12, RSP2 +20, IST1..7 at +36.. (8 bytes each).
 * SIMPLIFICATION: the TSS limit is not checked (a null TR raises #TS). */
static uint64_t delivery_stack(struct cpu *cpu, unsigned ist, unsigned new_cpl, uint32_t ext)
{
	if (ist == 0 && new_cpl == cpu->cpl)
		return cpu->gpr[RSP];
	if ((cpu->tr & 0xfffc) == 0)
		cpu_fault(cpu, VEC_TS, ext);
	va_t slot = ist ? cpu->tr_base + 36 + 8 * (ist - 1) : cpu->tr_base + 4 + 8 * new_cpl;
	return cpu_mem_read_sys(cpu, slot, 8);
}

/* Deliver one event; faults unwind (via cpu_fault) to the caller's catcher. */
static void deliver_once(struct cpu *cpu, const struct event *ev, uint64_t rip)
{
	uint32_t ext = ev->soft ? 0 : 1;
	uint32_t idt_err = ev->vector * 8u + 2u + ext;
	if (ev->vector * 16u + 15u > cpu->idtr.limit)
		cpu_fault(cpu, VEC_GP, idt_err);
	va_t gate = cpu->idtr.base + ev->vector * 16u;
	uint64_t lo = cpu_mem_read_sys(cpu, gate, 8);
	uint64_t hi = cpu_mem_read_sys(cpu, gate + 8, 8);
	unsigned type = DESC_TYPE(lo);
	if (DESC_S(lo) || (type != 0xe && type != 0xf))
		cpu_fault(cpu, VEC_GP, idt_err);
	if (ev->soft && DESC_DPL(lo) < cpu->cpl)
		cpu_fault(cpu, VEC_GP, idt_err);
	if (!DESC_P(lo))
		cpu_fault(cpu, VEC_NP, idt_err);

	uint16_t sel = (uint16_t)(lo >> 16);
	uint64_t target = (lo & 0xffff) | ((lo >> 32) & 0xffff0000ull) | (hi << 32);
	unsigned ist = (unsigned)(lo >> 32) & 7u;
	if ((sel & 0xfffc) == 0)
		cpu_fault(cpu, VEC_GP, ext);
	uint64_t cs = cpu_desc_read(cpu, sel, NULL);
	if (!DESC_CODE(cs) || DESC_DPL(cs) > cpu->cpl)
		cpu_fault(cpu, VEC_GP, SEL_ERR(sel) | ext);
	if (!DESC_P(cs))
		cpu_fault(cpu, VEC_NP, SEL_ERR(sel) | ext);
	if (!DESC_L(cs) || DESC_DB(cs))
		cpu_fault(cpu, VEC_GP, SEL_ERR(sel) | ext);
	if (!cpu_sys_canonical(target))
		cpu_fault(cpu, VEC_GP, ext);
	unsigned new_cpl = DESC_CONFORMING(cs) ? cpu->cpl : DESC_DPL(cs);

	uint64_t rsp = delivery_stack(cpu, ist, new_cpl, ext);
	if (!cpu_sys_canonical(rsp))
		cpu_fault(cpu, VEC_SS, ext);
	rsp &= ~0xfull;
	uint64_t rflags = cpu_get_rflags(cpu);
	uint64_t image = rflags;
	if (!ev->soft && cpu_vector_is_fault(ev->vector))
		image |= RFLAGS_RF;
	bool has_error = !ev->soft && ev->error != CPU_NO_ERROR;
	uint64_t frame[6] = { cpu->seg[SEG_SS].sel, cpu->gpr[RSP], image,
			      cpu->seg[SEG_CS].sel, rip, ev->error };
	unsigned n = has_error ? 6 : 5;
	for (unsigned i = 0; i < n; i++) {
		va_t slot = rsp - 8 * (i + 1);
		if (new_cpl == 3)
			cpu_mem_write(cpu, slot, 8, frame[i]);
		else
			cpu_mem_write_sys(cpu, slot, 8, frame[i]);
	}

	/* Commit. */
	if (new_cpl != cpu->cpl)
		cpu->seg[SEG_SS].sel = (uint16_t)new_cpl; /* null selector, RPL = new CPL */
	cpu->gpr[RSP] = rsp - 8 * n;
	cpu->seg[SEG_CS].sel = (uint16_t)((sel & 0xfffc) | new_cpl);
	cpu_sys_set_cpl(cpu, new_cpl);
	cpu->rip = target;
	rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
	if (type == 0xe)
		rflags &= ~RFLAGS_IF;
	cpu_set_rflags(cpu, rflags);
}

/* Try one delivery under a catcher. Returns true if delivered; else *rec
 * says what faulted. */
static bool try_deliver(struct cpu *cpu, const struct event *ev, uint64_t rip,
			struct cpu_fault_rec *rec)
{
	jmp_buf jb;
	jmp_buf *old = cpu_catch(cpu, &jb);
	if (setjmp(jb)) {
		cpu_catch(cpu, old);
		*rec = *cpu_last_fault(cpu);
		return false;
	}
	deliver_once(cpu, ev, rip);
	cpu_catch(cpu, old);
	return true;
}

/*
 * The first event returns to cpu->rip; an event raised by a failed delivery
 * reports fault_rip (the int n instruction for a software interrupt).
 * SIMPLIFICATION: an MMU miss during delivery (never happens with the
 * bare-metal MMUs) stops with CPU_EXIT_TLB_MISS and RIP = fault_rip, so a
 * fault or int n is raised again when the instruction re-runs; an external
 * interrupt is then lost.
 */
enum cpu_exit_reason cpu_deliver_at(struct cpu *cpu, uint8_t vector, uint32_t error,
				    bool soft, uint64_t fault_rip)
{
	struct event ev = { vector, error, soft };
	uint64_t rip = cpu->rip;
	for (;;) {
		struct cpu_fault_rec rec;
		if (try_deliver(cpu, &ev, rip, &rec))
			return CPU_EXIT_NONE;
		if (rec.miss) {
			cpu->rip = fault_rip;
			cpu->exit.va = rec.va;
			cpu->exit.access = rec.access;
			cpu->exit.reason = CPU_EXIT_TLB_MISS;
			return CPU_EXIT_TLB_MISS;
		}
		uint32_t err = rec.error;
		if (rec.vector >= VEC_TS && rec.vector <= VEC_GP && err != CPU_NO_ERROR)
			err |= ev.soft ? 0 : 1; /* EXT: raised while delivering an external event */
		if (rec.vector == VEC_PF)
			cpu->cr2 = rec.va;
		if (ev.vector == VEC_DF && !ev.soft) {
			cpu->exit.reason = CPU_EXIT_TRIPLE_FAULT;
			return CPU_EXIT_TRIPLE_FAULT;
		}
		if (makes_double_fault(&ev, rec.vector))
			ev = (struct event){ VEC_DF, 0, false };
		else
			ev = (struct event){ rec.vector, err, false };
		rip = fault_rip;
	}
}

enum cpu_exit_reason cpu_deliver(struct cpu *cpu, uint8_t vector, uint32_t error, bool soft)
{
	return cpu_deliver_at(cpu, vector, error, soft, cpu->rip);
}

/* External interrupts wait while RFLAGS.IF is clear, in sti's shadow, or
 * while the task priority (CR8) is at least their priority class
 * (vector >> 4). */
bool cpu_interrupt(struct cpu *cpu, uint8_t vector, bool external)
{
	if (external) {
		if (!(cpu_get_rflags(cpu) & RFLAGS_IF))
			return false;
		if (cpu->icount + 1 == cpu->irq_shadow)
			return false;
		if ((unsigned)(vector >> 4) <= (cpu->cr8 & 0xf) && cpu->cr8)
			return false;
	}
	cpu_deliver(cpu, vector, CPU_NO_ERROR, false);
	return true;
}
