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

static unsigned char ram_pool[20 * 1024];

/* A packet buffer from the slab cache: the constructor stamps it once per object. */
typedef struct packet { uint32_t magic; uint16_t len; uint8_t data[58]; } packet;
static unsigned packets_made;
static void packet_ctor(void *obj, void *user)
{
    (void)user;
    ((packet *)obj)->magic = 0x50414B54u;
    ((packet *)obj)->len = 0;
    packets_made++;
}
static int failures;

static void expect(int ok, const char *what)
{
    if (!ok) { failures++; say("FAILED: "); say(what); say("\n"); }
}

int main(void)
{
    alloc_arena arena;
    alloc_dstack stack;
    alloc_heap heap;
    alloc_slab cache;
    alloc_slab_desc desc;
    alloc_stats st;
    unsigned char *p, *msgs[12];
    packet *pk[40];
    size_t cache_bytes;
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

    /* A heap (ALLOC_FIT_GOOD: O(1) per call, bounded time) over the next 6 KiB: messages
       of odd sizes, some freed, one grown in place or moved. */
    expect(alloc_heap_init(&heap, ram_pool + 6144, 6144, ALLOC_FIT_GOOD) == ALLOC_OK, "heap init");
    for (i = 0; i < 12; i++) {
        msgs[i] = (unsigned char *)alloc_heap_alloc(&heap, (size_t)(13 + 37 * i));
        expect(msgs[i] != NULL && ((uintptr_t)msgs[i] & (ALLOC_HEAP_ALIGN - 1)) == 0, "heap alloc aligned");
        if (msgs[i]) msgs[i][0] = (unsigned char)i;
    }
    for (i = 0; i < 12; i += 2) alloc_heap_free(&heap, msgs[i]);
    msgs[1] = (unsigned char *)alloc_heap_realloc(&heap, msgs[1], 300);
    expect(msgs[1] != NULL && msgs[1][0] == 1, "heap realloc keeps the contents");
    alloc_heap_dump(&heap, to_uart, NULL);
    expect(alloc_heap_check(&heap) == ALLOC_OK, "heap check");
    for (i = 1; i < 12; i += 2) alloc_heap_free(&heap, msgs[i]);
    alloc_heap_stats(&heap, &st);
    expect(st.live_blocks == 0 && st.free_blocks == 1 && st.error_count == 0, "heap coalesced back to one block");

    /* A slab cache of packets over the rest, sized by alloc_slab_size_for for 40 live
       packets: it cannot run out while at most 40 are live, in any order. */
    desc.name = "packet";
    desc.size = sizeof(packet);
    desc.align = 4;
    desc.slab_size = 0;
    desc.ctor = packet_ctor;
    desc.dtor = NULL;
    desc.user = NULL;
    cache_bytes = alloc_slab_size_for(&desc, 40);
    expect(cache_bytes != 0 && cache_bytes <= sizeof ram_pool - 12288, "slab buffer within the bound");
    expect(alloc_slab_init_buffer(&cache, &desc, ram_pool + 12288, cache_bytes) == ALLOC_OK, "slab init");
    for (i = 0; i < 40; i++) {
        pk[i] = (packet *)alloc_slab_alloc(&cache);
        expect(pk[i] != NULL && pk[i]->magic == 0x50414B54u, "packet constructed");
    }
    for (i = 0; i < 40; i += 3) alloc_slab_free(&cache, pk[i]);
    for (i = 0; i < 40; i += 3) pk[i] = (packet *)alloc_slab_alloc(&cache);
    expect(packets_made == (unsigned)(cache.objs * cache.nslabs), "constructor ran once per object");
    alloc_slab_dump(&cache, to_uart, NULL);
    expect(alloc_slab_check(&cache) == ALLOC_OK, "slab check");

    say(failures ? "firmware: checks FAILED\n" : "firmware: all checks passed\n");
    return failures ? 1 : 0;
}
