/* bench_worst.c - the worst case of a single call, per family: the bound that O(1)
 * promises to firmware, measured rather than assumed.
 *
 * Method. Each family runs a long random sequence of its calls (alloc, free, realloc;
 * reset for the arena) over a region that fills and empties. Every call goes through a
 * one-line wrapper of this program (ww_*), and after each call the program asks callgrind
 * for a dump (CALLGRIND_DUMP_STATS, from <valgrind/callgrind.h>). The program runs under
 *     valgrind --tool=callgrind --collect-atstart=no --toggle-collect='ww_*'
 *              --combine-dumps=yes --dump-instr=no
 * so that collection is on only inside the wrappers, and each dump holds the instructions
 * of exactly one call: the allocator, everything it calls, and the wrapper's own one or
 * two instructions (the row "empty wrapper" shows that cost: a wrapper around a function
 * that returns at once). The program reads the dumps back and reports, per family and
 * call, the number of calls, the mean, the 99th percentile and the largest count, and the
 * call's position in the run. A realloc that moves the block is counted apart
 * ("realloc+copy"): it copies up to 64 KiB, O(size) in every allocator. The counts are exact and the same on every run; they are
 * instructions, not time (a cache miss costs more than an add).
 *
 *   build/bench/bench_worst                     measure every family (needs valgrind)
 *   build/bench/bench_worst --run FAMILY N LOG  run N calls natively (what callgrind
 *                                               runs), writing the kind of each call to LOG
 *
 * Environment: as bench.h (BENCH_SCALE scales N, BENCH_NO_CALLGRIND skips the run).
 */
#include "bench.h"
#include <sys/types.h>
#include <sys/wait.h>
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND_H 1
#endif
#endif
#ifndef HAVE_CALLGRIND_H
#define CALLGRIND_DUMP_STATS do { } while (0)
#endif

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
#define WW static __attribute__((noinline, noclone, used))
#else
#define WW static
#endif

#define SLOTS 1024
#define MEM ((size_t)8 << 20)
static unsigned char *mem;
static void *slot[SLOTS];
static FILE *kinds;   /* one letter per call: a(lloc) f(ree) r(ealloc in place or failed),
                         m (realloc that moved: it copies the block, O(size)), z (reset) */
static unsigned long long rng = 88172645463325252ull;
static size_t rnd(size_t n)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (size_t)(rng % n);
}
/* Mostly small sizes, as programs' are, with a tail up to 64 KiB. */
static size_t pick_size(void)
{
    size_t r = rnd(100);
    if (r < 50) return 1 + rnd(64);
    if (r < 80) return 65 + rnd(448);
    if (r < 95) return 513 + rnd(3584);
    return 4097 + rnd(61440);
}

static alloc_arena A;
static alloc_heap H;
static alloc_buddy B;
WW void *ww_nop_target(void *c, size_t n) { (void)c; (void)n; return NULL; }
static void *(*volatile nop_target)(void *, size_t) = ww_nop_target;
WW void *ww_empty(size_t n) { return nop_target(NULL, n); }
WW void *ww_arena_alloc(size_t n, size_t align) { return alloc_arena_alloc(&A, n, align); }
WW void ww_arena_reset(void) { alloc_arena_reset(&A); }
WW void *ww_heap_alloc(size_t n) { return alloc_heap_alloc(&H, n); }
WW void *ww_heap_realloc(void *p, size_t n) { return alloc_heap_realloc(&H, p, n); }
WW void ww_heap_free(void *p) { alloc_heap_free(&H, p); }
WW void *ww_buddy_alloc(size_t n) { return alloc_buddy_alloc(&B, n); }
WW void *ww_buddy_realloc(void *p, size_t n) { return alloc_buddy_realloc(&B, p, n); }
WW void ww_buddy_free(void *p) { alloc_buddy_free(&B, p); }
#if HAVE_SLAB
static alloc_slab S;
WW void *ww_slab_alloc(void) { return alloc_slab_alloc(&S); }
WW void ww_slab_free(void *p) { alloc_slab_free(&S, p); }
#endif
#if HAVE_KMALLOC
static alloc_kmalloc K;
WW void *ww_kmalloc_alloc(size_t n) { return alloc_kmalloc_alloc(&K, n); }
WW void *ww_kmalloc_realloc(void *p, size_t n) { return alloc_kmalloc_realloc(&K, p, n); }
WW void ww_kmalloc_free(void *p) { alloc_kmalloc_free(&K, p); }
#endif
WW void *ww_malloc(size_t n) { return malloc(n); }
WW void *ww_realloc(void *p, size_t n) { return realloc(p, n); }
WW void ww_free(void *p) { free(p); }

