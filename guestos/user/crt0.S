/*
 * guestos/user/crt0.S — user program entry. The kernel starts a process at
 * _start with RSP at the top of its user stack; nothing else is assumed.
 * _start aligns the stack as the SysV ABI wants at a call (RSP % 16 == 0)
 * and hands over to ulib_start (lib/start.c), which never returns.
 */
	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	xorl %ebp, %ebp          /* end of the frame-pointer chain */
	andq $-16, %rsp
	call ulib_start
1:	jmp 1b                   /* not reached: ulib_start exits */
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
