/* bench_heap.c - the replayed traces, and the heap's targets (issue 3), in one run:
 *   - the traces of bench/traces/ replayed under every fit policy, the buddy, the kmalloc
 *     (slab caches over a buddy, when alloc.h has it) and the system malloc: median ns/op
 *     with the spread, instructions per malloc-or-free inside the allocator only
 *     (callgrind, collecting inside the bench's one-line wrappers bw_*), and utilization:
 *     peak live requested bytes / the smallest region on which the whole trace succeeds
 *     (bisection to 16 bytes);
 *   - external fragmentation (1 - largest_free / free, from alloc_heap_stats) after each
 *     operation of each trace under the five policies, for the plot ($BENCH_DATA);
 *   - the O(1) claim: GOOD's instructions per operation in a steady random mix over heaps
 *     holding about 10, 1,000 and 30,000 free blocks (the count must not grow);
 *   - one-byte allocations in a 1 MiB heap, and the control block's size.
 * Each figure is printed next to its target. Environment: as bench.h (BENCH_RUNS,
 * BENCH_NO_CALLGRIND, BENCH_SCALE).
 */
#include "bench.h"
#include "trace.h"
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

#define NTRACES 5
#define NPOL 5
static const char *trace_paths[NTRACES] = { "bench/traces/random.rep", "bench/traces/binary.rep", "bench/traces/realloc.rep",
                                            "bench/traces/coalesce.rep", "bench/traces/frame.rep" };
static const char *pol_names[NPOL] = { "good", "first", "next", "best", "worst" };
static const char *trace_names[NTRACES] = { "random", "binary", "realloc", "coalesce", "frame" };

static trace traces[NTRACES];
static trace *cur;                       /* the trace the kernels replay */
static unsigned char *mem;
static size_t mem_size = (size_t)64 << 20;


/* Every allocator on the traces is reached through the same three function pointers, and
   each pointer leads to a small wrapper of the bench's (bw_*) that calls the allocator:
   the compiler cannot inline the allocator into the loop, every family pays the same
   indirect call, and callgrind counts "inside the allocator" as the instructions inside
   bw_* (--toggle-collect=bw_*): the allocator and everything it calls, plus the wrapper's
   own one or two instructions. Toggling on the wrappers, not on the library's functions,
   also counts a realloc that calls the family's own alloc and free (the buddy's, the
   kmalloc's) in full: callgrind's toggles do not nest. */
#if defined(__GNUC__) || defined(__clang__)
#define BW static __attribute__((noinline, noclone, used))
#else
#define BW static
#endif
enum { F_GOOD, F_FIRST, F_NEXT, F_BEST, F_WORST, F_BUDDY, F_KMALLOC, F_MALLOC, NFAM };
static const char *fam_names[NFAM] = { "good", "first", "next", "best", "worst", "buddy", "kmalloc", "malloc" };
#ifdef ALLOC_KMALLOC_MAX
#define HAVE_KMALLOC 1
static alloc_kmalloc K;
#else
#define HAVE_KMALLOC 0
#endif
static alloc_heap H;
static alloc_buddy B;
BW void *bw_heap_alloc(void *c, size_t n) { return alloc_heap_alloc((alloc_heap *)c, n); }
BW void *bw_heap_realloc(void *c, void *p, size_t n) { return alloc_heap_realloc((alloc_heap *)c, p, n); }
BW void bw_heap_free(void *c, void *p) { alloc_heap_free((alloc_heap *)c, p); }
BW void *bw_buddy_alloc(void *c, size_t n) { return alloc_buddy_alloc((alloc_buddy *)c, n); }
BW void *bw_buddy_realloc(void *c, void *p, size_t n) { return alloc_buddy_realloc((alloc_buddy *)c, p, n); }
BW void bw_buddy_free(void *c, void *p) { alloc_buddy_free((alloc_buddy *)c, p); }
#if HAVE_KMALLOC
BW void *bw_kmalloc_alloc(void *c, size_t n) { return alloc_kmalloc_alloc((alloc_kmalloc *)c, n); }
BW void *bw_kmalloc_realloc(void *c, void *p, size_t n) { return alloc_kmalloc_realloc((alloc_kmalloc *)c, p, n); }
BW void bw_kmalloc_free(void *c, void *p) { alloc_kmalloc_free((alloc_kmalloc *)c, p); }
#endif
BW void *bw_malloc_alloc(void *c, size_t n) { (void)c; return malloc(n ? n : 1); }
BW void *bw_malloc_realloc(void *c, void *p, size_t n) { (void)c; return realloc(p, n); }
BW void bw_malloc_free(void *c, void *p) { (void)c; free(p); }

