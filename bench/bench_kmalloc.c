/* bench_kmalloc.c — the kmalloc (slab caches over a buddy) against the system malloc,
 * replaying the same traces: the malloc-lab traces of bench/traces (all five, one
 * after the other; the kmalloc serves every size in them), and two generated ones over a
 * live set of up to 4096 blocks: "small", sizes 1..2048 (what the slab caches serve),
 * mostly small as programs' are, and "mixed", where 5% of the requests are 2..32 KiB.
 *
 * Target (issue 5): the kmalloc at least 2x faster than the system malloc on the traces
 * it can serve.
 */
#include "bench.h"
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

#define SLOTS 4096
#define TRACE 1000000
typedef struct op { unsigned char kind; unsigned short slot; unsigned size; } op;
static op small_trace[TRACE], mixed_trace[TRACE];
static void *slot[SLOTS];

#define MEM ((size_t)64 << 20)
static unsigned char *ram;
static alloc_buddy buddy;
static alloc_kmalloc km;

static unsigned long long rng = 88172645463325252ull;
static size_t rnd(size_t n) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (size_t)(rng % n); }

static size_t pick_size(int mixed)
{
    size_t r = rnd(100);
    if (mixed && r < 5) return 2049 + rnd(30000);
    if (r < 60) return 1 + rnd(64);
    if (r < 90) return 65 + rnd(448);
    return 513 + rnd(1536);
}

/* kind 0: alloc into an empty slot; 1: free a full slot; 2: realloc a full slot. */
static void make_trace(op *t, int mixed)
{
    static unsigned char full[SLOTS];
    size_t i, live = 0;
    memset(full, 0, sizeof full);
    for (i = 0; i < TRACE; i++) {
        size_t s = rnd(SLOTS), r = rnd(100);
        t[i].slot = (unsigned short)s;
        if (!full[s]) {
            t[i].kind = 0;
            t[i].size = (unsigned)pick_size(mixed);
            full[s] = 1;
            live++;
        } else if (r < 80 || live > SLOTS * 3 / 4) {
            t[i].kind = 1;
            full[s] = 0;
            live--;
        } else {
            t[i].kind = 2;
            t[i].size = (unsigned)pick_size(mixed);
        }
    }
}

/* Each replay starts and ends with every slot empty. */
/* The malloc-lab traces: "a ID SIZE", "f ID", "r ID SIZE" after four header lines. */
#define LAB_MAX 40000
static op lab[LAB_MAX];
static size_t nlab;
static void *lab_slot[4096];
static void load_lab(void)
{
    static const char *const names[] = {"binary", "coalesce", "frame", "random", "realloc"};
    size_t t, base_id = 0;
    for (t = 0; t < 5; t++) {
        char path[128], kind;
        unsigned long id, size;
        unsigned long ids = 0;
        int line = 0;
        FILE *f;
        snprintf(path, sizeof path, "bench/traces/%s.rep", names[t]);
        f = fopen(path, "r");
        if (f == NULL) continue;
        while (line < 4 && fscanf(f, "%lu", &id) == 1) { if (line == 1) ids = id; line++; }
        while (nlab < LAB_MAX && fscanf(f, " %c %lu", &kind, &id) == 2) {
            size = 0;
            if (kind != 'f' && fscanf(f, "%lu", &size) != 1) break;
            if (base_id + id >= 4096) continue;
            lab[nlab].kind = (unsigned char)(kind == 'a' ? 0 : kind == 'f' ? 1 : 2);
            lab[nlab].slot = (unsigned short)(base_id + id);
            lab[nlab].size = (unsigned)size;
            nlab++;
        }
        fclose(f);
        base_id = 0;   /* each trace ends with every id freed, so ids can be reused */
        (void)ids;
    }
}

static void replay_malloc(const op *t, size_t n)
{
    size_t i, j, acc = 0;
    for (i = 0; i < n; i++) {
        const op *o = &t[i % TRACE];
        if (i % TRACE == 0) for (j = 0; j < SLOTS; j++) { free(slot[j]); slot[j] = NULL; }
        if (o->kind == 0) acc += (uintptr_t)(slot[o->slot] = malloc(o->size));
        else if (o->kind == 1) { free(slot[o->slot]); slot[o->slot] = NULL; }
        else acc += (uintptr_t)(slot[o->slot] = realloc(slot[o->slot], o->size));
    }
    for (j = 0; j < SLOTS; j++) { free(slot[j]); slot[j] = NULL; }
    bench_sink = acc;
}

static void replay_kmalloc(const op *t, size_t n)
{
    size_t i, j, acc = 0;
    for (i = 0; i < n; i++) {
        const op *o = &t[i % TRACE];
        if (i % TRACE == 0) for (j = 0; j < SLOTS; j++) { alloc_kmalloc_free(&km, slot[j]); slot[j] = NULL; }
        if (o->kind == 0) acc += (uintptr_t)(slot[o->slot] = alloc_kmalloc_alloc(&km, o->size));
        else if (o->kind == 1) { alloc_kmalloc_free(&km, slot[o->slot]); slot[o->slot] = NULL; }
        else acc += (uintptr_t)(slot[o->slot] = alloc_kmalloc_realloc(&km, slot[o->slot], o->size));
    }
    for (j = 0; j < SLOTS; j++) { alloc_kmalloc_free(&km, slot[j]); slot[j] = NULL; }
    bench_sink = acc;
}