static void note(char k)
{
    CALLGRIND_DUMP_STATS;
    if (kinds) fputc(k, kinds);
}

/* A general-purpose family: a random slot is freed (80%) or reallocated (20%) when live,
   else filled; an allocation that fails leaves the slot empty. */
enum { G_HEAP, G_BUDDY, G_KMALLOC, G_MALLOC };
static void run_general(int g, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        size_t s = rnd(SLOTS), r = rnd(100);
        if (slot[s] == NULL) {
            size_t z = pick_size();
            switch (g) {
            case G_HEAP: slot[s] = ww_heap_alloc(z); break;
            case G_BUDDY: slot[s] = ww_buddy_alloc(z); break;
#if HAVE_KMALLOC
            case G_KMALLOC: slot[s] = ww_kmalloc_alloc(z); break;
#endif
            default: slot[s] = ww_malloc(z); break;
            }
            note('a');
        } else if (r < 80) {
            switch (g) {
            case G_HEAP: ww_heap_free(slot[s]); break;
            case G_BUDDY: ww_buddy_free(slot[s]); break;
#if HAVE_KMALLOC
            case G_KMALLOC: ww_kmalloc_free(slot[s]); break;
#endif
            default: ww_free(slot[s]); break;
            }
            slot[s] = NULL;
            note('f');
        } else {
            size_t z = pick_size();
            void *q;
            switch (g) {
            case G_HEAP: q = ww_heap_realloc(slot[s], z); break;
            case G_BUDDY: q = ww_buddy_realloc(slot[s], z); break;
#if HAVE_KMALLOC
            case G_KMALLOC: q = ww_kmalloc_realloc(slot[s], z); break;
#endif
            default: q = ww_realloc(slot[s], z); break;
            }
            note(q != NULL && q != slot[s] ? 'm' : 'r');
            if (q != NULL) slot[s] = q;
        }
    }
}

/* The arena: allocations of 1..256 bytes at alignments 1..64; a reset when it is full. */
static void run_arena(size_t n)
{
    size_t i;
    alloc_arena_init(&A, mem, (size_t)1 << 20);
    for (i = 0; i < n; i++) {
        size_t align = (size_t)1 << rnd(7);
        if (ww_arena_alloc(1 + rnd(256), align) == NULL) { note('a'); ww_arena_reset(); note('z'); }
        else note('a');
    }
}

#if HAVE_SLAB
/* The slab: 64-byte objects, slabs from a buddy. With a constructor a call may take a
   new slab from the source and construct its objects (that is its worst case); a plain
   cache hands a new slab's objects out one by one, so a new slab costs O(1). */
static void ctor64(void *o, void *u) { (void)u; memset(o, 0, 64); }
static void run_slab(size_t n, int ctor)
{
    alloc_slab_desc d;
    size_t i;
    memset(&d, 0, sizeof d);
    d.name = "obj64";
    d.size = 64;
    d.ctor = ctor ? ctor64 : NULL;
    alloc_buddy_init(&B, mem, MEM, 64);
    alloc_slab_init(&S, &d, alloc_buddy_allocator(&B));
    for (i = 0; i < n; i++) {
        size_t s = rnd(SLOTS);
        if (slot[s] == NULL) { slot[s] = ww_slab_alloc(); note('a'); }
        else { ww_slab_free(slot[s]); slot[s] = NULL; note('f'); }
    }
}
#endif

typedef struct family { const char *name, *what; } family;
static const family fams[] = {
    { "empty", "a wrapper around a function that returns at once (the harness's share)" },
    { "arena", "1 MiB; 1..256 B at alignments 1..64; reset when full" },
    { "heap-good", "8 MiB, ALLOC_FIT_GOOD; 1024 slots, 1 B..64 KiB (mostly small)" },
    { "heap-first", "as heap-good, ALLOC_FIT_FIRST" },
    { "heap-next", "as heap-good, ALLOC_FIT_NEXT" },
    { "heap-best", "as heap-good, ALLOC_FIT_BEST" },
    { "heap-worst", "as heap-good, ALLOC_FIT_WORST" },
    { "buddy", "8 MiB, 16-byte min blocks; the same sequence" },
    { "slab", "64-byte objects, no constructor, 1024 slots, slabs from a buddy" },
    { "slab-ctor", "as slab, with a constructor (a new slab constructs all its objects)" },
    { "kmalloc", "slab caches over an 8 MiB buddy of 4 KiB pages; the same sequence" },
    { "malloc", "the system malloc (glibc); the same sequence" },
};
#define NFAMS (sizeof fams / sizeof fams[0])

