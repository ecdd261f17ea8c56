/* Misuse tests: one sweep over every family and every public entry point, in every build
   (release, -DNDEBUG, ALLOC_DEBUG, sanitizers). For each case the exact contract of the
   doc comment is asserted: the return value (NULL or the ALLOC_ERR_* code), the number of
   reports through ALLOC_ON_ERROR and the code of the last one, the stats (nothing moves
   but error_count, by one per report, and fail_count, by at most one per failed request
   and never for a size 0), alloc_<family>_check afterwards, and the contents of every
   block that was live before (filled with a pattern, compared after; under a sanitizer
   also still addressable). The cases:
     - size SIZE_MAX - k, k = 0..64, with every alignment 1..4096, 0, 3, 24 and SIZE_MAX,
       through alloc, realloc of a live block (it must survive intact) and realloc(NULL);
       calloc products that wrap, and calloc with a zero factor;
     - size 0 in every entry point; alignments that are not powers of two;
     - free(NULL) and the other NULLs the docs say are handled;
     - double free, foreign pointers (the stack, another allocator's memory, one byte past
       the buffer), interior pointers (p+1, p+8, p+16, the middle), pointers off the buddy
       grid, an object of another slab cache, stale arena marks;
     - init over buffers of 0..64 bytes at 16 alignments, over misaligned buffers, over
       NULL and over a size that wraps the address space; heap and arena regions added
       twice, overlapping, or of 0..64 bytes;
     - then a random run on the same structure: aligned, no overlap, contents intact.
   The last test function holds the cases where a sanitizer build reads memory that the
   allocators themselves poisoned (a crash there would hide the tests after it).
   Ends with the number of assertions evaluated. */
#include "test.h"
#include <stdarg.h>
#define ALLOC_IMPLEMENTATION
#include "alloc.h"

/* Under a sanitizer the allocators poison what is not live: the tests open memory they
   take again, and assert that a live block is still addressable before reading it. */
#ifdef TEST_ASAN
#  include <sanitizer/asan_interface.h>
#  define OPEN_MEM(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#  define ADDRESSABLE(p, n) (__asan_region_is_poisoned((void *)(uintptr_t)(p), (n)) == NULL)
#elif defined(ALLOC_VALGRIND)
#  include <valgrind/memcheck.h>
#  define OPEN_MEM(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#  define ADDRESSABLE(p, n) (VALGRIND_CHECK_MEM_IS_ADDRESSABLE((p), (n)) == 0)
#else
#  define OPEN_MEM(p, n) ((void)(p), (void)(n))
#  define ADDRESSABLE(p, n) ((void)(p), (void)(n), 1)
#endif

/* --- assertions: counted, and printed with the case they belong to -------------------- */

static unsigned long n_asserts;
static char where[240];

#if defined(__GNUC__) || defined(__clang__)
static void at(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
static void at(const char *fmt, ...)
{
    va_list va;
    va_start(va, fmt);
    vsnprintf(where, sizeof where, fmt, va);
    va_end(va);
}

/* A failure is printed once per case and assertion: its line, and for an assertion made
   by a helper (unchanged_, refuse_), the line of the call. */
static char last_where[sizeof where];
static int last_line, last_from;
static long n_printed, n_printable = -1;   /* at most 100 printed, unless TEST_VERBOSE is set */
static void t_fail(int line, int from, const char *what)
{
    test__checks_failed++;
    if (n_printable < 0) n_printable = getenv("TEST_VERBOSE") != NULL ? 1000000 : 100;
    if ((strcmp(where, last_where) == 0 && line == last_line && from == last_from) || n_printed >= n_printable) return;
    memcpy(last_where, where, sizeof where);
    last_line = line;
    last_from = from;
    n_printed++;
    if (from != 0)
        fprintf(stderr, "%s:%d (from %d): CHECK failed: %s  [%s] (seed %llu)\n", __FILE__, line, from, what, where, test_seed);
    else
        fprintf(stderr, "%s:%d: CHECK failed: %s  [%s] (seed %llu)\n", __FILE__, line, what, where, test_seed);
}
#define TL(cond, from) do { n_asserts++; if (!(cond)) t_fail(__LINE__, (from), #cond); } while (0)
#define T(cond) TL(cond, 0)

/* stmt reports exactly n misuses through ALLOC_ON_ERROR, the last one with `code`. */
#define REPORTS_FROM(n, code, stmt, from)                                                 \
    do {                                                                                  \
        long reports_before_ = test_errors;                                               \
        test_last_error = 0;                                                              \
        stmt;                                                                             \
        TL(test_errors - reports_before_ == (long)(n), (from));                           \
        if ((n) > 0) TL(test_last_error == (int)(code), (from));                          \
    } while (0)
#define REPORTS(n, code, stmt) REPORTS_FROM(n, code, stmt, 0)

#define K_MAX 64
#define SZ_MAX ((size_t)-1)
#define HALF_BITS (sizeof(size_t) * 4)

/* Every power of two from 1 to 4096, then 0 (the default) and three that are not. */
static const size_t aligns[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 0, 3, 24, SZ_MAX };
#define N_ALIGNS (sizeof aligns / sizeof aligns[0])
static const size_t bad_aligns[] = { 3, 24, 48, 4095, SZ_MAX, SZ_MAX / 2, SZ_MAX - 1 };
#define N_BAD_ALIGNS (sizeof bad_aligns / sizeof bad_aligns[0])

static const alloc_fit fits[5] = { ALLOC_FIT_GOOD, ALLOC_FIT_FIRST, ALLOC_FIT_NEXT, ALLOC_FIT_BEST, ALLOC_FIT_WORST };
static const char *fit_names[5] = { "good", "first", "next", "best", "worst" };

/* --- memory: one static pool, carved per test ------------------------------------------ */

#define POOL_SIZE ((size_t)6 << 20)
static union { unsigned char b[POOL_SIZE]; long double ld; void *p; } pool_u;
static unsigned char *pool_top;

/* Starts a test: the whole pool open again, carving from a 1 MiB-aligned start. */
static void pool_reset(void)
{
    OPEN_MEM(pool_u.b, POOL_SIZE);
    pool_top = pool_u.b + alloc__pad((uintptr_t)pool_u.b, (size_t)1 << 20);
}
/* n bytes aligned to `align`, with 256 bytes of untouched pool on each side. */
static unsigned char *grab(size_t n, size_t align)
{
    unsigned char *p = pool_top + 256;
    p += alloc__pad((uintptr_t)p, align);
    pool_top = p + n + 256;
    if (pool_top > pool_u.b + POOL_SIZE) {
        fprintf(stderr, "test_misuse: pool exhausted\n");
        exit(2);
    }
    memset(p, 0, n);   /* no stale header of an earlier test can pass for one of ours */
    return p;
}

/* --- the subject: one allocator under test, its live blocks, a snapshot of its stats ---- */

typedef struct blk { unsigned char *p; size_t n, id; } blk;
#define MAX_LIVE 64

typedef struct subj {
    const char *name;
    void *x;
    void (*stats)(const void *x, alloc_stats *out);
    alloc_result (*check)(const void *x);
    void (*nfree)(void *x, void *p);                  /* the family's own free */
    void *(*nrealloc)(void *x, void *p, size_t n);    /* its own realloc (NULL: none) */
    size_t (*usable)(const void *x, const void *p);   /* its usable_size (NULL: none) */
    alloc_allocator al;
    size_t def_align;                                 /* the alignment align 0 gives */
    size_t max_size, max_align;                       /* for the random run */
    const unsigned char *lo[8], *hi[8];               /* where its blocks may lie */
    int nranges;
    int frees_all;                                    /* 0: the arena (free of the newest only) */
    blk live[MAX_LIVE];
    size_t nlive, next_id;
    alloc_stats snap;
} subj;

static void subj_range(subj *s, const void *lo, size_t n)
{
    if (s->nranges < 8) {
        s->lo[s->nranges] = (const unsigned char *)lo;
        s->hi[s->nranges] = (const unsigned char *)lo + n;
        s->nranges++;
    }
}

/* Keeps p (n bytes) as a live block of s, filled with a fresh pattern. */
static unsigned char *keep(subj *s, void *p, size_t n)
{
    blk *b;
    T(p != NULL);
    if (p == NULL || s->nlive == MAX_LIVE) return (unsigned char *)p;
    b = &s->live[s->nlive++];
    b->p = (unsigned char *)p;
    b->n = n;
    b->id = ++s->next_id;
    test_fill(b->p, n, b->id);
    return b->p;
}
static blk *find_blk(subj *s, const void *p)
{
    size_t i;
    for (i = 0; i < s->nlive; i++)
        if (s->live[i].p == (const unsigned char *)p) return &s->live[i];
    return NULL;
}
/* p was freed (or released) on purpose: no longer live. */
static void drop(subj *s, const void *p)
{
    blk *b = find_blk(s, p);
    if (b != NULL) *b = s->live[--s->nlive];
}
/* A call that should have refused changed p into q anyway (a bug, already reported by a
   failed assertion): follow it, so that one bug does not fail every later case. */
static void follow(subj *s, void *p, void *q, size_t n)
{
    blk *b = find_blk(s, p);
    if (b == NULL || q == NULL) return;
    b->p = (unsigned char *)q;
    if (n < b->n) b->n = n;
    test_fill(b->p, b->n, b->id);
}

static int intact(const blk *b)
{
    return ADDRESSABLE(b->p, b->n) && test_intact(b->p, b->n, b->id);
}

/* Asserts that live block b is intact; if not (a bug, now reported), opens and refills
   it, so that the cases after this one are judged on their own. */
static void live_ok(blk *b, int line)
{
    int ok = intact(b);
    TL(ok, line);
    if (!ok) {
        OPEN_MEM(b->p, b->n);
        test_fill(b->p, b->n, b->id);
    }
}

static void mark(subj *s) { s->stats(s->x, &s->snap); }

/* After a refused or failed call: every figure as at mark() but error_count (up by
   `errors`) and fail_count (up by at most fail_max); check passes; live blocks intact. */
static void unchanged_(subj *s, size_t errors, size_t fail_max, int line)
{
    alloc_stats now;
    const alloc_stats *b = &s->snap;
    size_t i;
    s->stats(s->x, &now);
    TL(now.capacity == b->capacity && now.used == b->used && now.free == b->free &&
       now.largest_free == b->largest_free && now.peak_used == b->peak_used &&
       now.live_blocks == b->live_blocks && now.free_blocks == b->free_blocks &&
       now.alloc_count == b->alloc_count && now.free_count == b->free_count, line);
    TL(now.error_count == b->error_count + errors, line);
    TL(now.fail_count >= b->fail_count && now.fail_count - b->fail_count <= fail_max, line);
    TL(s->check(s->x) == ALLOC_OK, line);
    for (i = 0; i < s->nlive; i++) live_ok(&s->live[i], line);
}
#define UNCHANGED(s, errors, fail_max) unchanged_((s), (errors), (fail_max), __LINE__)

/* q is not a live block of s: every way to free or resize it is refused, reported once
   with `code`, and changes nothing. */
#define R_REALLOC  1   /* the family's realloc refuses it too */
#define R_IREALLOC 2   /* and the common interface's realloc, align 0 and 64 */
#define R_USABLE   4   /* usable_size says 0 for it */
#define R_ALL (R_REALLOC | R_IREALLOC | R_USABLE)
static void refuse_(subj *s, void *q, int code, int flags, int line)
{
    void *r;
    mark(s);
    REPORTS_FROM(1, code, s->nfree(s->x, q), line);
    unchanged_(s, 1, 0, line);
    if ((flags & R_REALLOC) && s->nrealloc != NULL) {
        static const size_t sizes[] = { 32, 0, SZ_MAX, 1 };
        size_t i;
        for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            mark(s);
            r = q;
            REPORTS_FROM(1, code, r = s->nrealloc(s->x, q, sizes[i]), line);
            TL(r == NULL, line);
            unchanged_(s, 1, 0, line);
            if (r != NULL && r != q && find_blk(s, r) == NULL) s->nfree(s->x, r);   /* (a bug: do not leak it) */
        }
    }
    mark(s);
    REPORTS_FROM(1, code, s->al.free(s->al.ctx, q), line);
    unchanged_(s, 1, 0, line);
    if (flags & R_IREALLOC) {
        mark(s);
        r = q;
        REPORTS_FROM(1, code, r = s->al.realloc(s->al.ctx, q, 32, 0), line);
        TL(r == NULL, line);
        unchanged_(s, 1, 0, line);
        if (r != NULL && r != q && find_blk(s, r) == NULL) s->al.free(s->al.ctx, r);
        mark(s);
        r = q;
        REPORTS_FROM(1, code, r = s->al.realloc(s->al.ctx, q, 32, 64), line);
        TL(r == NULL, line);
        unchanged_(s, 1, 0, line);
        if (r != NULL && r != q && find_blk(s, r) == NULL) s->al.free(s->al.ctx, r);
    }
    if ((flags & R_USABLE) && s->usable != NULL) {
        mark(s);
        REPORTS_FROM(0, 0, TL(s->usable(s->x, q) == 0, line), line);
        unchanged_(s, 0, 0, line);
    }
}
#define REFUSE(s, q, code, flags) refuse_((s), (q), (code), (flags), __LINE__)

/* The common interface over s: impossible sizes with every alignment, size 0, bad
   alignments, realloc of the live block p to all of them, free(NULL). */
static void sweep_interface(subj *s, void *p)
{
    size_t k, i, n = find_blk(s, p) != NULL ? find_blk(s, p)->n : 0;
    void *r;
    void *ctx = s->al.ctx;
    for (k = 0; k <= K_MAX; k++) {
        for (i = 0; i < N_ALIGNS; i++) {
            at("%s interface: size SIZE_MAX - %zu, align %zu", s->name, k, aligns[i]);
            mark(s);
            REPORTS(0, 0, r = s->al.alloc(ctx, SZ_MAX - k, aligns[i]));
            T(r == NULL);
            UNCHANGED(s, 0, 1);
            mark(s);
            REPORTS(0, 0, r = s->al.realloc(ctx, NULL, SZ_MAX - k, aligns[i]));
            T(r == NULL);
            UNCHANGED(s, 0, 1);
            mark(s);
            REPORTS(0, 0, r = s->al.realloc(ctx, p, SZ_MAX - k, aligns[i]));
            T(r == NULL);
            follow(s, p, r, SZ_MAX);
            if (r != NULL) p = r;
            UNCHANGED(s, 0, 1);
        }
    }
    for (i = 0; i < N_ALIGNS; i++) {
        at("%s interface: size 0, align %zu", s->name, aligns[i]);
        mark(s);
        REPORTS(0, 0, r = s->al.alloc(ctx, 0, aligns[i]));
        T(r == NULL);
        UNCHANGED(s, 0, 0);
        mark(s);
        REPORTS(0, 0, r = s->al.realloc(ctx, NULL, 0, aligns[i]));
        T(r == NULL);
        UNCHANGED(s, 0, 0);
    }
    for (i = 0; i < N_BAD_ALIGNS; i++) {
        at("%s interface: align %zu (not a power of two)", s->name, bad_aligns[i]);
        mark(s);
        REPORTS(0, 0, r = s->al.alloc(ctx, 16, bad_aligns[i]));
        T(r == NULL);
        UNCHANGED(s, 0, 1);
        if (r != NULL) s->al.free(ctx, r);   /* (a bug, reported above: not to fail what follows) */
        mark(s);
        REPORTS(0, 0, r = s->al.realloc(ctx, NULL, 16, bad_aligns[i]));
        T(r == NULL);
        UNCHANGED(s, 0, 1);
        if (r != NULL) s->al.free(ctx, r);
        mark(s);
        REPORTS(0, 0, r = s->al.realloc(ctx, p, 16, bad_aligns[i]));
        T(r == NULL);
        follow(s, p, r, 16);
        if (r != NULL) p = r;
        UNCHANGED(s, 0, 1);
        mark(s);
        REPORTS(0, 0, r = s->al.realloc(ctx, p, n, bad_aligns[i]));
        T(r == NULL);
        follow(s, p, r, n);
        if (r != NULL) p = r;
        UNCHANGED(s, 0, 1);
    }
    at("%s interface: free(NULL)", s->name);
    mark(s);
    REPORTS(0, 0, s->al.free(ctx, NULL));
    UNCHANGED(s, 0, 0);
}

