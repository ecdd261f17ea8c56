/* Slab cache tests: geometry (Bonwick's 1/8 rule), each call, the partial-before-empty
   rule, object caching (constructor once per object, destructor for every constructed
   object, links never in a constructed object), misuse, a failing source, and a long
   random run against a shadow model with shrink in between. */
#include "test.h"
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"


/* Under AddressSanitizer the caches poison free objects; a test that takes the shared
   memory again unpoisons it first, and one that pokes a free object's link opens it
   (TEST_OPEN, test.h). */

/* Memory aligned to 64 KiB, carved by hand from a larger static array. */
static unsigned char raw[(1 << 20) + (1 << 16)];
static unsigned char *aligned_mem(void)
{
#ifdef TEST_ASAN
    ASAN_UNPOISON_MEMORY_REGION(raw, sizeof raw);
#elif defined(ALLOC_VALGRIND)
    (void)VALGRIND_MAKE_MEM_DEFINED(raw, sizeof raw);
#endif
    return raw + alloc__pad((uintptr_t)raw, (size_t)1 << 16);
}
#define MEM_SIZE ((size_t)1 << 20)

static alloc_slab_desc desc(size_t size, size_t align, size_t slab_size)
{
    alloc_slab_desc d;
    memset(&d, 0, sizeof d);
    d.name = "test";
    d.size = size;
    d.align = align;
    d.slab_size = slab_size;
    return d;
}

/* A source of fixed-size, self-aligned pages: a free list over a caller region, so
   shrink and regrow reuse memory. It can be told to fail. */
typedef struct page_pool {
    unsigned char *base;
    size_t page, count, live, fail_after;   /* fail_after: (size_t)-1 never */
    void *free;
    size_t allocs, frees;
} page_pool;
static void *pp_alloc(void *ctx, size_t size, size_t align)
{
    page_pool *pp = (page_pool *)ctx;
    void *p;
    if (size > pp->page || align > pp->page || pp->free == NULL) return NULL;
    if (pp->fail_after == 0) return NULL;
    if (pp->fail_after != (size_t)-1) pp->fail_after--;
    p = pp->free;
    pp->free = *(void **)p;
    pp->live++;
    pp->allocs++;
    return p;
}
static void pp_free(void *ctx, void *p)
{
    page_pool *pp = (page_pool *)ctx;
    if (p == NULL) return;
    *(void **)p = pp->free;
    pp->free = p;
    pp->live--;
    pp->frees++;
}
static alloc_allocator pp_init(page_pool *pp, unsigned char *base, size_t page, size_t count)
{
    alloc_allocator al;
    size_t i;
    pp->base = base;
    pp->page = page;
    pp->count = count;
    pp->live = 0;
    pp->fail_after = (size_t)-1;
    pp->free = NULL;
    pp->allocs = pp->frees = 0;
    for (i = count; i-- > 0;) {
        *(void **)(void *)(base + i * page) = pp->free;
        pp->free = base + i * page;
    }
    al.alloc = pp_alloc;
    al.realloc = NULL;
    al.free = pp_free;
    al.ctx = pp;
    return al;
}

static void *null_alloc(void *ctx, size_t size, size_t align) { (void)ctx; (void)size; (void)align; return NULL; }

/* A source that breaks the contract: its blocks are 8 bytes off the slab alignment. */
static void *skew_alloc(void *ctx, size_t size, size_t align)
{
    unsigned char *p = (unsigned char *)pp_alloc(ctx, size, align);
    return p ? p + 8 : NULL;
}
static void skew_free(void *ctx, void *p) { pp_free(ctx, (unsigned char *)p - 8); }

static void noop_dtor(void *o, void *user) { (void)o; (void)user; }

static void test_geometry(void)
{
    static const size_t sizes[] = {1, 8, 16, 24, 40, 64, 100, 200, 256, 500, 1000, 2048, 3000, 10000};
    static unsigned char page[4096];
    alloc_slab s;
    alloc_slab_info in;
    alloc_slab_desc d;
    alloc_allocator src;
    page_pool pp;
    size_t i;
    src = pp_init(&pp, aligned_mem(), 4096, 16);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int ctor;
        for (ctor = 0; ctor < 2; ctor++) {
            d = desc(sizes[i], 0, 0);
            if (ctor) d.dtor = noop_dtor;   /* links outside the objects: a stack per slab */
            REQUIRE(alloc_slab_init(&s, &d, src) == ALLOC_OK);
            alloc_slab_get_info(&s, &in);
            CHECK(in.object_size >= sizes[i] && in.object_size % sizeof(void *) == 0);
            CHECK(in.align == sizeof(void *));
            CHECK(alloc__is_pow2(in.slab_size) && in.slab_size >= ALLOC_SLAB_MIN_SIZE);
            CHECK(in.objects_per_slab >= 1);
            CHECK(in.wasted_per_slab == in.slab_size - in.objects_per_slab * in.object_size);
            CHECK(in.header_bytes + in.objects_per_slab * in.object_size <= in.slab_size);
            /* Bonwick's rule: at most 1/8 wasted, and the next smaller slab would not do. */
            /* (the free stack's 2 bytes per object count with the object) */
            CHECK((in.wasted_per_slab - (ctor ? 2 * in.objects_per_slab : 0)) * 8 <= in.slab_size);
            if (in.slab_size > ALLOC_SLAB_MIN_SIZE) {
                alloc_slab t;
                alloc_slab_info ti;
                d.slab_size = in.slab_size / 2;
                if (alloc_slab_init(&t, &d, src) == ALLOC_OK) {
                    alloc_slab_get_info(&t, &ti);
                    CHECK((ti.wasted_per_slab - (ctor ? 2 * ti.objects_per_slab : 0)) * 8 > ti.slab_size);
                }
            }
            CHECK(alloc_slab_check(&s) == ALLOC_OK);
        }
    }
    /* Worked example (64-bit): 64-byte objects in 512-byte slabs: a 48-byte header and a
       one-word bitmap (64 granules of 8 bytes) leave 456 bytes: 7 objects, 8 wasted + 56. */
    d = desc(64, 0, 512);
    REQUIRE(alloc_slab_init_buffer(&s, &d, page, sizeof page) == ALLOC_OK);
    alloc_slab_get_info(&s, &in);
    CHECK(in.slab_size == 512);
    if (sizeof(void *) == 8 && sizeof(size_t) == 8) {
        CHECK(in.header_bytes == 56 && in.objects_per_slab == 7 && in.wasted_per_slab == 64);
    }
    CHECK(in.objects_per_slab == (512 - in.header_bytes) / 64);
    /* With a constructor: 2 bytes of free stack per object as well. */
    d.ctor = noop_dtor;
    REQUIRE(alloc_slab_init_buffer(&s, &d, page, sizeof page) == ALLOC_OK);
    alloc_slab_get_info(&s, &in);
    if (sizeof(void *) == 8 && sizeof(size_t) == 8) {
        CHECK(in.header_bytes == 72 && in.objects_per_slab == 6);
    }
    /* Alignment: 24 bytes aligned to 16 become 32-byte objects on a 16-byte grid. */
    d = desc(24, 16, 0);
    REQUIRE(alloc_slab_init(&s, &d, src) == ALLOC_OK);
    alloc_slab_get_info(&s, &in);
    CHECK(in.object_size == 32 && in.align == 16);
}

