/* game_frame.c — an engine's frame loop on alloc.h, with a memory-budget overlay.
 *
 *   - alloc_frames: double-buffered frame memory. The render list a frame builds is read
 *     during the next frame (as a GPU would), so it must outlive its own frame by one.
 *   - alloc_dstack: level data at the low end (loaded once), per-frame temporaries at the
 *     high end under a mark (path-finding scratch), restored at the end of each frame.
 *   - alloc_slab: the entity pool. Its constructor runs once per object, not on every
 *     spawn; the pool's buffer comes from alloc_slab_size_for, so the pool cannot run out
 *     while at most MAX_ENTITIES are alive, whatever the order of spawns and deaths.
 *   - alloc_heap (ALLOC_FIT_GOOD): odd sizes - entity names, chat lines.
 *   Every OVERLAY frames a budget overlay is printed from each allocator's stats: a bar of
 *   used/capacity, peak, live blocks, external fragmentation. Lines are formatted with
 *   stb_sprintf, as the reports themselves are.
 */
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"
#include "stb_sprintf.h"
#include <stdio.h>
#include <string.h>

#define FRAMES 12
#define OVERLAY 4
#define MAX_ENTITIES 200

typedef struct entity {
    float x, y, vx, vy;
    int hp, alive;
    char *name;                       /* from the heap */
} entity;

typedef struct draw { const entity *e; float x, y; unsigned frame; } draw;

static unsigned char frame_mem[32 * 1024];
static unsigned char stack_mem[64 * 1024];
static unsigned char pool_mem[64 * 1024];
static unsigned char heap_mem[16 * 1024];

static void write_stdout(void *user, const char *text, size_t len)
{
    (void)user;
    fwrite(text, 1, len, stdout);
}

/* The constructor: once per object, when its slab is made (object caching). */
static unsigned ctor_calls;
static void entity_ctor(void *obj, void *user)
{
    entity *e = (entity *)obj;
    (void)user;
    memset(e, 0, sizeof *e);
    e->hp = 100;
    ctor_calls++;
}

static unsigned long long rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* One overlay line: name, a 32-cell bar of used / capacity, the figures. */
static void overlay_line(const char *name, const alloc_stats *s, int pool)
{
    char line[160], bar[33];
    size_t i, cells = s->capacity ? (s->used * 32 + s->capacity - 1) / s->capacity : 0;
    /* external fragmentation, 1 - largest_free / free; a pool of equal objects has none */
    unsigned frag = s->free && !pool ? (unsigned)(100 - s->largest_free * 100 / s->free) : 0;
    for (i = 0; i < 32; i++) bar[i] = i < cells ? '#' : '.';
    bar[32] = 0;
    stbsp_snprintf(line, sizeof line, "  %-8s [%s] %6zu/%-6zu peak %6zu live %4zu frag %3u%%\n",
                   name, bar, s->used, s->capacity, s->peak_used, s->live_blocks, frag);
    fputs(line, stdout);
}

