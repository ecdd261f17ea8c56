/* Misuse in release builds, swept over every family and every entry point: sizes
   SIZE_MAX - k (k = 0..64) at every alignment from 0 to 4096 and at alignments that are
   not powers of two, wrapping calloc products, zero sizes, NULL, double frees, foreign and
   interior pointers, stale arena marks, init and add with buffers of 0..64 bytes and with
   misaligned starts. Each case asserts the documented outcome exactly: the NULL or the
   ALLOC_ERR_* code, how many reports reached ALLOC_ON_ERROR (and which code), that the
   structure still passes its check, and that the blocks live before the misuse still
   hold their contents. Each family ends with a short random run on the same structure,
   to show that nothing was left half changed. */
#include "test.h"
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

/* One pool for every test, carved into pieces aligned as a test needs. */
static union { unsigned char b[9 * (1 << 18) + 65536 + 4096]; long double ld; void *p; } pool_u;
static unsigned char *piece(size_t index, size_t align)
{
    unsigned char *p = pool_u.b + alloc__pad((uintptr_t)pool_u.b, 65536);
    return p + index * ((size_t)1 << 18) + alloc__pad((uintptr_t)(p + index * ((size_t)1 << 18)), align);
}
#define PIECE_SIZE ((size_t)1 << 18)   /* bytes from a piece's start to the next piece */

/* The alignments swept: 0 (the default where an entry point allows it), every power of
   two up to 4096, and some that are not powers of two. */