static void *(*volatile f_alloc)(void *, size_t);
static void *(*volatile f_realloc)(void *, void *, size_t);
static void (*volatile f_free)(void *, void *);
static void *f_ctx;

/* Makes family f current over the first `size` bytes of mem; 0 when it cannot start there. */
static int fam_open(int f, size_t size)
{
    if (f <= F_WORST) {
        f_alloc = bw_heap_alloc; f_realloc = bw_heap_realloc; f_free = bw_heap_free; f_ctx = &H;
        return alloc_heap_init(&H, mem, size, (alloc_fit)f) == ALLOC_OK;
    }
    if (f == F_BUDDY) {
        f_alloc = bw_buddy_alloc; f_realloc = bw_buddy_realloc; f_free = bw_buddy_free; f_ctx = &B;
        return alloc_buddy_init(&B, mem, size, 16) == ALLOC_OK;
    }
#if HAVE_KMALLOC
    if (f == F_KMALLOC) {
        f_alloc = bw_kmalloc_alloc; f_realloc = bw_kmalloc_realloc; f_free = bw_kmalloc_free; f_ctx = &K;
        return alloc_buddy_init(&B, mem, size, 16) == ALLOC_OK && alloc_kmalloc_init(&K, &B) == ALLOC_OK;
    }
#endif
    if (f == F_MALLOC) {
        f_alloc = bw_malloc_alloc; f_realloc = bw_malloc_realloc; f_free = bw_malloc_free; f_ctx = NULL;
        return 1;
    }
    return 0;
}

/* One replay of t on the current family; 1 if every operation succeeded. With `frag`,
   after every operation the heap's external fragmentation (1 - largest_free / free) is
   written there (heap policies only). */
static int replay(trace *t, double *frag)
{
    size_t i;
    int ok = 1;
    for (i = 0; i < t->nops && ok; i++) {
        const trace_op *o = &t->ops[i];
        void **slot = &t->ptr[o->id];
        if (o->kind == 'a') {
            *slot = f_alloc(f_ctx, o->size);
            if (*slot == NULL) ok = 0;
            else *(unsigned char *)*slot = 1;
        } else if (o->kind == 'r') {
            void *q = f_realloc(f_ctx, *slot, o->size);
            if (q == NULL && o->size != 0) ok = 0;
            else *slot = q;
        } else {
            f_free(f_ctx, *slot);
            *slot = NULL;
        }
        if (frag) {
            alloc_stats st;
            alloc_heap_stats(&H, &st);
            frag[i] = st.free ? 1.0 - (double)st.largest_free / (double)st.free : 0.0;
        }
    }
    for (i = 0; i < t->nids; i++) {
        if (t->ptr[i] != NULL) f_free(f_ctx, t->ptr[i]);
        t->ptr[i] = NULL;
    }
    return ok;
}

/* The timed kernels: the allocator is set up once per run (the buddy's init clears its
   metadata, 2 MiB for 64 MiB of 16-byte blocks: once per replay it would dominate), then
   the trace replayed until n operations are done; each replay ends with every block free. */