/* A block handed out by s: aligned, inside s's memory, overlapping no live block. */
static int placed_well(const subj *s, const unsigned char *q, size_t n, size_t align, const unsigned char *self)
{
    size_t i;
    int inside = 0, r;
    if (q == NULL || !ALIGNED(q, align ? align : s->def_align)) return 0;
    for (r = 0; r < s->nranges; r++)
        if (q >= s->lo[r] && n <= (size_t)(s->hi[r] - q)) inside = 1;
    if (!inside) return 0;
    for (i = 0; i < s->nlive; i++) {
        const blk *b = &s->live[i];
        if (b->p != self && q < b->p + b->n && b->p < q + n) return 0;
    }
    return 1;
}

/* After the misuse: a short random run on the same structure through the common
   interface. `reset` (the arena's) empties s when it is full. */
static void random_run(subj *s, size_t ops, void (*reset)(subj *))
{
    size_t i, errors = (size_t)test_errors;
    int log2_align = 0;
    while (((size_t)2 << log2_align) <= s->max_align) log2_align++;
    at("%s: random run", s->name);
    for (i = 0; i < ops; i++) {
        size_t op = test_below(10);
        if (op < 5 && s->nlive < MAX_LIVE) {
            size_t n = 1 + test_below(s->max_size), align = test_below(4) == 0 ? 0 : (size_t)1 << test_below((size_t)log2_align + 1);
            unsigned char *q = (unsigned char *)s->al.alloc(s->al.ctx, n, align);
            if (q == NULL) {
                if (reset != NULL) reset(s);
                continue;
            }
            T(placed_well(s, q, n, align, NULL));
            keep(s, q, n);
        } else if (op < 8 && s->nlive > 0) {
            blk *b = &s->live[test_below(s->nlive)];
            live_ok(b, __LINE__);
            s->al.free(s->al.ctx, b->p);
            drop(s, b->p);
        } else if (s->nlive > 0) {
            blk *b = &s->live[test_below(s->nlive)];
            size_t n = 1 + test_below(s->max_size), keepn = n < b->n ? n : b->n;
            unsigned char *q = (unsigned char *)s->al.realloc(s->al.ctx, b->p, n, 0);
            if (q == NULL) {
                live_ok(b, __LINE__);
                continue;
            }
            T(placed_well(s, q, n, 0, b->p));
            T(ADDRESSABLE(q, n) && test_intact(q, keepn, b->id));
            b->p = q;
            b->n = n;
            test_fill(q, n, b->id);
        }
        if (i % 64 == 0) T(s->check(s->x) == ALLOC_OK);
    }
    T(s->check(s->x) == ALLOC_OK);
    T((size_t)test_errors == errors);   /* nothing in a correct run is reported */
    for (i = 0; i < s->nlive; i++) live_ok(&s->live[i], __LINE__);
    if (s->frees_all) {
        alloc_stats st;
        s->stats(s->x, &st);
        T(st.live_blocks == s->nlive);
        while (s->nlive > 0) {
            s->al.free(s->al.ctx, s->live[0].p);
            drop(s, s->live[0].p);
        }
        s->stats(s->x, &st);
        T(st.live_blocks == 0 && st.used == 0);
    }
    T(s->check(s->x) == ALLOC_OK);
}

/* ========================================================================================
   common
   ======================================================================================== */

static void test_result_strings(void)
{
    static const int codes[] = { 2, 7, 15, -13, -16 };
    size_t i;
    at("alloc_result_string");
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *t = alloc_result_string((alloc_result)codes[i]);
        T(t != NULL && strcmp(t, "unknown result") == 0);
    }
    T(strcmp(alloc_result_string(ALLOC_ERR_STALE_MARK), "mark is stale or belongs to another arena") == 0);
}

/* ========================================================================================
   arena
   ======================================================================================== */

static void arena_stats_w(const void *x, alloc_stats *o) { alloc_arena_stats((const alloc_arena *)x, o); }
static alloc_result arena_check_w(const void *x) { return alloc_arena_check((const alloc_arena *)x); }
static void arena_free_w(void *x, void *p) { alloc_arena_free((alloc_arena *)x, p); }
static void *arena_realloc_w(void *x, void *p, size_t n) { return alloc_arena_realloc((alloc_arena *)x, p, n, 0); }

static void subj_arena(subj *s, alloc_arena *a, const unsigned char *buf, size_t size)
{
    memset(s, 0, sizeof *s);
    s->name = "arena";
    s->x = a;
    s->stats = arena_stats_w;
    s->check = arena_check_w;
    s->nfree = arena_free_w;
    s->nrealloc = arena_realloc_w;
    s->al = alloc_arena_allocator(a);
    s->def_align = 1;
    s->max_size = 300;
    s->max_align = 256;
    subj_range(s, buf, size);
}
static void arena_reset_w(subj *s)
{
    alloc_arena_reset((alloc_arena *)s->x);
    s->nlive = 0;
}

/* A block of `size` bytes at buf holds the header and one byte: the documented bound
   (the header goes at the first pointer-aligned address). */
static int arena_block_fits(const unsigned char *buf, size_t size)
{
    size_t pad = alloc__pad((uintptr_t)buf, sizeof(void *));
    return size >= pad + sizeof(alloc_arena_block) + 1;
}

static void test_arena_init(void)
{
    alloc_arena a, keep_a;
    unsigned char *base, *buf;
    size_t size, skew;
    pool_reset();
    base = grab(8192, 64);
    memset(&keep_a, 0x5A, sizeof keep_a);
    at("arena init: NULL");
    a = keep_a;
    T(alloc_arena_init(NULL, base, 4096) == ALLOC_ERR_INVALID);
    T(alloc_arena_init(&a, NULL, 4096) == ALLOC_ERR_INVALID);
    T(alloc_arena_init(&a, NULL, 0) == ALLOC_ERR_INVALID);
    T(memcmp(&a, &keep_a, sizeof a) == 0);
    /* Buffers of 0..64 bytes at every start modulo 16. */
    for (skew = 0; skew < 16; skew++) {
        for (size = 0; size <= 64; size++) {
            alloc_result r;
            int ok;
            buf = base + skew;
            ok = arena_block_fits(buf, size);
            at("arena init: %zu bytes at base+%zu", size, skew);
            a = keep_a;
            REPORTS(0, 0, r = alloc_arena_init(&a, buf, size));
            T(r == (ok ? ALLOC_OK : ALLOC_ERR_TOO_SMALL));
            if (!ok) {
                T(memcmp(&a, &keep_a, sizeof a) == 0);   /* untouched on failure */
                continue;
            }
            {
                alloc_stats st;
                size_t room = size - alloc__pad((uintptr_t)buf, sizeof(void *)) - sizeof(alloc_arena_block);
                unsigned char *p;
                T(alloc_arena_check(&a) == ALLOC_OK);
                alloc_arena_stats(&a, &st);
                T(st.capacity == room && st.used == 0);
                T(alloc_arena_alloc(&a, 0, 1) == NULL);
                T(alloc_arena_alloc(&a, room + 1, 1) == NULL);
                p = (unsigned char *)alloc_arena_alloc(&a, 1, 1);
#ifndef ALLOC_DEBUG
                T(p != NULL);
                alloc_arena_free(&a, p);
                p = (unsigned char *)alloc_arena_alloc(&a, room, 1);
                T(p != NULL && p >= buf && p + room == buf + size);
                T(alloc_arena_alloc(&a, 1, 1) == NULL);
#else
                T(p == NULL || (p >= buf && p < buf + size));
#endif
                T(alloc_arena_check(&a) == ALLOC_OK);
            }
        }
    }
    /* Misaligned starts of a buffer that works: blocks aligned as asked, inside it. */
    for (skew = 1; skew < 16; skew++) {
        size_t align;
        buf = base + skew;
        at("arena init: 4096 bytes at base+%zu", skew);
        T(alloc_arena_init(&a, buf, 4096) == ALLOC_OK);
        for (align = 1; align <= 4096; align *= 2) {
            unsigned char *p = (unsigned char *)alloc_arena_alloc(&a, 24, align);
            at("arena init: 4096 bytes at base+%zu, align %zu", skew, align);
            if (align <= 256) T(p != NULL);
            T(p == NULL || (ALIGNED(p, align) && p >= buf && p + 24 <= buf + 4096));
            alloc_arena_reset(&a);
        }
        T(alloc_arena_check(&a) == ALLOC_OK);
    }
    /* buf + size wraps: refused with ALLOC_ERR_OVERFLOW, *a untouched (as add). */
    {
        size_t k;
        for (k = 0; k <= K_MAX; k++) {
            at("arena init: SIZE_MAX - %zu bytes", k);
            a = keep_a;
            T(alloc_arena_init(&a, base, SZ_MAX - k) == ALLOC_ERR_OVERFLOW);
            T(memcmp(&a, &keep_a, sizeof a) == 0);
        }
    }
}

static void test_arena_add(void)
{
    alloc_arena a;
    subj s;
    unsigned char *first, *first2, *slots;
    size_t skew, size, k;
    alloc_result r;
    pool_reset();
    first = grab(4096, 64);
    first2 = grab(4096, 64);
    slots = grab(16 * 65 * 128, 64);
    T(alloc_arena_init(&a, first, 4096) == ALLOC_OK);
    subj_arena(&s, &a, first, 4096);
    keep(&s, alloc_arena_alloc(&a, 100, 8), 100);
    keep(&s, alloc_arena_alloc(&a, 50, 16), 50);
    at("arena add: NULL");
    mark(&s);
    T(alloc_arena_add(NULL, slots, 4096) == ALLOC_ERR_INVALID);
    T(alloc_arena_add(&a, NULL, 4096) == ALLOC_ERR_INVALID);
    UNCHANGED(&s, 0, 0);
    /* Overlapping the block it has: the same, from inside, from before, around it. */
    {
        struct { long off; size_t size; } ov[] = {
            { 0, 4096 }, { 100, 200 }, { 4000, 4096 }, { -128, 256 }, { -128, 8192 }, { 4095, 64 }, { -200, 201 + 64 } };
        size_t i;
        for (i = 0; i < sizeof ov / sizeof ov[0]; i++) {
            at("arena add: overlap %ld + %zu", ov[i].off, ov[i].size);
            mark(&s);
            REPORTS(0, 0, r = alloc_arena_add(&a, first + ov[i].off, ov[i].size));
            T(r == ALLOC_ERR_OVERLAP);
            UNCHANGED(&s, 0, 0);
        }
    }
    /* buf + size wraps: refused (the code is ALLOC_ERR_OVERFLOW, as the heap's add). */
    for (k = 0; k <= K_MAX; k++) {
        at("arena add: size SIZE_MAX - %zu", k);
        mark(&s);
        REPORTS(0, 0, r = alloc_arena_add(&a, slots, SZ_MAX - k));
        T(r == ALLOC_ERR_OVERFLOW);
        UNCHANGED(&s, 0, 0);
    }
    /* Blocks of 0..64 bytes at every start modulo 16, each arena with its own chain. */
    for (skew = 0; skew < 16; skew++) {
        alloc_arena c;
        subj cs;
        size_t cap = 0;
        T(alloc_arena_init(&c, first2, 4096) == ALLOC_OK);
        subj_arena(&cs, &c, first2, 4096);
        at("arena add: tiny blocks at +%zu", skew);
        keep(&cs, alloc_arena_alloc(&c, 4096 - sizeof(alloc_arena_block) - 200, 1), 4096 - sizeof(alloc_arena_block) - 200);
        {
            alloc_stats st;
            alloc_arena_stats(&c, &st);
            cap = st.capacity;
        }
        for (size = 0; size <= 64; size++) {
            unsigned char *buf = slots + (skew * 65 + size) * 128 + skew;
            int ok = arena_block_fits(buf, size);
            at("arena add: %zu bytes at +%zu", size, skew);
            mark(&cs);
            REPORTS(0, 0, r = alloc_arena_add(&c, buf, size));
            T(r == (ok ? ALLOC_OK : ALLOC_ERR_TOO_SMALL));
            if (ok) {
                alloc_stats st;
                alloc_arena_stats(&c, &st);
                cap += size - alloc__pad((uintptr_t)buf, sizeof(void *)) - sizeof(alloc_arena_block);
                T(st.capacity == cap);
                T(alloc_arena_check(&c) == ALLOC_OK);
                subj_range(&cs, buf, size);
                /* adding it again overlaps */
                mark(&cs);
                T(alloc_arena_add(&c, buf, size) == ALLOC_ERR_OVERLAP);
                UNCHANGED(&cs, 0, 0);
            } else {
                UNCHANGED(&cs, 0, 0);
            }
        }
        /* The tiny blocks serve what fits them, each allocation inside its block. */
        cs.nranges = 0;
        subj_range(&cs, slots, 16 * 65 * 128);
        subj_range(&cs, first2, 4096);
        for (k = 0; k < 200; k++) {
            unsigned char *p = (unsigned char *)alloc_arena_alloc(&c, 1 + k % 8, 1);
            if (p == NULL) break;
            T(placed_well(&cs, p, 1 + k % 8, 1, NULL));
            keep(&cs, p, 1 + k % 8);
            if (cs.nlive == MAX_LIVE) break;
        }
        T(alloc_arena_check(&c) == ALLOC_OK);
        {
            size_t i;
            for (i = 0; i < cs.nlive; i++) live_ok(&cs.live[i], __LINE__);
        }
    }
    T(alloc_arena_check(&a) == ALLOC_OK);
}

