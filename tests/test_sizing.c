/* Tests of the sizing helpers (>>sizing): a buffer of exactly the bound never fails under
   adversarial and randomised programs that keep within their stated largest allocation
   and peak; a buffer clearly below it can be made to fail where the bound is claimed to be
   tight (arena, buddy, slab); and, for the heap, whose proven bound is far above practice,
   the measured worst case of the same adversaries is printed and checked against it. */
#include "test.h"
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"

#define BIG (1u << 22)
static unsigned char mem[BIG + 8192];

/* A program's allocator, seen through the common interface, plus how the sizing helper
   counts a request (each at least the family's unit). */
typedef struct prog {
    alloc_allocator a;
    size_t unit;                 /* a request counts as max(size, unit) */
    size_t max, peak;            /* the program's stated figures */
    void *p[4096];
    size_t sz[4096];
    size_t n, live, fails;
} prog;

static size_t cost(const prog *g, size_t s) { return s < g->unit ? g->unit : s; }

/* Allocates s bytes if the program stays within its peak; returns 0 when the peak would be
   passed (nothing asked), 1 on success, and counts a failure otherwise. */
static int prog_alloc(prog *g, size_t s)
{
    void *p;
    if (g->n == 4096 || g->live + cost(g, s) > g->peak) return 0;
    p = g->a.alloc(g->a.ctx, s, 0);
    if (p == NULL) {
        g->fails++;
        return 0;
    }
    test_fill(p, s < 64 ? s : 64, g->n);
    g->p[g->n] = p;
    g->sz[g->n] = s;
    g->n++;
    g->live += cost(g, s);
    return 1;
}
static void prog_free(prog *g, size_t i)
{
    CHECK(test_intact(g->p[i], g->sz[i] < 64 ? g->sz[i] : 64, i));
    g->a.free(g->a.ctx, g->p[i]);
    g->live -= cost(g, g->sz[i]);
    g->n--;
    if (i != g->n) {   /* keep the contents' ids honest: refill the moved block */
        g->p[i] = g->p[g->n];
        g->sz[i] = g->sz[g->n];
        test_fill(g->p[i], g->sz[i] < 64 ? g->sz[i] : 64, i);
    }
}
static void prog_free_all(prog *g)
{
    while (g->n > 0) prog_free(g, g->n - 1);
}
static int by_addr(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)*(void *const *)x, b = (uintptr_t)*(void *const *)y;
    return a < b ? -1 : a > b;
}
static void prog_sort(prog *g)
{
    /* sizes travel with their pointers: sort pairs through an index */
    size_t i;
    void *tmp[4096];
    size_t tsz[4096];
    for (i = 0; i < g->n; i++) { tmp[i] = g->p[i]; }
    qsort(tmp, g->n, sizeof tmp[0], by_addr);
    for (i = 0; i < g->n; i++) {
        size_t j;
        for (j = 0; j < g->n; j++) if (g->p[j] == tmp[i]) break;
        tsz[i] = g->sz[j];
    }
    for (i = 0; i < g->n; i++) {
        g->p[i] = tmp[i];
        g->sz[i] = tsz[i];
        test_fill(g->p[i], g->sz[i] < 64 ? g->sz[i] : 64, i);
    }
}

/* The patterns. Each runs a whole program and leaves the failures in g->fails. */

/* Knuth's and Robson's doubling: fill with the smallest size, keep only blocks spaced
   apart (every other in address order, or those on a 2^(k+1)-unit grid for the buddy),
   then fill with twice the size, and so on up to the largest. */
static void pat_doubling(prog *g, size_t first, uintptr_t grid_base, int by_grid)
{
    size_t s, k = 0;
    for (s = first;; s *= 2, k++) {
        size_t i, req = s == first ? 1 : s / 2 + 1;   /* the smallest request of its block */
        if (req > g->max) req = g->max;
        while (prog_alloc(g, req)) {}
        if (g->fails) return;
        prog_sort(g);
        for (i = g->n; i-- > 0;) {
            int drop = by_grid ? (((uintptr_t)g->p[i] - grid_base) % (2 * s)) != 0 : (i & 1u) != 0;
            if (drop) prog_free(g, i);
        }
        if (req == g->max) break;
    }
    while (prog_alloc(g, g->max)) {}
}

