/*
 * guestos/user/lib/ulib.h — the tiny C library for guestos user programs.
 *
 * Freestanding: no host headers except the compiler's own (stdarg, stddef,
 * stdint). Every program is `int main(const char *arg)`: crt0 fetches the
 * argument string (SYS_GETARG) and exits with main's return value.
 *
 * Output is line-buffered: putchar/puts/printf collect bytes and issue one
 * SYS_WRITE per line (or when the buffer fills). The buffer is flushed before
 * every call that may block or hand the CPU to another process (exit, spawn,
 * wait, exec, yield, sleep), so a process's lines reach the console in the
 * order it printed them.
 */
#ifndef GUESTOS_ULIB_H
#define GUESTOS_ULIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096

/* ---- system calls (lib/sys.c); see guestos/syscall.h for the ABI ---- */
void exit(int status) __attribute__((noreturn));
long write(int fd, const void *buf, size_t len);
int getpid(void);
int yield(void);
int sleep(long ticks);
void *sbrk(long increment);          /* old break, or (void *)-1 */
int spawn(const char *name, const char *arg); /* pid or -1 */
int wait(int pid, int *status);      /* pid, or -1 */
long uname(char *buf, size_t len);   /* length of the kernel's name/version */
int exec(const char *name, const char *arg); /* returns -1 on error only */
long getarg(char *buf, size_t len);  /* length of the argument string */

/* ---- console output (lib/stdio.c) ---- */
int putchar(int c);
int puts(const char *s);             /* s and a newline */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
void ulib_flush(void);               /* write out the pending partial line */

/* ---- memory (lib/malloc.c) ---- */
void *malloc(size_t size);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);

/* ---- strings and numbers (lib/string.c) ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *dst, const char *src);
char *strchr(const char *s, int c);
int atoi(const char *s);
unsigned long strtoul(const char *s, char **end, int base);

/* Parse a decimal argument; `def` when arg is empty or not a number. */
unsigned long ulib_arg_num(const char *arg, unsigned long def);

#endif
