/* Heap tests: each call under each fit policy, the lecture's worked example, the holes
   each policy picks, bad input and misuse, several regions, and a long random run of
   every policy against a shadow model. */
#include "test.h"
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"

/* The tests poke block headers and links by hand: TEST_OPEN (test.h) opens them for the
   sanitizers first (check() closes what it reads again). */

/* Written in terms of the configuration, so that every target (32/64-bit, 8- or 16-byte
   alignment, either endianness) asserts the same behaviour. */
#define W ALLOC_HEAP_BLOCK_OVERHEAD
#define GRAIN ALLOC_HEAP_GRAIN
/* The block size a request takes: header + payload rounded to the grain, >= the minimum. */
#define BLOCK(n) ALLOC_HEAP_BLOCK_SIZE(n)
/* A region size that cannot hold the region header, one block and the end sentinel. */
#define TOO_SMALL (3 * sizeof(void *) + ALLOC_HEAP_MIN_BLOCK)

static const alloc_fit fits[5] = { ALLOC_FIT_GOOD, ALLOC_FIT_FIRST, ALLOC_FIT_NEXT, ALLOC_FIT_BEST, ALLOC_FIT_WORST };
static const char *fit_names[5] = { "good", "first", "next", "best", "worst" };

/* 16-aligned backing memory, so that exact offsets are the same on every run. */
static union { unsigned char b[1 << 17]; long double ld; } mem_u;
#define mem (mem_u.b)

static alloc_stats stats_of(const alloc_heap *h)
{
    alloc_stats s;
    alloc_heap_stats(h, &s);
    return s;
}

static void test_init(void)
{
    alloc_heap h;
    alloc_stats s;
    int f;
    CHECK(sizeof(alloc_heap) <= 2048 || sizeof(void *) < 8);   /* the control block */
    CHECK(alloc_heap_init(NULL, mem, 4096, ALLOC_FIT_GOOD) == ALLOC_ERR_INVALID);
    CHECK(alloc_heap_init(&h, NULL, 4096, ALLOC_FIT_GOOD) == ALLOC_ERR_INVALID);
    CHECK(alloc_heap_init(&h, mem, 4096, (alloc_fit)5) == ALLOC_ERR_INVALID);
    CHECK(alloc_heap_init(&h, mem, 0, ALLOC_FIT_GOOD) == ALLOC_ERR_TOO_SMALL);
    CHECK(alloc_heap_init(&h, mem, TOO_SMALL, ALLOC_FIT_GOOD) == ALLOC_ERR_TOO_SMALL);
    CHECK(alloc_heap_init(&h, mem + 1, TOO_SMALL + W, ALLOC_FIT_GOOD) == ALLOC_ERR_TOO_SMALL);   /* misaligned and small */
    CHECK(alloc_heap_init(&h, mem + 8, (size_t)-1, ALLOC_FIT_GOOD) == ALLOC_ERR_OVERFLOW);
    CHECK(alloc_heap_init(&h, mem + 3, ALLOC_HEAP_REGION_OVERHEAD + 32, ALLOC_FIT_GOOD) == ALLOC_OK);
    CHECK(alloc_heap_check(&h) == ALLOC_OK);
    CHECK(alloc_heap_alloc(&h, 1) != NULL);
    CHECK(alloc_heap_check(&h) == ALLOC_OK);
    for (f = 0; f < 5; f++) {
        void *p;
        CHECK(alloc_heap_init(&h, mem, 4096, fits[f]) == ALLOC_OK);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        s = stats_of(&h);
        CHECK(s.capacity > 4096 - ALLOC_HEAP_REGION_OVERHEAD && s.capacity <= 4096);
        CHECK(s.used == 0 && s.free == s.capacity - W && s.largest_free == s.free);
        CHECK(s.free_blocks == 1 && s.live_blocks == 0 && s.alloc_count == 0);
        p = alloc_heap_alloc(&h, s.largest_free);           /* the whole heap in one block */
        CHECK(p != NULL && alloc_heap_usable_size(&h, p) == s.largest_free);
        CHECK(alloc_heap_alloc(&h, 1) == NULL);
        CHECK(stats_of(&h).fail_count == 1);
        alloc_heap_free(&h, p);
        CHECK(alloc_heap_alloc(&h, s.largest_free + 1) == NULL);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
    }
}

/* The lecture: a 4 KiB heap, three 100-byte allocations side by side, then their frees;
   the last free coalesces with both neighbours at once, back to one free block. */
static void test_lecture(void)
{
    int f;
    for (f = 0; f < 5; f++) {
        alloc_heap h;
        alloc_stats s0, s;
        unsigned char *a, *b, *c;
        size_t blk = BLOCK(100);
        alloc_heap_init(&h, mem, 4096, fits[f]);
        s0 = stats_of(&h);
        a = (unsigned char *)alloc_heap_alloc(&h, 100);
        b = (unsigned char *)alloc_heap_alloc(&h, 100);
        c = (unsigned char *)alloc_heap_alloc(&h, 100);
        REQUIRE(a != NULL && b != NULL && c != NULL);
        CHECK(b == a + blk && c == b + blk);                 /* split from the front, in order */
        CHECK(ALIGNED(a, ALLOC_HEAP_ALIGN) && alloc_heap_usable_size(&h, a) == blk - W);
        s = stats_of(&h);
        CHECK(s.used == 3 * blk && s.live_blocks == 3 && s.free_blocks == 1);
        CHECK(s.largest_free == s0.largest_free - 3 * blk);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        alloc_heap_free(&h, b);                              /* a hole between two live blocks */
        s = stats_of(&h);
        CHECK(s.free_blocks == 2 && s.live_blocks == 2 && s.largest_free == s0.largest_free - 3 * blk);
        CHECK(s.free == s0.free - 2 * blk - W);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        alloc_heap_free(&h, a);                              /* coalesces with b: one hole of two */
        s = stats_of(&h);
        CHECK(s.free_blocks == 2 && s.live_blocks == 1 && s.free == s0.free - blk - W);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        alloc_heap_free(&h, c);                              /* with both neighbours at once */
        s = stats_of(&h);
        CHECK(s.free_blocks == 1 && s.live_blocks == 0 && s.used == 0);
        CHECK(s.largest_free == s0.largest_free && s.free == s0.free);
        CHECK(s.peak_used == 3 * blk && s.alloc_count == 3 && s.free_count == 3);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        CHECK(alloc_heap_alloc(&h, 100) == a);               /* the same place again */
    }
}

/* Four holes between live guards, in units of U, the block a request of R bytes takes
   (R = ALLOC_HEAP_LARGE, so that it is carved from the low end of its hole): 1.5 U, U,
   3 U and U + 2 grains. Each policy picks its own hole. */
