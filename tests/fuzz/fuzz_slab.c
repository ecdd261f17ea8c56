/* Fuzz target: a slab cache. The first bytes pick the geometry (object size, alignment,
   slab size, with or without a constructor, buffer or page source); then a stream of
   operations: alloc, free of a live object, shrink, destroy, and misuse (a double free, an
   interior pointer, a pointer into a slab header), each of which must be reported exactly
   once. A shadow model of the live objects checks alignment, distinct addresses, intact
   contents, the constructed state of reallocated objects and alloc_slab_check after every
   operation. */
#include "fuzz.h"
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

typedef struct live { unsigned char *p; size_t id; } live;

static unsigned char raw[(1 << 16) * 3];
static size_t obj_size;
static unsigned char stamp(const void *o, size_t i) { return (unsigned char)((uintptr_t)o * 7u + i * 13u + 3u); }
static void ctor(void *o, void *u) { size_t i; (void)u; for (i = 0; i < obj_size; i++) ((unsigned char *)o)[i] = stamp(o, i); }
static int stamped(const unsigned char *o) { size_t i; for (i = 0; i < obj_size; i++) if (o[i] != stamp(o, i)) return 0; return 1; }

/* A page source over the second third of raw: a free list of self-aligned pages. */
static void *pages;
static size_t page_size;
static void *pg_alloc(void *ctx, size_t size, size_t align)
{
    void *p = pages;
    (void)ctx;
    if (p == NULL || size > page_size || align > page_size) return NULL;
    pages = *(void **)p;
    return p;
}
static void pg_free(void *ctx, void *p) { (void)ctx; *(void **)p = pages; pages = p; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static live lv[4096];
    fuzz_in in;
    alloc_slab s;
    alloc_slab_desc d;
    unsigned char *base = raw + alloc__pad((uintptr_t)raw, (size_t)1 << 16);
    size_t nlive = 0, id = 1, i;
    int with_ctor, from_pages;
    uint8_t g0, g1;
    in.p = data;
    in.n = size;
    g0 = fuzz_u8(&in);
    g1 = fuzz_u8(&in);
    memset(&d, 0, sizeof d);
    d.size = 1 + (size_t)fuzz_u8(&in) * 4;
    d.align = (size_t)1 << (g0 % 7);
    d.slab_size = (g0 & 0x80) ? 0 : (size_t)512 << (g1 % 5);
    with_ctor = (g1 & 0x40) != 0;
    from_pages = (g1 & 0x80) != 0;
    if (with_ctor) d.ctor = ctor;
    if (from_pages) {
        alloc_allocator src;
        page_size = (size_t)1 << 14;
        pages = NULL;
        for (i = 4; i-- > 0;) pg_free(NULL, base + 65536 + i * page_size);
        src.alloc = pg_alloc; src.realloc = NULL; src.free = pg_free; src.ctx = NULL;
        if (alloc_slab_init(&s, &d, src) != ALLOC_OK) return 0;
    } else if (alloc_slab_init_buffer(&s, &d, base, 65536) != ALLOC_OK) {
        return 0;
    }
    obj_size = s.size;
    while (in.n > 0) {
        uint8_t op = fuzz_u8(&in) % 8;
        if (op <= 3 && nlive < 4096) {
            unsigned char *p = (unsigned char *)alloc_slab_alloc(&s);
            if (p != NULL) {
                FUZZ_REQUIRE(((uintptr_t)p & (s.align - 1)) == 0 && alloc_slab_owns(&s, p));
                if (with_ctor) FUZZ_REQUIRE(stamped(p));
                else fuzz_fill(p, obj_size, id);
                lv[nlive].p = p; lv[nlive].id = id++;
                nlive++;
            }
        } else if (op <= 5 && nlive) {
            size_t k = fuzz_u8(&in) % nlive;
            alloc_slab_free(&s, lv[k].p);
            lv[k] = lv[--nlive];
        } else if (op == 6) {
            uint8_t what = fuzz_u8(&in) % 4;
            if (what == 0) alloc_slab_shrink(&s);
            else if (what == 1) { alloc_slab_destroy(&s); nlive = 0; }
            else if (what == 2 && nlive) {
                long e = fuzz_errors;
                unsigned char *p = lv[nlive - 1].p;
                alloc_slab_free(&s, p + 1 + fuzz_u8(&in) % (obj_size - 1 ? obj_size - 1 : 1));
                FUZZ_REQUIRE(obj_size == 1 || fuzz_errors == e + 1);
                alloc_slab_free(&s, (unsigned char *)((uintptr_t)p & ~(uintptr_t)(s.slab_size - 1)) + sizeof(void *));
                FUZZ_REQUIRE(fuzz_errors == e + 2 || obj_size == 1);
            } else if (what == 3 && nlive) {
                long e = fuzz_errors;
                unsigned char *p = lv[nlive - 1].p;
                nlive--;
                alloc_slab_free(&s, p);
                alloc_slab_free(&s, p);
                FUZZ_REQUIRE(fuzz_errors == e + 1);
            }
        } else if (op == 7) {
            alloc_stats st;
            alloc_slab_stats(&s, &st);
            FUZZ_REQUIRE(st.live_blocks == nlive);
        }
        FUZZ_REQUIRE(alloc_slab_check(&s) == ALLOC_OK);
        for (i = 0; i < nlive; i++)
            FUZZ_REQUIRE(with_ctor ? stamped(lv[i].p) : fuzz_intact(lv[i].p, obj_size, lv[i].id));
    }
    alloc_slab_destroy(&s);
    return 0;
}
