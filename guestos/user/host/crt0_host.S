/*
 * guestos/user/host/crt0_host.S — entry of the *host* (Linux) build of a
 * guestos user program, used only by tests: the same program and library
 * code, with lib/sys.c replaced by host/sys_host.c. Linux starts a static
 * executable with RSP -> argc, argv[0], argv[1], ...; hand RSP to C.
 */
	.text
	.globl _start
	.type _start, @function
_start:
	xorl %ebp, %ebp
	movq %rsp, %rdi
	andq $-16, %rsp
	call ulib_host_start
1:	jmp 1b
	.size _start, . - _start

	.section .note.GNU-stack, "", @progbits
