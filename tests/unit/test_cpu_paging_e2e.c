/*
 * tests/unit/test_cpu_paging_e2e.c — whole bare-metal programs on the core
 * (decoder, run loop, system side and paging MMU together).
 *
 * The main program (hand-assembled; source in the comments) runs at CPL 0
 * with 4-level paging: it loads an IDT, installs a #PF gate and a DPL-3
 * int 0x80 gate, touches an unmapped page (the #PF handler maps it to
 * another frame and returns with iretq, the access is retried), writes it,
 * then drops to CPL 3 with iretq and comes back with int 0x80, whose
 * handler halts.
 *
 *   0x20000 main   0x21000 #PF handler   0x21100 int 0x80 handler
 *   0x10000 PML4 -> 0x11000 PDPT -> 0x12000 PD -> 0x13000 PT: 0..2 MiB
 *   identity, user-accessible, except VA 0x1f0000 (not present).
 *   0x30000 results: +0 #PF count, +8 error code, +0x10 RCX seen by int
 *   0x80, +0x18 CR2, +0x20 CS pushed by int 0x80.
 */
#include "test_cpu_sysfix.h"
#include "tests/unit/check_run.h"

static const uint8_t prog_main[] = {
	0x0f, 0x01, 0x1d, 0x55, 0x00, 0x00, 0x00,                   /* lidt [rip+0x55] (idtr below) */
	0x48, 0xb8, 0x00, 0x10, 0x08, 0x00, 0x00, 0x8e, 0x02, 0x00, /* movabs rax, 0x28e0000081000 */
	0x48, 0x89, 0x04, 0x25, 0xe0, 0x20, 0x00, 0x00,             /* mov [0x20e0], rax: gate 14 */
	0x48, 0xb8, 0x00, 0x11, 0x08, 0x00, 0x00, 0xee, 0x02, 0x00, /* movabs rax, 0x2ee0000081100 */
	0x48, 0x89, 0x04, 0x25, 0x00, 0x28, 0x00, 0x00,             /* mov [0x2800], rax: gate 0x80 */
	0x48, 0xc7, 0xc3, 0x00, 0x00, 0x1f, 0x00,                   /* mov rbx, 0x1f0000 */
	0x48, 0x8b, 0x03,                                           /* mov rax, [rbx]  (#PF) */
	0x48, 0x89, 0x43, 0x08,                                     /* mov [rbx+8], rax */
	0x49, 0x89, 0xc0,                                           /* mov r8, rax */
	0x6a, 0x1b,                                                 /* push 0x1b (SS) */
	0x68, 0x00, 0xf0, 0x1f, 0x00,                               /* push 0x1ff000 (RSP) */
	0x6a, 0x02,                                                 /* push 2 (RFLAGS) */
	0x6a, 0x23,                                                 /* push 0x23 (CS) */
	0x48, 0x8d, 0x05, 0x03, 0x00, 0x00, 0x00,                   /* lea rax, [rip+3] (user) */
	0x50,                                                       /* push rax */
	0x48, 0xcf,                                                 /* iretq */
	/* user: */
	0x48, 0xc7, 0xc1, 0x42, 0x00, 0x00, 0x00,                   /* mov rcx, 0x42 */
	0xcd, 0x80,                                                 /* int 0x80 */
	0x0f, 0x0b,                                                 /* ud2 */
	/* idtr: */
	0xff, 0x0f, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* limit 0xfff, base 0x2000 */
};

static const uint8_t prog_pf[] = {
	0x50,                                                       /* push rax */
	0x53,                                                       /* push rbx */
	0x48, 0x8b, 0x44, 0x24, 0x10,                               /* mov rax, [rsp+0x10] (error) */
	0x48, 0x89, 0x04, 0x25, 0x08, 0x00, 0x03, 0x00,             /* mov [0x30008], rax */
	0x0f, 0x20, 0xd0,                                           /* mov rax, cr2 */
	0x48, 0x89, 0x04, 0x25, 0x18, 0x00, 0x03, 0x00,             /* mov [0x30018], rax */
	0x48, 0xc1, 0xe8, 0x0c,                                     /* shr rax, 12 */
	0x25, 0xff, 0x01, 0x00, 0x00,                               /* and eax, 0x1ff */
	0x48, 0x8d, 0x1c, 0xc5, 0x00, 0x30, 0x01, 0x00,             /* lea rbx, [rax*8+0x13000] */
	0x48, 0xc7, 0xc0, 0x07, 0x00, 0x05, 0x00,                   /* mov rax, 0x50007 */
	0x48, 0x89, 0x03,                                           /* mov [rbx], rax */
	0x48, 0xff, 0x04, 0x25, 0x00, 0x00, 0x03, 0x00,             /* inc qword [0x30000] */
	0x5b,                                                       /* pop rbx */
	0x58,                                                       /* pop rax */
	0x48, 0x83, 0xc4, 0x08,                                     /* add rsp, 8 (error code) */
	0x48, 0xcf,                                                 /* iretq */
};

static const uint8_t prog_sys[] = {
	0x48, 0x89, 0x0c, 0x25, 0x10, 0x00, 0x03, 0x00,             /* mov [0x30010], rcx */
	0x48, 0x8b, 0x44, 0x24, 0x08,                               /* mov rax, [rsp+8] (CS) */
	0x48, 0x89, 0x04, 0x25, 0x20, 0x00, 0x03, 0x00,             /* mov [0x30020], rax */
	0xf4,                                                       /* hlt */
};

