/* allocsim.c — step through an allocator and watch its memory map, as the lecture does.
 *
 * Reads commands, one per line, from standard input (type them, or run a script:
 * `allocsim < examples/lessons/buddy.txt`), and after each command that changes the
 * allocator draws its map:
 *
 *   arena SIZE                 a bump allocator over SIZE bytes
 *   heap SIZE [first|next|best|worst|good]
 *   buddy SIZE MIN_BLOCK       a buddy allocator; blocks from MIN_BLOCK up
 *   slab OBJECT_SIZE [BUFFER]  a slab cache of OBJECT_SIZE objects in 1 KiB slabs over
 *                              BUFFER bytes (default 16 KiB)
 *   a NAME SIZE                allocate SIZE bytes (slab: one object) and call it NAME
 *   f NAME                     free NAME
 *   r NAME SIZE                realloc NAME to SIZE bytes
 *   save NAME / restore NAME   arena marks
 *   reset                      arena: free everything; slab: give empty slabs back
 *   show                       draw the map again
 *   # ...                      a comment, echoed (lessons explain themselves)
 *   quiet / loud               stop / start drawing after every command
 *
 * With an argument `--check`, the program also runs the allocator's check after every
 * command and stops with status 1 if it fails.
 */
#define ALLOC_HEAP_LARGE 0   /* textbook splitting: every block from the front of its hole */
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { NONE, ARENA, HEAP, BUDDY, SLAB };

/* 2 MiB, of which the simulated memory is the 1 MiB at `memory`, aligned to 1 MiB so that a
   buddy's blocks are aligned to their own size and the maps start at offset 0. */
static unsigned char pool[2 << 20];
static unsigned char *memory;
#define MEMORY_SIZE ((size_t)1 << 20)
static enum kind kind = NONE;
static alloc_arena arena;
#ifndef ALLOC_NO_HEAP
static alloc_heap heap;
#endif
#ifndef ALLOC_NO_BUDDY
static alloc_buddy buddy;
#endif
#ifndef ALLOC_NO_SLAB
static alloc_slab slab;
static alloc_slab_desc slab_desc;
#endif

#define MAX_NAMES 256
static struct { char name[32]; void *p; size_t size; } names[MAX_NAMES];
static struct { char name[32]; alloc_arena_mark m; } marks[32];
static int nmarks, loud = 1, check_each;

static void out(void *user, const char *text, size_t len)
{
    (void)user;
    fwrite(text, 1, len, stdout);
}

static int find(const char *name)
{
    int i;
    for (i = 0; i < MAX_NAMES; i++)
        if (names[i].p != NULL && strcmp(names[i].name, name) == 0) return i;
    return -1;
}

static int slot(void)
{
    int i;
    for (i = 0; i < MAX_NAMES; i++)
        if (names[i].p == NULL) return i;
    return -1;
}

static void show(void)
{
    int i, any = 0;
    switch (kind) {
    case ARENA: alloc_arena_dump(&arena, out, NULL); break;
#ifndef ALLOC_NO_HEAP
    case HEAP: alloc_heap_dump(&heap, out, NULL); break;
#endif
#ifndef ALLOC_NO_BUDDY
    case BUDDY: alloc_buddy_dump(&buddy, out, NULL); break;
#endif
#ifndef ALLOC_NO_SLAB
    case SLAB: alloc_slab_dump(&slab, out, NULL); break;
#endif
    default: printf("(no allocator yet: start with arena, heap, buddy or slab)\n"); return;
    }
    for (i = 0; i < MAX_NAMES; i++) {
        if (names[i].p == NULL) continue;
        printf("%s%s@%zu(%zu)", any ? "  " : "  names: ", names[i].name,
               (size_t)((unsigned char *)names[i].p - memory), names[i].size);
        any = 1;
    }
    if (any) printf("\n");
}

static int check(void)
{
    alloc_result r = ALLOC_OK;
    switch (kind) {
    case ARENA: r = alloc_arena_check(&arena); break;
#ifndef ALLOC_NO_HEAP
    case HEAP: r = alloc_heap_check(&heap); break;
#endif
#ifndef ALLOC_NO_BUDDY
    case BUDDY: r = alloc_buddy_check(&buddy); break;
#endif
#ifndef ALLOC_NO_SLAB
    case SLAB: r = alloc_slab_check(&slab); break;
#endif
    default: break;
    }
    if (r != ALLOC_OK) printf("check FAILED: %s\n", alloc_result_string(r));
    return r == ALLOC_OK;
}

