/* Fuzz target: the kmalloc (slab caches over a buddy). A stream of operations - alloc of
   a size (small, near a class edge, large), free, realloc, shrink, and misuse (a double
   free, an interior pointer, a foreign pointer), each reported exactly once - against a
   shadow model of the live blocks: alignment, usable size, no overlap with any live
   block, the moved or new block's contents, and alloc_kmalloc_check after every
   operation; every live block's contents every 16 operations and at the end (blocks run
   to 64 KiB: reading them all after each operation held the fuzzer to a few inputs per
   second). A slab table of two entries makes most slabs take the path that asks the
   buddy. */
#include "fuzz.h"
#define ALLOC_KMALLOC_SLAB_TABLE 2
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

typedef struct live { unsigned char *p; size_t n, id; } live;

/* 1 when [p, p + n) meets none of the live blocks but lv[skip]. */
static int apart(const live *lv, size_t nlive, size_t skip, const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < nlive; i++)
        if (i != skip && (uintptr_t)p < (uintptr_t)lv[i].p + lv[i].n && (uintptr_t)lv[i].p < (uintptr_t)p + n) return 0;
    return 1;
}

static unsigned char raw[ALLOC_BUDDY_BUFFER_SIZE(64, 4096) + (1 << 18)];

static size_t pick(fuzz_in *in)
{
    uint8_t k = fuzz_u8(in);
    if (k < 150) return 1 + fuzz_u8(in);
    if (k < 220) return 1 + fuzz_u16(in) % 2048;
    if (k < 250) return 2049 + fuzz_u16(in);
    return SIZE_MAX - fuzz_u8(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static live lv[1024];
    static alloc_buddy b;
    static alloc_kmalloc k;
    fuzz_in in;
    unsigned char *base = raw + alloc__pad((uintptr_t)raw, (size_t)1 << 18);
    size_t nlive = 0, id = 1, i, ops = 0;
    in.p = data;
    in.n = size;
    FUZZ_REQUIRE(alloc_buddy_init(&b, base, ALLOC_BUDDY_BUFFER_SIZE(64, 4096), 4096) == ALLOC_OK);
    FUZZ_REQUIRE(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    while (in.n > 0) {
        uint8_t op = fuzz_u8(&in) % 8;
        if (op <= 2 && nlive < 1024) {
            size_t n = pick(&in);
            unsigned char *p = (unsigned char *)alloc_kmalloc_alloc(&k, n);
            if (p != NULL) {
                FUZZ_REQUIRE(((uintptr_t)p & 15) == 0 && alloc_kmalloc_usable_size(&k, p) >= n);
                FUZZ_REQUIRE(apart(lv, nlive, nlive, p, n));
                fuzz_fill(p, n, id);
                lv[nlive].p = p; lv[nlive].n = n; lv[nlive].id = id++;
                nlive++;
            }
        } else if (op <= 4 && nlive) {
            size_t j = fuzz_u8(&in) % nlive;
            alloc_kmalloc_free(&k, lv[j].p);
            lv[j] = lv[--nlive];
        } else if (op == 5 && nlive) {
            size_t j = fuzz_u8(&in) % nlive, n = pick(&in);
            unsigned char *q = (unsigned char *)alloc_kmalloc_realloc(&k, lv[j].p, n);
            if (q != NULL) {
                FUZZ_REQUIRE(fuzz_intact(q, n < lv[j].n ? n : lv[j].n, lv[j].id));
                FUZZ_REQUIRE(((uintptr_t)q & 15) == 0 && alloc_kmalloc_usable_size(&k, q) >= n);
                FUZZ_REQUIRE(apart(lv, nlive, j, q, n));
                fuzz_fill(q, n, lv[j].id);
                lv[j].p = q; lv[j].n = n;
            }
        } else if (op == 6) {
            alloc_kmalloc_shrink(&k);
        } else if (op == 7 && nlive) {
            uint8_t what = fuzz_u8(&in) % 3;
            long e = fuzz_errors;
            if (what == 0) {
                unsigned char *p = lv[--nlive].p;
                alloc_kmalloc_free(&k, p);
                alloc_kmalloc_free(&k, p);
            } else if (what == 1) {
                live *l = &lv[nlive - 1];
                if (l->n > 16) alloc_kmalloc_free(&k, l->p + 16);
                else e--;
            } else {
                alloc_kmalloc_free(&k, &i);
            }
            FUZZ_REQUIRE(fuzz_errors == e + 1);
        }
        FUZZ_REQUIRE(alloc_kmalloc_check(&k) == ALLOC_OK);
        if (++ops % 16 == 0 || in.n == 0)
            for (i = 0; i < nlive; i++) FUZZ_REQUIRE(fuzz_intact(lv[i].p, lv[i].n, lv[i].id));
    }
    while (nlive > 0) { nlive--; alloc_kmalloc_free(&k, lv[nlive].p); }
    alloc_kmalloc_shrink(&k);
    {
        alloc_stats st;
        alloc_buddy_stats(&b, &st);
        FUZZ_REQUIRE(st.used == 0);
    }
    return 0;
}
