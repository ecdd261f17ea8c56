/* tracegen.c - writes the synthetic heap traces of bench/traces/ (malloc-lab format).
 *
 *   build/bench/tracegen [DIR]      (default DIR: bench/traces)
 *
 * Format: four header lines - suggested heap size, number of ids, number of operations,
 * weight - then one operation per line: "a ID SIZE" (malloc), "f ID" (free),
 * "r ID SIZE" (realloc). Every id is freed by the end. The shapes:
 *   random    sizes 1..2000 with a skew to small ones, allocs and frees interleaved
 *   binary    the malloc-lab binary pattern: pairs of 64 and 448, the 448s freed, then 512s
 *   realloc   buffers grown by repeated realloc with small allocations in between
 *   coalesce  runs of neighbours freed in scattered order, then large requests that
 *             need the coalesced holes
 *   frame     a game-frame mix: long-lived assets, per-frame transients freed at the end
 *             of each frame, occasional asset swaps
 * The traces are small (a few thousand operations) and committed; rerun to regenerate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPS 4000
#define MAX_IDS 4000
typedef struct op { char kind; int id; unsigned long size; } op;
static op ops[MAX_OPS];
static int nops, nids;
static unsigned long long rng = 88172645463325252ull;

static unsigned long rnd(unsigned long n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return n ? (unsigned long)(rng % n) : 0;
}
static void emit(char kind, int id, unsigned long size)
{
    if (nops >= MAX_OPS) return;
    ops[nops].kind = kind;
    ops[nops].id = id;
    ops[nops].size = size;
    nops++;
    if (id + 1 > nids) nids = id + 1;
}
static int write_trace(const char *dir, const char *name)
{
    char path[512];
    FILE *f;
    int i;
    snprintf(path, sizeof path, "%s/%s.rep", dir, name);
    f = fopen(path, "w");
    if (f == NULL) { perror(path); return 1; }
    fprintf(f, "%d\n%d\n%d\n1\n", 1 << 20, nids, nops);
    for (i = 0; i < nops; i++) {
        if (ops[i].kind == 'f') fprintf(f, "f %d\n", ops[i].id);
        else fprintf(f, "%c %d %lu\n", ops[i].kind, ops[i].id, ops[i].size);
    }
    fclose(f);
    printf("%s: %d ids, %d operations\n", path, nids, nops);
    nops = nids = 0;
    return 0;
}

/* Frees every id still live (in random order) so the trace ends empty. */
static void free_rest(int *live, int n)
{
    while (n > 0) {
        int k = (int)rnd((unsigned long)n);
        emit('f', live[k], 0);
        live[k] = live[--n];
    }
}

static void gen_random(void)
{
    static int live[MAX_IDS];
    int n = 0, id = 0;
    while (nops < MAX_OPS - 400) {
        if (n == 0 || (rnd(100) < 55 && n < 350)) {
            unsigned long s = rnd(4) ? 1 + rnd(128) : 1 + rnd(2000);
            emit('a', id, s);
            live[n++] = id++;
        } else {
            int k = (int)rnd((unsigned long)n);
            emit('f', live[k], 0);
            live[k] = live[--n];
        }
    }
    free_rest(live, n);
}

static void gen_binary(void)
{
    int i, id = 0, first;
    first = id;
    for (i = 0; i < 600; i++) { emit('a', id++, 64); emit('a', id++, 448); }
    for (i = 0; i < 600; i++) emit('f', first + 2 * i + 1, 0);
    for (i = 0; i < 500; i++) emit('a', id++, 512);
    for (i = 0; i < 600; i++) emit('f', first + 2 * i, 0);
    for (i = 0; i < 500; i++) emit('f', 1200 + i, 0);
}

static void gen_realloc(void)
{
    int round, i, id = 0;
    for (round = 0; round < 4; round++) {
        int buf = id++, smalls[200], ns = 0;
        unsigned long size = 64;
        emit('a', buf, size);
        for (i = 0; i < 300; i++) {
            size += 16 + rnd(64);
            emit('r', buf, size);
            if (rnd(2)) { emit('a', id, 1 + rnd(40)); smalls[ns++] = id++; }
            if (ns == 200) break;
        }
        emit('f', buf, 0);
        free_rest(smalls, ns);
    }
}

static void gen_coalesce(void)
{
    static int ids[1000];
    int round, i, id = 0;
    for (round = 0; round < 3; round++) {
        int n = 300, big[40], nb = 0;
        for (i = 0; i < n; i++) { emit('a', id, 16 + rnd(200)); ids[i] = id++; }
        /* free in scattered order: each free meets free neighbours on one or both sides */
        for (i = 0; i < n; i += 2) emit('f', ids[i], 0);
        for (i = 1; i < n; i += 4) emit('f', ids[i], 0);
        for (i = 0; i < 40; i++) { emit('a', id, 300 + rnd(400)); big[nb++] = id++; }
        for (i = 3; i < n; i += 4) emit('f', ids[i], 0);
        free_rest(big, nb);
    }
}

static void gen_frame(void)
{
    static int assets[200];
    int frame, i, id = 0, na = 0;
    for (i = 0; i < 60; i++) { emit('a', id, 256 + rnd(8000)); assets[na++] = id++; }
    for (frame = 0; frame < 40 && nops < MAX_OPS - 200; frame++) {
        int tr[40], nt = 0;
        int count = 15 + (int)rnd(20);
        for (i = 0; i < count; i++) { emit('a', id, rnd(3) ? 16 + rnd(100) : 200 + rnd(1500)); tr[nt++] = id++; }
        if (rnd(3) == 0) {                           /* an asset swap */
            int k = (int)rnd((unsigned long)na);
            emit('f', assets[k], 0);
            emit('a', id, 256 + rnd(8000));
            assets[k] = id++;
        }
        for (i = nt - 1; i >= 0; i--) emit('f', tr[i], 0);   /* end of frame, newest first */
    }
    free_rest(assets, na);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "bench/traces";
    int bad = 0;
    gen_random();   bad |= write_trace(dir, "random");
    gen_binary();   bad |= write_trace(dir, "binary");
    gen_realloc();  bad |= write_trace(dir, "realloc");
    gen_coalesce(); bad |= write_trace(dir, "coalesce");
    gen_frame();    bad |= write_trace(dir, "frame");
    return bad;
}
