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
#ifdef ALLOC_HAS_SHARED_ARENA
    TEST_RUN(test_shared_single);
#endif
    return test_finish();
}