int main(void)
{
    alloc_frames frames;
    alloc_dstack stack;
    alloc_slab pool;
    alloc_heap heap;
    alloc_slab_desc desc;
    alloc_stats st;
    entity *ents[MAX_ENTITIES];
    draw *last_list = NULL;
    size_t last_count = 0, pool_bytes, i, n = 0;
    unsigned f, tiles_w = 128, tiles_h = 96, bad = 0;
    unsigned char *tiles;
    char line[160];

    memset(&desc, 0, sizeof desc);
    desc.name = "entity";
    desc.size = sizeof(entity);
    desc.ctor = entity_ctor;
    pool_bytes = alloc_slab_size_for(&desc, MAX_ENTITIES);
    if (pool_bytes == 0 || pool_bytes > sizeof pool_mem) {
        fputs("entity pool: buffer smaller than alloc_slab_size_for\n", stdout);
        return 1;
    }
    if (alloc_frames_init(&frames, frame_mem, sizeof frame_mem) != ALLOC_OK ||
        alloc_dstack_init(&stack, stack_mem, sizeof stack_mem) != ALLOC_OK ||
        alloc_slab_init_buffer(&pool, &desc, pool_mem, pool_bytes) != ALLOC_OK ||
        alloc_heap_init(&heap, heap_mem, sizeof heap_mem, ALLOC_FIT_GOOD) != ALLOC_OK)
        return 1;
    stbsp_snprintf(line, sizeof line, "entity pool: %d entities of %zu bytes need %zu bytes (alloc_slab_size_for)\n",
                   MAX_ENTITIES, sizeof(entity), pool_bytes);
    fputs(line, stdout);

    /* Level data: the low end of the double-ended stack, kept for the whole level. */
    tiles = (unsigned char *)alloc_dstack_alloc(&stack, ALLOC_LOW, (size_t)tiles_w * tiles_h, 64);
    if (tiles == NULL) return 1;
    for (i = 0; i < (size_t)tiles_w * tiles_h; i++) tiles[i] = (unsigned char)(i % 7 == 0);

    for (f = 0; f < FRAMES; f++) {
        draw *list;
        size_t count = 0;
        alloc_dstack_mark scratch;
        unsigned spawn = 10 + rnd(30), k;

        alloc_frames_begin(&frames);
        /* Last frame's render list is still valid: "submit" it now, checking it. */
        for (i = 0; i < last_count; i++)
            if (last_list[i].frame != f - 1) bad++;

        /* Spawn: an entity from the pool (constructed once per object, ever) and a name of
           an odd length from the heap. */
        for (k = 0; k < spawn && n < MAX_ENTITIES; k++) {
            entity *e = (entity *)alloc_slab_alloc(&pool);
            size_t len = 5 + rnd(40);
            if (e == NULL) { bad++; break; }
            if (e->hp <= 0 && e->name != NULL) bad++;     /* a recycled object keeps its state */
            e->x = (float)rnd(tiles_w);
            e->y = (float)rnd(tiles_h);
            e->vx = (float)rnd(3) - 1.0f;
            e->vy = (float)rnd(3) - 1.0f;
            e->hp = 100;
            e->alive = 1;
            e->name = (char *)alloc_heap_alloc(&heap, len);
            if (e->name != NULL) stbsp_snprintf(e->name, (int)len, "ent%u-%u", f, k);
            ents[n++] = e;
        }

        /* Per-frame temporaries at the high end: path-finding scratch under a mark. */
        scratch = alloc_dstack_save(&stack, ALLOC_HIGH);
        {
            unsigned short *open = (unsigned short *)alloc_dstack_alloc(&stack, ALLOC_HIGH, n * 64 * sizeof(unsigned short), 16);
            if (open == NULL) bad++;
            else for (i = 0; i < n * 64; i++) open[i] = (unsigned short)i;
        }

        /* Simulate; the dead go back to the pool (their names to the heap). */
        for (i = 0; i < n;) {
            entity *e = ents[i];
            e->x += e->vx;
            e->y += e->vy;
            e->hp -= (int)rnd(40);
            if (e->hp <= 0) {
                alloc_heap_free(&heap, e->name);
                e->name = NULL;
                e->alive = 0;
                alloc_slab_free(&pool, e);
                ents[i] = ents[--n];
            } else {
                i++;
            }
        }

        /* This frame's render list, in frame memory: read during the next frame. */
        list = (draw *)alloc_frames_alloc(&frames, (n ? n : 1) * sizeof *list, 16);
        if (list == NULL) bad++;
        else for (i = 0; i < n; i++) { list[count].e = ents[i]; list[count].x = ents[i]->x; list[count].y = ents[i]->y; list[count].frame = f; count++; }
        /* A chat line of an odd length, kept one frame in the heap. */
        {
            char *chat = (char *)alloc_heap_alloc(&heap, 17 + rnd(200));
            if (chat != NULL) alloc_heap_free(&heap, chat);
        }
        alloc_dstack_restore(&stack, scratch);
        last_list = list;
        last_count = count;

        if ((f + 1) % OVERLAY == 0) {
            stbsp_snprintf(line, sizeof line, "-- frame %u: %zu entities, %u constructor calls so far --\n", f, n, ctor_calls);
            fputs(line, stdout);
            alloc_arena_stats(alloc_frames_current(&frames), &st);
            overlay_line("frame", &st, 0);
            alloc_arena_stats(alloc_frames_previous(&frames), &st);
            overlay_line("prev", &st, 0);
            alloc_dstack_stats(&stack, &st);
            overlay_line("dstack", &st, 0);
            alloc_slab_stats(&pool, &st);
            overlay_line("entities", &st, 1);
            alloc_heap_stats(&heap, &st);
            overlay_line("heap", &st, 0);
        }
    }

    fputs("-- the double-ended stack (level data low, the frame's scratch already gone) --\n", stdout);
    alloc_dstack_dump(&stack, write_stdout, NULL);
    fputs("-- the entity pool --\n", stdout);
    alloc_slab_dump(&pool, write_stdout, NULL);

    if (alloc_arena_check(alloc_frames_current(&frames)) != ALLOC_OK || alloc_dstack_check(&stack) != ALLOC_OK ||
        alloc_slab_check(&pool) != ALLOC_OK || alloc_heap_check(&heap) != ALLOC_OK)
        bad++;
    /* Tear down: names back to the heap, entities to the pool; both must be empty. */
    while (n > 0) {
        entity *e = ents[--n];
        alloc_heap_free(&heap, e->name);
        alloc_slab_free(&pool, e);
    }
    alloc_heap_stats(&heap, &st);
    if (st.live_blocks != 0 || st.error_count != 0) bad++;
    alloc_slab_stats(&pool, &st);
    if (st.live_blocks != 0 || st.error_count != 0 || st.fail_count != 0) bad++;
    stbsp_snprintf(line, sizeof line, "game_frame: %s\n", bad ? "FAILED" : "all checks passed");
    fputs(line, stdout);
    return bad ? 1 : 0;
}
