/* bench_micro.c - every family and its baselines on the same four microbenchmarks, so
 * that one table compares them all (the family programs hold the targets):
 *
 *   lifo64    batches of 1024 allocations of 64 bytes, freed newest first (LIFO)
 *   rand64    batches of 1024 allocations of 64 bytes, freed in a shuffled order
 *   mixed     batches of 1024 allocations of 16..1024 bytes (mostly small), freed shuffled
 *   bump      batches of 4096 allocations of 1..64 bytes, released at once
 *
 * One "operation" is one object: its allocation plus its release (a free, or its share of
 * the batch's reset for the arena and the bump pointer, which cannot free out of order).
 * Allocators: the arena, the heap (ALLOC_FIT_GOOD), the buddy (16-byte min blocks), the
 * slab (64-byte objects only), the kmalloc (slab caches over a buddy), a hand-written
 * inline bump pointer, a hand-written intrusive free-list pool called through a function
 * (64-byte objects only), and the system malloc. The library is compiled into this file,
 * as a user of a single header compiles it, so the compiler may inline its fast paths.
 * ns/op is the median of BENCH_RUNS runs; instr/op counts the whole kernel under
 * callgrind (the loop included: it is the same loop for every allocator).
 */
#include "bench.h"
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

#ifdef ALLOC_SLAB_MIN_SIZE
#define HAVE_SLAB 1
#else
#define HAVE_SLAB 0
#endif
#ifdef ALLOC_KMALLOC_MAX
#define HAVE_KMALLOC 1
#else
#define HAVE_KMALLOC 0
#endif
#if defined(__GNUC__) || defined(__clang__)
#define MICRO_NOINLINE __attribute__((noinline))
#else
#define MICRO_NOINLINE
#endif

#define BATCH 1024
#define BUMP_BATCH 4096
#define MEM ((size_t)8 << 20)
/* Each allocator has its own region (they are all set up before the first kernel runs). */
static unsigned char *mem_arena, *mem_heap, *mem_buddy, *mem_slab, *mem_kmalloc, *mem_bump, *mem_pool;
static void *ptrs[BUMP_BATCH];
static size_t msize[BATCH], bsize[64];
static unsigned short perm[BATCH];

static alloc_arena A;
static alloc_heap H;
static alloc_buddy B;
#if HAVE_SLAB
static alloc_slab S;
#endif
#if HAVE_KMALLOC
static alloc_kmalloc K;
static alloc_buddy KB;   /* the kmalloc's own buddy, of 4 KiB pages */
#endif

/* The hand-written baselines. */
typedef struct bump { unsigned char *top, *end; } bump;
static bump P;
static inline void *bump_alloc(bump *b, size_t size, size_t align)
{
    unsigned char *p = (unsigned char *)(((uintptr_t)b->top + (align - 1)) & ~(uintptr_t)(align - 1));
    if (size > (size_t)(b->end - p)) return NULL;
    b->top = p + size;
    return p;
}
typedef struct pool { void *head; } pool;
static pool Q;
static MICRO_NOINLINE void *pool_alloc(pool *p)
{
    void *o = p->head;
    if (o != NULL) p->head = *(void **)o;
    return o;
}
static MICRO_NOINLINE void pool_free(pool *p, void *o)
{
    *(void **)o = p->head;
    p->head = o;
}

/* Each allocator is set up afresh before each kernel run (not counted by callgrind: the
   kernels call these first, and their share is one call per run of a million ops). */
static void setup_arena(void) { alloc_arena_init(&A, mem_arena, MEM); }
static void setup_heap(void) { alloc_heap_init(&H, mem_heap, MEM, ALLOC_FIT_GOOD); }
static void setup_buddy(void) { alloc_buddy_init(&B, mem_buddy, MEM, 16); }
static void setup_bump(void) { P.top = mem_bump; P.end = mem_bump + MEM; }
static void setup_pool(void)
{
    size_t j;
    Q.head = NULL;
    for (j = BATCH + 64; j-- > 0;) pool_free(&Q, mem_pool + j * 64);
}
#if HAVE_SLAB
static void setup_slab(void)
{
    alloc_slab_desc d;
    memset(&d, 0, sizeof d);
    d.size = 64;
    alloc_slab_init_buffer(&S, &d, mem_slab, MEM);
}
#endif
#if HAVE_KMALLOC
static void setup_kmalloc(void)
{
    alloc_buddy_init(&KB, mem_kmalloc, MEM, 4096);
    alloc_kmalloc_init(&K, &KB);
}
#endif
static void setup_none(void) { }