static void *do_alloc(size_t size)
{
    switch (kind) {
    case ARENA: return alloc_arena_alloc(&arena, size, 1);
#ifndef ALLOC_NO_HEAP
    case HEAP: return alloc_heap_alloc(&heap, size);
#endif
#ifndef ALLOC_NO_BUDDY
    case BUDDY: return alloc_buddy_alloc(&buddy, size);
#endif
#ifndef ALLOC_NO_SLAB
    case SLAB: (void)size; return alloc_slab_alloc(&slab);
#endif
    default: return NULL;
    }
}

static void do_free(void *p)
{
    switch (kind) {
    case ARENA: alloc_arena_free(&arena, p); break;
#ifndef ALLOC_NO_HEAP
    case HEAP: alloc_heap_free(&heap, p); break;
#endif
#ifndef ALLOC_NO_BUDDY
    case BUDDY: alloc_buddy_free(&buddy, p); break;
#endif
#ifndef ALLOC_NO_SLAB
    case SLAB: alloc_slab_free(&slab, p); break;
#endif
    default: break;
    }
}

static void *do_realloc(void *p, size_t size)
{
    switch (kind) {
    case ARENA: return alloc_arena_realloc(&arena, p, size, 1);
#ifndef ALLOC_NO_HEAP
    case HEAP: return alloc_heap_realloc(&heap, p, size);
#endif
#ifndef ALLOC_NO_BUDDY
    case BUDDY: return alloc_buddy_realloc(&buddy, p, size);
#endif
    default: printf("realloc: not for this allocator\n"); return NULL;
    }
}

static size_t arg_size(const char *s, size_t fallback)
{
    return s ? (size_t)strtoull(s, NULL, 0) : fallback;
}

/* Starts a new allocator; every name and mark is forgotten. */
static int start(const char *what, char *a1, char *a2)
{
    size_t size = arg_size(a1, 4096);
    alloc_result r = ALLOC_ERR_INVALID;
    memset(names, 0, sizeof names);
    nmarks = 0;
    if (size > MEMORY_SIZE / 2) size = MEMORY_SIZE / 2;
    if (strcmp(what, "arena") == 0) { kind = ARENA; r = alloc_arena_init(&arena, memory, size); }
#ifndef ALLOC_NO_HEAP
    else if (strcmp(what, "heap") == 0) {
        alloc_fit fit = ALLOC_FIT_GOOD;
        if (a2 && strcmp(a2, "first") == 0) fit = ALLOC_FIT_FIRST;
        else if (a2 && strcmp(a2, "next") == 0) fit = ALLOC_FIT_NEXT;
        else if (a2 && strcmp(a2, "best") == 0) fit = ALLOC_FIT_BEST;
        else if (a2 && strcmp(a2, "worst") == 0) fit = ALLOC_FIT_WORST;
        kind = HEAP;
        r = alloc_heap_init(&heap, memory, size, fit);
    }
#endif
#ifndef ALLOC_NO_BUDDY
    else if (strcmp(what, "buddy") == 0) {
        kind = BUDDY;
        /* SIZE bytes of blocks, plus the metadata the buddy keeps after them. */
        size_t min_block = arg_size(a2, 4096);
        r = alloc_buddy_init(&buddy, memory, size + alloc_buddy_metadata_size(size, min_block) + min_block, min_block);
    }
#endif
#ifndef ALLOC_NO_SLAB
    else if (strcmp(what, "slab") == 0) {
        memset(&slab_desc, 0, sizeof slab_desc);
        slab_desc.name = "sim";
        slab_desc.size = arg_size(a1, 64);
        slab_desc.slab_size = 1024;   /* small slabs, so a lesson sees several of them */
        kind = SLAB;
        r = alloc_slab_init_buffer(&slab, &slab_desc, memory, arg_size(a2, 16384));
    }
#endif
    else { printf("unknown allocator '%s'\n", what); return 0; }
    if (r != ALLOC_OK) { printf("%s: %s\n", what, alloc_result_string(r)); kind = NONE; return 0; }
    return 1;
}

