/* test.h - the small harness every test program shares.
 *
 * A test program defines test functions, runs each with TEST_RUN(fn) and ends with
 * test_finish(), which prints "N passed, N failed" (N counting test functions) and
 * returns the exit code. CHECK() records a failure without stopping; REQUIRE() returns
 * from the test function. Misuse reported by alloc.h through ALLOC_ON_ERROR lands in
 * test_errors / test_last_error, so tests can assert that a misuse was refused and
 * reported exactly once.
 *
 * Random tests take their seed from TEST_SEED (default fixed) and print it on failure;
 * long runs scale their operation counts by TEST_SCALE (default 1; the valgrind run
 * uses a smaller one).
 */
#ifndef TEST_H
#define TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

/* Helpers a test program does not call must not warn. */
#if defined(__GNUC__) || defined(__clang__)
#define TEST_FN static __attribute__((unused))
#else
#define TEST_FN static
#endif

/* An address aligned to a (a power of two). */
#define ALIGNED(p, a) (((uintptr_t)(p) & ((uintptr_t)(a) - 1)) == 0)

/* TEST_ASAN: built with AddressSanitizer (tests that poke a free block open it first). */
#if defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define TEST_ASAN 1
#  endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(TEST_ASAN)
#  define TEST_ASAN 1
#endif

/* TEST_OPEN / TEST_CLOSE: a test that pokes metadata inside memory the allocators keep
   poisoned (ASan, or memcheck with ALLOC_VALGRIND) opens it first and closes it after. */
#ifdef TEST_ASAN
#  include <sanitizer/asan_interface.h>
#  define TEST_OPEN(p, n)  ASAN_UNPOISON_MEMORY_REGION((p), (n))
#  define TEST_CLOSE(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#elif defined(ALLOC_VALGRIND)
#  include <valgrind/memcheck.h>
#  define TEST_OPEN(p, n)  ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#  define TEST_CLOSE(p, n) ((void)VALGRIND_MAKE_MEM_NOACCESS((p), (n)))
#else
#  define TEST_OPEN(p, n)  ((void)(p), (void)(n))
#  define TEST_CLOSE(p, n) ((void)(p), (void)(n))
#endif

static long test_errors;          /* ALLOC_ON_ERROR calls seen */
static int  test_last_error;      /* the last code reported */
static long test__checks_failed;
static int  test__passed, test__failed, test__skipped;
static unsigned long long test__rng = 0x9E3779B97F4A7C15ull;
static unsigned long long test_seed = 0x9E3779B97F4A7C15ull;

TEST_FN void test_on_error(int code, const void *ptr, const char *msg)
{
    (void)ptr;
    (void)msg;
    test_errors++;
    test_last_error = code;
}

#ifndef ALLOC_ON_ERROR
#define ALLOC_ON_ERROR(code, ptr, msg) test_on_error((int)(code), (ptr), (msg))
#endif

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            if (test__checks_failed++ < 20)                                               \
                fprintf(stderr, "%s:%d: CHECK failed: %s (seed %llu)\n", __FILE__,        \
                        __LINE__, #cond, test_seed);                                      \
        }                                                                                 \
    } while (0)

#define REQUIRE(cond)                                                                     \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            CHECK(cond);                                                                  \
            return;                                                                       \
        }                                                                                 \
    } while (0)

/* Expect exactly `n` more error reports from the statement. */
#define CHECK_REPORTS(n, stmt)                                                            \
    do {                                                                                  \
        long test__before = test_errors;                                                  \
        stmt;                                                                             \
        CHECK(test_errors - test__before == (n));                                         \
    } while (0)

TEST_FN void test_run(const char *name, void (*fn)(void))
{
    long before = test__checks_failed;
    fn();
    if (test__checks_failed == before) {
        test__passed++;
    } else {
        test__failed++;
        fprintf(stderr, "FAIL %s\n", name);
    }
}
#define TEST_RUN(fn) test_run(#fn, fn)

/* A test that asserts exact addresses, capacities or map drawings: ALLOC_DEBUG's guard
   bytes and block records move every block by design, so under ALLOC_DEBUG these are
   skipped (the other eight variants run them); tests/test_debug.c covers the debug layer. */
#ifdef ALLOC_DEBUG
#define TEST_RUN_LAYOUT(fn) ((void)(fn), test__skipped++)
#define TEST_LAYOUT_SKIPPED 1   /* the same, for a check inside a test that runs */
#else
#define TEST_RUN_LAYOUT(fn) TEST_RUN(fn)
#define TEST_LAYOUT_SKIPPED 0
#endif

TEST_FN int test_finish(void)
{
    if (test__skipped) printf("(%d layout tests skipped under ALLOC_DEBUG)\n", test__skipped);
    printf("%d passed, %d failed\n", test__passed, test__failed);
    return test__failed ? 1 : 0;
}

/* xorshift64*: fast, and the same sequence on every platform for a given seed. */
TEST_FN void test_srand(unsigned long long seed)
{
    test_seed = seed;
    test__rng = seed ? seed : 1;
}
TEST_FN unsigned long long test_rand(void)
{
    test__rng ^= test__rng >> 12;
    test__rng ^= test__rng << 25;
    test__rng ^= test__rng >> 27;
    return test__rng * 2685821657736338717ull;
}
/* Uniform in [0, n). */
TEST_FN size_t test_below(size_t n) { return n ? (size_t)(test_rand() % n) : 0; }

TEST_FN void test_seed_from_env(void)
{
    const char *s = getenv("TEST_SEED");
    test_srand(s ? strtoull(s, NULL, 0) : 12345);
}

/* n scaled by TEST_SCALE, at least 1. */
TEST_FN size_t test_scaled(size_t n)
{
    const char *s = getenv("TEST_SCALE");
    double f = s ? atof(s) : 1.0;
    double v = (double)n * f;
    return v < 1.0 ? 1 : (size_t)v;
}

/* Fills p with a pattern derived from (id, i), and checks it back. */
TEST_FN void test_fill(void *p, size_t n, size_t id)
{
    unsigned char *b = (unsigned char *)p;
    size_t i;
    for (i = 0; i < n; i++) b[i] = (unsigned char)(id * 31u + i * 7u + 1u);
}
TEST_FN int test_intact(const void *p, size_t n, size_t id)
{
    const unsigned char *b = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i] != (unsigned char)(id * 31u + i * 7u + 1u)) return 0;
    return 1;
}

/* A writer for the reports that appends to a fixed buffer (tests read the text back). */
typedef struct test_text { char buf[1 << 16]; size_t len; } test_text;
TEST_FN void test_text_write(void *user, const char *text, size_t len)
{
    test_text *t = (test_text *)user;
    if (t->len + len >= sizeof t->buf) len = sizeof t->buf - 1 - t->len;
    memcpy(t->buf + t->len, text, len);
    t->len += len;
    t->buf[t->len] = 0;
}
TEST_FN void test_stdout_write(void *user, const char *text, size_t len)
{
    (void)user;
    fwrite(text, 1, len, stdout);
}

#endif /* TEST_H */
