/* Buddy tests: each call, the lecture's walkthrough with every state asserted, the tail
   of a non-power-of-two buffer, bad input and misuse, the common interface (slabs ask
   for blocks aligned to their own size), and a long random run against a shadow model. */
#include "test.h"
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"

/* The tests poke a free block's node by hand: TEST_OPEN / TEST_CLOSE (test.h) open it
   for the sanitizers first. */

/* A static pool and a way to take a piece of it aligned to `align` (plus `skew`). */
static unsigned char pool[(1 << 21) + 65536];
static unsigned char *aligned_in_pool(size_t align, size_t skew)
{
    return pool + alloc__pad((uintptr_t)pool, align) + skew;
}

/* The free-block counts per order and the largest free block, all at once. */
static int state_is(const alloc_buddy *b, const size_t *counts, int orders, size_t largest)
{
    alloc_buddy_figures f;
    alloc_stats s;
    int k, ok = 1;
    alloc_buddy_stats_ex(b, &f);
    alloc_buddy_stats(b, &s);
    for (k = 0; k < ALLOC_BUDDY_ORDERS; k++)
        if (f.free_per_order[k] != (k < orders ? counts[k] : 0)) ok = 0;
    if (s.largest_free != largest) ok = 0;
    if (alloc_buddy_check(b) != ALLOC_OK) ok = 0;
    if (!ok) {
        fprintf(stderr, "  free per order:");
        for (k = 0; k < orders; k++) fprintf(stderr, " %zu", f.free_per_order[k]);
        fprintf(stderr, "  largest %zu (expected %zu)\n", s.largest_free, largest);
    }
    return ok;
}

/* alloc__div, which init's block count uses: the quotient of n / d at the edges of size_t
   and at random, for odd and power-of-two divisors up to SIZE_MAX / 2. The -Os build of
   the tests (ALLOC__LOOP_DIV) runs this against the long-division loop that a CPU with no
   divide instruction compiles. */
static void test_div(void)
{
    static const size_t ds[] = { 1, 2, 3, 5, 7, 16, 33, 65, 255, 4097, 65537 };
    size_t half = (size_t)-1 / 2, i, k;
    for (i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        size_t d = ds[i];
        size_t ns[] = { 0, 1, d - 1, d, d + 1, 2 * d + 1, half, half + 1, (size_t)-1, (size_t)-1 - d };
        for (k = 0; k < sizeof ns / sizeof ns[0]; k++) CHECK(alloc__div(ns[k], d) == ns[k] / d);
    }
    CHECK(alloc__div((size_t)-1, half) == 2);
    CHECK(alloc__div(half, half) == 1);
    for (i = 0; i < 20000; i++) {
        size_t n = (size_t)test_rand(), d = (size_t)test_rand() >> (test_below(sizeof(size_t) * 8 - 1) + 1);
        if (d == 0) d = 1;
        CHECK(alloc__div(n, d) == n / d);
    }
}

/* alloc__clz and alloc__ctz (the buddy's order and free-list scans) against a bit-by-bit
   count, for every single bit and at random: in the -Os build of the tests
   (ALLOC__LOOP_BITS) the halving loop of a CPU without a count-leading-zeros. */
static void test_bit_scans(void)
{
    int bits = (int)(sizeof(size_t) * 8), i, k;
    for (i = 0; i < 20000 + bits; i++) {
        size_t x = i < bits ? (size_t)1 << i : (size_t)test_rand() >> test_below((size_t)bits), t;
        int lz = 0, tz = 0;
        if (x == 0) continue;
        for (k = bits - 1, t = x; k >= 0 && !((t >> k) & 1u); k--) lz++;
        for (t = x; !(t & 1u); t >>= 1) tz++;
        CHECK(alloc__clz(x) == lz);
        CHECK(alloc__ctz(x) == tz);
        CHECK(alloc__log2(x) == bits - 1 - lz);
    }
}

static void test_metadata_size(void)
{
    CHECK(alloc_buddy_metadata_size(ALLOC_BUDDY_BUFFER_SIZE(16, 64), 64) == 8);
    CHECK(alloc_buddy_metadata_size(ALLOC_BUDDY_BUFFER_SIZE(17, 64), 64) == 9);
    CHECK(alloc_buddy_metadata_size(ALLOC_BUDDY_BUFFER_SIZE(1, 16), 16) == 1);
    CHECK(alloc_buddy_metadata_size(16, 16) == 0);          /* no room for the nibble */
    CHECK(alloc_buddy_metadata_size(1 << 20, 16) == 31775); /* 63550 blocks: 4 bits each */
    CHECK(alloc_buddy_metadata_size(1 << 20, 24) == 0);
    CHECK(alloc_buddy_metadata_size(1 << 20, 8) == 0);
    CHECK(alloc_buddy_metadata_size(1 << 20, 0) == 0);
    CHECK(alloc_buddy_metadata_size(SIZE_MAX, 16) > 0);
    CHECK(alloc_buddy_metadata_size(SIZE_MAX, (size_t)1 << (sizeof(size_t) * 8 - 1)) == 1);
}

