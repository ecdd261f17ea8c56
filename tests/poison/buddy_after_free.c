/* Must be stopped: a read of a buddy block after it was freed (and merged back). */
#define ALLOC_IMPLEMENTATION
#include "alloc.h"
#include <stdio.h>

static unsigned char mem[ALLOC_BUDDY_BUFFER_SIZE(64, 64) + 64];

int main(void)
{
    alloc_buddy b;
    volatile unsigned char *p;
    alloc_buddy_init(&b, mem, sizeof mem, 64);
    p = (volatile unsigned char *)alloc_buddy_alloc(&b, 100);
    p[40] = 1;
    alloc_buddy_free(&b, (void *)(uintptr_t)p);
    printf("use after free: %d\n", p[40]);
    return 0;
}