static void test_arena_misuse(void)
{
    alloc_arena a, other;
    subj s;
    unsigned char *buf, *obuf, *pa, *pb, *pc, *pd;
    size_t k, i, size = 16384;
    long local = 0;
    void *r;
    pool_reset();
    buf = grab(size, 64);
    obuf = grab(4096, 64);
    T(alloc_arena_init(&a, buf, size) == ALLOC_OK);
    T(alloc_arena_init(&other, obuf, 4096) == ALLOC_OK);
    subj_arena(&s, &a, buf, size);
    pa = keep(&s, alloc_arena_alloc(&a, 100, 16), 100);
    pb = keep(&s, alloc_arena_alloc(&a, 200, 8), 200);
    pc = keep(&s, alloc_arena_alloc(&a, 64, 64), 64);   /* the newest */

    /* Impossible sizes with every alignment; realloc of the newest and of an older block. */
    for (k = 0; k <= K_MAX; k++) {
        for (i = 0; i < N_ALIGNS; i++) {
            at("arena: size SIZE_MAX - %zu, align %zu", k, aligns[i]);
            mark(&s);
            REPORTS(0, 0, r = alloc_arena_alloc(&a, SZ_MAX - k, aligns[i]));
            T(r == NULL);
            UNCHANGED(&s, 0, 1);
            mark(&s);
            REPORTS(0, 0, r = alloc_arena_realloc(&a, pc, SZ_MAX - k, aligns[i]));
            T(r == NULL);
            UNCHANGED(&s, 0, 1);
            mark(&s);
            REPORTS(0, 0, r = alloc_arena_realloc(&a, pa, SZ_MAX - k, aligns[i]));
            T(r == NULL);
            UNCHANGED(&s, 0, 1);
            mark(&s);
            REPORTS(0, 0, r = alloc_arena_realloc(&a, NULL, SZ_MAX - k, aligns[i]));
            T(r == NULL);
            UNCHANGED(&s, 0, 1);
        }
    }
    /* Size 0 (not a failure, not counted); alignments that are not powers of two. */
    for (i = 0; i < N_ALIGNS; i++) {
        at("arena: size 0, align %zu", aligns[i]);
        mark(&s);
        T(alloc_arena_alloc(&a, 0, aligns[i]) == NULL);
        T(alloc_arena_realloc(&a, NULL, 0, aligns[i]) == NULL);
        UNCHANGED(&s, 0, 0);
    }
    for (i = 0; i < N_BAD_ALIGNS; i++) {
        at("arena: align %zu", bad_aligns[i]);
        mark(&s);
        T(alloc_arena_alloc(&a, 16, bad_aligns[i]) == NULL);
        T(alloc_arena_realloc(&a, pc, 16, bad_aligns[i]) == NULL);
        T(alloc_arena_realloc(&a, pc, 640, bad_aligns[i]) == NULL);
        T(alloc_arena_realloc(&a, pa, 16, bad_aligns[i]) == NULL);
        UNCHANGED(&s, 0, 1);
    }
    at("arena: free(NULL)");
    mark(&s);
    REPORTS(0, 0, alloc_arena_free(&a, NULL));
    UNCHANGED(&s, 0, 0);

    /* Foreign pointers: reported. */
    at("arena: foreign (stack)");
    REFUSE(&s, &local, ALLOC_ERR_FOREIGN, R_ALL);
    at("arena: foreign (another arena's block)");
    REFUSE(&s, alloc_arena_alloc(&other, 32, 8), ALLOC_ERR_FOREIGN, R_ALL);
    at("arena: foreign (one byte past the buffer)");
    REFUSE(&s, buf + size, ALLOC_ERR_FOREIGN, R_ALL);
    at("arena: foreign (the block header at the buffer's start)");
    REFUSE(&s, buf, ALLOC_ERR_FOREIGN, R_ALL);
    at("arena: foreign (just below the buffer)");
    REFUSE(&s, buf - 1, ALLOC_ERR_FOREIGN, R_ALL);

    /* Interior pointers and frees of older blocks: no-ops (only reset and restore free
       them), not reported. */
    {
        unsigned char *in[8];
        in[0] = pb + 1; in[1] = pb + 8; in[2] = pb + 16; in[3] = pb + 100;
        in[4] = pc + 1; in[5] = pc + 8; in[6] = pc + 16; in[7] = pc + 32;
        for (i = 0; i < 8; i++) {
            at("arena: free(interior %zu)", i);
            mark(&s);
            REPORTS(0, 0, alloc_arena_free(&a, in[i]));
            UNCHANGED(&s, 0, 0);
            mark(&s);
            REPORTS(0, 0, s.al.free(s.al.ctx, in[i]));
            UNCHANGED(&s, 0, 0);
        }
        at("arena: free of an older block");
        mark(&s);
        REPORTS(0, 0, alloc_arena_free(&a, pb));
        REPORTS(0, 0, alloc_arena_free(&a, pb));
        UNCHANGED(&s, 0, 0);
    }
    /* Double free of the newest: the first gives it back, the second is a no-op. */
    at("arena: double free of the newest");
    alloc_arena_free(&a, pc);
    drop(&s, pc);
    mark(&s);
    REPORTS(0, 0, alloc_arena_free(&a, pc));
    REPORTS(0, 0, s.al.free(s.al.ctx, pc));
    UNCHANGED(&s, 0, 0);
    pd = keep(&s, alloc_arena_alloc(&a, 80, 16), 80);
    at("arena: realloc(newest, 0) frees it");
    mark(&s);
    REPORTS(0, 0, r = alloc_arena_realloc(&a, pd, 0, 16));
    T(r == NULL);
    drop(&s, pd);
    {
        alloc_stats st;
        alloc_arena_stats(&a, &st);
        T(st.free_count == s.snap.free_count + 1 && st.used < s.snap.used);
        T(alloc_arena_check(&a) == ALLOC_OK);
    }
    pd = keep(&s, alloc_arena_alloc(&a, 80, 16), 80);

    /* Marks: restored twice, an inner one after the outer, another arena's, one from
       before a reset, a zeroed one. */
    {
        alloc_arena_mark m0, m1, mo, mz;
        unsigned char *x, *y;
        m0 = alloc_arena_save(&a);
        x = keep(&s, alloc_arena_alloc(&a, 40, 8), 40);
        m1 = alloc_arena_save(&a);
        y = keep(&s, alloc_arena_alloc(&a, 40, 8), 40);
        alloc_arena_restore(&a, m0);
        drop(&s, x);
        drop(&s, y);
        at("arena: mark restored twice");
        mark(&s);
        REPORTS(0, 0, alloc_arena_restore(&a, m0));
        UNCHANGED(&s, 0, 0);
        at("arena: inner mark after its outer one");
        mark(&s);
        REPORTS(1, ALLOC_ERR_STALE_MARK, alloc_arena_restore(&a, m1));
        UNCHANGED(&s, 1, 0);
        at("arena: another arena's mark");
        mo = alloc_arena_save(&other);
        mark(&s);
        REPORTS(1, ALLOC_ERR_STALE_MARK, alloc_arena_restore(&a, mo));
        UNCHANGED(&s, 1, 0);
        at("arena: a zeroed mark");
        memset(&mz, 0, sizeof mz);
        mark(&s);
        REPORTS(1, ALLOC_ERR_STALE_MARK, alloc_arena_restore(&a, mz));
        UNCHANGED(&s, 1, 0);
        /* our mark given to the other arena: reported there, this arena untouched */
        {
            alloc_stats before, after;
            alloc_arena_stats(&other, &before);
            mark(&s);
            REPORTS(1, ALLOC_ERR_STALE_MARK, alloc_arena_restore(&other, m0));
            alloc_arena_stats(&other, &after);
            T(after.error_count == before.error_count + 1 && after.used == before.used);
            T(alloc_arena_check(&other) == ALLOC_OK);
            UNCHANGED(&s, 0, 0);
        }
    }
    /* The interface, then a mark from before a reset (above the top after it). */
    sweep_interface(&s, pa);
    {
        alloc_arena_mark m2;
        m2 = alloc_arena_save(&a);
        alloc_arena_reset(&a);
        s.nlive = 0;
        pa = keep(&s, alloc_arena_alloc(&a, 10, 1), 10);
        at("arena: mark from before a reset");
        mark(&s);
        REPORTS(1, ALLOC_ERR_STALE_MARK, alloc_arena_restore(&a, m2));
        UNCHANGED(&s, 1, 0);
    }
    /* A chain: a mark in the second block is stale once a mark in the first is restored. */
    {
        alloc_arena c;
        subj cs;
        unsigned char *b1 = grab(1024, 64), *b2 = grab(4096, 64), *x;
        alloc_arena_mark m_first, m_second;
        T(alloc_arena_init(&c, b1, 1024) == ALLOC_OK);
        T(alloc_arena_add(&c, b2, 4096) == ALLOC_OK);
        subj_arena(&cs, &c, b1, 1024);
        subj_range(&cs, b2, 4096);
        keep(&cs, alloc_arena_alloc(&c, 100, 8), 100);
        m_first = alloc_arena_save(&c);
        x = keep(&cs, alloc_arena_alloc(&c, 1000, 8), 1000);   /* does not fit: second block */
        T(x >= b2 && x < b2 + 4096);
        m_second = alloc_arena_save(&c);
        keep(&cs, alloc_arena_alloc(&c, 100, 8), 100);
        alloc_arena_restore(&c, m_first);
        cs.nlive = 1;
        at("arena: a mark in a later block after restoring an earlier one");
        mark(&cs);
        REPORTS(1, ALLOC_ERR_STALE_MARK, alloc_arena_restore(&c, m_second));
        UNCHANGED(&cs, 1, 0);
        random_run(&cs, test_scaled(3000), arena_reset_w);
    }
    random_run(&s, test_scaled(3000), arena_reset_w);
}

static alloc_slab_desc desc(size_t size, size_t align, size_t slab_size);

/* A parent that counts what it is asked for (the heap behind it does the work). */
typedef struct counting { alloc_allocator inner; size_t calls, last; } counting;
static void *counting_alloc(void *ctx, size_t size, size_t align)
{
    counting *c = (counting *)ctx;
    c->calls++;
    c->last = size;
    return c->inner.alloc(c->inner.ctx, size, align);
}
static void counting_free(void *ctx, void *p)
{
    counting *c = (counting *)ctx;
    c->inner.free(c->inner.ctx, p);
}

/* The arena's other entry points: parents, the lock-free path, the double-ended stack
   and double-buffered frames. */
