/* Arena tests: each call, the marks, chained and parent blocks, bad input, and a long
   random run against a shadow model. */
#include "test.h"
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"


/* Pointer-aligned (tcc aligns a static char array to 1), so capacities are exact. */
static union { unsigned char b[1 << 16]; void *align; } mem_u;
#define mem mem_u.b

static void test_init(void)
{
    alloc_arena a;
    alloc_stats s;
    CHECK(alloc_arena_init(NULL, mem, sizeof mem) == ALLOC_ERR_INVALID);
    CHECK(alloc_arena_init(&a, NULL, sizeof mem) == ALLOC_ERR_INVALID);
    CHECK(alloc_arena_init(&a, mem, 0) == ALLOC_ERR_TOO_SMALL);
    CHECK(alloc_arena_init(&a, mem, sizeof(alloc_arena_block)) == ALLOC_ERR_TOO_SMALL);
    CHECK(alloc_arena_init(&a, mem + 1, ALLOC_ARENA_BLOCK_OVERHEAD) == ALLOC_ERR_TOO_SMALL);
    CHECK(alloc_arena_init(&a, mem + 1, ALLOC_ARENA_BLOCK_OVERHEAD + 1) == ALLOC_OK);
    CHECK(alloc_arena_alloc(&a, 1, 1) != NULL);
    CHECK(alloc_arena_alloc(&a, 1, 1) == NULL);
    CHECK(alloc_arena_init(&a, mem, sizeof mem) == ALLOC_OK);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    alloc_arena_stats(&a, &s);
    CHECK(s.capacity == sizeof mem - sizeof(alloc_arena_block));
    CHECK(s.used == 0 && s.free == s.capacity && s.largest_free == s.capacity);
    CHECK(s.live_blocks == 0 && s.alloc_count == 0);
}

static void test_alloc_alignment(void)
{
    alloc_arena a;
    size_t align;
    unsigned char *prev_end = NULL;
    alloc_arena_init(&a, mem, sizeof mem);
    for (align = 1; align <= 4096; align *= 2) {
        unsigned char *p = (unsigned char *)alloc_arena_alloc(&a, 3, align);
        REQUIRE(p != NULL);
        CHECK(ALIGNED(p, align));
        CHECK(prev_end == NULL || p >= prev_end);   /* bump order, no overlap */
        prev_end = p + 3;
        CHECK(alloc_arena_owns(&a, p) && alloc_arena_owns(&a, p + 2));
    }
    CHECK(alloc_arena_alloc(&a, 8, 0) != NULL);   /* 0 means 1 */
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
}

static void test_bad_input(void)
{
    alloc_arena a;
    alloc_stats before, after;
    size_t k, align;
    alloc_arena_init(&a, mem, sizeof mem);
    alloc_arena_alloc(&a, 10, 1);
    alloc_arena_stats(&a, &before);
    CHECK(alloc_arena_alloc(&a, 0, 8) == NULL);
    CHECK(alloc_arena_alloc(&a, 16, 3) == NULL);
    CHECK(alloc_arena_alloc(&a, 16, 24) == NULL);
    CHECK(alloc_arena_alloc(&a, 16, (size_t)-1) == NULL);
    for (k = 0; k <= 64; k++)
        for (align = 1; align <= 4096; align *= 4)
            CHECK(alloc_arena_alloc(&a, SIZE_MAX - k, align) == NULL);
    CHECK(alloc_arena_alloc(&a, sizeof mem, 1) == NULL);
    alloc_arena_stats(&a, &after);
    CHECK(after.used == before.used && after.live_blocks == before.live_blocks);
    CHECK(after.alloc_count == before.alloc_count);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
}

static void test_exhaust_and_reset(void)
{
    alloc_arena a;
    alloc_stats s;
    size_t n = 0;
    unsigned char *p;
    alloc_arena_init(&a, mem, 1024);
    while ((p = (unsigned char *)alloc_arena_alloc(&a, 10, 1)) != NULL) { test_fill(p, 10, n); n++; }
    alloc_arena_stats(&a, &s);
    CHECK(n == s.capacity / 10);
    CHECK(s.live_blocks == n && s.fail_count == 1);
    CHECK(s.free < 10);
    alloc_arena_reset(&a);
    alloc_arena_stats(&a, &s);
    CHECK(s.used == 0 && s.live_blocks == 0 && s.peak_used == n * 10);
    CHECK(alloc_arena_alloc(&a, s.capacity, 1) != NULL);   /* the whole block again */
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
}

static void test_million_one_byte(void)
{
    static union { unsigned char b[1 << 20]; void *align; } big_u;
    unsigned char *big = big_u.b;
    alloc_arena a;
    size_t n = 0;
    alloc_arena_init(&a, big, sizeof big_u.b);
    while (alloc_arena_alloc(&a, 1, 1) != NULL) n++;
    CHECK(n > 1000000);
    CHECK(n == sizeof big_u.b - sizeof(alloc_arena_block));   /* no byte of overhead */
}

