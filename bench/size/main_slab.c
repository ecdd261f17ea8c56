/* The slab row: a cache over a fixed buffer (no source), init, alloc, free. */
#include "alloc.h"
static unsigned char buf[2048];
int main(void)
{
    alloc_slab s;
    static alloc_slab_desc d;
    void *p;
    d.size = 24;
    alloc_slab_init_buffer(&s, &d, buf, sizeof buf);
    p = alloc_slab_alloc(&s);
    alloc_slab_free(&s, p);
    return p != 0;
}