static void replay_family(int f, size_t n)
{
    size_t done = 0;
    if (!fam_open(f, mem_size)) return;
    while (done < n) {
        replay(cur, NULL);
        done += cur->nops;
    }
}
BENCH_KERNEL(kernel_good) { replay_family(F_GOOD, n); }
BENCH_KERNEL(kernel_first) { replay_family(F_FIRST, n); }
BENCH_KERNEL(kernel_next) { replay_family(F_NEXT, n); }
BENCH_KERNEL(kernel_best) { replay_family(F_BEST, n); }
BENCH_KERNEL(kernel_worst) { replay_family(F_WORST, n); }
BENCH_KERNEL(kernel_buddy) { replay_family(F_BUDDY, n); }
BENCH_KERNEL(kernel_kmalloc) { replay_family(F_KMALLOC, n); }
BENCH_KERNEL(kernel_malloc) { replay_family(F_MALLOC, n); }

/* The steady mix calls the heap directly through these (no wrapper). */
static void *(*volatile h_alloc)(alloc_heap *, size_t) = alloc_heap_alloc;
static void (*volatile h_free)(alloc_heap *, void *) = alloc_heap_free;

/* The O(1) claim: a heap fragmented into about `holes` free blocks (live 48-byte blocks
   between free 64-byte ones), then a steady mix of allocations and frees of 16..400
   bytes. GOOD's count per operation must not depend on `holes`. */
static void steady(size_t holes, size_t n)
{
    static void *pin[40000], *mix[256];
    alloc_heap h;
    size_t i, k = 0;
    unsigned long long s = 88172645463325252ull;
    alloc_heap_init(&h, mem, mem_size, ALLOC_FIT_GOOD);
    for (i = 0; i < holes; i++) { mix[0] = alloc_heap_alloc(&h, 64); pin[i] = alloc_heap_alloc(&h, 100); alloc_heap_free(&h, mix[0]); }
    for (i = 0; i < 256; i++) mix[i] = NULL;
    for (i = 0; i < n; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        k = (size_t)(s >> 8) & 255;
        if (mix[k] != NULL) { h_free(&h, mix[k]); mix[k] = NULL; }
        else mix[k] = h_alloc(&h, 16 + (size_t)(s % 385));
    }
    for (i = 0; i < 256; i++) if (mix[i] != NULL) alloc_heap_free(&h, mix[i]);
    for (i = 0; i < holes; i++) alloc_heap_free(&h, pin[i]);
}
BENCH_KERNEL(kernel_steady_10) { steady(10, n); }
BENCH_KERNEL(kernel_steady_1000) { steady(1000, n); }
BENCH_KERNEL(kernel_steady_30000) { steady(30000, n); }

static const bench_kernel ks[] = {
    BENCH_ENTRY(kernel_good, 200000), BENCH_ENTRY(kernel_first, 200000), BENCH_ENTRY(kernel_next, 200000),
    BENCH_ENTRY(kernel_best, 200000), BENCH_ENTRY(kernel_worst, 200000), BENCH_ENTRY(kernel_buddy, 200000),
    BENCH_ENTRY(kernel_kmalloc, 200000), BENCH_ENTRY(kernel_malloc, 200000),
    BENCH_ENTRY(kernel_steady_10, 400000), BENCH_ENTRY(kernel_steady_1000, 400000), BENCH_ENTRY(kernel_steady_30000, 400000),
};
#define NK (sizeof ks / sizeof ks[0])

/* Instructions per operation inside the allocator only: callgrind collects inside the
   bw_* wrappers (replays: `toggles` = NULL) or inside the named functions (the steady
   mix), over one run of kernel k on trace t (n operations). */
static double allocator_instr(const char *self, const bench_kernel *k, int t, size_t n, const char *toggles)
{
    char cmd[1024], out[256], line[512];
    FILE *f;
    double total = -1;
    if (getenv("BENCH_NO_CALLGRIND") || system("command -v valgrind >/dev/null 2>&1") != 0) return -1;
    snprintf(out, sizeof out, "/tmp/bench-heap-%ld-%s-%d.out", bench_pid(), k->name, t);
    snprintf(cmd, sizeof cmd, "valgrind --tool=callgrind --callgrind-out-file=%s %s %s --kernel %s %zu %d >/dev/null 2>&1",
             out, toggles ? toggles : "'--toggle-collect=bw_*'", self, k->name, n, t);
    if (system(cmd) != 0) return -1;
    f = fopen(out, "r");
    if (f == NULL) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "summary:", 8) == 0 || strncmp(line, "totals:", 7) == 0) { total = atof(strchr(line, ':') + 1); break; }
    fclose(f);
    remove(out);
    return total < 0 ? -1 : total / (double)n;
}