static void test_init(void)
{
    alloc_buddy b, keep;
    alloc_stats s;
    alloc_buddy_figures f;
    unsigned char *m = aligned_in_pool(4096, 0);
    size_t bad[] = { 0, 1, 3, 8, 12, 24, 48, 100 };
    size_t i;
    CHECK(alloc_buddy_init(NULL, m, 4096, 64) == ALLOC_ERR_INVALID);
    CHECK(alloc_buddy_init(&b, NULL, 4096, 64) == ALLOC_ERR_INVALID);
    memset(&keep, 0x5A, sizeof keep);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = keep;
        CHECK(alloc_buddy_init(&b, m, 4096, bad[i]) == ALLOC_ERR_INVALID);
        CHECK(memcmp(&b, &keep, sizeof b) == 0);            /* untouched on failure */
    }
    CHECK(alloc_buddy_init(&b, m, 0, 64) == ALLOC_ERR_TOO_SMALL);
    CHECK(alloc_buddy_init(&b, m, 64, 64) == ALLOC_ERR_TOO_SMALL);   /* no room for metadata */
    CHECK(alloc_buddy_init(&b, m + 1, 65, 64) == ALLOC_ERR_TOO_SMALL);
    CHECK(alloc_buddy_init(&b, m + 1, 127, 64) == ALLOC_ERR_TOO_SMALL); /* 63 lost to alignment */
    CHECK(memcmp(&b, &keep, sizeof b) == 0);
    CHECK(alloc_buddy_init(&b, m, 65, 64) == ALLOC_OK);              /* one block, one nibble */
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    CHECK(alloc_buddy_alloc(&b, 64) == m);
    CHECK(alloc_buddy_alloc(&b, 1) == NULL);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    CHECK(alloc_buddy_init(&b, m + 1, 64 + 63 + 1, 64) == ALLOC_OK);
    CHECK(alloc_buddy_alloc(&b, 1) == m + 64);                       /* base rounded up */
    CHECK(alloc_buddy_init(&b, m, (uintptr_t)-1, 64) == ALLOC_ERR_OVERFLOW);

    CHECK(alloc_buddy_init(&b, m, ALLOC_BUDDY_BUFFER_SIZE(16, 64), 64) == ALLOC_OK);
    alloc_buddy_stats(&b, &s);
    alloc_buddy_stats_ex(&b, &f);
    CHECK(s.capacity == 1024 && s.free == 1024 && s.used == 0 && s.largest_free == 1024);
    CHECK(s.free_blocks == 1 && s.live_blocks == 0 && s.alloc_count == 0);
    CHECK(f.min_block == 64 && f.top_order == 4 && f.top_blocks == 1);
    CHECK(f.metadata_bytes == 8 && f.lost_bytes == 0 && f.free_per_order[4] == 1);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    CHECK(alloc_buddy_check(NULL) == ALLOC_ERR_INVALID);
}

/* THE LECTURE WALKTHROUGH: 16 pages; A = 1 page, B = 2, C = 3 (rounded to 4), D = 1;
   they land at pages 0, 2-3, 4-7 and 1; then free D, A, C, B. Run with 64-byte "pages"
   and with real 4 KiB pages; the buffer is aligned to 16 pages so they form one block. */
static void walkthrough(size_t page)
{
    static test_text t;
    static const size_t s0[] = { 0, 0, 0, 0, 1 }, sA[] = { 1, 1, 1, 1, 0 },
        sB[] = { 1, 0, 1, 1, 0 }, sC[] = { 1, 0, 0, 1, 0 }, sD[] = { 0, 0, 0, 1, 0 },
        fD[] = { 1, 0, 0, 1, 0 }, fA[] = { 0, 1, 0, 1, 0 }, fC[] = { 0, 1, 1, 1, 0 };
    alloc_buddy b;
    alloc_stats s;
    unsigned char *base = aligned_in_pool(16 * page, 0), *A, *B, *C, *D;
    REQUIRE(alloc_buddy_init(&b, base, ALLOC_BUDDY_BUFFER_SIZE(16, page), page) == ALLOC_OK);
    CHECK(state_is(&b, s0, 5, 16 * page));
    A = (unsigned char *)alloc_buddy_alloc(&b, page);
    CHECK(A == base);                                   /* 16 -> 8+8 -> 4+4 -> 2+2 -> 1+1 */
    CHECK(state_is(&b, sA, 5, 8 * page));
    B = (unsigned char *)alloc_buddy_alloc(&b, 2 * page);
    CHECK(B == base + 2 * page);
    CHECK(state_is(&b, sB, 5, 8 * page));
    C = (unsigned char *)alloc_buddy_alloc(&b, 3 * page);
    CHECK(C == base + 4 * page);
    CHECK(alloc_buddy_usable_size(&b, C) == 4 * page);  /* 3 pages rounded to 4 */
    CHECK(state_is(&b, sC, 5, 8 * page));
    D = (unsigned char *)alloc_buddy_alloc(&b, page);
    CHECK(D == base + page);
    CHECK(state_is(&b, sD, 5, 8 * page));
    alloc_buddy_stats(&b, &s);
    CHECK(s.used == 8 * page && s.live_blocks == 4 && s.free_blocks == 1);
    if (page == 64) {
        t.len = 0;
        alloc_buddy_dump(&b, test_text_write, &t);
        CHECK(strstr(t.buf, "|2^0#|2^0#|2^1######|2^2################|2^3....") != NULL);
        CHECK(strstr(t.buf, "free lists: 2^0:0 2^1:0 2^2:0 2^3:1 2^4:0") != NULL);
    }
    alloc_buddy_free(&b, D);                            /* buddy A is live: no merge */
    CHECK(state_is(&b, fD, 5, 8 * page));
    CHECK(b.heads[0] == (alloc_buddy_node *)(void *)D);
    alloc_buddy_free(&b, A);                            /* A + D -> pages 0-1 */
    CHECK(state_is(&b, fA, 5, 8 * page));
    CHECK(b.heads[1] == (alloc_buddy_node *)(void *)A);
    alloc_buddy_free(&b, C);                            /* buddy 0-3 not wholly free */
    CHECK(state_is(&b, fC, 5, 8 * page));
    CHECK(b.heads[2] == (alloc_buddy_node *)(void *)C);
    if (page == 64) {
        t.len = 0;
        alloc_buddy_dump(&b, test_text_write, &t);
        CHECK(strstr(t.buf, "|2^1......|2^1######|2^2................|2^3....") != NULL);
    }
    alloc_buddy_free(&b, B);                            /* 2 -> 4 -> 8 -> 16: one block */
    CHECK(state_is(&b, s0, 5, 16 * page));
    alloc_buddy_stats(&b, &s);
    CHECK(s.used == 0 && s.live_blocks == 0 && s.alloc_count == 4 && s.free_count == 4);
    CHECK(s.peak_used == 8 * page && s.error_count == 0);
}
static void test_walkthrough(void)
{
    walkthrough(64);
    walkthrough(4096);
    walkthrough(16);
}