static void test_bad_init(void)
{
    alloc_slab s, before;
    alloc_slab_desc d;
    alloc_allocator src, nosrc;
    page_pool pp;
    src = pp_init(&pp, aligned_mem(), 4096, 4);
    memset(&nosrc, 0, sizeof nosrc);
    memset(&s, 0x5A, sizeof s);
    before = s;
    d = desc(32, 0, 0);
    CHECK(alloc_slab_init(NULL, &d, src) == ALLOC_ERR_INVALID);
    CHECK(alloc_slab_init(&s, NULL, src) == ALLOC_ERR_INVALID);
    CHECK(alloc_slab_init(&s, &d, nosrc) == ALLOC_ERR_INVALID);
    d = desc(0, 0, 0);
    CHECK(alloc_slab_init(&s, &d, src) == ALLOC_ERR_INVALID);
    d = desc(32, 3, 0);
    CHECK(alloc_slab_init(&s, &d, src) == ALLOC_ERR_ALIGN);
    d = desc(32, 24, 0);
    CHECK(alloc_slab_init(&s, &d, src) == ALLOC_ERR_ALIGN);
    d = desc(32, 0, 1000);
    CHECK(alloc_slab_init(&s, &d, src) == ALLOC_ERR_INVALID);
    d = desc(5000, 0, 4096);                       /* larger than a slab can hold */
    CHECK(alloc_slab_init(&s, &d, src) == ALLOC_ERR_TOO_SMALL);
    d = desc(4096, 0, 4096);                       /* the header needs room too */
    CHECK(alloc_slab_init(&s, &d, src) == ALLOC_ERR_TOO_SMALL);
    d = desc(ALLOC_SLAB_MAX_SIZE, 0, 0);
    CHECK(alloc_slab_init(&s, &d, src) == ALLOC_ERR_TOO_SMALL);
    d = desc(SIZE_MAX, 0, 0);
    CHECK(alloc_slab_init(&s, &d, src) == ALLOC_ERR_OVERFLOW);
    d = desc(SIZE_MAX - 5, 64, 0);
    CHECK(alloc_slab_init(&s, &d, src) == ALLOC_ERR_OVERFLOW);
    d = desc(32, 8192, 4096);                      /* alignment beyond the slab */
    CHECK(alloc_slab_init(&s, &d, src) == ALLOC_ERR_TOO_SMALL);
    d = desc(32, 0, 0);
    CHECK(alloc_slab_init_buffer(&s, &d, NULL, 4096) == ALLOC_ERR_INVALID);
    CHECK(alloc_slab_init_buffer(&s, &d, aligned_mem(), 100) == ALLOC_ERR_TOO_SMALL);
    CHECK(alloc_slab_init_buffer(&s, &d, aligned_mem(), 0) == ALLOC_ERR_TOO_SMALL);
    d = desc(32, 0, 4096);
    CHECK(alloc_slab_init_buffer(&s, &d, aligned_mem() + 8, 4096) == ALLOC_ERR_TOO_SMALL);
    CHECK(memcmp(&s, &before, sizeof s) == 0);   /* untouched on failure */
}

static void test_alloc_free_exact(void)
{
    unsigned char *mem = aligned_mem();
    alloc_slab s;
    alloc_slab_desc d = desc(48, 16, 1024);
    alloc_slab_info in;
    alloc_stats st;
    unsigned char *p[64];
    size_t i, n;
    REQUIRE(alloc_slab_init_buffer(&s, &d, mem, 2048) == ALLOC_OK);
    alloc_slab_get_info(&s, &in);
    n = in.objects_per_slab;
    CHECK(in.object_size == 48 && in.align == 16 && n == (1024 - in.header_bytes) / 48);
    CHECK(in.header_bytes % 16 == 0);
    alloc_slab_stats(&s, &st);
    CHECK(st.capacity == 0 && st.live_blocks == 0);
    /* The first slab's objects come in address order from the first one. */
    for (i = 0; i < n; i++) {
        p[i] = (unsigned char *)alloc_slab_alloc(&s);
        REQUIRE(p[i] != NULL);
        CHECK(p[i] == mem + in.header_bytes + i * 48);
        CHECK(ALIGNED(p[i], 16));
        CHECK(alloc_slab_owns(&s, p[i]));
        test_fill(p[i], 48, i);
        CHECK(alloc_slab_check(&s) == ALLOC_OK);
    }
    /* The second slab starts at the next 1024. */
    p[n] = (unsigned char *)alloc_slab_alloc(&s);
    CHECK(p[n] == mem + 1024 + in.header_bytes);
    CHECK(alloc_slab_alloc(&s) == mem + 1024 + in.header_bytes + 48);
    alloc_slab_get_info(&s, &in);
    CHECK(in.slabs_full == 1 && in.slabs_partial == 1 && in.slabs_empty == 0 && in.objects_live == n + 2);
    /* LIFO: the object just freed is the next one handed out. */
    alloc_slab_free(&s, p[3]);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    alloc_slab_get_info(&s, &in);
    CHECK(in.slabs_full == 0 && in.slabs_partial == 2);
    for (i = 0; i < n; i++) if (i != 3) CHECK(test_intact(p[i], 48, i));
    alloc_slab_stats(&s, &st);
    CHECK(st.live_blocks == n + 1 && st.free_count == 1 && st.alloc_count == n + 2);
    CHECK(st.capacity == 2 * n * 48 && st.used == (n + 1) * 48 && st.free == (n - 1) * 48);
    CHECK(st.largest_free == 48 && st.peak_used == (n + 2) * 48);
    /* The buffer holds two slabs: once both are full, alloc fails and nothing changes. */
    while (alloc_slab_alloc(&s) != NULL) {}
    alloc_slab_stats(&s, &st);
    CHECK(st.live_blocks == 2 * n && st.fail_count == 1 && st.free == 0 && st.largest_free == 0);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    CHECK(alloc_slab_alloc(&s) == NULL);
    alloc_slab_free(&s, p[5]);
    CHECK(alloc_slab_alloc(&s) == p[5]);
    CHECK_REPORTS(0, alloc_slab_free(&s, NULL));
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
}