/* Best fit's enemy: pairs (small, large) fill memory; the large are freed and asked for
   again one grain larger, so every old hole is a little too small. */
static void pat_growing(prog *g, size_t grain)
{
    size_t big = g->max / 4 < grain ? grain : g->max / 4, round;
    for (round = 0; round < 64 && big <= g->max; round++, big += grain) {
        size_t i;
        while (prog_alloc(g, 1) && prog_alloc(g, big)) {}
        if (g->fails) return;
        for (i = g->n; i-- > 0;) if (g->sz[i] == big - grain || g->sz[i] == big) prog_free(g, i);
    }
}

/* Random sizes (log-uniform up to max), random frees, the peak kept. */
static void pat_random(prog *g, size_t ops)
{
    size_t i;
    for (i = 0; i < ops && !g->fails; i++) {
        if (g->n > 0 && (test_below(3) == 0 || g->live + g->max > g->peak)) {
            prog_free(g, test_below(g->n));
        } else {
            size_t bits = 1 + test_below((size_t)alloc__log2(g->max) + 1);
            size_t s = 1 + test_below((size_t)1 << (bits - 1) < g->max ? (size_t)1 << (bits - 1) : g->max);
            prog_alloc(g, s);
        }
    }
}

/* --- arena ------------------------------------------------------------------------ */

static void test_arena_bound(void)
{
    size_t align, off;
    CHECK(alloc_arena_size_for(0, 16) == 0);
    CHECK(alloc_arena_size_for(100, 3) == 0);
    CHECK(alloc_arena_size_for(SIZE_MAX, 16) == 0);
    CHECK(alloc_arena_size_for(SIZE_MAX - 8, 1) == 0);
    CHECK(alloc_arena_size_for(1000, 0) == 1000 + ALLOC_ARENA_BLOCK_OVERHEAD);
    CHECK(alloc_arena_size_for(1000, 16) == 1000 + 62 * 15 + ALLOC_ARENA_BLOCK_OVERHEAD);
    for (align = 1; align <= 256; align *= 4) {
        for (off = 0; off < 16; off += 3) {
            size_t peak = 4000, bound = alloc_arena_size_for(peak, align), i, used = 0, fails = 0;
            alloc_arena a;
            alloc_arena_mark m;
            REQUIRE(bound != 0 && alloc_arena_init(&a, mem + off, bound) == ALLOC_OK);
            /* the worst case: pieces one byte past the alignment, each padded */
            for (i = 0; used + align + 1 <= peak; i++, used += align + 1)
                if (alloc_arena_alloc(&a, align + 1, align) == NULL) fails++;
            CHECK(fails == 0);
            /* random sizes and alignments under marks, counted as >= align */
            alloc_arena_reset(&a);
            for (i = 0; i < test_scaled(2000); i++) {
                size_t live = 0;
                m = alloc_arena_save(&a);
                while (1) {
                    size_t al = (size_t)1 << test_below((size_t)alloc__log2(align) + 1);
                    size_t s = 1 + test_below(align * 3), c = s < align ? align : s;
                    if (live + c > peak) break;
                    if (alloc_arena_alloc(&a, s, al) == NULL) fails++;
                    live += c;
                }
                alloc_arena_restore(&a, m);
            }
            CHECK(fails == 0);
            CHECK(alloc_arena_check(&a) == ALLOC_OK);
        }
    }
    /* Tight: the padded pattern fails when the padding allowance is left out. */
    {
        alloc_arena a;
        size_t used = 0, fails = 0;
        REQUIRE(alloc_arena_init(&a, mem, 4000 + ALLOC_ARENA_BLOCK_OVERHEAD) == ALLOC_OK);
        while (used + 65 <= 4000) {
            if (alloc_arena_alloc(&a, 65, 64) == NULL) fails++;
            used += 65;
        }
        CHECK(fails > 0);
    }
}