static void test_arena_parent_and_game(void)
{
    alloc_arena a;
    alloc_heap ph;
    counting cnt;
    alloc_allocator parent, none;
    subj s;
    unsigned char *hbuf, *buf;
    size_t k, i;
    void *r;
    pool_reset();
    hbuf = grab(65536, 64);
    buf = grab(8192, 64);
    T(alloc_heap_init(&ph, hbuf, 65536, ALLOC_FIT_GOOD) == ALLOC_OK);
    cnt.inner = alloc_heap_allocator(&ph);
    cnt.calls = cnt.last = 0;
    parent.alloc = counting_alloc;
    parent.realloc = NULL;
    parent.free = counting_free;
    parent.ctx = &cnt;
    memset(&none, 0, sizeof none);
    at("arena: init_parent / set_parent without a parent");
    T(alloc_arena_init_parent(NULL, parent, 4096) == ALLOC_ERR_INVALID);
    T(alloc_arena_init_parent(&a, none, 4096) == ALLOC_ERR_INVALID);
    T(alloc_arena_set_parent(NULL, parent, 4096) == ALLOC_ERR_INVALID);
    T(alloc_arena_init(&a, buf, 8192) == ALLOC_OK);
    T(alloc_arena_set_parent(&a, none, 4096) == ALLOC_ERR_INVALID);
    T(alloc_arena_owns(NULL, buf + 100) == 0 && alloc_arena_owns(&a, NULL) == 0);
    T(alloc_arena_check(&a) == ALLOC_OK);
    /* An arena on a parent: an impossible size never reaches the parent wrapped. */
    T(alloc_arena_init_parent(&a, parent, 4096) == ALLOC_OK);
    subj_arena(&s, &a, hbuf, 65536);
    T(alloc_arena_check(&a) == ALLOC_OK);
    at("arena on a parent: no block yet");
    mark(&s);
    T(alloc_arena_alloc(&a, 0, 8) == NULL);
    REPORTS(1, ALLOC_ERR_FOREIGN, alloc_arena_free(&a, buf));
    UNCHANGED(&s, 1, 0);
    keep(&s, alloc_arena_alloc(&a, 100, 16), 100);
    keep(&s, alloc_arena_alloc(&a, 5000, 64), 5000);   /* larger than a block: its own */
    for (k = 0; k <= K_MAX; k++) {
        for (i = 0; i < N_ALIGNS; i++) {
            size_t before = cnt.calls;
            at("arena on a parent: size SIZE_MAX - %zu, align %zu", k, aligns[i]);
            mark(&s);
            REPORTS(0, 0, r = alloc_arena_alloc(&a, SZ_MAX - k, aligns[i]));
            T(r == NULL);
            UNCHANGED(&s, 0, 1);
            T(cnt.calls == before || cnt.last >= SZ_MAX - k);   /* never a wrapped, small request */
        }
    }
    at("arena on a parent: foreign");
    REFUSE(&s, buf + 64, ALLOC_ERR_FOREIGN, R_ALL);
    REFUSE(&s, hbuf + 65536, ALLOC_ERR_FOREIGN, R_ALL);
    sweep_interface(&s, s.live[0].p);
    random_run(&s, test_scaled(2000), arena_reset_w);
    alloc_arena_destroy(&a);
    {
        alloc_stats st;
        alloc_heap_stats(&ph, &st);
        T(st.live_blocks == 0 && alloc_heap_check(&ph) == ALLOC_OK);   /* every block given back */
    }
#ifdef ALLOC_HAS_SHARED_ARENA
    T(alloc_arena_init(&a, buf, 8192) == ALLOC_OK);
    subj_arena(&s, &a, buf, 8192);
    keep(&s, alloc_arena_alloc_shared(&a, 64, 16), 64);
    for (k = 0; k <= K_MAX; k++) {
        for (i = 0; i < N_ALIGNS; i++) {
            at("arena shared: size SIZE_MAX - %zu, align %zu", k, aligns[i]);
            mark(&s);
            T(alloc_arena_alloc_shared(&a, SZ_MAX - k, aligns[i]) == NULL);
            UNCHANGED(&s, 0, 1);
        }
    }
    for (i = 0; i < N_ALIGNS; i++) {
        at("arena shared: size 0, align %zu", aligns[i]);
        mark(&s);
        T(alloc_arena_alloc_shared(&a, 0, aligns[i]) == NULL);
        UNCHANGED(&s, 0, 0);
    }
    for (i = 0; i < N_BAD_ALIGNS; i++) {
        at("arena shared: align %zu", bad_aligns[i]);
        mark(&s);
        T(alloc_arena_alloc_shared(&a, 16, bad_aligns[i]) == NULL);
        UNCHANGED(&s, 0, 1);
    }
#endif
    /* The double-ended stack. */
    {
        alloc_dstack d, od, keep_d;
        alloc_dstack_mark m0, m1, mo, mz;
        alloc_stats st0, st1;
        unsigned char *lo1, *hi1;
        int e;
        memset(&keep_d, 0x5A, sizeof keep_d);
        d = keep_d;
        at("dstack init: NULL, size 0, wrapping");
        T(alloc_dstack_init(NULL, buf, 4096) == ALLOC_ERR_INVALID);
        T(alloc_dstack_init(&d, NULL, 4096) == ALLOC_ERR_INVALID);
        T(alloc_dstack_init(&d, buf, 0) == ALLOC_ERR_INVALID);
        for (k = 0; k <= K_MAX; k++) T(alloc_dstack_init(&d, buf, SZ_MAX - k) == ALLOC_ERR_OVERFLOW);
        T(memcmp(&d, &keep_d, sizeof d) == 0);
        for (k = 1; k <= 64; k++) {
            at("dstack init: %zu bytes", k);
            T(alloc_dstack_init(&d, buf + 1, k) == ALLOC_OK);
            T(alloc_dstack_alloc(&d, ALLOC_LOW, k + 1, 1) == NULL);
            lo1 = (unsigned char *)alloc_dstack_alloc(&d, ALLOC_HIGH, k, 1);
            T(lo1 == buf + 1);
            T(alloc_dstack_check(&d) == ALLOC_OK);
        }
        T(alloc_dstack_init(&d, buf, 4096) == ALLOC_OK);
        T(alloc_dstack_init(&od, buf + 4096, 4096) == ALLOC_OK);
        lo1 = (unsigned char *)alloc_dstack_alloc(&d, ALLOC_LOW, 100, 16);
        hi1 = (unsigned char *)alloc_dstack_alloc(&d, ALLOC_HIGH, 100, 16);
        T(lo1 != NULL && hi1 != NULL);
        test_fill(lo1, 100, 1);
        test_fill(hi1, 100, 2);
        for (e = 0; e < 2; e++) {
            alloc_end end = e == 0 ? ALLOC_LOW : ALLOC_HIGH;
            alloc_dstack_stats(&d, &st0);
            for (k = 0; k <= K_MAX; k++)
                for (i = 0; i < N_ALIGNS; i++) {
                    at("dstack %d: size SIZE_MAX - %zu, align %zu", e, k, aligns[i]);
                    T(alloc_dstack_alloc(&d, end, SZ_MAX - k, aligns[i]) == NULL);
                }
            for (i = 0; i < N_ALIGNS; i++) T(alloc_dstack_alloc(&d, end, 0, aligns[i]) == NULL);
            for (i = 0; i < N_BAD_ALIGNS; i++) T(alloc_dstack_alloc(&d, end, 16, bad_aligns[i]) == NULL);
            at("dstack %d: the failures changed nothing", e);
            alloc_dstack_stats(&d, &st1);
            T(st1.used == st0.used && st1.live_blocks == st0.live_blocks && st1.alloc_count == st0.alloc_count);
            T(st1.error_count == st0.error_count && alloc_dstack_check(&d) == ALLOC_OK);
        }
        /* Marks: an inner one after its outer one, another stack's, one from before a
           reset, a zeroed one, one of the other end moved across. */
        m0 = alloc_dstack_save(&d, ALLOC_LOW);
        T(alloc_dstack_alloc(&d, ALLOC_LOW, 50, 8) != NULL);
        m1 = alloc_dstack_save(&d, ALLOC_LOW);
        T(alloc_dstack_alloc(&d, ALLOC_LOW, 50, 8) != NULL);
        alloc_dstack_restore(&d, m0);
        mo = alloc_dstack_save(&od, ALLOC_LOW);
        memset(&mz, 0, sizeof mz);
        {
            alloc_dstack_mark bad[3];
            bad[0] = m1;
            bad[1] = mo;
            bad[2] = mz;
            for (i = 0; i < 3; i++) {
                at("dstack: stale mark %zu", i);
                alloc_dstack_stats(&d, &st0);
                REPORTS(1, ALLOC_ERR_STALE_MARK, alloc_dstack_restore(&d, bad[i]));
                alloc_dstack_stats(&d, &st1);
                T(st1.used == st0.used && st1.error_count == st0.error_count + 1 && alloc_dstack_check(&d) == ALLOC_OK);
                T(test_intact(lo1, 100, 1) && test_intact(hi1, 100, 2));
            }
        }
        at("dstack: restored twice");
        REPORTS(0, 0, alloc_dstack_restore(&d, m0));
        m1 = alloc_dstack_save(&d, ALLOC_HIGH);
        alloc_dstack_reset(&d, ALLOC_HIGH);
        at("dstack: a mark from before a reset of its end");
        REPORTS(1, ALLOC_ERR_STALE_MARK, alloc_dstack_restore(&d, m1));
        T(alloc_dstack_check(&d) == ALLOC_OK && test_intact(lo1, 100, 1));
        T(alloc_dstack_check(NULL) == ALLOC_ERR_INVALID);
    }
    /* Frames: two arenas over halves of one buffer. */
    {
        alloc_frames f;
        at("frames init: NULL, too small");
        T(alloc_frames_init(NULL, buf, 4096) == ALLOC_ERR_INVALID);
        T(alloc_frames_init(&f, NULL, 4096) == ALLOC_ERR_INVALID);
        T(alloc_frames_init(&f, buf, 2 * sizeof(alloc_arena_block)) == ALLOC_ERR_TOO_SMALL);
        T(alloc_frames_init(&f, buf, 4096) == ALLOC_OK);
        for (k = 0; k <= K_MAX; k++) T(alloc_frames_alloc(&f, SZ_MAX - k, 16) == NULL);
        T(alloc_frames_alloc(&f, 0, 16) == NULL && alloc_frames_alloc(&f, 16, 3) == NULL);
        T(alloc_arena_check(alloc_frames_current(&f)) == ALLOC_OK && alloc_arena_check(alloc_frames_previous(&f)) == ALLOC_OK);
    }
}

/* The sizing helpers: "0 when the arguments are impossible or the bound does not fit". */
static void test_sizing(void)
{
    alloc_slab_desc d;
    size_t k, i;
    for (k = 0; k <= K_MAX; k++) {
        for (i = 0; i < N_ALIGNS; i++) {
            size_t a = aligns[i] ? aligns[i] : 1, peak = SZ_MAX - k, want = 0, pads, total;
            /* arena: peak + (peak / a) * (a - 1) + ALLOC_ARENA_BLOCK_OVERHEAD, unless it wraps */
            if (alloc__is_pow2(a) && alloc__mul(peak / a, a - 1, &pads) && alloc__add(peak, pads, &total) &&
                alloc__add(total, ALLOC_ARENA_BLOCK_OVERHEAD, &total))
                want = total;
            at("arena_size_for(SIZE_MAX - %zu, %zu)", k, aligns[i]);
            T(alloc_arena_size_for(peak, aligns[i]) == want);
        }
        at("size_for: SIZE_MAX - %zu", k);
        for (i = 0; i < 5; i++) {
            T(alloc_heap_size_for(SZ_MAX - k, 4096, fits[i]) == 0);
            T(alloc_heap_size_for(1024, SZ_MAX - k, fits[i]) == 0);
        }
        T(alloc_buddy_size_for(SZ_MAX - k, 4096, 16) == 0);
        T(alloc_buddy_size_for(1024, SZ_MAX - k, 16) == 0);
        d = desc(48, 16, 0);
        T(alloc_slab_size_for(&d, SZ_MAX - k) == 0);
        d = desc(SZ_MAX - k, 16, 0);
        T(alloc_slab_size_for(&d, 10) == 0);
    }
    at("size_for: zero and impossible arguments");
    T(alloc_arena_size_for(0, 16) == 0 && alloc_arena_size_for(100, 3) == 0 && alloc_arena_size_for(100, 24) == 0);
    T(alloc_arena_size_for(100, 0) == alloc_arena_size_for(100, 1) && alloc_arena_size_for(100, 0) != 0);
    for (i = 0; i < 5; i++) T(alloc_heap_size_for(0, 4096, fits[i]) == 0);
    T(alloc_heap_size_for(100, 4096, (alloc_fit)5) == 0 && alloc_heap_size_for(100, 4096, (alloc_fit)7) == 0);
    T(alloc_buddy_size_for(0, 4096, 16) == 0 && alloc_buddy_size_for(100, 4096, 24) == 0);
    T(alloc_buddy_size_for(100, 4096, 8) == 0 && alloc_buddy_size_for(100, 4096, 0) == 0);
    T(alloc_buddy_size_for(((size_t)16 << 14) + 1, 1 << 20, 16) == 0);
    T(alloc_buddy_metadata_size(4096, 0) == 0 && alloc_buddy_metadata_size(4096, 24) == 0 && alloc_buddy_metadata_size(16, 16) == 0);
    for (k = 0; k <= 16; k++) T(alloc_buddy_metadata_size(k, 16) == 0);
    T(alloc_buddy_metadata_size(17, 16) == 1);
    d = desc(0, 0, 0);
    T(alloc_slab_size_for(&d, 10) == 0);
    d = desc(48, 3, 0);
    T(alloc_slab_size_for(&d, 10) == 0);
    d = desc(48, 0, 1000);
    T(alloc_slab_size_for(&d, 10) == 0);
    d = desc(48, 0, 0);
    T(alloc_slab_size_for(&d, 0) == alloc_slab_size_for(&d, 1) && alloc_slab_size_for(&d, 1) != 0);
}

/* ========================================================================================
   heap
   ======================================================================================== */


static void heap_stats_w(const void *x, alloc_stats *o) { alloc_heap_stats((const alloc_heap *)x, o); }
static alloc_result heap_check_w(const void *x) { return alloc_heap_check((const alloc_heap *)x); }
static void heap_free_w(void *x, void *p) { alloc_heap_free((alloc_heap *)x, p); }
static void *heap_realloc_w(void *x, void *p, size_t n) { return alloc_heap_realloc((alloc_heap *)x, p, n); }
static size_t heap_usable_w(const void *x, const void *p) { return alloc_heap_usable_size((const alloc_heap *)x, p); }

static void subj_heap(subj *s, alloc_heap *h, const char *name, const unsigned char *buf, size_t size)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->x = h;
    s->stats = heap_stats_w;
    s->check = heap_check_w;
    s->nfree = heap_free_w;
    s->nrealloc = heap_realloc_w;
    s->usable = heap_usable_w;
    s->al = alloc_heap_allocator(h);
    s->def_align = ALLOC_HEAP_ALIGN;
    s->max_size = 600;
    s->max_align = 512;
    s->frees_all = 1;
    subj_range(s, buf, size);
}

/* The documented region layout: its header at the first pointer-aligned address, the
   first block's header placed so that its payload is on the grain, blocks, then a
   one-word end sentinel. Returns the bytes of blocks (0: ALLOC_ERR_TOO_SMALL). */
static size_t heap_region_blocks(const unsigned char *buf, size_t size)
{
    size_t W = ALLOC_HEAP_BLOCK_OVERHEAD, G = ALLOC_HEAP_GRAIN, blocks;
    size_t off = alloc__pad((uintptr_t)buf, sizeof(void *)) + sizeof(alloc__heap_region) + W;
    off += alloc__pad((uintptr_t)buf + off, G);
    off -= W;
    if (off > size || size - off < W + ALLOC_HEAP_MIN_BLOCK) return 0;
    blocks = (size - off - W) & ~(G - 1);
    return blocks < ALLOC_HEAP_MIN_BLOCK ? 0 : blocks;
}

static void test_heap_init(void)
{
    alloc_heap h, keep_h;
    unsigned char *base;
    size_t skew, size, k;
    int f;
    alloc_result r;
    pool_reset();
    base = grab(8192, 64);
    memset(&keep_h, 0x5A, sizeof keep_h);
    at("heap init: NULL, bad policy");
    h = keep_h;
    T(alloc_heap_init(NULL, base, 4096, ALLOC_FIT_GOOD) == ALLOC_ERR_INVALID);
    T(alloc_heap_init(&h, NULL, 4096, ALLOC_FIT_GOOD) == ALLOC_ERR_INVALID);
    T(alloc_heap_init(&h, base, 4096, (alloc_fit)5) == ALLOC_ERR_INVALID);
    T(alloc_heap_init(&h, base, 4096, (alloc_fit)7) == ALLOC_ERR_INVALID);
    T(memcmp(&h, &keep_h, sizeof h) == 0);
    for (k = 0; k <= K_MAX; k++) {
        at("heap init: size SIZE_MAX - %zu", k);
        h = keep_h;
        T(alloc_heap_init(&h, base, SZ_MAX - k, ALLOC_FIT_GOOD) == ALLOC_ERR_OVERFLOW);
        T(memcmp(&h, &keep_h, sizeof h) == 0);
    }
    for (f = 0; f < 5; f++) {
        /* 0..160 bytes (past ALLOC_HEAP_REGION_OVERHEAD + one block) at 16 starts. */
        for (skew = 0; skew < 16; skew++) {
            for (size = 0; size <= 160; size++) {
                unsigned char *buf = base + skew;
                size_t blocks = heap_region_blocks(buf, size);
                at("heap/%s init: %zu bytes at base+%zu", fit_names[f], size, skew);
                h = keep_h;
                REPORTS(0, 0, r = alloc_heap_init(&h, buf, size, fits[f]));
                T(r == (blocks ? ALLOC_OK : ALLOC_ERR_TOO_SMALL));
                if (size >= ALLOC_HEAP_REGION_OVERHEAD + ALLOC_HEAP_MIN_BLOCK) T(r == ALLOC_OK);   /* the documented bound */
                if (r != ALLOC_OK) {
                    T(memcmp(&h, &keep_h, sizeof h) == 0);
                    continue;
                }
                {
                    alloc_stats st;
                    unsigned char *p;
                    T(alloc_heap_check(&h) == ALLOC_OK);
                    alloc_heap_stats(&h, &st);
                    T(st.capacity == blocks && st.used == 0 && st.free_blocks == 1);
                    p = (unsigned char *)alloc_heap_alloc(&h, 1);
#ifndef ALLOC_DEBUG
                    T(p != NULL);
#endif
                    T(p == NULL || (ALIGNED(p, ALLOC_HEAP_ALIGN) && p >= buf && p + 1 <= buf + size));
                    alloc_heap_free(&h, p);
                    T(alloc_heap_check(&h) == ALLOC_OK);
                }
            }
        }
        /* Misaligned starts of a buffer that works: every alignment served inside it. */
        for (skew = 1; skew < 16; skew++) {
            unsigned char *buf = base + skew;
            size_t align;
            at("heap/%s init: 8000 bytes at base+%zu", fit_names[f], skew);
            T(alloc_heap_init(&h, buf, 8000, fits[f]) == ALLOC_OK);
            for (align = 1; align <= 2048; align *= 2) {
                unsigned char *p = (unsigned char *)alloc_heap_alloc_aligned(&h, 40, align);
                at("heap/%s init: 8000 bytes at base+%zu, align %zu", fit_names[f], skew, align);
                T(p != NULL && ALIGNED(p, align) && ALIGNED(p, ALLOC_HEAP_ALIGN) && p >= buf && p + 40 <= buf + 8000);
                alloc_heap_free(&h, p);
                T(alloc_heap_check(&h) == ALLOC_OK);
            }
        }
    }
}