static void test_fit_choice(void)
{
    const size_t R = ALLOC_HEAP_LARGE, U = BLOCK(ALLOC_HEAP_LARGE);
    int f;
    for (f = 0; f < 5; f++) {
        alloc_heap h;
        unsigned char *hole[4], *guard[4], *p, *q, *r;
        size_t blocks[4];
        int i;
        blocks[0] = U + (U / 2 & ~(GRAIN - 1));
        blocks[1] = U;
        blocks[2] = 3 * U;
        blocks[3] = U + 2 * GRAIN;
        alloc_heap_init(&h, mem, 8192, fits[f]);
        for (i = 0; i < 4; i++) {
            hole[i] = (unsigned char *)alloc_heap_alloc(&h, blocks[i] - W);
            guard[i] = (unsigned char *)alloc_heap_alloc(&h, R);
            CHECK(guard[i] == hole[i] + blocks[i]);                       /* side by side */
        }
        CHECK(alloc_heap_alloc(&h, stats_of(&h).largest_free) != NULL);   /* no tail left */
        for (i = 0; i < 4; i++) alloc_heap_free(&h, hole[i]);
        CHECK(stats_of(&h).free_blocks == 4);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        p = (unsigned char *)alloc_heap_alloc(&h, R);
        switch (fits[f]) {
        case ALLOC_FIT_FIRST: case ALLOC_FIT_NEXT: CHECK(p == hole[0]); break;
        case ALLOC_FIT_BEST: case ALLOC_FIT_GOOD: CHECK(p == hole[1]); break;   /* exact fit */
        case ALLOC_FIT_WORST: CHECK(p == hole[2]); break;
        }
        q = (unsigned char *)alloc_heap_alloc(&h, 2 * U + GRAIN - W);     /* only the 3 U hole holds it */
        CHECK(q == hole[2] || (fits[f] == ALLOC_FIT_WORST && q == NULL));
        r = (unsigned char *)alloc_heap_alloc(&h, R);
        if (fits[f] == ALLOC_FIT_FIRST) CHECK(r == hole[1]);       /* from the start again */
        if (fits[f] == ALLOC_FIT_NEXT) CHECK(r == hole[3]);        /* on from where it stopped */
        if (fits[f] == ALLOC_FIT_BEST) CHECK(r == hole[3]);        /* the smallest that holds it */
        CHECK(r != NULL && alloc_heap_check(&h) == ALLOC_OK);
        (void)guard;
    }
}

/* Placement (ALLOC_HEAP_LARGE): large blocks from the low end of the hole, small ones
   from its high end, so that each kind packs against its own end. */
static void test_placement(void)
{
    const size_t R = ALLOC_HEAP_LARGE;
    int f;
    for (f = 0; f < 5; f++) {
        alloc_heap h;
        unsigned char *a, *b, *s, *t;
        alloc_stats s0;
        alloc_heap_init(&h, mem, 4096, fits[f]);
        s0 = stats_of(&h);
        a = (unsigned char *)alloc_heap_alloc(&h, R);
        s = (unsigned char *)alloc_heap_alloc(&h, 1);
        b = (unsigned char *)alloc_heap_alloc(&h, R);
        t = (unsigned char *)alloc_heap_alloc(&h, 1);
        REQUIRE(a != NULL && b != NULL && s != NULL && t != NULL);
        CHECK(b == a + BLOCK(R));                                   /* large: upwards from the bottom */
        CHECK(t == s - BLOCK(1));                                   /* small: downwards from the top */
        CHECK(s + BLOCK(1) == a - W + s0.capacity + W);             /* the last block of the region */
        CHECK(stats_of(&h).free_blocks == 1 && alloc_heap_check(&h) == ALLOC_OK);
        CHECK(stats_of(&h).largest_free == s0.largest_free - 2 * BLOCK(R) - 2 * BLOCK(1));
        alloc_heap_free(&h, t);
        alloc_heap_free(&h, b);
        alloc_heap_free(&h, a);
        alloc_heap_free(&h, s);
        CHECK(stats_of(&h).free_blocks == 1 && stats_of(&h).largest_free == s0.largest_free);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
    }
}

static void test_bad_input(void)
{
    int f;
    for (f = 0; f < 5; f++) {
        alloc_heap h;
        alloc_stats before, after;
        size_t k, align;
        void *p;
        alloc_heap_init(&h, mem, 8192, fits[f]);
        p = alloc_heap_alloc(&h, 10);
        before = stats_of(&h);
        CHECK(alloc_heap_alloc(&h, 0) == NULL);
        CHECK(alloc_heap_alloc_aligned(&h, 0, 64) == NULL);
        CHECK(alloc_heap_calloc(&h, 0, 8) == NULL && alloc_heap_calloc(&h, 8, 0) == NULL);
        for (k = 0; k <= 64; k++) {
            CHECK(alloc_heap_alloc(&h, SIZE_MAX - k) == NULL);
            CHECK(alloc_heap_calloc(&h, 1, SIZE_MAX - k) == NULL);
            for (align = 1; align <= 4096; align *= 4) CHECK(alloc_heap_alloc_aligned(&h, SIZE_MAX - k, align) == NULL);
            CHECK(alloc_heap_alloc_aligned(&h, 16, SIZE_MAX - k) == NULL);
            CHECK(alloc_heap_realloc(&h, p, SIZE_MAX - k) == NULL);
        }
        CHECK(alloc_heap_calloc(&h, SIZE_MAX / 2 + 1, 2) == NULL);          /* products that wrap */
        CHECK(alloc_heap_calloc(&h, (size_t)1 << (sizeof(size_t) * 4), (size_t)1 << (sizeof(size_t) * 4)) == NULL);
        CHECK(alloc_heap_alloc_aligned(&h, 16, 3) == NULL);
        CHECK(alloc_heap_alloc_aligned(&h, 16, 24) == NULL);
        CHECK(alloc_heap_alloc_aligned(&h, 16, 0) == NULL);
        after = stats_of(&h);
        CHECK(after.used == before.used && after.live_blocks == before.live_blocks);
        CHECK(after.alloc_count == before.alloc_count && after.free_blocks == before.free_blocks);
        CHECK(after.fail_count == before.fail_count && after.error_count == 0);
        CHECK(alloc_heap_usable_size(&h, p) >= 10);                         /* p still live */
        CHECK(alloc_heap_alloc(&h, 9000) == NULL);                           /* too large: a failure */
        CHECK(stats_of(&h).fail_count == before.fail_count + 1);
        /* Regions: twice, overlapping, too small, NULL, wrapping. */
        CHECK(alloc_heap_add(&h, mem, 8192) == ALLOC_ERR_OVERLAP);
        CHECK(alloc_heap_add(&h, mem + 4096, 8192) == ALLOC_ERR_OVERLAP);
        CHECK(alloc_heap_add(&h, mem + 8190, 1000) == ALLOC_ERR_OVERLAP);
        CHECK(alloc_heap_add(&h, mem + 9000, TOO_SMALL) == ALLOC_ERR_TOO_SMALL);
        CHECK(alloc_heap_add(&h, mem + 9001, TOO_SMALL + W) == ALLOC_ERR_TOO_SMALL);
        CHECK(alloc_heap_add(&h, NULL, 4096) == ALLOC_ERR_INVALID);
        CHECK(alloc_heap_add(NULL, mem + 9000, 4096) == ALLOC_ERR_INVALID);
        CHECK(alloc_heap_add(&h, mem + 9000, (size_t)-1) == ALLOC_ERR_OVERFLOW);
        after = stats_of(&h);
        CHECK(after.capacity == before.capacity);
        CHECK(alloc_heap_add(&h, mem + 8192, 4096) == ALLOC_OK);            /* right after: fine */
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
    }
}

