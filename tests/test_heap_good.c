/* The heap built with ALLOC_FIT_GOOD alone (ALLOC_HEAP_LECTURE_FITS 0, the small firmware
   build): init refuses the lecture's four policies and leaves the heap untouched, and a
   long random run of every call against a shadow model keeps contents, alignment, no
   overlap and check() exactly as the default build does. */
#include "test.h"
#define ALLOC_HEAP_LECTURE_FITS 0
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"
#include <string.h>

static union { unsigned char b[1 << 16]; long double ld; } mem_u;
#define mem (mem_u.b)

static void test_refuses_lecture_fits(void)
{
    alloc_heap h, before;
    int f;
    memset(&h, 0xAB, sizeof h);
    before = h;
    for (f = 1; f <= 4; f++) {
        CHECK(alloc_heap_init(&h, mem, sizeof mem, (alloc_fit)f) == ALLOC_ERR_INVALID);
        CHECK(memcmp(&h, &before, sizeof h) == 0);
    }
    CHECK(alloc_heap_init(&h, mem, sizeof mem, ALLOC_FIT_GOOD) == ALLOC_OK);
    CHECK(alloc_heap_check(&h) == ALLOC_OK);
}

#define SLOTS 256
static void test_random_run(void)
{
    static unsigned char *p[SLOTS];
    static size_t n[SLOTS];
    alloc_heap h;
    alloc_stats s;
    size_t ops = test_scaled(40000), i, k, cap;
    memset(p, 0, sizeof p);
    REQUIRE(alloc_heap_init(&h, mem, sizeof mem, ALLOC_FIT_GOOD) == ALLOC_OK);
    alloc_heap_stats(&h, &s);
    cap = s.capacity;
    for (i = 0; i < ops; i++) {
        size_t j = test_below(SLOTS), size = 1 + test_below(test_below(4) == 0 ? 2000 : 100);
        int op = (int)test_below(8);
        if (p[j] == NULL) {
            size_t align = op == 0 ? (size_t)1 << test_below(8) : 0;
            p[j] = (unsigned char *)(align ? alloc_heap_alloc_aligned(&h, size, align)
                                           : op == 1 ? alloc_heap_calloc(&h, 1, size)
                                                     : alloc_heap_alloc(&h, size));
            if (p[j] == NULL) continue;
            CHECK(ALIGNED(p[j], align > ALLOC_HEAP_GRAIN ? align : ALLOC_HEAP_GRAIN));
            CHECK(alloc_heap_usable_size(&h, p[j]) >= size);
            if (op == 1) for (k = 0; k < size; k++) if (p[j][k] != 0) { CHECK(p[j][k] == 0); break; }
            n[j] = size;
            test_fill(p[j], size, j);
        } else if (op < 3) {
            unsigned char *q = (unsigned char *)alloc_heap_realloc(&h, p[j], size);
            if (q == NULL) {
                CHECK(test_intact(p[j], n[j], j));   /* the old block is untouched */
                continue;
            }
            CHECK(test_intact(q, n[j] < size ? n[j] : size, j));
            p[j] = q;
            n[j] = size;
            test_fill(q, size, j);
        } else {
            CHECK(test_intact(p[j], n[j], j));
            alloc_heap_free(&h, p[j]);
            p[j] = NULL;
        }
        if (i % 64 == 0) {
            /* Every live block intact and disjoint from every other. */
            for (j = 0; j < SLOTS; j++) {
                if (p[j] == NULL) continue;
                CHECK(test_intact(p[j], n[j], j));
                for (k = j + 1; k < SLOTS; k++)
                    if (p[k] != NULL) CHECK(p[j] + n[j] <= p[k] || p[k] + n[k] <= p[j]);
            }
            REQUIRE(alloc_heap_check(&h) == ALLOC_OK);
        }
    }
    for (i = 0; i < SLOTS; i++) alloc_heap_free(&h, p[i]);
    CHECK(alloc_heap_check(&h) == ALLOC_OK);
    alloc_heap_stats(&h, &s);
    CHECK(s.used == 0 && s.live_blocks == 0);
    /* Everything coalesced again: one free block, the whole region less its header. */
    CHECK(s.free_blocks == 1 && s.largest_free == s.free && s.free == cap - ALLOC_HEAP_BLOCK_OVERHEAD);
    CHECK(s.error_count == 0);
    CHECK(s.alloc_count >= ops / 8);   /* the run did allocate */
}

int main(void)
{
    test_seed_from_env();
    TEST_RUN(test_refuses_lecture_fits);
    TEST_RUN(test_random_run);
    return test_finish();
}
