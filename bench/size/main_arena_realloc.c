/* The arena with realloc (grow or shrink the newest allocation in place). */
#include "alloc.h"
static unsigned char buf[1024];
int main(void)
{
    alloc_arena a;
    void *p;
    alloc_arena_init(&a, buf, sizeof buf);
    p = alloc_arena_alloc(&a, 24, 8);
    p = alloc_arena_realloc(&a, p, 48, 8);
    alloc_arena_free(&a, p);
    return p != 0;
}