static void test_misuse(void)
{
    int f;
    for (f = 0; f < 5; f++) {
        alloc_heap h;
        alloc_stats before, after;
        unsigned char *a, *b, *c;
        long local;
        alloc_heap_init(&h, mem, 8192, fits[f]);
        a = (unsigned char *)alloc_heap_alloc(&h, 100);
        b = (unsigned char *)alloc_heap_alloc(&h, 100);
        c = (unsigned char *)alloc_heap_alloc(&h, 100);
        memset(b, 0, 100);
        alloc_heap_free(&h, a);
        before = stats_of(&h);
        CHECK_REPORTS(1, alloc_heap_free(&h, a));                           /* double free */
        CHECK(test_last_error == ALLOC_ERR_DOUBLE_FREE);
        CHECK_REPORTS(1, alloc_heap_free(&h, &local));                      /* foreign */
        CHECK(test_last_error == ALLOC_ERR_FOREIGN);
        CHECK_REPORTS(1, alloc_heap_free(&h, mem + 100000));
        CHECK(test_last_error == ALLOC_ERR_FOREIGN);
        CHECK_REPORTS(1, alloc_heap_free(&h, b + 1));                       /* off the grid */
        CHECK(test_last_error == ALLOC_ERR_NOT_BLOCK);
        CHECK_REPORTS(1, alloc_heap_free(&h, b + 32));                      /* interior, zeroed */
        CHECK(test_last_error == ALLOC_ERR_NOT_BLOCK);
        CHECK_REPORTS(1, CHECK(alloc_heap_realloc(&h, a, 50) == NULL));     /* realloc of a freed block */
        CHECK(test_last_error == ALLOC_ERR_DOUBLE_FREE);
        CHECK_REPORTS(1, CHECK(alloc_heap_realloc(&h, b + 16, 50) == NULL));
        CHECK_REPORTS(0, alloc_heap_free(&h, NULL));
        CHECK(alloc_heap_usable_size(&h, a) == 0 && alloc_heap_usable_size(&h, b + 16) == 0);
        after = stats_of(&h);
        CHECK(after.used == before.used && after.free_blocks == before.free_blocks);
        CHECK(after.free_count == before.free_count && after.error_count == 7);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        /* A double free after the block was coalesced into its neighbour. */
        alloc_heap_free(&h, b);                                              /* merges with a */
        CHECK_REPORTS(1, alloc_heap_free(&h, b));
        CHECK(test_last_error == ALLOC_ERR_DOUBLE_FREE);
        alloc_heap_free(&h, c);
        CHECK_REPORTS(1, alloc_heap_free(&h, c));
        CHECK(stats_of(&h).free_blocks == 1);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
    }
}

static void test_aligned(void)
{
    int f;
    for (f = 0; f < 5; f++) {
        alloc_heap h;
        size_t align;
        unsigned char *p[14], *q, *blocker;
        int i = 0;
        alloc_heap_init(&h, mem, sizeof mem, fits[f]);
        for (align = 1; align <= 8192; align *= 2, i++) {
            p[i] = (unsigned char *)alloc_heap_alloc_aligned(&h, 40, align);
            REQUIRE(p[i] != NULL);
            CHECK(ALIGNED(p[i], align) && ALIGNED(p[i], ALLOC_HEAP_ALIGN));
            CHECK(alloc_heap_usable_size(&h, p[i]) >= 40);
            test_fill(p[i], 40, (size_t)i);
            CHECK(alloc_heap_check(&h) == ALLOC_OK);
        }
        while (i-- > 0) {
            CHECK(test_intact(p[i], 40, (size_t)i));
            alloc_heap_free(&h, p[i]);
        }
        CHECK(stats_of(&h).free_blocks == 1);                               /* slack went back */
        /* The alignment survives a realloc that moves. */
        q = (unsigned char *)alloc_heap_alloc_aligned(&h, 100, 512);
        blocker = (unsigned char *)alloc_heap_alloc(&h, 1000);          /* larger than the slack */
        test_fill(q, 100, 77);
        CHECK(blocker == q + BLOCK(100 + W));                          /* + the alignment's word */
        q = (unsigned char *)alloc_heap_realloc(&h, q, 3000);
        REQUIRE(q != NULL);
        CHECK(ALIGNED(q, 512) && test_intact(q, 100, 77));
        q = (unsigned char *)alloc_heap_realloc(&h, q, 50);                  /* in place */
        CHECK(ALIGNED(q, 512) && test_intact(q, 50, 77));
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
    }
}

/* A move asks for the alignment the block was asked with, not for all the alignment its
   address happens to have: a 64-aligned block that sits on a 4096 boundary moves into a
   hole far smaller than 4096 bytes. (Asking for the address's alignment failed the move
   with a fitting hole free, and made placement depend on where the buffer lay.) */
static void test_aligned_realloc_asks_what_was_asked(void)
{
    int f;
    for (f = 0; f < 5; f++) {
        static unsigned char *p[2048];
        alloc_heap h;
        unsigned char *x = NULL, *q;
        size_t n = 0, i;
        alloc_stats s;
        REQUIRE(alloc_heap_init(&h, mem, 65536, fits[f]) == ALLOC_OK);
        /* 64-byte blocks, one after another: every 64-aligned address gets one. */
        while (n < 2048 && (p[n] = (unsigned char *)alloc_heap_alloc_aligned(&h, 64 - 2 * W, 64)) != NULL) n++;
        for (i = 8; x == NULL && i + 1 < n; i++)
            if (ALIGNED(p[i], 4096)) x = p[i];
        REQUIRE(x != NULL);
        test_fill(x, 64 - 2 * W, 9);
        for (i = 0; i < 8; i++) alloc_heap_free(&h, p[i]);           /* one hole, < 4096 bytes */
        s = stats_of(&h);
        REQUIRE(s.largest_free >= 200 + 2 * 64 && s.largest_free < 4096);
        q = (unsigned char *)alloc_heap_realloc(&h, x, 200);
        REQUIRE(q != NULL);
        CHECK(q != x && ALIGNED(q, 64) && test_intact(q, 64 - 2 * W, 9) && alloc_heap_usable_size(&h, q) >= 200);
        CHECK(stats_of(&h).fail_count == s.fail_count);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        q = (unsigned char *)alloc_heap_realloc(&h, q, 20);                /* shrinks in place, keeps it */
        CHECK(ALIGNED(q, 64) && test_intact(q, 20, 9) && alloc_heap_check(&h) == ALLOC_OK);
    }
}