/* Utilization: the smallest region (the buffer handed to init: for the buddy and the
   kmalloc its metadata included, as for the heap its control structures) on which family
   f runs all of trace t, found by doubling and then bisection to 16 bytes. */
static int runs_in(int f, trace *t, size_t size) { return fam_open(f, size) && replay(t, NULL); }
static size_t smallest_region(int f, trace *t) { return trace_smallest_region(t, mem_size, runs_in, f); }

/* External fragmentation over trace t under the five policies, each on a region just
   large enough for all five (the largest of their smallest regions), written to
   $BENCH_DATA/frag_<trace>.dat: operation number, then one column per policy. */
static void fragmentation(trace *t, const char *name, const size_t *smallest)
{
    double *fr[NPOL];
    size_t region = 0, i;
    int p;
    char fn[96];
    FILE *out;
    snprintf(fn, sizeof fn, "frag_%s.dat", name);
    out = bench_data_file(fn);
    if (out == NULL) return;
    for (p = 0; p < NPOL; p++) if (smallest[p] > region) region = smallest[p];
    for (p = 0; p < NPOL; p++) {
        fr[p] = (double *)calloc(t->nops, sizeof(double));
        if (fr[p] == NULL || !fam_open(p, region) || !replay(t, fr[p])) fprintf(stderr, "bench_heap: fragmentation run of %s failed\n", pol_names[p]);
    }
    fprintf(out, "# %s: external fragmentation 1 - largest_free/free after each operation, region %zu bytes\n# op", name, region);
    for (p = 0; p < NPOL; p++) fprintf(out, " %s", pol_names[p]);
    fprintf(out, "\n");
    for (i = 0; i < t->nops; i++) {
        fprintf(out, "%zu", i + 1);
        for (p = 0; p < NPOL; p++) fprintf(out, " %.4f", fr[p] ? fr[p][i] : 0.0);
        fprintf(out, "\n");
    }
    for (p = 0; p < NPOL; p++) free(fr[p]);
    fclose(out);
}