static void test_marks(void)
{
    alloc_arena a;
    alloc_arena_mark m0, m1, m2;
    unsigned char *p, *q, *r;
    alloc_stats s;
    alloc_arena_init(&a, mem, 4096);
    p = (unsigned char *)alloc_arena_alloc(&a, 100, 8);
    test_fill(p, 100, 1);
    m0 = alloc_arena_save(&a);
    q = (unsigned char *)alloc_arena_alloc(&a, 200, 8);
    m1 = alloc_arena_save(&a);
    r = (unsigned char *)alloc_arena_alloc(&a, 300, 8);
    m2 = alloc_arena_save(&a);
    CHECK(q != NULL && r != NULL);
    alloc_arena_restore(&a, m2);                 /* nothing after m2: no change */
    alloc_arena_restore(&a, m1);
    alloc_arena_stats(&a, &s);
    CHECK(s.live_blocks == 2);
    CHECK(alloc_arena_alloc(&a, 300, 8) == r);    /* r's space is free again */
    alloc_arena_restore(&a, m1);
    alloc_arena_restore(&a, m1);                  /* the same mark twice: allowed */
    alloc_arena_restore(&a, m0);
    CHECK(alloc_arena_alloc(&a, 200, 8) == q);
    CHECK(test_intact(p, 100, 1));                /* what came before the mark survives */
    /* m2 is now ahead of the top: stale, refused, nothing changes. */
    alloc_arena_restore(&a, m0);
    CHECK_REPORTS(1, alloc_arena_restore(&a, m2));
    CHECK(test_last_error == ALLOC_ERR_STALE_MARK);
    CHECK(alloc_arena_alloc(&a, 8, 1) != NULL);
    /* A mark from before a reset is stale even where its position looks valid. */
    alloc_arena_reset(&a);
    alloc_arena_alloc(&a, 2000, 1);
    CHECK_REPORTS(1, alloc_arena_restore(&a, m0));
    alloc_arena_stats(&a, &s);
    CHECK(s.error_count == 2 && s.live_blocks == 1);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
}

static void test_mark_other_arena(void)
{
    alloc_arena a, b;
    alloc_arena_mark m;
    alloc_arena_init(&a, mem, 1024);
    alloc_arena_init(&b, mem + 1024, 1024);
    m = alloc_arena_save(&a);
    alloc_arena_alloc(&b, 10, 1);
    CHECK_REPORTS(1, alloc_arena_restore(&b, m));
    CHECK(test_last_error == ALLOC_ERR_STALE_MARK);
    CHECK(alloc_arena_check(&b) == ALLOC_OK);
}

static void test_newest_in_place(void)
{
    alloc_arena a;
    unsigned char *p, *q, *r;
    alloc_stats s;
    alloc_arena_init(&a, mem, 4096);
    p = (unsigned char *)alloc_arena_alloc(&a, 16, 16);
    q = (unsigned char *)alloc_arena_alloc(&a, 100, 16);
    test_fill(q, 100, 7);
    r = (unsigned char *)alloc_arena_realloc(&a, q, 1000, 16);   /* grow in place */
    CHECK(r == q && test_intact(q, 100, 7));
    r = (unsigned char *)alloc_arena_realloc(&a, q, 50, 16);     /* shrink in place */
    CHECK(r == q && test_intact(q, 50, 7));
    CHECK(alloc_arena_alloc(&a, 1, 1) == q + 50);
    alloc_arena_free(&a, q + 50);                                 /* newest: given back */
    CHECK(alloc_arena_alloc(&a, 1, 1) == q + 50);
    /* Not the newest: realloc moves and copies; free is a no-op. */
    test_fill(p, 16, 3);
    r = (unsigned char *)alloc_arena_realloc(&a, p, 64, 16);
    CHECK(r != NULL && r != p && test_intact(r, 16, 3));
    alloc_arena_free(&a, q);
    alloc_arena_stats(&a, &s);
    CHECK(s.free_count == 1 && s.error_count == 0);
    /* Foreign pointers are refused and reported. */
    CHECK_REPORTS(1, alloc_arena_free(&a, mem + 8192));
    CHECK_REPORTS(1, CHECK(alloc_arena_realloc(&a, mem + 8192, 4, 1) == NULL));
    CHECK(test_last_error == ALLOC_ERR_FOREIGN);
    CHECK_REPORTS(0, alloc_arena_free(&a, NULL));
    /* Growth that does not fit fails and leaves the block as it was. */
    r = (unsigned char *)alloc_arena_alloc(&a, 8, 8);
    test_fill(r, 8, 9);
    CHECK(alloc_arena_realloc(&a, r, 100000, 8) == NULL);
    CHECK(test_intact(r, 8, 9));
    CHECK(alloc_arena_realloc(&a, NULL, 8, 8) != NULL);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
}

