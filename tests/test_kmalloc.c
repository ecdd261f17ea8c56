/* kmalloc tests: size classes over slab caches whose slabs come from a buddy, large
   requests straight to the buddy; free and realloc with no size; misuse; a random run
   against a shadow model. */
#include "test.h"
/* A slab table of two entries: most slabs collide in it, so the path that asks the
   buddy is exercised as much as the table's. */
#define ALLOC_KMALLOC_SLAB_TABLE 2
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"


#define PAGE ((size_t)4096)
#define PAGES ((size_t)256)   /* 1 MiB of "physical memory" */

static unsigned char raw[(1 << 21) + (1 << 20)];
/* A buddy of `pages` pages over memory aligned to 1 MiB. */
static void make_buddy(alloc_buddy *b, size_t pages)
{
    unsigned char *m = raw + alloc__pad((uintptr_t)raw, (size_t)1 << 20);
#ifdef TEST_ASAN
    ASAN_UNPOISON_MEMORY_REGION(raw, sizeof raw);
#elif defined(ALLOC_VALGRIND)
    (void)VALGRIND_MAKE_MEM_DEFINED(raw, sizeof raw);
#endif
    REQUIRE(alloc_buddy_init(b, m, ALLOC_BUDDY_BUFFER_SIZE(pages, PAGE), PAGE) == ALLOC_OK);
}

static const size_t classes[] = {16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048};

static size_t class_for(size_t n)
{
    size_t i;
    for (i = 0; i < sizeof classes / sizeof classes[0]; i++) if (classes[i] >= n) return classes[i];
    return 0;
}

