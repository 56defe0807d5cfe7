/*
 * guestos/entry.S — the two boot paths into the 64-bit kernel.
 *
 *  vmlab_start (ELF entry, 64-bit): vmlab's hand-off (guestos/boot.h), RDI =
 *      boot_info PA. Switch to the boot page tables (identity map of the low
 *      1 GiB plus the same memory at KERNEL_BASE), load the boot GDT, and
 *      call boot_from_vmlab(RDI) on the boot stack.
 *  pvh_start (PVH note, 32-bit): QEMU's -kernel PVH entry, protected mode,
 *      paging off, EBX = hvm_start_info PA. Enable PAE, long mode (EFER.LME,
 *      NXE, SCE) and paging with the same boot tables, far-jump to 64-bit
 *      code, call boot_from_pvh(EBX).
 * Both run at their physical addresses (section .boot, VMA == PA).
 */
#define KERNEL_BASE 0xffffffff80000000
#define MSR_EFER 0xc0000080
#define EFER_SCE (1 << 0)
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

	/* PVH ELF note: XEN_ELFNOTE_PHYS32_ENTRY (18), name "Xen", 32-bit PA. */
	.section .note.pvh, "a"
	.p2align 2
	.long 4                  /* namesz */
	.long 4                  /* descsz */
	.long 18                 /* type */
	.asciz "Xen"
	.long pvh_start

	.section .boot.text, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	movl %ebx, %esi                  /* start_info PA, kept in ESI */
	lgdt boot_gdtr
	movl %cr4, %eax
	orl $(1 << 5), %eax              /* CR4.PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE | EFER_SCE), %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax            /* PG | WP | PE */
	movl %eax, %cr0
	ljmp $0x08, $pvh_long

	.code64
pvh_long:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movl %esi, %edi                  /* zero-extends: arg 1 = start_info PA */
	movabsq $boot_stack_top, %rsp
	movabsq $boot_from_pvh, %rax
	call *%rax
1:	hlt
	jmp 1b

	.globl vmlab_start
vmlab_start:
	cli
	movq %rdi, %rsi                  /* boot_info PA */
	movl $boot_pml4, %eax
	movq %rax, %cr3
	movl $MSR_EFER, %ecx             /* vmlab sets these; make sure */
	rdmsr
	orl $(EFER_NXE | EFER_SCE), %eax
	wrmsr
	movq %cr0, %rax
	orl $0x10000, %eax               /* CR0.WP */
	movq %rax, %cr0
	lgdt boot_gdtr
	pushq $0x08
	leaq 1f(%rip), %rax
	pushq %rax
	lretq
1:	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movq %rsi, %rdi
	movabsq $boot_stack_top, %rsp
	movabsq $boot_from_vmlab, %rax
	call *%rax
2:	hlt
	jmp 2b

	.section .boot.data, "aw"
	.p2align 12
	/* PML4: [0] identity (boot only), [511] kernel half */
boot_pml4:
	.quad boot_pdpt_low + 3
	.fill 510, 8, 0
	.quad boot_pdpt_high + 3
boot_pdpt_low:
	.quad boot_pd + 3
	.fill 511, 8, 0
boot_pdpt_high:
	.fill 510, 8, 0
	.quad boot_pd + 3
	.quad 0
	/* PD: 512 x 2 MiB = the low 1 GiB, present + writable + PS */
boot_pd:
	.set addr, 0
	.rept 512
	.quad addr + 0x83
	.set addr, addr + 0x200000
	.endr

	.p2align 3
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff         /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff         /* 0x10: data, DPL 0 */
boot_gdt_end:
boot_gdtr:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.bss
	.p2align 12
	.globl boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