static void test_heap_add(void)
{
    int f;
    for (f = 0; f < 5; f++) {
        alloc_heap h;
        subj s;
        unsigned char *r1, *slots, *far;
        size_t k, skew, size, i, cap;
        alloc_result r;
        pool_reset();
        r1 = grab(8192, 64);
        far = grab(8192, 64);
        slots = grab(16 * 65 * 128, 64);
        T(alloc_heap_init(&h, r1, 8192, fits[f]) == ALLOC_OK);
        subj_heap(&s, &h, fit_names[f], r1, 8192);
        keep(&s, alloc_heap_alloc(&h, 100), 100);
        keep(&s, alloc_heap_alloc(&h, 700), 700);
        keep(&s, alloc_heap_alloc_aligned(&h, 30, 256), 30);
        at("heap/%s add: NULL", fit_names[f]);
        mark(&s);
        T(alloc_heap_add(NULL, far, 4096) == ALLOC_ERR_INVALID);
        T(alloc_heap_add(&h, NULL, 4096) == ALLOC_ERR_INVALID);
        UNCHANGED(&s, 0, 0);
        {
            struct { long off; size_t size; } ov[] = {
                { 0, 8192 }, { 100, 200 }, { 8000, 4096 }, { -128, 256 }, { -128, 8192 + 256 },
                { 8184, 4096 }, { -200, 264 } };
            for (i = 0; i < sizeof ov / sizeof ov[0]; i++) {
                at("heap/%s add: overlap %ld + %zu", fit_names[f], ov[i].off, ov[i].size);
                mark(&s);
                REPORTS(0, 0, r = alloc_heap_add(&h, r1 + ov[i].off, ov[i].size));
                T(r == ALLOC_ERR_OVERLAP);
                UNCHANGED(&s, 0, 0);
            }
        }
        for (k = 0; k <= K_MAX; k++) {
            at("heap/%s add: size SIZE_MAX - %zu", fit_names[f], k);
            mark(&s);
            REPORTS(0, 0, r = alloc_heap_add(&h, far, SZ_MAX - k));
            T(r == ALLOC_ERR_OVERFLOW);
            UNCHANGED(&s, 0, 0);
        }
        /* A second region, then regions of 0..64 bytes at 16 starts. */
        T(alloc_heap_add(&h, far, 8192) == ALLOC_OK);
        subj_range(&s, far, 8192);
        at("heap/%s add: the second region again", fit_names[f]);
        mark(&s);
        T(alloc_heap_add(&h, far, 8192) == ALLOC_ERR_OVERLAP);
        T(alloc_heap_add(&h, far + 4000, 100) == ALLOC_ERR_OVERLAP);
        UNCHANGED(&s, 0, 0);
        {
            alloc_stats st;
            alloc_heap_stats(&h, &st);
            cap = st.capacity;
        }
        for (skew = 0; skew < 16; skew++) {
            for (size = 0; size <= 64; size++) {
                unsigned char *buf = slots + (skew * 65 + size) * 128 + skew;
                size_t blocks = heap_region_blocks(buf, size);
                at("heap/%s add: %zu bytes at +%zu", fit_names[f], size, skew);
                mark(&s);
                REPORTS(0, 0, r = alloc_heap_add(&h, buf, size));
                T(r == (blocks ? ALLOC_OK : ALLOC_ERR_TOO_SMALL));
                if (r == ALLOC_OK) {
                    alloc_stats st;
                    alloc_heap_stats(&h, &st);
                    cap += blocks;
                    T(st.capacity == cap && alloc_heap_check(&h) == ALLOC_OK);
                    mark(&s);
                    T(alloc_heap_add(&h, buf, size) == ALLOC_ERR_OVERLAP);
                    UNCHANGED(&s, 0, 0);
                } else {
                    UNCHANGED(&s, 0, 0);
                }
            }
        }
        subj_range(&s, slots, 16 * 65 * 128);
        random_run(&s, test_scaled(3000), NULL);
    }
}

static void test_heap_misuse(void)
{
    int f;
    for (f = 0; f < 5; f++) {
        alloc_heap h, other;
        subj s;
        unsigned char *buf, *obuf, *pa, *pb, *pc, *pd, *pe, *n[8];
        size_t k, i, size = 65536;
        long local = 0;
        void *r;
        const char *fn = fit_names[f];
        pool_reset();
        buf = grab(size, 64);
        obuf = grab(8192, 64);
        T(alloc_heap_init(&h, buf, size, fits[f]) == ALLOC_OK);
        T(alloc_heap_init(&other, obuf, 8192, fits[f]) == ALLOC_OK);
        subj_heap(&s, &h, fn, buf, size);
        pa = keep(&s, alloc_heap_alloc(&h, 100), 100);
        pb = keep(&s, alloc_heap_alloc(&h, 256), 256);
        pc = keep(&s, alloc_heap_alloc(&h, 24), 24);
        pd = keep(&s, alloc_heap_calloc(&h, 10, 100), 1000);
        pe = keep(&s, alloc_heap_alloc_aligned(&h, 300, 4096), 300);
        T(ALIGNED(pe, 4096));

        for (k = 0; k <= K_MAX; k++) {
            at("heap/%s: size SIZE_MAX - %zu", fn, k);
            mark(&s);
            REPORTS(0, 0, r = alloc_heap_alloc(&h, SZ_MAX - k));
            T(r == NULL);
            REPORTS(0, 0, r = alloc_heap_calloc(&h, 1, SZ_MAX - k));
            T(r == NULL);
            REPORTS(0, 0, r = alloc_heap_calloc(&h, SZ_MAX - k, 1));
            T(r == NULL);
            REPORTS(0, 0, r = alloc_heap_alloc_aligned(&h, 16, SZ_MAX - k));
            T(r == NULL);
            REPORTS(0, 0, r = alloc_heap_realloc(&h, NULL, SZ_MAX - k));
            T(r == NULL);
            REPORTS(0, 0, r = alloc_heap_realloc(&h, pb, SZ_MAX - k));
            T(r == NULL);
            REPORTS(0, 0, r = alloc_heap_realloc(&h, pe, SZ_MAX - k));
            T(r == NULL);
            UNCHANGED(&s, 0, 7);
            for (i = 0; i < N_ALIGNS; i++) {
                at("heap/%s: size SIZE_MAX - %zu, align %zu", fn, k, aligns[i]);
                mark(&s);
                REPORTS(0, 0, r = alloc_heap_alloc_aligned(&h, SZ_MAX - k, aligns[i]));
                T(r == NULL);
                UNCHANGED(&s, 0, 1);
            }
        }
        /* calloc: products that wrap, and zero factors. */
        {
            size_t H = (size_t)1 << HALF_BITS;
            size_t wrap[][2] = {
                { SZ_MAX / 2 + 1, 2 }, { 2, SZ_MAX / 2 + 1 }, { H, H }, { H + 1, H }, { H, H + 1 },
                { H + 1, H - 1 }, { SZ_MAX, SZ_MAX }, { SZ_MAX, 2 }, { 3, SZ_MAX / 3 + 1 },
                { SZ_MAX / 16 + 1, 16 }, { 65537, SZ_MAX / 65537 + 1 }, { H / 2, H * 2 } };
            size_t zero[][2] = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 0, SZ_MAX }, { SZ_MAX, 0 }, { 0, 16 } };
            for (i = 0; i < sizeof wrap / sizeof wrap[0]; i++) {
                at("heap/%s: calloc(%zu, %zu)", fn, wrap[i][0], wrap[i][1]);
                mark(&s);
                REPORTS(0, 0, r = alloc_heap_calloc(&h, wrap[i][0], wrap[i][1]));
                T(r == NULL);
                UNCHANGED(&s, 0, 1);
            }
            for (i = 0; i < sizeof zero / sizeof zero[0]; i++) {
                at("heap/%s: calloc(%zu, %zu)", fn, zero[i][0], zero[i][1]);
                mark(&s);
                REPORTS(0, 0, r = alloc_heap_calloc(&h, zero[i][0], zero[i][1]));
                T(r == NULL);
                UNCHANGED(&s, 0, 0);
            }
        }
        /* Size 0; alignments that are not powers of two (0 is not one either). */
        at("heap/%s: size 0", fn);
        mark(&s);
        T(alloc_heap_alloc(&h, 0) == NULL);
        T(alloc_heap_realloc(&h, NULL, 0) == NULL);
        for (i = 0; i < N_ALIGNS; i++) T(alloc_heap_alloc_aligned(&h, 0, aligns[i]) == NULL);
        T(alloc_heap_usable_size(&h, NULL) == 0 && alloc_heap_usable_size(NULL, pa) == 0);
        T(alloc_heap_owns(&h, NULL) == 0 && alloc_heap_owns(NULL, pa) == 0);
        T(alloc_heap_check(NULL) == ALLOC_ERR_INVALID);
        UNCHANGED(&s, 0, 0);
        for (i = 0; i < N_BAD_ALIGNS; i++) {
            at("heap/%s: align %zu", fn, bad_aligns[i]);
            mark(&s);
            T(alloc_heap_alloc_aligned(&h, 16, bad_aligns[i]) == NULL);
            UNCHANGED(&s, 0, 1);
        }
        at("heap/%s: align 0", fn);
        mark(&s);
        T(alloc_heap_alloc_aligned(&h, 16, 0) == NULL);
        UNCHANGED(&s, 0, 1);
        at("heap/%s: free(NULL)", fn);
        mark(&s);
        REPORTS(0, 0, alloc_heap_free(&h, NULL));
        UNCHANGED(&s, 0, 0);

        /* Foreign pointers. */
        at("heap/%s: foreign (stack)", fn);
        REFUSE(&s, &local, ALLOC_ERR_FOREIGN, R_ALL);
        at("heap/%s: foreign (another heap's block)", fn);
        REFUSE(&s, alloc_heap_alloc(&other, 64), ALLOC_ERR_FOREIGN, R_ALL);
        at("heap/%s: foreign (one byte past the buffer)", fn);
        REFUSE(&s, buf + size, ALLOC_ERR_FOREIGN, R_ALL);
        at("heap/%s: foreign (just below the buffer)", fn);
        REFUSE(&s, buf - 16, ALLOC_ERR_FOREIGN, R_ALL);
        /* The region header at the buffer's start is inside the region (owns says so)
           but before its first block. */
        at("heap/%s: the region header", fn);
        T(alloc_heap_owns(&h, buf + sizeof(void *)) == 1);
        {
            mark(&s);
            REPORTS(1, test_last_error, alloc_heap_free(&h, buf + sizeof(void *)));
            T(test_last_error == ALLOC_ERR_FOREIGN || test_last_error == ALLOC_ERR_NOT_BLOCK);
            UNCHANGED(&s, 1, 0);
        }
        /* Interior pointers: off the grid, and on it inside a block (whose bytes, the
           pattern, make no sane header). */
        {
            unsigned char *in[9];
            in[0] = pb + 1; in[1] = pb + 8; in[2] = pb + 16; in[3] = pb + 128;
            in[4] = pd + 496; in[5] = pe + 16; in[6] = pe + 64; in[7] = pa + 32; in[8] = pb + 255;
            for (i = 0; i < 9; i++) {
                at("heap/%s: interior %zu", fn, i);
                REFUSE(&s, in[i], ALLOC_ERR_NOT_BLOCK, R_ALL);
            }
        }
        /* Double frees: a block alone, then blocks coalesced with their neighbours. */
        at("heap/%s: double free", fn);
        alloc_heap_free(&h, pc);
        drop(&s, pc);
        REFUSE(&s, pc, ALLOC_ERR_DOUBLE_FREE, R_ALL);
        for (i = 0; i < 8; i++) n[i] = keep(&s, alloc_heap_alloc(&h, 48), 48);
        alloc_heap_free(&h, n[2]);
        alloc_heap_free(&h, n[4]);
        alloc_heap_free(&h, n[3]);   /* between two free blocks when they are neighbours */
        alloc_heap_free(&h, n[6]);
        drop(&s, n[2]);
        drop(&s, n[3]);
        drop(&s, n[4]);
        drop(&s, n[6]);
        for (i = 2; i <= 6; i++) {
            if (i == 5) continue;
            at("heap/%s: double free after coalescing (n%zu)", fn, i);
            REFUSE(&s, n[i], ALLOC_ERR_DOUBLE_FREE, R_ALL);
        }
        /* realloc(p, 0) frees p. */
        at("heap/%s: realloc(p, 0)", fn);
        mark(&s);
        REPORTS(0, 0, r = alloc_heap_realloc(&h, n[7], 0));
        T(r == NULL);
        drop(&s, n[7]);
        {
            alloc_stats st;
            alloc_heap_stats(&h, &st);
            T(st.free_count == s.snap.free_count + 1 && st.live_blocks == s.snap.live_blocks - 1);
            T(alloc_heap_check(&h) == ALLOC_OK);
        }
        REFUSE(&s, n[7], ALLOC_ERR_DOUBLE_FREE, R_ALL);
        sweep_interface(&s, pb);
        sweep_interface(&s, pe);
        random_run(&s, test_scaled(4000), NULL);
    }
}

/* ========================================================================================
   buddy
   ======================================================================================== */

static void buddy_stats_w(const void *x, alloc_stats *o) { alloc_buddy_stats((const alloc_buddy *)x, o); }
static alloc_result buddy_check_w(const void *x) { return alloc_buddy_check((const alloc_buddy *)x); }
static void buddy_free_w(void *x, void *p) { alloc_buddy_free((alloc_buddy *)x, p); }
static void *buddy_realloc_w(void *x, void *p, size_t n) { return alloc_buddy_realloc((alloc_buddy *)x, p, n); }
static size_t buddy_usable_w(const void *x, const void *p) { return alloc_buddy_usable_size((const alloc_buddy *)x, p); }

static void subj_buddy(subj *s, alloc_buddy *b, const unsigned char *buf, size_t size, size_t min_block)
{
    memset(s, 0, sizeof *s);
    s->name = "buddy";
    s->x = b;
    s->stats = buddy_stats_w;
    s->check = buddy_check_w;
    s->nfree = buddy_free_w;
    s->nrealloc = buddy_realloc_w;
    s->usable = buddy_usable_w;
    s->al = alloc_buddy_allocator(b);
    s->def_align = min_block;
    s->max_size = 2000;
    s->max_align = 4096;
    s->frees_all = 1;
    subj_range(s, buf, size);
}

/* The min blocks a buffer holds with their metadata, as documented: the start rounded
   up to min_block, then n blocks and half a byte of metadata for each. */
static size_t buddy_blocks(const unsigned char *buf, size_t size, size_t m)
{
    size_t pad = alloc__pad((uintptr_t)buf, m), n = 0;
    if (pad >= size) return 0;
    while ((n + 1) * m + (n + 2) / 2 <= size - pad) n++;
    return n;
}