static int command(char *line)
{
    char *cmd = strtok(line, " \t\r\n"), *a1, *a2;
    int i;
    if (cmd == NULL) return 0;
    a1 = strtok(NULL, " \t\r\n");
    a2 = strtok(NULL, " \t\r\n");
    if (strcmp(cmd, "arena") == 0 || strcmp(cmd, "heap") == 0 || strcmp(cmd, "buddy") == 0 || strcmp(cmd, "slab") == 0)
        return start(cmd, a1, a2);
    if (kind == NONE && strcmp(cmd, "quiet") != 0 && strcmp(cmd, "loud") != 0) {
        printf("start with: arena SIZE | heap SIZE POLICY | buddy SIZE MIN | slab SIZE\n");
        return 0;
    }
    if (strcmp(cmd, "a") == 0 && a1) {
        void *p;
        if ((i = slot()) < 0 || find(a1) >= 0) { printf("a: no room for the name, or '%s' is taken\n", a1); return 0; }
        p = do_alloc(arg_size(a2, 1));
        if (p == NULL) { printf("a %s: NULL (no block for %zu bytes)\n", a1, arg_size(a2, 1)); return 1; }
        strncpy(names[i].name, a1, sizeof names[i].name - 1);
        names[i].p = p;
        names[i].size = arg_size(a2, 1);
        printf("a %s %zu -> offset %zu\n", a1, names[i].size, (size_t)((unsigned char *)p - memory));
        return 1;
    }
    if (strcmp(cmd, "f") == 0 && a1) {
        if ((i = find(a1)) < 0) { printf("f: no block called '%s'\n", a1); return 0; }
        do_free(names[i].p);
        names[i].p = NULL;
        printf("f %s\n", a1);
        return 1;
    }
    if (strcmp(cmd, "r") == 0 && a1) {
        void *p;
        if ((i = find(a1)) < 0) { printf("r: no block called '%s'\n", a1); return 0; }
        p = do_realloc(names[i].p, arg_size(a2, 1));
        if (p == NULL) { printf("r %s: NULL (the block is unchanged)\n", a1); return 1; }
        printf("r %s %zu -> offset %zu%s\n", a1, arg_size(a2, 1), (size_t)((unsigned char *)p - memory),
               p == names[i].p ? " (in place)" : " (moved)");
        names[i].p = p;
        names[i].size = arg_size(a2, 1);
        return 1;
    }
    if (strcmp(cmd, "save") == 0 && a1 && kind == ARENA && nmarks < 32) {
        strncpy(marks[nmarks].name, a1, sizeof marks[nmarks].name - 1);
        marks[nmarks++].m = alloc_arena_save(&arena);
        printf("save %s\n", a1);
        return 0;
    }
    if (strcmp(cmd, "restore") == 0 && a1 && kind == ARENA) {
        for (i = nmarks - 1; i >= 0; i--)
            if (strcmp(marks[i].name, a1) == 0) {
                unsigned char *top = marks[i].m.top;
                int j;
                alloc_arena_restore(&arena, marks[i].m);
                for (j = 0; j < MAX_NAMES; j++)   /* names at or above the mark are gone */
                    if (names[j].p && (unsigned char *)names[j].p >= top && (unsigned char *)names[j].p < memory + MEMORY_SIZE)
                        names[j].p = NULL;
                nmarks = i + 1;
                printf("restore %s\n", a1);
                return 1;
            }
        printf("restore: no mark called '%s'\n", a1);
        return 0;
    }
    if (strcmp(cmd, "reset") == 0) {
        if (kind == ARENA) { alloc_arena_reset(&arena); memset(names, 0, sizeof names); nmarks = 0; }
#ifndef ALLOC_NO_SLAB
        else if (kind == SLAB) printf("shrink: %zu bytes given back\n", alloc_slab_shrink(&slab));
#endif
        else printf("reset: only the arena resets (and the slab shrinks)\n");
        return 1;
    }
    if (strcmp(cmd, "show") == 0) { show(); return 0; }
    if (strcmp(cmd, "quiet") == 0) { loud = 0; return 0; }
    if (strcmp(cmd, "loud") == 0) { loud = 1; return 0; }
    printf("unknown command '%s'\n", cmd);
    return 0;
}

int main(int argc, char **argv)
{
    char line[256];
    memory = pool + ((MEMORY_SIZE - ((uintptr_t)pool & (MEMORY_SIZE - 1))) & (MEMORY_SIZE - 1));
    check_each = argc > 1 && strcmp(argv[1], "--check") == 0;
    while (fgets(line, sizeof line, stdin)) {
        if (line[0] == '#') { fputs(line, stdout); continue; }
        if (line[0] != '\n' && strncmp(line, "quiet", 5) != 0 && strncmp(line, "loud", 4) != 0) printf("> %s", line);
        if (command(line) && loud) show();
        if (check_each && kind != NONE && !check()) return 1;
    }
    return 0;
}
