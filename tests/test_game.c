/* Tests of the engine-side pieces: the double-ended stack, double-buffered frames, the
   lock and fault-injection wrappers, and the shared (lock-free) arena path used from one
   thread (tests/threads/ hammers it from several under ThreadSanitizer). */
#include "test.h"
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"

static unsigned char mem[1 << 14];

static void test_dstack_meet(void)
{
    alloc_dstack d;
    alloc_stats s;
    unsigned char *lo, *hi;
    CHECK(alloc_dstack_init(NULL, mem, 100) == ALLOC_ERR_INVALID);
    CHECK(alloc_dstack_init(&d, NULL, 100) == ALLOC_ERR_INVALID);
    CHECK(alloc_dstack_init(&d, mem, 0) == ALLOC_ERR_INVALID);
    REQUIRE(alloc_dstack_init(&d, mem, 1024) == ALLOC_OK);
    lo = (unsigned char *)alloc_dstack_alloc(&d, ALLOC_LOW, 100, 16);
    hi = (unsigned char *)alloc_dstack_alloc(&d, ALLOC_HIGH, 100, 16);
    CHECK(lo == mem + alloc__pad((uintptr_t)mem, 16));
    CHECK(hi + 100 <= mem + 1024 && hi + 100 + 16 > mem + 1024 && ALIGNED(hi, 16));
    test_fill(lo, 100, 1);
    test_fill(hi, 100, 2);
    /* Fill the gap exactly from the low end, then one byte more from either end fails. */
    alloc_dstack_stats(&d, &s);
    CHECK(s.used + s.free == 1024);
    CHECK(alloc_dstack_alloc(&d, ALLOC_LOW, s.free, 1) != NULL);
    CHECK(alloc_dstack_alloc(&d, ALLOC_LOW, 1, 1) == NULL);
    CHECK(alloc_dstack_alloc(&d, ALLOC_HIGH, 1, 1) == NULL);
    alloc_dstack_stats(&d, &s);
    CHECK(s.free == 0 && s.fail_count == 2 && s.live_blocks == 3);
    CHECK(test_intact(lo, 100, 1) && test_intact(hi, 100, 2));
    CHECK(alloc_dstack_check(&d) == ALLOC_OK);
    /* Bad input changes nothing. */
    CHECK(alloc_dstack_alloc(&d, ALLOC_HIGH, 0, 1) == NULL);
    CHECK(alloc_dstack_alloc(&d, ALLOC_HIGH, SIZE_MAX, 1) == NULL);
    CHECK(alloc_dstack_alloc(&d, ALLOC_HIGH, 8, 3) == NULL);
    alloc_dstack_reset(&d, ALLOC_LOW);
    alloc_dstack_stats(&d, &s);
    CHECK(s.live_blocks == 1 && s.used == (size_t)(mem + 1024 - hi));
    CHECK(test_intact(hi, 100, 2));
}

static void test_dstack_marks(void)
{
    alloc_dstack d, other;
    alloc_dstack_mark ml, mh, stale;
    unsigned char *p, *q;
    REQUIRE(alloc_dstack_init(&d, mem, 4096) == ALLOC_OK);
    REQUIRE(alloc_dstack_init(&other, mem + 4096, 4096) == ALLOC_OK);
    ml = alloc_dstack_save(&d, ALLOC_LOW);
    mh = alloc_dstack_save(&d, ALLOC_HIGH);
    p = (unsigned char *)alloc_dstack_alloc(&d, ALLOC_LOW, 300, 8);
    q = (unsigned char *)alloc_dstack_alloc(&d, ALLOC_HIGH, 300, 8);
    stale = alloc_dstack_save(&d, ALLOC_HIGH);
    alloc_dstack_restore(&d, mh);                                  /* high end only */
    CHECK(alloc_dstack_alloc(&d, ALLOC_HIGH, 300, 8) == q);
    CHECK(alloc_dstack_alloc(&d, ALLOC_LOW, 8, 8) == p + 304);   /* low end untouched */
    alloc_dstack_restore(&d, ml);
    CHECK(alloc_dstack_alloc(&d, ALLOC_LOW, 300, 8) == p);
    alloc_dstack_reset(&d, ALLOC_HIGH);
    CHECK_REPORTS(1, alloc_dstack_restore(&d, stale));             /* from before a reset */
    CHECK_REPORTS(1, alloc_dstack_restore(&other, ml));            /* another stack */
    CHECK(test_last_error == ALLOC_ERR_STALE_MARK);
    CHECK(alloc_dstack_check(&d) == ALLOC_OK);
}