/* The four patterns, over ALLOC(size) / FREE(p) / END (after each batch). */
#define PATTERN_FIXED(ALLOC, FREE, END, ORDER)                                           \
    size_t i, j, acc = 0;                                                                \
    for (i = 0; i < n; i += BATCH) {                                                     \
        for (j = 0; j < BATCH; j++) acc += (uintptr_t)(ptrs[j] = ALLOC(64));             \
        for (j = 0; j < BATCH; j++) { void *q = ptrs[ORDER]; FREE(q); }                  \
        END;                                                                             \
    }                                                                                    \
    bench_sink = acc;
#define LIFO_ORDER (BATCH - 1 - j)
#define RAND_ORDER (perm[j])
#define PATTERN_MIXED(ALLOC, FREE, END)                                                  \
    size_t i, j, acc = 0;                                                                \
    for (i = 0; i < n; i += BATCH) {                                                     \
        for (j = 0; j < BATCH; j++) acc += (uintptr_t)(ptrs[j] = ALLOC(msize[j]));       \
        for (j = 0; j < BATCH; j++) { void *q = ptrs[perm[j]]; FREE(q); }                \
        END;                                                                             \
    }                                                                                    \
    bench_sink = acc;
#define PATTERN_BUMP(ALLOC, FREE, END)                                                   \
    size_t i, j, acc = 0;                                                                \
    for (i = 0; i < n; i += BUMP_BATCH) {                                                \
        for (j = 0; j < BUMP_BATCH; j++) acc += (uintptr_t)(ptrs[j] = ALLOC(bsize[j & 63])); \
        for (j = 0; j < BUMP_BATCH; j++) { void *q = ptrs[j]; FREE(q); }                 \
        END;                                                                             \
    }                                                                                    \
    bench_sink = acc;

#define NOTHING (void)0
#define NOFREE(p) (void)(p)
#define ARENA_ALLOC(s) alloc_arena_alloc(&A, (s), 8)
#define ARENA_FREE(p) alloc_arena_free(&A, (p))
#define ARENA_RESET alloc_arena_reset(&A)
#define HEAP_ALLOC(s) alloc_heap_alloc(&H, (s))
#define HEAP_FREE(p) alloc_heap_free(&H, (p))
#define BUDDY_ALLOC(s) alloc_buddy_alloc(&B, (s))
#define BUDDY_FREE(p) alloc_buddy_free(&B, (p))
#define SLAB_ALLOC(s) ((void)(s), alloc_slab_alloc(&S))
#define SLAB_FREE(p) alloc_slab_free(&S, (p))
#define KM_ALLOC(s) alloc_kmalloc_alloc(&K, (s))
#define KM_FREE(p) alloc_kmalloc_free(&K, (p))
#define BUMP_ALLOC(s) bump_alloc(&P, (s), 8)
#define BUMP_RESET (P.top = mem_bump)
#define POOL_ALLOC(s) ((void)(s), pool_alloc(&Q))
#define POOL_FREE(p) pool_free(&Q, (p))
#define MALLOC_ALLOC(s) malloc(s)
#define MALLOC_FREE(p) free(p)

/* The arena frees LIFO itself (its newest allocation, one at a time: the free of the
   second newest is a no-op, so the batch ends with a reset as the others do). */
