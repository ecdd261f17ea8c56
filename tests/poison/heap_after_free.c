/* Must be stopped: a read of a heap block after it was freed (the block is now free space
   inside the caller's buffer, poisoned by alloc.h). */
#define ALLOC_IMPLEMENTATION
#include "alloc.h"
#include <stdio.h>

static unsigned char mem[8192];

int main(void)
{
    alloc_heap h;
    volatile unsigned char *p;
    alloc_heap_init(&h, mem, sizeof mem, ALLOC_FIT_GOOD);
    p = (volatile unsigned char *)alloc_heap_alloc(&h, 200);
    alloc_heap_alloc(&h, 200);                  /* keeps p's block from joining the tail */
    p[100] = 1;
    alloc_heap_free(&h, (void *)(uintptr_t)p);
    printf("use after free: %d\n", p[100]);
    return 0;
}
