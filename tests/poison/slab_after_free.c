/* Must be stopped: a read of a slab object after it was freed (its slab stays). */
#define ALLOC_IMPLEMENTATION
#include "alloc.h"
#include <stdio.h>
#include <string.h>

static unsigned char mem[16384];

int main(void)
{
    alloc_slab s;
    alloc_slab_desc d;
    volatile unsigned char *p, *q;
    memset(&d, 0, sizeof d);
    d.size = 48;
    d.slab_size = 4096;
    alloc_slab_init_buffer(&s, &d, mem, sizeof mem);
    p = (volatile unsigned char *)alloc_slab_alloc(&s);
    q = (volatile unsigned char *)alloc_slab_alloc(&s);   /* keeps the slab partial */
    p[20] = 1;
    q[0] = 2;
    alloc_slab_free(&s, (void *)(uintptr_t)p);
    printf("use after free: %d\n", p[20]);
    return 0;
}
