/* Must be stopped: a read one byte past the newest arena allocation, which lies inside the
   caller's buffer but outside every live block (poisoned by alloc.h under ASan, marked
   no-access under ALLOC_VALGRIND). */
#define ALLOC_IMPLEMENTATION
#include "alloc.h"
#include <stdio.h>

static unsigned char mem[4096];

int main(void)
{
    alloc_arena a;
    volatile unsigned char *p;
    alloc_arena_init(&a, mem, sizeof mem);
    p = (volatile unsigned char *)alloc_arena_alloc(&a, 16, 16);
    p[15] = 1;                      /* inside: fine */
    printf("read past the block: %d\n", p[16]);
    return 0;
}
