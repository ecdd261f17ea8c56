/* Fuzz target: the buddy. The input picks the buffer (start offset, size, min_block) and
   then streams operations: alloc of any size (SIZE_MAX - k included), free and realloc of
   a live block, and misuse that must be refused and reported once (a double free of a
   block still free, an interior pointer, an off-grid pointer, a foreign pointer). A
   shadow model checks each block's alignment to its own size, no overlap (an owner map
   per min block), intact contents (every 32 operations), and alloc_buddy_check after every operation. */
#include "fuzz.h"
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

typedef struct live { unsigned char *p; size_t n, id; } live;

static unsigned char mem[(1 << 16) + 4096];
static live lv[1024];
static unsigned short owner[(1 << 16) / 16 + 1];

static void own(const alloc_buddy *b, const unsigned char *p, size_t u, unsigned short who)
{
    size_t i, first = (size_t)(p - b->base) / b->min_block;
    for (i = 0; i < u / b->min_block; i++) {
        if (who) FUZZ_REQUIRE(owner[first + i] == 0);
        owner[first + i] = who;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in;
    alloc_buddy b;
    size_t nlive = 0, id = 1, i, skew, bytes, m, ops = 0;
    in.p = data;
    in.n = size;
    skew = fuzz_u8(&in) * 16u + fuzz_u8(&in) % 16u;
    bytes = 64 + fuzz_u16(&in) % 12000;
    m = (size_t)16 << (fuzz_u8(&in) % 5);
    if (alloc_buddy_init(&b, mem + skew, bytes, m) != ALLOC_OK) {
        FUZZ_REQUIRE(alloc_buddy_metadata_size(bytes, m) == 0 || bytes < m + alloc__pad((uintptr_t)(mem + skew), m) + 1);
        return 0;
    }
    memset(owner, 0, sizeof owner);
    while (in.n > 0) {
        uint8_t op = fuzz_u8(&in) % 8;
        if (op <= 2 && nlive < 1024) {
            size_t n = fuzz_size(&in) * (op == 2 ? 37u : 1u);
            unsigned char *p = (unsigned char *)alloc_buddy_alloc(&b, n);
            if (p != NULL) {
                size_t u = alloc_buddy_usable_size(&b, p);
                FUZZ_REQUIRE(n > 0 && u >= n && ((uintptr_t)p & (u - 1)) == 0);
                own(&b, p, u, (unsigned short)(nlive + 1));
                fuzz_fill(p, n, id);
                lv[nlive].p = p; lv[nlive].n = n; lv[nlive].id = id++;
                nlive++;
            }
        } else if (op == 3 && nlive) {
            size_t j = fuzz_u8(&in) % nlive;
            unsigned char *p = lv[j].p;
            FUZZ_REQUIRE(fuzz_intact(p, lv[j].n, lv[j].id));
            own(&b, p, alloc_buddy_usable_size(&b, p), 0);
            alloc_buddy_free(&b, p);
            lv[j] = lv[--nlive];
            if (j < nlive) { own(&b, lv[j].p, alloc_buddy_usable_size(&b, lv[j].p), 0);
                             own(&b, lv[j].p, alloc_buddy_usable_size(&b, lv[j].p), (unsigned short)(j + 1)); }
            /* Freed and (maybe) merged: its start is now free or inside a free block. */
            { long e = fuzz_errors; alloc_buddy_free(&b, p); FUZZ_REQUIRE(fuzz_errors == e + 1); }
        } else if (op == 4 && nlive) {
            size_t j = fuzz_u8(&in) % nlive, n = fuzz_size(&in) * 5u, u;
            unsigned char *p;
            u = alloc_buddy_usable_size(&b, lv[j].p);
            p = (unsigned char *)alloc_buddy_realloc(&b, lv[j].p, n);
            if (n == 0) {
                own(&b, lv[j].p, u, 0);
                lv[j] = lv[--nlive];
            } else if (p == NULL) {
                FUZZ_REQUIRE(alloc_buddy_usable_size(&b, lv[j].p) == u);
            } else {
                size_t keep = n < lv[j].n ? n : lv[j].n, nu = alloc_buddy_usable_size(&b, p);
                FUZZ_REQUIRE(fuzz_intact(p, keep, lv[j].id) && ((uintptr_t)p & (nu - 1)) == 0);
                own(&b, lv[j].p, u, 0);
                own(&b, p, nu, (unsigned short)(j + 1));
                lv[j].p = p; lv[j].n = n;
                fuzz_fill(p, n, lv[j].id);
            }
        } else if (op == 5 && nlive) {
            size_t j = fuzz_u8(&in) % nlive, u = alloc_buddy_usable_size(&b, lv[j].p);
            long e = fuzz_errors;
            alloc_buddy_free(&b, lv[j].p + 1 + fuzz_u8(&in) % (u - 1));   /* interior */
            FUZZ_REQUIRE(fuzz_errors == e + 1);
        } else if (op == 6) {
            long e = fuzz_errors;
            alloc_buddy_free(&b, mem + sizeof mem - 1);                  /* foreign */
            FUZZ_REQUIRE(fuzz_errors == e + 1);
            FUZZ_REQUIRE(alloc_buddy_realloc(&b, mem + sizeof mem - 1, 8) == NULL && fuzz_errors == e + 2);
        } else if (op == 7) {
            FUZZ_REQUIRE(alloc_buddy_alloc(&b, SIZE_MAX - fuzz_u8(&in)) == NULL);
        }
        FUZZ_REQUIRE(alloc_buddy_check(&b) == ALLOC_OK);
        if (++ops % 32 == 0)
            for (i = 0; i < nlive; i++) FUZZ_REQUIRE(fuzz_intact(lv[i].p, lv[i].n, lv[i].id));
    }
    while (nlive) alloc_buddy_free(&b, lv[--nlive].p);
    FUZZ_REQUIRE(alloc_buddy_check(&b) == ALLOC_OK);
    return 0;
}
