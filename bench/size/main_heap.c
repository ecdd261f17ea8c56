/* The heap row: ALLOC_FIT_GOOD (the O(1) default), init, alloc, realloc, free. */
#include "alloc.h"
static unsigned char buf[4096];
int main(void)
{
    alloc_heap h;
    void *p;
    alloc_heap_init(&h, buf, sizeof buf, ALLOC_FIT_GOOD);
    p = alloc_heap_alloc(&h, 24);
    p = alloc_heap_realloc(&h, p, 48);
    alloc_heap_free(&h, p);
    return p != 0;
}
