/* bench_slab.c — the slab cache against a hand-written intrusive free-list pool (called
 * through a function) and the system malloc, on the same sequence: batches of 1024
 * allocations of 64-byte objects, then the batch freed in a shuffled order. One
 * "operation" is one alloc plus one free.
 *
 * Targets (issue 5): alloc_slab_alloc + alloc_slab_free within 1.3x the instructions of
 * the pool, and at least 5x fewer than malloc + free.
 */
#include "bench.h"
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

#define BATCH 1024
#define OBJ 64
static unsigned char raw[(BATCH + 64) * OBJ * 2 + 65536];
static void *ptrs[BATCH];
static unsigned short perm[BATCH];

static unsigned char *aligned(void) { return raw + alloc__pad((uintptr_t)raw, 65536); }

/* The baseline a programmer writes by hand: a free list threaded through the objects. */
typedef struct pool { void *head; } pool;
#if defined(__GNUC__) || defined(__clang__)
#define BENCH_NOINLINE __attribute__((noinline))
#else
#define BENCH_NOINLINE
#endif
static BENCH_NOINLINE void *pool_alloc(pool *p)
{
    void *o = p->head;
    if (o != NULL) p->head = *(void **)o;
    return o;
}
static BENCH_NOINLINE void pool_free(pool *p, void *o)
{
    *(void **)o = p->head;
    p->head = o;
}

BENCH_KERNEL(kernel_pool)
{
    pool p;
    size_t i, j, acc = 0;
    unsigned char *m = aligned();
    p.head = NULL;
    for (j = BATCH + 64; j-- > 0;) pool_free(&p, m + j * OBJ);
    for (i = 0; i < n; i += BATCH) {
        for (j = 0; j < BATCH; j++) acc += (uintptr_t)(ptrs[j] = pool_alloc(&p));
        for (j = 0; j < BATCH; j++) pool_free(&p, ptrs[perm[j]]);
    }
    bench_sink = acc;
}

BENCH_KERNEL(kernel_slab)
{
    alloc_slab s;
    alloc_slab_desc d;
    size_t i, j, acc = 0;
    memset(&d, 0, sizeof d);
    d.size = OBJ;
    alloc_slab_init_buffer(&s, &d, aligned(), sizeof raw - 65536);
    for (i = 0; i < n; i += BATCH) {
        for (j = 0; j < BATCH; j++) acc += (uintptr_t)(ptrs[j] = alloc_slab_alloc(&s));
        for (j = 0; j < BATCH; j++) alloc_slab_free(&s, ptrs[perm[j]]);
    }
    bench_sink = acc;
}

static void nop_ctor(void *o, void *u) { (void)u; *(size_t *)o = 1; }

BENCH_KERNEL(kernel_slab_ctor)
{
    alloc_slab s;
    alloc_slab_desc d;
    size_t i, j, acc = 0;
    memset(&d, 0, sizeof d);
    d.size = OBJ;
    d.ctor = nop_ctor;
    alloc_slab_init_buffer(&s, &d, aligned(), sizeof raw - 65536);
    for (i = 0; i < n; i += BATCH) {
        for (j = 0; j < BATCH; j++) acc += (uintptr_t)(ptrs[j] = alloc_slab_alloc(&s));
        for (j = 0; j < BATCH; j++) alloc_slab_free(&s, ptrs[perm[j]]);
    }
    bench_sink = acc;
}

/* One object live at a time: alloc, free, alloc, free ... (the worst case for the lists:
   the current slab empties on every free). */
BENCH_KERNEL(kernel_slab_pairs)
{
    alloc_slab s;
    alloc_slab_desc d;
    size_t i, acc = 0;
    void *p;
    memset(&d, 0, sizeof d);
    d.size = OBJ;
    alloc_slab_init_buffer(&s, &d, aligned(), sizeof raw - 65536);
    for (i = 0; i < n; i++) {
        p = alloc_slab_alloc(&s);
        acc += (uintptr_t)p;
        alloc_slab_free(&s, p);
    }
    bench_sink = acc;
}

BENCH_KERNEL(kernel_malloc)
{
    size_t i, j, acc = 0;
    for (i = 0; i < n; i += BATCH) {
        for (j = 0; j < BATCH; j++) acc += (uintptr_t)(ptrs[j] = malloc(OBJ));
        for (j = 0; j < BATCH; j++) free(ptrs[perm[j]]);
    }
    bench_sink = acc;
}

int main(int argc, char **argv)
{
    static const bench_kernel ks[] = {
        BENCH_ENTRY(kernel_pool, 2 * 1024 * 1024),
        BENCH_ENTRY(kernel_slab, 2 * 1024 * 1024),
        BENCH_ENTRY(kernel_slab_ctor, 2 * 1024 * 1024),
        BENCH_ENTRY(kernel_slab_pairs, 2 * 1024 * 1024),
        BENCH_ENTRY(kernel_malloc, 2 * 1024 * 1024),
    };
    bench_result r[5];
    size_t i;
    unsigned long long x = 88172645463325252ull;
    for (i = 0; i < BATCH; i++) perm[i] = (unsigned short)i;
    for (i = BATCH - 1; i > 0; i--) {
        size_t j;
        unsigned short t;
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        j = (size_t)(x % (i + 1));
        t = perm[i]; perm[i] = perm[j]; perm[j] = t;
    }
    if (bench_kernel_mode(argc, argv, ks, 5)) return 0;
    bench_begin("slab", 5);

    bench_print_header("slab: batches of 1024 allocs of 64 bytes, freed shuffled (op = alloc + free)");
    bench_measure_group(argv[0], ks, 5, r);
    printf("  instructions per alloc + free: slab %.1f, slab with ctor %.1f, pool %.1f, malloc %.1f\n",
           r[1].instr, r[2].instr, r[0].instr, r[4].instr);
    bench_target("slab instr / pool instr", r[1].instr >= 0 ? r[1].instr / r[0].instr : -1, 1.3, 1, "x");
    bench_target("slab (ctor) instr / pool instr", r[2].instr >= 0 ? r[2].instr / r[0].instr : -1, 1.3, 1, "x");
    bench_target("malloc instr / slab instr", r[1].instr >= 0 ? r[4].instr / r[1].instr : -1, 5, 0, "x");
    bench_info("malloc time / slab time (median)", r[4].ns_median / r[1].ns_median, "x");
    bench_info("slab time / pool time (median)", r[1].ns_median / r[0].ns_median, "x");
    printf("  (one object live at a time: %.1f instructions per alloc + free)\n", r[3].instr);
    return 0;
}