static void test_partial_before_empty(void)
{
    unsigned char *mem = aligned_mem();
    alloc_slab s;
    alloc_slab_desc d = desc(64, 0, 512);
    alloc_slab_info in;
    unsigned char *a[16], *b[16], *c[16], *q;
    size_t i, n;
    REQUIRE(alloc_slab_init_buffer(&s, &d, mem, 4 * 512) == ALLOC_OK);
    alloc_slab_get_info(&s, &in);
    n = in.objects_per_slab;
    REQUIRE(n >= 3 && n <= 16);
    for (i = 0; i < n; i++) a[i] = (unsigned char *)alloc_slab_alloc(&s);
    for (i = 0; i < n; i++) b[i] = (unsigned char *)alloc_slab_alloc(&s);
    for (i = 0; i < n; i++) c[i] = (unsigned char *)alloc_slab_alloc(&s);
    CHECK(a[0] >= mem && a[0] < mem + 512 && b[0] >= mem + 512 && b[0] < mem + 1024 && c[0] >= mem + 1024);
    alloc_slab_get_info(&s, &in);
    CHECK(in.slabs_full == 3 && in.slabs_partial == 0 && in.slabs_empty == 0);
    /* B becomes empty, A partial (one object free). */
    for (i = 0; i < n; i++) alloc_slab_free(&s, b[i]);
    alloc_slab_free(&s, a[2]);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    alloc_slab_get_info(&s, &in);
    CHECK(in.slabs_full == 1 && in.slabs_partial == 1 && in.slabs_empty == 1);
    /* The partial slab A is used before the empty slab B. */
    q = (unsigned char *)alloc_slab_alloc(&s);
    CHECK(q == a[2]);
    q = (unsigned char *)alloc_slab_alloc(&s);
    CHECK(q == b[n - 1]);                      /* then the empty one (its last freed object) */
    alloc_slab_get_info(&s, &in);
    CHECK(in.slabs_full == 2 && in.slabs_partial == 1 && in.slabs_empty == 0);
    /* The current slab (B) empties while A has become partial: A is taken next. */
    alloc_slab_free(&s, a[7 % n]);
    alloc_slab_free(&s, q);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    alloc_slab_get_info(&s, &in);
    CHECK(in.slabs_empty == 1 && in.slabs_partial == 1);
    CHECK(alloc_slab_alloc(&s) == a[7 % n]);
    /* A full slab that gets a free while the current slab is empty goes first too. */
    for (i = 0; i < n; i++) alloc_slab_free(&s, c[i]);     /* C: empty, on the list */
    alloc_slab_get_info(&s, &in);
    CHECK(in.slabs_empty == 2 && in.slabs_full == 1);
    q = (unsigned char *)alloc_slab_alloc(&s);               /* A is full: an empty slab, */
    CHECK(q == c[n - 1]);                                     /* the latest emptied first */
    alloc_slab_free(&s, q);                                   /* cur empty again */
    alloc_slab_free(&s, a[1]);                                /* A: full -> partial */
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    CHECK(alloc_slab_alloc(&s) == a[1]);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    /* shrink gives the empty slabs back (to the buffer's spares), and they are reused. */
    CHECK(alloc_slab_shrink(&s) == 2 * 512);
    alloc_slab_get_info(&s, &in);
    CHECK(in.slabs_empty == 0 && in.slabs_full == 1 && in.slabs_partial == 0);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    q = (unsigned char *)alloc_slab_alloc(&s);
    CHECK(q >= mem + 512 && q < mem + 1536);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
}

/* Constructor / destructor bookkeeping: the constructor stamps each object with a pattern
   derived from its address and counts; the destructor checks the stamp and counts. */
typedef struct obj_counts { size_t ctor, dtor, bad; size_t size; } obj_counts;
static unsigned char stamp_of(const void *o, size_t i) { return (unsigned char)(((uintptr_t)o >> 3) * 13u + i * 29u + 5u); }
static void stamp_ctor(void *o, void *user)
{
    obj_counts *c = (obj_counts *)user;
    size_t i;
    for (i = 0; i < c->size; i++) ((unsigned char *)o)[i] = stamp_of(o, i);
    c->ctor++;
}
static int stamped(const void *o, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) if (((const unsigned char *)o)[i] != stamp_of(o, i)) return 0;
    return 1;
}
static void restamp(void *o, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) ((unsigned char *)o)[i] = stamp_of(o, i);
}
static void stamp_dtor(void *o, void *user)
{
    obj_counts *c = (obj_counts *)user;
    if (!stamped(o, c->size)) c->bad++;
    c->dtor++;
}

static void test_ctor_dtor(void)
{
    page_pool pp;
    alloc_allocator src = pp_init(&pp, aligned_mem(), 4096, 32);
    obj_counts cnt;
    alloc_slab s;
    alloc_slab_desc d = desc(40, 8, 4096);
    alloc_slab_info in;
    void *p[400];
    size_t i, n, r;
    memset(&cnt, 0, sizeof cnt);
    cnt.size = 40;
    d.ctor = stamp_ctor;
    d.dtor = stamp_dtor;
    d.user = &cnt;
    REQUIRE(alloc_slab_init(&s, &d, src) == ALLOC_OK);
    alloc_slab_get_info(&s, &in);
    n = in.objects_per_slab;
    CHECK(cnt.ctor == 0);                                  /* nothing made yet */
    p[0] = alloc_slab_alloc(&s);
    CHECK(cnt.ctor == n && pp.live == 1);                 /* a whole slab, once each */
    CHECK(stamped(p[0], 40));
    /* Alloc and free many times: no more constructor calls. */
    for (r = 0; r < 100; r++) {
        void *q = alloc_slab_alloc(&s);
        CHECK(stamped(q, 40));
        alloc_slab_free(&s, q);
    }
    CHECK(cnt.ctor == n && cnt.dtor == 0);
    /* Fill three slabs' worth, then free them all. */
    for (i = 1; i < 3 * n; i++) { p[i] = alloc_slab_alloc(&s); CHECK(p[i] != NULL && stamped(p[i], 40)); }
    CHECK(cnt.ctor == 3 * n && pp.live == 3);
    for (i = 0; i < 3 * n; i += 2) alloc_slab_free(&s, p[i]);
    for (i = 1; i < 3 * n; i += 2) alloc_slab_free(&s, p[i]);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    CHECK(cnt.dtor == 0);                                  /* free runs no destructor */
    /* Reallocate from the cache: the constructed bytes were never touched by the links. */
    for (i = 0; i < 3 * n; i++) { p[i] = alloc_slab_alloc(&s); CHECK(stamped(p[i], 40)); }
    CHECK(cnt.ctor == 3 * n && pp.live == 3);
    /* Free one slab's worth (the first), shrink: the destructor runs for each of its objects. */
    for (i = 0; i < n; i++) alloc_slab_free(&s, p[i]);
    alloc_slab_get_info(&s, &in);
    CHECK(in.slabs_empty == 1);
    CHECK(alloc_slab_shrink(&s) == 4096);
    CHECK(cnt.dtor == n && pp.live == 2 && cnt.bad == 0);
    CHECK(alloc_slab_shrink(&s) == 0);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    /* One more slab partly used, then destroy: every constructed object, live or free. */
    p[0] = alloc_slab_alloc(&s);   /* a new slab: constructed */
    CHECK(cnt.ctor == 4 * n);
    alloc_slab_destroy(&s);
    CHECK(cnt.dtor == 4 * n && cnt.ctor == cnt.dtor && cnt.bad == 0 && pp.live == 0);
    alloc_slab_get_info(&s, &in);
    CHECK(in.ctor_calls == 4 * n && in.dtor_calls == 4 * n);
    CHECK(in.slabs_full + in.slabs_partial + in.slabs_empty == 0 && in.objects_live == 0);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    /* The cache is usable again. */
    p[0] = alloc_slab_alloc(&s);
    CHECK(p[0] != NULL && stamped(p[0], 40));
    alloc_slab_destroy(&s);
    CHECK(pp.live == 0);
}