static const size_t aligns[] = {0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
static const size_t bad_aligns[] = {3, 5, 6, 24, 48, 100, 4095, 4097, (size_t)-1, (size_t)-1 / 2 + 2};
#define NALIGNS (sizeof aligns / sizeof aligns[0])
#define NBAD (sizeof bad_aligns / sizeof bad_aligns[0])

/* Blocks kept live across the misuse, each filled with its own pattern. */
typedef struct kept { unsigned char *p; size_t n; } kept;
#define NKEPT 6
static void fill(const kept *k, size_t i) { memset(k[i].p, (int)(0x40 + i), k[i].n); }
static int intact(const kept *k, size_t count)
{
    size_t i, j;
    for (i = 0; i < count; i++)
        for (j = 0; j < k[i].n; j++)
            if (k[i].p[j] != (unsigned char)(0x40 + i)) return 0;
    return 1;
}

/* A foreign pointer: a stack address (for the families that never read through it). */
static int stack_probe;

/* Expect exactly one report, with this code. */
#define CHECK_REPORT_CODE(code, stmt)                                                     \
    do {                                                                                  \
        test_last_error = 0;                                                              \
        CHECK_REPORTS(1, stmt);                                                           \
        CHECK(test_last_error == (int)(code));                                            \
    } while (0)

/* --- the common interface: every family behind alloc_allocator ---------------------- */

/* An impossible request through the interface gets NULL and no report; a realloc of a
   live block to one gets NULL and leaves the block as it was. */
static void sweep_interface(alloc_allocator al, void *live, size_t live_n, int realloc_keeps)
{
    size_t k, a;
    for (k = 0; k <= 64; k++) {
        for (a = 0; a < NALIGNS; a++) {
            CHECK_REPORTS(0, CHECK(al.alloc(al.ctx, (size_t)-1 - k, aligns[a]) == NULL));
            if (live != NULL && al.realloc != NULL && realloc_keeps)
                CHECK_REPORTS(0, CHECK(al.realloc(al.ctx, live, (size_t)-1 - k, aligns[a]) == NULL));
        }
    }
    for (a = 0; a < NBAD; a++) CHECK_REPORTS(0, CHECK(al.alloc(al.ctx, 16, bad_aligns[a]) == NULL));
    CHECK_REPORTS(0, CHECK(al.alloc(al.ctx, 0, 0) == NULL));
    CHECK_REPORTS(0, al.free(al.ctx, NULL));
    (void)live_n;
}

/* --- arena --------------------------------------------------------------------------- */

static void test_arena_init_buffers(void)
{
    alloc_arena a;
    size_t n, skew;
    unsigned char *base = piece(0, 64);
    CHECK(alloc_arena_init(NULL, base, 64) == ALLOC_ERR_INVALID);
    CHECK(alloc_arena_init(&a, NULL, 64) == ALLOC_ERR_INVALID);
    for (skew = 0; skew < 16; skew++) {
        for (n = 0; n <= 64; n++) {
            unsigned char *buf = base + skew;
            alloc_result r = alloc_arena_init(&a, buf, n);
            CHECK(r == ALLOC_OK || r == ALLOC_ERR_TOO_SMALL);
            if (r == ALLOC_OK) {
                unsigned char *p = (unsigned char *)alloc_arena_alloc(&a, 1, 1);
                CHECK(alloc_arena_check(&a) == ALLOC_OK);
                if (p != NULL) CHECK(p >= buf && p + 1 <= buf + n);
                CHECK(n > sizeof(alloc_arena_block));   /* no header fits in less */
            } else {
                CHECK(n <= sizeof(alloc_arena_block) + sizeof(void *));
            }
        }
    }
    /* add: NULL, wrapping, tiny, overlapping or the same block twice */
    REQUIRE(alloc_arena_init(&a, base, 4096) == ALLOC_OK);
    CHECK(alloc_arena_add(NULL, base + 8192, 4096) == ALLOC_ERR_INVALID);
    CHECK(alloc_arena_add(&a, NULL, 4096) == ALLOC_ERR_INVALID);
    CHECK(alloc_arena_add(&a, base + 8192, (size_t)-1) == ALLOC_ERR_OVERFLOW);
    CHECK(alloc_arena_add(&a, base, 4096) == ALLOC_ERR_OVERLAP);
    CHECK(alloc_arena_add(&a, base + 4095, 100) == ALLOC_ERR_OVERLAP);
    CHECK(alloc_arena_add(&a, base - 50, 51) == ALLOC_ERR_OVERLAP);
    for (n = 0; n <= 64; n++) {
        alloc_result r = alloc_arena_add(&a, base + 8192 + 128 * n, n);
        CHECK(r == ALLOC_OK || r == ALLOC_ERR_TOO_SMALL);
        CHECK(alloc_arena_check(&a) == ALLOC_OK);
    }
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
}

static void test_arena_requests(void)
{
    alloc_arena a, other;
    alloc_stats before, after;
    kept kp[NKEPT];
    size_t i, k, al;
    unsigned char *base = piece(1, 64), *q;
    REQUIRE(alloc_arena_init(&a, base, 65536) == ALLOC_OK);
    REQUIRE(alloc_arena_init(&other, base + 65536, 4096) == ALLOC_OK);
    for (i = 0; i < NKEPT; i++) {
        kp[i].n = 10 + 7 * i;
        kp[i].p = (unsigned char *)alloc_arena_alloc(&a, kp[i].n, (size_t)1 << i);
        REQUIRE(kp[i].p != NULL);
        fill(kp, i);
    }
    alloc_arena_stats(&a, &before);
    for (k = 0; k <= 64; k++) {
        for (al = 0; al < NALIGNS; al++)
            CHECK_REPORTS(0, CHECK(alloc_arena_alloc(&a, (size_t)-1 - k, aligns[al]) == NULL));
        /* the newest block cannot grow to it either, and stays as it was */
        CHECK_REPORTS(0, CHECK(alloc_arena_realloc(&a, kp[NKEPT - 1].p, (size_t)-1 - k, 8) == NULL));
    }
    alloc_arena_stats(&a, &after);
    CHECK(after.used == before.used && after.live_blocks == before.live_blocks);
#ifndef ALLOC_DEBUG   /* (a debug build refuses some before they are counted: the guards overflow) */
    CHECK(after.fail_count == before.fail_count + 65 * NALIGNS + 65);   /* each counted once */
#endif
    for (al = 0; al < NBAD; al++) {
        CHECK_REPORTS(0, CHECK(alloc_arena_alloc(&a, 16, bad_aligns[al]) == NULL));
        CHECK_REPORTS(0, CHECK(alloc_arena_realloc(&a, kp[NKEPT - 1].p, 64, bad_aligns[al]) == NULL));
    }
    CHECK_REPORTS(0, CHECK(alloc_arena_alloc(&a, 0, 8) == NULL));
    alloc_arena_stats(&a, &after);
    CHECK(after.used == before.used && after.error_count == 0);
    /* pointers that are not the arena's: reported once each, nothing released */
    CHECK_REPORT_CODE(ALLOC_ERR_FOREIGN, alloc_arena_free(&a, &stack_probe));
    CHECK_REPORT_CODE(ALLOC_ERR_FOREIGN, alloc_arena_free(&a, base + 65536 + 64));   /* other's */
    CHECK_REPORT_CODE(ALLOC_ERR_FOREIGN, alloc_arena_free(&a, base + 65536));        /* one past */
    CHECK_REPORT_CODE(ALLOC_ERR_FOREIGN, CHECK(alloc_arena_realloc(&a, &stack_probe, 8, 8) == NULL));
    CHECK_REPORT_CODE(ALLOC_ERR_FOREIGN, CHECK(alloc_arena_realloc(&a, base + 65536 + 64, 8, 8) == NULL));
    /* an interior pointer or an older block: free is a no-op (released by reset/restore) */
    CHECK_REPORTS(0, alloc_arena_free(&a, kp[0].p));
    CHECK_REPORTS(0, alloc_arena_free(&a, kp[NKEPT - 1].p + 1));
    CHECK_REPORTS(0, alloc_arena_free(&a, NULL));
    alloc_arena_stats(&a, &after);
    CHECK(after.used == before.used && after.error_count == 5);
    CHECK(intact(kp, NKEPT));
    CHECK(alloc_arena_check(&a) == ALLOC_OK && alloc_arena_check(&other) == ALLOC_OK);
    /* a double free of the newest: the first gives it back, the second is a no-op */
    alloc_arena_free(&a, kp[NKEPT - 1].p);
    CHECK_REPORTS(0, alloc_arena_free(&a, kp[NKEPT - 1].p));
    CHECK(intact(kp, NKEPT - 1) && alloc_arena_check(&a) == ALLOC_OK);
    q = (unsigned char *)alloc_arena_alloc(&a, 32, 16);
    CHECK(q != NULL && ALIGNED(q, 16) && alloc_arena_owns(&a, q));
    sweep_interface(alloc_arena_allocator(&a), q, 32, 1);
    CHECK(intact(kp, NKEPT - 1) && alloc_arena_check(&a) == ALLOC_OK);
}

static void test_arena_marks(void)
{
    alloc_arena a, other;
    alloc_arena_mark outer, inner, foreign, old;
    alloc_stats st;
    unsigned char *base = piece(2, 64), *p, *q;
    REQUIRE(alloc_arena_init(&a, base, 8192) == ALLOC_OK);
    REQUIRE(alloc_arena_init(&other, base + 8192, 8192) == ALLOC_OK);
    old = alloc_arena_save(&a);
    alloc_arena_reset(&a);   /* old is from before the reset: stale */
    p = (unsigned char *)alloc_arena_alloc(&a, 100, 8);
    REQUIRE(p != NULL);
    memset(p, 0x5A, 100);
    CHECK_REPORT_CODE(ALLOC_ERR_STALE_MARK, alloc_arena_restore(&a, old));
    foreign = alloc_arena_save(&other);
    CHECK_REPORT_CODE(ALLOC_ERR_STALE_MARK, alloc_arena_restore(&a, foreign));
    outer = alloc_arena_save(&a);
    q = (unsigned char *)alloc_arena_alloc(&a, 50, 8);
    inner = alloc_arena_save(&a);
    REQUIRE(q != NULL && alloc_arena_alloc(&a, 60, 8) != NULL);
    CHECK_REPORTS(0, alloc_arena_restore(&a, outer));
    /* the inner mark is now ahead of the position: stale, refused, nothing changes */
    CHECK_REPORT_CODE(ALLOC_ERR_STALE_MARK, alloc_arena_restore(&a, inner));
    CHECK_REPORTS(0, alloc_arena_restore(&a, outer));   /* the same mark again: still valid */
    alloc_arena_stats(&a, &st);
    CHECK(st.error_count == 3 && st.live_blocks == 1);
    CHECK(p[0] == 0x5A && p[99] == 0x5A && alloc_arena_check(&a) == ALLOC_OK);
    CHECK(alloc_arena_check(&other) == ALLOC_OK);
}

/* --- heap ---------------------------------------------------------------------------- */

static const alloc_fit fits[] = {ALLOC_FIT_GOOD, ALLOC_FIT_FIRST, ALLOC_FIT_NEXT, ALLOC_FIT_BEST, ALLOC_FIT_WORST};
#define NFITS (sizeof fits / sizeof fits[0])

static void test_heap_init_buffers(void)
{
    alloc_heap h;
    size_t f, n, skew;
    unsigned char *base = piece(3, 64);
    CHECK(alloc_heap_init(NULL, base, 4096, ALLOC_FIT_GOOD) == ALLOC_ERR_INVALID);
    CHECK(alloc_heap_init(&h, NULL, 4096, ALLOC_FIT_GOOD) == ALLOC_ERR_INVALID);
    CHECK(alloc_heap_init(&h, base, 4096, (alloc_fit)5) == ALLOC_ERR_INVALID);
    CHECK(alloc_heap_init(&h, base, 4096, (alloc_fit)7) == ALLOC_ERR_INVALID);
    CHECK(alloc_heap_init(&h, base, (size_t)-1, ALLOC_FIT_GOOD) == ALLOC_ERR_OVERFLOW);
    for (f = 0; f < NFITS; f++) {
        for (skew = 0; skew < 16; skew++) {
            for (n = 0; n <= 64; n++) {
                unsigned char *buf = base + skew;
                alloc_result r = alloc_heap_init(&h, buf, n, fits[f]);
                CHECK(r == ALLOC_OK || r == ALLOC_ERR_TOO_SMALL);
                if (r == ALLOC_OK) {
                    unsigned char *p = (unsigned char *)alloc_heap_alloc(&h, 1);
                    CHECK(alloc_heap_check(&h) == ALLOC_OK);
                    if (p != NULL) CHECK(p >= buf && p + 1 <= buf + n && ALIGNED(p, ALLOC_HEAP_ALIGN));
                    alloc_heap_free(&h, p);
                    CHECK(alloc_heap_check(&h) == ALLOC_OK);
                }
            }
        }
        /* add: NULL, wrapping, tiny, overlapping, twice */
        REQUIRE(alloc_heap_init(&h, base, 8192, fits[f]) == ALLOC_OK);
        CHECK(alloc_heap_add(NULL, base + 16384, 4096) == ALLOC_ERR_INVALID);
        CHECK(alloc_heap_add(&h, NULL, 4096) == ALLOC_ERR_INVALID);
        CHECK(alloc_heap_add(&h, base + 16384, (size_t)-1) == ALLOC_ERR_OVERFLOW);
        CHECK(alloc_heap_add(&h, base, 8192) == ALLOC_ERR_OVERLAP);
        CHECK(alloc_heap_add(&h, base + 8000, 4096) == ALLOC_ERR_OVERLAP);
        for (n = 0; n <= 64; n++) {
            alloc_result r = alloc_heap_add(&h, base + 16384 + 128 * n, n);
            CHECK(r == ALLOC_OK || r == ALLOC_ERR_TOO_SMALL);
        }
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
    }
}

static void heap_misuse(alloc_fit fit)
{
    alloc_heap h, other;
    alloc_stats before, after;
    kept kp[NKEPT];
    size_t i, k, al, errors;
    const size_t half = (size_t)1 << (sizeof(size_t) * 4);
    unsigned char *base = piece(4, 64), *q;
    REQUIRE(alloc_heap_init(&h, base, 65536, fit) == ALLOC_OK);
    REQUIRE(alloc_heap_init(&other, base + 65536, 8192, fit) == ALLOC_OK);
    for (i = 0; i < NKEPT; i++) {
        kp[i].n = 24 + 40 * i;
        kp[i].p = (unsigned char *)alloc_heap_alloc(&h, kp[i].n);
        REQUIRE(kp[i].p != NULL);
        fill(kp, i);
    }
    /* free the second so that the heap has a hole among live blocks */
    alloc_heap_free(&h, kp[1].p);
    kp[1] = kp[NKEPT - 1];
    fill(kp, 1);
    alloc_heap_stats(&h, &before);
    for (k = 0; k <= 64; k++) {
        CHECK_REPORTS(0, CHECK(alloc_heap_alloc(&h, (size_t)-1 - k) == NULL));
        for (al = 0; al < NALIGNS; al++)
            CHECK_REPORTS(0, CHECK(alloc_heap_alloc_aligned(&h, (size_t)-1 - k, aligns[al]) == NULL));
        CHECK_REPORTS(0, CHECK(alloc_heap_realloc(&h, kp[0].p, (size_t)-1 - k) == NULL));
        CHECK_REPORTS(0, CHECK(alloc_heap_calloc(&h, (size_t)-1 - k, 1) == NULL));
        CHECK_REPORTS(0, CHECK(alloc_heap_calloc(&h, 1, (size_t)-1 - k) == NULL));
    }
    for (al = 0; al < NBAD; al++) CHECK_REPORTS(0, CHECK(alloc_heap_alloc_aligned(&h, 16, bad_aligns[al]) == NULL));
    /* calloc products that wrap, and zero factors */
    CHECK(alloc_heap_calloc(&h, (size_t)-1 / 2 + 1, 2) == NULL);
    CHECK(alloc_heap_calloc(&h, 2, (size_t)-1 / 2 + 1) == NULL);
    CHECK(alloc_heap_calloc(&h, half, half) == NULL);
    CHECK(alloc_heap_calloc(&h, half + 1, half - 1) == NULL);   /* = 2^bits - 1: too big */
    CHECK(alloc_heap_calloc(&h, (size_t)-1, (size_t)-1) == NULL);
    CHECK(alloc_heap_calloc(&h, 0, 16) == NULL && alloc_heap_calloc(&h, 16, 0) == NULL);
    CHECK(alloc_heap_alloc(&h, 0) == NULL && alloc_heap_alloc_aligned(&h, 0, 64) == NULL);
    alloc_heap_stats(&h, &after);
    CHECK(after.used == before.used && after.live_blocks == before.live_blocks && after.error_count == 0);
    CHECK(alloc_heap_usable_size(&h, kp[0].p) >= kp[0].n);
    CHECK(intact(kp, NKEPT - 1) && alloc_heap_check(&h) == ALLOC_OK);
    /* pointers that are not live blocks */
    CHECK_REPORT_CODE(ALLOC_ERR_FOREIGN, alloc_heap_free(&h, &stack_probe));
    CHECK_REPORT_CODE(ALLOC_ERR_FOREIGN, alloc_heap_free(&h, base + 65536 + 256));   /* other's */
    CHECK_REPORT_CODE(ALLOC_ERR_FOREIGN, CHECK(alloc_heap_realloc(&h, &stack_probe, 8) == NULL));
    for (i = 1; i <= 16; i++)   /* inside a live block: not one of its starts */
        CHECK_REPORT_CODE(ALLOC_ERR_NOT_BLOCK, alloc_heap_free(&h, kp[2].p + i));
    CHECK_REPORT_CODE(ALLOC_ERR_NOT_BLOCK, alloc_heap_free(&h, kp[2].p + kp[2].n / 2));
    CHECK_REPORT_CODE(ALLOC_ERR_NOT_BLOCK, CHECK(alloc_heap_realloc(&h, kp[2].p + 8, 8) == NULL));
    CHECK(alloc_heap_usable_size(&h, kp[2].p + 8) == 0 && alloc_heap_usable_size(&h, &stack_probe) == 0);
    errors = 3 + 16 + 2;   /* foreign, interior, middle and the interior realloc */
    /* a double free, and a realloc of the freed block */
    q = (unsigned char *)alloc_heap_alloc(&h, 40);
    REQUIRE(q != NULL);
    alloc_heap_free(&h, q);
    CHECK_REPORT_CODE(ALLOC_ERR_DOUBLE_FREE, alloc_heap_free(&h, q));
    CHECK_REPORTS(1, CHECK(alloc_heap_realloc(&h, q, 100) == NULL));
    errors += 2;
    CHECK_REPORTS(0, alloc_heap_free(&h, NULL));
    alloc_heap_stats(&h, &after);
    if (after.error_count != errors || after.used != before.used)
        fprintf(stderr, "heap fit %d: errors %zu (expected %zu), used %zu (expected %zu)\n", (int)fit,
                after.error_count, errors, after.used, before.used);
    CHECK(after.error_count == errors && after.used == before.used);
    CHECK(intact(kp, NKEPT - 1) && alloc_heap_check(&h) == ALLOC_OK && alloc_heap_check(&other) == ALLOC_OK);
    sweep_interface(alloc_heap_allocator(&h), kp[0].p, kp[0].n, 1);
    CHECK(intact(kp, NKEPT - 1) && alloc_heap_check(&h) == ALLOC_OK);
    /* a short random run on the same heap afterwards */
    {
        unsigned char *slot[32];
        size_t sz[32], n;
        memset(slot, 0, sizeof slot);
        for (n = 0; n < 2000; n++) {
            size_t s = (size_t)test_rand() % 32;
            if (slot[s] != NULL) {
                CHECK(slot[s][0] == (unsigned char)s && slot[s][sz[s] - 1] == (unsigned char)s);
                alloc_heap_free(&h, slot[s]);
                slot[s] = NULL;
            } else {
                sz[s] = 1 + (size_t)test_rand() % 700;
                slot[s] = (unsigned char *)alloc_heap_alloc(&h, sz[s]);
                if (slot[s] != NULL) {
                    CHECK(ALIGNED(slot[s], ALLOC_HEAP_ALIGN));
                    memset(slot[s], (int)s, sz[s]);
                }
            }
        }
        for (n = 0; n < 32; n++) alloc_heap_free(&h, slot[n]);
        CHECK(intact(kp, NKEPT - 1) && alloc_heap_check(&h) == ALLOC_OK);
    }
}

static void test_heap_misuse(void)
{
    size_t f;
    for (f = 0; f < NFITS; f++) heap_misuse(fits[f]);
}

/* --- buddy --------------------------------------------------------------------------- */

static void test_buddy_init_buffers(void)
{
    alloc_buddy b;
    size_t n, skew;
    unsigned char *base = piece(5, 4096);
    CHECK(alloc_buddy_init(NULL, base, 4096, 16) == ALLOC_ERR_INVALID);
    CHECK(alloc_buddy_init(&b, NULL, 4096, 16) == ALLOC_ERR_INVALID);
    CHECK(alloc_buddy_init(&b, base, 4096, 0) == ALLOC_ERR_INVALID);
    CHECK(alloc_buddy_init(&b, base, 4096, 24) == ALLOC_ERR_INVALID);
    CHECK(alloc_buddy_init(&b, base, 4096, 8) == ALLOC_ERR_INVALID);
    CHECK(alloc_buddy_init(&b, base, 4096, (size_t)-1) == ALLOC_ERR_INVALID);
    CHECK(alloc_buddy_init(&b, base, (size_t)-1, 16) == ALLOC_ERR_OVERFLOW);
    for (skew = 0; skew < 16; skew++) {
        for (n = 0; n <= 64; n++) {
            unsigned char *buf = base + skew;
            alloc_result r = alloc_buddy_init(&b, buf, n, 16);
            CHECK(r == ALLOC_OK || r == ALLOC_ERR_TOO_SMALL);
            /* one 16-byte block and its nibble need 17 bytes after the alignment */
            CHECK((r == ALLOC_OK) == (n >= alloc__pad((uintptr_t)buf, 16) + 17));
            if (r == ALLOC_OK) {
                unsigned char *p = (unsigned char *)alloc_buddy_alloc(&b, 1);
#ifndef ALLOC_DEBUG   /* (a debug block holds a guard and a record too: 16 bytes may not do) */
                CHECK(p != NULL);
#endif
                if (p != NULL) CHECK(p >= buf && p + 16 <= buf + n && ALIGNED(p, 16));
                CHECK(alloc_buddy_check(&b) == ALLOC_OK);
                alloc_buddy_free(&b, p);
                CHECK(alloc_buddy_check(&b) == ALLOC_OK);
            }
        }
    }
}

static void test_buddy_misuse(void)
{
    alloc_buddy b, other;
    alloc_stats before, after;
    kept kp[NKEPT];
    size_t i, k, errors;
    unsigned char *base = piece(6, 65536), *q;
    REQUIRE(alloc_buddy_init(&b, base, 65536 + 4096, 16) == ALLOC_OK);
    REQUIRE(alloc_buddy_init(&other, base + 131072, 8192, 16) == ALLOC_OK);
    for (i = 0; i < NKEPT; i++) {
        kp[i].n = (size_t)16 << i;
        kp[i].p = (unsigned char *)alloc_buddy_alloc(&b, kp[i].n);
        REQUIRE(kp[i].p != NULL && ALIGNED(kp[i].p, kp[i].n));
        fill(kp, i);
    }
    alloc_buddy_stats(&b, &before);
    for (k = 0; k <= 64; k++) {
        CHECK_REPORTS(0, CHECK(alloc_buddy_alloc(&b, (size_t)-1 - k) == NULL));
        CHECK_REPORTS(0, CHECK(alloc_buddy_realloc(&b, kp[3].p, (size_t)-1 - k) == NULL));
    }
    CHECK(alloc_buddy_alloc(&b, 0) == NULL);
    alloc_buddy_stats(&b, &after);
    CHECK(after.used == before.used && after.error_count == 0);
#ifndef ALLOC_DEBUG
    CHECK(after.fail_count == before.fail_count + 130);
#endif
    CHECK(alloc_buddy_usable_size(&b, kp[3].p) >= kp[3].n);
    /* pointers that are not live blocks */
    CHECK_REPORT_CODE(ALLOC_ERR_FOREIGN, alloc_buddy_free(&b, &stack_probe));
    CHECK_REPORT_CODE(ALLOC_ERR_FOREIGN, alloc_buddy_free(&b, base + 131072 + 64));   /* other's */
    CHECK_REPORT_CODE(ALLOC_ERR_FOREIGN, CHECK(alloc_buddy_realloc(&b, &stack_probe, 16) == NULL));
    for (i = 1; i < 16; i++)   /* off the min-block grid */
        CHECK_REPORT_CODE(ALLOC_ERR_NOT_BLOCK, alloc_buddy_free(&b, kp[5].p + i));
    for (i = 16; i < kp[5].n; i += 16)   /* on the grid, inside a live block */
        CHECK_REPORT_CODE(ALLOC_ERR_NOT_BLOCK, alloc_buddy_free(&b, kp[5].p + i));
    CHECK_REPORT_CODE(ALLOC_ERR_NOT_BLOCK, CHECK(alloc_buddy_realloc(&b, kp[5].p + 16, 16) == NULL));
    errors = 3 + 15 + (kp[5].n / 16 - 1) + 1;
    q = (unsigned char *)alloc_buddy_alloc(&b, 100);
    REQUIRE(q != NULL);
    alloc_buddy_free(&b, q);
    CHECK_REPORT_CODE(ALLOC_ERR_DOUBLE_FREE, alloc_buddy_free(&b, q));
    CHECK_REPORT_CODE(ALLOC_ERR_DOUBLE_FREE, CHECK(alloc_buddy_realloc(&b, q, 10) == NULL));
    errors += 2;
    CHECK_REPORTS(0, alloc_buddy_free(&b, NULL));
    CHECK(alloc_buddy_usable_size(&b, q) == 0 && alloc_buddy_usable_size(&b, kp[5].p + 16) == 0);
    alloc_buddy_stats(&b, &after);
    CHECK(after.error_count == errors && after.used == before.used);
    CHECK(intact(kp, NKEPT) && alloc_buddy_check(&b) == ALLOC_OK && alloc_buddy_check(&other) == ALLOC_OK);
    sweep_interface(alloc_buddy_allocator(&b), kp[2].p, kp[2].n, 1);
    CHECK(intact(kp, NKEPT) && alloc_buddy_check(&b) == ALLOC_OK);
}

/* --- slab ---------------------------------------------------------------------------- */

static alloc_slab_desc desc_of(size_t size, size_t align, size_t slab_size)
{
    alloc_slab_desc d;
    memset(&d, 0, sizeof d);
    d.name = "misuse";
    d.size = size;
    d.align = align;
    d.slab_size = slab_size;
    return d;
}

static void test_slab_init(void)
{
    alloc_slab s;
    alloc_slab_desc d = desc_of(32, 0, 0);
    alloc_buddy b;
    alloc_allocator src, none;
    size_t n, skew, k, al;
    unsigned char *base = piece(7, 65536);
    REQUIRE(alloc_buddy_init(&b, base + 131072, 65536 + 4096, 4096) == ALLOC_OK);
    src = alloc_buddy_allocator(&b);
    memset(&none, 0, sizeof none);
    CHECK(alloc_slab_init(NULL, &d, src) == ALLOC_ERR_INVALID);
    CHECK(alloc_slab_init(&s, NULL, src) == ALLOC_ERR_INVALID);
    CHECK(alloc_slab_init(&s, &d, none) == ALLOC_ERR_INVALID);
    CHECK(alloc_slab_init_buffer(&s, &d, NULL, 4096) == ALLOC_ERR_INVALID);
    CHECK(alloc_slab_init_buffer(NULL, &d, base, 4096) == ALLOC_ERR_INVALID);
    CHECK(alloc_slab_init_buffer(&s, NULL, base, 4096) == ALLOC_ERR_INVALID);
    CHECK(alloc_slab_init_buffer(&s, &d, base, (size_t)-1) == ALLOC_ERR_OVERFLOW);
    d = desc_of(0, 0, 0);
    CHECK(alloc_slab_init(&s, &d, src) == ALLOC_ERR_INVALID);
    d = desc_of(32, 0, 1000);
    CHECK(alloc_slab_init(&s, &d, src) == ALLOC_ERR_INVALID);
    for (al = 0; al < NBAD; al++) {
        d = desc_of(32, bad_aligns[al], 0);
        CHECK(alloc_slab_init(&s, &d, src) == ALLOC_ERR_ALIGN);
        CHECK(alloc_slab_init_buffer(&s, &d, base, 65536) == ALLOC_ERR_ALIGN);
    }
    /* object sizes that cannot be: rounding overflows, or no slab holds one */
    for (k = 0; k <= 64; k++) {
        for (al = 0; al < NALIGNS; al++) {
            alloc_result r;
            d = desc_of((size_t)-1 - k, aligns[al], 0);
            r = alloc_slab_init(&s, &d, src);
            CHECK(r == ALLOC_ERR_OVERFLOW || r == ALLOC_ERR_TOO_SMALL);
            r = alloc_slab_init_buffer(&s, &d, base, 65536);
            CHECK(r == ALLOC_ERR_OVERFLOW || r == ALLOC_ERR_TOO_SMALL);
        }
    }
    /* buffers of 0..64 bytes hold no slab */
    d = desc_of(32, 0, 0);
    for (n = 0; n <= 64; n++) CHECK(alloc_slab_init_buffer(&s, &d, base, n) == ALLOC_ERR_TOO_SMALL);
    d = desc_of(8, 0, 256);
    for (n = 0; n <= 64; n++) CHECK(alloc_slab_init_buffer(&s, &d, base, n) == ALLOC_ERR_TOO_SMALL);
    /* misaligned starts: the slabs are carved at slab-aligned addresses inside the buffer */
    d = desc_of(24, 0, 1024);
    for (skew = 0; skew < 16; skew++) {
        unsigned char *buf = base + 4096 + skew, *p;
        size_t got = 0;
        REQUIRE(alloc_slab_init_buffer(&s, &d, buf, 3 * 1024) == ALLOC_OK);
        while ((p = (unsigned char *)alloc_slab_alloc(&s)) != NULL) {
            CHECK(p >= buf && p + 24 <= buf + 3 * 1024 && ALIGNED(p, sizeof(void *)));
            got++;
        }
        CHECK(got > 0 && alloc_slab_check(&s) == ALLOC_OK);
        /* two slabs fit whatever the skew, and a third only at skew 0 */
        CHECK(s.nslabs == (skew == 0 ? 3u : 2u));
    }
}

static void test_slab_misuse(void)
{
    alloc_slab s, t;
    alloc_slab_desc d = desc_of(48, 16, 4096), e = desc_of(48, 16, 4096);
    alloc_stats before, after;
    alloc_allocator al;
    kept kp[NKEPT];
    size_t i, k, a, errors;
    unsigned char *base = piece(8, 65536), *q;
    REQUIRE(alloc_slab_init_buffer(&s, &d, base, 4 * 4096) == ALLOC_OK);
    REQUIRE(alloc_slab_init_buffer(&t, &e, base + 4 * 4096, 4 * 4096) == ALLOC_OK);
    for (i = 0; i < NKEPT; i++) {
        kp[i].n = 48;
        kp[i].p = (unsigned char *)alloc_slab_alloc(&s);
        REQUIRE(kp[i].p != NULL && ALIGNED(kp[i].p, 16));
        fill(kp, i);
    }
    q = (unsigned char *)alloc_slab_alloc(&t);
    REQUIRE(q != NULL);
    alloc_slab_stats(&s, &before);
    /* another cache's object: foreign, refused once, in both caches' terms */
    CHECK_REPORT_CODE(ALLOC_ERR_FOREIGN, alloc_slab_free(&s, q));
    CHECK(alloc_slab_check(&t) == ALLOC_OK && alloc_slab_owns(&t, q) && !alloc_slab_owns(&s, q));
    for (i = 1; i < 48; i++)   /* inside an object, on and off the alignment grid */
        CHECK_REPORT_CODE(ALLOC_ERR_NOT_BLOCK, alloc_slab_free(&s, kp[2].p + i));
    CHECK_REPORT_CODE(ALLOC_ERR_NOT_BLOCK, alloc_slab_free(&s, base + 8));   /* the header */
    errors = 1 + 47 + 1;
    alloc_slab_free(&s, kp[NKEPT - 1].p);
    CHECK_REPORT_CODE(ALLOC_ERR_DOUBLE_FREE, alloc_slab_free(&s, kp[NKEPT - 1].p));
    errors++;
    CHECK_REPORTS(0, alloc_slab_free(&s, NULL));
    alloc_slab_stats(&s, &after);
    CHECK(after.error_count == errors && after.live_blocks == before.live_blocks - 1);
    CHECK(intact(kp, NKEPT - 1) && alloc_slab_check(&s) == ALLOC_OK);
    /* the common interface: only what fits an object, at most the cache's alignment */
    al = alloc_slab_allocator(&s);
    for (k = 0; k <= 64; k++)
        for (a = 0; a < NALIGNS; a++)
            CHECK_REPORTS(0, CHECK(al.alloc(al.ctx, (size_t)-1 - k, aligns[a]) == NULL));
    CHECK(al.alloc(al.ctx, 49, 0) == NULL && al.alloc(al.ctx, 0, 0) == NULL);
    CHECK(al.alloc(al.ctx, 16, 32) == NULL && al.alloc(al.ctx, 16, 3) == NULL);
    CHECK(al.realloc(al.ctx, kp[0].p, 49, 0) == NULL && al.realloc(al.ctx, kp[0].p, (size_t)-1, 0) == NULL);
    CHECK(al.realloc(al.ctx, kp[0].p, 40, 16) == kp[0].p);
    sweep_interface(al, kp[0].p, kp[0].n, 1);
    alloc_slab_stats(&s, &after);
    CHECK(after.error_count == errors && after.live_blocks == before.live_blocks - 1);
    CHECK(intact(kp, NKEPT - 1) && alloc_slab_check(&s) == ALLOC_OK && alloc_slab_check(&t) == ALLOC_OK);
}

/* --- kmalloc ------------------------------------------------------------------------- */

static void test_kmalloc_misuse(void)
{
    alloc_buddy b, tiny, other;
    alloc_kmalloc km;
    alloc_stats before, after;
    kept kp[NKEPT];
    size_t i, k, errors;
    unsigned char *base = piece(0, 65536), *q, *big;
    CHECK(alloc_kmalloc_init(NULL, &b) == ALLOC_ERR_INVALID);
    CHECK(alloc_kmalloc_init(&km, NULL) == ALLOC_ERR_INVALID);
    REQUIRE(alloc_buddy_init(&tiny, base, 600, 16) == ALLOC_OK);   /* no 1 KiB block */
    CHECK(alloc_kmalloc_init(&km, &tiny) == ALLOC_ERR_TOO_SMALL);
    REQUIRE(alloc_buddy_init(&b, base, (size_t)1 << 17, 4096) == ALLOC_OK);
    REQUIRE(alloc_buddy_init(&other, base + ((size_t)1 << 17), 65536, 4096) == ALLOC_OK);
    REQUIRE(alloc_kmalloc_init(&km, &b) == ALLOC_OK);
    for (i = 0; i < NKEPT; i++) {
        kp[i].n = i + 1 < NKEPT ? 8 + 300 * i : 5000;   /* small classes, and one large */
        kp[i].p = (unsigned char *)alloc_kmalloc_alloc(&km, kp[i].n);
        REQUIRE(kp[i].p != NULL);
        fill(kp, i);
    }
    big = kp[NKEPT - 1].p;
    alloc_kmalloc_stats(&km, &before);
    for (k = 0; k <= 64; k++) {
        CHECK_REPORTS(0, CHECK(alloc_kmalloc_alloc(&km, (size_t)-1 - k) == NULL));
        CHECK_REPORTS(0, CHECK(alloc_kmalloc_realloc(&km, kp[1].p, (size_t)-1 - k) == NULL));
        CHECK_REPORTS(0, CHECK(alloc_kmalloc_realloc(&km, big, (size_t)-1 - k) == NULL));
    }
    CHECK(alloc_kmalloc_alloc(&km, 0) == NULL);
    alloc_kmalloc_stats(&km, &after);
    CHECK(after.used == before.used && after.error_count == 0);
    CHECK(intact(kp, NKEPT) && alloc_kmalloc_check(&km) == ALLOC_OK);
    /* pointers that are not live blocks: each reported once */
    CHECK_REPORTS(1, alloc_kmalloc_free(&km, base + ((size_t)1 << 17) + 64));   /* other buddy's */
    CHECK_REPORTS(1, alloc_kmalloc_free(&km, big + 16));                        /* inside a large block */
    CHECK_REPORTS(1, alloc_kmalloc_free(&km, big + 4096));
    CHECK_REPORTS(1, alloc_kmalloc_free(&km, kp[2].p + 8));                     /* inside an object */
    CHECK_REPORTS(1, alloc_kmalloc_free(&km, kp[2].p + 1));
    CHECK_REPORT_CODE(ALLOC_ERR_NOT_BLOCK, CHECK(alloc_kmalloc_realloc(&km, kp[2].p + 16, 16) == NULL));
    errors = 6;
    q = (unsigned char *)alloc_kmalloc_alloc(&km, 40);
    REQUIRE(q != NULL);
    alloc_kmalloc_free(&km, q);
    CHECK_REPORT_CODE(ALLOC_ERR_DOUBLE_FREE, alloc_kmalloc_free(&km, q));
    /* a freed small object is not resized, to its own class or another, nor through the
       interface at a large alignment: each refused once, as its cache's free refuses it */
    CHECK_REPORT_CODE(ALLOC_ERR_DOUBLE_FREE, CHECK(alloc_kmalloc_realloc(&km, q, 40) == NULL));
    CHECK_REPORT_CODE(ALLOC_ERR_DOUBLE_FREE, CHECK(alloc_kmalloc_realloc(&km, q, 1000) == NULL));
    {
        alloc_allocator ka = alloc_kmalloc_allocator(&km);
        CHECK_REPORT_CODE(ALLOC_ERR_DOUBLE_FREE, CHECK(ka.realloc(ka.ctx, q, 40, 64) == NULL));
        CHECK_REPORT_CODE(ALLOC_ERR_NOT_BLOCK, CHECK(ka.realloc(ka.ctx, kp[2].p + 16, 8, 64) == NULL));
        CHECK_REPORTS(0, CHECK(ka.realloc(ka.ctx, kp[2].p, 8, 3) == NULL));
    }
    errors += 4;
    q = (unsigned char *)alloc_kmalloc_alloc(&km, 9000);
    REQUIRE(q != NULL);
    alloc_kmalloc_free(&km, q);
    CHECK_REPORTS(1, alloc_kmalloc_free(&km, q));                              /* a large one twice */
    CHECK_REPORTS(1, CHECK(alloc_kmalloc_realloc(&km, q, 100) == NULL));
    errors += 3;
    CHECK_REPORTS(0, alloc_kmalloc_free(&km, NULL));
    alloc_kmalloc_stats(&km, &after);
    CHECK(after.error_count == errors && after.used == before.used);
    CHECK(intact(kp, NKEPT) && alloc_kmalloc_check(&km) == ALLOC_OK && alloc_buddy_check(&other) == ALLOC_OK);
    sweep_interface(alloc_kmalloc_allocator(&km), kp[1].p, kp[1].n, 1);
    CHECK(intact(kp, NKEPT) && alloc_kmalloc_check(&km) == ALLOC_OK);
    for (i = 0; i < NKEPT; i++) alloc_kmalloc_free(&km, kp[i].p);
    alloc_kmalloc_shrink(&km);
    alloc_buddy_stats(&b, &after);
    CHECK(after.used == 0 && alloc_kmalloc_check(&km) == ALLOC_OK);
}

int main(void)
{
    TEST_RUN(test_arena_init_buffers);
    TEST_RUN(test_arena_requests);
    TEST_RUN(test_arena_marks);
    TEST_RUN(test_heap_init_buffers);
    TEST_RUN(test_heap_misuse);
    TEST_RUN(test_buddy_init_buffers);
    TEST_RUN(test_buddy_misuse);
    TEST_RUN(test_slab_init);
    TEST_RUN(test_slab_misuse);
    TEST_RUN(test_kmalloc_misuse);
    return test_finish();
}