BENCH_KERNEL(lifo64_arena) { PATTERN_FIXED(ARENA_ALLOC, ARENA_FREE, ARENA_RESET, LIFO_ORDER) }
BENCH_KERNEL(lifo64_heap) { PATTERN_FIXED(HEAP_ALLOC, HEAP_FREE, NOTHING, LIFO_ORDER) }
BENCH_KERNEL(lifo64_buddy) { PATTERN_FIXED(BUDDY_ALLOC, BUDDY_FREE, NOTHING, LIFO_ORDER) }
BENCH_KERNEL(lifo64_bump) { PATTERN_FIXED(BUMP_ALLOC, NOFREE, BUMP_RESET, LIFO_ORDER) }
BENCH_KERNEL(lifo64_pool) { PATTERN_FIXED(POOL_ALLOC, POOL_FREE, NOTHING, LIFO_ORDER) }
BENCH_KERNEL(lifo64_malloc) { PATTERN_FIXED(MALLOC_ALLOC, MALLOC_FREE, NOTHING, LIFO_ORDER) }
BENCH_KERNEL(rand64_arena) { PATTERN_FIXED(ARENA_ALLOC, NOFREE, ARENA_RESET, RAND_ORDER) }
BENCH_KERNEL(rand64_heap) { PATTERN_FIXED(HEAP_ALLOC, HEAP_FREE, NOTHING, RAND_ORDER) }
BENCH_KERNEL(rand64_buddy) { PATTERN_FIXED(BUDDY_ALLOC, BUDDY_FREE, NOTHING, RAND_ORDER) }
BENCH_KERNEL(rand64_bump) { PATTERN_FIXED(BUMP_ALLOC, NOFREE, BUMP_RESET, RAND_ORDER) }
BENCH_KERNEL(rand64_pool) { PATTERN_FIXED(POOL_ALLOC, POOL_FREE, NOTHING, RAND_ORDER) }
BENCH_KERNEL(rand64_malloc) { PATTERN_FIXED(MALLOC_ALLOC, MALLOC_FREE, NOTHING, RAND_ORDER) }
BENCH_KERNEL(mixed_arena) { PATTERN_MIXED(ARENA_ALLOC, NOFREE, ARENA_RESET) }
BENCH_KERNEL(mixed_heap) { PATTERN_MIXED(HEAP_ALLOC, HEAP_FREE, NOTHING) }
BENCH_KERNEL(mixed_buddy) { PATTERN_MIXED(BUDDY_ALLOC, BUDDY_FREE, NOTHING) }
BENCH_KERNEL(mixed_bump) { PATTERN_MIXED(BUMP_ALLOC, NOFREE, BUMP_RESET) }
BENCH_KERNEL(mixed_malloc) { PATTERN_MIXED(MALLOC_ALLOC, MALLOC_FREE, NOTHING) }
BENCH_KERNEL(bump_arena) { PATTERN_BUMP(ARENA_ALLOC, NOFREE, ARENA_RESET) }
BENCH_KERNEL(bump_heap) { PATTERN_BUMP(HEAP_ALLOC, HEAP_FREE, NOTHING) }
BENCH_KERNEL(bump_buddy) { PATTERN_BUMP(BUDDY_ALLOC, BUDDY_FREE, NOTHING) }
BENCH_KERNEL(bump_bump) { PATTERN_BUMP(BUMP_ALLOC, NOFREE, BUMP_RESET) }
BENCH_KERNEL(bump_malloc) { PATTERN_BUMP(MALLOC_ALLOC, MALLOC_FREE, NOTHING) }
#if HAVE_SLAB
BENCH_KERNEL(lifo64_slab) { PATTERN_FIXED(SLAB_ALLOC, SLAB_FREE, NOTHING, LIFO_ORDER) }
BENCH_KERNEL(rand64_slab) { PATTERN_FIXED(SLAB_ALLOC, SLAB_FREE, NOTHING, RAND_ORDER) }
#endif
#if HAVE_KMALLOC
BENCH_KERNEL(lifo64_kmalloc) { PATTERN_FIXED(KM_ALLOC, KM_FREE, NOTHING, LIFO_ORDER) }
BENCH_KERNEL(rand64_kmalloc) { PATTERN_FIXED(KM_ALLOC, KM_FREE, NOTHING, RAND_ORDER) }
BENCH_KERNEL(mixed_kmalloc) { PATTERN_MIXED(KM_ALLOC, KM_FREE, NOTHING) }
BENCH_KERNEL(bump_kmalloc) { PATTERN_BUMP(KM_ALLOC, KM_FREE, NOTHING) }
#endif

typedef struct entry { bench_kernel k; const char *pattern, *alloc; void (*setup)(void); } entry;
#define E(pat, al, setup) { { #pat "_" #al, pat##_##al, 1u << 20 }, #pat, #al, setup }
static const entry es[] = {
    E(lifo64, arena, setup_arena), E(lifo64, heap, setup_heap), E(lifo64, buddy, setup_buddy),
#if HAVE_SLAB
    E(lifo64, slab, setup_slab),
#endif
#if HAVE_KMALLOC
    E(lifo64, kmalloc, setup_kmalloc),
#endif
    E(lifo64, bump, setup_bump), E(lifo64, pool, setup_pool), E(lifo64, malloc, setup_none),
    E(rand64, arena, setup_arena), E(rand64, heap, setup_heap), E(rand64, buddy, setup_buddy),
#if HAVE_SLAB
    E(rand64, slab, setup_slab),
#endif
#if HAVE_KMALLOC
    E(rand64, kmalloc, setup_kmalloc),
#endif
    E(rand64, bump, setup_bump), E(rand64, pool, setup_pool), E(rand64, malloc, setup_none),
    E(mixed, arena, setup_arena), E(mixed, heap, setup_heap), E(mixed, buddy, setup_buddy),
#if HAVE_KMALLOC
    E(mixed, kmalloc, setup_kmalloc),
#endif
    E(mixed, bump, setup_bump), E(mixed, malloc, setup_none),
    E(bump, arena, setup_arena), E(bump, heap, setup_heap), E(bump, buddy, setup_buddy),
#if HAVE_KMALLOC
    E(bump, kmalloc, setup_kmalloc),
#endif
    E(bump, bump, setup_bump), E(bump, malloc, setup_none),
};
#define NE (sizeof es / sizeof es[0])