/* The user changes its object while live and restores the constructed state before
   freeing it; objects of a cache with only a destructor are not touched either. */
static void test_links_outside(void)
{
    page_pool pp;
    alloc_allocator src = pp_init(&pp, aligned_mem(), 1024, 64);
    obj_counts cnt;
    alloc_slab s;
    alloc_slab_desc d = desc(8, 8, 1024);     /* objects as small as a link */
    void *p[1000];
    size_t i, n = 0, k;
    memset(&cnt, 0, sizeof cnt);
    cnt.size = 8;
    d.ctor = stamp_ctor;
    d.user = &cnt;
    REQUIRE(alloc_slab_init(&s, &d, src) == ALLOC_OK);
    for (i = 0; i < 1000; i++) if ((p[n] = alloc_slab_alloc(&s)) != NULL) n++;
    CHECK(n == 1000);
    test_srand(7);
    for (k = 0; k < 20000; k++) {
        size_t j = test_below(n);
        CHECK(stamped(p[j], 8));
        alloc_slab_free(&s, p[j]);
        p[j] = alloc_slab_alloc(&s);
        REQUIRE(p[j] != NULL);
    }
    for (i = 0; i < n; i++) CHECK(stamped(p[i], 8));
    {
        alloc_slab_info in;
        alloc_slab_get_info(&s, &in);
        CHECK(cnt.ctor == pp.live * in.objects_per_slab && in.ctor_calls == cnt.ctor);
    }
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    alloc_slab_destroy(&s);
    CHECK(pp.live == 0);
}

/* A new slab of a plain cache costs O(1): the first alloc touches the header and the one
   object it hands out, nothing else of the slab (firmware's bounded time per call). The
   objects then come out in address order, and a freed one is reused first. */
static void test_new_slab_bounded(void)
{
    unsigned char *m = aligned_mem();
    alloc_slab s;
    alloc_slab_desc d = desc(32, 0, 4096);
    unsigned char *p, *q, *r;
    size_t i, touched = 0;
    memset(m, 0xA5, 4096);
    REQUIRE(alloc_slab_init_buffer(&s, &d, m, 4096) == ALLOC_OK);
    p = (unsigned char *)alloc_slab_alloc(&s);
    REQUIRE(p != NULL && p >= m + s.first && p < m + 4096);
    CHECK(p == m + s.first);
    (void)aligned_mem();   /* the free objects are poisoned: opened to be read */
    for (i = s.first; i < 4096; i++)
        if (m[i] != 0xA5 && (m + i < p || m + i >= p + 32)) touched++;
    CHECK(touched == 0);
    q = (unsigned char *)alloc_slab_alloc(&s);
    CHECK(q == p + s.size);
    alloc_slab_free(&s, p);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    r = (unsigned char *)alloc_slab_alloc(&s);
    CHECK(r == p);                                     /* the freed one first */
    CHECK((unsigned char *)alloc_slab_alloc(&s) == q + s.size);   /* then the never-used */
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    /* run the slab dry, free all, take all again: every object once, in address order */
    while (alloc_slab_alloc(&s) != NULL) {}
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    for (i = 0; i < s.objs; i++) alloc_slab_free(&s, m + s.first + i * s.size);
    CHECK(alloc_slab_check(&s) == ALLOC_OK && s.live == 0);
    for (i = s.objs; i-- > 0;) CHECK(alloc_slab_alloc(&s) == (void *)(m + s.first + i * s.size));
    CHECK(alloc_slab_alloc(&s) == NULL && alloc_slab_check(&s) == ALLOC_OK);
}

static void test_misuse(void)
{
    page_pool pp;
    alloc_allocator src = pp_init(&pp, aligned_mem(), 4096, 16);
    obj_counts cnt;
    alloc_slab s, t, u;
    alloc_slab_desc d = desc(24, 8, 4096), dc = desc(24, 8, 4096);
    alloc_stats st;
    unsigned char *p, *q, *r, *o;
    int pass;
    memset(&cnt, 0, sizeof cnt);
    cnt.size = 24;
    dc.ctor = stamp_ctor;
    dc.dtor = stamp_dtor;
    dc.user = &cnt;
    for (pass = 0; pass < 2; pass++) {
        REQUIRE(alloc_slab_init(&s, pass ? &dc : &d, src) == ALLOC_OK);
        REQUIRE(alloc_slab_init(&t, pass ? &dc : &d, src) == ALLOC_OK);
        p = (unsigned char *)alloc_slab_alloc(&s);
        q = (unsigned char *)alloc_slab_alloc(&s);
        r = (unsigned char *)alloc_slab_alloc(&s);
        o = (unsigned char *)alloc_slab_alloc(&t);
        REQUIRE(p && q && r && o);
        test_fill(r, 24, 3);
        alloc_slab_free(&s, q);
        /* double free */
        CHECK_REPORTS(1, alloc_slab_free(&s, q));
        CHECK(test_last_error == ALLOC_ERR_DOUBLE_FREE);
        CHECK(alloc_slab_check(&s) == ALLOC_OK);
        /* interior pointers: on the 8-byte grid, off it, into the header */
        CHECK_REPORTS(1, alloc_slab_free(&s, p + 8));
        CHECK(test_last_error == ALLOC_ERR_NOT_BLOCK);
        CHECK_REPORTS(1, alloc_slab_free(&s, p + 1));
        CHECK(test_last_error == ALLOC_ERR_NOT_BLOCK);
        CHECK_REPORTS(1, alloc_slab_free(&s, r + 16));
        CHECK(test_last_error == ALLOC_ERR_NOT_BLOCK);
        CHECK_REPORTS(1, alloc_slab_free(&s, (unsigned char *)((uintptr_t)p & ~(uintptr_t)4095) + 8));
        CHECK(test_last_error == ALLOC_ERR_NOT_BLOCK);
        /* a pointer past the last object of the slab */
        CHECK_REPORTS(1, alloc_slab_free(&s, (unsigned char *)((uintptr_t)p & ~(uintptr_t)4095) + 4096 - 8));
        CHECK(test_last_error == ALLOC_ERR_NOT_BLOCK || test_last_error == ALLOC_ERR_DOUBLE_FREE);
        /* a pointer from another cache */
        CHECK(!alloc_slab_owns(&s, o) && alloc_slab_owns(&t, o));
        CHECK_REPORTS(1, alloc_slab_free(&s, o));
        CHECK(test_last_error == ALLOC_ERR_FOREIGN);
        /* a free object of this cache that was never handed out */
        CHECK_REPORTS(1, alloc_slab_free(&s, r + 24));
        CHECK(test_last_error == ALLOC_ERR_DOUBLE_FREE);
        CHECK(test_intact(r, 24, 3));
        alloc_slab_stats(&s, &st);
        CHECK(st.error_count == 8 && st.live_blocks == 2 && st.free_count == 1);
        CHECK(alloc_slab_check(&s) == ALLOC_OK && alloc_slab_check(&t) == ALLOC_OK);
        CHECK(alloc_slab_owns(&s, p) && alloc_slab_owns(&s, p + 5) && !alloc_slab_owns(&s, NULL));
        CHECK(!alloc_slab_owns(&s, (unsigned char *)((uintptr_t)p & ~(uintptr_t)4095)));
        /* after destroy, its old objects are foreign */
        alloc_slab_destroy(&t);
        CHECK(alloc_slab_check(&t) == ALLOC_OK);
        alloc_slab_free(&s, p);
        if (pass) restamp(r, 24);   /* a freed object is left in its constructed state */
        alloc_slab_free(&s, r);
        CHECK(alloc_slab_check(&s) == ALLOC_OK);
        alloc_slab_destroy(&s);
        CHECK(pp.live == 0);
    }
    CHECK(cnt.bad == 0 && cnt.ctor == cnt.dtor);
    /* check finds a damaged header */
    REQUIRE(alloc_slab_init(&u, &d, src) == ALLOC_OK);
    p = (unsigned char *)alloc_slab_alloc(&u);
    CHECK(alloc_slab_check(&u) == ALLOC_OK);
    u.cur->nfree++;
    CHECK(alloc_slab_check(&u) == ALLOC_ERR_CORRUPT);
    u.cur->nfree--;
    u.live++;
    CHECK(alloc_slab_check(&u) == ALLOC_ERR_CORRUPT);
    u.live--;
    CHECK(alloc_slab_check(&u) == ALLOC_OK);
    u.mask ^= 1;
    CHECK(alloc_slab_check(&u) == ALLOC_ERR_CORRUPT);
    u.mask ^= 1;
    CHECK(alloc_slab_check(NULL) == ALLOC_ERR_INVALID);
    alloc_slab_destroy(&u);
}