static void test_buddy_init(void)
{
    alloc_buddy b, keep_b;
    unsigned char *base, *buf;
    size_t skew, size, k, i;
    alloc_result r;
    static const size_t bad_min[] = { 0, 1, 2, 3, 8, 12, 15, 17, 24, 48, 100, 4095, SZ_MAX, SZ_MAX / 2 };
    pool_reset();
    base = grab(8192, 4096);
    memset(&keep_b, 0x5A, sizeof keep_b);
    at("buddy init: NULL, bad min_block");
    b = keep_b;
    T(alloc_buddy_init(NULL, base, 4096, 16) == ALLOC_ERR_INVALID);
    T(alloc_buddy_init(&b, NULL, 4096, 16) == ALLOC_ERR_INVALID);
    for (i = 0; i < sizeof bad_min / sizeof bad_min[0]; i++) T(alloc_buddy_init(&b, base, 4096, bad_min[i]) == ALLOC_ERR_INVALID);
    T(alloc_buddy_init(&b, base, 4096, SZ_MAX / 2 + 1) == ALLOC_ERR_TOO_SMALL);   /* a power of two, too large */
    T(memcmp(&b, &keep_b, sizeof b) == 0);
    for (k = 0; k <= K_MAX; k++) {
        at("buddy init: size SIZE_MAX - %zu", k);
        T(alloc_buddy_init(&b, base, SZ_MAX - k, 16) == ALLOC_ERR_OVERFLOW);
        T(memcmp(&b, &keep_b, sizeof b) == 0);
    }
    for (skew = 0; skew < 16; skew++) {
        for (size = 0; size <= 64; size++) {
            size_t n;
            buf = base + skew;
            n = buddy_blocks(buf, size, 16);
            at("buddy init: %zu bytes at base+%zu", size, skew);
            OPEN_MEM(base, 128);
            memset(base, 0xA5, 128);
            b = keep_b;
            REPORTS(0, 0, r = alloc_buddy_init(&b, buf, size, 16));
            T(r == (n ? ALLOC_OK : ALLOC_ERR_TOO_SMALL));
            if (r != ALLOC_OK) {
                size_t j;
                int same = 1;
                T(memcmp(&b, &keep_b, sizeof b) == 0);
                for (j = 0; j < 128; j++) if (base[j] != 0xA5) same = 0;
                T(same);                                   /* buf untouched too */
                continue;
            }
            {
                alloc_stats st;
                size_t got = 0;
                unsigned char *p;
                T(alloc_buddy_check(&b) == ALLOC_OK);
                alloc_buddy_stats(&b, &st);
                T(st.capacity == n * 16 && st.used == 0);
                while ((p = (unsigned char *)alloc_buddy_alloc(&b, 16)) != NULL) {
                    T(ALIGNED(p, 16) && p >= buf && p + 16 + (n + 1) / 2 <= buf + size);
                    got++;
                    if (got > n) break;
                }
#ifndef ALLOC_DEBUG
                T(got == n);
#else
                T(got <= n);
#endif
                T(alloc_buddy_check(&b) == ALLOC_OK);
                T(alloc_buddy_alloc(&b, 0) == NULL && alloc_buddy_alloc(&b, 17 + n * 16) == NULL);
            }
        }
    }
    /* Misaligned starts of a buffer that works: blocks aligned to their size, inside. */
    for (skew = 1; skew < 16; skew++) {
        size_t m;
        for (m = 16; m <= 64; m *= 4) {
            unsigned char *p;
            buf = base + skew;
            at("buddy init: 4096 bytes at base+%zu, min_block %zu", skew, m);
            T(alloc_buddy_init(&b, buf, 4096, m) == ALLOC_OK);
            p = (unsigned char *)alloc_buddy_alloc(&b, 64);
            T(p != NULL && ALIGNED(p, 64) && p >= buf && p + 64 <= buf + 4096);
            p = (unsigned char *)alloc_buddy_alloc(&b, 512);
            T(p != NULL && ALIGNED(p, 512) && p >= buf && p + 512 <= buf + 4096);
            T(alloc_buddy_check(&b) == ALLOC_OK);
        }
    }
}

static void test_buddy_misuse(void)
{
    alloc_buddy b, other, skewed;
    subj s;
    unsigned char *buf, *obuf, *sbuf, *pa, *pb, *pc, *pd;
    size_t k, i, m = 64, size;
    long local = 0;
    void *r;
    pool_reset();
    size = ALLOC_BUDDY_BUFFER_SIZE(1024, 64);   /* 64 KiB of blocks */
    buf = grab(size, 65536);
    obuf = grab(8192, 4096);
    sbuf = grab(8192, 4096) + 1;
    T(alloc_buddy_init(&b, buf, size, m) == ALLOC_OK);
    T(alloc_buddy_init(&other, obuf, 8192, m) == ALLOC_OK);
    T(alloc_buddy_init(&skewed, sbuf, 4096, m) == ALLOC_OK);
    subj_buddy(&s, &b, buf, size, m);
    pa = keep(&s, alloc_buddy_alloc(&b, 64), 64);
    pb = keep(&s, alloc_buddy_alloc(&b, 200), 200);
    pc = keep(&s, alloc_buddy_alloc(&b, 1000), 1000);
    pd = keep(&s, alloc_buddy_alloc(&b, 4096), 4096);
    T(ALIGNED(pd, 4096));

    for (k = 0; k <= K_MAX; k++) {
        at("buddy: size SIZE_MAX - %zu", k);
        mark(&s);
        REPORTS(0, 0, r = alloc_buddy_alloc(&b, SZ_MAX - k));
        T(r == NULL);
        REPORTS(0, 0, r = alloc_buddy_realloc(&b, NULL, SZ_MAX - k));
        T(r == NULL);
        REPORTS(0, 0, r = alloc_buddy_realloc(&b, pb, SZ_MAX - k));
        T(r == NULL);
        REPORTS(0, 0, r = alloc_buddy_realloc(&b, pd, SZ_MAX - k));
        T(r == NULL);
        UNCHANGED(&s, 0, 4);
    }
    at("buddy: larger than the largest block");
    mark(&s);
    T(alloc_buddy_alloc(&b, (size_t)m << 14 | 1) == NULL);
    T(alloc_buddy_realloc(&b, pb, (size_t)m << 15) == NULL);
    UNCHANGED(&s, 0, 2);
    at("buddy: size 0, NULL");
    mark(&s);
    T(alloc_buddy_alloc(&b, 0) == NULL);
    T(alloc_buddy_realloc(&b, NULL, 0) == NULL);
    REPORTS(0, 0, alloc_buddy_free(&b, NULL));
    T(alloc_buddy_usable_size(&b, NULL) == 0);
    T(alloc_buddy_owns(&b, NULL) == 0 && alloc_buddy_owns(NULL, pa) == 0);
    T(alloc_buddy_check(NULL) == ALLOC_ERR_INVALID);
    UNCHANGED(&s, 0, 0);
    /* Foreign pointers: the stack, another buddy, one byte past the buffer, the metadata
       at the buffer's end, the slack below the base of a misaligned buddy. */
    at("buddy: foreign (stack)");
    REFUSE(&s, &local, ALLOC_ERR_FOREIGN, R_ALL);
    at("buddy: foreign (another buddy's block)");
    REFUSE(&s, alloc_buddy_alloc(&other, 64), ALLOC_ERR_FOREIGN, R_ALL);
    at("buddy: foreign (one byte past the buffer)");
    REFUSE(&s, buf + size, ALLOC_ERR_FOREIGN, R_ALL);
    at("buddy: foreign (the metadata)");
    REFUSE(&s, buf + size - 1, ALLOC_ERR_FOREIGN, R_ALL);
    at("buddy: foreign (just below the buffer)");
    REFUSE(&s, buf - 64, ALLOC_ERR_FOREIGN, R_ALL);
    {
        subj ss;
        subj_buddy(&ss, &skewed, sbuf, 4096, m);
        keep(&ss, alloc_buddy_alloc(&skewed, 64), 64);
        at("buddy: foreign (the slack before a misaligned buffer's base)");
        REFUSE(&ss, sbuf, ALLOC_ERR_FOREIGN, R_ALL);
        REFUSE(&ss, sbuf + 8, ALLOC_ERR_FOREIGN, R_ALL);
    }
    /* Off the grid and inside blocks. */
    {
        unsigned char *in[9];
        in[0] = pb + 1; in[1] = pb + 8; in[2] = pb + 32; in[3] = pb + 64; in[4] = pb + 128;
        in[5] = pc + 512; in[6] = pd + 64; in[7] = pd + 2048; in[8] = pa + 16;
        for (i = 0; i < 9; i++) {
            at("buddy: interior / off the grid %zu", i);
            REFUSE(&s, in[i], ALLOC_ERR_NOT_BLOCK, R_ALL);
        }
    }
    /* Double frees, in a buddy of its own so that the shapes are known: z takes the lower
       half; a and b are buddies in the upper half. b freed while a is live stays a free
       block of its own; a freed merges with b up to the upper half, whose start a is and
       inside which b now lies; c, taken again there, freed by realloc(c, 0), likewise. */
    {
        alloc_buddy fb;
        subj fs;
        unsigned char *fbuf = grab(ALLOC_BUDDY_BUFFER_SIZE(256, 64), 16384), *z, *pa2, *pb2, *pc2;
        T(alloc_buddy_init(&fb, fbuf, ALLOC_BUDDY_BUFFER_SIZE(256, 64), m) == ALLOC_OK);
        subj_buddy(&fs, &fb, fbuf, ALLOC_BUDDY_BUFFER_SIZE(256, 64), m);
        z = keep(&fs, alloc_buddy_alloc(&fb, 4096), 4096);
        pa2 = keep(&fs, alloc_buddy_alloc(&fb, 64), 64);
        pb2 = keep(&fs, alloc_buddy_alloc(&fb, 64), 64);
        at("buddy: the shapes of the double-free buddy");
        T(z == fbuf && pa2 >= fbuf + 4096 && pb2 > pa2 && alloc__is_pow2((size_t)(pb2 - pa2)) &&
          (size_t)(pa2 - fbuf) % (2 * (size_t)(pb2 - pa2)) == 0);
        alloc_buddy_free(&fb, pb2);
        drop(&fs, pb2);
        at("buddy: double free, its buddy live");
        REFUSE(&fs, pb2, ALLOC_ERR_DOUBLE_FREE, R_ALL);
        alloc_buddy_free(&fb, pa2);
        drop(&fs, pa2);
        at("buddy: double free of the lower half after a merge");
        REFUSE(&fs, pa2, ALLOC_ERR_DOUBLE_FREE, R_ALL);
        at("buddy: double free of the upper half after a merge (inside a free block now)");
        REFUSE(&fs, pb2, ALLOC_ERR_NOT_BLOCK, R_ALL);
        at("buddy: realloc(p, 0) frees p");
        pc2 = keep(&fs, alloc_buddy_alloc(&fb, 64), 64);
        T(pc2 == pa2);
        mark(&fs);
        REPORTS(0, 0, T(alloc_buddy_realloc(&fb, pc2, 0) == NULL));
        drop(&fs, pc2);
        {
            alloc_stats st;
            alloc_buddy_stats(&fb, &st);
            T(st.free_count == fs.snap.free_count + 1 && st.live_blocks == fs.snap.live_blocks - 1);
            T(st.used == 4096 || st.used == 8192);   /* z alone (8192: its debug block) */
        }
        REFUSE(&fs, pc2, ALLOC_ERR_DOUBLE_FREE, R_ALL);
        random_run(&fs, test_scaled(1000), NULL);
    }
    at("buddy: the interface, larger alignment than the largest block");
    mark(&s);
    T(s.al.alloc(s.al.ctx, 16, (size_t)m << 15) == NULL);
    T(s.al.realloc(s.al.ctx, pa, 16, (size_t)m << 15) == NULL);
    UNCHANGED(&s, 0, 2);
    sweep_interface(&s, pb);
    random_run(&s, test_scaled(4000), NULL);
}

/* ========================================================================================
   slab
   ======================================================================================== */

static void slab_stats_w(const void *x, alloc_stats *o) { alloc_slab_stats((const alloc_slab *)x, o); }
static alloc_result slab_check_w(const void *x) { return alloc_slab_check((const alloc_slab *)x); }
static void slab_free_w(void *x, void *p) { alloc_slab_free((alloc_slab *)x, p); }

static void subj_slab(subj *s, alloc_slab *c, const unsigned char *lo, size_t n)
{
    alloc_slab_info in;
    alloc_slab_get_info(c, &in);
    memset(s, 0, sizeof *s);
    s->name = "slab";
    s->x = c;
    s->stats = slab_stats_w;
    s->check = slab_check_w;
    s->nfree = slab_free_w;
    s->al = alloc_slab_allocator(c);
    s->def_align = in.align;
    s->max_size = c->desc.size;
    s->max_align = in.align;
    s->frees_all = 1;
    subj_range(s, lo, n);
}

static alloc_slab_desc desc(size_t size, size_t align, size_t slab_size)
{
    alloc_slab_desc d;
    memset(&d, 0, sizeof d);
    d.name = "misuse";
    d.size = size;
    d.align = align;
    d.slab_size = slab_size;
    return d;
}

static void ctor_fn(void *obj, void *user)
{
    (void)user;
    memset(obj, 0x3C, 8);
}