static void test_orders_and_alignment(void)
{
    alloc_buddy b;
    unsigned char *m = aligned_in_pool(1 << 16, 32);   /* only 32-byte aligned */
    void *p[64];
    size_t k, n = 0;
    alloc_stats s, s0;
    REQUIRE(alloc_buddy_init(&b, m, 100000, 32) == ALLOC_OK);
    alloc_buddy_stats(&b, &s0);
    for (k = 1; k <= 40000; k = k * 3 + 1) {
        unsigned char *q = (unsigned char *)alloc_buddy_alloc(&b, k);
        size_t u;
        REQUIRE(q != NULL);
        u = alloc_buddy_usable_size(&b, q);
        CHECK(u >= k && u / 2 < (k > 32 ? k : 32) && alloc__is_pow2(u));
        CHECK(ALIGNED(q, u));                             /* aligned to its own size */
        CHECK(alloc_buddy_owns(&b, q) && alloc_buddy_owns(&b, q + u - 1));
        test_fill(q, k, n);
        p[n++] = q;
        CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    }
    CHECK(!alloc_buddy_owns(&b, m + 100000) && !alloc_buddy_owns(&b, NULL) && !alloc_buddy_owns(&b, pool));
    CHECK(alloc_buddy_usable_size(&b, NULL) == 0);
    for (k = 1; n > 0; k = k * 3 + 1) {
        n--;
        CHECK(test_intact(p[n], 1, n));
        alloc_buddy_free(&b, p[n]);
        CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    }
    alloc_buddy_stats(&b, &s);
    CHECK(s.used == 0 && s.free_blocks == s0.free_blocks && s.largest_free == s0.largest_free);
    /* Exhaustion: min blocks until NULL, then everything back. */
    n = 0;
    while (alloc_buddy_alloc(&b, 1) != NULL) n++;
    CHECK(n == s.capacity / 32);
    alloc_buddy_stats(&b, &s);
    CHECK(s.free == 0 && s.largest_free == 0 && s.fail_count == 1 && s.free_blocks == 0);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
}

/* Any size: the tail beyond the largest power of two becomes smaller top-level blocks. */
static void test_tail(void)
{
    alloc_buddy b;
    alloc_buddy_figures f;
    alloc_stats s;
    unsigned char *m = aligned_in_pool(1 << 16, 0), *p;
    size_t i;
    /* 16 + 4 + 1 pages of 64 bytes: three top-level blocks, 2^4, 2^2 and 2^0. */
    REQUIRE(alloc_buddy_init(&b, m, ALLOC_BUDDY_BUFFER_SIZE(21, 64), 64) == ALLOC_OK);
    alloc_buddy_stats_ex(&b, &f);
    CHECK(f.top_blocks == 3 && f.top_order == 4);
    CHECK(f.free_per_order[4] == 1 && f.free_per_order[2] == 1 && f.free_per_order[0] == 1);
    p = (unsigned char *)alloc_buddy_alloc(&b, 64);       /* the exact fit, at page 20 */
    CHECK(p == m + 20 * 64);
    p = (unsigned char *)alloc_buddy_alloc(&b, 256);      /* the exact fit, pages 16-19 */
    CHECK(p == m + 16 * 64);
    p = (unsigned char *)alloc_buddy_alloc(&b, 64);       /* now a split of the 16 */
    CHECK(p == m);
    CHECK(alloc_buddy_alloc(&b, 1024) == NULL);           /* the 16 is split now */
    alloc_buddy_free(&b, m + 16 * 64);
    alloc_buddy_free(&b, m + 20 * 64);                    /* top-level blocks never merge */
    alloc_buddy_stats_ex(&b, &f);
    CHECK(f.free_per_order[2] == 2 && f.free_per_order[0] == 2);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    /* An unaligned buffer: the blocks stay aligned to their sizes; the cuts follow the
       addresses. Every min block is still used. */
    for (i = 1; i < 300; i += 37) {
        unsigned char *q;
        size_t n = 0, sz;
        REQUIRE(alloc_buddy_init(&b, m + 16 * i, 5000 + i * 13, 16) == ALLOC_OK);
        alloc_buddy_stats(&b, &s);
        CHECK(alloc_buddy_check(&b) == ALLOC_OK);
        while ((q = (unsigned char *)alloc_buddy_alloc(&b, 16)) != NULL) { CHECK(ALIGNED(q, 16)); n++; }
        CHECK(n * 16 == s.capacity);
        alloc_buddy_init(&b, m + 16 * i, 5000 + i * 13, 16);
        for (sz = 4096; sz >= 16; sz /= 2)
            while ((q = (unsigned char *)alloc_buddy_alloc(&b, sz)) != NULL) CHECK(ALIGNED(q, sz));
        alloc_buddy_stats(&b, &s);
        CHECK(s.free == 0 && alloc_buddy_check(&b) == ALLOC_OK);
    }
}