static void test_chained_blocks(void)
{
    alloc_arena a;
    alloc_stats s;
    unsigned char *p, *q;
    alloc_arena_mark m;
    alloc_arena_init(&a, mem, 512);
    CHECK(alloc_arena_add(&a, mem + 1024, 1024) == ALLOC_OK);
    CHECK(alloc_arena_add(&a, mem + 4096, 256) == ALLOC_OK);
    CHECK(alloc_arena_add(&a, mem + 100, 100) == ALLOC_ERR_OVERLAP);
    CHECK(alloc_arena_add(&a, mem + 1500, 1000) == ALLOC_ERR_OVERLAP);
    CHECK(alloc_arena_add(&a, mem + 8000, 4) == ALLOC_ERR_TOO_SMALL);
    CHECK(alloc_arena_add(&a, NULL, 4) == ALLOC_ERR_INVALID);
    alloc_arena_stats(&a, &s);
    CHECK(s.free_blocks == 2);
    p = (unsigned char *)alloc_arena_alloc(&a, 400, 1);
    CHECK(p >= mem && p < mem + 512);
    m = alloc_arena_save(&a);
    q = (unsigned char *)alloc_arena_alloc(&a, 400, 1);           /* does not fit: block 1 */
    CHECK(q >= mem + 1024 && q < mem + 2048);
    CHECK(alloc_arena_alloc(&a, 900, 1) == NULL);                 /* fits nowhere now */
    CHECK(alloc_arena_alloc(&a, 200, 1) != NULL);                 /* block 1 still has room */
    alloc_arena_restore(&a, m);                                    /* back into block 0 */
    CHECK(alloc_arena_alloc(&a, 900, 1) != NULL);                 /* block 1 is empty again */
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    alloc_arena_reset(&a);
    CHECK((unsigned char *)alloc_arena_alloc(&a, 1, 1) < mem + 512);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
}

/* A parent that counts what it hands out, over a static pool. */
typedef struct counting_parent { alloc_arena pool; int live, fail_after; } counting_parent;
static void *cp_alloc(void *ctx, size_t size, size_t align)
{
    counting_parent *c = (counting_parent *)ctx;
    void *p;
    if (c->fail_after == 0) return NULL;
    if (c->fail_after > 0) c->fail_after--;
    p = alloc_arena_alloc(&c->pool, size, align);
    if (p) c->live++;
    return p;
}
static void cp_free(void *ctx, void *p) { if (p) ((counting_parent *)ctx)->live--; }

static void test_parent(void)
{
    static unsigned char pool[1 << 18];
    counting_parent cp;
    alloc_allocator parent;
    alloc_arena a;
    alloc_stats s;
    int i;
    unsigned char *p;
    alloc_arena_init(&cp.pool, pool, sizeof pool);
    cp.live = 0;
    cp.fail_after = -1;
    parent.alloc = cp_alloc; parent.realloc = NULL; parent.free = cp_free; parent.ctx = &cp;
    CHECK(alloc_arena_init_parent(&a, parent, 1100) == ALLOC_OK);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    for (i = 0; i < 50; i++) {
        p = (unsigned char *)alloc_arena_alloc(&a, 300, 64);
        REQUIRE(p != NULL);
        CHECK(ALIGNED(p, 64));
        test_fill(p, 300, (size_t)i);
    }
    CHECK(cp.live == 17);                                  /* three 300s per 1100-byte block */
    p = (unsigned char *)alloc_arena_alloc(&a, 5000, 4096); /* larger than a block: its own */
    CHECK(p != NULL && ALIGNED(p, 4096));
    alloc_arena_stats(&a, &s);
    CHECK(s.live_blocks == 51);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    alloc_arena_reset(&a);                                 /* blocks kept for reuse */
    CHECK(cp.live == 18);
    for (i = 0; i < 50; i++) CHECK(alloc_arena_alloc(&a, 300, 64) != NULL);
    CHECK(cp.live == 18);
    cp.fail_after = 0;                                     /* the parent runs dry */
    alloc_arena_stats(&a, &s);
    CHECK(alloc_arena_alloc(&a, 100000, 1) == NULL);
    alloc_arena_stats(&a, &s);
    CHECK(s.fail_count == 1 && s.live_blocks == 50);
    alloc_arena_destroy(&a);
    CHECK(cp.live == 0);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    CHECK(alloc_arena_alloc(&a, 8, 8) == NULL);
}

static void test_allocator_interface(void)
{
    alloc_arena a;
    alloc_allocator al;
    unsigned char *p;
    alloc_arena_init(&a, mem, 4096);
    al = alloc_arena_allocator(&a);
    p = (unsigned char *)al.alloc(al.ctx, 64, 32);
    CHECK(p != NULL && ALIGNED(p, 32));
    test_fill(p, 64, 5);
    p = (unsigned char *)al.realloc(al.ctx, p, 128, 32);
    CHECK(p != NULL && test_intact(p, 64, 5));
    al.free(al.ctx, p);
    CHECK(al.alloc(al.ctx, 8, 1) == p);
    al.free(al.ctx, NULL);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
}

