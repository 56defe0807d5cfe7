/*
 * guestos/user/lib/malloc.c — malloc/free/calloc/realloc over sbrk.
 *
 * Every block starts with a 16-byte header holding its total size (header
 * included, a multiple of 16). Free blocks sit on one list sorted by address;
 * malloc takes the first block that fits (splitting off the rest), free puts
 * the block back and merges it with free neighbours. When nothing fits the
 * heap grows by sbrk, at least HEAP_GROW bytes at a time.
 * SIMPLIFICATION: memory is never returned to the kernel.
 */
#include "guestos/user/lib/ulib.h"

#define ALIGN 16
#define HEAP_GROW (16 * 1024)

struct block {
	size_t size;          /* bytes, header included */
	struct block *next;   /* next free block (only while free) */
};

static struct block *free_list; /* sorted by address */

static size_t round_up(size_t n, size_t a)
{
	return (n + a - 1) & ~(a - 1);
}

/* Insert b into the free list and merge it with adjacent free blocks. */
static void free_insert(struct block *b)
{
	struct block *prev = NULL, *next = free_list;
	while (next && next < b) {
		prev = next;
		next = next->next;
	}
	b->next = next;
	if (prev)
		prev->next = b;
	else
		free_list = b;
	if (next && (char *)b + b->size == (char *)next) {
		b->size += next->size;
		b->next = next->next;
	}
	if (prev && (char *)prev + prev->size == (char *)b) {
		prev->size += b->size;
		prev->next = b->next;
	}
}

/* Grow the heap by at least `need` bytes; returns 0 on success, -1 if the
 * kernel refuses. The new memory joins the free list. */
static int heap_grow(size_t need)
{
	size_t n = round_up(need > HEAP_GROW ? need : HEAP_GROW, PAGE_SIZE);
	char *p = sbrk((long)n);
	if (p == (char *)-1)
		return -1;
	/* The first break may not be 16-aligned: skip to alignment. */
	char *q = (char *)round_up((uintptr_t)p, ALIGN);
	struct block *b = (struct block *)q;
	b->size = n - (size_t)(q - p);
	free_insert(b);
	return 0;
}

void *malloc(size_t size)
{
	if (size == 0 || size > ((size_t)1 << 40))
		return NULL;
	size_t need = round_up(size + sizeof(struct block), ALIGN);
	for (int tries = 0; tries < 2; tries++) {
		for (struct block **pp = &free_list; *pp; pp = &(*pp)->next) {
			struct block *b = *pp;
			if (b->size < need)
				continue;
			if (b->size - need >= 2 * ALIGN) {
				struct block *rest = (struct block *)((char *)b + need);
				rest->size = b->size - need;
				rest->next = b->next;
				b->size = need;
				*pp = rest;
			} else {
				*pp = b->next;
			}
			return b + 1;
		}
		if (heap_grow(need) < 0)
			return NULL;
	}
	return NULL;
}

void free(void *p)
{
	if (p)
		free_insert((struct block *)p - 1);
}

void *calloc(size_t n, size_t size)
{
	if (size && n > ((size_t)1 << 40) / size)
		return NULL;
	void *p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *p, size_t size)
{
	if (!p)
		return malloc(size);
	if (size == 0) {
		free(p);
		return NULL;
	}
	size_t have = ((struct block *)p - 1)->size - sizeof(struct block);
	if (have >= size)
		return p;
	void *q = malloc(size);
	if (q) {
		memcpy(q, p, have);
		free(p);
	}
	return q;
}