/* Blocks of at most 2^14 min blocks: a larger buffer becomes several top-level blocks. */
static void test_largest_order(void)
{
    alloc_buddy b;
    alloc_buddy_figures f;
    unsigned char *m = aligned_in_pool(1 << 18, 0), *p[4];
    size_t top = (size_t)16 << 14, i;
    REQUIRE(alloc_buddy_init(&b, m, ALLOC_BUDDY_BUFFER_SIZE(4 << 14, 16), 16) == ALLOC_OK);
    alloc_buddy_stats_ex(&b, &f);
    CHECK(f.top_blocks == 4 && f.top_order == 14 && f.free_per_order[14] == 4);
    CHECK(alloc_buddy_alloc(&b, top + 1) == NULL);
    for (i = 0; i < 4; i++) {
        p[i] = (unsigned char *)alloc_buddy_alloc(&b, top);
        CHECK(p[i] == m + i * top);                      /* lowest address first */
    }
    CHECK(alloc_buddy_alloc(&b, 1) == NULL);
    for (i = 0; i < 4; i++) alloc_buddy_free(&b, p[i]);
    alloc_buddy_stats_ex(&b, &f);
    CHECK(f.free_per_order[14] == 4);                     /* no merge past order 14 */
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
}

static void test_bad_input(void)
{
    alloc_buddy b;
    alloc_stats before, after;
    unsigned char *m = aligned_in_pool(1024, 0);
    size_t k;
    alloc_buddy_init(&b, m, ALLOC_BUDDY_BUFFER_SIZE(16, 64), 64);
    alloc_buddy_alloc(&b, 100);
    alloc_buddy_stats(&b, &before);
    CHECK(alloc_buddy_alloc(&b, 0) == NULL);
    CHECK(alloc_buddy_alloc(&b, 1025) == NULL);
    for (k = 0; k <= 64; k++) CHECK(alloc_buddy_alloc(&b, SIZE_MAX - k) == NULL);
    CHECK(alloc_buddy_alloc(&b, SIZE_MAX / 2 + 1) == NULL);
    alloc_buddy_stats(&b, &after);
    CHECK(after.used == before.used && after.live_blocks == before.live_blocks);
    CHECK(after.free_blocks == before.free_blocks && after.alloc_count == before.alloc_count);
    CHECK(after.fail_count == before.fail_count + 67);   /* 0 is not a failure */
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
}

static void test_misuse(void)
{
    alloc_buddy b;
    alloc_stats s;
    unsigned char *m = aligned_in_pool(1024, 0), *A, *B, *C;
    static unsigned char other[64];
    alloc_buddy_init(&b, m, ALLOC_BUDDY_BUFFER_SIZE(16, 64), 64);
    A = (unsigned char *)alloc_buddy_alloc(&b, 64);
    B = (unsigned char *)alloc_buddy_alloc(&b, 256);
    C = (unsigned char *)alloc_buddy_alloc(&b, 64);
    test_fill(B, 256, 2);
    alloc_buddy_free(&b, A);
    CHECK_REPORTS(1, alloc_buddy_free(&b, A));              /* double free */
    CHECK(test_last_error == ALLOC_ERR_DOUBLE_FREE);
    CHECK_REPORTS(1, alloc_buddy_free(&b, other));          /* foreign */
    CHECK(test_last_error == ALLOC_ERR_FOREIGN);
    CHECK_REPORTS(1, alloc_buddy_free(&b, m + 1024));       /* the metadata: not ours to free */
    CHECK(test_last_error == ALLOC_ERR_FOREIGN);
    CHECK_REPORTS(1, alloc_buddy_free(&b, B + 1));          /* off the grid */
    CHECK(test_last_error == ALLOC_ERR_NOT_BLOCK);
    CHECK_REPORTS(1, alloc_buddy_free(&b, B + 64));         /* inside a live block */
    CHECK(test_last_error == ALLOC_ERR_NOT_BLOCK);
    CHECK_REPORTS(1, alloc_buddy_free(&b, m + 9 * 64));     /* inside a free block */
    CHECK(test_last_error == ALLOC_ERR_NOT_BLOCK);
    CHECK_REPORTS(1, alloc_buddy_free(&b, m + 8 * 64));     /* the start of a free block */
    CHECK(test_last_error == ALLOC_ERR_DOUBLE_FREE);
    CHECK_REPORTS(1, CHECK(alloc_buddy_realloc(&b, A, 10) == NULL));
    CHECK(test_last_error == ALLOC_ERR_DOUBLE_FREE);
    CHECK_REPORTS(1, CHECK(alloc_buddy_realloc(&b, B + 128, 10) == NULL));
    CHECK_REPORTS(1, CHECK(alloc_buddy_realloc(&b, other, 10) == NULL));
    CHECK_REPORTS(0, alloc_buddy_free(&b, NULL));
    CHECK(alloc_buddy_usable_size(&b, B + 64) == 0 && alloc_buddy_usable_size(&b, A) == 0);
    alloc_buddy_stats(&b, &s);
    CHECK(s.error_count == 10 && s.live_blocks == 2 && s.free_count == 1);
    CHECK(test_intact(B, 256, 2));
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    alloc_buddy_free(&b, B);
    alloc_buddy_free(&b, C);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    alloc_buddy_stats(&b, &s);
    CHECK(s.largest_free == 1024 && s.error_count == 10);
}