static void test_dump(void)
{
    static test_text t;
    alloc_arena a;
    alloc_arena_init(&a, mem, 512);
    alloc_arena_add(&a, mem + 2048, 512);
    alloc_arena_alloc(&a, 400, 1);
    alloc_arena_alloc(&a, 300, 1);   /* does not fit in block 0: goes to block 1 */
    t.len = 0;
    alloc_arena_dump(&a, test_text_write, &t);
    CHECK(strstr(t.buf, "block 0") != NULL);
    CHECK(strstr(t.buf, "block 1") != NULL);
    CHECK(strstr(t.buf, "<- top") != NULL);
    CHECK(strstr(t.buf, "live 2") != NULL);
    CHECK(strchr(t.buf, '#') != NULL);
}

static void test_result_strings(void)
{
    CHECK(strcmp(alloc_result_string(ALLOC_OK), "ok") == 0);
    CHECK(strcmp(alloc_result_string(ALLOC_ERR_ALIGN), "alignment is not a power of two") == 0);
    CHECK(strcmp(alloc_result_string((alloc_result)1), "unknown result") == 0);
}

/* Every result code has its own text, the one the list in alloc.h gives it. */
static void test_result_strings_all(void)
{
    static const struct { alloc_result r; const char *text; } want[] = {
        { ALLOC_OK, "ok" },
        { ALLOC_ERR_INVALID, "invalid argument" },
        { ALLOC_ERR_TOO_SMALL, "buffer too small for the metadata and one block" },
        { ALLOC_ERR_ALIGN, "alignment is not a power of two" },
        { ALLOC_ERR_OVERFLOW, "size arithmetic overflows" },
        { ALLOC_ERR_NO_MEMORY, "out of memory" },
        { ALLOC_ERR_DOUBLE_FREE, "block is already free" },
        { ALLOC_ERR_FOREIGN, "pointer is not inside this allocator's memory" },
        { ALLOC_ERR_NOT_BLOCK, "pointer is not the start of a live block" },
        { ALLOC_ERR_STALE_MARK, "mark is stale or belongs to another arena" },
        { ALLOC_ERR_CORRUPT, "metadata is inconsistent" },
        { ALLOC_ERR_OVERLAP, "region overlaps memory already under management" },
        { ALLOC_ERR_GUARD, "guard bytes were overwritten: write past the end of a block" },
    };
    size_t i, j;
    for (i = 0; i < sizeof want / sizeof want[0]; i++) {
        CHECK(strcmp(alloc_result_string(want[i].r), want[i].text) == 0);
        CHECK((int)want[i].r == -(int)i);                      /* 0, -1, ... -12: no gap */
        for (j = 0; j < i; j++) CHECK(strcmp(alloc_result_string(want[i].r), alloc_result_string(want[j].r)) != 0);
    }
    CHECK(strcmp(alloc_result_string((alloc_result)-13), "unknown result") == 0);
}

/* check() notices each inconsistency it claims to look for; the arena is whole again
   once the field is put back. Three blocks: one before cur, cur, one after. */