static int run_family(const char *name, size_t n)
{
    memset(slot, 0, sizeof slot);
    if (strcmp(name, "empty") == 0) {
        size_t i;
        for (i = 0; i < n; i++) { bench_sink += (uintptr_t)ww_empty(i); note('a'); }
    } else if (strcmp(name, "arena") == 0) run_arena(n);
    else if (strncmp(name, "heap-", 5) == 0) {
        static const char *pol[] = { "good", "first", "next", "best", "worst" };
        int p;
        for (p = 0; p < 5; p++) if (strcmp(name + 5, pol[p]) == 0) break;
        if (p == 5) return 1;
        alloc_heap_init(&H, mem, MEM, (alloc_fit)p);
        run_general(G_HEAP, n);
    } else if (strcmp(name, "buddy") == 0) {
        alloc_buddy_init(&B, mem, MEM, 16);
        run_general(G_BUDDY, n);
    }
#if HAVE_SLAB
    else if (strcmp(name, "slab") == 0) run_slab(n, 0);
    else if (strcmp(name, "slab-ctor") == 0) run_slab(n, 1);
#endif
#if HAVE_KMALLOC
    else if (strcmp(name, "kmalloc") == 0) {
        alloc_buddy_init(&B, mem, MEM, 4096);
        alloc_kmalloc_init(&K, &B);
        run_general(G_KMALLOC, n);
    }
#endif
    else if (strcmp(name, "malloc") == 0) run_general(G_MALLOC, n);
    else return 1;
    return 0;
}