static void test_realloc(void)
{
    alloc_buddy b;
    alloc_buddy_figures f;
    alloc_stats s;
    unsigned char *m = aligned_in_pool(1024, 0), *p, *q, *r;
    alloc_buddy_init(&b, m, ALLOC_BUDDY_BUFFER_SIZE(16, 64), 64);
    p = (unsigned char *)alloc_buddy_realloc(&b, NULL, 64);   /* allocates */
    CHECK(p == m);
    test_fill(p, 64, 1);
    q = (unsigned char *)alloc_buddy_realloc(&b, p, 500);     /* grow in place: 1 -> 8 pages */
    CHECK(q == p && test_intact(q, 64, 1) && alloc_buddy_usable_size(&b, q) == 512);
    alloc_buddy_stats_ex(&b, &f);
    CHECK(f.free_per_order[3] == 1 && f.free_per_order[0] == 0 && f.free_per_order[2] == 0);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    test_fill(q, 500, 2);
    r = (unsigned char *)alloc_buddy_realloc(&b, q, 100);     /* shrink: free 4 + 2 pages */
    CHECK(r == q && test_intact(r, 100, 2) && alloc_buddy_usable_size(&b, r) == 128);
    alloc_buddy_stats_ex(&b, &f);
    CHECK(f.free_per_order[1] == 1 && f.free_per_order[2] == 1 && f.free_per_order[3] == 1);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    CHECK(alloc_buddy_realloc(&b, r, 120) == r);              /* same order: nothing moves */
    /* Grow when the buddy is live: moves, copies, frees the old block. */
    q = (unsigned char *)alloc_buddy_alloc(&b, 128);          /* pages 2-3: r's buddy */
    CHECK(q == m + 128);
    test_fill(r, 128, 3);
    p = (unsigned char *)alloc_buddy_realloc(&b, r, 200);
    CHECK(p == m + 4 * 64 && test_intact(p, 128, 3));
    CHECK(alloc_buddy_usable_size(&b, r) == 0);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    /* Grow that cannot be served: NULL, p untouched. */
    alloc_buddy_stats(&b, &s);
    CHECK(alloc_buddy_realloc(&b, p, 1024) == NULL);
    CHECK(alloc_buddy_realloc(&b, p, SIZE_MAX) == NULL);
    CHECK(test_intact(p, 128, 3) && alloc_buddy_usable_size(&b, p) == 256);
    {
        alloc_stats t;
        alloc_buddy_stats(&b, &t);
        CHECK(t.used == s.used && t.fail_count == s.fail_count + 2);
    }
    /* An upper half cannot grow in place (its buddy is below it). */
    alloc_buddy_free(&b, q);
    q = (unsigned char *)alloc_buddy_alloc(&b, 64);
    r = (unsigned char *)alloc_buddy_alloc(&b, 64);
    CHECK(q == m && r == m + 64);
    alloc_buddy_free(&b, q);
    q = (unsigned char *)alloc_buddy_realloc(&b, r, 128);
    CHECK(q == m + 128);                                      /* moved to the free pair 2-3 */
    CHECK(alloc_buddy_realloc(&b, q, 0) == NULL);             /* size 0 frees */
    alloc_buddy_free(&b, p);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    alloc_buddy_stats(&b, &s);
    CHECK(s.used == 0 && s.largest_free == 1024);
}

/* A 1 MiB buddy with 16-byte min blocks: no header per block, 4 bits of metadata. */
static void test_one_byte_allocations(void)
{
    alloc_buddy b;
    alloc_stats s;
    size_t n = 0;
    unsigned char *m = aligned_in_pool(1 << 20, 0), *p;
    REQUIRE(alloc_buddy_init(&b, m, 1 << 20, 16) == ALLOC_OK);
    while ((p = (unsigned char *)alloc_buddy_alloc(&b, 1)) != NULL) { *p = (unsigned char)n; n++; }
    CHECK(n >= 63000);
    CHECK(n == ((size_t)1 << 20) / 16 - (alloc_buddy_metadata_size(1 << 20, 16) + 15) / 16);
    alloc_buddy_stats(&b, &s);
    CHECK(s.live_blocks == n && s.free == 0);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    printf("  1 MiB, 16-byte min blocks: %zu one-byte allocations\n", n);
}

/* Through the common interface; the slab asks its source for align == size blocks. */
static void test_allocator_interface(void)
{
    alloc_buddy b;
    alloc_allocator al;
    unsigned char *m = aligned_in_pool(1 << 17, 16), *p;   /* only 16-byte aligned */
    size_t sz;
    REQUIRE(alloc_buddy_init(&b, m, (1 << 17) + 9000, 16) == ALLOC_OK);
    al = alloc_buddy_allocator(&b);
    for (sz = 16; sz <= 32768; sz *= 2) {
        p = (unsigned char *)al.alloc(al.ctx, sz, sz);        /* a slab: aligned to itself */
        REQUIRE(p != NULL);
        CHECK(ALIGNED(p, sz) && alloc_buddy_usable_size(&b, p) == sz);
        test_fill(p, sz, sz);
    }
    p = (unsigned char *)al.alloc(al.ctx, 100, 4096);         /* align > size: rounded up */
    CHECK(p != NULL && ALIGNED(p, 4096) && alloc_buddy_usable_size(&b, p) == 4096);
    CHECK(al.alloc(al.ctx, 100, 0) != NULL);
    CHECK(al.alloc(al.ctx, 100, 48) == NULL);                 /* not a power of two */
    CHECK(al.alloc(al.ctx, 0, 16) == NULL);
    CHECK(al.alloc(al.ctx, 16, (size_t)16 << 15) == NULL);    /* above the largest block */
    test_fill(p, 100, 9);
    p = (unsigned char *)al.realloc(al.ctx, p, 3000, 2048);
    CHECK(p != NULL && ALIGNED(p, 4096) && test_intact(p, 100, 9));
    p = (unsigned char *)al.realloc(al.ctx, p, 10000, 8192);
    CHECK(p != NULL && ALIGNED(p, 16384) && test_intact(p, 100, 9));
    CHECK(al.realloc(al.ctx, p, 10, 3) == NULL);
    al.free(al.ctx, p);
    al.free(al.ctx, NULL);
    p = (unsigned char *)al.realloc(al.ctx, NULL, 64, 64);
    CHECK(p != NULL && ALIGNED(p, 64));
    CHECK(al.realloc(al.ctx, p, 0, 64) == NULL);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
}