/* --- buddy ------------------------------------------------------------------------ */

static size_t buddy_run(size_t size, size_t off, size_t max, size_t peak, size_t m, int pattern, size_t *fails)
{
    alloc_buddy b;
    prog *g = (prog *)calloc(1, sizeof(prog));
    size_t capacity = 0;
    alloc_stats st;
    if (g == NULL || alloc_buddy_init(&b, mem + off, size, m) != ALLOC_OK) {
        free(g);
        *fails = 1;
        return 0;
    }
    g->a = alloc_buddy_allocator(&b);
    g->unit = m / 2;
    g->max = max;
    g->peak = peak;
    if (pattern == 0) pat_doubling(g, m, (uintptr_t)b.base, 1);
    else if (pattern == 1) pat_random(g, test_scaled(20000));
    else pat_growing(g, m);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    prog_free_all(g);
    alloc_buddy_stats(&b, &st);
    CHECK(st.used == 0);
    capacity = st.capacity;
    *fails = g->fails;
    free(g);
    return capacity;
}

static void test_buddy_bound(void)
{
    static const size_t maxes[] = {16, 100, 1024, 4096};
    size_t i, off, pat;
    CHECK(alloc_buddy_size_for(100, 1000, 24) == 0);
    CHECK(alloc_buddy_size_for(100, 1000, 8) == 0);
    CHECK(alloc_buddy_size_for(0, 1000, 16) == 0);
    CHECK(alloc_buddy_size_for((size_t)16 << 14 | 1, 1000, 16) == 0);
    CHECK(alloc_buddy_size_for((size_t)16 << 14, SIZE_MAX / 2, 16) == 0);
    CHECK(alloc_buddy_size_for(100, SIZE_MAX, 16) == 0);
    /* r = 0: no fragmentation, the bound is the blocks plus metadata and alignment */
    CHECK(alloc_buddy_size_for(16, 160, 16) == 320 + 10 + 15);
    for (i = 0; i < sizeof maxes / sizeof maxes[0]; i++) {
        size_t max = maxes[i], peak = 8192, bound = alloc_buddy_size_for(max, peak, 16);
        REQUIRE(bound != 0 && bound <= BIG);
        for (off = 0; off < 64; off += 24) {
            for (pat = 0; pat < 3; pat++) {
                size_t fails = 0, cap = buddy_run(bound, off, max, peak, 16, (int)pat, &fails);
                CHECK(fails == 0);
                CHECK(cap >= bound / 2);
                if (fails) fprintf(stderr, "buddy: max %zu off %zu pattern %zu failed\n", max, off, pat);
            }
        }
    }
}

/* Knuth's bad case needs (1 + r/2) n: measured here as the smallest M-aligned buffer in
   which it succeeds; the bound ((r + 1) n plus alignment and metadata) is within a factor
   of 2 of it - tight to that factor - and a buffer clearly below it fails. */
static void test_buddy_knuth(void)
{
    size_t m = 16, max = 1024, peak = 8192, r = 6, n = 2 * peak, M = 1024;
    size_t bound = alloc_buddy_size_for(max, peak, m), fails = 0, lo = n, hi = bound;
    size_t al = alloc__pad((uintptr_t)mem, M);
    while (hi - lo > m) {
        size_t mid = lo + (hi - lo) / 2;
        buddy_run(mid, al, max, peak, m, 0, &fails);
        if (fails) lo = mid;
        else hi = mid;
    }
    CHECK(hi >= (1 + r / 2) * n - M);       /* Knuth's figure, less one largest block */
    CHECK(bound < 2 * hi + 2 * M);          /* the bound is tight within a factor of 2 */
    buddy_run(hi * 3 / 4, al, max, peak, m, 0, &fails);
    CHECK(fails > 0);
    buddy_run(bound, 5, max, peak, m, 0, &fails);
    CHECK(fails == 0);
    printf("buddy (max %zu, peak %zu, min block %zu): bound %zu bytes (%.2f x peak); "
           "Knuth's pattern needs %zu (%.2f x peak)\n",
           max, peak, m, bound, (double)bound / (double)peak, hi, (double)hi / (double)peak);
}