/* The malloc-lab traces: a realloc of size 0 and a free of an empty slot never occur in
   them; each pass starts and ends with every id free. */
BENCH_KERNEL(kernel_malloc_traces)
{
    size_t i, acc = 0;
    for (i = 0; i < n; i++) {
        const op *o = &lab[i % nlab];
        if (o->kind == 0) acc += (uintptr_t)(lab_slot[o->slot] = malloc(o->size ? o->size : 1));
        else if (o->kind == 1) { free(lab_slot[o->slot]); lab_slot[o->slot] = NULL; }
        else acc += (uintptr_t)(lab_slot[o->slot] = realloc(lab_slot[o->slot], o->size ? o->size : 1));
    }
    for (i = 0; i < 4096; i++) { free(lab_slot[i]); lab_slot[i] = NULL; }
    bench_sink = acc;
}
BENCH_KERNEL(kernel_kmalloc_traces)
{
    size_t i, acc = 0;
    for (i = 0; i < n; i++) {
        const op *o = &lab[i % nlab];
        if (o->kind == 0) acc += (uintptr_t)(lab_slot[o->slot] = alloc_kmalloc_alloc(&km, o->size ? o->size : 1));
        else if (o->kind == 1) { alloc_kmalloc_free(&km, lab_slot[o->slot]); lab_slot[o->slot] = NULL; }
        else acc += (uintptr_t)(lab_slot[o->slot] = alloc_kmalloc_realloc(&km, lab_slot[o->slot], o->size ? o->size : 1));
    }
    for (i = 0; i < 4096; i++) { alloc_kmalloc_free(&km, lab_slot[i]); lab_slot[i] = NULL; }
    bench_sink = acc;
}

BENCH_KERNEL(kernel_malloc_small) { replay_malloc(small_trace, n); }
BENCH_KERNEL(kernel_kmalloc_small) { replay_kmalloc(small_trace, n); }
BENCH_KERNEL(kernel_malloc_mixed) { replay_malloc(mixed_trace, n); }
BENCH_KERNEL(kernel_kmalloc_mixed) { replay_kmalloc(mixed_trace, n); }

int main(int argc, char **argv)
{
    static const bench_kernel ks[] = {
        BENCH_ENTRY(kernel_malloc_traces, 1000000),
        BENCH_ENTRY(kernel_kmalloc_traces, 1000000),
        BENCH_ENTRY(kernel_malloc_small, TRACE),
        BENCH_ENTRY(kernel_kmalloc_small, TRACE),
        BENCH_ENTRY(kernel_malloc_mixed, TRACE),
        BENCH_ENTRY(kernel_kmalloc_mixed, TRACE),
    };
    bench_result r[6];
    unsigned char *raw = (unsigned char *)malloc(MEM + MEM / 1024 + MEM);
    if (raw == NULL) return 1;
    ram = raw + alloc__pad((uintptr_t)raw, MEM);
    if (alloc_buddy_init(&buddy, ram, ALLOC_BUDDY_BUFFER_SIZE(MEM / 4096, 4096), 4096) != ALLOC_OK) return 1;
    if (alloc_kmalloc_init(&km, &buddy) != ALLOC_OK) return 1;
    make_trace(small_trace, 0);
    make_trace(mixed_trace, 1);
    load_lab();
    if (nlab == 0) { printf("bench_kmalloc: no bench/traces/*.rep (run from the repository root)\n"); return 1; }
    if (bench_kernel_mode(argc, argv, ks, 6)) return 0;
    bench_begin("kmalloc", 5);

    bench_print_header("kmalloc: replayed traces (alloc / free / realloc; op = one trace line)");
    bench_measure_group(argv[0], ks, 6, r);
    bench_target("malloc time / kmalloc time, bench/traces (median)", r[0].ns_median / r[1].ns_median, 2, 0, "x");
    bench_target("malloc time / kmalloc time, sizes <= 2048 (median)", r[2].ns_median / r[3].ns_median, 2, 0, "x");
    bench_target("malloc time / kmalloc time, 5% large (median)", r[4].ns_median / r[5].ns_median, 2, 0, "x");
    printf("  instructions per op: traces %.1f vs malloc %.1f; small %.1f vs %.1f; mixed %.1f vs %.1f\n",
           r[1].instr, r[0].instr, r[3].instr, r[2].instr, r[5].instr, r[4].instr);
    if (alloc_kmalloc_check(&km) != ALLOC_OK) { printf("  kmalloc check FAILED\n"); return 1; }
    return 0;
}