static void test_dump_scaled(void)
{
    static test_text t;
    alloc_buddy b;
    unsigned char *m = aligned_in_pool(1 << 16, 0);
    alloc_buddy_init(&b, m, 70000, 16);
    alloc_buddy_alloc(&b, 16);
    alloc_buddy_alloc(&b, 5000);
    alloc_buddy_alloc(&b, 20000);
    t.len = 0;
    alloc_buddy_dump(&b, test_text_write, &t);
    CHECK(strstr(t.buf, "scaled: one cell per 128 min blocks (2048 bytes)") != NULL);
    CHECK(strstr(t.buf, "|2^7.|::::|") != NULL);
    CHECK(strstr(t.buf, "|2^9#") != NULL && strstr(t.buf, "|2^11####") != NULL && strstr(t.buf, "4 top-level blocks") != NULL);
    CHECK(strstr(t.buf, "live 3") != NULL);
    CHECK(strstr(t.buf, "internal fragmentation") != NULL);
}

/* A scaled map, cell by cell: a cell inside one block shows that block's slice of text; a
   cell of several blocks is '#' (all used), '.' (all free, here two top-level blocks of
   the tail) or ':' (both); a row ends with '|' only where the next row starts a block. */
static void test_dump_cells(void)
{
    static test_text t;
    alloc_buddy b;
    unsigned char *m = aligned_in_pool(4096, 0);
    int i;
    REQUIRE(alloc_buddy_init(&b, m, ALLOC_BUDDY_BUFFER_SIZE(131, 16), 16) == ALLOC_OK);
    t.len = 0;
    alloc_buddy_dump(&b, test_text_write, &t);
    CHECK(strstr(t.buf, ": 131 min blocks of 16 bytes, 3 top-level blocks (largest 2^7), metadata 66 bytes\n"
                        "  scaled: one cell per 4 min blocks (64 bytes): |2^k### used, |2^k... free, ':' a cell holding both\n"
                        "       0 |2^7............................................................................\n"
                        "      64 ................................................................................|\n"
                        "     128 |....|\n"
                        "  free lists: 2^0:1 2^1:1 2^2:0 2^3:0 2^4:0 2^5:0 2^6:0 2^7:1\n") != NULL);
    CHECK(strstr(t.buf, "  internal fragmentation: 0 bytes asked for, 0 handed out (0% lost to rounding)\n") != NULL);
    /* The smallest free blocks go first: the tail's two, then a split of the big one. */
    for (i = 0; i < 4; i++) CHECK(alloc_buddy_alloc(&b, 16) != NULL);
    t.len = 0;
    alloc_buddy_dump(&b, test_text_write, &t);
    CHECK(strstr(t.buf, "       0 |::::|2^2.|2^3......|2^4................|2^5....................................|\n"
                        "      64 |2^6............................................................................|\n"
                        "     128 |####|\n") != NULL);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
}

/* check() must notice what it claims to verify. */
static void test_check_catches_corruption(void)
{
    alloc_buddy b, good;
    unsigned char *m = aligned_in_pool(1024, 0), *A, *B;
    alloc_buddy_node *n;
    size_t saved;
    alloc_buddy_init(&b, m, ALLOC_BUDDY_BUFFER_SIZE(16, 64), 64);
    A = (unsigned char *)alloc_buddy_alloc(&b, 64);
    B = (unsigned char *)alloc_buddy_alloc(&b, 128);
    (void)B;
    good = b;
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    b.nonempty ^= 1u;                                   /* bitmap disagrees with list 0 */
    CHECK(alloc_buddy_check(&b) == ALLOC_ERR_CORRUPT);
    b = good;
    b.nfree[3]++;
    CHECK(alloc_buddy_check(&b) == ALLOC_ERR_CORRUPT);
    b = good;
    b.used += 64;
    CHECK(alloc_buddy_check(&b) == ALLOC_ERR_CORRUPT);
    b = good;
    alloc__buddy_set_tag(b.tags, 5, 1);                 /* a live head inside a free block */
    CHECK(alloc_buddy_check(&b) == ALLOC_ERR_CORRUPT);
    alloc__buddy_set_tag(b.tags, 5, 0);
    alloc__buddy_set_tag(b.tags, 0, 2);                 /* A claims order 1: overlaps page 1 */
    CHECK(alloc_buddy_check(&b) == ALLOC_ERR_CORRUPT);
    alloc__buddy_set_tag(b.tags, 0, 1);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    /* Two free buddies left unmerged: mark A free by hand without merging. */
    alloc__buddy_set_tag(b.tags, 0, 0);
    b.used -= 64;
    b.free_count++;
    alloc__buddy_push(&b, 0, 0);
    CHECK(alloc_buddy_check(&b) == ALLOC_ERR_CORRUPT);
    alloc__buddy_unlink(&b, 0, 0);
    alloc__buddy_set_tag(b.tags, 0, 1);
    b.used += 64;
    b.free_count--;
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    /* A node whose order bits lie. */
    n = b.heads[3];
    TEST_OPEN(n, sizeof *n);
    saved = n->prev;
    n->prev = saved ^ 1u;
    TEST_CLOSE(n, sizeof *n);
    CHECK(alloc_buddy_check(&b) == ALLOC_ERR_CORRUPT);
    TEST_OPEN(n, sizeof *n);               /* check() read it and closed it again */
    n->prev = saved;
    TEST_CLOSE(n, sizeof *n);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    alloc_buddy_free(&b, A);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
}

/* Random operations against a shadow model: each live block with its address, size and
   fill; an owner map per min block proves no two live blocks overlap. Several min block
   sizes, non-power-of-two buffers, unaligned starts. */