static void test_check_catches_corruption(void)
{
    alloc_arena a, good, pa;
    alloc_arena_block *b0, *b1, *b2, keep;
    unsigned char *p;
    REQUIRE(alloc_arena_init(&a, mem, 512) == ALLOC_OK);
    REQUIRE(alloc_arena_add(&a, mem + 1024, 512) == ALLOC_OK);
    REQUIRE(alloc_arena_add(&a, mem + 2048, 512) == ALLOC_OK);
    CHECK(alloc_arena_alloc(&a, 300, 1) != NULL);
    p = (unsigned char *)alloc_arena_alloc(&a, 300, 1);            /* in block 1 */
    REQUIRE(p != NULL && alloc_arena_check(&a) == ALLOC_OK);
    b0 = a.first;
    b1 = b0->next;
    b2 = b1->next;
    REQUIRE(a.cur == b1 && b2 != NULL && b2->next == NULL);
    good = a;
#define CORRUPT_FIELD(stmt)                                                               \
    do {                                                                                  \
        stmt;                                                                             \
        CHECK(alloc_arena_check(&a) == ALLOC_ERR_CORRUPT);                                \
        a = good;                                                                         \
        CHECK(alloc_arena_check(&a) == ALLOC_OK);                                         \
    } while (0)
    CORRUPT_FIELD(a.dead = a.alloc_count + 1);               /* more released than made */
    CORRUPT_FIELD(a.below++);                                /* bytes before cur miscounted */
    CORRUPT_FIELD(a.end--);                                  /* end is not cur's end */
    CORRUPT_FIELD(a.top = (unsigned char *)(b1 + 1) - 1);    /* top below cur's start */
    CORRUPT_FIELD(a.top = a.end + 1);                        /* top past the end */
    CORRUPT_FIELD(a.last = (unsigned char *)(b1 + 1) - 1);   /* newest below cur's start */
    CORRUPT_FIELD(a.last = a.top + 1);                       /* newest above the top */
    CORRUPT_FIELD(a.cur = NULL);                             /* cur not on the chain */
    CORRUPT_FIELD(a.first = NULL);                           /* no chain, but a cur */
    /* The block headers. */
    keep = *b0;
    b0->top = (unsigned char *)(b0 + 1) - 1;                  /* an earlier block's top */
    CHECK(alloc_arena_check(&a) == ALLOC_ERR_CORRUPT);
    b0->top = b0->end + 1;
    CHECK(alloc_arena_check(&a) == ALLOC_ERR_CORRUPT);
    *b0 = keep;
    b0->end = (unsigned char *)(b0 + 1);                      /* an empty block */
    CHECK(alloc_arena_check(&a) == ALLOC_ERR_CORRUPT);
    b0->end = (unsigned char *)b1 + 1;                        /* overlaps block 1 */
    CHECK(alloc_arena_check(&a) == ALLOC_ERR_CORRUPT);
    *b0 = keep;
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    keep = *b2;
    b2->top++;                                               /* a later block is not empty */
    CHECK(alloc_arena_check(&a) == ALLOC_ERR_CORRUPT);
    *b2 = keep;
    b2->next = b0;                                           /* a cycle */
    CHECK(alloc_arena_check(&a) == ALLOC_ERR_CORRUPT);
    *b2 = keep;
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    /* An arena with no block must have no bump pointer either. */
    REQUIRE(alloc_arena_init(&pa, mem + 4096, 1024) == ALLOC_OK);
    REQUIRE(alloc_arena_init_parent(&a, alloc_arena_allocator(&pa), 0) == ALLOC_OK);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    a.top = mem;
    CHECK(alloc_arena_check(&a) == ALLOC_ERR_CORRUPT);
    a.top = NULL;
    a.end = mem;
    CHECK(alloc_arena_check(&a) == ALLOC_ERR_CORRUPT);
    a.end = NULL;
    a.last = mem;
    CHECK(alloc_arena_check(&a) == ALLOC_ERR_CORRUPT);
    a.last = NULL;
    a.cur = b0;
    CHECK(alloc_arena_check(&a) == ALLOC_ERR_CORRUPT);
    a.cur = NULL;
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    CHECK(alloc_arena_check(NULL) == ALLOC_ERR_INVALID);
#undef CORRUPT_FIELD
}

/* A parent that hands out memory one byte off the pointer grid (breaking the alignment
   it was asked for), or keeps no free function: the arena must not build on the first
   and must give it straight back; without a free, destroy just forgets its blocks. */
typedef struct odd_parent { alloc_arena pool; int skew, allocs, frees; } odd_parent;
static void *op_alloc(void *ctx, size_t size, size_t align)
{
    odd_parent *o = (odd_parent *)ctx;
    unsigned char *p = (unsigned char *)alloc_arena_alloc(&o->pool, size + 1, align);
    o->allocs++;
    return p != NULL ? p + o->skew : NULL;
}
static void op_free(void *ctx, void *p) { (void)p; ((odd_parent *)ctx)->frees++; }

static void test_parent_edges(void)
{
    static unsigned char pool[1 << 15];
    odd_parent op;
    alloc_allocator parent;
    alloc_arena a;
    alloc_stats s;
    unsigned char *p, *q;
    alloc_arena_init(&op.pool, pool, sizeof pool);
    op.skew = 1;
    op.allocs = op.frees = 0;
    parent.alloc = op_alloc; parent.realloc = NULL; parent.free = op_free; parent.ctx = &op;
    REQUIRE(alloc_arena_init_parent(&a, parent, 1024) == ALLOC_OK);
    CHECK(alloc_arena_alloc(&a, 100, 8) == NULL);              /* misaligned block: refused */
    CHECK(op.allocs == 1 && op.frees == 1);                    /* and handed straight back */
    alloc_arena_stats(&a, &s);
    CHECK(s.fail_count == 1 && s.capacity == 0 && s.alloc_count == 0);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    parent.free = NULL;                                        /* a parent that never frees */
    alloc_arena_set_parent(&a, parent, 1024);
    CHECK(alloc_arena_alloc(&a, 100, 8) == NULL);              /* refused, nothing to give back to */
    CHECK(op.allocs == 2 && op.frees == 1);
    /* A request that no block could ever hold is refused before the parent is asked. */
    CHECK(alloc_arena_alloc(&a, SIZE_MAX - 8, 1) == NULL);
    CHECK(op.allocs == 2);
    /* The parent behaves: blocks come, and destroy forgets them without a free call. */
    op.skew = 0;
    p = (unsigned char *)alloc_arena_alloc(&a, 100, 8);
    q = (unsigned char *)alloc_arena_alloc(&a, 2000, 8);       /* a second, larger block */
    CHECK(p != NULL && q != NULL && ALIGNED(p, 8) && ALIGNED(q, 8) && op.allocs == 4);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    alloc_arena_destroy(&a);
    CHECK(op.frees == 1);
    alloc_arena_stats(&a, &s);
    CHECK(s.capacity == 0 && s.used == 0 && s.live_blocks == 0);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    CHECK(alloc_arena_alloc(&a, 100, 8) != NULL && op.allocs == 5);   /* usable again */
    /* A mark saved while the arena had no block restores it to empty, also before the
       arena ever took one. */
    REQUIRE(alloc_arena_init_parent(&a, parent, 1024) == ALLOC_OK);
    {
        alloc_arena_mark m = alloc_arena_save(&a);
        CHECK_REPORTS(0, alloc_arena_restore(&a, m));
        CHECK(alloc_arena_check(&a) == ALLOC_OK && alloc_arena_owns(&a, pool) == 0);
    }
    /* Destroy keeps the caller's blocks and drops the parent's, in any order on the chain. */
    parent.free = op_free;
    op.frees = 0;
    REQUIRE(alloc_arena_init(&a, mem, 512) == ALLOC_OK);
    alloc_arena_set_parent(&a, parent, 1024);
    CHECK(alloc_arena_alloc(&a, 300, 1) != NULL);
    CHECK(alloc_arena_alloc(&a, 300, 1) != NULL);                 /* from the parent */
    CHECK(alloc_arena_add(&a, mem + 4096, 512) == ALLOC_OK);      /* a caller block after it */
    CHECK(alloc_arena_alloc(&a, 900, 1) != NULL);                 /* parent again */
    alloc_arena_stats(&a, &s);
    CHECK(s.live_blocks == 3);
    alloc_arena_destroy(&a);
    CHECK(op.frees == 2);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    alloc_arena_stats(&a, &s);
    CHECK(s.used == 0 && s.capacity == (512 - sizeof(alloc_arena_block)) * 2 && s.free_blocks == 1);
    p = (unsigned char *)alloc_arena_alloc(&a, 300, 1);
    q = (unsigned char *)alloc_arena_alloc(&a, 300, 1);
    CHECK(p >= mem && p < mem + 512 && q >= mem + 4096 && q < mem + 4096 + 512);   /* caller blocks, in order */
}

