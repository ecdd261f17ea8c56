/* Including the implementation twice in one file is harmless (once-only guard). */
#define ALLOC_IMPLEMENTATION
#include "alloc.h"
#include "alloc.h"
#include "alloc.h"

int main(void)
{
    static unsigned char mem[256];
    alloc_arena a;
    return alloc_arena_init(&a, mem, sizeof mem) != ALLOC_OK;
}
