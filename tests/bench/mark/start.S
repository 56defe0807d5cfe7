/*
 * tests/bench/mark/start.S — the two ways into the benchmark kernel, so the
 * same ELF image boots under vmlab and under QEMU:
 *   mark_vmlab (ELF entry, 64-bit): vmlab's hand-off (guestos/boot.h), RDI =
 *       boot_info; the firmware's identity map and GDT are kept.
 *   mark_pvh (PVH note, 32-bit, paging off): QEMU -kernel. EBX = start_info.
 *       Turns on long mode over an identity map of the low 64 MiB (2 MiB
 *       pages) and a GDT of its own.
 * Both call mark_main(cmdline) on a stack of their own, which never returns.
 */
#define MSR_EFER 0xc0000080

	.section .note.pvh, "a"
	.p2align 2
	.long 4, 4, 18           /* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long mark_pvh

	.text
	.code32
	.globl mark_pvh
mark_pvh:
	movl 24(%ebx), %esi              /* start_info.cmdline_paddr (low half) */
	lgdt mark_gdtr
	movl $mark_pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $0x20, %eax                  /* PAE */
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $0x100, %eax                 /* LME */
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax            /* PG | PE */
	movl %eax, %cr0
	ljmp $0x08, $pvh64

	.code64
pvh64:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %esi, %edi
	jmp go

	.globl mark_vmlab
mark_vmlab:
	addq $40, %rdi                   /* &boot_info.cmdline */
go:
	leaq mark_stack_top(%rip), %rsp
	call mark_main
1:	hlt
	jmp 1b

	.data
	.p2align 12
mark_pml4:
	.quad mark_pdpt + 3
	.fill 511, 8, 0
mark_pdpt:
	.quad mark_pd + 3
	.fill 511, 8, 0
mark_pd:
	.set pa, 0
	.rept 32
	.quad pa + 0x83                  /* present, writable, 2 MiB */
	.set pa, pa + 0x200000
	.endr
	.fill 480, 8, 0
mark_gdt:
	.quad 0
	.quad 0x00af9a000000ffff         /* 0x08 code, 64-bit */
	.quad 0x00cf92000000ffff         /* 0x10 data */
mark_gdtr:
	.word mark_gdtr - mark_gdt - 1
	.quad mark_gdt

	.bss
	.p2align 12
	.skip 65536
mark_stack_top:

	.section .note.GNU-stack, "", @progbits