static void test_realloc(void)
{
    int f;
    for (f = 0; f < 5; f++) {
        alloc_heap h;
        unsigned char *a, *b, *c, *r;
        alloc_stats s;
        alloc_heap_init(&h, mem, 16384, fits[f]);
        a = (unsigned char *)alloc_heap_alloc(&h, 1000);
        b = (unsigned char *)alloc_heap_alloc(&h, 100);
        test_fill(a, 1000, 1);
        r = (unsigned char *)alloc_heap_realloc(&h, a, 200);               /* shrink: tail split off */
        CHECK(r == a && test_intact(a, 200, 1));
        s = stats_of(&h);
        CHECK(s.free_blocks == 2 && s.used == BLOCK(200) + BLOCK(100));
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        r = (unsigned char *)alloc_heap_realloc(&h, a, 900);               /* grow into the freed tail */
        CHECK(r == a && test_intact(a, 200, 1));
        CHECK(stats_of(&h).free_blocks == 2 && alloc_heap_check(&h) == ALLOC_OK);
        r = (unsigned char *)alloc_heap_realloc(&h, a, BLOCK(1000) - W);   /* exactly the whole hole */
        CHECK(r == a && stats_of(&h).free_blocks == 1);
        test_fill(a, 1000, 2);
        r = (unsigned char *)alloc_heap_realloc(&h, a, 2000);              /* b is in the way: move */
        CHECK(r != NULL && r != a && test_intact(r, 1000, 2));
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        c = (unsigned char *)alloc_heap_realloc(&h, NULL, 64);             /* realloc(NULL) allocates */
        CHECK(c != NULL);
        test_fill(r, 2000, 3);
        CHECK(alloc_heap_realloc(&h, r, 100000) == NULL);                  /* failure: untouched */
        CHECK(test_intact(r, 2000, 3) && alloc_heap_usable_size(&h, r) >= 2000);
        CHECK(alloc_heap_realloc(&h, r, 0) == NULL);                       /* realloc(p, 0) frees */
        CHECK(alloc_heap_usable_size(&h, r) == 0);
        alloc_heap_free(&h, b);
        alloc_heap_free(&h, c);
        s = stats_of(&h);
        CHECK(s.used == 0 && s.free_blocks == 1 && s.error_count == 0);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
    }
}

static void test_calloc(void)
{
    alloc_heap h;
    unsigned char *p;
    size_t i;
    int zero = 1;
    alloc_heap_init(&h, mem, 8192, ALLOC_FIT_GOOD);
    p = (unsigned char *)alloc_heap_alloc(&h, 500);
    memset(p, 0xAB, 500);
    alloc_heap_free(&h, p);
    p = (unsigned char *)alloc_heap_calloc(&h, 25, 20);
    REQUIRE(p != NULL);
    for (i = 0; i < 500; i++) zero &= p[i] == 0;
    CHECK(zero);
    CHECK(alloc_heap_check(&h) == ALLOC_OK);
}

static void test_regions(void)
{
    int f;
    for (f = 0; f < 5; f++) {
        alloc_heap h;
        unsigned char *p[40];
        int i, in[3] = { 0, 0, 0 };
        alloc_stats s;
        alloc_heap_init(&h, mem + 8192, 4096, fits[f]);
        CHECK(alloc_heap_add(&h, mem + 16384, 4096) == ALLOC_OK);           /* above */
        CHECK(alloc_heap_add(&h, mem, 4096) == ALLOC_OK);                   /* below: any order */
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        s = stats_of(&h);
        CHECK(s.free_blocks == 3 && s.largest_free < 4096);
        CHECK(alloc_heap_alloc(&h, 5000) == NULL);                           /* no block spans regions */
        for (i = 0; i < 40; i++) {
            p[i] = (unsigned char *)alloc_heap_alloc(&h, 250);
            REQUIRE(p[i] != NULL);
            test_fill(p[i], 250, (size_t)i);
            in[p[i] < mem + 4096 ? 0 : p[i] < mem + 12288 ? 1 : 2]++;
            CHECK(alloc_heap_owns(&h, p[i]));
        }
        CHECK(in[0] > 0 && in[1] > 0 && in[2] > 0);
        CHECK(!alloc_heap_owns(&h, mem + 5000) && !alloc_heap_owns(&h, NULL));
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        for (i = 0; i < 40; i += 2) alloc_heap_free(&h, p[i]);
        for (i = 1; i < 40; i += 2) {
            CHECK(test_intact(p[i], 250, (size_t)i));
            p[i] = (unsigned char *)alloc_heap_realloc(&h, p[i], 400);
            CHECK(p[i] == NULL || test_intact(p[i], 250, (size_t)i));
        }
        for (i = 1; i < 40; i += 2) alloc_heap_free(&h, p[i]);
        s = stats_of(&h);
        CHECK(s.used == 0 && s.free_blocks == 3 && s.error_count == 0);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
    }
}

/* A 1 MiB heap holds at least 32,000 one-byte allocations (the minimum block is four
   words: 32 bytes on 64-bit). */
static void test_one_byte(void)
{
    static union { unsigned char b[1 << 20]; long double ld; } big;
    alloc_heap h;
    size_t n = 0;
    alloc_stats s;
    alloc_heap_init(&h, big.b, sizeof big.b, ALLOC_FIT_GOOD);
    s = stats_of(&h);
    while (alloc_heap_alloc(&h, 1) != NULL) n++;
    CHECK(n >= 32000 || sizeof(void *) < 8);
    CHECK(n == s.capacity / BLOCK(1));                 /* every byte but the region's own */
    printf("1 MiB heap: %zu one-byte allocations (control block %zu bytes)\n", n, sizeof h);
    CHECK(alloc_heap_check(&h) == ALLOC_OK);
}

static void test_allocator_interface(void)
{
    alloc_heap h;
    alloc_allocator al;
    unsigned char *p;
    alloc_heap_init(&h, mem, 16384, ALLOC_FIT_GOOD);
    al = alloc_heap_allocator(&h);
    p = (unsigned char *)al.alloc(al.ctx, 64, 0);
    CHECK(p != NULL && ALIGNED(p, ALLOC_HEAP_ALIGN));
    test_fill(p, 64, 5);
    p = (unsigned char *)al.realloc(al.ctx, p, 128, 1024);                 /* now needs 1024 */
    CHECK(p != NULL && ALIGNED(p, 1024) && test_intact(p, 64, 5));
    p = (unsigned char *)al.realloc(al.ctx, p, 4000, 1024);
    CHECK(p != NULL && ALIGNED(p, 1024) && test_intact(p, 64, 5));
    al.free(al.ctx, p);
    al.free(al.ctx, NULL);
    p = (unsigned char *)al.realloc(al.ctx, NULL, 10, 256);
    CHECK(p != NULL && ALIGNED(p, 256));
    al.free(al.ctx, p);
    CHECK(stats_of(&h).used == 0 && alloc_heap_check(&h) == ALLOC_OK);
}

