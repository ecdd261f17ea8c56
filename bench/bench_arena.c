/* bench_arena.c — the arena against a hand-written inline bump pointer and the system
 * malloc, on the same sequence: batches of 4096 allocations of mixed small sizes (1..64
 * bytes, 8-byte aligned), each batch released at once (reset; free of each for malloc).
 *
 * Targets (issue "foundation"): the arena within 1.2x the instructions of the inline bump
 * pointer, and at least 10x fewer than malloc; a 1 MiB arena holds > 1,000,000 one-byte
 * allocations.
 */
#include "bench.h"
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

#define BATCH 4096
static unsigned char buf[BATCH * 72 + 4096];
static size_t sizes[64];
static void *ptrs[BATCH];

/* The baseline a programmer writes by hand: round up, compare, move. */
typedef struct bump { unsigned char *top, *end; } bump;
static inline void *bump_alloc(bump *b, size_t size, size_t align)
{
    unsigned char *p = (unsigned char *)(((uintptr_t)b->top + (align - 1)) & ~(uintptr_t)(align - 1));
    if (size > (size_t)(b->end - p)) return NULL;
    b->top = p + size;
    return p;
}

BENCH_KERNEL(kernel_bump_inline)
{
    bump b = { buf, buf + sizeof buf };
    size_t i, acc = 0;
    for (i = 0; i < n; i++) {
        if (i % BATCH == 0) { b.top = buf; b.end = buf + sizeof buf; }
        acc += (uintptr_t)bump_alloc(&b, sizes[i & 63], 8);
    }
    bench_sink = acc;
}

BENCH_KERNEL(kernel_arena)
{
    alloc_arena a;
    size_t i, acc = 0;
    alloc_arena_init(&a, buf, sizeof buf);
    for (i = 0; i < n; i++) {
        if (i % BATCH == 0) alloc_arena_reset(&a);
        acc += (uintptr_t)alloc_arena_alloc(&a, sizes[i & 63], 8);
    }
    bench_sink = acc;
}

/* The same arena reached through the common interface: an indirect call per allocation,
   as a container that takes an alloc_allocator pays. */
BENCH_KERNEL(kernel_arena_interface)
{
    alloc_arena a;
    alloc_allocator al;
    void *(*volatile fn)(void *, size_t, size_t);   /* a real indirect call, as a container
                                                        that holds the allocator makes */
    size_t i, acc = 0;
    alloc_arena_init(&a, buf, sizeof buf);
    al = alloc_arena_allocator(&a);
    fn = al.alloc;
    for (i = 0; i < n; i++) {
        if (i % BATCH == 0) alloc_arena_reset(&a);
        acc += (uintptr_t)fn(al.ctx, sizes[i & 63], 8);
    }
    bench_sink = acc;
}

BENCH_KERNEL(kernel_malloc)
{
    size_t i, j, acc = 0;
    for (i = 0; i < n; i++) {
        if (i % BATCH == 0 && i) for (j = 0; j < BATCH; j++) free(ptrs[j]);
        ptrs[i % BATCH] = malloc(sizes[i & 63]);
        acc += (uintptr_t)ptrs[i % BATCH];
    }
    for (j = 0; j < (n - 1) % BATCH + 1; j++) free(ptrs[j]);
    bench_sink = acc;
}

int main(int argc, char **argv)
{
    static const bench_kernel ks[] = {
        BENCH_ENTRY(kernel_bump_inline, 4000000),
        BENCH_ENTRY(kernel_arena, 4000000),
        BENCH_ENTRY(kernel_arena_interface, 4000000),
        BENCH_ENTRY(kernel_malloc, 4000000),
    };
    bench_result r[4];
    size_t i, count = 0;
    static unsigned char mib[1 << 20];
    alloc_arena a;
    unsigned long long s = 88172645463325252ull;
    int ok = 1;

    for (i = 0; i < 64; i++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; sizes[i] = 1 + (size_t)(s % 64); }
    if (bench_kernel_mode(argc, argv, ks, 4)) return 0;
    bench_begin("arena", 2);

    bench_print_header("arena: batches of 4096 allocations of 1..64 bytes, released at once");
    bench_measure_group(argv[0], ks, 4, r);
    alloc_arena_init(&a, mib, sizeof mib);
    while (alloc_arena_alloc(&a, 1, 1) != NULL) count++;

    printf("  instructions: arena %.1f, inline bump %.1f, malloc+free %.1f per allocation\n",
           r[1].instr, r[0].instr, r[3].instr);
    ok &= bench_target("arena instr / inline bump instr", r[1].instr >= 0 ? r[1].instr / r[0].instr : -1, 1.2, 1, "x");
    ok &= bench_target("malloc instr / arena instr", r[1].instr >= 0 ? r[3].instr / r[1].instr : -1, 10, 0, "x");
    bench_info("arena time / inline bump time (median)", r[1].ns_median / r[0].ns_median, "x");
    bench_info("malloc time / arena time (median)", r[3].ns_median / r[1].ns_median, "x");
    ok &= bench_target("one-byte allocations in a 1 MiB arena", (double)count, 1000000, 0, "");
    bench_info("arena instr per allocation through alloc_allocator", r[2].instr, "");
    return 0;
}
