/* Fault injection: the slab caches and the kmalloc-style allocator driven over a source
   that fails, for every N from 1 upwards, in both modes (only the Nth allocation fails,
   or every one from the Nth). Each run must end consistent: check passes after every
   step, every object handed out is intact, the constructor/destructor counts balance,
   and once the cache is destroyed the source holds nothing (nothing leaked). The growing
   arena gets the same treatment in tests/test_game.c. */
#include "test.h"
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

static unsigned char pool[1 << 18];
static long constructed;
static void ctor(void *obj, void *user) { (void)user; memset(obj, 0x5A, 48); constructed++; }
static void dtor(void *obj, void *user) { (void)user; (void)obj; constructed--; }

static void test_slab_over_failing_source(void)
{
    size_t n;
    int mode, with_ctor;
    for (with_ctor = 0; with_ctor < 2; with_ctor++)
    for (mode = 0; mode < 2; mode++)
    for (n = 1; n <= 24; n++) {
        alloc_arena parent;
        alloc_failing f;
        alloc_slab s;
        alloc_slab_desc d;
        void *live[400];
        size_t i, count = 0, nulls = 0;
        alloc_arena_init(&parent, pool, sizeof pool);
        alloc_failing_init(&f, alloc_arena_allocator(&parent), n, (alloc_fail_mode)mode);
        memset(&d, 0, sizeof d);
        d.name = "fault";
        d.size = 48;
        d.slab_size = 1024;
        if (with_ctor) { d.ctor = ctor; d.dtor = dtor; }
        REQUIRE(alloc_slab_init(&s, &d, alloc_failing_allocator(&f)) == ALLOC_OK);
        for (i = 0; i < 400; i++) {
            unsigned char *p = (unsigned char *)alloc_slab_alloc(&s);
            if (p == NULL) { nulls++; continue; }
            if (with_ctor) REQUIRE(p[0] == 0x5A && p[47] == 0x5A);   /* constructed state */
            test_fill(p, 48, count);
            live[count++] = p;
            if (i % 7 == 3 && count > 1) {                              /* some frees between */
                count--;
                REQUIRE(test_intact(live[count], 48, count));
                if (with_ctor) memset(live[count], 0x5A, 48);          /* leave it constructed */
                alloc_slab_free(&s, live[count]);
            }
            REQUIRE(alloc_slab_check(&s) == ALLOC_OK);
        }
        CHECK(f.calls < n || nulls >= 1);                            /* the fault was felt */
        if (mode == ALLOC_FAIL_ONCE) CHECK(count > 100);               /* and recovered from */
        for (i = 0; i < count; i++) REQUIRE(test_intact(live[i], 48, i));
        for (i = 0; i < count; i++) { if (with_ctor) memset(live[i], 0x5A, 48); alloc_slab_free(&s, live[i]); }
        alloc_slab_shrink(&s);
        CHECK(alloc_slab_check(&s) == ALLOC_OK);
        alloc_slab_destroy(&s);
        CHECK(f.live == 0);                                           /* every slab went back */
        CHECK(constructed == 0);                                      /* every object destroyed */
    }
}

/* kmalloc takes its memory from a buddy, not through an alloc_allocator, so its faults are
   a buddy that runs dry: for every N, a buddy of N pages, driven until allocations fail,
   then freed; the kmalloc and the buddy must be consistent at every step and whole at the
   end. */
static void test_kmalloc_running_dry(void)
{
    size_t pages;
    for (pages = 4; pages <= 40; pages += 2) {
        alloc_buddy b;
        alloc_kmalloc k;
        alloc_stats s;
        void *live[600];
        size_t sizes[600];
        size_t i, count = 0, nulls = 0;
        test_seed_from_env();
        REQUIRE(alloc_buddy_init(&b, pool, ALLOC_BUDDY_BUFFER_SIZE(pages, 4096), 4096) == ALLOC_OK);
        REQUIRE(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
        for (i = 0; i < 600; i++) {
            size_t n = test_below(8) == 0 ? 2049 + test_below(20000) : 1 + test_below(2048);
            unsigned char *p = (unsigned char *)alloc_kmalloc_alloc(&k, n);
            if (p == NULL) { nulls++; continue; }
            test_fill(p, n, count);
            sizes[count] = n;
            live[count++] = p;
            if (i % 64 == 0) REQUIRE(alloc_kmalloc_check(&k) == ALLOC_OK && alloc_buddy_check(&b) == ALLOC_OK);
        }
        CHECK(nulls >= 1);
        REQUIRE(alloc_kmalloc_check(&k) == ALLOC_OK);
        for (i = 0; i < count; i++) REQUIRE(test_intact(live[i], sizes[i], i));
        for (i = 0; i < count; i++) alloc_kmalloc_free(&k, live[i]);
        alloc_kmalloc_shrink(&k);
        CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
        alloc_kmalloc_destroy(&k);
        alloc_buddy_stats(&b, &s);
        CHECK(s.live_blocks == 0 && s.used == 0);                      /* nothing leaked */
        CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    }
}

int main(void)
{
    TEST_RUN(test_slab_over_failing_source);
    TEST_RUN(test_kmalloc_running_dry);
    return test_finish();
}
