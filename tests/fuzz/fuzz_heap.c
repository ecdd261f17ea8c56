/* Fuzz target: the heap. The input picks the fit policy and the region (offset, size),
   then streams operations: alloc, alloc_aligned (any power of two, and non-powers), calloc
   (wrapping products too), realloc, free, a second region, and misuse that must be refused
   and reported once (double free, interior pointer, foreign pointer). A shadow model
   checks alignment, no overlap (an owner map per byte grain), intact contents, and
   alloc_heap_check after every operation. */
#include "fuzz.h"
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

typedef struct live { unsigned char *p; size_t n, id, align; } live;

#define MEM (1 << 15)
static union { unsigned char b[2 * MEM]; long double align; } mem;
static live lv[512];
static unsigned short owner[2 * MEM / 8];

static void own(const unsigned char *p, size_t n, unsigned short who)
{
    size_t i, first = (size_t)(p - mem.b) / 8, last = (size_t)(p + n - 1 - mem.b) / 8;
    for (i = first; i <= last; i++) {
        /* Two blocks may share a grain only at their edges when the grain is 8 bytes;
           the heap's grain is ALLOC_HEAP_GRAIN >= 8, so a shared grain is an overlap. */
        if (who) FUZZ_REQUIRE(owner[i] == 0);
        owner[i] = who;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in;
    alloc_heap h;
    size_t nlive = 0, id = 1, i, skew, bytes;
    alloc_fit fit;
    int added = 0;
    in.p = data;
    in.n = size;
    fit = (alloc_fit)(fuzz_u8(&in) % 5);
    skew = fuzz_u8(&in) % 64;
    bytes = 16 + fuzz_u16(&in) % (MEM - 64);
    if (alloc_heap_init(&h, mem.b + skew, bytes, fit) != ALLOC_OK) {
        FUZZ_REQUIRE(bytes < 512);
        return 0;
    }
    memset(owner, 0, sizeof owner);
    while (in.n > 0) {
        uint8_t op = fuzz_u8(&in) % 12;
        if (op <= 4 && nlive < 512) {
            size_t n = fuzz_size(&in), al = 0;
            unsigned char *p;
            if (op == 3) {
                al = (size_t)1 << (fuzz_u8(&in) % 13);
                if (fuzz_u8(&in) == 7) al += 3;                       /* not a power of two */
                p = (unsigned char *)alloc_heap_alloc_aligned(&h, n, al);
                if (al & (al - 1)) FUZZ_REQUIRE(p == NULL);
            } else if (op == 4) {
                size_t k = fuzz_size(&in);
                p = (unsigned char *)alloc_heap_calloc(&h, n, k);
                if (p != NULL) {
                    FUZZ_REQUIRE(k != 0 && n <= SIZE_MAX / k);
                    for (i = 0; i < n * k; i++) FUZZ_REQUIRE(p[i] == 0);
                    n = n * k;
                }
            } else {
                p = (unsigned char *)alloc_heap_alloc(&h, n);
            }
            if (p != NULL) {
                FUZZ_REQUIRE(n > 0 && ((uintptr_t)p % ALLOC_HEAP_ALIGN) == 0);
                if (al && !(al & (al - 1))) FUZZ_REQUIRE(((uintptr_t)p & (al - 1)) == 0);
                FUZZ_REQUIRE(alloc_heap_usable_size(&h, p) >= n);
                own(p, n, (unsigned short)id);
                fuzz_fill(p, n, id);
                lv[nlive].p = p; lv[nlive].n = n; lv[nlive].id = id++; lv[nlive].align = al;
                nlive++;
            }
        } else if (op <= 6 && nlive) {
            size_t k = fuzz_u8(&in) % nlive;
            FUZZ_REQUIRE(fuzz_intact(lv[k].p, lv[k].n, lv[k].id));
            own(lv[k].p, lv[k].n, 0);
            alloc_heap_free(&h, lv[k].p);
            lv[k] = lv[--nlive];
        } else if (op <= 8 && nlive) {
            size_t k = fuzz_u8(&in) % nlive, n = fuzz_size(&in);
            unsigned char *p;
            own(lv[k].p, lv[k].n, 0);
            p = (unsigned char *)alloc_heap_realloc(&h, lv[k].p, n);
            if (n == 0) { lv[k] = lv[--nlive]; }
            else if (p == NULL) {
                FUZZ_REQUIRE(fuzz_intact(lv[k].p, lv[k].n, lv[k].id));  /* untouched */
                own(lv[k].p, lv[k].n, (unsigned short)lv[k].id);
            } else {
                FUZZ_REQUIRE(fuzz_intact(p, n < lv[k].n ? n : lv[k].n, lv[k].id));
                if (lv[k].align) FUZZ_REQUIRE(((uintptr_t)p & (lv[k].align - 1)) == 0);   /* kept */
                lv[k].p = p; lv[k].n = n;
                own(p, n, (unsigned short)lv[k].id);
                fuzz_fill(p, n, lv[k].id);
            }
        } else if (op == 9 && nlive) {
            /* Misuse: a double free of a block freed just now, or an interior pointer. */
            size_t k = fuzz_u8(&in) % nlive;
            long e = fuzz_errors;
            if (lv[k].n > 1 && fuzz_u8(&in) % 2) {
                alloc_heap_free(&h, lv[k].p + ALLOC_HEAP_ALIGN / 2);
                FUZZ_REQUIRE(fuzz_errors == e + 1);
            } else {
                own(lv[k].p, lv[k].n, 0);
                alloc_heap_free(&h, lv[k].p);
                alloc_heap_free(&h, lv[k].p);
                FUZZ_REQUIRE(fuzz_errors == e + 1);
                lv[k] = lv[--nlive];
            }
        } else if (op == 10) {
            long e = fuzz_errors;
            alloc_heap_free(&h, mem.b + 2 * MEM - 16);                  /* foreign */
            FUZZ_REQUIRE(fuzz_errors == e + 1);
        } else if (op == 11 && !added) {
            FUZZ_REQUIRE(alloc_heap_add(&h, mem.b + MEM + 64, MEM - 128) == ALLOC_OK);
            FUZZ_REQUIRE(alloc_heap_add(&h, mem.b + MEM + 64, MEM - 128) == ALLOC_ERR_OVERLAP);
            added = 1;
        }
        FUZZ_REQUIRE(alloc_heap_check(&h) == ALLOC_OK);
    }
    for (i = 0; i < nlive; i++) FUZZ_REQUIRE(fuzz_intact(lv[i].p, lv[i].n, lv[i].id));
    return 0;
}