static void test_failing_source(void)
{
    page_pool pp;
    alloc_allocator src = pp_init(&pp, aligned_mem(), 4096, 16), none;
    alloc_slab s;
    alloc_slab_desc d = desc(100, 0, 4096);
    alloc_stats st;
    alloc_slab_info in;
    void *p[200];
    size_t i, n = 0;
    none.alloc = null_alloc;
    none.realloc = NULL;
    none.free = NULL;
    none.ctx = NULL;
    REQUIRE(alloc_slab_init(&s, &d, none) == ALLOC_OK);
    CHECK(alloc_slab_alloc(&s) == NULL);
    CHECK(alloc_slab_alloc(&s) == NULL);
    alloc_slab_stats(&s, &st);
    CHECK(st.fail_count == 2 && st.capacity == 0 && st.live_blocks == 0);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    CHECK(alloc_slab_shrink(&s) == 0);
    alloc_slab_destroy(&s);
    /* A source that gives two slabs and then fails. */
    pp.fail_after = 2;
    REQUIRE(alloc_slab_init(&s, &d, src) == ALLOC_OK);
    alloc_slab_get_info(&s, &in);
    while (n < 200 && (p[n] = alloc_slab_alloc(&s)) != NULL) n++;
    CHECK(n == 2 * in.objects_per_slab);
    CHECK(alloc_slab_alloc(&s) == NULL);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    alloc_slab_free(&s, p[0]);
    CHECK(alloc_slab_alloc(&s) == p[0]);   /* a freed object is still served */
    for (i = 0; i < n; i++) alloc_slab_free(&s, p[i]);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    CHECK(alloc_slab_shrink(&s) == 2 * 4096 && pp.live == 0);
    CHECK(alloc_slab_alloc(&s) == NULL);    /* the source still fails */
    pp.fail_after = (size_t)-1;
    CHECK(alloc_slab_alloc(&s) != NULL);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    alloc_slab_destroy(&s);
    CHECK(pp.live == 0);
    /* A source whose blocks are not aligned to the slab size: refused and given back. */
    src.alloc = skew_alloc;
    src.free = skew_free;
    REQUIRE(alloc_slab_init(&s, &d, src) == ALLOC_OK);
    CHECK(alloc_slab_alloc(&s) == NULL && pp.live == 0);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
}

#ifndef ALLOC_NO_ARENA
static void test_arena_source(void)
{
    alloc_arena a;
    alloc_slab s;
    alloc_slab_desc d = desc(32, 0, 2048);
    void *p[1000];
    size_t i;
    REQUIRE(alloc_arena_init(&a, aligned_mem(), 64 * 1024) == ALLOC_OK);
    REQUIRE(alloc_slab_init(&s, &d, alloc_arena_allocator(&a)) == ALLOC_OK);
    for (i = 0; i < 1000; i++) {
        p[i] = alloc_slab_alloc(&s);
        REQUIRE(p[i] != NULL);
        CHECK(ALIGNED(p[i], 8));
        test_fill(p[i], 32, i);
    }
    for (i = 0; i < 1000; i++) CHECK(test_intact(p[i], 32, i));
    for (i = 0; i < 1000; i += 3) alloc_slab_free(&s, p[i]);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    for (i = 0; i < 1000; i++) if (i % 3) CHECK(test_intact(p[i], 32, i));
    alloc_slab_destroy(&s);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
}
#endif

static void test_allocator_adapter(void)
{
    page_pool pp;
    alloc_allocator src = pp_init(&pp, aligned_mem(), 4096, 8), al;
    alloc_slab s;
    alloc_slab_desc d = desc(40, 8, 0);
    void *p, *q;
    REQUIRE(alloc_slab_init(&s, &d, src) == ALLOC_OK);
    al = alloc_slab_allocator(&s);
    CHECK(al.alloc(al.ctx, 0, 8) == NULL);
    CHECK(al.alloc(al.ctx, 41, 8) == NULL);
    CHECK(al.alloc(al.ctx, 8, 16) == NULL);
    CHECK(al.alloc(al.ctx, 8, 3) == NULL);
    p = al.alloc(al.ctx, 40, 8);
    q = al.alloc(al.ctx, 1, 0);
    CHECK(p != NULL && q != NULL && p != q);
    CHECK(al.realloc(al.ctx, p, 20, 8) == p);
    CHECK(al.realloc(al.ctx, p, 41, 8) == NULL);
    CHECK(al.realloc(al.ctx, q, 0, 8) == NULL);       /* frees */
    q = al.realloc(al.ctx, NULL, 16, 4);
    CHECK(q != NULL);
    al.free(al.ctx, q);
    al.free(al.ctx, p);
    al.free(al.ctx, NULL);
    {
        alloc_stats st;
        alloc_slab_stats(&s, &st);
        CHECK(st.live_blocks == 0 && st.free_count == 3 && st.error_count == 0);
    }
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    alloc_slab_destroy(&s);
    CHECK(pp.live == 0);
}

