/* Two files that each compile a private (ALLOC_STATIC) copy must link together. */
#define ALLOC_STATIC
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

int static_b_run(void);
int static_b_run(void)
{
    static unsigned char mem[256];
    alloc_arena a;
    if (alloc_arena_init(&a, mem, sizeof mem) != ALLOC_OK) return 1;
    return alloc_arena_alloc(&a, 8, 8) == NULL;
}