static void test_dump(void)
{
    static test_text t;
    alloc_heap h;
    int i;
    void *p[50];
    alloc_heap_init(&h, mem, 4096, ALLOC_FIT_BEST);
    alloc_heap_alloc(&h, 100);
    p[0] = alloc_heap_alloc(&h, 100);
    alloc_heap_alloc(&h, 100);
    alloc_heap_free(&h, p[0]);
    t.len = 0;
    alloc_heap_dump(&h, test_text_write, &t);
    CHECK(strstr(t.buf, "best fit") != NULL);
    CHECK(strstr(t.buf, "|##|##|##|") == NULL && strstr(t.buf, "|##|..|##|....") != NULL);
    {
        /* The freed block's row: offset and size one block of 100 bytes (112 on 64-bit). */
        char row[64];
        snprintf(row, sizeof row, " %8zu %8zu  free", BLOCK(100), BLOCK(100));
        CHECK(strstr(t.buf, row) != NULL);
    }
    CHECK(strstr(t.buf, "live 2  free blocks 2") != NULL);
    CHECK(strstr(t.buf, "external fragmentation ") != NULL);
    /* Many blocks: the fixed-cell map, no table. */
    alloc_heap_init(&h, mem, 8192, ALLOC_FIT_GOOD);
    for (i = 0; i < 50; i++) p[i] = alloc_heap_alloc(&h, 40);
    for (i = 0; i < 50; i += 3) alloc_heap_free(&h, p[i]);
    t.len = 0;
    alloc_heap_dump(&h, test_text_write, &t);
    CHECK(strstr(t.buf, "###]") != NULL && strstr(t.buf, "offset") == NULL);   /* small blocks: the top */
}

/* A word of the heap's own metadata (a header, a link or a footer) changed and put back. */
typedef struct poke { size_t *at, was; } poke;
static poke poke_word(void *at, size_t v)
{
    poke k;
    k.at = (size_t *)at;
    TEST_OPEN(k.at, sizeof *k.at);
    k.was = *k.at;
    *k.at = v;
    return k;
}
static void unpoke(poke k)
{
    TEST_OPEN(k.at, sizeof *k.at);
    *k.at = k.was;
}
static size_t peek_word(const void *at)
{
    TEST_OPEN(at, sizeof(size_t));
    return *(const size_t *)at;
}
/* The words of block header b: 0 its tag, 1 its next link, 2 its prev link. */
static size_t *word_of(alloc__heap_block *b, int i) { return (size_t *)(void *)b + i; }

/* check() must notice every kind of damage it claims to find, and find the heap whole
   again once the damage is undone. Layout: [a used][b free][c used][d free ... ]. */
