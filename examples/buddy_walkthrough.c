/* buddy_walkthrough.c — the lecture's buddy walkthrough, step by step.
 *
 * Part 1: 16 pages in one block. Allocate A = 1 page, B = 2 pages, C = 3 pages (rounded
 * up to 4), D = 1 page; then free D (its buddy A is live: no merge), A (merges with D),
 * C (its buddy, pages 0-3, is not wholly free: no merge) and B (merges all the way back
 * to one block of 16 pages). The map is drawn after every step. The "pages" are 64
 * bytes here so that the numbers stay small; 4096 works the same.
 *
 * Part 2: realloc in place (shrinking splits off the upper halves; growing takes the free
 * buddies above), and a buffer whose size is not a power of two: its tail becomes
 * smaller top-level blocks.
 */
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"
#include "stb_sprintf.h"
#include <stdio.h>

#define PAGE 64

static void write_stdout(void *user, const char *text, size_t len)
{
    (void)user;
    fwrite(text, 1, len, stdout);
}

/* The buffer is aligned to 16 pages, so the 16 pages form a single top-level block. */
static union { unsigned char bytes[ALLOC_BUDDY_BUFFER_SIZE(16, PAGE)]; long double align_hint; } mem16;
static unsigned char raw[4 * 16 * PAGE + 2048];

static unsigned char *aligned(unsigned char *p, size_t align)
{
    return p + ((align - (size_t)((uintptr_t)p % align)) % align);
}

static void step(const alloc_buddy *b, const char *what)
{
    printf("\n-- %s\n", what);
    alloc_buddy_dump(b, write_stdout, NULL);
}

static size_t page_of(const alloc_buddy *b, const void *p)
{
    return (size_t)((const unsigned char *)p - b->base) / PAGE;
}

int main(void)
{
    alloc_buddy b;
    unsigned char *buf = aligned(raw, 16 * PAGE), *A, *B, *C, *D, *p, *q;
    char line[160];
    int ok = 1;
    (void)mem16;

    puts("=== Part 1: the lecture walkthrough, 16 pages of 64 bytes");
    if (alloc_buddy_init(&b, buf, ALLOC_BUDDY_BUFFER_SIZE(16, PAGE), PAGE) != ALLOC_OK) return 1;
    step(&b, "start: one free block of 2^4 pages");

    A = (unsigned char *)alloc_buddy_alloc(&b, 1 * PAGE);
    stbsp_snprintf(line, sizeof line, "A = alloc(1 page) -> page %zu: 16 split into 8+8, 4+4, 2+2, 1+1; the lower halves go on", page_of(&b, A));
    step(&b, line);
    B = (unsigned char *)alloc_buddy_alloc(&b, 2 * PAGE);
    stbsp_snprintf(line, sizeof line, "B = alloc(2 pages) -> pages %zu-%zu: the free 2^1 block, no split", page_of(&b, B), page_of(&b, B) + 1);
    step(&b, line);
    C = (unsigned char *)alloc_buddy_alloc(&b, 3 * PAGE);
    stbsp_snprintf(line, sizeof line, "C = alloc(3 pages) -> rounded to 4, pages %zu-%zu", page_of(&b, C), page_of(&b, C) + 3);
    step(&b, line);
    D = (unsigned char *)alloc_buddy_alloc(&b, 1 * PAGE);
    stbsp_snprintf(line, sizeof line, "D = alloc(1 page) -> page %zu: the free 2^0 block", page_of(&b, D));
    step(&b, line);
    ok &= page_of(&b, A) == 0 && page_of(&b, B) == 2 && page_of(&b, C) == 4 && page_of(&b, D) == 1;

    alloc_buddy_free(&b, D);
    step(&b, "free(D): its buddy (page 0, A) is live: no merge");
    alloc_buddy_free(&b, A);
    step(&b, "free(A): its buddy D is free and whole: merge into pages 0-1 (2^1); that block's buddy B is live");
    alloc_buddy_free(&b, C);
    step(&b, "free(C): its buddy, pages 0-3, is not wholly free (B): no merge");
    alloc_buddy_free(&b, B);
    step(&b, "free(B): merge with 0-1 -> 0-3, with C -> 0-7, with 8-15 -> one block of 16 pages");
    ok &= alloc_buddy_check(&b) == ALLOC_OK;

    puts("\n=== Part 2: realloc in place");
    alloc_buddy_init(&b, buf, ALLOC_BUDDY_BUFFER_SIZE(16, PAGE), PAGE);
    p = (unsigned char *)alloc_buddy_alloc(&b, 8 * PAGE);
    step(&b, "p = alloc(8 pages)");
    q = (unsigned char *)alloc_buddy_realloc(&b, p, 1 * PAGE);
    stbsp_snprintf(line, sizeof line, "realloc(p, 1 page): %s; the upper halves 4, 2, 1 are split off and freed",
                   q == p ? "in place" : "moved");
    step(&b, line);
    ok &= q == p;
    q = (unsigned char *)alloc_buddy_realloc(&b, p, 16 * PAGE);
    stbsp_snprintf(line, sizeof line, "realloc(p, 16 pages): %s; the free buddies 1, 2, 4, 8 above it are taken back",
                   q == p ? "in place" : "moved");
    step(&b, line);
    ok &= q == p;
    alloc_buddy_free(&b, p);

    puts("\n=== Part 2b: a buffer of 16 + 4 + 1 pages: the tail becomes blocks of 2^2 and 2^0");
    alloc_buddy_init(&b, buf, ALLOC_BUDDY_BUFFER_SIZE(21, PAGE), PAGE);
    step(&b, "start: three top-level blocks");
    p = (unsigned char *)alloc_buddy_alloc(&b, 3 * PAGE);
    q = (unsigned char *)alloc_buddy_alloc(&b, 1 * PAGE);
    stbsp_snprintf(line, sizeof line, "alloc(3 pages) -> page %zu, alloc(1 page) -> page %zu: exact fits in the tail, the 16 stays whole",
                   page_of(&b, p), page_of(&b, q));
    step(&b, line);
    ok &= page_of(&b, p) == 16 && page_of(&b, q) == 20;
    ok &= alloc_buddy_check(&b) == ALLOC_OK;

    puts("\n=== Part 3: a larger buddy is drawn to scale: 1 MiB of 4 KiB pages, a few blocks live");
    {
        static unsigned char big[(2u << 20) + 4096];
        unsigned char *bb = aligned(big, 1u << 20);
        alloc_buddy_init(&b, bb, ALLOC_BUDDY_BUFFER_SIZE(256, 4096), 4096);
        alloc_buddy_alloc(&b, 4096);
        alloc_buddy_alloc(&b, 5 * 4096);
        alloc_buddy_alloc(&b, 100000);
        alloc_buddy_alloc(&b, 64 * 4096);
        step(&b, "the buffer is aligned to 1 MiB: one top-level block of 2^8 pages");
        ok &= alloc_buddy_check(&b) == ALLOC_OK;
        /* Every block is aligned to its own size in absolute terms, so the blocks follow
           the addresses: the same 1 MiB handed in at an address that is a multiple of
           4 KiB but not of 8 KiB is cut into smaller top-level blocks. */
        alloc_buddy_init(&b, bb + 4096, ALLOC_BUDDY_BUFFER_SIZE(256, 4096), 4096);
        step(&b, "the same 1 MiB at an odd multiple of 4 KiB: the largest self-aligned blocks it holds");
        ok &= alloc_buddy_check(&b) == ALLOC_OK;
    }
    return ok ? 0 : 1;
}