static void test_dump(void)
{
    static test_text t;
    unsigned char *mem = aligned_mem();
    alloc_slab s;
    alloc_slab_desc d = desc(64, 0, 512);
    void *p[40];
    size_t i;
    REQUIRE(alloc_slab_init_buffer(&s, &d, mem, 8 * 512) == ALLOC_OK);
    t.len = 0;
    alloc_slab_dump(&s, test_text_write, &t);
    CHECK(strstr(t.buf, "no slabs yet") != NULL);
    for (i = 0; i < 20; i++) p[i] = alloc_slab_alloc(&s);
    for (i = 7; i < 14; i++) alloc_slab_free(&s, p[i]);
    alloc_slab_free(&s, p[2]);
    t.len = 0;
    alloc_slab_dump(&s, test_text_write, &t);
    CHECK(strstr(t.buf, "slab cache \"test\"") != NULL);
    CHECK(strstr(t.buf, "full") != NULL && strstr(t.buf, "partial") != NULL && strstr(t.buf, "empty") != NULL);
    CHECK(strstr(t.buf, "|##.####|") != NULL);       /* slab 0: object 2 free */
    CHECK(strstr(t.buf, "|.......|") != NULL);       /* slab 1: empty */
    CHECK(strstr(t.buf, "<- current") != NULL);
    CHECK(strstr(t.buf, "live 12") != NULL);
    /* owns finds objects in listed slabs too, not only in the current one */
    CHECK(alloc_slab_owns(&s, p[0]) && alloc_slab_owns(&s, p[8]) && alloc_slab_owns(&s, p[19]));
    CHECK(!alloc_slab_owns(&s, mem + 7 * 512 + 100));     /* a slab not carved yet */
    {
        obj_counts cnt;
        alloc_slab c;
        alloc_slab_desc dc = desc(64, 0, 512);
        memset(&cnt, 0, sizeof cnt);
        cnt.size = 64;
        dc.ctor = stamp_ctor;
        dc.user = &cnt;
        REQUIRE(alloc_slab_init_buffer(&c, &dc, aligned_mem() + 65536, 4096) == ALLOC_OK);
        alloc_slab_info in;
        char want[64];
        alloc_slab_alloc(&c);
        alloc_slab_get_info(&c, &in);
        t.len = 0;
        alloc_slab_dump(&c, test_text_write, &t);
        snprintf(want, sizeof want, "constructor calls %u", (unsigned)in.objects_per_slab);
        CHECK(strstr(t.buf, want) != NULL && in.ctor_calls == in.objects_per_slab);
    }
    if (getenv("TEST_VERBOSE")) fputs(t.buf, stdout);
}

/* check() against every kind of damage it claims to find. Four slabs of 7 objects:
   S0 partial (objects 2 and 4 free), S1 empty, S2 full, S3 current (6 live). */
/* The list a slab is on (alloc.h's private numbering) and the granule of the bitmap. */
enum { L_CUR = 0, L_FULL = 1, L_PARTIAL = 2, L_EMPTY = 3 };
#define GRANULE_SHIFT (sizeof(void *) >= 8 ? 3 : sizeof(void *) >= 4 ? 2 : 1)
static void *link_of(void *o) { TEST_OPEN(o, sizeof(void *)); return *(void **)o; }
static void set_link(void *o, void *v) { TEST_OPEN(o, sizeof(void *)); *(void **)o = v; }
static void test_check_catches_corruption(void)
{
    unsigned char *mem = aligned_mem();
    alloc_slab s, good;
    alloc_slab_desc d = desc(64, 0, 512);
    alloc_slab_page *S0, *S1, *S2, *S3, keep;
    void *p[27], *was;
    size_t i, bits0;
    REQUIRE(alloc_slab_init_buffer(&s, &d, mem, 8 * 512) == ALLOC_OK);
    REQUIRE(s.objs == 7);
    for (i = 0; i < 27; i++) REQUIRE((p[i] = alloc_slab_alloc(&s)) != NULL);
    for (i = 7; i < 14; i++) alloc_slab_free(&s, p[i]);
    alloc_slab_free(&s, p[2]);
    alloc_slab_free(&s, p[4]);
#define PAGE(o) ((alloc_slab_page *)(void *)((uintptr_t)(o) & s.mask))
    S0 = PAGE(p[0]); S1 = PAGE(p[7]); S2 = PAGE(p[14]); S3 = PAGE(p[21]);
    REQUIRE(s.partial == S0 && s.empty == S1 && s.full == S2 && s.cur == S3);
    REQUIRE(S0->next == NULL && S1->next == NULL && S2->next == NULL);
    REQUIRE(alloc_slab_check(&s) == ALLOC_OK);
    good = s;
#define DAMAGED(stmt, undo)                                                               \
    do {                                                                                  \
        stmt;                                                                             \
        CHECK(alloc_slab_check(&s) == ALLOC_ERR_CORRUPT);                                 \
        undo;                                                                             \
        CHECK(alloc_slab_check(&s) == ALLOC_OK);                                          \
    } while (0)
    /* the geometry and the counts */
    DAMAGED(s.objs = 0, s = good);
    DAMAGED(s.size = 0, s = good);
    DAMAGED(s.slab_size = 500, s = good);
    DAMAGED(s.nslabs--, s = good);                            /* more slabs on the lists */
    DAMAGED(s.nslabs++, s = good);                            /* fewer */
    DAMAGED(s.peak = 0, s = good);
    /* the current slab is on no list */
    DAMAGED(S3->list = L_FULL, S3->list = L_CUR);
    DAMAGED(S3->next = S2, S3->next = NULL);
    DAMAGED(S3->prev = S2, S3->prev = NULL);
    DAMAGED(S3->nfree = s.objs + 1, S3->nfree = 1);
    DAMAGED(s.full = S3, s.full = S2);                        /* cur listed too */
    /* each slab on the list of its state, linked back to its predecessor */
    DAMAGED(S2->list = L_PARTIAL, S2->list = L_FULL);
    DAMAGED(S2->prev = S2, S2->prev = NULL);
    DAMAGED((s.full = NULL, s.partial = S2, S2->next = S0, S0->prev = S2, S2->list = L_PARTIAL),
            (s = good, S2->next = NULL, S0->prev = NULL, S2->list = L_FULL));   /* full on partial */
    DAMAGED(S2->cache = NULL, S2->cache = &s);                 /* the header names no cache */
    /* an empty current slab while a partial one waits */
    DAMAGED((s.cur = S1, S1->list = L_CUR, s.empty = S3, S3->list = L_EMPTY),
            (s = good, S1->list = L_EMPTY, S3->list = L_CUR));
    /* the bitmap: a bit off the object grid (the header's own granule) */
    bits0 = ((size_t *)(void *)(S0 + 1))[0];
    DAMAGED(((size_t *)(void *)(S0 + 1))[0] = bits0 | 1u, ((size_t *)(void *)(S0 + 1))[0] = bits0);
    /* S0's free list, p[4] -> p[2]: cut short, or through a live, an off-grid or a
       foreign object */
    REQUIRE(S0->free == p[4] && link_of(p[4]) == p[2]);
    keep = *S0;
    DAMAGED(S0->free = NULL, *S0 = keep);
    DAMAGED(set_link(p[4], p[3]), set_link(p[4], p[2]));
    DAMAGED(set_link(p[4], (unsigned char *)p[2] + 8), set_link(p[4], p[2]));
    DAMAGED(set_link(p[4], (unsigned char *)S0 + 8), set_link(p[4], p[2]));
    DAMAGED(set_link(p[4], p[7]), set_link(p[4], p[2]));       /* into another slab */
    DAMAGED(set_link(p[2], p[4]), set_link(p[2], NULL));       /* a cycle */
    was = link_of(p[2]);
    CHECK(was == NULL);
    CHECK(alloc_slab_check(NULL) == ALLOC_ERR_INVALID);
#undef DAMAGED
#undef PAGE
}