/* The newest allocation that cannot grow inside its block moves to the next block, its
   bytes copied; blocks may touch without overlapping; headers are not owned bytes. */
static void test_chain_edges(void)
{
    alloc_arena a;
    unsigned char *p, *q;
    REQUIRE(alloc_arena_init(&a, mem + 512, 512) == ALLOC_OK);
    CHECK(alloc_arena_add(&a, mem, 512) == ALLOC_OK);                 /* ends where block 0 starts */
    CHECK(alloc_arena_add(&a, mem + 1024, 512) == ALLOC_OK);          /* starts where it ends */
    CHECK(alloc_arena_add(&a, mem + 1023, 2) == ALLOC_ERR_OVERLAP);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    CHECK(!alloc_arena_owns(&a, mem + 512));                          /* block 0's header */
    CHECK(!alloc_arena_owns(&a, NULL));
    CHECK(alloc_arena_alloc(&a, 100, 8) != NULL);
    p = (unsigned char *)alloc_arena_alloc(&a, 200, 8);
    REQUIRE(p != NULL && p >= mem + 512 && p < mem + 1024);
    CHECK(alloc_arena_owns(&a, p));
    test_fill(p, 200, 4);
    q = (unsigned char *)alloc_arena_realloc(&a, p, 400, 8);           /* more than block 0 has left */
    REQUIRE(q != NULL);
    CHECK(q >= mem && q < mem + 512 && test_intact(q, 200, 4));        /* block 1, bytes copied */
    test_fill(q, 300, 5);
    p = (unsigned char *)alloc_arena_realloc(&a, q, 480, 8);           /* grows in place */
    CHECK(p == q && test_intact(p, 300, 5));
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
}

/* The dump draws each block in its state: the blocks before the top keep the tail they
   were left with ('-'), the current one shows its top, later ones are empty; an arena
   with no block yet says so. */