/* --- heap ------------------------------------------------------------------------- */

static size_t heap_run(size_t size, size_t off, size_t max, size_t peak, alloc_fit fit, int pattern, size_t *fails)
{
    alloc_heap h;
    prog *g = (prog *)calloc(1, sizeof(prog));
    if (g == NULL || alloc_heap_init(&h, mem + off, size, fit) != ALLOC_OK) {
        free(g);
        *fails = 1;
        return 0;
    }
    g->a = alloc_heap_allocator(&h);
    g->unit = ALLOC_HEAP_MIN_BLOCK;
    g->max = max;
    g->peak = peak;
    if (pattern == 0) pat_doubling(g, ALLOC_HEAP_MIN_BLOCK, 0, 0);
    else if (pattern == 1) pat_random(g, test_scaled(20000));
    else pat_growing(g, ALLOC_HEAP_GRAIN);
    CHECK(alloc_heap_check(&h) == ALLOC_OK);
    prog_free_all(g);
    *fails = g->fails;
    free(g);
    return 1;
}

/* The smallest buffer (to the grain) in which a pattern succeeds, by bisection. */
static size_t heap_measure(size_t max, size_t peak, alloc_fit fit, int pattern, size_t hi)
{
    size_t lo = peak, fails;
    while (hi - lo > ALLOC_HEAP_GRAIN) {
        size_t mid = lo + (hi - lo) / 2, save = (size_t)test_rand();
        test_srand(77 + (unsigned)pattern);   /* the same program at every size */
        heap_run(mid, 0, max, peak, fit, pattern, &fails);
        (void)save;
        if (fails) lo = mid;
        else hi = mid;
    }
    return hi;
}

static void test_heap_bound(void)
{
    static const size_t maxes[] = {24, 200, 1024};
    static const alloc_fit fits[] = {ALLOC_FIT_GOOD, ALLOC_FIT_FIRST, ALLOC_FIT_BEST};
    size_t i, f, pat, off;
    CHECK(alloc_heap_size_for(0, 100, ALLOC_FIT_GOOD) == 0);
    CHECK(alloc_heap_size_for(SIZE_MAX / 2, 100, ALLOC_FIT_GOOD) == 0);
    CHECK(alloc_heap_size_for(100, 100, (alloc_fit)7) == 0);
    CHECK(alloc_heap_size_for((size_t)1 << (sizeof(size_t) * 8 - 4), SIZE_MAX / 2, ALLOC_FIT_GOOD) == 0);
    /* GOOD's list slack makes its bound the larger one above the exact classes */
    CHECK(alloc_heap_size_for(4000, 8000, ALLOC_FIT_GOOD) > alloc_heap_size_for(4000, 8000, ALLOC_FIT_FIRST));
    CHECK(alloc_heap_size_for(64, 8000, ALLOC_FIT_GOOD) == alloc_heap_size_for(64, 8000, ALLOC_FIT_FIRST));
    for (i = 0; i < sizeof maxes / sizeof maxes[0]; i++) {
        for (f = 0; f < sizeof fits / sizeof fits[0]; f++) {
            size_t max = maxes[i], peak = 8192, bound = alloc_heap_size_for(max, peak, fits[f]);
            REQUIRE(bound != 0 && bound <= BIG);
            for (off = 0; off < 16; off += 5) {
                for (pat = 0; pat < 3; pat++) {
                    size_t fails = 0;
                    heap_run(bound, off, max, peak, fits[f], (int)pat, &fails);
                    CHECK(fails == 0);
                }
            }
        }
    }
}

/* The measured (empirical) worst case of the adversaries against the proven bound. The
   heap does fragment: a buffer just above the peak fails. */
