/* Must be stopped: a read just past a heap block's usable bytes, into the next block's
   header (metadata, poisoned by alloc.h). */
#define ALLOC_IMPLEMENTATION
#include "alloc.h"
#include <stdio.h>

static unsigned char mem[8192];

int main(void)
{
    alloc_heap h;
    volatile unsigned char *p;
    size_t n;
    alloc_heap_init(&h, mem, sizeof mem, ALLOC_FIT_GOOD);
    p = (volatile unsigned char *)alloc_heap_alloc(&h, 64);
    alloc_heap_alloc(&h, 64);
    n = alloc_heap_usable_size(&h, (const void *)(uintptr_t)p);
    p[n - 1] = 1;                               /* the last usable byte: fine */
    printf("read past the block: %d\n", p[n]);
    return 0;
}