static void test_dump_states(void)
{
    static test_text t;
    static unsigned char pool[8192];
    alloc_arena a, pa;
    char want[128], bar[41];
    size_t cap = 1024 - sizeof(alloc_arena_block), cells = (600 * 40 + cap - 1) / cap;
    REQUIRE(alloc_arena_init(&pa, pool, sizeof pool) == ALLOC_OK);
    REQUIRE(alloc_arena_init_parent(&a, alloc_arena_allocator(&pa), 1024) == ALLOC_OK);
    t.len = 0;
    alloc_arena_dump(&a, test_text_write, &t);
    CHECK(strstr(t.buf, ": 0 of 0 bytes used (0%), 0 live allocations\n") != NULL);
    CHECK(strstr(t.buf, "  (no blocks yet)\n") != NULL);
    CHECK(strstr(t.buf, "  capacity 0  used 0  free 0  largest free 0  peak 0\n") != NULL);
    REQUIRE(alloc_arena_init(&a, mem, 512 + sizeof(alloc_arena_block)) == ALLOC_OK);
    alloc_arena_add(&a, mem + 1024, 512 + sizeof(alloc_arena_block));
    alloc_arena_add(&a, mem + 2048, 512 + sizeof(alloc_arena_block));
    alloc_arena_set_parent(&a, alloc_arena_allocator(&pa), 1024);
    alloc_arena_alloc(&a, 384, 1);          /* block 0: 3/4 full */
    alloc_arena_alloc(&a, 256, 1);          /* block 1: half */
    t.len = 0;
    alloc_arena_dump(&a, test_text_write, &t);
    CHECK(strstr(t.buf, ": 640 of 1536 bytes used (41%), 2 live allocations\n") != NULL);
    CHECK(strstr(t.buf, "  block 0 caller |##############################----------|    384 / 512   \n") != NULL);
    CHECK(strstr(t.buf, "  block 1 caller |####################....................|    256 / 512     <- top\n") != NULL);
    CHECK(strstr(t.buf, "  block 2 caller |........................................|      0 / 512   \n") != NULL);
    alloc_arena_alloc(&a, 300, 1);          /* block 2 */
    alloc_arena_alloc(&a, 600, 1);          /* a block from the parent */
    t.len = 0;
    alloc_arena_dump(&a, test_text_write, &t);
    memset(bar, '.', 40);
    memset(bar, '#', cells);
    bar[40] = 0;
    snprintf(want, sizeof want, "  block 3 parent |%s|    600 / %-6zu  <- top\n", bar, cap);
    CHECK(strstr(t.buf, want) != NULL);
    CHECK(strstr(t.buf, "  block 1 caller |####################--------------------|    256 / 512   \n") != NULL);
    alloc_arena_destroy(&a);
}

/* Random operations against a shadow model: a stack of live allocations, each with its
   address, size and fill. Marks are pushed and popped; restore drops the newer ones. */
typedef struct shadow { unsigned char *p; size_t n, id; } shadow;
static void test_random(void)
{
    static unsigned char buf[3][1 << 15];
    static shadow live[20000];
    static size_t mark_depth[64];
    static alloc_arena_mark marks[64];
    alloc_arena a;
    int newest_known = 0;
    size_t nlive = 0, nmarks = 0, step, steps = test_scaled(400000), next_id = 1, i;
    alloc_stats s;
    test_seed_from_env();
    alloc_arena_init(&a, buf[0], sizeof buf[0]);
    alloc_arena_add(&a, buf[1], sizeof buf[1]);
    alloc_arena_add(&a, buf[2], sizeof buf[2]);
    for (step = 0; step < steps; step++) {
        size_t op = test_below(100);
        if (op < 70 && nlive < 20000) {
            size_t n = 1 + test_below(test_below(8) == 0 ? 2000 : 40);
            size_t align = (size_t)1 << test_below(9);
            unsigned char *p = (unsigned char *)alloc_arena_alloc(&a, n, align);
            if (p != NULL) {
                REQUIRE(ALIGNED(p, align));
                REQUIRE(alloc_arena_owns(&a, p) && alloc_arena_owns(&a, p + n - 1));
                /* No overlap: the newest block lies above the previous one in its block,
                   or in a later block (check against every live block). */
                if (nlive > 0) {
                    shadow *q = &live[nlive - 1];
                    REQUIRE(p >= q->p + q->n || p + n <= q->p);
                }
                test_fill(p, n, next_id);
                live[nlive].p = p; live[nlive].n = n; live[nlive].id = next_id++;
                nlive++;
                newest_known = 1;
            }
        } else if (op < 78 && nmarks < 64) {
            mark_depth[nmarks] = nlive;
            marks[nmarks++] = alloc_arena_save(&a);
        } else if (op < 86 && nmarks > 0) {
            size_t k = test_below(nmarks);
            alloc_arena_restore(&a, marks[k]);
            nlive = mark_depth[k];
            nmarks = k + 1;
            newest_known = 0;
        } else if (op < 92 && nlive > 0 && (nmarks == 0 || mark_depth[nmarks - 1] < nlive)) {
            /* Free or resize the newest, when no mark was saved after it (a restore to
               such a mark would free what it had grown by, which the model skips). */
            shadow *q = &live[nlive - 1];
            if (test_below(2)) {
                /* Only an allocation the arena still knows as its newest is given back
                   (after a restore or reset it knows none): its bytes are reused next. */
                alloc_arena_free(&a, q->p);
                if (newest_known) {
                    nlive--;
                    REQUIRE(alloc_arena_alloc(&a, 1, 1) == q->p);
                    alloc_arena_free(&a, q->p);
                }
                newest_known = 0;
            } else {
                size_t n = 1 + test_below(500);
                unsigned char *p = (unsigned char *)alloc_arena_realloc(&a, q->p, n, 1);
                if (p != NULL) {
                    REQUIRE(test_intact(p, n < q->n ? n : q->n, q->id));
                    test_fill(p, n, q->id);
                    newest_known = 1;
                    if (p != q->p) {
                        live[nlive].p = p; live[nlive].n = n; live[nlive].id = q->id;
                        q->id = 0; q->n = 0;     /* the old copy stays allocated, unchecked */
                        nlive++;
                    } else {
                        q->n = n;
                    }
                }
            }
        } else if (op == 99) {
            alloc_arena_reset(&a);
            nlive = 0;
            nmarks = 0;
            newest_known = 0;
        }
        if (step % 1024 == 0 || step == steps - 1) {
            REQUIRE(alloc_arena_check(&a) == ALLOC_OK);
            for (i = 0; i < nlive; i++) REQUIRE(test_intact(live[i].p, live[i].n, live[i].id));
        }
    }
    alloc_arena_stats(&a, &s);
    CHECK(s.error_count == 0);
}