/* A cache with a constructor keeps its free objects on an index stack in the slab
   header; check() proves the stack as it proves a free list. */
static void test_check_catches_stack_damage(void)
{
    page_pool pp;
    alloc_allocator src = pp_init(&pp, aligned_mem(), 1024, 8);
    obj_counts cnt;
    alloc_slab s;
    alloc_slab_desc d = desc(48, 0, 1024);
    uint16_t *st, keep0, keep1;
    unsigned char *a, *b, *c;
    alloc_slab_page *pg;
    memset(&cnt, 0, sizeof cnt);
    cnt.size = 48;
    d.ctor = stamp_ctor;
    d.dtor = stamp_dtor;
    d.user = &cnt;
    REQUIRE(alloc_slab_init(&s, &d, src) == ALLOC_OK);
    a = (unsigned char *)alloc_slab_alloc(&s);
    b = (unsigned char *)alloc_slab_alloc(&s);
    c = (unsigned char *)alloc_slab_alloc(&s);
    REQUIRE(a != NULL && b != NULL && c != NULL && s.stack_off != 0);
    pg = s.cur;
    REQUIRE(pg->nfree >= 2);
    st = (uint16_t *)(void *)((unsigned char *)pg + s.stack_off);
    keep0 = st[0];
    keep1 = st[1];
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    st[0] = 0;                                                     /* the header, not an object */
    CHECK(alloc_slab_check(&s) == ALLOC_ERR_CORRUPT);
    st[0] = (uint16_t)((size_t)(a - (unsigned char *)pg) >> GRANULE_SHIFT);   /* a live object */
    CHECK(alloc_slab_check(&s) == ALLOC_ERR_CORRUPT);
    st[0] = keep1;                                                 /* one free object twice */
    CHECK(alloc_slab_check(&s) == ALLOC_ERR_CORRUPT);
    st[0] = keep0;
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    pg->free = a;                                                  /* no free list beside a stack */
    CHECK(alloc_slab_check(&s) == ALLOC_ERR_CORRUPT);
    pg->free = NULL;
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    CHECK(stamped(a, 48) && stamped(b, 48) && stamped(c, 48));
    alloc_slab_destroy(&s);
    CHECK(pp.live == 0 && cnt.ctor == cnt.dtor && cnt.bad == 0);
}

/* A destructor alone also keeps the links out of the objects: a freed object's bytes
   are left as they were; the destructor runs once per object when its slab goes back;
   the dump counts the calls. */
static void test_dtor_only(void)
{
    static test_text t;
    page_pool pp;
    alloc_allocator src = pp_init(&pp, aligned_mem(), 1024, 8);
    obj_counts cnt;
    alloc_slab s;
    alloc_slab_desc d = desc(48, 0, 1024);
    alloc_slab_info in;
    unsigned char *a, *b;
    char want[96];
    size_t n, gave;
    memset(&cnt, 0, sizeof cnt);
    cnt.size = 0;                                              /* the dtor checks no stamp */
    d.dtor = stamp_dtor;
    d.user = &cnt;
    REQUIRE(alloc_slab_init(&s, &d, src) == ALLOC_OK);
    a = (unsigned char *)alloc_slab_alloc(&s);
    b = (unsigned char *)alloc_slab_alloc(&s);
    REQUIRE(a != NULL && b != NULL);
    test_fill(a, 48, 1);
    test_fill(b, 48, 2);
    alloc_slab_free(&s, b);
    CHECK(alloc_slab_alloc(&s) == b && test_intact(b, 48, 2));   /* untouched while free */
    alloc_slab_free(&s, a);
    alloc_slab_free(&s, b);
    alloc_slab_get_info(&s, &in);
    n = in.objects_per_slab;
    CHECK(in.ctor_calls == 0 && cnt.dtor == 0);
    gave = alloc_slab_shrink(&s);                                /* the empty current slab */
    CHECK(gave == 1024 && cnt.dtor == n && pp.live == 0);
    alloc_slab_get_info(&s, &in);
    CHECK(in.dtor_calls == n);
    t.len = 0;
    alloc_slab_dump(&s, test_text_write, &t);
    snprintf(want, sizeof want, "  (no slabs yet)\n  constructor calls 0  destructor calls %zu\n", n);
    CHECK(strstr(t.buf, want) != NULL);
    CHECK(alloc_slab_alloc(&s) != NULL && pp.live == 1);
    CHECK(!alloc_slab_owns(&s, a + 1024 * 4));
    alloc_slab_destroy(&s);
    CHECK(cnt.dtor == 2 * n && pp.live == 0 && alloc_slab_check(&s) == ALLOC_OK);
    CHECK(!alloc_slab_owns(&s, a));                             /* no slab at all now */
}

/* A source without a free function: slabs given back are forgotten (shrink still counts
   their bytes); one that breaks the alignment contract is refused, and without a free
   function there is nothing to hand it back to. */
