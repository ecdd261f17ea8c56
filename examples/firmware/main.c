/* main.c — alloc.h on a Cortex-M4 with no libc: a static buffer, allocators over it, and
 * their reports streamed to a UART-like callback through stb_sprintf (STB_SPRINTF_NOFLOAT:
 * the reports print integers only), with no buffer larger than stb_sprintf's 512-byte
 * piece on the stack.
 */
#include <stddef.h>
#include <stdint.h>

void uart_write(const char *text, size_t len);
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int v, size_t n);

#define ALLOC_MEMCPY(d, s, n) memcpy((d), (s), (n))
#define ALLOC_MEMSET(d, v, n) memset((d), (v), (n))
#define ALLOC_ASSERT(x) ((void)0)
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"

static void to_uart(void *user, const char *text, size_t len)
{
    (void)user;
    uart_write(text, len);
}

static void say(const char *s)
{
    size_t n = 0;
    while (s[n]) n++;
    uart_write(s, n);
}

static unsigned char ram_pool[16 * 1024];
static int failures;

static void expect(int ok, const char *what)
{
    if (!ok) { failures++; say("FAILED: "); say(what); say("\n"); }
}

int main(void)
{
    alloc_arena arena;
    alloc_dstack stack;
    unsigned char *p;
    int i;

    say("alloc.h firmware example: a Cortex-M4, no libc\n");

    /* An arena over the first 4 KiB: a message buffer per "request". */
    expect(alloc_arena_init(&arena, ram_pool, 4096) == ALLOC_OK, "arena init");
    for (i = 0; i < 10; i++) {
        alloc_arena_mark m = alloc_arena_save(&arena);
        p = (unsigned char *)alloc_arena_alloc(&arena, 200, 8);
        expect(p != NULL && ((uintptr_t)p & 7u) == 0, "arena alloc aligned");
        if (p) p[199] = (unsigned char)i;
        alloc_arena_restore(&arena, m);
    }
    alloc_arena_alloc(&arena, 1000, 4);
    alloc_arena_dump(&arena, to_uart, NULL);
    expect(alloc_arena_check(&arena) == ALLOC_OK, "arena check");

    /* A double-ended stack over the next 2 KiB: config below, scratch above. */
    expect(alloc_dstack_init(&stack, ram_pool + 4096, 2048) == ALLOC_OK, "dstack init");
    alloc_dstack_alloc(&stack, ALLOC_LOW, 600, 4);
    alloc_dstack_alloc(&stack, ALLOC_HIGH, 900, 8);
    expect(alloc_dstack_alloc(&stack, ALLOC_HIGH, 900, 8) == NULL, "dstack ends meet cleanly");
    alloc_dstack_dump(&stack, to_uart, NULL);

    say(failures ? "firmware: checks FAILED\n" : "firmware: all checks passed\n");
    return failures ? 1 : 0;
}