static int cmp_ul(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

static const char *kind_name(char k)
{
    return k == 'a' ? "alloc" : k == 'f' ? "free" : k == 'r' ? "realloc" : k == 'm' ? "realloc+copy" : k == 'z' ? "reset" : "?";
}

/* The callgrind run of one family: its output file, its log of call kinds, its command. */
static void paths(const family *fm, char *out, char *log, size_t len)
{
    snprintf(out, len, "/tmp/bench-worst-%ld-%s.out", bench_pid(), fm->name);
    snprintf(log, len, "/tmp/bench-worst-%ld-%s.kinds", bench_pid(), fm->name);
}
static void command(const char *self, const family *fm, size_t n, char *cmd, size_t len)
{
    char out[256], log[256];
    paths(fm, out, log, sizeof out);
    snprintf(cmd, len,
             "valgrind --tool=callgrind --callgrind-out-file=%s --collect-atstart=no '--toggle-collect=ww_*' "
             "--dump-instr=no --dump-line=no --combine-dumps=yes %s --run %s %zu %s >/dev/null 2>&1",
             out, self, fm->name, n, log);
}

/* Runs the commands, `jobs` at a time (the machine's cores: the runs are independent and
   callgrind is single-threaded). ok[i] = 1 when command i succeeded. */
static void run_all(char (*cmds)[1024], int *ok, size_t count, int jobs)
{
    pid_t pid[64];
    size_t next = 0, i;
    int running = 0;
    for (i = 0; i < count; i++) { pid[i] = 0; ok[i] = 0; }
    while (next < count || running > 0) {
        if (next < count && running < jobs) {
            pid_t c = fork();
            if (c == 0) { execl("/bin/sh", "sh", "-c", cmds[next], (char *)NULL); _exit(127); }
            if (c > 0) { pid[next] = c; running++; }
            next++;
            continue;
        }
        {
            int st;
            pid_t w = wait(&st);
            if (w < 0) break;
            for (i = 0; i < count; i++)
                if (pid[i] == w) { ok[i] = WIFEXITED(st) && WEXITSTATUS(st) == 0; running--; }
        }
    }
}

/* Reads one family's callgrind run back and reports its calls by kind. 0 when not
   measured. */
static int report(const family *fm, size_t n, const char *tbl)
{
    char out[256], log[256], line[512];
    FILE *f;
    unsigned long *cost;
    char *kind;
    size_t nc = 0, nk = 0, i;
    const char *kinds_all = "afrmz";
    paths(fm, out, log, sizeof out);
    cost = (unsigned long *)calloc(2 * n + 2, sizeof *cost);
    kind = (char *)calloc(2 * n + 2, 1);
    f = fopen(out, "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "summary:", 8) == 0 && nc < 2 * n + 2) cost[nc++] = strtoul(line + 8, NULL, 10);
    if (f) fclose(f);
    f = fopen(log, "r");
    if (f) { nk = fread(kind, 1, 2 * n + 1, f); fclose(f); }
    remove(out);
    remove(log);
    if (nk == 0 || nc < nk) { free(cost); free(kind); return 0; }   /* one dump per call, and one at exit */
    for (; *kinds_all; kinds_all++) {
        unsigned long *v, mx = 0, sum = 0;
        size_t m = 0, at = 0;
        char calls[32], mean[32], p99[32], mxs[32], pos[32];
        v = (unsigned long *)malloc((nk + 1) * sizeof *v);
        for (i = 0; i < nk; i++)
            if (kind[i] == *kinds_all) {
                v[m++] = cost[i];
                sum += cost[i];
                if (cost[i] > mx) { mx = cost[i]; at = i + 1; }
            }
        if (m > 0) {
            qsort(v, m, sizeof *v, cmp_ul);
            snprintf(calls, sizeof calls, "%zu", m);
            snprintf(mean, sizeof mean, "%.1f", (double)sum / (double)m);
            snprintf(p99, sizeof p99, "%lu", v[(m * 99) / 100 < m ? (m * 99) / 100 : m - 1]);
            snprintf(mxs, sizeof mxs, "%lu", mx);
            snprintf(pos, sizeof pos, "%zu", at);
            printf("%-11s %-12s %8s %10s %8s %10s %10s\n", fm->name, kind_name(*kinds_all), calls, mean, p99, mxs, pos);
            bench_tsv("R", tbl, fm->name, kind_name(*kinds_all), calls, mean, p99, mxs, pos, (const char *)NULL);
        }
        free(v);
    }
    free(cost);
    free(kind);
    return 1;
}

int main(int argc, char **argv)
{
    size_t n = bench_scaled(20000), i;
    const char *tbl = "worst case: instructions of a single call (callgrind, one dump per call)";
    mem = (unsigned char *)malloc(MEM + ((size_t)1 << 20));
    if (mem == NULL) return 1;
    mem += alloc__pad((uintptr_t)mem, (size_t)1 << 20);
    if (argc == 5 && strcmp(argv[1], "--run") == 0) {
        int rc;
        kinds = fopen(argv[4], "w");
        rc = run_family(argv[2], (size_t)strtoull(argv[3], NULL, 10));
        if (kinds) fclose(kinds);
        return rc;
    }
    bench_begin("worst", 7);
    printf("\n== worst case per call: %zu random calls per family, instructions of each call counted alone\n", n);
    if (getenv("BENCH_NO_CALLGRIND") || system("command -v valgrind >/dev/null 2>&1") != 0) {
        printf("  not measured (valgrind missing or BENCH_NO_CALLGRIND set)\n");
        return 0;
    }
#ifndef HAVE_CALLGRIND_H
    printf("  not measured (<valgrind/callgrind.h> missing when this was built)\n");
    return 0;
#else
    printf("%-11s %-12s %8s %10s %8s %10s %10s\n", "family", "call", "calls", "mean", "p99", "max", "max at");
    bench_tsv("H", tbl, "family", "call", "calls", "mean", "99th percentile", "max", "max at call #", (const char *)NULL);
    {
        static char cmds[NFAMS][1024];
        int ok[NFAMS], use[NFAMS];
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        size_t m = 0;
        const family *which[NFAMS];
        for (i = 0; i < NFAMS; i++) {
            use[i] = !((strncmp(fams[i].name, "slab", 4) == 0 && !HAVE_SLAB) || (strcmp(fams[i].name, "kmalloc") == 0 && !HAVE_KMALLOC));
            if (use[i]) { which[m] = &fams[i]; command(argv[0], &fams[i], n, cmds[m], sizeof cmds[m]); m++; }
        }
        fflush(stdout);
        run_all(cmds, ok, m, cores < 1 ? 1 : cores > 8 ? 8 : (int)cores);
        for (i = 0; i < m; i++)
            if (!ok[i] || !report(which[i], n, tbl)) printf("%-11s not measured (callgrind run failed)\n", which[i]->name);
    }
    bench_tsv("H", "worst case: the runs", "family", "sequence", (const char *)NULL);
    for (i = 0; i < NFAMS; i++) bench_tsv("R", "worst case: the runs", fams[i].name, fams[i].what, (const char *)NULL);
    return 0;
#endif
}
