/* A smoke test of the allocator families on an 8-bit AVR (16-bit size_t and pointers,
   no alignment rule, 8 KiB of RAM), run under simavr by tests/cross/run.sh.
 *
 * Built once per family, with the others compiled out by ALLOC_NO_*: the sections below
 * compile only for the families present. Each does init, alloc, (realloc), free and
 * check, and fills every block with a pattern and proves it intact.
 *
 * The reports (ALLOC_DUMP) are compiled for AVR by run.sh but not run here: stb_sprintf
 * v1.10 assumes a 32-bit int (stbsp__uint32 is `unsigned int`), so on a 16-bit-int CPU
 * its output is garbled; firmware there needs another formatter.
 *
 * Output goes to UART0, which simavr prints; the last line is "avr: N passed, N failed"
 * and the program then sleeps with interrupts off, which ends the simulation. */
#include <stddef.h>
#include <stdint.h>
#include <avr/io.h>
#include <avr/interrupt.h>
#include <avr/sleep.h>

#define ALLOC_IMPLEMENTATION
#include "alloc.h"

static void uart_put(char c)
{
    while (!(UCSR0A & (1 << UDRE0))) {
    }
    UDR0 = (uint8_t)c;
}
static void uart_puts(const char *s)
{
    while (*s) uart_put(*s++);
}
static void uart_num(unsigned long v)
{
    char b[12];
    int i = 0;
    do { b[i++] = (char)('0' + (int)(v % 10u)); v /= 10u; } while (v && i < 12);
    while (i) uart_put(b[--i]);
}

static unsigned passed, failed, checks_failed;
static const char *current;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            checks_failed++;                                                              \
            uart_puts("  CHECK failed line ");                                            \
            uart_num((unsigned long)__LINE__);                                            \
            uart_puts(": " #cond "\n");                                                   \
        }                                                                                 \
    } while (0)

static void begin(const char *name)
{
    current = name;
    checks_failed = 0;
}
static void end(void)
{
    if (checks_failed == 0) passed++; else failed++;
    uart_puts(checks_failed == 0 ? "ok    " : "FAIL  ");
    uart_puts(current);
    uart_puts("\n");
}

static void fill(void *p, size_t n, uint8_t seed)
{
    uint8_t *b = (uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++) b[i] = (uint8_t)(seed + i);
}
static int intact(const void *p, size_t n, uint8_t seed)
{
    const uint8_t *b = (const uint8_t *)p;
    size_t i;
    for (i = 0; i < n; i++)
        if (b[i] != (uint8_t)(seed + i)) return 0;
    return 1;
}
#define ALIGNED(p, a) (((uintptr_t)(p) & ((uintptr_t)(a) - 1)) == 0)

static unsigned char mem[1536];

#ifndef ALLOC_NO_ARENA
static void smoke_arena(void)
{
    alloc_arena a;
    alloc_stats s;
    alloc_arena_mark m;
    unsigned char *p[8];
    unsigned i;
    begin("arena");
    CHECK(alloc_arena_init(&a, mem, sizeof mem) == ALLOC_OK);
    for (i = 0; i < 8; i++) {
        p[i] = (unsigned char *)alloc_arena_alloc(&a, 10 + i * 7, (size_t)1 << (i % 4));
        CHECK(p[i] != NULL && ALIGNED(p[i], (size_t)1 << (i % 4)));
        if (p[i]) fill(p[i], 10 + i * 7, (uint8_t)i);
    }
    for (i = 0; i < 8; i++) CHECK(p[i] && intact(p[i], 10 + i * 7, (uint8_t)i));
    CHECK(alloc_arena_alloc(&a, (size_t)-1, 1) == NULL);       /* 65535 on a 16-bit size_t */
    CHECK(alloc_arena_alloc(&a, sizeof mem, 1) == NULL);
    m = alloc_arena_save(&a);
    CHECK(alloc_arena_alloc(&a, 100, 4) != NULL);
    alloc_arena_restore(&a, m);
    p[7] = (unsigned char *)alloc_arena_realloc(&a, p[7], 200, 8);
    CHECK(p[7] != NULL && intact(p[7], 10 + 7 * 7, 7));
    alloc_arena_free(&a, p[7]);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    alloc_arena_stats(&a, &s);
    CHECK(s.capacity > 0 && s.capacity < sizeof mem);
    alloc_arena_reset(&a);
    alloc_arena_stats(&a, &s);
    CHECK(s.used == 0 && s.free == s.capacity);
    CHECK(alloc_arena_check(&a) == ALLOC_OK);
    end();
}
#endif