static void test_init(void)
{
    alloc_buddy b, tiny;
    alloc_kmalloc k;
    make_buddy(&b, PAGES);
    CHECK(alloc_kmalloc_init(NULL, &b) == ALLOC_ERR_INVALID);
    CHECK(alloc_kmalloc_init(&k, NULL) == ALLOC_ERR_INVALID);
    CHECK(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
    /* A buddy of one 4 KiB page: slabs of 4 KiB, the largest classes go to the buddy. */
    {
        static unsigned char one[2 * 4096 + 64];
        unsigned char *m = one + alloc__pad((uintptr_t)one, 4096);
        void *p;
        REQUIRE(alloc_buddy_init(&tiny, m, ALLOC_BUDDY_BUFFER_SIZE(1, PAGE), PAGE) == ALLOC_OK);
        CHECK(alloc_kmalloc_init(&k, &tiny) == ALLOC_OK);
        CHECK(k.slab_size == 4096);
        p = alloc_kmalloc_alloc(&k, 100);
        CHECK(p != NULL && alloc_kmalloc_usable_size(&k, p) == 128);
        CHECK(alloc_kmalloc_alloc(&k, 5000) == NULL);   /* the one page is a slab now */
        CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
        alloc_kmalloc_free(&k, p);
        CHECK(alloc_kmalloc_shrink(&k) == 4096);
        p = alloc_kmalloc_alloc(&k, 3000);                /* the page again, as a large block */
        CHECK(p == m && alloc_kmalloc_usable_size(&k, p) == 4096);
        alloc_kmalloc_free(&k, p);
        CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
    }
    /* A buddy whose largest block is 1 KiB: slabs of 1 KiB; the classes from 1024 bytes
       up do not fit one and go to the buddy (which cannot serve them either). */
    {
        static unsigned char kb[2048 + 64];
        static test_text t;
        unsigned char *m = kb + alloc__pad((uintptr_t)kb, 1024);
        REQUIRE(alloc_buddy_init(&tiny, m, ALLOC_BUDDY_BUFFER_SIZE(64, 16), 16) == ALLOC_OK);
        CHECK(alloc_kmalloc_init(&k, &tiny) == ALLOC_OK);
        CHECK(k.slab_size == 1024 && k.nclasses == 11);
        CHECK(alloc_kmalloc_alloc(&k, 700) != NULL);     /* kmalloc-768: the 1 KiB slab */
        CHECK(alloc_kmalloc_alloc(&k, 1000) == NULL);    /* to the buddy: it is full */
        t.len = 0;
        alloc_kmalloc_dump(&k, test_text_write, &t);
        CHECK(strstr(t.buf, "1024   (to the buddy: no room in a slab)") != NULL);
        CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
    }
    /* A buddy with no block of 1 KiB cannot hold a slab. */
    {
        static unsigned char sb[512 + 64];
        unsigned char *m = sb + alloc__pad((uintptr_t)sb, 512);
        REQUIRE(alloc_buddy_init(&tiny, m, ALLOC_BUDDY_BUFFER_SIZE(32, 16), 16) == ALLOC_OK);
        CHECK(alloc_kmalloc_init(&k, &tiny) == ALLOC_ERR_TOO_SMALL);
    }
}

static void test_classes(void)
{
    alloc_buddy b;
    alloc_kmalloc k;
    alloc_stats st;
    void *p[2100];
    size_t n;
    make_buddy(&b, PAGES);
    REQUIRE(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    CHECK(alloc_kmalloc_alloc(&k, 0) == NULL);
    /* every size up to 64, then every 37th and each class boundary (1 MiB would not hold
       one block of every size up to 2048) */
    for (n = 1; n <= 2048; n++) {
        p[n] = NULL;
        if (n > 64 && n % 37 != 0 && class_for(n) != n && class_for(n - 1) == class_for(n)) continue;
        p[n] = alloc_kmalloc_alloc(&k, n);
        REQUIRE(p[n] != NULL);
        CHECK(ALIGNED(p[n], 16));
        CHECK(alloc_kmalloc_usable_size(&k, p[n]) == class_for(n));
        test_fill(p[n], n, n);
    }
    for (n = 2049; n < 2100; n += 50) {
        p[n] = alloc_kmalloc_alloc(&k, n);
        REQUIRE(p[n] != NULL);
        CHECK(alloc_kmalloc_usable_size(&k, p[n]) == 4096 && ALIGNED(p[n], 4096));
        test_fill(p[n], n, n);
    }
    CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
    alloc_kmalloc_stats(&k, &st);
    CHECK(st.error_count == 0 && st.fail_count == 0);
    for (n = 1; n <= 2048; n++) if (p[n]) { CHECK(test_intact(p[n], n, n)); alloc_kmalloc_free(&k, p[n]); }
    for (n = 2049; n < 2100; n += 50) { CHECK(test_intact(p[n], n, n)); alloc_kmalloc_free(&k, p[n]); }
    alloc_kmalloc_stats(&k, &st);
    CHECK(st.live_blocks == 0 && st.used == 0 && st.alloc_count == st.free_count);
    CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
    CHECK(alloc_kmalloc_shrink(&k) > 0);
    {
        alloc_stats bs;
        alloc_buddy_stats(&b, &bs);
        CHECK(bs.used == 0 && bs.largest_free == PAGES * PAGE);   /* all merged back */
    }
    alloc_kmalloc_destroy(&k);
    CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
}

static void test_misuse(void)
{
    alloc_buddy b;
    alloc_kmalloc k;
    alloc_stats st;
    unsigned char *s, *l, local[32];
    make_buddy(&b, PAGES);
    REQUIRE(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    s = (unsigned char *)alloc_kmalloc_alloc(&k, 40);
    l = (unsigned char *)alloc_kmalloc_alloc(&k, 10000);
    REQUIRE(s != NULL && l != NULL);
    CHECK_REPORTS(0, alloc_kmalloc_free(&k, NULL));
    CHECK_REPORTS(1, alloc_kmalloc_free(&k, s + 16));          /* inside an object */
    CHECK(test_last_error == ALLOC_ERR_NOT_BLOCK);
    CHECK_REPORTS(1, alloc_kmalloc_free(&k, l + 64));          /* inside a large block */
    CHECK(test_last_error == ALLOC_ERR_NOT_BLOCK);
    CHECK_REPORTS(1, alloc_kmalloc_free(&k, (void *)((uintptr_t)s & ~(uintptr_t)(k.slab_size - 1))));   /* a slab */
    CHECK(test_last_error == ALLOC_ERR_NOT_BLOCK);
    CHECK_REPORTS(1, alloc_kmalloc_free(&k, local));           /* not in the buddy */
    CHECK(test_last_error == ALLOC_ERR_FOREIGN);
    alloc_kmalloc_free(&k, s);
    CHECK_REPORTS(1, alloc_kmalloc_free(&k, s));               /* double free, small */
    CHECK(test_last_error == ALLOC_ERR_DOUBLE_FREE);
    alloc_kmalloc_free(&k, l);
    CHECK_REPORTS(1, alloc_kmalloc_free(&k, l));               /* double free, large */
    CHECK_REPORTS(1, CHECK(alloc_kmalloc_realloc(&k, l, 10) == NULL));
    alloc_kmalloc_stats(&k, &st);
    CHECK(st.error_count == 7 && st.live_blocks == 0);
    CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
}

static void test_realloc(void)
{
    alloc_buddy b;
    alloc_kmalloc k;
    unsigned char *p, *q;
    make_buddy(&b, PAGES);
    REQUIRE(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    p = (unsigned char *)alloc_kmalloc_realloc(&k, NULL, 20);
    REQUIRE(p != NULL);
    test_fill(p, 20, 1);
    CHECK(alloc_kmalloc_realloc(&k, p, 32) == p);              /* same class: in place */
    q = (unsigned char *)alloc_kmalloc_realloc(&k, p, 100);    /* class 128: moved */
    CHECK(q != p && test_intact(q, 20, 1) && alloc_kmalloc_usable_size(&k, q) == 128);
    test_fill(q, 100, 2);
    p = (unsigned char *)alloc_kmalloc_realloc(&k, q, 5000);   /* to a large block */
    CHECK(p != NULL && test_intact(p, 100, 2) && alloc_kmalloc_usable_size(&k, p) == 8192);
    test_fill(p, 5000, 3);
    q = (unsigned char *)alloc_kmalloc_realloc(&k, p, 20000);  /* large to large */
    CHECK(q != NULL && test_intact(q, 5000, 3) && alloc_kmalloc_usable_size(&k, q) == 32768);
    p = (unsigned char *)alloc_kmalloc_realloc(&k, q, 50);     /* back to a class */
    CHECK(p != NULL && test_intact(p, 50, 3) && alloc_kmalloc_usable_size(&k, p) == 64);
    CHECK(alloc_kmalloc_realloc(&k, p, (size_t)1 << 30) == NULL);   /* too big: p stays */
    CHECK(test_intact(p, 50, 3));
    CHECK(alloc_kmalloc_realloc(&k, p, 0) == NULL);
    CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
    {
        alloc_stats st;
        alloc_kmalloc_stats(&k, &st);
        CHECK(st.live_blocks == 0 && st.error_count == 0);
    }
}

static void test_allocator(void)
{
    alloc_buddy b;
    alloc_kmalloc k;
    alloc_allocator al;
    void *p, *q;
    make_buddy(&b, PAGES);
    REQUIRE(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    al = alloc_kmalloc_allocator(&k);
    p = al.alloc(al.ctx, 100, 8);
    CHECK(p != NULL && ALIGNED(p, 16));
    q = al.alloc(al.ctx, 100, 4096);
    CHECK(q != NULL && ALIGNED(q, 4096));
    CHECK(al.alloc(al.ctx, 100, 48) == NULL);
    test_fill(q, 100, 5);
    q = al.realloc(al.ctx, q, 200, 8192);
    CHECK(q != NULL && ALIGNED(q, 8192) && test_intact(q, 100, 5));
    p = al.realloc(al.ctx, p, 300, 16);
    CHECK(p != NULL);
    CHECK(al.realloc(al.ctx, q, 100, 4096) == q);               /* fits, aligned: kept */
    test_fill(p, 300, 6);
    q = al.realloc(al.ctx, p, 300, 1024);                       /* moved to an aligned block */
    CHECK(q != NULL && ALIGNED(q, 1024) && test_intact(q, 300, 6));
    p = al.realloc(al.ctx, NULL, 10, 64);
    CHECK(p != NULL && ALIGNED(p, 64));
    CHECK(al.realloc(al.ctx, p, 0, 64) == NULL);                /* frees */
    CHECK_REPORTS(1, CHECK(al.realloc(al.ctx, (unsigned char *)q + 8, 10, 64) == NULL));
    al.free(al.ctx, q);
    CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
    /* check finds a slab table entry that is not a slab */
    {
        size_t e;
        for (e = 0; e < ALLOC_KMALLOC_SLAB_TABLE && k.slabs[e] == NULL; e++) {}
        if (e < ALLOC_KMALLOC_SLAB_TABLE) {
            void *keep = k.slabs[e];
            k.slabs[e] = (unsigned char *)keep + 1;
            CHECK(alloc_kmalloc_check(&k) == ALLOC_ERR_CORRUPT);
            k.slabs[e] = keep;
        }
        CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
    }
}

/* check() looks at the class table, the slab table, every cache and the buddy. */
static void test_check_catches_corruption(void)
{
    static alloc_kmalloc k, good;
    alloc_buddy b, bgood;
    unsigned char *small, *large;
    size_t li;
    make_buddy(&b, PAGES);
    REQUIRE(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    small = (unsigned char *)alloc_kmalloc_alloc(&k, 100);
    large = (unsigned char *)alloc_kmalloc_alloc(&k, k.slab_size);      /* a block of one slab's size */
    REQUIRE(small != NULL && large != NULL && alloc_kmalloc_usable_size(&k, large) == k.slab_size);
    REQUIRE(alloc_kmalloc_check(&k) == ALLOC_OK);
    good = k;
    bgood = b;
#define DAMAGED(stmt)                                                                     \
    do {                                                                                  \
        stmt;                                                                             \
        CHECK(alloc_kmalloc_check(&k) == ALLOC_ERR_CORRUPT);                              \
        k = good;                                                                         \
        b = bgood;                                                                        \
        CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);                                       \
    } while (0)
    DAMAGED(k.nclasses = ALLOC_KMALLOC_CLASSES + 1);
    DAMAGED(k.class_of[1] = (unsigned char)k.nclasses);                 /* a class with no cache */
    DAMAGED(k.class_of[10] = 0);                                        /* 160 bytes in kmalloc-16 */
    DAMAGED(k.caches[0].live++);                                        /* a cache is damaged */
    DAMAGED(b.used += PAGE);                                            /* the buddy is */
    /* the slab table: an entry filed under the wrong index, or one that is not a slab */
    li = ((uintptr_t)large / k.slab_size) & (ALLOC_KMALLOC_SLAB_TABLE - 1);
    DAMAGED(k.slabs[li] = large);
    {
        void *sb = (void *)((uintptr_t)small & ~(uintptr_t)(k.slab_size - 1));
        size_t si = ((uintptr_t)sb / k.slab_size) & (ALLOC_KMALLOC_SLAB_TABLE - 1);
        CHECK(k.slabs[si] == sb);                                       /* the first slab has its entry */
        DAMAGED(k.slabs[si ^ 1] = sb);
    }
    k.buddy = NULL;
    CHECK(alloc_kmalloc_check(&k) == ALLOC_ERR_INVALID);
    k = good;
    CHECK(alloc_kmalloc_check(NULL) == ALLOC_ERR_INVALID);
    CHECK(alloc_kmalloc_usable_size(&k, NULL) == 0);
    alloc_kmalloc_free(&k, large);
    alloc_kmalloc_free(&k, small);
    CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
#undef DAMAGED
}

/* A buddy whose min block is larger than a slab: the slabs are min blocks. The common
   interface's realloc to an alignment the buddy cannot give fails, the block untouched. */
static void test_big_min_block(void)
{
    alloc_buddy b;
    alloc_kmalloc k;
    alloc_allocator al;
    unsigned char *m = raw + alloc__pad((uintptr_t)raw, (size_t)1 << 20), *p, *q;
    REQUIRE(alloc_buddy_init(&b, m, ALLOC_BUDDY_BUFFER_SIZE(8, 32768), 32768) == ALLOC_OK);
    REQUIRE(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    CHECK(k.slab_size == 32768);
    p = (unsigned char *)alloc_kmalloc_alloc(&k, 100);
    CHECK(p != NULL && alloc_kmalloc_usable_size(&k, p) == 128);
    q = (unsigned char *)alloc_kmalloc_alloc(&k, 2048);
    CHECK(q != NULL && alloc_kmalloc_usable_size(&k, q) == 2048);
    CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
    al = alloc_kmalloc_allocator(&k);
    test_fill(p, 100, 4);
    CHECK(al.realloc(al.ctx, p, 100, (size_t)1 << 18) == NULL);          /* the whole buddy: taken */
    CHECK(test_intact(p, 100, 4) && alloc_kmalloc_usable_size(&k, p) == 128);
    alloc_kmalloc_free(&k, p);
    alloc_kmalloc_free(&k, q);
    CHECK(alloc_kmalloc_shrink(&k) == 2 * 32768);
    CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
}

static void test_dump(void)
{
    static test_text t;
    alloc_buddy b;
    alloc_kmalloc k;
    int i;
    make_buddy(&b, PAGES);
    REQUIRE(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    for (i = 0; i < 300; i++) alloc_kmalloc_alloc(&k, 64);
    alloc_kmalloc_alloc(&k, 9000);
    t.len = 0;
    alloc_kmalloc_dump(&k, test_text_write, &t);
    CHECK(strstr(t.buf, "kmalloc") != NULL && strstr(t.buf, "large   1 blocks, 16384 bytes") != NULL);
    CHECK(strstr(t.buf, "300") != NULL);
    if (getenv("TEST_VERBOSE")) fputs(t.buf, stdout);
}

/* Random run: mixed sizes (mostly small, some large), alloc / free / realloc, against a
   shadow list of live blocks with their contents. */
typedef struct live { unsigned char *p; size_t n, id; } live;

static size_t random_size(void)
{
    size_t r = test_below(100);
    if (r < 70) return 1 + test_below(256);
    if (r < 95) return 1 + test_below(2048);
    return 2049 + test_below(30000);
}

static void test_random(void)
{
    static live L[3000];
    alloc_buddy b;
    alloc_kmalloc k;
    size_t n = 0, step, id = 0, ops = test_scaled(400000);
    test_seed_from_env();
    make_buddy(&b, PAGES);
    REQUIRE(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    for (step = 0; step < ops; step++) {
        size_t r = test_below(100);
        if (r < 1) {
            alloc_kmalloc_shrink(&k);
        } else if (n < 3000 && (n == 0 || r < 50)) {
            size_t sz = random_size();
            unsigned char *p = (unsigned char *)alloc_kmalloc_alloc(&k, sz);
            if (p == NULL) continue;
            CHECK(ALIGNED(p, 16) && alloc_kmalloc_usable_size(&k, p) >= sz);
            test_fill(p, sz, id);
            L[n].p = p; L[n].n = sz; L[n].id = id++;
            n++;
        } else if (r < 80) {
            size_t j = test_below(n);
            CHECK(test_intact(L[j].p, L[j].n, L[j].id));
            alloc_kmalloc_free(&k, L[j].p);
            L[j] = L[--n];
        } else {
            size_t j = test_below(n), sz = random_size(), keep;
            unsigned char *q = (unsigned char *)alloc_kmalloc_realloc(&k, L[j].p, sz);
            if (q == NULL) { CHECK(test_intact(L[j].p, L[j].n, L[j].id)); continue; }
            keep = sz < L[j].n ? sz : L[j].n;
            CHECK(test_intact(q, keep, L[j].id));
            test_fill(q, sz, L[j].id);
            L[j].p = q; L[j].n = sz;
        }
        if (step % 2000 == 0) {
            alloc_stats st;
            CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
            alloc_kmalloc_stats(&k, &st);
            CHECK(st.live_blocks == n && st.error_count == 0);
        }
    }
    while (n > 0) { n--; CHECK(test_intact(L[n].p, L[n].n, L[n].id)); alloc_kmalloc_free(&k, L[n].p); }
    alloc_kmalloc_shrink(&k);
    CHECK(alloc_kmalloc_check(&k) == ALLOC_OK);
    {
        alloc_stats bs;
        alloc_buddy_stats(&b, &bs);
        CHECK(bs.used == 0);
    }
}

int main(void)
{
    test_seed_from_env();
    TEST_RUN_LAYOUT(test_init);
    TEST_RUN_LAYOUT(test_classes);
    TEST_RUN(test_misuse);
    TEST_RUN_LAYOUT(test_realloc);
    TEST_RUN(test_allocator);
    TEST_RUN_LAYOUT(test_dump);
    TEST_RUN(test_check_catches_corruption);
    TEST_RUN_LAYOUT(test_big_min_block);
    TEST_RUN(test_random);
    return test_finish();
}