static void test_check_catches_corruption(void)
{
    int f;
    for (f = 0; f < 3; f++) {
        alloc_heap h;
        unsigned char *pa, *pb, *pc;
        alloc__heap_block *a, *b, *c, *d;
        const alloc__heap_region *r;
        size_t *sentinel, asz, bsz;
        static test_text t;
        alloc_stats st;
        poke k, k2, k3, k4;
        REQUIRE(alloc_heap_init(&h, mem, 4096, fits[f]) == ALLOC_OK);
        pa = (unsigned char *)alloc_heap_alloc(&h, 200);
        pb = (unsigned char *)alloc_heap_alloc(&h, 200);
        pc = (unsigned char *)alloc_heap_alloc(&h, 200);
        REQUIRE(pa != NULL && pb != NULL && pc != NULL);
        alloc_heap_free(&h, pb);
        a = alloc__heap_of(pa);
        b = alloc__heap_of(pb);
        c = alloc__heap_of(pc);
        asz = peek_word(a) & ~(size_t)7;
        bsz = peek_word(b) & ~(size_t)7;
        d = alloc__heap_at(c, peek_word(c) & ~(size_t)7);
        r = h.regions;
        sentinel = (size_t *)(void *)r->end;
        REQUIRE((unsigned char *)b == (unsigned char *)a + asz && (unsigned char *)c == (unsigned char *)b + bsz);
        REQUIRE(alloc_heap_check(&h) == ALLOC_OK);
#define DAMAGED(stmt, undo)                                                               \
        do {                                                                              \
            stmt;                                                                         \
            CHECK(alloc_heap_check(&h) == ALLOC_ERR_CORRUPT);                             \
            undo;                                                                         \
            CHECK(alloc_heap_check(&h) == ALLOC_OK);                                      \
        } while (0)
        /* block sizes that do not add up to the region */
        DAMAGED(k = poke_word(a, 8 | 3), unpoke(k));                                  /* below MIN */
        if (GRAIN > 8) DAMAGED(k = poke_word(a, (asz + 8) | 3), unpoke(k));           /* off the grain */
        DAMAGED(k = poke_word(a, (4096 * 2) | 3), unpoke(k));                         /* past the end */
        /* flags */
        DAMAGED(k = poke_word(c, peek_word(c) | 2), unpoke(k));                       /* PREV_USED lies */
        DAMAGED(k = poke_word(b, peek_word(b) | 4), unpoke(k));                       /* a free block "aligned" */
        DAMAGED(k = poke_word(c, peek_word(c) & ~(size_t)1), unpoke(k));              /* two free neighbours */
        DAMAGED(k = poke_word((unsigned char *)c - sizeof(size_t), bsz + GRAIN), unpoke(k));   /* b's footer */
        /* list links: b's neighbours on its list must point back at it */
        if (fits[f] != ALLOC_FIT_GOOD) {
            /* one list in address order: b <-> d */
            DAMAGED(k = poke_word(word_of(d, 2), 0), unpoke(k));                      /* d.prev */
            DAMAGED(k = poke_word(word_of(b, 2), (size_t)(uintptr_t)d), unpoke(k));   /* b.prev */
            DAMAGED(h.heads[0] = d, h.heads[0] = b);                                 /* the head */
            DAMAGED(h.heads[1] = b, h.heads[1] = NULL);                              /* one list only */
            DAMAGED(h.top = 1, h.top = 0);                                           /* no bitmap */
            /* the list reversed, consistently linked: out of address order */
            k = poke_word(word_of(b, 1), 0);
            k2 = poke_word(word_of(b, 2), (size_t)(uintptr_t)d);
            k3 = poke_word(word_of(d, 1), (size_t)(uintptr_t)b);
            k4 = poke_word(word_of(d, 2), 0);
            DAMAGED(h.heads[0] = d, (h.heads[0] = b, unpoke(k), unpoke(k2), unpoke(k3), unpoke(k4)));
            /* b and d linked to each other in a ring that no head leads to */
            k = poke_word(word_of(b, 2), (size_t)(uintptr_t)d);
            k2 = poke_word(word_of(d, 1), (size_t)(uintptr_t)b);
            DAMAGED(h.heads[0] = NULL, (h.heads[0] = b, unpoke(k), unpoke(k2)));
        } else {
            size_t ib = alloc__heap_index(bsz), other = ib == 0 ? 1 : 0;
            DAMAGED(h.heads[ib] = NULL, h.heads[ib] = b);                            /* b unlisted */
            DAMAGED(h.heads[other] = a, h.heads[other] = NULL);                      /* a live block listed */
            DAMAGED(h.heads[other] = b, h.heads[other] = NULL);                      /* b on two lists */
            DAMAGED(h.heads[other] = (alloc__heap_block *)(void *)((unsigned char *)b + 8), h.heads[other] = NULL);
            DAMAGED(h.heads[other] = (alloc__heap_block *)(void *)&h, h.heads[other] = NULL);   /* outside */
            DAMAGED(h.map[other / 32] ^= (uint32_t)1 << (other % 32), h.map[other / 32] ^= (uint32_t)1 << (other % 32));
            DAMAGED(h.top ^= 1u << 31, h.top ^= 1u << 31);                           /* no such word */
            DAMAGED(h.top ^= (uint32_t)1 << (ib / 32), h.top ^= (uint32_t)1 << (ib / 32));
        }
        /* the rover: only next fit has one, and it must be on the list */
        if (fits[f] == ALLOC_FIT_NEXT) {
            alloc__heap_block *rv = h.rover;
            DAMAGED(h.rover = a, h.rover = rv);
        } else {
            DAMAGED(h.rover = b, h.rover = NULL);
        }
        /* the end sentinel: size 0, used, and knowing whether the last block is */
        DAMAGED(k = poke_word(sentinel, peek_word(sentinel) | GRAIN), unpoke(k));
        DAMAGED(k = poke_word(sentinel, peek_word(sentinel) & ~(size_t)1), unpoke(k));
        DAMAGED(k = poke_word(sentinel, peek_word(sentinel) ^ 2), unpoke(k));
        /* the figures and the control block */
        DAMAGED(h.used += GRAIN, h.used -= GRAIN);
        DAMAGED(h.capacity += GRAIN, h.capacity -= GRAIN);
        {
            size_t peak = h.peak;
            DAMAGED(h.peak = 0, h.peak = peak);
        }
        DAMAGED(h.fit = (alloc_fit)7, h.fit = fits[f]);
        {
            alloc__heap_region *regions = h.regions;
            DAMAGED(h.regions = NULL, h.regions = regions);
            DAMAGED(regions->end = regions->first - GRAIN, regions->end = (unsigned char *)sentinel);
            DAMAGED(regions->first += sizeof(size_t) == GRAIN ? 4 : sizeof(size_t), regions->first = (unsigned char *)a);
        }
        /* A block of size 0 in the middle: the walks of stats and dump stop there (no
           endless loop); check says corrupt. */
        k = poke_word(c, peek_word(c) & 7);
        alloc_heap_stats(&h, &st);
        CHECK(st.live_blocks == 1 && st.free_blocks == 1 && st.used == asz);
        t.len = 0;
        alloc_heap_dump(&h, test_text_write, &t);
        CHECK(strstr(t.buf, "in 2 blocks") != NULL);
        DAMAGED((void)0, unpoke(k));
        CHECK(alloc_heap_check(NULL) == ALLOC_ERR_INVALID);
#undef DAMAGED
    }
}

/* Every way a block goes back - free, realloc(p, 0), and the old place of a realloc that
   moves - coalesces with whichever neighbours are free, under every policy. Layout:
   [x][p][y][guard][tail], x and y freed or not first; afterwards the run from x (or p)
   to y (or p) is one free block, the tail stays the other. */
static void test_release_coalesces(void)
{
    const size_t blk = BLOCK(200);
    int f, combo, op;
    for (f = 0; f < 5; f++)
    for (combo = 0; combo < 4; combo++)
    for (op = 0; op < 3; op++) {
        alloc_heap h;
        unsigned char *x, *p, *y, *g, *q = NULL, *start;
        int prev_free = combo & 1, next_free = (combo >> 1) & 1;
        size_t run;
        alloc_stats s;
        REQUIRE(alloc_heap_init(&h, mem, 16384, fits[f]) == ALLOC_OK);
        x = (unsigned char *)alloc_heap_alloc(&h, 200);
        p = (unsigned char *)alloc_heap_alloc(&h, 200);
        y = (unsigned char *)alloc_heap_alloc(&h, 200);
        g = (unsigned char *)alloc_heap_alloc(&h, 200);
        REQUIRE(x != NULL && p == x + blk && y == p + blk && g == y + blk);
        if (prev_free) alloc_heap_free(&h, x);
        if (next_free) alloc_heap_free(&h, y);
        test_fill(p, 200, 9);
        if (op == 0) {
            alloc_heap_free(&h, p);
        } else if (op == 1) {
            CHECK(alloc_heap_realloc(&h, p, 0) == NULL);
        } else {
            q = (unsigned char *)alloc_heap_realloc(&h, p, 3000);   /* y is too small: moves */
            REQUIRE(q != NULL);
            CHECK(q > g && test_intact(q, 200, 9));
        }
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        s = stats_of(&h);
        CHECK(s.free_blocks == 2 && s.live_blocks == (size_t)(1 + !prev_free + !next_free + (op == 2)));
        start = prev_free ? x : p;
        run = blk * (size_t)(1 + prev_free + next_free);
        CHECK(alloc_heap_usable_size(&h, start) == 0);
        /* The run is one hole: first and best fit hand exactly it out again. */
        if (fits[f] == ALLOC_FIT_FIRST || fits[f] == ALLOC_FIT_BEST)
            CHECK(alloc_heap_alloc(&h, run - W) == start);
        else
            CHECK(alloc_heap_alloc(&h, run - W) != NULL);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
    }
}

/* Next fit: the rover sits on the tail after an allocation; a free that coalesces the
   tail into its neighbour keeps the rover valid (on the merged block), so the next
   search starts there. */
