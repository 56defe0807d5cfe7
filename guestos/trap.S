/*
 * guestos/trap.S — interrupt/exception stubs, the syscall entry, the two
 * ways back to user mode, and the kernel context switch.
 *
 * Every entry builds a struct trapframe (kernel.h) on the current kernel
 * stack: the CPU (or syscall_entry) pushes SS, RSP, RFLAGS, CS, RIP; the
 * stub pushes an error code (0 if the CPU pushed none) and the vector; then
 * the general registers. Interrupts stay disabled in the kernel (IDT gates
 * are interrupt gates; FMASK clears IF on syscall).
 */
#define SEL_UDATA 0x1b
#define SEL_UCODE 0x23
#define VEC_SYSCALL 0x100

	.altmacro
	.text

.macro PUSH_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro POP_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

/* Vectors 8, 10-14, 17, 21, 29, 30 get an error code from the CPU. */
.macro VECTOR n
	.p2align 4
vector\n:
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp alltraps
.endm

	.set i, 0
	.rept 48
	VECTOR %i
	.set i, i + 1
	.endr

alltraps:
	PUSH_REGS
	cld
	movq %rsp, %rdi
	call trap
	.globl trapret
trapret:
	POP_REGS
	addq $16, %rsp                   /* vector, error */
	iretq

/*
 * syscall: RCX = user RIP, R11 = user RFLAGS, IF already cleared by FMASK.
 * SIMPLIFICATION: single CPU, so the user RSP is parked in a global until it
 * is on the kernel stack (no swapgs and no per-CPU area, unlike real SMP
 * kernels).
 */
	.globl syscall_entry
syscall_entry:
	movq %rsp, syscall_user_rsp(%rip)
	movq syscall_kstack_top(%rip), %rsp
	pushq $SEL_UDATA
	pushq syscall_user_rsp(%rip)
	pushq %r11
	pushq $SEL_UCODE
	pushq %rcx
	pushq $0
	pushq $VEC_SYSCALL
	PUSH_REGS
	cld
	movq %rsp, %rdi
	call syscall_dispatch
	POP_REGS
	addq $16, %rsp
	popq %rcx                        /* RIP */
	addq $8, %rsp                    /* CS */
	popq %r11                        /* RFLAGS */
	popq %rsp                        /* user RSP (SS is implied) */
	sysretq

/* void swtch(uint64_t *old_rsp, uint64_t new_rsp): save callee-saved regs. */
	.globl swtch
swtch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.data
	.p2align 3
syscall_user_rsp:
	.quad 0
	.globl trap_vectors
trap_vectors:
.macro VECADDR n
	.quad vector\n
.endm
	.set i, 0
	.rept 48
	VECADDR %i
	.set i, i + 1
	.endr

	.section .note.GNU-stack, "", @progbits