static void test_source_without_free(void)
{
    page_pool pp;
    alloc_allocator src = pp_init(&pp, aligned_mem(), 1024, 8);
    alloc_slab s;
    alloc_slab_desc d = desc(64, 0, 1024);
    void *p;
    src.free = NULL;
    REQUIRE(alloc_slab_init(&s, &d, src) == ALLOC_OK);
    p = alloc_slab_alloc(&s);
    REQUIRE(p != NULL);
    alloc_slab_free(&s, p);
    CHECK(alloc_slab_shrink(&s) == 1024);
    CHECK(pp.live == 1 && pp.frees == 0);                      /* never handed back */
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    src.alloc = skew_alloc;
    REQUIRE(alloc_slab_init(&s, &d, src) == ALLOC_OK);
    CHECK(alloc_slab_alloc(&s) == NULL);
    {
        alloc_stats st;
        alloc_slab_stats(&s, &st);
        CHECK(st.fail_count == 1 && st.capacity == 0);
    }
    CHECK(pp.live == 2 && pp.frees == 0);
    CHECK(alloc_slab_check(&s) == ALLOC_OK);
    CHECK(alloc_slab_cache_of(p, 1000) == NULL);                /* not a power of two */
    CHECK(alloc_slab_cache_of(NULL, 1024) == NULL);
}

/* A slab of more than 64 objects is drawn in 64 cells, each several objects: '#' all
   live, ':' some, '.' none. */
static void test_dump_wide(void)
{
    static test_text t;
    unsigned char *mem = aligned_mem();
    alloc_slab s;
    alloc_slab_desc d = desc(8, 8, 4096);
    alloc_slab_info in;
    size_t i, per, n;
    char row[128];
    REQUIRE(alloc_slab_init_buffer(&s, &d, mem, 4096) == ALLOC_OK);
    alloc_slab_get_info(&s, &in);
    REQUIRE(in.objects_per_slab > 128);
    per = in.objects_per_slab / 64;                             /* at least per objects a cell */
    n = per + per / 2 + 1;                                      /* cell 0 full, cell 1 in part */
    for (i = 0; i < n; i++) CHECK(alloc_slab_alloc(&s) != NULL);
    t.len = 0;
    alloc_slab_dump(&s, test_text_write, &t);
    memset(row, '.', 64);
    row[0] = '#';
    row[1] = ':';
    snprintf(row + 64, sizeof row - 64, "| %zu/%zu", n, in.objects_per_slab);
    CHECK(strstr(t.buf, row) != NULL);
}

/* The long random run: a cache with a constructor over a page pool, and one without over
   a buffer, against a shadow model of live objects; shrink now and then. */
typedef struct shadow { void *p; size_t id; } shadow;

static void random_run(alloc_slab *s, size_t size, int ctor, size_t ops, size_t cap, page_pool *pp)
{
    static shadow live[4096];
    size_t n = 0, k, id = 0, half = size / 2;
    REQUIRE(cap <= 4096);
    for (k = 0; k < ops; k++) {
        size_t r = test_below(1000);
        size_t target = (k / 50000) % 2 ? cap : cap / 8;   /* phases of growth and decay */
        if (r < 2) {
            size_t before = pp ? pp->live : 0, got = alloc_slab_shrink(s);
            if (pp) CHECK(pp->live * s->slab_size + got == before * s->slab_size);
        } else if (n < cap && (n == 0 || r < (n < target ? 600u : 400u))) {
            unsigned char *p = (unsigned char *)alloc_slab_alloc(s);
            if (p == NULL) continue;
            CHECK(ALIGNED(p, s->align));
            if (ctor) {
                CHECK(stamped(p, size));              /* the constructed state survived */
                test_fill(p + half, size - half, id);   /* the user changes part of it */
            } else {
                test_fill(p, size, id);
            }
            live[n].p = p;
            live[n].id = id++;
            n++;
        } else if (n > 0) {
            size_t j = test_below(n);
            unsigned char *p = (unsigned char *)live[j].p;
            if (ctor) {
                size_t i;
                CHECK(stamped(p, half));
                CHECK(test_intact(p + half, size - half, live[j].id));
                for (i = half; i < size; i++) p[i] = stamp_of(p, i);   /* restore before free */
            } else {
                CHECK(test_intact(p, size, live[j].id));
            }
            alloc_slab_free(s, p);
            live[j] = live[--n];
        }
        if (k % 4096 == 0) {
            alloc_stats st;
            CHECK(alloc_slab_check(s) == ALLOC_OK);
            alloc_slab_stats(s, &st);
            CHECK(st.live_blocks == n);
        }
    }
    CHECK(alloc_slab_check(s) == ALLOC_OK);
    while (n > 0) {
        unsigned char *p = (unsigned char *)live[--n].p;
        if (ctor) { size_t i; for (i = half; i < size; i++) p[i] = stamp_of(p, i); }
        else CHECK(test_intact(p, size, live[n].id));
        alloc_slab_free(s, p);
    }
    CHECK(alloc_slab_check(s) == ALLOC_OK);
}

static void test_random(void)
{
    page_pool pp;
    alloc_allocator src = pp_init(&pp, aligned_mem(), 4096, 200);
    obj_counts cnt;
    alloc_slab s;
    alloc_slab_desc d = desc(56, 8, 4096);
    alloc_stats st;
    size_t ops = test_scaled(1000000);
    test_seed_from_env();
    memset(&cnt, 0, sizeof cnt);
    cnt.size = 56;
    d.ctor = stamp_ctor;
    d.dtor = stamp_dtor;
    d.user = &cnt;
    REQUIRE(alloc_slab_init(&s, &d, src) == ALLOC_OK);
    random_run(&s, 56, 1, ops / 2, 4000, &pp);
    alloc_slab_stats(&s, &st);
    CHECK(st.error_count == 0 && st.live_blocks == 0);
    alloc_slab_destroy(&s);
    CHECK(pp.live == 0 && cnt.ctor == cnt.dtor && cnt.bad == 0);
    /* no constructor, over a buffer: objects of 24 bytes on an 8-byte grid */
    d = desc(24, 0, 1024);
    REQUIRE(alloc_slab_init_buffer(&s, &d, aligned_mem(), 128 * 1024) == ALLOC_OK);
    random_run(&s, 24, 0, ops / 2, 4096, NULL);
    alloc_slab_stats(&s, &st);
    CHECK(st.error_count == 0 && st.live_blocks == 0);
}

int main(void)
{
    test_seed_from_env();
    TEST_RUN_LAYOUT(test_geometry);
    TEST_RUN(test_bad_init);
    TEST_RUN_LAYOUT(test_alloc_free_exact);
    TEST_RUN_LAYOUT(test_partial_before_empty);
    TEST_RUN(test_ctor_dtor);
    TEST_RUN_LAYOUT(test_links_outside);
    TEST_RUN_LAYOUT(test_new_slab_bounded);
    TEST_RUN_LAYOUT(test_misuse);
    TEST_RUN(test_failing_source);
#ifndef ALLOC_NO_ARENA
    TEST_RUN_LAYOUT(test_arena_source);
#endif
    TEST_RUN(test_allocator_adapter);
    TEST_RUN_LAYOUT(test_dump);
    TEST_RUN_LAYOUT(test_check_catches_corruption);
    TEST_RUN_LAYOUT(test_check_catches_stack_damage);
    TEST_RUN_LAYOUT(test_dtor_only);
    TEST_RUN(test_source_without_free);
    TEST_RUN_LAYOUT(test_dump_wide);
    TEST_RUN(test_random);
    return test_finish();
}