#ifndef ALLOC_NO_HEAP
static void smoke_heap(void)
{
    static const alloc_fit fits[] = { ALLOC_FIT_FIRST, ALLOC_FIT_NEXT, ALLOC_FIT_BEST,
                                      ALLOC_FIT_WORST, ALLOC_FIT_GOOD };
    alloc_heap h;
    alloc_stats s;
    unsigned char *p[8];
    unsigned f, i;
    begin("heap (first, next, best, worst, good fit)");
    for (f = 0; f < sizeof fits / sizeof fits[0]; f++) {
        CHECK(alloc_heap_init(&h, mem, sizeof mem, fits[f]) == ALLOC_OK);
        for (i = 0; i < 8; i++) {
            p[i] = (unsigned char *)alloc_heap_alloc(&h, 5 + i * 13);
            CHECK(p[i] != NULL);
            if (p[i]) fill(p[i], 5 + i * 13, (uint8_t)(i + f));
        }
        for (i = 0; i < 8; i += 2) alloc_heap_free(&h, p[i]);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        for (i = 1; i < 8; i += 2) CHECK(p[i] && intact(p[i], 5 + i * 13, (uint8_t)(i + f)));
        p[1] = (unsigned char *)alloc_heap_realloc(&h, p[1], 300);
        CHECK(p[1] != NULL && intact(p[1], 5 + 13, (uint8_t)(1 + f)));
        CHECK(alloc_heap_alloc(&h, (size_t)-1) == NULL);
        CHECK(alloc_heap_calloc(&h, 300, 300) == NULL);          /* wraps a 16-bit size_t */
        for (i = 1; i < 8; i += 2) alloc_heap_free(&h, p[i]);
        CHECK(alloc_heap_check(&h) == ALLOC_OK);
        alloc_heap_stats(&h, &s);
        CHECK(s.live_blocks == 0);
    }
    end();
}
#endif

#ifndef ALLOC_NO_BUDDY
static void smoke_buddy(void)
{
    alloc_buddy b;
    alloc_stats s;
    unsigned char *p[6];
    unsigned i;
    begin("buddy");
    CHECK(alloc_buddy_init(&b, mem, sizeof mem, 16) == ALLOC_OK);
    for (i = 0; i < 6; i++) {
        p[i] = (unsigned char *)alloc_buddy_alloc(&b, 9 + i * 20);
        CHECK(p[i] != NULL);
        if (p[i]) fill(p[i], 9 + i * 20, (uint8_t)i);
    }
    for (i = 0; i < 6; i++) CHECK(p[i] && intact(p[i], 9 + i * 20, (uint8_t)i));
    p[2] = (unsigned char *)alloc_buddy_realloc(&b, p[2], 200);
    CHECK(p[2] != NULL && intact(p[2], 9 + 2 * 20, 2));
    CHECK(alloc_buddy_alloc(&b, (size_t)-1) == NULL);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    for (i = 0; i < 6; i++) alloc_buddy_free(&b, p[i]);
    CHECK(alloc_buddy_check(&b) == ALLOC_OK);
    alloc_buddy_stats(&b, &s);
    CHECK(s.live_blocks == 0);
    end();
}
#endif

#ifndef ALLOC_NO_SLAB
static void smoke_slab(void)
{
    alloc_slab sl;
    static alloc_slab_desc d;
    alloc_stats s;
    unsigned char *p[10];
    unsigned i;
    begin("slab");
    d.name = "obj";
    d.size = 12;
    d.align = 2;
    CHECK(alloc_slab_init_buffer(&sl, &d, mem, sizeof mem) == ALLOC_OK);
    for (i = 0; i < 10; i++) {
        p[i] = (unsigned char *)alloc_slab_alloc(&sl);
        CHECK(p[i] != NULL && ALIGNED(p[i], 2));
        if (p[i]) fill(p[i], 12, (uint8_t)i);
    }
    for (i = 0; i < 10; i++) CHECK(p[i] && intact(p[i], 12, (uint8_t)i));
    CHECK(alloc_slab_check(&sl) == ALLOC_OK);
    for (i = 0; i < 10; i++) alloc_slab_free(&sl, p[i]);
    CHECK(alloc_slab_check(&sl) == ALLOC_OK);
    alloc_slab_stats(&sl, &s);
    CHECK(s.live_blocks == 0);
    alloc_slab_destroy(&sl);
    end();
}
#endif

int main(void)
{
    UCSR0B = (1 << TXEN0);
    uart_puts("avr: sizeof(size_t)=");
    uart_num(sizeof(size_t));
    uart_puts(" sizeof(void*)=");
    uart_num(sizeof(void *));
    uart_puts("\n");
#ifndef ALLOC_NO_ARENA
    smoke_arena();
#endif
#ifndef ALLOC_NO_HEAP
    smoke_heap();
#endif
#ifndef ALLOC_NO_BUDDY
    smoke_buddy();
#endif
#ifndef ALLOC_NO_SLAB
    smoke_slab();
#endif
    uart_puts("avr: ");
    uart_num(passed);
    uart_puts(" passed, ");
    uart_num(failed);
    uart_puts(" failed\n");
    cli();
    sleep_enable();
    sleep_cpu();
    for (;;) {
    }
}