static void test_dstack_random(void)
{
    alloc_dstack d;
    size_t step, steps = test_scaled(200000);
    unsigned char *last[2] = { NULL, NULL };
    test_seed_from_env();
    REQUIRE(alloc_dstack_init(&d, mem + 3, 5000) == ALLOC_OK);
    for (step = 0; step < steps; step++) {
        alloc_end e = (alloc_end)test_below(2);
        size_t r = test_below(100);
        if (r < 80) {
            size_t n = 1 + test_below(200), al = (size_t)1 << test_below(7);
            unsigned char *p = (unsigned char *)alloc_dstack_alloc(&d, e, n, al);
            if (p != NULL) {
                REQUIRE(ALIGNED(p, al) && p >= mem + 3 && p + n <= mem + 5003);
                REQUIRE(d.top[ALLOC_LOW] <= d.top[ALLOC_HIGH]);
                /* The ends never cross: this block lies on its own side of the gap. */
                if (e == ALLOC_LOW) REQUIRE(p + n <= d.top[ALLOC_HIGH]);
                else REQUIRE(p >= d.top[ALLOC_LOW]);
                test_fill(p, n, step);
                last[e] = p;
            }
        } else {
            alloc_dstack_reset(&d, e);
            last[e] = NULL;
        }
        REQUIRE(alloc_dstack_check(&d) == ALLOC_OK);
    }
    (void)last;
}

static void test_dstack_dump(void)
{
    static test_text t;
    alloc_dstack d;
    REQUIRE(alloc_dstack_init(&d, mem, 4800) == ALLOC_OK);
    alloc_dstack_alloc(&d, ALLOC_LOW, 1000, 1);
    alloc_dstack_alloc(&d, ALLOC_HIGH, 2000, 1);
    t.len = 0;
    alloc_dstack_dump(&d, test_text_write, &t);
    CHECK(strstr(t.buf, "<<<<<<<<<<.") != NULL);
    CHECK(strstr(t.buf, ".>>>>>>>>>>>>>>>>>>>>|") != NULL);
}

static void test_frames(void)
{
    alloc_frames f;
    unsigned char *a, *b, *c;
    alloc_stats s;
    REQUIRE(alloc_frames_init(&f, mem, 8192) == ALLOC_OK);
    CHECK(alloc_frames_init(NULL, mem, 8192) == ALLOC_ERR_INVALID);
    CHECK(alloc_frames_init(&f, mem, 8) == ALLOC_ERR_TOO_SMALL);
    alloc_frames_init(&f, mem, 8192);
    alloc_frames_begin(&f);                                      /* frame 1 */
    a = (unsigned char *)alloc_frames_alloc(&f, 1000, 16);
    test_fill(a, 1000, 1);
    alloc_frames_begin(&f);                                      /* frame 2: a still valid */
    b = (unsigned char *)alloc_frames_alloc(&f, 1000, 16);
    test_fill(b, 1000, 2);
    CHECK(a != NULL && b != NULL && (b + 1000 <= a || a + 1000 <= b));
    CHECK(test_intact(a, 1000, 1));
    CHECK(alloc_arena_owns(alloc_frames_previous(&f), a));
    CHECK(alloc_arena_owns(alloc_frames_current(&f), b));
    alloc_frames_begin(&f);                                      /* frame 3: a's arena reused */
    c = (unsigned char *)alloc_frames_alloc(&f, 1000, 16);
    CHECK(c == a);
    CHECK(test_intact(b, 1000, 2));
    alloc_arena_stats(alloc_frames_current(&f), &s);
    CHECK(s.live_blocks == 1 && s.capacity < 4096);
    CHECK(alloc_frames_alloc(&f, 5000, 1) == NULL);              /* one half only */
}

typedef struct fake_lock { int depth, max_depth, locks, unlocks; } fake_lock;
static void fl_lock(void *c) { fake_lock *l = (fake_lock *)c; l->locks++; if (++l->depth > l->max_depth) l->max_depth = l->depth; }
static void fl_unlock(void *c) { fake_lock *l = (fake_lock *)c; l->unlocks++; l->depth--; }

