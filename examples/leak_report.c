/* A game's shutdown leak report: allocations made through the tracking macros remember
   their file and line (with ALLOC_DEBUG); at shutdown report_live lists what is still
   live. This example turns ALLOC_DEBUG on itself (a game would set it for its debug
   builds, in every file that includes alloc.h); without it only the count is printed. */
#ifndef ALLOC_DEBUG
#define ALLOC_DEBUG
#endif
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"
#include <stdio.h>

static void out(void *user, const char *text, size_t len) { (void)user; fwrite(text, 1, len, stdout); }

static unsigned char level_mem[64 * 1024];

int main(void)
{
    alloc_heap heap;
    char *name, *mesh, *sound;
    alloc_heap_init(&heap, level_mem, sizeof level_mem, ALLOC_FIT_GOOD);
    name = (char *)ALLOC_HEAP_ALLOC(&heap, 32);
    mesh = (char *)ALLOC_HEAP_CALLOC(&heap, 100, 12);
    sound = (char *)ALLOC_HEAP_ALLOC(&heap, 4000);         /* forgotten: never freed */
    (void)sound;
    mesh = (char *)ALLOC_HEAP_REALLOC(&heap, mesh, 2400);
    alloc_heap_free(&heap, name);
    alloc_heap_free(&heap, mesh);
    printf("shutdown: %zu leak(s)\n", alloc_heap_live_count(&heap));
    alloc_heap_report_live(&heap, out, NULL);
    alloc_heap_dump(&heap, out, NULL);
    return alloc_heap_check(&heap) == ALLOC_OK ? 0 : 1;
}