typedef struct shadow { unsigned char *p; size_t n, id; } shadow;
static void random_run(size_t min_block, size_t size, size_t skew, size_t steps, int max_order)
{
    enum { MAXLIVE = 4096 };
    static shadow live[MAXLIVE];
    static unsigned owner[(1 << 21) / 16];
    alloc_buddy b;
    alloc_stats s;
    unsigned char *m = aligned_in_pool(1 << 16, skew), *base;
    size_t nlive = 0, step, next_id = 1, i, used = 0, allocs = 0, fails = 0;
    REQUIRE(alloc_buddy_init(&b, m, size, min_block) == ALLOC_OK);
    base = b.base;
    memset(owner, 0, sizeof owner);
    for (step = 0; step < steps; step++) {
        size_t op = test_below(100);
        if (op < 50 && nlive < MAXLIVE) {
            int k = (int)test_below((size_t)max_order + 1);
            size_t n = 1 + test_below(min_block << k);
            unsigned char *p = (unsigned char *)alloc_buddy_alloc(&b, n);
            if (p != NULL) {
                size_t u = alloc_buddy_usable_size(&b, p), first = (size_t)(p - base) / min_block;
                REQUIRE(u >= n && u / 2 < (n > min_block ? n : min_block));
                REQUIRE(ALIGNED(p, u) && alloc_buddy_owns(&b, p) && alloc_buddy_owns(&b, p + u - 1));
                for (i = 0; i < u / min_block; i++) {
                    REQUIRE(owner[first + i] == 0);
                    owner[first + i] = (unsigned)(nlive + 1);
                }
                test_fill(p, n, next_id);
                live[nlive].p = p; live[nlive].n = n; live[nlive].id = next_id++;
                nlive++;
                used += u;
                allocs++;
            } else {
                fails++;
            }
        } else if (op < 88 && nlive > 0) {
            size_t j = test_below(nlive), u, first;
            shadow *q = &live[j];
            REQUIRE(test_intact(q->p, q->n, q->id));
            u = alloc_buddy_usable_size(&b, q->p);
            first = (size_t)(q->p - base) / min_block;
            for (i = 0; i < u / min_block; i++) owner[first + i] = 0;
            alloc_buddy_free(&b, q->p);
            used -= u;
            *q = live[--nlive];
            if (j < nlive) {   /* the moved entry's owner number changes */
                first = (size_t)(q->p - base) / min_block;
                u = alloc_buddy_usable_size(&b, q->p);
                for (i = 0; i < u / min_block; i++) owner[first + i] = (unsigned)(j + 1);
            }
        } else if (nlive > 0) {
            size_t j = test_below(nlive), u, first, n, keep;
            shadow *q = &live[j];
            unsigned char *p;
            int k = (int)test_below((size_t)max_order + 1);
            n = 1 + test_below(min_block << k);
            u = alloc_buddy_usable_size(&b, q->p);
            first = (size_t)(q->p - base) / min_block;
            p = (unsigned char *)alloc_buddy_realloc(&b, q->p, n);
            if (p == NULL) {
                REQUIRE(alloc_buddy_usable_size(&b, q->p) == u && test_intact(q->p, q->n, q->id));
                continue;
            }
            keep = n < q->n ? n : q->n;
            REQUIRE(test_intact(p, keep, q->id));
            for (i = 0; i < u / min_block; i++) owner[first + i] = 0;
            used -= u;
            u = alloc_buddy_usable_size(&b, p);
            REQUIRE(u >= n && ALIGNED(p, u));
            first = (size_t)(p - base) / min_block;
            for (i = 0; i < u / min_block; i++) {
                REQUIRE(owner[first + i] == 0);
                owner[first + i] = (unsigned)(j + 1);
            }
            used += u;
            q->p = p;
            q->n = n;
            test_fill(p, n, q->id);
        }
        if (step % 4096 == 0 || step + 1 == steps) {
            REQUIRE(alloc_buddy_check(&b) == ALLOC_OK);
            alloc_buddy_stats(&b, &s);
            REQUIRE(s.used == used && s.live_blocks == nlive);
        }
    }
    while (nlive > 0) {
        nlive--;
        REQUIRE(test_intact(live[nlive].p, live[nlive].n, live[nlive].id));
        alloc_buddy_free(&b, live[nlive].p);
    }
    REQUIRE(alloc_buddy_check(&b) == ALLOC_OK);
    alloc_buddy_stats(&b, &s);
    CHECK(s.used == 0 && s.error_count == 0);
    CHECK(allocs > steps / 10 && fails > 0);   /* the run did reach exhaustion */
}

/* More of what check() claims: the control block's geometry, each list node, the blocks
   the walk finds, and the counts. Layout: A (order 0) at 0, a free order 0 at 64, B
   (order 1) at 128, free blocks of order 2 and 3 above. */