int main(int argc, char **argv)
{
    double util[NFAM][NTRACES], ins[NFAM][NTRACES], ns[NFAM][NTRACES], speed[NTRACES], kspeed[NTRACES];
    double usum[NFAM] = { 0 }, isum[NFAM] = { 0 }, steady_ins[3];
    bench_result r, tr[NFAM];
    size_t i, count = 0, smallest[NFAM];
    int t, f, nins[NFAM] = { 0 }, ok = 1;
    static union { unsigned char b[1 << 20]; long double ld; } mib;
    unsigned char *raw;
    alloc_heap h;
    FILE *tp_dat, *ut_dat;
    char tbl[] = "traces: median ns/op (spread), Mops/s, instructions per operation inside the allocator, utilization";

    bench_begin("heap", 3);
    raw = (unsigned char *)malloc(mem_size + ((size_t)1 << 20));
    if (raw == NULL) return 1;
    mem = raw + alloc__pad((uintptr_t)raw, (size_t)1 << 20);   /* the buddy's blocks aligned as far as they can be */
    for (t = 0; t < NTRACES; t++)
        if (!trace_load(trace_paths[t], &traces[t])) { fprintf(stderr, "bench_heap: cannot read %s\n", trace_paths[t]); return 1; }
    if (argc == 5 && strcmp(argv[1], "--kernel") == 0) {   /* --kernel NAME N TRACE: one run, under callgrind */
        cur = &traces[atoi(argv[4])];
        return bench_kernel_mode(4, argv, ks, NK) ? 0 : 1;
    }
    cur = &traces[0];
    if (bench_kernel_mode(argc, argv, ks, NK)) return 0;

    printf("\n== traces: bench/traces/ under each heap policy, the buddy, the kmalloc and the system malloc\n");
    printf("   (instr/op: callgrind inside the allocator only; util: peak live payload / smallest region)\n");
    printf("%-10s %-8s %10s %19s %8s %10s %8s\n", "trace", "alloc", "ns/op", "(min..max)", "Mops/s", "instr/op", "util");
    bench_tsv("H", tbl, "trace", "allocator", "ns/op (median)", "min..max", "Mops/s", "instr/op", "smallest region (bytes)", "utilization", (const char *)NULL);
    tp_dat = bench_data_file("throughput.dat");
    ut_dat = bench_data_file("utilization.dat");
    if (tp_dat) { fprintf(tp_dat, "trace"); for (f = 0; f < NFAM; f++) if (f != F_KMALLOC || HAVE_KMALLOC) fprintf(tp_dat, " %s", fam_names[f]); fprintf(tp_dat, "\n"); }
    if (ut_dat) { fprintf(ut_dat, "trace"); for (f = 0; f < F_MALLOC; f++) if (f != F_KMALLOC || HAVE_KMALLOC) fprintf(ut_dat, " %s", fam_names[f]); fprintf(ut_dat, "\n"); }
    for (t = 0; t < NTRACES; t++) {
        const char *tn = trace_names[t];
        cur = &traces[t];
        if (tp_dat) fprintf(tp_dat, "%s", tn);
        if (ut_dat) fprintf(ut_dat, "%s", tn);
        {   /* the families' timed runs interleaved, so that they see the same load */
            bench_result rs[NFAM];
            bench_kernel group[NFAM];
            int m = 0;
            for (f = 0; f < NFAM; f++) if (f != F_KMALLOC || HAVE_KMALLOC) group[m++] = ks[f];
            bench_time_group(group, (size_t)m, rs);
            for (f = 0, m = 0; f < NFAM; f++) if (f != F_KMALLOC || HAVE_KMALLOC) tr[f] = rs[m++];
        }
        for (f = 0; f < NFAM; f++) {
            const bench_kernel *k = &ks[f];
            char spread[64], reg[32];
            if (f == F_KMALLOC && !HAVE_KMALLOC) continue;
            smallest[f] = f < F_MALLOC ? smallest_region(f, cur) : 0;
            r = tr[f];
            ns[f][t] = r.ns_median;
            ins[f][t] = allocator_instr(argv[0], k, t, cur->nops * 2, NULL);
            if (ins[f][t] >= 0) { isum[f] += ins[f][t]; nins[f]++; }
            if (f < F_MALLOC) {
                util[f][t] = smallest[f] ? (double)cur->peak / (double)smallest[f] : 0;
                usum[f] += util[f][t];
            }
            printf("%-10s %-8s %10.2f   (%6.2f..%6.2f) %8.2f %10s", tn, fam_names[f], r.ns_median, r.ns_min, r.ns_max,
                   1e3 / r.ns_median, bench_fmt(ins[f][t], 1));
            if (f < F_MALLOC) printf(" %8.3f\n", util[f][t]);
            else printf(" %8s\n", "-");
            snprintf(spread, sizeof spread, "%.2f..%.2f", r.ns_min, r.ns_max);
            snprintf(reg, sizeof reg, "%zu", smallest[f]);
            bench_tsv("R", tbl, tn, fam_names[f], bench_fmt(r.ns_median, 2), spread, bench_fmt(1e3 / r.ns_median, 2),
                      bench_fmt(ins[f][t], 1), f < F_MALLOC ? reg : "-", f < F_MALLOC ? bench_fmt(util[f][t], 3) : "-", (const char *)NULL);
            if (tp_dat) fprintf(tp_dat, " %.3f", 1e3 / r.ns_median);
            if (ut_dat && f < F_MALLOC) fprintf(ut_dat, " %.4f", util[f][t]);
        }
        if (tp_dat) fprintf(tp_dat, "\n");
        if (ut_dat) fprintf(ut_dat, "\n");
        speed[t] = ns[F_MALLOC][t] / ns[F_GOOD][t];
        kspeed[t] = HAVE_KMALLOC ? ns[F_MALLOC][t] / ns[F_KMALLOC][t] : 0;
        fragmentation(cur, tn, smallest);
    }
    if (ut_dat) {
        fprintf(ut_dat, "average");
        for (f = 0; f < F_MALLOC; f++) if (f != F_KMALLOC || HAVE_KMALLOC) fprintf(ut_dat, " %.4f", usum[f] / NTRACES);
        fprintf(ut_dat, "\n");
        fclose(ut_dat);
    }
    if (tp_dat) fclose(tp_dat);
    qsort(speed, NTRACES, sizeof speed[0], bench_cmp_double);
    qsort(kspeed, NTRACES, sizeof kspeed[0], bench_cmp_double);

    printf("\n  averages over %d traces:\n", NTRACES);
    bench_tsv("H", "traces: averages over the five traces", "allocator", "instr/op (mean)", "utilization (mean)", (const char *)NULL);
    for (f = 0; f < NFAM; f++) {
        if (f == F_KMALLOC && !HAVE_KMALLOC) continue;
        printf("  %-8s instr/op %8s   utilization %s\n", fam_names[f], bench_fmt(nins[f] ? isum[f] / nins[f] : -1, 1),
               f < F_MALLOC ? bench_fmt(usum[f] / NTRACES, 3) : "-");
        bench_tsv("R", "traces: averages over the five traces", fam_names[f], bench_fmt(nins[f] ? isum[f] / nins[f] : -1, 1),
                  f < F_MALLOC ? bench_fmt(usum[f] / NTRACES, 3) : "-", (const char *)NULL);
    }
    if (HAVE_KMALLOC) bench_info("malloc time / kmalloc time, median of the five traces one by one", kspeed[NTRACES / 2], "x");

    printf("\n== heap: GOOD in a steady random mix, by the number of free blocks (O(1): flat)\n");
    bench_print_header("heap GOOD steady mix by free blocks (instr/op inside alloc_heap_alloc/free)");
    for (i = 0; i < 3; i++) {
        const bench_kernel *k = &ks[F_MALLOC + 1 + i];
        const char *tg = "--toggle-collect=alloc_heap_alloc --toggle-collect=alloc_heap_free";
        double a1, a2;
        bench_time(k, &r);
        /* Inside the allocator only; two run lengths, so that building the holes cancels. */
        a1 = allocator_instr(argv[0], k, 0, k->n, tg);
        a2 = allocator_instr(argv[0], k, 0, 2 * k->n, tg);
        r.instr = a1 >= 0 && a2 >= 0 ? (a2 * 2.0 * (double)k->n - a1 * (double)k->n) / (double)k->n : -1;
        bench_print(k, &r);
        steady_ins[i] = r.instr;
    }

    alloc_heap_init(&h, mib.b, sizeof mib.b, ALLOC_FIT_GOOD);
    while (alloc_heap_alloc(&h, 1) != NULL) count++;

    printf("\n");
    ok &= bench_target("GOOD instr per malloc-or-free (avg over traces)", nins[F_GOOD] ? isum[F_GOOD] / nins[F_GOOD] : -1, 80, 1, "");
    ok &= bench_target("GOOD instr/op, 30,000 vs 10 free blocks (flat)", steady_ins[0] > 0 && steady_ins[2] > 0 ? steady_ins[2] / steady_ins[0] : -1, 1.1, 1, "x");
    ok &= bench_target("GOOD utilization (avg over traces)", usum[F_GOOD] / NTRACES, 0.80, 0, "");
    ok &= bench_target("BEST utilization (avg over traces)", usum[F_BEST] / NTRACES, 0.82, 0, "");
    ok &= bench_target("GOOD throughput / system malloc (median of traces)", speed[NTRACES / 2], 1.5, 0, "x");
    ok &= bench_target("one-byte allocations in a 1 MiB heap", (double)count, 32000, 0, "");
    ok &= bench_target("control block bytes (sizeof(alloc_heap))", (double)sizeof(alloc_heap), 2048, 1, "");
    printf("  (the largest instruction count of any single operation: build/bench/bench_worst)\n");
    (void)ok;
    free(raw);
    return 0;
}
