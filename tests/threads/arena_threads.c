/* Several threads on one arena, under ThreadSanitizer: the lock-free shared path, and the
   normal path behind alloc_locked with a pthread mutex. Each thread fills its blocks with
   its own pattern; after the join every block must be intact and no two overlap. */
#define ALLOC_IMPLEMENTATION
#include "alloc.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#define THREADS 4
#define PER_THREAD 20000

static unsigned char mem[THREADS * PER_THREAD * 48 + 4096];
static alloc_arena arena;
static alloc_allocator locked_al;
static unsigned char *blocks[THREADS][PER_THREAD];
static size_t sizes[THREADS][PER_THREAD];
static int use_lock;

static void *worker(void *arg)
{
    size_t t = (size_t)(uintptr_t)arg, i;
    for (i = 0; i < PER_THREAD; i++) {
        size_t n = 1 + (i * 7 + t) % 40;
        unsigned char *p = use_lock ? (unsigned char *)locked_al.alloc(locked_al.ctx, n, 8)
                                    : (unsigned char *)alloc_arena_alloc_shared(&arena, n, 8);
        if (p == NULL) break;
        memset(p, (int)(t + 1), n);
        blocks[t][i] = p;
        sizes[t][i] = n;
    }
    return NULL;
}

static void lock_fn(void *m) { pthread_mutex_lock((pthread_mutex_t *)m); }
static void unlock_fn(void *m) { pthread_mutex_unlock((pthread_mutex_t *)m); }

static int cmp_ptr(const void *a, const void *b)
{
    const unsigned char *x = *(unsigned char *const *)a, *y = *(unsigned char *const *)b;
    return x < y ? -1 : x > y;
}

static int run(int locked)
{
    static unsigned char *all[THREADS * PER_THREAD];
    pthread_t th[THREADS];
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    alloc_locked l;
    size_t t, i, k = 0;
    alloc_stats s;
    alloc_arena_init(&arena, mem, sizeof mem);
    alloc_locked_init(&l, alloc_arena_allocator(&arena), lock_fn, unlock_fn, &m);
    locked_al = alloc_locked_allocator(&l);
    use_lock = locked;
    memset(blocks, 0, sizeof blocks);
    for (t = 0; t < THREADS; t++) pthread_create(&th[t], NULL, worker, (void *)(uintptr_t)t);
    for (t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
    for (t = 0; t < THREADS; t++)
        for (i = 0; i < PER_THREAD; i++) {
            size_t j;
            if (blocks[t][i] == NULL) { printf("thread %zu got NULL at %zu\n", t, i); return 1; }
            for (j = 0; j < sizes[t][i]; j++)
                if (blocks[t][i][j] != (unsigned char)(t + 1)) { printf("block overwritten\n"); return 1; }
            all[k++] = blocks[t][i];
        }
    qsort(all, k, sizeof all[0], cmp_ptr);
    for (i = 1; i < k; i++) if (all[i] == all[i - 1]) { printf("two threads got one block\n"); return 1; }
    alloc_arena_stats(&arena, &s);
    if (s.alloc_count != THREADS * PER_THREAD || alloc_arena_check(&arena) != ALLOC_OK) { printf("stats/check\n"); return 1; }
    printf("%s: %zu blocks from %d threads, all intact\n", locked ? "locked" : "lock-free", k, THREADS);
    return 0;
}

int main(void)
{
    return run(0) + run(1);
}