int main(int argc, char **argv)
{
    static const char *pats[] = { "lifo64", "rand64", "mixed", "bump" };
    static const char *als[] = { "arena", "heap", "buddy", "slab", "kmalloc", "bump", "pool", "malloc" };
    double ns[4][8], ins[4][8];
    bench_kernel ks[NE];
    size_t i, a, p;
    unsigned long long x = 88172645463325252ull;
    unsigned char *raw = (unsigned char *)malloc(8 * MEM), *mem;
    FILE *dat;
    if (raw == NULL) return 1;
    mem = raw + alloc__pad((uintptr_t)raw, MEM);
    mem_arena = mem; mem_heap = mem + MEM; mem_buddy = mem + 2 * MEM; mem_slab = mem + 3 * MEM;
    mem_kmalloc = mem + 4 * MEM; mem_bump = mem + 5 * MEM; mem_pool = mem + 6 * MEM;
    for (i = 0; i < BATCH; i++) perm[i] = (unsigned short)i;
    for (i = BATCH - 1; i > 0; i--) {
        size_t j;
        unsigned short t;
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        j = (size_t)(x % (i + 1));
        t = perm[i]; perm[i] = perm[j]; perm[j] = t;
    }
    for (i = 0; i < BATCH; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        msize[i] = x % 4 ? 16 + (size_t)((x >> 16) % 113) : 129 + (size_t)((x >> 16) % 896);
    }
    for (i = 0; i < 64; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; bsize[i] = 1 + (size_t)(x % 64); }
    for (i = 0; i < NE; i++) ks[i] = es[i].k;
    if (argc >= 4 && strcmp(argv[1], "--kernel") == 0) {
        for (i = 0; i < NE; i++) if (strcmp(es[i].k.name, argv[2]) == 0) es[i].setup();
        bench_kernel_mode(argc, argv, ks, NE);
        return 0;
    }
    bench_begin("micro", 7);
    for (p = 0; p < 4; p++) for (a = 0; a < 8; a++) ns[p][a] = ins[p][a] = -1;
    bench_print_header("micro: every family and its baselines (op = one object: its alloc + its release)");
    /* One pattern at a time, its allocators' runs interleaved (bench_time_group). Each
       kernel leaves its allocator as it found it, so all can be set up first. */
    for (i = 0; i < NE; i++) es[i].setup();
    for (i = 0; i < NE;) {
        bench_result r[NE];
        size_t j, m = 0;
        while (i + m < NE && strcmp(es[i + m].pattern, es[i].pattern) == 0) m++;
        bench_measure_group(argv[0], &ks[i], m, r);
        for (j = 0; j < m; j++) {
            for (p = 0; p < 4; p++) if (strcmp(es[i + j].pattern, pats[p]) == 0) break;
            for (a = 0; a < 8; a++) if (strcmp(es[i + j].alloc, als[a]) == 0) break;
            if (p < 4 && a < 8) { ns[p][a] = r[j].ns_median; ins[p][a] = r[j].instr; }
        }
        i += m;
    }
    /* Plot data: ns per op, one row per pattern, one column per allocator. */
    dat = bench_data_file("micro.dat");
    if (dat) {
        fprintf(dat, "pattern");
        for (a = 0; a < 8; a++) fprintf(dat, " %s", a == 5 ? "bump-inline" : a == 6 ? "pool-by-call" : als[a]);
        fprintf(dat, "\n");
        for (p = 0; p < 4; p++) {
            fprintf(dat, "%s", pats[p]);
            for (a = 0; a < 8; a++) if (ns[p][a] >= 0) fprintf(dat, " %.3f", ns[p][a]); else fprintf(dat, " NaN");
            fprintf(dat, "\n");
        }
        fclose(dat);
    }
    /* The same as a matrix in the results: instructions (ns) per op. */
    bench_tsv("H", "micro: instructions per op (ns per op), pattern by allocator", "pattern", "arena", "heap", "buddy", "slab",
              "kmalloc", "bump (inline)", "pool (function)", "malloc", (const char *)NULL);
    for (p = 0; p < 4; p++) {
        char c[8][48];
        for (a = 0; a < 8; a++) {
            if (ns[p][a] < 0) snprintf(c[a], sizeof c[a], "-");
            else if (ins[p][a] < 0) snprintf(c[a], sizeof c[a], "(%.1f ns)", ns[p][a]);
            else snprintf(c[a], sizeof c[a], "%.1f (%.1f ns)", ins[p][a], ns[p][a]);
        }
        bench_tsv("R", "micro: instructions per op (ns per op), pattern by allocator", pats[p], c[0], c[1], c[2], c[3], c[4], c[5],
                  c[6], c[7], (const char *)NULL);
    }
    free(raw);
    return 0;
}
