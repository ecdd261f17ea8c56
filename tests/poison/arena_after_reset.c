/* Must be stopped: a use of arena memory after a reset freed it. */
#define ALLOC_IMPLEMENTATION
#include "alloc.h"
#include <stdio.h>

static unsigned char mem[4096];

int main(void)
{
    alloc_arena a;
    volatile unsigned char *p;
    alloc_arena_init(&a, mem, sizeof mem);
    p = (volatile unsigned char *)alloc_arena_alloc(&a, 64, 16);
    p[0] = 1;
    alloc_arena_reset(&a);
    printf("use after reset: %d\n", p[0]);
    return 0;
}
