/* ALLOC_DEBUG tests: guard bytes, fill patterns, the live-block report and the tracking
   macros, family by family. Built in every variant: the parts that need the debug layer
   are under #ifdef ALLOC_DEBUG; release builds check that the tracking macros are the
   plain calls and that live_count/report_live give the live count. */
#include "test.h"
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"

static unsigned char mem[1 << 16];
static unsigned char mem2[1 << 16];

static int all_bytes(const unsigned char *p, size_t n, int v)
{
    size_t i;
    for (i = 0; i < n; i++) if (p[i] != (unsigned char)v) return 0;
    return 1;
}

static void test_macros_and_counts(void)
{
    alloc_heap h;
    alloc_arena a;
    alloc_buddy b;
    alloc_slab s;
    alloc_slab_desc d;
    alloc_kmalloc k;
    test_text t;
    void *p, *q, *r, *o, *m;
    CHECK(alloc_heap_init(&h, mem, sizeof mem - 64, ALLOC_FIT_GOOD) == ALLOC_OK);
    p = ALLOC_HEAP_ALLOC(&h, 10);
    q = ALLOC_HEAP_CALLOC(&h, 3, 5);
    r = ALLOC_HEAP_ALLOC_ALIGNED(&h, 7, 256);
    CHECK(p != NULL && q != NULL && r != NULL && ((uintptr_t)r & 255) == 0 && all_bytes((unsigned char *)q, 15, 0));
    r = ALLOC_HEAP_REALLOC(&h, r, 100);
    CHECK(r != NULL && ((uintptr_t)r & 255) == 0);
    CHECK(alloc_heap_live_count(&h) == 3);
    t.len = 0;
    CHECK(alloc_heap_report_live(&h, test_text_write, &t) == 3);
    CHECK(strstr(t.buf, "heap: 3 live blocks") != NULL);
    alloc_heap_free(&h, p);
    alloc_heap_free(&h, q);
    alloc_heap_free(&h, r);
    CHECK(alloc_heap_live_count(&h) == 0 && alloc_heap_check(&h) == ALLOC_OK);

    CHECK(alloc_arena_init(&a, mem, sizeof mem) == ALLOC_OK);
    p = ALLOC_ARENA_ALLOC(&a, 10, 16);
    CHECK(p != NULL && ((uintptr_t)p & 15) == 0);
    p = ALLOC_ARENA_REALLOC(&a, p, 40, 16);
    CHECK(p != NULL && alloc_arena_live_count(&a) == 1 && alloc_arena_check(&a) == ALLOC_OK);
    alloc_arena_reset(&a);
    CHECK(alloc_arena_live_count(&a) == 0);

    CHECK(alloc_buddy_init(&b, mem2, sizeof mem2, 64) == ALLOC_OK);
    p = ALLOC_BUDDY_ALLOC(&b, 100);
    p = ALLOC_BUDDY_REALLOC(&b, p, 300);
    CHECK(p != NULL && alloc_buddy_live_count(&b) == 1 && alloc_buddy_check(&b) == ALLOC_OK);
    alloc_buddy_free(&b, p);
    CHECK(alloc_buddy_live_count(&b) == 0);

    memset(&d, 0, sizeof d);
    d.size = 40;
    CHECK(alloc_slab_init_buffer(&s, &d, mem, 8192) == ALLOC_OK);
    o = ALLOC_SLAB_ALLOC(&s);
    CHECK(o != NULL && alloc_slab_live_count(&s) == 1 && alloc_slab_check(&s) == ALLOC_OK);
    alloc_slab_free(&s, o);
    CHECK(alloc_slab_live_count(&s) == 0);

    CHECK(alloc_buddy_init(&b, mem2, sizeof mem2, 64) == ALLOC_OK);
    CHECK(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    p = ALLOC_KMALLOC_ALLOC(&k, 20);
    m = ALLOC_KMALLOC_ALLOC(&k, 5000);
    p = ALLOC_KMALLOC_REALLOC(&k, p, 30);
    CHECK(p != NULL && m != NULL && alloc_kmalloc_live_count(&k) == 2 && alloc_kmalloc_check(&k) == ALLOC_OK);
    alloc_kmalloc_free(&k, p);
    alloc_kmalloc_free(&k, m);
    CHECK(alloc_kmalloc_live_count(&k) == 0 && alloc_kmalloc_check(&k) == ALLOC_OK);
}

#ifdef ALLOC_DEBUG
/* One byte past the block: check says corrupt, free reports ALLOC_ERR_GUARD once, and
   the structure is consistent again after the free. */
#define OVERRUN(check, fre, p, n)                                                         \
    do {                                                                                  \
        unsigned char keep = ((unsigned char *)(p))[n];                                   \
        CHECK(keep == 0xFD);                                                              \
        ((unsigned char *)(p))[n] = 0;                                                    \
        CHECK((check) == ALLOC_ERR_CORRUPT);                                              \
        CHECK_REPORTS(1, fre);                                                            \
        CHECK(test_last_error == ALLOC_ERR_GUARD);                                        \
        CHECK((check) == ALLOC_OK);                                                       \
    } while (0)

static void test_guards(void)
{
    alloc_heap h;
    alloc_arena a;
    alloc_buddy b;
    alloc_slab s;
    alloc_slab_desc d;
    alloc_kmalloc k;
    unsigned char *p;
    CHECK(alloc_heap_init(&h, mem, sizeof mem - 64, ALLOC_FIT_GOOD) == ALLOC_OK);
    p = (unsigned char *)alloc_heap_alloc(&h, 13);
    CHECK(p[-1] == 0xFD);                                          /* front guard */
    OVERRUN(alloc_heap_check(&h), alloc_heap_free(&h, p), p, 13);
    p = (unsigned char *)alloc_heap_alloc(&h, 13);
    p[-1] = 0;                                                     /* an underrun */
    CHECK(alloc_heap_check(&h) == ALLOC_ERR_CORRUPT);
    CHECK_REPORTS(1, alloc_heap_free(&h, p));
    CHECK(test_last_error == ALLOC_ERR_GUARD && alloc_heap_check(&h) == ALLOC_OK);

    CHECK(alloc_arena_init(&a, mem, sizeof mem) == ALLOC_OK);
    p = (unsigned char *)alloc_arena_alloc(&a, 7, 1);
    CHECK(p[-1] == 0xFD);
    OVERRUN(alloc_arena_check(&a), alloc_arena_free(&a, p), p, 7);

    CHECK(alloc_buddy_init(&b, mem2, sizeof mem2, 64) == ALLOC_OK);
    p = (unsigned char *)alloc_buddy_alloc(&b, 100);
    OVERRUN(alloc_buddy_check(&b), alloc_buddy_free(&b, p), p, 100);

    memset(&d, 0, sizeof d);
    d.size = 40;
    CHECK(alloc_slab_init_buffer(&s, &d, mem, 8192) == ALLOC_OK);
    p = (unsigned char *)alloc_slab_alloc(&s);
    OVERRUN(alloc_slab_check(&s), alloc_slab_free(&s, p), p, 40);

    CHECK(alloc_buddy_init(&b, mem2, sizeof mem2, 64) == ALLOC_OK);
    CHECK(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    p = (unsigned char *)alloc_kmalloc_alloc(&k, 20);              /* class 32: guard at 20 */
    OVERRUN(alloc_kmalloc_check(&k), alloc_kmalloc_free(&k, p), p, 20);
    p = (unsigned char *)alloc_kmalloc_alloc(&k, 3000);
    OVERRUN(alloc_kmalloc_check(&k), alloc_kmalloc_free(&k, p), p, 3000);
}

static void test_patterns(void)
{
    alloc_heap h;
    alloc_buddy b;
    alloc_slab s;
    alloc_slab_desc d;
    unsigned char *p;
    CHECK(alloc_heap_init(&h, mem, sizeof mem - 64, ALLOC_FIT_GOOD) == ALLOC_OK);
    p = (unsigned char *)alloc_heap_alloc(&h, 300);
    CHECK(all_bytes(p, 300, 0xCD));
    alloc_heap_free(&h, p);
    CHECK(all_bytes(p + 64, 200, 0xDD));              /* past the free-list links */
    CHECK_REPORTS(1, alloc_heap_free(&h, p));                      /* double free, named */
    CHECK(test_last_error == ALLOC_ERR_DOUBLE_FREE && alloc_heap_check(&h) == ALLOC_OK);

    CHECK(alloc_buddy_init(&b, mem2, sizeof mem2, 64) == ALLOC_OK);
    p = (unsigned char *)alloc_buddy_alloc(&b, 500);
    CHECK(all_bytes(p, 500, 0xCD));
    alloc_buddy_free(&b, p);
    CHECK(all_bytes(p + 64, 400, 0xDD));
    CHECK_REPORTS(1, alloc_buddy_free(&b, p));
    CHECK(test_last_error == ALLOC_ERR_DOUBLE_FREE && alloc_buddy_check(&b) == ALLOC_OK);

    memset(&d, 0, sizeof d);
    d.size = 40;
    CHECK(alloc_slab_init_buffer(&s, &d, mem, 8192) == ALLOC_OK);
    p = (unsigned char *)alloc_slab_alloc(&s);
    CHECK(all_bytes(p, 40, 0xCD));
    alloc_slab_free(&s, p);
    CHECK(all_bytes(p + sizeof(void *), 32, 0xDD));
    CHECK_REPORTS(1, alloc_slab_free(&s, p));
    CHECK(test_last_error == ALLOC_ERR_DOUBLE_FREE && alloc_slab_check(&s) == ALLOC_OK);
}

static void test_report_lines(void)
{
    alloc_heap h;
    alloc_buddy b;
    alloc_kmalloc k;
    alloc_arena a;
    test_text t;
    char want[64];
    void *p, *q;
    int line;
    CHECK(alloc_heap_init(&h, mem, sizeof mem - 64, ALLOC_FIT_GOOD) == ALLOC_OK);
    p = ALLOC_HEAP_ALLOC(&h, 10); line = __LINE__;
    q = alloc_heap_alloc(&h, 20);
    t.len = 0;
    memset(t.buf, 0, sizeof t.buf);
    CHECK(alloc_heap_report_live(&h, test_text_write, &t) == 2);
    sprintf(want, "10 bytes  %s:%d", __FILE__, line);
    CHECK(strstr(t.buf, want) != NULL);
    CHECK(strstr(t.buf, "20 bytes  (no file:line") != NULL);
    /* realloc keeps the record (moved or not), and a tracked realloc moves the line */
    p = alloc_heap_realloc(&h, p, 2000);
    t.len = 0;
    memset(t.buf, 0, sizeof t.buf);
    alloc_heap_report_live(&h, test_text_write, &t);
    sprintf(want, "2000 bytes  %s:%d", __FILE__, line);
    CHECK(strstr(t.buf, want) != NULL);
    p = ALLOC_HEAP_REALLOC(&h, p, 30); line = __LINE__;
    t.len = 0;
    memset(t.buf, 0, sizeof t.buf);
    alloc_heap_report_live(&h, test_text_write, &t);
    sprintf(want, "30 bytes  %s:%d", __FILE__, line);
    CHECK(strstr(t.buf, want) != NULL && alloc_heap_check(&h) == ALLOC_OK);
    alloc_heap_free(&h, q);
    alloc_heap_free(&h, p);

    CHECK(alloc_buddy_init(&b, mem2, sizeof mem2, 64) == ALLOC_OK);
    CHECK(alloc_kmalloc_init(&k, &b) == ALLOC_OK);
    p = ALLOC_KMALLOC_ALLOC(&k, 100); line = __LINE__;
    p = alloc_kmalloc_realloc(&k, p, 700);                         /* another class: moved */
    t.len = 0;
    memset(t.buf, 0, sizeof t.buf);
    CHECK(alloc_kmalloc_report_live(&k, test_text_write, &t) == 1);
    sprintf(want, "700 bytes  %s:%d", __FILE__, line);
    CHECK(strstr(t.buf, want) != NULL);
    alloc_kmalloc_free(&k, p);

    CHECK(alloc_arena_init(&a, mem, sizeof mem) == ALLOC_OK);
    p = ALLOC_ARENA_ALLOC(&a, 8, 8);
    {
        alloc_arena_mark mk = alloc_arena_save(&a);
        q = ALLOC_ARENA_ALLOC(&a, 8, 8);
        CHECK(q != NULL && alloc_arena_live_count(&a) == 2);
        alloc_arena_restore(&a, mk);
    }
    CHECK(alloc_arena_live_count(&a) == 1 && alloc_arena_check(&a) == ALLOC_OK);
    (void)p;
}
#endif

#ifndef ALLOC_DEBUG
/* A release build keeps no records: report_live prints the count alone, one line, with
   the singular for one block, and returns it. */
static void test_release_report_text(void)
{
    alloc_arena a;
    alloc_buddy b;
    alloc_slab s;
    alloc_slab_desc d;
    test_text t;
    void *p, *q;
    CHECK(alloc_arena_init(&a, mem, sizeof mem) == ALLOC_OK);
    p = alloc_arena_alloc(&a, 10, 8);
    t.len = 0;
    t.buf[0] = 0;
    CHECK(alloc_arena_report_live(&a, test_text_write, &t) == 1);
    CHECK(strcmp(t.buf, "arena: 1 live block (build with ALLOC_DEBUG for their sizes and file:line)\n") == 0);
    CHECK(alloc_buddy_init(&b, mem2, sizeof mem2, 64) == ALLOC_OK);
    p = alloc_buddy_alloc(&b, 100);
    q = alloc_buddy_alloc(&b, 100);
    t.len = 0;
    CHECK(alloc_buddy_report_live(&b, test_text_write, &t) == 2);
    CHECK(strcmp(t.buf, "buddy: 2 live blocks (build with ALLOC_DEBUG for their sizes and file:line)\n") == 0);
    alloc_buddy_free(&b, p);
    alloc_buddy_free(&b, q);
    memset(&d, 0, sizeof d);
    d.size = 40;
    CHECK(alloc_slab_init_buffer(&s, &d, mem, 8192) == ALLOC_OK);
    t.len = 0;
    CHECK(alloc_slab_report_live(&s, test_text_write, &t) == 0);
    CHECK(strcmp(t.buf, "slab: 0 live blocks (build with ALLOC_DEBUG for their sizes and file:line)\n") == 0);
}
#endif

int main(void)
{
    TEST_RUN(test_macros_and_counts);
#ifndef ALLOC_DEBUG
    TEST_RUN(test_release_report_text);
#endif
#ifdef ALLOC_DEBUG
    TEST_RUN(test_guards);
    TEST_RUN(test_patterns);
    TEST_RUN(test_report_lines);
#endif
    return test_finish();
}
