/* fit_policies.c - first fit versus next, best, worst and good fit, on one sequence.
 *
 * The same requests and frees are replayed on five 4 KiB heaps, one per policy. After
 * the holes are made, a few more requests show where each policy places them; each
 * heap's map is drawn with its external fragmentation (1 - largest free / free).
 * ALLOC_HEAP_LARGE 0 turns off the library's placement rule (small blocks from the high
 * end of a hole) so that every block is split from the front, as the lecture draws it.
 */
#define ALLOC_HEAP_LARGE 0
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"
#include <stdio.h>

static void write_stdout(void *user, const char *text, size_t len)
{
    (void)user;
    fwrite(text, 1, len, stdout);
}

static union { unsigned char bytes[5][4096]; long double align; } mem;

int main(void)
{
    static const char *names[5] = { "ALLOC_FIT_GOOD", "ALLOC_FIT_FIRST", "ALLOC_FIT_NEXT", "ALLOC_FIT_BEST", "ALLOC_FIT_WORST" };
    static const size_t first[10] = { 300, 40, 120, 40, 500, 40, 200, 40, 160, 40 };
    static const size_t later[6] = { 100, 150, 60, 180, 90, 240 };
    int f, ok = 1;
    for (f = 0; f < 5; f++) {
        alloc_heap h;
        void *p[10];
        alloc_stats s;
        int i;
        alloc_heap_init(&h, mem.bytes[f], sizeof mem.bytes[f], (alloc_fit)f);
        for (i = 0; i < 10; i++) p[i] = alloc_heap_alloc(&h, first[i]);
        for (i = 0; i < 10; i += 2) alloc_heap_free(&h, p[i]);   /* holes of 300, 120, 500, 200, 160 */
        for (i = 0; i < 6; i++) alloc_heap_alloc(&h, later[i]);
        alloc_heap_stats(&h, &s);
        printf("\n=== %s: after holes of 300,120,500,200,160 and requests 100,150,60,180,90,240\n", names[f]);
        alloc_heap_dump(&h, write_stdout, NULL);
        ok &= alloc_heap_check(&h) == ALLOC_OK;
    }
    return ok ? 0 : 1;
}
