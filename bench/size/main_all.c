/* All four together, every call of the rows above, every heap policy reached (aligned
   allocation too), and a slab cache fed by the buddy. A family not in alloc.h yet (ALLOC_NO_* set by run.sh) is left
   out, and the table says so. */
#include "alloc.h"
static unsigned char buf[4][4096];
int main(void)
{
    int r = 0;
#ifndef ALLOC_NO_ARENA
    {
        alloc_arena a;
        void *p;
        alloc_arena_init(&a, buf[0], sizeof buf[0]);
        p = alloc_arena_alloc(&a, 24, 8);
        p = alloc_arena_realloc(&a, p, 48, 8);
        alloc_arena_free(&a, p);
        r += p != 0;
    }
#endif
#ifndef ALLOC_NO_HEAP
    {
        static const alloc_fit fits[] = { ALLOC_FIT_FIRST, ALLOC_FIT_NEXT, ALLOC_FIT_BEST,
                                          ALLOC_FIT_WORST, ALLOC_FIT_GOOD };
        unsigned i;
        for (i = 0; i < sizeof fits / sizeof fits[0]; i++) {
            alloc_heap h;
            void *p;
            alloc_heap_init(&h, buf[1], sizeof buf[1], fits[i]);
            p = alloc_heap_alloc(&h, 24);
            p = alloc_heap_realloc(&h, p, 48);
            alloc_heap_free(&h, p);
            r += p != 0;
            p = alloc_heap_alloc_aligned(&h, 24, 64);   /* the aligned path links only when called */
            p = alloc_heap_realloc(&h, p, 48);
            alloc_heap_free(&h, p);
            r += p != 0;
        }
    }
#endif
#ifndef ALLOC_NO_BUDDY
    {
        static alloc_buddy b;
        void *p;
        alloc_buddy_init(&b, buf[2], sizeof buf[2], 16);
        p = alloc_buddy_alloc(&b, 24);
        p = alloc_buddy_realloc(&b, p, 48);
        alloc_buddy_free(&b, p);
        r += p != 0;
#ifndef ALLOC_NO_SLAB
        {
            alloc_slab s;
            static alloc_slab_desc d;
            d.size = 24;
            alloc_slab_init(&s, &d, alloc_buddy_allocator(&b));
            p = alloc_slab_alloc(&s);
            alloc_slab_free(&s, p);
            alloc_slab_destroy(&s);
            r += p != 0;
        }
#endif
    }
#endif
#ifndef ALLOC_NO_SLAB
    {
        alloc_slab s;
        static alloc_slab_desc d;
        void *p;
        d.size = 24;
        alloc_slab_init_buffer(&s, &d, buf[3], sizeof buf[3]);
        p = alloc_slab_alloc(&s);
        alloc_slab_free(&s, p);
        r += p != 0;
    }
#endif
    return r;
}
