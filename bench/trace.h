/* trace.h - malloc-lab traces, read once for bench/replay and bench/bench_heap.
 *
 * The format: four header lines (suggested heap size, number of ids, number of
 * operations, weight), then one operation per line: `a ID SIZE` (allocate), `f ID`
 * (free), `r ID SIZE` (realloc). `peak` is the most bytes the trace has asked for and not
 * yet freed at one time: the numerator of utilization (no allocator overhead in it).
 */
#ifndef BENCH_TRACE_H
#define BENCH_TRACE_H
#include <stdio.h>
#include <stdlib.h>

typedef struct trace_op { char kind; size_t id, size; } trace_op;
typedef struct trace {
    const char *name;
    trace_op *ops;
    size_t nops, nids, peak;
    void **ptr;                  /* the replay's live pointer per id */
} trace;

/* Reads `path` into t; 0 when it cannot be read or holds no operation. */
static int trace_load(const char *path, trace *t)
{
    FILE *f = fopen(path, "r");
    unsigned long hs, ids, n, weight, i;
    size_t *live, now = 0;
    if (f == NULL) return 0;
    if (fscanf(f, "%lu %lu %lu %lu", &hs, &ids, &n, &weight) != 4) { fclose(f); return 0; }
    t->name = path;
    t->ops = (trace_op *)calloc(n ? n : 1, sizeof *t->ops);
    t->ptr = (void **)calloc(ids ? ids : 1, sizeof(void *));
    live = (size_t *)calloc(ids ? ids : 1, sizeof(size_t));
    t->nids = ids;
    t->nops = t->peak = 0;
    for (i = 0; i < n; i++) {
        char k[4];
        unsigned long id, size = 0;
        if (fscanf(f, "%3s %lu", k, &id) != 2) break;
        if (k[0] != 'f' && fscanf(f, "%lu", &size) != 1) break;
        if (id >= ids) continue;
        t->ops[t->nops].kind = k[0];
        t->ops[t->nops].id = id;
        t->ops[t->nops].size = size;
        t->nops++;
        if (k[0] == 'f') { now -= live[id]; live[id] = 0; }
        else { now = now - live[id] + size; live[id] = size; }
        if (now > t->peak) t->peak = now;
    }
    fclose(f);
    free(live);
    (void)hs;
    (void)weight;
    return t->nops > 0;
}

/* Utilization's denominator: the smallest region on which allocator `who` runs all of t
   (runs(who, t, size) says whether it does), found by doubling from the peak and then
   bisection to 16 bytes; 0 when even `max` bytes are not enough. */
static size_t trace_smallest_region(trace *t, size_t max, int (*runs)(int who, trace *t, size_t size), int who)
{
    size_t lo = t->peak, hi = lo * 2 + 4096;
    while (hi <= max && !runs(who, t, hi)) { lo = hi; hi *= 2; }
    if (hi > max) return 0;
    while (hi - lo > 16) {
        size_t mid = lo + (hi - lo) / 2;
        if (runs(who, t, mid)) hi = mid; else lo = mid;
    }
    return hi;
}
#endif
