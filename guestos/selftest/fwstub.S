/*
 * guestos/selftest/fwstub.S — entry of the hand-off test firmware. QEMU
 * enters fw_pvh_start (PVH, 32-bit, paging off, EBX = start info); it
 * switches to long mode with its own identity map of the low 1 GiB and
 * calls fw_main(start_info). fw_enter_kernel then performs vmlab's
 * hand-off exactly as guestos/boot.h describes it.
 */
	.section .note.pvh, "a"
	.p2align 2
	.long 4, 4, 18
	.asciz "Xen"
	.long fw_pvh_start

	.section .text.entry, "ax"
	.code32
	.globl fw_pvh_start
fw_pvh_start:
	cli
	movl %ebx, %esi
	lgdt fw_gdtr
	movl %cr4, %eax
	orl $(1 << 5), %eax
	movl %eax, %cr4
	movl $fw_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $((1 << 8) | (1 << 11) | 1), %eax  /* LME | NXE | SCE */
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax
	movl %eax, %cr0
	ljmp $0x08, $1f
	.code64
1:	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %esi, %edi
	movq $fw_stack_top, %rsp
	call fw_main
2:	hlt
	jmp 2b

/* void fw_enter_kernel(uint64_t entry): CR3 = BOOT_FW_PML4, GDTR = the
 * firmware GDT at BOOT_FW_GDT_PA, CS = 0x08, data = 0x10, RSP =
 * BOOT_STACK_TOP, RFLAGS = 0x2, RDI = BOOT_INFO_PA, jump to entry. */
	.globl fw_enter_kernel
fw_enter_kernel:
	movq %rdi, %r12
	movq $0x3000, %rax
	movq %rax, %cr3
	lgdt fw_kgdtr
	pushq $0x08
	leaq 3f(%rip), %rax
	pushq %rax
	lretq
3:	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movq $0x80000, %rsp
	pushq $2
	popfq
	movq $0x1000, %rdi
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ecx, %ecx
	xorl %edx, %edx
	xorl %esi, %esi
	xorl %ebp, %ebp
	jmp *%r12

	.data
	.p2align 12
fw_pml4:
	.quad fw_pdpt + 3
	.fill 511, 8, 0
fw_pdpt:
	.quad fw_pd + 3
	.fill 511, 8, 0
fw_pd:
	.set addr, 0
	.rept 512
	.quad addr + 0x83
	.set addr, addr + 0x200000
	.endr
	.p2align 3
fw_gdt:
	.quad 0, 0x00af9a000000ffff, 0x00cf92000000ffff
fw_gdtr:
	.word 23
	.quad fw_gdt
fw_kgdtr:
	.word 23
	.quad 0x2000

	.bss
	.p2align 4
	.skip 16384
fw_stack_top:

	.section .note.GNU-stack, "", @progbits
