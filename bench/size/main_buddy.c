/* The buddy row: init, alloc, realloc, free. */
#include "alloc.h"
static unsigned char buf[4096];
int main(void)
{
    alloc_buddy b;
    void *p;
    alloc_buddy_init(&b, buf, sizeof buf, 16);
    p = alloc_buddy_alloc(&b, 24);
    p = alloc_buddy_realloc(&b, p, 48);
    alloc_buddy_free(&b, p);
    return p != 0;
}
