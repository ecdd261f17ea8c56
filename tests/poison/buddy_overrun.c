/* Must be stopped: a read just past a buddy block, into the free upper half its split
   left behind. */
#define ALLOC_IMPLEMENTATION
#include "alloc.h"
#include <stdio.h>

static unsigned char mem[ALLOC_BUDDY_BUFFER_SIZE(64, 16) + 16];

int main(void)
{
    alloc_buddy b;
    volatile unsigned char *p;
    alloc_buddy_init(&b, mem, sizeof mem, 16);
    p = (volatile unsigned char *)alloc_buddy_alloc(&b, 48);   /* a block of 64 */
    p[0] = 1;
    printf("overrun: %d\n", p[64 + 20]);
    return 0;
}