static void test_locked(void)
{
    alloc_arena a;
    alloc_locked inner, outer;
    fake_lock li, lo;
    alloc_allocator al;
    void *p;
    memset(&li, 0, sizeof li);
    memset(&lo, 0, sizeof lo);
    alloc_arena_init(&a, mem, 4096);
    CHECK(alloc_locked_init(&inner, alloc_arena_allocator(&a), fl_lock, NULL, &li) == ALLOC_ERR_INVALID);
    REQUIRE(alloc_locked_init(&inner, alloc_arena_allocator(&a), fl_lock, fl_unlock, &li) == ALLOC_OK);
    REQUIRE(alloc_locked_init(&outer, alloc_locked_allocator(&inner), fl_lock, fl_unlock, &lo) == ALLOC_OK);
    al = alloc_locked_allocator(&outer);
    p = al.alloc(al.ctx, 64, 8);
    CHECK(p != NULL);
    p = al.realloc(al.ctx, p, 128, 8);
    al.free(al.ctx, p);
    al.free(al.ctx, NULL);                                       /* no lock taken for NULL */
    CHECK(li.locks == 3 && li.unlocks == 3 && li.depth == 0);
    CHECK(lo.locks == 3 && lo.unlocks == 3 && lo.depth == 0 && lo.max_depth == 1);
}

static void test_failing(void)
{
    alloc_arena a;
    alloc_failing f;
    alloc_allocator al;
    int i, got = 0;
    alloc_arena_init(&a, mem, 4096);
    CHECK(alloc_failing_init(&f, alloc_arena_allocator(&a), 0, ALLOC_FAIL_ONCE) == ALLOC_OK);
    al = alloc_failing_allocator(&f);
    for (i = 0; i < 5; i++) got += al.alloc(al.ctx, 8, 8) != NULL;
    CHECK(got == 5 && f.failed == 0 && f.live == 5);
    alloc_failing_init(&f, alloc_arena_allocator(&a), 3, ALLOC_FAIL_ONCE);
    for (i = 1, got = 0; i <= 5; i++) { void *p = al.alloc(al.ctx, 8, 8); CHECK((p == NULL) == (i == 3)); }
    CHECK(f.failed == 1 && f.calls == 5 && f.live == 4);
    alloc_failing_init(&f, alloc_arena_allocator(&a), 2, ALLOC_FAIL_FROM);
    for (i = 1; i <= 5; i++) { void *p = al.alloc(al.ctx, 8, 8); CHECK((p == NULL) == (i >= 2)); }
    CHECK(f.failed == 4);
    CHECK(alloc_failing_init(NULL, alloc_arena_allocator(&a), 1, ALLOC_FAIL_ONCE) == ALLOC_ERR_INVALID);
}

/* Fault injection over the growing arena: for every N, the Nth block taken from the parent
   fails; the arena returns NULL there, stays consistent, and gives every block back. */
static void test_arena_parent_faults(void)
{
    static unsigned char pool[1 << 16];
    size_t n;
    for (n = 1; n <= 12; n++) {
        alloc_arena parent_arena, a;
        alloc_failing f;
        size_t i, fails = 0;
        alloc_arena_init(&parent_arena, pool, sizeof pool);
        alloc_failing_init(&f, alloc_arena_allocator(&parent_arena), n, n % 2 ? ALLOC_FAIL_ONCE : ALLOC_FAIL_FROM);
        alloc_arena_init_parent(&a, alloc_failing_allocator(&f), 512);
        for (i = 0; i < 40; i++) {
            unsigned char *p = (unsigned char *)alloc_arena_alloc(&a, 200, 8);
            if (p == NULL) fails++;
            else test_fill(p, 200, i);
            REQUIRE(alloc_arena_check(&a) == ALLOC_OK);
        }
        CHECK(fails >= 1);
        alloc_arena_destroy(&a);
        CHECK(f.live == 0);
        CHECK(alloc_arena_check(&a) == ALLOC_OK);
    }
}

/* Marks ahead of their end's top are stale on either end; alignment 0 means 1; check
   sees tops out of order; the dump of a full stack fits its 48 cells exactly. */