static void test_rover_survives_coalescing(void)
{
    alloc_heap h;
    unsigned char *x, *p, *q;
    const size_t blk = BLOCK(300);
    REQUIRE(alloc_heap_init(&h, mem, 8192, ALLOC_FIT_NEXT) == ALLOC_OK);
    x = (unsigned char *)alloc_heap_alloc(&h, 300);
    p = (unsigned char *)alloc_heap_alloc(&h, 300);     /* the rover: the tail after p */
    REQUIRE(x != NULL && p == x + blk);
    alloc_heap_free(&h, x);
    alloc_heap_free(&h, p);                             /* prev (x) and next (the tail) free */
    CHECK(alloc_heap_check(&h) == ALLOC_OK);
    CHECK(stats_of(&h).free_blocks == 1 && h.rover != NULL);
    q = (unsigned char *)alloc_heap_alloc(&h, 300);
    CHECK(q == x);                                      /* the whole heap from its start again */
    CHECK(alloc_heap_check(&h) == ALLOC_OK);
}

/* usable_size is a query: 0 for NULL, a foreign pointer, a pointer inside a block or to
   a freed block, and no report for any of them; blocks in every region are found, also
   one whose previous neighbour is free. */
static void test_usable_size_queries(void)
{
    alloc_heap h;
    unsigned char *a, *b, *c, *r2;
    CHECK(alloc_heap_usable_size(NULL, mem) == 0);
    REQUIRE(alloc_heap_init(&h, mem, 4096, ALLOC_FIT_GOOD) == ALLOC_OK);
    REQUIRE(alloc_heap_add(&h, mem + 8192, 4096) == ALLOC_OK);
    a = (unsigned char *)alloc_heap_alloc(&h, 200);
    b = (unsigned char *)alloc_heap_alloc(&h, 200);
    c = (unsigned char *)alloc_heap_alloc(&h, 3000);    /* region 0 is too small after a, b: region 1 */
    REQUIRE(a != NULL && b != NULL && c != NULL);
    r2 = c;
    alloc_heap_free(&h, a);
    CHECK_REPORTS(0, CHECK(alloc_heap_usable_size(&h, NULL) == 0));
    CHECK_REPORTS(0, CHECK(alloc_heap_usable_size(&h, mem + 6000) == 0));      /* between regions */
    CHECK_REPORTS(0, CHECK(alloc_heap_usable_size(&h, a) == 0));               /* freed */
    CHECK_REPORTS(0, CHECK(alloc_heap_usable_size(&h, b + GRAIN) == 0));       /* inside b */
    CHECK(alloc_heap_usable_size(&h, b) >= 200);                                 /* prev is free */
    CHECK(r2 >= mem + 8192 && alloc_heap_usable_size(&h, r2) >= 3000);          /* region 1 */
    CHECK(alloc_heap_owns(&h, r2) && !alloc_heap_owns(NULL, r2));
    CHECK(alloc_heap_check(&h) == ALLOC_OK && stats_of(&h).error_count == 0);
}

/* The common interface's realloc with an alignment: a block that already has it is
   resized as usual; one that lacks it is moved, and when there is no room for the move
   the call fails with the block untouched. */
static void test_interface_realloc_align(void)
{
    alloc_heap h;
    alloc_allocator al;
    unsigned char *p, *q;
    REQUIRE(alloc_heap_init(&h, mem, 4096, ALLOC_FIT_GOOD) == ALLOC_OK);
    al = alloc_heap_allocator(&h);
    p = (unsigned char *)al.alloc(al.ctx, 100, 256);
    REQUIRE(p != NULL && ALIGNED(p, 256));
    test_fill(p, 100, 3);
    q = (unsigned char *)al.realloc(al.ctx, p, 50, 256);              /* has it: in place */
    CHECK(q == p && test_intact(q, 50, 3));
    q = (unsigned char *)al.realloc(al.ctx, p, 50, 0);                /* no alignment asked */
    CHECK(q == p);
    /* Fill the heap, then ask for an alignment p lacks: no room to move. */
    while (alloc_heap_alloc(&h, 64) != NULL) {}
    if (!ALIGNED(p, 2048)) {
        CHECK(al.realloc(al.ctx, p, 50, 2048) == NULL);
        CHECK(test_intact(p, 50, 3) && alloc_heap_usable_size(&h, p) >= 50);
    }
    CHECK(alloc_heap_check(&h) == ALLOC_OK);
}

/* The dump names each policy, marks aligned blocks in its table, gives 0.0%
   fragmentation for a full heap, and draws a tiny block in a large region as one cell. */
static void test_dump_more(void)
{
    static test_text t;
    alloc_heap h;
    int f;
    char want[64];
    unsigned char *p;
    for (f = 0; f < 5; f++) {
        alloc_heap_init(&h, mem, 4096, fits[f]);
        t.len = 0;
        alloc_heap_dump(&h, test_text_write, &t);
        snprintf(want, sizeof want, ", %s fit: 0 of ", fit_names[f]);
        CHECK(strstr(t.buf, want) != NULL);
    }
    /* 64 bytes past a 1 KiB boundary, so the first block is not already 1024-aligned
       wherever the linker puts mem (there would be no slack to see). */
    alloc_heap_init(&h, mem + alloc__pad((uintptr_t)mem, 1024) + 64, 8192, ALLOC_FIT_FIRST);
    p = (unsigned char *)alloc_heap_alloc_aligned(&h, 100, 1024);
    REQUIRE(p != NULL);
    t.len = 0;
    alloc_heap_dump(&h, test_text_write, &t);
    snprintf(want, sizeof want, " used  %zu bytes, aligned\n", alloc_heap_usable_size(&h, p));
    CHECK(strstr(t.buf, want) != NULL);
    CHECK(strstr(t.buf, ".|#|.") != NULL);                         /* the slack before it stays free */
    /* A full heap: nothing free, no fragmentation. */
    alloc_heap_init(&h, mem, 4096, ALLOC_FIT_GOOD);
    CHECK(alloc_heap_alloc(&h, stats_of(&h).largest_free) != NULL);
    t.len = 0;
    alloc_heap_dump(&h, test_text_write, &t);
    CHECK(strstr(t.buf, "  external fragmentation 0.0% (1 - largest free / free)\n") != NULL);
    CHECK(strstr(t.buf, "in 1 blocks\n  |################################################################|\n") != NULL);
    /* One minimum block at the end of a 64 KiB region is less than a cell: drawn as one. */
    alloc_heap_init(&h, mem, 65536, ALLOC_FIT_FIRST);
    p = (unsigned char *)alloc_heap_alloc(&h, stats_of(&h).largest_free - ALLOC_HEAP_MIN_BLOCK);
    REQUIRE(p != NULL);
    t.len = 0;
    alloc_heap_dump(&h, test_text_write, &t);
    CHECK(strstr(t.buf, "#|.|\n") != NULL);
}

/* The shadow model: live blocks with their size, alignment and fill. */
typedef struct shadow { unsigned char *p; size_t n, align, id; } shadow;

/* The bytes live block p takes, as `used` counts them: its room, the header and, when
   aligned above the grain, the word that keeps the alignment. */
