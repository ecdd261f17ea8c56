/* heap_lecture.c - the lecture's free-list walkthrough on a 4 KiB heap.
 *
 * Three 100-byte allocations are split off the front of the one free block; freeing the
 * middle one leaves a hole; freeing the first coalesces it with the hole; freeing the
 * last coalesces with both neighbours at once, and the heap is one free block again.
 * After each step the heap draws its memory map: '#' live, '.' free, '|' block starts.
 */
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"
#include <stdio.h>

static void write_stdout(void *user, const char *text, size_t len)
{
    (void)user;
    fwrite(text, 1, len, stdout);
}

static union { unsigned char bytes[4096]; long double align; } heap_mem;

static void step(alloc_heap *h, const char *what)
{
    printf("\n--- %s\n", what);
    alloc_heap_dump(h, write_stdout, NULL);
}

int main(void)
{
    alloc_heap h;
    void *a, *b, *c;
    alloc_heap_init(&h, heap_mem.bytes, sizeof heap_mem.bytes, ALLOC_FIT_FIRST);
    step(&h, "a fresh 4 KiB heap: one free block");
    a = alloc_heap_alloc(&h, 100);
    step(&h, "a = alloc(100): split the free block, a gets the front");
    b = alloc_heap_alloc(&h, 100);
    c = alloc_heap_alloc(&h, 100);
    step(&h, "b = alloc(100), c = alloc(100)");
    alloc_heap_free(&h, b);
    step(&h, "free(b): a hole between two live blocks (no free neighbour to coalesce with)");
    alloc_heap_free(&h, a);
    step(&h, "free(a): coalesce with the next block (b's hole)");
    alloc_heap_free(&h, c);
    step(&h, "free(c): coalesce with both neighbours at once - one free block again");
    return alloc_heap_check(&h) == ALLOC_OK ? 0 : 1;
}