static void test_dstack_edges(void)
{
    static test_text t;
    alloc_dstack d, good;
    alloc_dstack_mark lo_mark, hi_mark;
    alloc_stats s;
    unsigned char *p, *q;
    REQUIRE(alloc_dstack_init(&d, mem, 100) == ALLOC_OK);
    p = (unsigned char *)alloc_dstack_alloc(&d, ALLOC_LOW, 3, 0);       /* align 0: packed */
    q = (unsigned char *)alloc_dstack_alloc(&d, ALLOC_LOW, 3, 0);
    CHECK(p == mem && q == mem + 3);
    lo_mark = alloc_dstack_save(&d, ALLOC_LOW);
    CHECK(alloc_dstack_alloc(&d, ALLOC_HIGH, 5, 0) == mem + 95);
    hi_mark = alloc_dstack_save(&d, ALLOC_HIGH);
    alloc_dstack_reset(&d, ALLOC_LOW);
    alloc_dstack_reset(&d, ALLOC_HIGH);
    lo_mark.generation = d.generation[ALLOC_LOW];                      /* current, but ahead */
    hi_mark.generation = d.generation[ALLOC_HIGH];
    CHECK_REPORTS(1, alloc_dstack_restore(&d, lo_mark));
    CHECK_REPORTS(1, alloc_dstack_restore(&d, hi_mark));
    CHECK(test_last_error == ALLOC_ERR_STALE_MARK);
    alloc_dstack_stats(&d, &s);
    CHECK(s.used == 0 && s.error_count == 2 && s.peak_used == 11);
    /* check: the tops must keep base <= low <= high <= limit */
    good = d;
    CHECK(alloc_dstack_check(&d) == ALLOC_OK);
    d.top[ALLOC_LOW] = d.base - 1;
    CHECK(alloc_dstack_check(&d) == ALLOC_ERR_CORRUPT);
    d = good;
    d.top[ALLOC_LOW] = d.top[ALLOC_HIGH] + 1;
    CHECK(alloc_dstack_check(&d) == ALLOC_ERR_CORRUPT);
    d = good;
    d.top[ALLOC_HIGH] = d.limit + 1;
    CHECK(alloc_dstack_check(&d) == ALLOC_ERR_CORRUPT);
    d = good;
    CHECK(alloc_dstack_check(&d) == ALLOC_OK);
    CHECK(alloc_dstack_check(NULL) == ALLOC_ERR_INVALID);
    /* Full: 51 bytes low, 49 high. Each end rounds up (25 + 24 cells); the high one gives
       way so the bar stays 48 cells wide. */
    CHECK(alloc_dstack_alloc(&d, ALLOC_LOW, 51, 1) != NULL);
    CHECK(alloc_dstack_alloc(&d, ALLOC_HIGH, 49, 1) != NULL);
    t.len = 0;
    alloc_dstack_dump(&d, test_text_write, &t);
    CHECK(strstr(t.buf, ": low 51 bytes, high 49 bytes, gap 0 of 100\n"
                        "  |<<<<<<<<<<<<<<<<<<<<<<<<<>>>>>>>>>>>>>>>>>>>>>>>|\n"
                        "  capacity 100  used 100  free 0  largest free 0  peak 100\n"
                        "  live 2  free blocks 0  allocs 5  frees 0  fails 0  errors 2\n") != NULL);
}

/* Both lock functions may be NULL (no lock); an inner allocator without realloc or free
   is passed through as such: realloc gives NULL, free does nothing. */
static void *only_alloc(void *ctx, size_t size, size_t align) { return alloc_arena_alloc((alloc_arena *)ctx, size, align); }
static void test_locked_edges(void)
{
    alloc_arena a;
    alloc_locked l;
    alloc_allocator inner, al;
    fake_lock fl;
    unsigned char *p;
    memset(&fl, 0, sizeof fl);
    alloc_arena_init(&a, mem, 4096);
    CHECK(alloc_locked_init(&l, alloc_arena_allocator(&a), NULL, fl_unlock, &fl) == ALLOC_ERR_INVALID);
    REQUIRE(alloc_locked_init(&l, alloc_arena_allocator(&a), NULL, NULL, NULL) == ALLOC_OK);
    al = alloc_locked_allocator(&l);
    p = (unsigned char *)al.alloc(al.ctx, 64, 16);
    CHECK(p != NULL && ALIGNED(p, 16));
    test_fill(p, 64, 1);
    p = (unsigned char *)al.realloc(al.ctx, p, 200, 16);              /* the newest: in place */
    CHECK(p != NULL && test_intact(p, 64, 1));
    al.free(al.ctx, p);
    CHECK(al.alloc(al.ctx, 8, 1) == p);                               /* the free reached the arena */
    inner.alloc = only_alloc; inner.realloc = NULL; inner.free = NULL; inner.ctx = &a;
    REQUIRE(alloc_locked_init(&l, inner, fl_lock, fl_unlock, &fl) == ALLOC_OK);
    p = (unsigned char *)al.alloc(al.ctx, 32, 8);
    CHECK(p != NULL);
    CHECK(al.realloc(al.ctx, p, 64, 8) == NULL);
    al.free(al.ctx, p);
    CHECK(fl.locks == 3 && fl.unlocks == 3 && fl.depth == 0);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
}