#define PT 0x13000u
#define DEMAND_VA 0x1f0000u

static struct cpu C;

/* Identity-map 0..2 MiB (P RW US) except DEMAND_VA; paging MMU on. */
static void setup(void)
{
	fx_setup(&C);
	memset(fx_ram + FX_IDT, 0, 0x1000); /* the program installs its own gates */
	C.idtr.limit = 0;
	put64(0x10000, 0x11000 | 7);
	put64(0x11000, 0x12000 | 7);
	put64(0x12000, PT | 7);
	for (uint64_t i = 0; i < 512; i++)
		put64(PT + 8 * i, i == (DEMAND_VA >> 12) ? 0 : (i << 12) | 7);
	C.cr3 = 0x10000;
	cpu_mmu_use_paging(&C);
	C.rip = 0x20000;
}
static void teardown(void) { fx_teardown(&C); }

START_TEST(test_pf_under_paging_and_iretq)
{
	memcpy(fx_ram + 0x20000, prog_main, sizeof prog_main);
	memcpy(fx_ram + 0x21000, prog_pf, sizeof prog_pf);
	memcpy(fx_ram + 0x21100, prog_sys, sizeof prog_sys);
	put64(0x50000, 0x1122334455667788ull);
	enum cpu_exit_reason r = cpu_run(&C, 10000);
	ck_assert_msg(r == CPU_EXIT_HLT, "exit %s at rip %#lx", cpu_exit_name(r),
		      (unsigned long)C.rip);
	ck_assert_uint_eq(get64(0x30000), 1);            /* one #PF */
	ck_assert_uint_eq(get64(0x30008), 0);            /* supervisor read, not present */
	ck_assert_uint_eq(get64(0x30018), DEMAND_VA);    /* CR2 */
	ck_assert_uint_eq(C.cr2, DEMAND_VA);
	ck_assert_uint_eq(C.gpr[R8], 0x1122334455667788ull); /* the retried read */
	ck_assert_uint_eq(get64(0x50008), 0x1122334455667788ull);
	uint64_t pte = get64(PT + 8 * (DEMAND_VA >> 12));
	ck_assert_uint_eq(pte, 0x50007 | (1u << 5) | (1u << 6)); /* A and D set */
	ck_assert_uint_eq(get64(0x30010), 0x42);         /* RCX from CPL 3 */
	ck_assert_uint_eq(get64(0x30020), SEL_UCODE);    /* int 0x80 came from user mode */
	ck_assert_uint_eq(C.cpl, 0);
	ck_assert_uint_eq(C.rip, 0x21100 + sizeof prog_sys);
	ck_assert_uint_eq(C.gpr[RSP], FX_RSP0 - 40);      /* on RSP0: the int 0x80 frame */
	ck_assert_uint_ge(C.stats.insns_user, 2);
	uint64_t walks, hits;
	cpu_paging_counts(&C, &walks, &hits);
	ck_assert_uint_gt(walks, 0);
}
END_TEST

/* ud2 with an empty IDT: #UD cannot be delivered, #GP neither, #DF neither. */
START_TEST(test_triple_fault_run)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	memcpy(fx_ram + 0x20000, ud2, sizeof ud2);
	enum cpu_exit_reason r = cpu_run(&C, 100);
	ck_assert_int_eq(r, CPU_EXIT_TRIPLE_FAULT);
	ck_assert_int_eq(C.exit.reason, CPU_EXIT_TRIPLE_FAULT);
}
END_TEST

/* A user write to a read-only page, run by the core: #PF with P|W|U, RIP
 * of the faulting instruction in the frame, CR2 the address. */
START_TEST(test_user_write_fault_frame)
{
	static const uint8_t prog[] = {
		0x48, 0xc7, 0xc0, 0x00, 0x00, 0x1e, 0x00, /* mov rax, 0x1e0000 */
		0x48, 0x89, 0x18,                         /* mov [rax], rbx */
	};
	static const uint8_t handler[] = { 0xf4 };    /* hlt */
	memcpy(fx_ram + 0x20000, prog, sizeof prog);
	memcpy(fx_ram + 0x21000, handler, sizeof handler);
	put64(PT + 8 * (0x1e0000 >> 12), 0x1e0000 | 5); /* P US, read-only */
	set_gate(VEC_PF, SEL_KCODE, 0x21000, 0xe, 0, 0, true);
	C.idtr.limit = 0xfff;
	C.cr0 |= CR0_WP;
	fx_user(&C);
	C.gpr[RSP] = 0x1ff000;
	C.rip = 0x20000;
	enum cpu_exit_reason r = cpu_run(&C, 100);
	ck_assert_int_eq(r, CPU_EXIT_HLT);
	ck_assert_uint_eq(C.cr2, 0x1e0000);
	uint64_t sp = C.gpr[RSP];
	ck_assert_uint_eq(get64(sp), PFERR_P | PFERR_W | PFERR_U);
	ck_assert_uint_eq(get64(sp + 8), 0x20007); /* the mov, not after it */
	ck_assert_uint_eq(get64(sp + 16), SEL_UCODE);
	ck_assert_uint_eq(get64(sp + 32), 0x1ff000);
	ck_assert_uint_eq(sp, FX_RSP0 - 48);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cpu_paging_e2e");
	TCase *t = tcase_create("e2e");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_pf_under_paging_and_iretq);
	tcase_add_test(t, test_triple_fault_run);
	tcase_add_test(t, test_user_write_fault_frame);
	suite_add_tcase(s, t);
	return check_run(s);
}
