/* Declarations first, used, and the implementation included later in the same file. */
#include "alloc.h"

static int use(alloc_arena *a) { return alloc_arena_alloc(a, 1, 1) == NULL; }

#define ALLOC_IMPLEMENTATION
#include "alloc.h"

int main(void)
{
    static unsigned char mem[256];
    alloc_arena a;
    if (alloc_arena_init(&a, mem, sizeof mem) != ALLOC_OK) return 1;
    return use(&a);
}