static size_t block_bytes(alloc_heap *h, const void *p, size_t align)
{
    return alloc_heap_usable_size(h, p) + W + (align > ALLOC_HEAP_GRAIN ? W : 0);
}

static size_t random_size(void)
{
    size_t r = test_below(100);
    if (r < 60) return 1 + test_below(64);
    if (r < 90) return 1 + test_below(600);
    if (r < 99) return 1 + test_below(5000);
    return 1 + test_below(40000);
}

static void random_run(alloc_fit fit, const char *name, size_t steps, size_t max_live)
{
    static union { unsigned char b[3][1 << 18]; long double ld; } buf;
    static shadow live[4096];
    alloc_heap h;
    size_t nlive = 0, step, next_id = 1, i, fails = 0, used = 0, peak = 0;
    alloc_stats s;
    alloc_heap_init(&h, buf.b[1], sizeof buf.b[1], fit);
    alloc_heap_add(&h, buf.b[0], sizeof buf.b[0]);
    for (step = 0; step < steps; step++) {
        size_t op = test_below(100);
        if (step == steps / 3) alloc_heap_add(&h, buf.b[2], sizeof buf.b[2]);   /* grows mid-run */
        if ((op < 50 && nlive < max_live) || nlive == 0) {
            size_t n = random_size(), align = 0;
            unsigned char *p;
            if (op < 5) {
                align = (size_t)1 << (1 + test_below(12));
                p = (unsigned char *)alloc_heap_alloc_aligned(&h, n, align);
            } else if (op < 8) {
                size_t k = 1 + test_below(4);
                p = (unsigned char *)alloc_heap_calloc(&h, k, n);
                n *= k;
                if (p != NULL) REQUIRE(p[0] == 0 && p[n / 2] == 0 && p[n - 1] == 0);
            } else {
                p = (unsigned char *)alloc_heap_alloc(&h, n);
            }
            if (p == NULL) { fails++; continue; }
            REQUIRE(ALIGNED(p, align ? align : ALLOC_HEAP_ALIGN));
            REQUIRE(alloc_heap_usable_size(&h, p) >= n);
            test_fill(p, n, next_id);
            live[nlive].p = p; live[nlive].n = n; live[nlive].align = align; live[nlive].id = next_id++;
            used += block_bytes(&h, p, align);
            nlive++;
        } else if (op < 85) {
            size_t k = test_below(nlive);
            REQUIRE(test_intact(live[k].p, live[k].n, live[k].id));
            used -= block_bytes(&h, live[k].p, live[k].align);
            alloc_heap_free(&h, live[k].p);
            live[k] = live[--nlive];
        } else {
            size_t k = test_below(nlive), n = test_below(4) == 0 ? live[k].n / 2 + 1 : random_size();
            size_t old = block_bytes(&h, live[k].p, live[k].align);
            unsigned char *p = (unsigned char *)alloc_heap_realloc(&h, live[k].p, n);
            if (p == NULL) {
                fails++;
                REQUIRE(test_intact(live[k].p, live[k].n, live[k].id));
                continue;
            }
            REQUIRE(ALIGNED(p, live[k].align ? live[k].align : ALLOC_HEAP_ALIGN));
            REQUIRE(test_intact(p, n < live[k].n ? n : live[k].n, live[k].id));
            test_fill(p, n, live[k].id);
            {
                size_t now = block_bytes(&h, p, live[k].align);
                /* a move holds both blocks at once, a peak of its own; in place does not */
                if (p != live[k].p && used + now > peak) peak = used + now;
                used = used - old + now;
            }
            live[k].p = p;
            live[k].n = n;
        }
        if (used > peak) peak = used;
        if (step % 4096 == 0 || step == steps - 1) {
            /* used is exact, and the peak counts only bytes that were handed out (with
               ALLOC_DEBUG a block holds its guards too: not the layout this adds up) */
            s = stats_of(&h);
            REQUIRE(TEST_LAYOUT_SKIPPED || (s.used == used && s.peak_used == peak));
            if (alloc_heap_check(&h) != ALLOC_OK) {
                fprintf(stderr, "%s: check failed at step %zu\n", name, step);
                REQUIRE(0);
            }
            for (i = 0; i < nlive; i++) REQUIRE(test_intact(live[i].p, live[i].n, live[i].id));
        }
    }
    s = stats_of(&h);
    CHECK(s.error_count == 0 && s.live_blocks == nlive);
    for (i = 0; i < nlive; i++) alloc_heap_free(&h, live[i].p);
    s = stats_of(&h);
    CHECK(s.used == 0 && s.free_blocks == 3 && alloc_heap_check(&h) == ALLOC_OK);
    CHECK(fails < steps / 10);
}

static void test_random_good(void)  { test_seed_from_env(); random_run(ALLOC_FIT_GOOD, "good", test_scaled(1000000), 400); }
static void test_random_first(void) { test_seed_from_env(); random_run(ALLOC_FIT_FIRST, "first", test_scaled(1000000), 200); }
static void test_random_next(void)  { test_seed_from_env(); random_run(ALLOC_FIT_NEXT, "next", test_scaled(1000000), 200); }
static void test_random_best(void)  { test_seed_from_env(); random_run(ALLOC_FIT_BEST, "best", test_scaled(1000000), 200); }
static void test_random_worst(void) { test_seed_from_env(); random_run(ALLOC_FIT_WORST, "worst", test_scaled(1000000), 200); }

int main(void)
{
    (void)fit_names;
    TEST_RUN_LAYOUT(test_init);
    TEST_RUN_LAYOUT(test_lecture);
    TEST_RUN_LAYOUT(test_fit_choice);
    TEST_RUN_LAYOUT(test_placement);
    TEST_RUN(test_bad_input);
    TEST_RUN(test_misuse);
    TEST_RUN_LAYOUT(test_aligned);
    TEST_RUN_LAYOUT(test_realloc);
    TEST_RUN_LAYOUT(test_aligned_realloc_asks_what_was_asked);
    TEST_RUN(test_calloc);
    TEST_RUN_LAYOUT(test_regions);
    TEST_RUN_LAYOUT(test_one_byte);
    TEST_RUN(test_allocator_interface);
    TEST_RUN_LAYOUT(test_dump);
    TEST_RUN_LAYOUT(test_check_catches_corruption);
    TEST_RUN_LAYOUT(test_release_coalesces);
    TEST_RUN_LAYOUT(test_rover_survives_coalescing);
    TEST_RUN(test_usable_size_queries);
    TEST_RUN(test_interface_realloc_align);
    TEST_RUN_LAYOUT(test_dump_more);
    TEST_RUN(test_random_good);
    TEST_RUN(test_random_first);
    TEST_RUN(test_random_next);
    TEST_RUN(test_random_best);
    TEST_RUN(test_random_worst);
    return test_finish();
}
