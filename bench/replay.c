/* replay.c - replays malloc-lab traces against every heap policy and the system malloc.
 *
 *   build/bench/replay [TRACE.rep ...]      (default: every trace in bench/traces/)
 *   build/bench/replay --count POLICY TRACE (runs the trace once; used under callgrind)
 *
 * For each trace and policy it prints
 *   - throughput: operations per second over a large heap (median of several runs);
 *   - utilization: peak live payload / the smallest region on which the whole trace
 *     succeeds (found by bisection to 16 bytes);
 *   - instructions per operation inside the allocator (alloc_heap_alloc, _free,
 *     _realloc only, not this loop), counted by valgrind --tool=callgrind when it is
 *     installed (REPLAY_NO_CALLGRIND=1 skips it).
 * and the averages next to the targets of the heap issue.
 *
 * Trace format: four header lines (suggested heap size, number of ids, number of
 * operations, weight), then "a ID SIZE", "f ID", "r ID SIZE" per line.
 */
#define _POSIX_C_SOURCE 200809L
#define ALLOC_IMPLEMENTATION
#include "trace.h"
#include "alloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__GNUC__) || defined(__clang__)
#define REPLAY_NOINLINE __attribute__((noinline, noclone, used))
#else
#define REPLAY_NOINLINE
#endif


/* The replay loops, one per policy (and one for malloc), each its own function so that
   a profiler can count it alone. Each returns 1 when every operation succeeded. */
#define REPLAY_BODY(ALLOC, REALLOC, FREE)                                              \
    size_t i;                                                                          \
    int ok = 1;                                                                        \
    for (i = 0; i < t->nops; i++) {                                                    \
        const trace_op *o = &t->ops[i];                                                     \
        void **slot = &t->ptr[o->id];                                                  \
        if (o->kind == 'a') {                                                          \
            *slot = ALLOC(o->size);                                                    \
            if (*slot == NULL && o->size != 0) { ok = 0; break; }                      \
            if (*slot != NULL) *(unsigned char *)*slot = 1;                            \
        } else if (o->kind == 'r') {                                                   \
            void *q = REALLOC(*slot, o->size);                                         \
            if (q == NULL && o->size != 0) { ok = 0; break; }                          \
            *slot = q;                                                                 \
        } else {                                                                       \
            FREE(*slot);                                                               \
            *slot = NULL;                                                              \
        }                                                                              \
    }                                                                                  \
    for (i = 0; i < t->nids; i++) { if (t->ptr[i]) FREE(t->ptr[i]); t->ptr[i] = NULL; } \
    return ok;

/* Called through pointers, so that the compiler cannot inline the allocator into the
   loops and callgrind can count alloc_heap_alloc/_free/_realloc alone. */
static void *(*volatile heap_alloc_fn)(alloc_heap *, size_t) = alloc_heap_alloc;
static void *(*volatile heap_realloc_fn)(alloc_heap *, void *, size_t) = alloc_heap_realloc;
static void (*volatile heap_free_fn)(alloc_heap *, void *) = alloc_heap_free;
#define H_ALLOC(n) heap_alloc_fn(h, (n))
#define H_REALLOC(p, n) heap_realloc_fn(h, (p), (n))
#define H_FREE(p) heap_free_fn(h, (p))
static REPLAY_NOINLINE int replay_good(alloc_heap *h, trace *t) { REPLAY_BODY(H_ALLOC, H_REALLOC, H_FREE) }
static REPLAY_NOINLINE int replay_first(alloc_heap *h, trace *t) { REPLAY_BODY(H_ALLOC, H_REALLOC, H_FREE) }
static REPLAY_NOINLINE int replay_next(alloc_heap *h, trace *t) { REPLAY_BODY(H_ALLOC, H_REALLOC, H_FREE) }
static REPLAY_NOINLINE int replay_best(alloc_heap *h, trace *t) { REPLAY_BODY(H_ALLOC, H_REALLOC, H_FREE) }
static REPLAY_NOINLINE int replay_worst(alloc_heap *h, trace *t) { REPLAY_BODY(H_ALLOC, H_REALLOC, H_FREE) }
#define M_ALLOC(n) malloc((n) ? (n) : 1)
static REPLAY_NOINLINE int replay_malloc(trace *t) { REPLAY_BODY(M_ALLOC, realloc, free) }

static const char *policy_names[5] = { "good", "first", "next", "best", "worst" };
static int (*const replay_fn[5])(alloc_heap *, trace *) = { replay_good, replay_first, replay_next, replay_best, replay_worst };

static unsigned char *arena_mem;
static size_t arena_size;

/* 1 if the whole trace succeeds on a heap of `size` bytes with policy p. */
static int runs_in(int p, trace *t, size_t size)
{
    alloc_heap h;
    if (alloc_heap_init(&h, arena_mem, size, (alloc_fit)p) != ALLOC_OK) return 0;
    return replay_fn[p](&h, t);
}

static size_t smallest_heap(int p, trace *t) { return trace_smallest_region(t, arena_size, runs_in, p); }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median operations per second of policy p (-1: malloc) over a large heap. */
static double throughput(int p, trace *t)
{
    double r[9];
    int k, reps = 20, j;
    for (k = 0; k < 9; k++) {
        double t0 = now_s();
        for (j = 0; j < reps; j++) {
            if (p < 0) replay_malloc(t);
            else { alloc_heap h; alloc_heap_init(&h, arena_mem, arena_size, (alloc_fit)p); replay_fn[p](&h, t); }
        }
        r[k] = (double)t->nops * reps / (now_s() - t0);
    }
    qsort(r, 9, sizeof r[0], cmp_d);
    return r[4];
}

