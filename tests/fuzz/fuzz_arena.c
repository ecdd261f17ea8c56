/* Fuzz target: the arena. The input is a stream of operations (alloc with size and
   alignment, free and realloc of the newest, save, restore, reset, chaining a block,
   misuse: a foreign free, a stale mark); a shadow model of the live allocations checks
   alignment, no overlap with the previous block, intact contents and alloc_arena_check
   after every operation. */
#include "fuzz.h"
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

typedef struct live { unsigned char *p; size_t n, id; } live;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char mem[3][4096];
    static live lv[4096];
    static size_t depth[32];
    static alloc_arena_mark marks[32];
    fuzz_in in;
    alloc_arena a;
    size_t nlive = 0, nmarks = 0, id = 1, i, added = 1;
    int newest = 0;
    in.p = data;
    in.n = size;
    FUZZ_REQUIRE(alloc_arena_init(&a, mem[0] + (size ? data[0] % 8 : 0), 2048) == ALLOC_OK);
    while (in.n > 0) {
        uint8_t op = fuzz_u8(&in) % 10;
        if (op <= 3 && nlive < 4096) {
            size_t n = fuzz_size(&in), al = (size_t)1 << (fuzz_u8(&in) % 14);
            unsigned char *p = (unsigned char *)alloc_arena_alloc(&a, n, al);
            if (p != NULL) {
                FUZZ_REQUIRE(n > 0 && ((uintptr_t)p & (al - 1)) == 0);
                FUZZ_REQUIRE(alloc_arena_owns(&a, p) && alloc_arena_owns(&a, p + n - 1));
                if (nlive) FUZZ_REQUIRE(p >= lv[nlive - 1].p + lv[nlive - 1].n || p + n <= lv[nlive - 1].p);
                fuzz_fill(p, n, id);
                lv[nlive].p = p; lv[nlive].n = n; lv[nlive].id = id++;
                nlive++;
                newest = 1;
            }
        } else if (op == 4 && nlive && (nmarks == 0 || depth[nmarks - 1] < nlive)) {
            alloc_arena_free(&a, lv[nlive - 1].p);
            if (newest) nlive--;
            newest = 0;
        } else if (op == 5 && nlive && (nmarks == 0 || depth[nmarks - 1] < nlive)) {
            live *q = &lv[nlive - 1];
            size_t n = fuzz_size(&in);
            unsigned char *p = (unsigned char *)alloc_arena_realloc(&a, q->p, n, 1);
            if (n == 0) { if (newest) nlive--; newest = 0; }
            else if (p != NULL) {
                FUZZ_REQUIRE(fuzz_intact(p, n < q->n ? n : q->n, q->id));
                fuzz_fill(p, n, q->id);
                if (p == q->p) q->n = n;
                else if (nlive < 4096) { lv[nlive].p = p; lv[nlive].n = n; lv[nlive].id = q->id; q->n = 0; nlive++; }
                newest = 1;
            }
        } else if (op == 6 && nmarks < 32) {
            depth[nmarks] = nlive;
            marks[nmarks++] = alloc_arena_save(&a);
        } else if (op == 7 && nmarks) {
            size_t k = fuzz_u8(&in) % nmarks;
            alloc_arena_restore(&a, marks[k]);
            nlive = depth[k];
            nmarks = k + 1;
            newest = 0;
        } else if (op == 8) {
            uint8_t what = fuzz_u8(&in) % 4;
            if (what == 0) { alloc_arena_reset(&a); nlive = 0; nmarks = 0; newest = 0; }
            else if (what == 1 && added < 3) { FUZZ_REQUIRE(alloc_arena_add(&a, mem[added], 1024 + 1024 * (added - 1)) == ALLOC_OK); added++; }
            else if (what == 2) { long e = fuzz_errors; alloc_arena_free(&a, mem[2] + 4000); FUZZ_REQUIRE(fuzz_errors == e + 1); }
            else if (nmarks) {
                /* A mark that is ahead of the top after a restore below it is stale. */
                alloc_arena_mark m = marks[nmarks - 1];
                alloc_arena_restore(&a, marks[0]);
                nlive = depth[0];
                nmarks = 1;
                newest = 0;
                if (m.block == a.cur && m.top > a.top) { long e = fuzz_errors; alloc_arena_restore(&a, m); FUZZ_REQUIRE(fuzz_errors == e + 1); }
            }
        } else if (op == 9) {
            FUZZ_REQUIRE(alloc_arena_alloc(&a, fuzz_size(&in), 3 + (size_t)fuzz_u8(&in) * 2) == NULL);
        }
        FUZZ_REQUIRE(alloc_arena_check(&a) == ALLOC_OK);
        for (i = 0; i < nlive; i++) FUZZ_REQUIRE(fuzz_intact(lv[i].p, lv[i].n, lv[i].id));
    }
    return 0;
}
