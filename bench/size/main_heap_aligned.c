/* The heap row with an aligned allocation as well: what alloc_heap_alloc_aligned adds
   (its carve is linked only by a call to it). */
#include "alloc.h"
static unsigned char buf[4096];
int main(void)
{
    alloc_heap h;
    void *p, *q;
    alloc_heap_init(&h, buf, sizeof buf, ALLOC_FIT_GOOD);
    p = alloc_heap_alloc(&h, 24);
    q = alloc_heap_alloc_aligned(&h, 24, 64);
    p = alloc_heap_realloc(&h, p, 48);
    alloc_heap_free(&h, q);
    alloc_heap_free(&h, p);
    return p != 0;
}