/* Instructions per operation inside alloc_heap_* for policy p, by callgrind; -1 if not. */
static double instructions(const char *self, int p, const char *path, size_t nops)
{
    char cmd[2048], out[256], line[512];
    FILE *f;
    double total = -1;
    if (getenv("REPLAY_NO_CALLGRIND") || system("command -v valgrind >/dev/null 2>&1") != 0) return -1;
    snprintf(out, sizeof out, "/tmp/replay-callgrind-%ld.out", (long)getpid());
    snprintf(cmd, sizeof cmd,
             "valgrind --tool=callgrind --callgrind-out-file=%s --toggle-collect=alloc_heap_alloc "
             "--toggle-collect=alloc_heap_free --toggle-collect=alloc_heap_realloc "
             "%s --count %s %s >/dev/null 2>&1", out, self, policy_names[p], path);
    if (system(cmd) != 0) return -1;
    f = fopen(out, "r");
    if (f == NULL) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "summary:", 8) == 0 || strncmp(line, "totals:", 7) == 0) { total = atof(strchr(line, ':') + 1); break; }
    fclose(f);
    remove(out);
    return total < 0 ? -1 : total / (double)nops;
}

static void target(const char *what, double v, double goal, int le)
{
    int ok = le ? v <= goal : v >= goal;
    if (v < 0) printf("  %-58s %10s   (target %s %g)  not measured\n", what, "-", le ? "<=" : ">=", goal);
    else printf("  %-58s %10.3f   (target %s %g)  %s\n", what, v, le ? "<=" : ">=", goal, ok ? "ok" : "MISSED");
}

int main(int argc, char **argv)
{
    static const char *defaults[] = { "bench/traces/random.rep", "bench/traces/binary.rep", "bench/traces/realloc.rep",
                                      "bench/traces/coalesce.rep", "bench/traces/frame.rep" };
    const char **paths = (const char **)(argv + 1);
    int npaths = argc - 1, i, p;
    double util_sum[5] = { 0 }, instr_sum[5] = { 0 }, speedup[64];
    int instr_n[5] = { 0 }, nt = 0;
    arena_size = (size_t)64 << 20;
    arena_mem = (unsigned char *)malloc(arena_size);
    if (arena_mem == NULL) return 1;
    if (argc == 4 && strcmp(argv[1], "--count") == 0) {
        trace t;
        for (p = 0; p < 5; p++) if (strcmp(argv[2], policy_names[p]) == 0) break;
        if (p == 5 || !trace_load(argv[3], &t)) return 1;
        return runs_in(p, &t, arena_size) ? 0 : 1;
    }
    if (npaths == 0) { paths = defaults; npaths = 5; }
    printf("heap replay: %d traces, alignment %zu, control block %zu bytes\n", npaths, (size_t)ALLOC_HEAP_ALIGN, sizeof(alloc_heap));
    printf("%-28s %-6s %8s %12s %12s %10s %9s\n", "trace", "policy", "ops", "Mops/s", "min heap", "util", "instr/op");
    for (i = 0; i < npaths && nt < 64; i++) {
        trace t;
        double mal;
        if (!trace_load(paths[i], &t)) { fprintf(stderr, "cannot read %s\n", paths[i]); continue; }
        for (p = 0; p < 5; p++) {
            size_t m = smallest_heap(p, &t);
            double util = m ? (double)t.peak / (double)m : 0;
            double tp = throughput(p, &t), ins = instructions(argv[0], p, paths[i], t.nops);
            char ib[32];
            if (ins >= 0) { snprintf(ib, sizeof ib, "%.1f", ins); instr_sum[p] += ins; instr_n[p]++; }
            else snprintf(ib, sizeof ib, "n/a");
            util_sum[p] += util;
            printf("%-28s %-6s %8zu %12.2f %12zu %10.3f %9s\n", paths[i], policy_names[p], t.nops, tp / 1e6, m, util, ib);
            if (p == 0) speedup[nt] = tp;
        }
        mal = throughput(-1, &t);
        printf("%-28s %-6s %8zu %12.2f %12s %10s %9s\n", paths[i], "malloc", t.nops, mal / 1e6, "-", "-", "-");
        speedup[nt] /= mal;
        nt++;
        free(t.ops);
        free(t.ptr);
    }
    if (nt == 0) return 1;
    qsort(speedup, (size_t)nt, sizeof speedup[0], cmp_d);
    printf("\naverages over %d traces\n", nt);
    for (p = 0; p < 5; p++)
        printf("  %-6s utilization %.3f   instructions/op %s%.1f\n", policy_names[p], util_sum[p] / nt,
               instr_n[p] ? "" : "n/a ", instr_n[p] ? instr_sum[p] / instr_n[p] : 0.0);
    target("GOOD instructions per malloc-or-free (allocator only)", instr_n[0] ? instr_sum[0] / instr_n[0] : -1, 80, 1);
    target("GOOD utilization (peak payload / smallest heap)", util_sum[0] / nt, 0.80, 0);
    target("BEST utilization", util_sum[3] / nt, 0.82, 0);
    target("GOOD throughput / system malloc (median over traces)", speedup[nt / 2], 1.5, 0);
    target("control block bytes (sizeof(alloc_heap))", (double)sizeof(alloc_heap), 2048, 1);
    free(arena_mem);
    return 0;
}