static void test_heap_measured(void)
{
    size_t max = 1024, peak = 16384, pat, worst = 0;
    size_t bound = alloc_heap_size_for(max, peak, ALLOC_FIT_GOOD), fails = 0;
    heap_run(peak + ALLOC_HEAP_REGION_OVERHEAD + 2 * max, 0, max, peak, ALLOC_FIT_GOOD, 0, &fails);
    CHECK(fails > 0);
    for (pat = 0; pat < 3; pat++) {
        size_t need = heap_measure(max, peak, ALLOC_FIT_GOOD, (int)pat, bound);
        if (need > worst) worst = need;
        printf("heap GOOD (max %zu, peak %zu): pattern %zu needs %zu bytes (%.2f x peak)\n",
               max, peak, pat, need, (double)need / (double)peak);
    }
    printf("heap GOOD: proven bound %zu bytes (%.1f x peak), measured worst %zu (%.2f x peak)\n",
           bound, (double)bound / (double)peak, worst, (double)worst / (double)peak);
    CHECK(worst < bound);
    CHECK(worst < 8 * peak);
}

/* --- slab ------------------------------------------------------------------------- */

static void ctor(void *obj, void *user)
{
    (void)user;
    memset(obj, 0x5A, 8);
}

static void test_slab_bound(void)
{
    static const size_t sizes[] = {8, 48, 200, 1000, 5000};
    alloc_slab_desc d;
    size_t i, c, off;
    CHECK(alloc_slab_size_for(NULL, 10) == 0);
    memset(&d, 0, sizeof d);
    CHECK(alloc_slab_size_for(&d, 10) == 0);            /* size 0: refused by init */
    d.size = 48;
    d.align = 3;
    CHECK(alloc_slab_size_for(&d, 10) == 0);
    d.align = 0;
    CHECK(alloc_slab_size_for(&d, SIZE_MAX) == 0);
    CHECK(alloc_slab_size_for(&d, 0) == alloc_slab_size_for(&d, 1));
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (c = 0; c < 2; c++) {
            size_t peak = 300, bound, n = 0, k, fails = 0;
            alloc_slab s;
            alloc_slab_info info;
            void **live = (void **)calloc(peak, sizeof(void *));
            memset(&d, 0, sizeof d);
            d.size = sizes[i];
            d.ctor = c ? ctor : NULL;
            bound = alloc_slab_size_for(&d, peak);
            REQUIRE(live != NULL && bound != 0 && bound <= BIG);
            for (off = 0; off < 64; off += 40) {
                REQUIRE(alloc_slab_init_buffer(&s, &d, mem + off, bound) == ALLOC_OK);
                for (k = 0; k < test_scaled(20000); k++) {
                    if (n > 0 && (n == peak || test_below(2) == 0)) {
                        size_t j = test_below(n);
                        alloc_slab_free(&s, live[j]);
                        live[j] = live[--n];
                    } else {
                        void *p = alloc_slab_alloc(&s);
                        if (p == NULL) fails++;
                        else live[n++] = p;
                    }
                    if (k % 997 == 0 && test_below(4) == 0) alloc_slab_shrink(&s);
                }
                while (n < peak) {
                    void *p = alloc_slab_alloc(&s);
                    if (p == NULL) { fails++; break; }
                    live[n++] = p;
                }
                CHECK(fails == 0);
                CHECK(alloc_slab_check(&s) == ALLOC_OK);
                while (n > 0) alloc_slab_free(&s, live[--n]);
            }
            /* Tight: an aligned buffer one slab's slack short holds one slab less. */
            alloc_slab_get_info(&s, &info);
            {
                unsigned char *al = mem + alloc__pad((uintptr_t)mem, info.slab_size);
                size_t slabs = (peak + info.objects_per_slab - 1) / info.objects_per_slab;
                CHECK(bound == slabs * info.slab_size + info.slab_size - 1);
                if (slabs > 1 || info.slab_size * 2 <= BIG) {
                    alloc_slab t;
                    if (slabs > 1 && alloc_slab_init_buffer(&t, &d, al, slabs * info.slab_size - 1) == ALLOC_OK) {
                        size_t got = 0;
                        while (got < peak && alloc_slab_alloc(&t) != NULL) got++;
                        CHECK(got < peak);
                    }
                }
            }
            free(live);
        }
    }
}