static void test_slab_init(void)
{
    alloc_slab c, keep_c;
    alloc_buddy src;
    alloc_allocator none, source;
    alloc_slab_desc d;
    unsigned char *mem, *base;
    size_t i, k, skew, size;
    alloc_result r;
    static const size_t bad_slab[] = { 3, 24, 1000, 4097, SZ_MAX, 12288 };
    pool_reset();
    mem = grab((size_t)1 << 20, (size_t)1 << 20);
    base = grab(65536, 4096);
    T(alloc_buddy_init(&src, mem, (size_t)1 << 20, 4096) == ALLOC_OK);
    source = alloc_buddy_allocator(&src);
    memset(&none, 0, sizeof none);
    memset(&keep_c, 0x5A, sizeof keep_c);
    c = keep_c;
    at("slab init: NULL, size 0, no source");
    d = desc(32, 0, 0);
    T(alloc_slab_init(NULL, &d, source) == ALLOC_ERR_INVALID);
    T(alloc_slab_init(&c, NULL, source) == ALLOC_ERR_INVALID);
    T(alloc_slab_init(&c, &d, none) == ALLOC_ERR_INVALID);
    T(alloc_slab_init_buffer(NULL, &d, base, 65536) == ALLOC_ERR_INVALID);
    T(alloc_slab_init_buffer(&c, NULL, base, 65536) == ALLOC_ERR_INVALID);
    T(alloc_slab_init_buffer(&c, &d, NULL, 65536) == ALLOC_ERR_INVALID);
    T(alloc_slab_init_buffer(&c, &d, NULL, 0) == ALLOC_ERR_INVALID);
    d = desc(0, 0, 0);
    T(alloc_slab_init(&c, &d, source) == ALLOC_ERR_INVALID);
    T(alloc_slab_init_buffer(&c, &d, base, 65536) == ALLOC_ERR_INVALID);
    T(memcmp(&c, &keep_c, sizeof c) == 0);
    for (i = 0; i < sizeof bad_slab / sizeof bad_slab[0]; i++) {
        at("slab init: slab_size %zu", bad_slab[i]);
        d = desc(32, 0, bad_slab[i]);
        T(alloc_slab_init(&c, &d, source) == ALLOC_ERR_INVALID);
        T(alloc_slab_init_buffer(&c, &d, base, 65536) == ALLOC_ERR_INVALID);
    }
    at("slab init: slab_size 2^(bits-1), and an alignment beyond the slab");
    d = desc(32, 0, (size_t)1 << (sizeof(size_t) * 8 - 1));
    T(alloc_slab_init(&c, &d, source) == ALLOC_ERR_OVERFLOW);
    d = desc(32, 8192, 4096);
    T(alloc_slab_init(&c, &d, source) == ALLOC_ERR_TOO_SMALL);
    d = desc(5000, 0, 4096);
    T(alloc_slab_init(&c, &d, source) == ALLOC_ERR_TOO_SMALL);
    for (i = 0; i < N_BAD_ALIGNS; i++) {
        at("slab init: align %zu", bad_aligns[i]);
        d = desc(32, bad_aligns[i], 0);
        T(alloc_slab_init(&c, &d, source) == ALLOC_ERR_ALIGN);
        T(alloc_slab_init_buffer(&c, &d, base, 65536) == ALLOC_ERR_ALIGN);
    }
    T(memcmp(&c, &keep_c, sizeof c) == 0);
    /* Object sizes SIZE_MAX - k with every alignment: the rounding wraps (OVERFLOW) or
       no slab holds one (TOO_SMALL). */
    for (k = 0; k <= K_MAX; k++) {
        for (i = 0; i < N_ALIGNS; i++) {
            size_t a = aligns[i] ? aligns[i] : sizeof(void *), wraps;
            int pow2 = (a & (a - 1)) == 0;
            if (a < sizeof(void *)) a = sizeof(void *);
            wraps = pow2 && k < a - 1;
            at("slab init: size SIZE_MAX - %zu, align %zu", k, aligns[i]);
            d = desc(SZ_MAX - k, aligns[i], 0);
            r = alloc_slab_init(&c, &d, source);
            if (!pow2) T(r == ALLOC_ERR_ALIGN);
            else if (wraps) T(r == ALLOC_ERR_OVERFLOW);
#ifndef ALLOC_DEBUG
            else T(r == ALLOC_ERR_TOO_SMALL);
#else
            else T(r == ALLOC_ERR_TOO_SMALL || r == ALLOC_ERR_OVERFLOW);   /* the debug slot adds more */
#endif
            T(r == alloc_slab_init_buffer(&c, &d, base, 65536));
            d.slab_size = 4096;
            T(r == alloc_slab_init(&c, &d, source));
            T(r == alloc_slab_init_buffer(&c, &d, base, 65536));
            T(memcmp(&c, &keep_c, sizeof c) == 0);
        }
    }
    /* init_buffer: the buffer wraps, is 0..64 bytes, or starts misaligned. */
    d = desc(8, 0, 0);
    for (k = 0; k <= K_MAX; k++) {
        at("slab init_buffer: size SIZE_MAX - %zu", k);
        T(alloc_slab_init_buffer(&c, &d, base, SZ_MAX - k) == ALLOC_ERR_OVERFLOW);
        T(memcmp(&c, &keep_c, sizeof c) == 0);
    }
    {
        /* Does a 64-byte slab hold one 8-byte object in this build (not with the debug
           slot)? Then a buffer holds one such slab iff its first 64-aligned address
           leaves 64 bytes. */
        alloc_slab_desc d64 = desc(8, 0, 64);
        int holds = alloc_slab_init_buffer(&c, &d64, base, 64) == ALLOC_OK;
        size_t slab_sizes[2];
        slab_sizes[0] = 0;
        slab_sizes[1] = 64;
        for (i = 0; i < 2; i++) {
            d = desc(8, 0, slab_sizes[i]);
            for (skew = 0; skew < 16; skew++) {
                for (size = 0; size <= 64; size++) {
                    unsigned char *buf = base + 4096 + skew;
                    size_t pad = alloc__pad((uintptr_t)buf, 64);
                    int ok = slab_sizes[i] == 64 && holds && pad + 64 <= size;
                    at("slab init_buffer: %zu bytes at +%zu, slab_size %zu", size, skew, slab_sizes[i]);
                    c = keep_c;
                    REPORTS(0, 0, r = alloc_slab_init_buffer(&c, &d, buf, size));
                    T(r == (ok ? ALLOC_OK : ALLOC_ERR_TOO_SMALL));
                    if (r != ALLOC_OK) {
                        T(memcmp(&c, &keep_c, sizeof c) == 0);
                    } else {
                        alloc_slab_info in;
                        unsigned char *p;
                        size_t got = 0;
                        alloc_slab_get_info(&c, &in);
                        while ((p = (unsigned char *)alloc_slab_alloc(&c)) != NULL && got <= in.objects_per_slab) {
                            T(ALIGNED(p, sizeof(void *)) && p >= buf && p + 8 <= buf + size);
                            got++;
                        }
                        T(got == in.objects_per_slab && got > 0);   /* one slab */
                        T(alloc_slab_check(&c) == ALLOC_OK);
                    }
                }
            }
        }
    }
    /* Misaligned starts of a buffer that works: objects aligned, inside, and as many as
       the whole slabs after the first aligned address hold. */
    for (skew = 1; skew < 16; skew++) {
        unsigned char *buf = base + skew, *p;
        alloc_slab_info in;
        size_t got = 0, n;
        d = desc(40, 16, 0);
        at("slab init_buffer: 5 x 4096 bytes at +%zu", skew);
        T(alloc_slab_init_buffer(&c, &d, buf, 5 * 4096) == ALLOC_OK);
        alloc_slab_get_info(&c, &in);
        n = in.objects_per_slab * ((5 * 4096 - alloc__pad((uintptr_t)buf, in.slab_size)) / in.slab_size);
        while ((p = (unsigned char *)alloc_slab_alloc(&c)) != NULL && got <= n) {
            T(ALIGNED(p, 16) && p >= buf && p + 40 <= buf + 5 * 4096);
            got++;
        }
        T(got == n && n > 0);
        T(alloc_slab_check(&c) == ALLOC_OK);
    }
}

/* Misuse of one cache: over a buddy (source) or a buffer, with or without a constructor
   (the free-index stack, or links in the objects). */
static void slab_misuse(int buffer_mode, int with_ctor)
{
    alloc_buddy src;
    alloc_slab c, c2;
    alloc_slab_desc d;
    alloc_slab_info in;
    subj s;
    unsigned char *mem, *o[6], *slab_base, *q2;
    size_t i, k, stride, mem_size = (size_t)1 << 18;
    const char *name = buffer_mode ? (with_ctor ? "slab/buffer/ctor" : "slab/buffer") : (with_ctor ? "slab/buddy/ctor" : "slab/buddy");
    pool_reset();
    mem = grab(mem_size, mem_size);
    d = desc(48, 16, 4096);
    if (with_ctor) d.ctor = ctor_fn;
    if (buffer_mode) {
        T(alloc_slab_init_buffer(&c, &d, mem, mem_size / 4) == ALLOC_OK);
        T(alloc_slab_init_buffer(&c2, &d, mem + mem_size / 2, mem_size / 2) == ALLOC_OK);
    } else {
        T(alloc_buddy_init(&src, mem, mem_size, 64) == ALLOC_OK);
        T(alloc_slab_init(&c, &d, alloc_buddy_allocator(&src)) == ALLOC_OK);
        T(alloc_slab_init(&c2, &d, alloc_buddy_allocator(&src)) == ALLOC_OK);
    }
    subj_slab(&s, &c, mem, mem_size);
    s.name = name;
    for (i = 0; i < 6; i++) o[i] = keep(&s, alloc_slab_alloc(&c), 48);
    alloc_slab_get_info(&c, &in);
    stride = in.object_size;
    at("%s: objects in address order", name);
    T(o[1] == o[0] + stride && o[5] == o[0] + 5 * stride);
    slab_base = (unsigned char *)((uintptr_t)o[2] & ~(uintptr_t)(in.slab_size - 1));

    at("%s: free(NULL), cache_of, owns", name);
    mark(&s);
    REPORTS(0, 0, alloc_slab_free(&c, NULL));
    T(alloc_slab_cache_of(NULL, 4096) == NULL && alloc_slab_cache_of(o[0], 3) == NULL && alloc_slab_cache_of(o[0], 0) == NULL);
    T(alloc_slab_cache_of(o[0], in.slab_size) == &c && alloc_slab_cache_of(o[0] + 1, in.slab_size) == &c);
    T(alloc_slab_owns(&c, NULL) == 0 && alloc_slab_owns(NULL, o[0]) == 0);
    T(alloc_slab_owns(&c, o[2] + 1) == 1);
    T(alloc_slab_check(NULL) == ALLOC_ERR_INVALID);
    UNCHANGED(&s, 0, 0);

    /* The interface: only requests of 1..object size bytes, alignment up to the cache's. */
    for (k = 0; k <= K_MAX; k++) {
        for (i = 0; i < N_ALIGNS; i++) {
            at("%s interface: size SIZE_MAX - %zu, align %zu", name, k, aligns[i]);
            mark(&s);
            T(s.al.alloc(s.al.ctx, SZ_MAX - k, aligns[i]) == NULL);
            T(s.al.realloc(s.al.ctx, o[1], SZ_MAX - k, aligns[i]) == NULL);
            UNCHANGED(&s, 0, 2);
        }
    }
    at("%s interface: too large, too aligned", name);
    mark(&s);
    T(s.al.alloc(s.al.ctx, 49, 0) == NULL);
    T(s.al.alloc(s.al.ctx, 16, 32) == NULL);
    T(s.al.realloc(s.al.ctx, o[1], 49, 0) == NULL);
    T(s.al.realloc(s.al.ctx, o[1], 16, 32) == NULL);
    UNCHANGED(&s, 0, 4);
    sweep_interface(&s, o[1]);
    at("%s interface: realloc(p, 0) frees p", name);
    mark(&s);
    REPORTS(0, 0, T(s.al.realloc(s.al.ctx, o[4], 0, 0) == NULL));
    drop(&s, o[4]);
    {
        alloc_stats st;
        alloc_slab_stats(&c, &st);
        T(st.free_count == s.snap.free_count + 1 && st.live_blocks == s.snap.live_blocks - 1);
        T(alloc_slab_check(&c) == ALLOC_OK);
    }

    /* Pointers into the cache's slabs that are not live objects. */
    {
        unsigned char *in_[7];
        in_[0] = o[2] + 1; in_[1] = o[2] + 8; in_[2] = o[2] + 16; in_[3] = o[2] + 32;
        in_[4] = slab_base + 8; in_[5] = slab_base; in_[6] = slab_base + in.slab_size - 8;
        for (i = 0; i < 7; i++) {
            at("%s: not an object start %zu", name, i);
            REFUSE(&s, in_[i], ALLOC_ERR_NOT_BLOCK, R_IREALLOC);
        }
    }
    at("%s: a free object never handed out", name);
    REFUSE(&s, o[5] + stride, ALLOC_ERR_DOUBLE_FREE, R_IREALLOC);
    at("%s: double free", name);
    alloc_slab_free(&c, o[3]);
    drop(&s, o[3]);
    REFUSE(&s, o[3], ALLOC_ERR_DOUBLE_FREE, R_IREALLOC);
    at("%s: another cache's object", name);
    q2 = (unsigned char *)alloc_slab_alloc(&c2);
    REFUSE(&s, q2, ALLOC_ERR_FOREIGN, R_IREALLOC);
    at("%s: the other cache refuses ours", name);
    {
        alloc_stats before, after;
        alloc_slab_stats(&c2, &before);
        mark(&s);
        REPORTS(1, ALLOC_ERR_FOREIGN, alloc_slab_free(&c2, o[0]));
        alloc_slab_stats(&c2, &after);
        T(after.error_count == before.error_count + 1 && after.live_blocks == before.live_blocks);
        T(alloc_slab_check(&c2) == ALLOC_OK);
        UNCHANGED(&s, 0, 0);
    }
    if (!buffer_mode) {
        /* A live block of the source that is not a slab (its first word zero). */
        unsigned char *blk4k = (unsigned char *)alloc_buddy_alloc(&src, 4096);
        T(blk4k != NULL);
        if (blk4k != NULL) {
            memset(blk4k, 0, 4096);
            at("%s: a block of the source, not a slab", name);
            REFUSE(&s, blk4k + 64, ALLOC_ERR_FOREIGN, R_IREALLOC);
        }
    } else {
        /* A slab given back by shrink (a spare of the buffer): its objects are foreign. */
        alloc_slab_desc d3 = desc(64, 0, 4096);
        alloc_slab c3;
        unsigned char *x3;
        T(alloc_slab_init_buffer(&c3, &d3, mem + mem_size / 4, mem_size / 4) == ALLOC_OK);
        x3 = (unsigned char *)alloc_slab_alloc(&c3);
        alloc_slab_free(&c3, x3);
        T(alloc_slab_shrink(&c3) == 4096);
        at("%s: an object of a slab given back (spare)", name);
        REPORTS(1, ALLOC_ERR_FOREIGN, alloc_slab_free(&c3, x3));
        T(alloc_slab_check(&c3) == ALLOC_OK);
    }
    random_run(&s, test_scaled(3000), NULL);
}

static void test_slab_misuse_buddy(void) { slab_misuse(0, 0); }
static void test_slab_misuse_buddy_ctor(void) { slab_misuse(0, 1); }
static void test_slab_misuse_buffer(void) { slab_misuse(1, 0); }
static void test_slab_misuse_buffer_ctor(void) { slab_misuse(1, 1); }

/* ========================================================================================
   kmalloc
   ======================================================================================== */

static void kmalloc_stats_w(const void *x, alloc_stats *o) { alloc_kmalloc_stats((const alloc_kmalloc *)x, o); }
static alloc_result kmalloc_check_w(const void *x) { return alloc_kmalloc_check((const alloc_kmalloc *)x); }
static void kmalloc_free_w(void *x, void *p) { alloc_kmalloc_free((alloc_kmalloc *)x, p); }
static void *kmalloc_realloc_w(void *x, void *p, size_t n) { return alloc_kmalloc_realloc((alloc_kmalloc *)x, p, n); }
static size_t kmalloc_usable_w(const void *x, const void *p) { return alloc_kmalloc_usable_size((const alloc_kmalloc *)x, p); }

static void subj_kmalloc(subj *s, alloc_kmalloc *k, const unsigned char *buf, size_t size)
{
    memset(s, 0, sizeof *s);
    s->name = "kmalloc";
    s->x = k;
    s->stats = kmalloc_stats_w;
    s->check = kmalloc_check_w;
    s->nfree = kmalloc_free_w;
    s->nrealloc = kmalloc_realloc_w;
    s->usable = kmalloc_usable_w;
    s->al = alloc_kmalloc_allocator(k);
    s->def_align = ALLOC_KMALLOC_ALIGN;
    s->max_size = 5000;
    s->max_align = 1024;
    s->frees_all = 1;
    subj_range(s, buf, size);
}