/* The less travelled branches: each refusal and each corner of the chain. */
static void test_edges(void)
{
    static unsigned char pool[8192];
    alloc_arena a, pa;
    alloc_allocator none, parent;
    alloc_arena_mark m;
    unsigned char *p, *q;
    memset(&none, 0, sizeof none);
    alloc_arena_init(&pa, pool, sizeof pool);
    parent = alloc_arena_allocator(&pa);
    CHECK(alloc_arena_init_parent(NULL, parent, 0) == ALLOC_ERR_INVALID);
    CHECK(alloc_arena_init_parent(&a, none, 0) == ALLOC_ERR_INVALID);
    CHECK(alloc_arena_set_parent(NULL, parent, 0) == ALLOC_ERR_INVALID);
    CHECK(alloc_arena_owns(NULL, mem) == 0);
    /* A parent-only arena: a mark saved before any block restores to empty; a caller
       block added to it becomes its first block. */
    REQUIRE(alloc_arena_init_parent(&a, parent, 0) == ALLOC_OK);
    m = alloc_arena_save(&a);
    CHECK(alloc_arena_owns(&a, mem) == 0);
    CHECK(alloc_arena_add(&a, mem, 256) == ALLOC_OK);
    p = (unsigned char *)alloc_arena_alloc(&a, 100, 8);
    CHECK(p >= mem && p < mem + 256);
    q = (unsigned char *)alloc_arena_alloc(&a, 1000, 8);         /* from the parent (64 KiB default too big) */
    CHECK(q == NULL);
    alloc_arena_set_parent(&a, parent, 2048);
    q = (unsigned char *)alloc_arena_alloc(&a, 1000, 8);
    CHECK(q >= pool && q < pool + sizeof pool);
    alloc_arena_restore(&a, m);
    CHECK(alloc_arena_alloc(&a, 100, 8) == p);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    /* realloc corners: bad alignment, alignment 0, size 0 frees the newest, wrap-around. */
    alloc_arena_init(&a, mem, 1024);
    p = (unsigned char *)alloc_arena_alloc(&a, 10, 8);
    CHECK(alloc_arena_realloc(&a, p, 20, 3) == NULL);
    CHECK(alloc_arena_realloc(&a, p, 20, 0) == p);
    CHECK(alloc_arena_realloc(&a, p, 0, 8) == NULL);
    CHECK(alloc_arena_alloc(&a, 10, 8) == p);                     /* it was given back */
    CHECK(alloc_arena_realloc(&a, p, SIZE_MAX, 8) == NULL);
    CHECK(alloc_arena_realloc(&a, p, 64, 512) != NULL);           /* moves to meet the alignment */
    CHECK(alloc_arena_add(&a, mem + 4096, SIZE_MAX) == ALLOC_ERR_OVERFLOW);
    /* A mark whose block is ahead of the current block is stale. */
    alloc_arena_init(&a, mem, 256);
    alloc_arena_add(&a, mem + 1024, 256);
    alloc_arena_alloc(&a, 200, 1);
    alloc_arena_alloc(&a, 200, 1);                                 /* now in block 1 */
    m = alloc_arena_save(&a);
    alloc_arena_reset(&a);
    m.generation = a.generation;                                   /* forge past the reset */
    CHECK_REPORTS(1, alloc_arena_restore(&a, m));
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
}

int main(void)
{
    TEST_RUN_LAYOUT(test_init);
    TEST_RUN(test_alloc_alignment);
    TEST_RUN(test_bad_input);
    TEST_RUN_LAYOUT(test_exhaust_and_reset);
    TEST_RUN_LAYOUT(test_million_one_byte);
    TEST_RUN(test_marks);
    TEST_RUN(test_mark_other_arena);
    TEST_RUN_LAYOUT(test_newest_in_place);
    TEST_RUN_LAYOUT(test_chained_blocks);
    TEST_RUN_LAYOUT(test_parent);
    TEST_RUN(test_allocator_interface);
    TEST_RUN_LAYOUT(test_dump);
    TEST_RUN(test_result_strings);
    TEST_RUN(test_result_strings_all);
    TEST_RUN(test_check_catches_corruption);
    TEST_RUN_LAYOUT(test_parent_edges);
    TEST_RUN_LAYOUT(test_chain_edges);
    TEST_RUN_LAYOUT(test_dump_states);
    TEST_RUN_LAYOUT(test_edges);
    TEST_RUN_LAYOUT(test_random);
    return test_finish();
}