/* The counting rules and the refusals each helper documents: a peak below the largest
   request counts as that request, a request below the family's unit as the unit; a bound
   that does not fit in size_t gives 0. */
static void test_counting_and_refusals(void)
{
    const size_t MIN = ALLOC_HEAP_MIN_BLOCK;
    alloc_slab_desc d;
    int f;
    for (f = 0; f <= (int)ALLOC_FIT_WORST; f++) {
        alloc_fit fit = (alloc_fit)f;
        CHECK(alloc_heap_size_for(1000, 10, fit) == alloc_heap_size_for(1000, 1000, fit));
        CHECK(alloc_heap_size_for(1, 1, fit) == alloc_heap_size_for(1, MIN, fit));
        CHECK(alloc_heap_size_for(1000, 5000, fit) > alloc_heap_size_for(1000, 1000, fit));
        CHECK(alloc_heap_size_for(1000, SIZE_MAX, fit) == 0);               /* N wraps */
        CHECK(alloc_heap_size_for(1000, SIZE_MAX / 10 * 7, fit) == 0);      /* N = P + extra wraps */
        CHECK(alloc_heap_size_for(SIZE_MAX / 8, SIZE_MAX / 8, fit) == 0);   /* the holes wrap */
    }
    CHECK(alloc_heap_size_for(1000, 1000, (alloc_fit)5) == 0);
    CHECK(alloc_heap_size_for(0, 1000, ALLOC_FIT_GOOD) == 0);
    CHECK(alloc_buddy_size_for(100, 10, 64) == alloc_buddy_size_for(100, 100, 64));
    CHECK(alloc_buddy_size_for(16, 1, 64) == alloc_buddy_size_for(16, 32, 64));   /* at least m / 2 */
    CHECK(alloc_buddy_size_for(100, 100, 48) == 0);                          /* not a power of two */
    CHECK(alloc_buddy_size_for(100, 100, 8) == 0);                           /* below the smallest */
    CHECK(alloc_buddy_size_for(0, 100, 64) == 0);
    CHECK(alloc_buddy_size_for(64 << 15, 64 << 15, 64) == 0);                /* above the largest block */
    CHECK(alloc_buddy_size_for(64, 64, (size_t)1 << (sizeof(size_t) * 8 - 4)) == 0);   /* m << 14 wraps */
    CHECK(alloc_buddy_size_for(4096, SIZE_MAX / 2, 64) == 0);                /* 2 * peak wraps */
    CHECK(alloc_buddy_size_for(64 << 14, SIZE_MAX / 8, 64) == 0);            /* (r + 1) * n wraps */
    CHECK(alloc_arena_size_for(100, 0) == alloc_arena_size_for(100, 1));     /* align 0 means 1 */
    CHECK(alloc_arena_size_for(0, 8) == 0 && alloc_arena_size_for(100, 12) == 0);
    CHECK(alloc_arena_size_for(SIZE_MAX, 1) == 0);                           /* + header wraps */
    CHECK(alloc_arena_size_for(SIZE_MAX / 4 * 3, 4096) == 0);                /* + pads wraps */
    memset(&d, 0, sizeof d);
    d.size = 64;
    CHECK(alloc_slab_size_for(&d, 0) == alloc_slab_size_for(&d, 1));         /* 0 counts as 1 */
    CHECK(alloc_slab_size_for(&d, SIZE_MAX) == 0);
    CHECK(alloc_slab_size_for(NULL, 10) == 0);
    d.align = 24;
    CHECK(alloc_slab_size_for(&d, 10) == 0);                                 /* refused by init */
}

int main(void)
{
    test_seed_from_env();
    TEST_RUN_LAYOUT(test_arena_bound);
    TEST_RUN_LAYOUT(test_buddy_bound);
    TEST_RUN_LAYOUT(test_buddy_knuth);
    TEST_RUN_LAYOUT(test_heap_bound);
    TEST_RUN(test_heap_measured);
    TEST_RUN(test_slab_bound);
    TEST_RUN(test_counting_and_refusals);
    return test_finish();
}