static void test_kmalloc_init(void)
{
    alloc_buddy b;
    alloc_kmalloc k;
    unsigned char *mem;
    size_t size, skew;
    pool_reset();
    mem = grab(65536, 65536);
    at("kmalloc init: NULL");
    T(alloc_buddy_init(&b, mem, 65536, 64) == ALLOC_OK);
    T(alloc_kmalloc_init(NULL, &b) == ALLOC_ERR_INVALID);
    T(alloc_kmalloc_init(&k, NULL) == ALLOC_ERR_INVALID);
    at("kmalloc init: a buddy with no free block of 1 KiB");
    T(alloc_buddy_init(&b, mem, 1000, 16) == ALLOC_OK);
    T(alloc_kmalloc_init(&k, &b) == ALLOC_ERR_TOO_SMALL);
    T(alloc_buddy_check(&b) == ALLOC_OK);
    T(alloc_buddy_init(&b, mem, 65536, 64) == ALLOC_OK);
    while (alloc_buddy_alloc(&b, 512) != NULL) {}
    T(alloc_kmalloc_init(&k, &b) == ALLOC_ERR_TOO_SMALL);   /* full */
    T(alloc_buddy_check(&b) == ALLOC_OK);
    /* Over buddies of 0..64-byte buffers (those that exist): too small. */
    for (skew = 0; skew < 16; skew++) {
        for (size = 0; size <= 64; size++) {
            at("kmalloc init: a buddy of %zu bytes at +%zu", size, skew);
            if (alloc_buddy_init(&b, mem + skew, size, 16) != ALLOC_OK) continue;
            T(alloc_kmalloc_init(&k, &b) == ALLOC_ERR_TOO_SMALL);
        }
    }
    /* A misaligned buddy buffer: kmalloc works over it. */
    for (skew = 1; skew < 16; skew++) {
        unsigned char *p;
        at("kmalloc init: a buddy at +%zu", skew);
        T(alloc_buddy_init(&b, mem + skew, 65536 - 16, 64) == ALLOC_OK);
        T(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
        p = (unsigned char *)alloc_kmalloc_alloc(&k, 100);
        T(p != NULL && ALIGNED(p, 16) && p >= mem + skew && p + 100 <= mem + 65536);
        p = (unsigned char *)alloc_kmalloc_alloc(&k, 3000);
        T(p != NULL && ALIGNED(p, 16) && p >= mem + skew && p + 3000 <= mem + 65536);
        T(alloc_kmalloc_check(&k) == ALLOC_OK);
    }
}

static void test_kmalloc_misuse(void)
{
    alloc_buddy b, ob;
    alloc_kmalloc k;
    subj s;
    unsigned char *buf, *obuf, *s2, *s3, *l1, *l2, *l3, *x, *slab;
    size_t i, kk, size = (size_t)1 << 18;
    long local = 0;
    void *r;
    pool_reset();
    buf = grab(size, size);
    obuf = grab(65536, 65536);
    T(alloc_buddy_init(&b, buf, size, 256) == ALLOC_OK);
    T(alloc_buddy_init(&ob, obuf, 65536, 256) == ALLOC_OK);
    T(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    subj_kmalloc(&s, &k, buf, size);
    keep(&s, alloc_kmalloc_alloc(&k, 24), 24);
    s2 = keep(&s, alloc_kmalloc_alloc(&k, 100), 100);
    s3 = keep(&s, alloc_kmalloc_alloc(&k, 2000), 2000);
    l1 = keep(&s, alloc_kmalloc_alloc(&k, 3000), 3000);
    l2 = keep(&s, alloc_kmalloc_alloc(&k, 20000), 20000);
    l3 = keep(&s, alloc_kmalloc_alloc(&k, ALLOC_KMALLOC_SLAB_SIZE), ALLOC_KMALLOC_SLAB_SIZE);   /* a large block of a slab's size */

    for (kk = 0; kk <= K_MAX; kk++) {
        at("kmalloc: size SIZE_MAX - %zu", kk);
        mark(&s);
        REPORTS(0, 0, r = alloc_kmalloc_alloc(&k, SZ_MAX - kk));
        T(r == NULL);
        UNCHANGED(&s, 0, 1);
        mark(&s);
        REPORTS(0, 0, r = alloc_kmalloc_realloc(&k, NULL, SZ_MAX - kk));
        T(r == NULL);
        UNCHANGED(&s, 0, 1);
        mark(&s);
        REPORTS(0, 0, r = alloc_kmalloc_realloc(&k, s2, SZ_MAX - kk));
        T(r == NULL);
        UNCHANGED(&s, 0, 1);
        mark(&s);
        REPORTS(0, 0, r = alloc_kmalloc_realloc(&k, l1, SZ_MAX - kk));
        T(r == NULL);
        UNCHANGED(&s, 0, 1);
    }
    at("kmalloc: size 0, NULL");
    mark(&s);
    T(alloc_kmalloc_alloc(&k, 0) == NULL);
    T(alloc_kmalloc_realloc(&k, NULL, 0) == NULL);
    REPORTS(0, 0, alloc_kmalloc_free(&k, NULL));
    T(alloc_kmalloc_usable_size(&k, NULL) == 0);
    UNCHANGED(&s, 0, 0);
    at("kmalloc: realloc(p, 0) frees p");
    x = keep(&s, alloc_kmalloc_alloc(&k, 40), 40);
    mark(&s);
    T(alloc_kmalloc_realloc(&k, x, 0) == NULL);
    drop(&s, x);
    {
        alloc_stats st;
        alloc_kmalloc_stats(&k, &st);
        T(st.free_count == s.snap.free_count + 1 && st.live_blocks == s.snap.live_blocks - 1);
    }

    /* Foreign pointers. */
    at("kmalloc: foreign (stack)");
    REFUSE(&s, &local, ALLOC_ERR_FOREIGN, R_ALL);
    at("kmalloc: foreign (another buddy's block)");
    REFUSE(&s, alloc_buddy_alloc(&ob, 256), ALLOC_ERR_FOREIGN, R_ALL);
    at("kmalloc: foreign (one byte past the buffer)");
    REFUSE(&s, buf + size, ALLOC_ERR_FOREIGN, R_ALL);
    at("kmalloc: foreign (the buddy's metadata)");
    REFUSE(&s, buf + size - 1, ALLOC_ERR_FOREIGN, R_ALL);
    at("kmalloc: foreign (just below the buffer)");
    REFUSE(&s, buf - 256, ALLOC_ERR_FOREIGN, R_ALL);
    /* Interior pointers: in a slab (the cache says why), in a large block, a slab itself. */
    slab = (unsigned char *)((uintptr_t)s2 & ~(uintptr_t)(ALLOC_KMALLOC_SLAB_SIZE - 1));
    {
        unsigned char *in[10];
        in[0] = s2 + 1; in[1] = s2 + 8; in[2] = s2 + 16; in[3] = s3 + 1024;
        in[4] = slab + 8; in[5] = slab;
        in[6] = l1 + 16; in[7] = l1 + 2048; in[8] = l2 + 4096; in[9] = l3 + 16;
        for (i = 0; i < 10; i++) {
            at("kmalloc: interior %zu", i);
            REFUSE(&s, in[i], ALLOC_ERR_NOT_BLOCK, R_ALL);
        }
    }
    /* Double frees: small (the cache's bit), large (no live block there). */
    at("kmalloc: double free (large)");
    alloc_kmalloc_free(&k, l1);
    drop(&s, l1);
    REFUSE(&s, l1, ALLOC_ERR_NOT_BLOCK, R_ALL);
    {
        /* Small: a freed object of the 32-byte class, and one never handed out. Resizing
           one within its class (nothing to copy) must be refused as a free is; resizing
           to another class would copy out of it first: see test_poisoned_reads. */
        unsigned char *a32[3];
        alloc_slab_info in;
        alloc_slab_get_info(&k.caches[1], &in);
        for (i = 0; i < 3; i++) a32[i] = keep(&s, alloc_kmalloc_alloc(&k, 32), 32);
        at("kmalloc: the 32-byte class");
        T(in.object_size >= 32 && a32[2] == a32[1] + in.object_size);
        alloc_kmalloc_free(&k, a32[1]);
        drop(&s, a32[1]);
        for (i = 0; i < 2; i++) {
            x = i == 0 ? a32[1] : a32[2] + in.object_size;
            at("kmalloc: %s", i == 0 ? "double free (small)" : "a free object never handed out");
            REFUSE(&s, x, ALLOC_ERR_DOUBLE_FREE, 0);
            mark(&s);
            r = x;
            REPORTS(1, ALLOC_ERR_DOUBLE_FREE, r = alloc_kmalloc_realloc(&k, x, 32));
            T(r == NULL);
            UNCHANGED(&s, 1, 0);
            mark(&s);
            r = x;
            REPORTS(1, ALLOC_ERR_DOUBLE_FREE, r = alloc_kmalloc_realloc(&k, x, 17));
            T(r == NULL);
            UNCHANGED(&s, 1, 0);
            mark(&s);
            r = x;
            REPORTS(1, ALLOC_ERR_DOUBLE_FREE, r = alloc_kmalloc_realloc(&k, x, 0));
            T(r == NULL);
            UNCHANGED(&s, 1, 0);
            mark(&s);
            r = x;
            REPORTS(1, ALLOC_ERR_DOUBLE_FREE, r = alloc_kmalloc_realloc(&k, x, SZ_MAX));
            T(r == NULL);
            UNCHANGED(&s, 1, 1);
            mark(&s);
            r = x;
            REPORTS(1, ALLOC_ERR_DOUBLE_FREE, r = s.al.realloc(s.al.ctx, x, 32, 0));
            T(r == NULL);
            UNCHANGED(&s, 1, 0);
        }
    }
    /* The interface, over a small block and a large one (aligned to 32 KiB: an alignment
       that is not a power of two, 24 or 48, masks to 0 there). */
    sweep_interface(&s, s2);
    sweep_interface(&s, l2);
    random_run(&s, test_scaled(4000), NULL);
}

/* ========================================================================================
   The cases where a sanitizer build reads memory that an allocator poisoned: run last, so
   that a sanitizer stop hides nothing else. Each is within the documented contract.
   ======================================================================================== */

static void test_poisoned_reads(void)
{
    alloc_buddy src;
    alloc_slab c, c4, cb;
    alloc_slab_desc d;
    subj s, s4, sb;
    unsigned char *mem, *bmem, *o, *free_blk;
    size_t mem_size = (size_t)1 << 18, bsize = 4 * 4096 + 2048;
    pool_reset();
    mem = grab(mem_size, mem_size);
    bmem = grab(bsize, 4096);
    d = desc(48, 16, 4096);
    T(alloc_buddy_init(&src, mem, mem_size, 64) == ALLOC_OK);
    T(alloc_slab_init(&c, &d, alloc_buddy_allocator(&src)) == ALLOC_OK);
    subj_slab(&s, &c, mem, mem_size);
    s.name = "slab/buddy";
    keep(&s, alloc_slab_alloc(&c), 48);
    /* alloc_slab_free's contract: "obj is NULL or points into memory that is readable at
       its slab-aligned base: any pointer from a slab cache or from the memory of this
       cache's source". A free block of the source is such memory. */
    free_blk = (unsigned char *)alloc_buddy_alloc(&src, 8192);
    T(free_blk != NULL && ALIGNED(free_blk, 8192));
    alloc_buddy_free(&src, free_blk);
    at("slab/buddy: a pointer into a free block of the source");
    REFUSE(&s, free_blk + 4096 + 64, ALLOC_ERR_FOREIGN, 0);
    /* A stale object of a slab that shrink gave back to the source. */
    T(alloc_slab_init(&c4, &d, alloc_buddy_allocator(&src)) == ALLOC_OK);
    subj_slab(&s4, &c4, mem, mem_size);
    s4.name = "slab/buddy";
    o = (unsigned char *)alloc_slab_alloc(&c4);
    T(o != NULL);
    alloc_slab_free(&c4, o);
    T(alloc_slab_shrink(&c4) == 4096);
    at("slab/buddy: an object of a slab that shrink gave back to the source");
    REFUSE(&s4, o, ALLOC_ERR_FOREIGN, 0);
    random_run(&s, test_scaled(1000), NULL);

    /* A buffer cache: its buffer beyond the slabs carved so far, and the tail after the
       last whole slab, are the cache's own memory. */
    T(alloc_slab_init_buffer(&cb, &d, bmem, bsize) == ALLOC_OK);
    subj_slab(&sb, &cb, bmem, bsize);
    sb.name = "slab/buffer";
    keep(&sb, alloc_slab_alloc(&cb), 48);
    at("slab/buffer: a pointer into the buffer, not carved into a slab yet");
    REFUSE(&sb, bmem + 2 * 4096 + 96, ALLOC_ERR_FOREIGN, 0);
    at("slab/buffer: a pointer into the buffer's tail, after the last whole slab");
    REFUSE(&sb, bmem + 4 * 4096 + 64, ALLOC_ERR_FOREIGN, 0);
    random_run(&sb, test_scaled(1000), NULL);

    /* kmalloc: a freed object resized into another class, and through the interface to
       a larger alignment: refused (DOUBLE_FREE) before anything is copied out of it. */
    {
        alloc_buddy b;
        alloc_kmalloc k;
        subj ks;
        unsigned char *y;
        void *r;
        T(alloc_buddy_init(&b, mem, mem_size, 256) == ALLOC_OK);
        T(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
        subj_kmalloc(&ks, &k, mem, mem_size);
        keep(&ks, alloc_kmalloc_alloc(&k, 32), 32);
        y = (unsigned char *)alloc_kmalloc_alloc(&k, 32);
        keep(&ks, alloc_kmalloc_alloc(&k, 32), 32);
        alloc_kmalloc_free(&k, y);
        at("kmalloc: realloc of a freed object into another class");
        mark(&ks);
        REPORTS(1, ALLOC_ERR_DOUBLE_FREE, r = alloc_kmalloc_realloc(&k, y, 500));
        T(r == NULL);
        UNCHANGED(&ks, 1, 0);
        if (r != NULL) keep(&ks, r, 32);
        at("kmalloc interface: realloc of a freed object to a larger alignment");
        mark(&ks);
        REPORTS(1, ALLOC_ERR_DOUBLE_FREE, r = ks.al.realloc(ks.al.ctx, y, 32, 128));
        T(r == NULL);
        UNCHANGED(&ks, 1, 0);
        if (r != NULL) keep(&ks, r, 32);
        random_run(&ks, test_scaled(1000), NULL);
    }
}

int main(void)
{
    test_seed_from_env();
    TEST_RUN(test_result_strings);
    TEST_RUN(test_arena_init);
    TEST_RUN(test_arena_add);
    TEST_RUN(test_arena_misuse);
    TEST_RUN(test_arena_parent_and_game);
    TEST_RUN(test_heap_init);
    TEST_RUN(test_heap_add);
    TEST_RUN(test_heap_misuse);
    TEST_RUN(test_buddy_init);
    TEST_RUN(test_buddy_misuse);
    TEST_RUN(test_slab_init);
    TEST_RUN(test_slab_misuse_buddy);
    TEST_RUN(test_slab_misuse_buddy_ctor);
    TEST_RUN(test_slab_misuse_buffer);
    TEST_RUN(test_slab_misuse_buffer_ctor);
    TEST_RUN(test_kmalloc_init);
    TEST_RUN(test_kmalloc_misuse);
    TEST_RUN(test_sizing);
    TEST_RUN(test_poisoned_reads);
    printf("misuse: %lu assertions\n", n_asserts);
    return test_finish();
}