/* The fault injector's realloc: NULL allocates (and counts as a call), a growing realloc
   is a call that may fail (the block then stays as it was), realloc to 0 frees; its free
   passes NULL by, and an inner allocator without realloc or free is respected. */
static void test_failing_realloc(void)
{
    alloc_heap h;
    alloc_failing f;
    alloc_allocator al, inner;
    alloc_arena a;
    unsigned char *p, *q;
    static union { unsigned char b[8192]; long double ld; } hm;
    REQUIRE(alloc_heap_init(&h, hm.b, sizeof hm.b, ALLOC_FIT_GOOD) == ALLOC_OK);
    REQUIRE(alloc_failing_init(&f, alloc_heap_allocator(&h), 3, ALLOC_FAIL_ONCE) == ALLOC_OK);
    al = alloc_failing_allocator(&f);
    p = (unsigned char *)al.realloc(al.ctx, NULL, 100, 0);            /* call 1: an alloc */
    REQUIRE(p != NULL);
    CHECK(f.calls == 1 && f.live == 1);
    test_fill(p, 100, 2);
    p = (unsigned char *)al.realloc(al.ctx, p, 300, 0);               /* call 2: passes */
    REQUIRE(p != NULL);
    CHECK(f.calls == 2 && f.live == 1 && test_intact(p, 100, 2));
    CHECK(al.realloc(al.ctx, p, 600, 0) == NULL);                     /* call 3: fails */
    CHECK(f.calls == 3 && f.failed == 1 && f.live == 1 && test_intact(p, 100, 2));
    CHECK(alloc_heap_usable_size(&h, p) >= 300);                      /* still live */
    CHECK(al.realloc(al.ctx, p, 0, 0) == NULL);                       /* frees */
    CHECK(f.live == 0 && alloc_heap_usable_size(&h, p) == 0);
    al.free(al.ctx, NULL);
    CHECK(f.live == 0);
    /* The inner allocator fails by itself: counted as a call, not as a fault, nothing live. */
    REQUIRE(alloc_failing_init(&f, alloc_heap_allocator(&h), 0, ALLOC_FAIL_ONCE) == ALLOC_OK);
    CHECK(al.alloc(al.ctx, 100000, 0) == NULL);
    CHECK(f.calls == 1 && f.failed == 0 && f.live == 0);
    q = (unsigned char *)al.alloc(al.ctx, 100, 0);
    CHECK(q != NULL && f.live == 1);
    al.free(al.ctx, q);
    CHECK(f.live == 0 && alloc_heap_check(&h) == ALLOC_OK);
    {
        alloc_stats st;
        alloc_heap_stats(&h, &st);
        CHECK(st.used == 0 && st.error_count == 0);
    }
    /* No realloc or free underneath: realloc fails without counting a call. */
    alloc_arena_init(&a, mem, 4096);
    inner.alloc = only_alloc; inner.realloc = NULL; inner.free = NULL; inner.ctx = &a;
    REQUIRE(alloc_failing_init(&f, inner, 0, ALLOC_FAIL_ONCE) == ALLOC_OK);
    p = (unsigned char *)al.alloc(al.ctx, 16, 8);
    CHECK(p != NULL && f.calls == 1);
    CHECK(al.realloc(al.ctx, p, 32, 8) == NULL && f.calls == 1);
    al.free(al.ctx, p);
    CHECK(f.live == 0);
    inner.alloc = NULL;
    CHECK(alloc_failing_init(&f, inner, 0, ALLOC_FAIL_ONCE) == ALLOC_ERR_INVALID);
}

/* "Frees always pass through": realloc(p, 0) is a free, so an injected fault must not
   swallow it (the caller takes the NULL it returns as "freed" and forgets p). */