static void test_check_catches_more(void)
{
    static test_text t;
    alloc_buddy b, good;
    unsigned char *m = aligned_in_pool(1024, 0), *A, *B;
    alloc_buddy_node *n, keep;
    REQUIRE(alloc_buddy_init(&b, m, ALLOC_BUDDY_BUFFER_SIZE(16, 64), 64) == ALLOC_OK);
    A = (unsigned char *)alloc_buddy_alloc(&b, 64);
    B = (unsigned char *)alloc_buddy_alloc(&b, 128);
    REQUIRE(A == m && B == m + 128);
    REQUIRE(b.heads[0] == (alloc_buddy_node *)(void *)(m + 64) && b.heads[2] != NULL && b.heads[3] != NULL);
    good = b;
    REQUIRE(alloc_buddy_check(&b) == ALLOC_OK);
#define DAMAGED(stmt)                                                                     \
    do {                                                                                  \
        stmt;                                                                             \
        CHECK(alloc_buddy_check(&b) == ALLOC_ERR_CORRUPT);                                \
        b = good;                                                                         \
        CHECK(alloc_buddy_check(&b) == ALLOC_OK);                                         \
    } while (0)
    DAMAGED(b.min_block = 48);                                  /* not a power of two */
    DAMAGED(b.min_block = 8);                                   /* below the smallest */
    DAMAGED(b.shift = -1);
    DAMAGED(b.shift = (int)(sizeof(size_t) * 8));
    DAMAGED(b.shift = 5);                                       /* 2^5 is not min_block */
    DAMAGED(b.base += 16);                                      /* base off the grid */
    DAMAGED(b.span = 0);
    DAMAGED(b.span += 16);
    DAMAGED(b.top_order = -1);
    DAMAGED(b.top_order = ALLOC_BUDDY_ORDERS);
    DAMAGED(b.top_order = 5);                                   /* larger than the memory */
    DAMAGED(b.tags++);                                          /* metadata not after the blocks */
    DAMAGED(b.nonempty |= 1u << ALLOC_BUDDY_ORDERS);
    DAMAGED(b.used = b.span + 64);
    DAMAGED(b.largest *= 2);
    DAMAGED(b.heads[0] = (alloc_buddy_node *)(void *)(m + 1024));   /* a node outside */
    DAMAGED(b.heads[0] = (alloc_buddy_node *)(void *)(m + 72));     /* off the grid */
    DAMAGED(b.alloc_count++);                                   /* live blocks miscounted */
    /* a top-level block larger than the largest order allows */
    DAMAGED((b.top_order = 3, b.largest = 512));
    /* a free block that is on no list */
    DAMAGED((b.heads[0] = NULL, b.nfree[0] = 0, b.nonempty &= ~1u));
    /* a list node whose back link names another block */
    n = b.heads[0];
    TEST_OPEN(n, sizeof *n);
    keep = *n;
    n->prev = (128 + 16) | 0u;
    TEST_CLOSE(n, sizeof *n);
    CHECK(alloc_buddy_check(&b) == ALLOC_ERR_CORRUPT);
    TEST_OPEN(n, sizeof *n);
    *n = keep;
    TEST_CLOSE(n, sizeof *n);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    /* list 0 headed by A, a live block dressed up as a node */
    memset(A, 0, sizeof(alloc_buddy_node));
    DAMAGED(b.heads[0] = (alloc_buddy_node *)(void *)A);
    /* B's tag claims order 2: a 256-byte block at offset 128 is not aligned to itself */
    alloc__buddy_set_tag(b.tags, 2, 3);
    CHECK(alloc_buddy_check(&b) == ALLOC_ERR_CORRUPT);
    alloc__buddy_set_tag(b.tags, 2, 2);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    /* A's tag claims an order above the top-level block: the free blocks cannot be found
       from it (the list check fails), and the dump draws the cells it cannot place as '?' */
    alloc__buddy_set_tag(b.tags, 0, 6);
    CHECK(alloc_buddy_check(&b) == ALLOC_ERR_CORRUPT);
    t.len = 0;
    alloc_buddy_dump(&b, test_text_write, &t);
    {
        char row[100];
        memset(row, '?', 16 * 5);
        memcpy(row + 80, "|\n", 3);
        CHECK(strstr(t.buf, row) != NULL);                      /* every cell of the top block */
    }
    alloc__buddy_set_tag(b.tags, 0, 1);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    /* one live block of the whole memory, its tag claiming more: the block walk sees it */
    REQUIRE(alloc_buddy_init(&b, m, ALLOC_BUDDY_BUFFER_SIZE(16, 64), 64) == ALLOC_OK);
    A = (unsigned char *)alloc_buddy_alloc(&b, 1024);
    REQUIRE(A == m && alloc_buddy_check(&b) == ALLOC_OK);
    alloc__buddy_set_tag(b.tags, 0, 6);
    CHECK(alloc_buddy_check(&b) == ALLOC_ERR_CORRUPT);
    alloc__buddy_set_tag(b.tags, 0, 5);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    CHECK(alloc_buddy_check(NULL) == ALLOC_ERR_INVALID);
#undef DAMAGED
}

static void test_random(void)
{
    size_t steps = test_scaled(1000000) / 5 + 1;
    test_seed_from_env();
    random_run(16, 300000, 16, steps, 8);                         /* 16-byte blocks, non-pow2 */
    random_run(32, 123457, 48, steps, 9);
    random_run(64, ALLOC_BUDDY_BUFFER_SIZE(1000, 64), 0, steps, 7);
    random_run(4096, ALLOC_BUDDY_BUFFER_SIZE(300, 4096) + 777, 0, steps, 6);
    random_run(16, 40000, 0, steps, 11);                          /* tight: many failures */
}

int main(void)
{
    TEST_RUN(test_div);
    TEST_RUN(test_bit_scans);
    TEST_RUN(test_metadata_size);
    TEST_RUN_LAYOUT(test_init);
    TEST_RUN_LAYOUT(test_walkthrough);
    TEST_RUN_LAYOUT(test_orders_and_alignment);
    TEST_RUN_LAYOUT(test_tail);
    TEST_RUN_LAYOUT(test_largest_order);
    TEST_RUN_LAYOUT(test_bad_input);
    TEST_RUN_LAYOUT(test_misuse);
    TEST_RUN_LAYOUT(test_realloc);
    TEST_RUN_LAYOUT(test_one_byte_allocations);
    TEST_RUN_LAYOUT(test_allocator_interface);
    TEST_RUN(test_dump_scaled);
    TEST_RUN_LAYOUT(test_check_catches_corruption);
    TEST_RUN_LAYOUT(test_check_catches_more);
    TEST_RUN_LAYOUT(test_dump_cells);
    TEST_RUN_LAYOUT(test_random);
    return test_finish();
}