static void test_failing_realloc_zero_frees(void)
{
    alloc_heap h;
    alloc_failing f;
    alloc_allocator al;
    void *p;
    static union { unsigned char b[4096]; long double ld; } hm;
    REQUIRE(alloc_heap_init(&h, hm.b, sizeof hm.b, ALLOC_FIT_GOOD) == ALLOC_OK);
    REQUIRE(alloc_failing_init(&f, alloc_heap_allocator(&h), 2, ALLOC_FAIL_FROM) == ALLOC_OK);
    al = alloc_failing_allocator(&f);
    p = al.alloc(al.ctx, 100, 0);                                     /* call 1 passes */
    REQUIRE(p != NULL);
    CHECK(al.alloc(al.ctx, 100, 0) == NULL);                          /* from call 2 on: faults */
    CHECK(al.realloc(al.ctx, p, 0, 0) == NULL);                       /* a free: it must happen */
    CHECK(f.live == 0);
    CHECK(alloc_heap_usable_size(&h, p) == 0);                        /* the heap took it back */
    CHECK(alloc_heap_check(&h) == ALLOC_OK);
}

#ifdef ALLOC_HAS_SHARED_ARENA
static void test_shared_single(void)
{
    alloc_arena a;
    unsigned char *p, *q;
    alloc_stats s;
    alloc_arena_init(&a, mem, 1024);
    p = (unsigned char *)alloc_arena_alloc_shared(&a, 100, 16);
    q = (unsigned char *)alloc_arena_alloc_shared(&a, 100, 16);
    CHECK(p != NULL && q >= p + 100 && ALIGNED(q, 16));
    CHECK(alloc_arena_alloc_shared(&a, 0, 1) == NULL);
    CHECK(alloc_arena_alloc_shared(&a, 8, 12) == NULL);
    CHECK(alloc_arena_alloc_shared(&a, 2000, 1) == NULL);
    alloc_arena_stats(&a, &s);
    CHECK(s.alloc_count == 2 && s.fail_count == 1);
    alloc_arena_free(&a, q);                 /* not recorded as newest: no-op, no error */
    CHECK((unsigned char *)alloc_arena_alloc(&a, 1, 1) > q);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
}

/* The shared path serves the current block only: alignment 0 means 1, an arena with no
   block yet gives NULL, a full block gives NULL even when a later block has room; the
   newest-allocation record is dropped, so a free of the allocation before it is a no-op. */
static void test_shared_edges(void)
{
    static unsigned char pool[4096];
    alloc_arena a, pa;
    unsigned char *p, *q;
    alloc_stats s;
    alloc_arena_init(&pa, pool, sizeof pool);
    REQUIRE(alloc_arena_init_parent(&a, alloc_arena_allocator(&pa), 1024) == ALLOC_OK);
    CHECK(alloc_arena_alloc_shared(&a, 8, 8) == NULL);                 /* no block: no parent call */
    alloc_arena_stats(&a, &s);
    CHECK(s.fail_count == 1 && s.capacity == 0);
    alloc_arena_init(&a, mem, 1024);
    alloc_arena_add(&a, mem + 2048, 2048);
    p = (unsigned char *)alloc_arena_alloc(&a, 100, 8);                /* the newest, recorded */
    q = (unsigned char *)alloc_arena_alloc_shared(&a, 10, 0);
    CHECK(p != NULL && q != NULL && q >= p + 100);
    alloc_arena_free(&a, p);                                           /* not the newest any more */
    alloc_arena_stats(&a, &s);
    CHECK(s.free_count == 0 && s.live_blocks == 2 && s.used >= 110);
    CHECK(alloc_arena_alloc_shared(&a, 900, 8) == NULL);               /* block 0 is too full */
    q = (unsigned char *)alloc_arena_alloc(&a, 900, 8);                /* the chaining path: block 1 */
    CHECK(q >= mem + 2048 && q < mem + 4096);
    alloc_arena_stats(&a, &s);
    CHECK(s.fail_count == 1 && s.alloc_count == 3);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
}
#endif

int main(void)
{
    TEST_RUN(test_dstack_meet);
    TEST_RUN(test_dstack_marks);
    TEST_RUN(test_dstack_random);
    TEST_RUN(test_dstack_dump);
    TEST_RUN(test_frames);
    TEST_RUN(test_locked);
    TEST_RUN(test_failing);
    TEST_RUN(test_arena_parent_faults);
    TEST_RUN_LAYOUT(test_dstack_edges);
    TEST_RUN(test_locked_edges);
    TEST_RUN(test_failing_realloc);
    TEST_RUN(test_failing_realloc_zero_frees);
#ifdef ALLOC_HAS_SHARED_ARENA
    TEST_RUN(test_shared_single);
    TEST_RUN(test_shared_edges);
#endif
    return test_finish();
}
