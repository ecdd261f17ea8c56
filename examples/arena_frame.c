/* arena_frame.c — a game-style frame loop on arenas.
 *
 * A level arena holds what lives as long as the level; a frame arena is reset at the
 * start of every frame; inside a frame, a scoped temporary (save ... restore) holds the
 * scratch memory of one system. The arena's map and stats are printed through
 * stb_sprintf's callback formatter, the way firmware would stream them to a UART.
 */
#define ALLOC_IMPLEMENTATION
#define ALLOC_DUMP
#include "alloc.h"
#include "stb_sprintf.h"
#include <stdio.h>

static void write_stdout(void *user, const char *text, size_t len)
{
    (void)user;
    fwrite(text, 1, len, stdout);
}

typedef struct particle { float x, y, vx, vy; } particle;

static unsigned char level_mem[16 * 1024];
static unsigned char frame_mem[8 * 1024];
static unsigned char overflow_mem[8 * 1024];   /* chained on when a frame runs long */

int main(void)
{
    alloc_arena level, frame;
    particle *ps;
    int f, i, n = 64;
    char line[128];

    alloc_arena_init(&level, level_mem, sizeof level_mem);
    alloc_arena_init(&frame, frame_mem, sizeof frame_mem);
    alloc_arena_add(&frame, overflow_mem, sizeof overflow_mem);

    /* Level data: allocated once, aligned for SIMD. */
    ps = (particle *)alloc_arena_alloc(&level, (size_t)n * sizeof *ps, 16);
    for (i = 0; i < n; i++) { ps[i].x = (float)i; ps[i].y = 0; ps[i].vx = 1; ps[i].vy = 0.5f; }
    alloc_arena_alloc(&level, 3000, 64);   /* a navigation grid, say */

    for (f = 0; f < 4; f++) {
        unsigned short *visible;
        int nvis = 0;
        alloc_arena_reset(&frame);                                   /* a new frame */

        /* A command list that lives for the whole frame. */
        alloc_arena_alloc(&frame, 1500u * (size_t)(f + 1), 16);

        /* Scratch for culling: a scoped temporary, gone when the scope ends. */
        {
            alloc_arena_mark scope = alloc_arena_save(&frame);
            float *dist = (float *)alloc_arena_alloc(&frame, (size_t)n * sizeof(float), 16);
            visible = (unsigned short *)alloc_arena_alloc(&frame, (size_t)n * sizeof *visible, 2);
            for (i = 0; i < n; i++) {
                dist[i] = ps[i].x * ps[i].x + ps[i].y * ps[i].y;
                if (dist[i] < 1000.0f + 500.0f * (float)f) visible[nvis++] = (unsigned short)i;
            }
            stbsp_snprintf(line, sizeof line, "frame %d: %d of %d particles visible\n", f, nvis, n);
            fputs(line, stdout);
            if (f == 3) {
                fputs("-- inside the culling scope --\n", stdout);
                alloc_arena_dump(&frame, write_stdout, NULL);
            }
            alloc_arena_restore(&frame, scope);
        }

        /* A growing list: the newest allocation grows in place while its block has
           room, and moves to the chained overflow block (contents copied) when not. */
        {
            char *names = (char *)alloc_arena_alloc(&frame, 32, 1), *grown;
            size_t cap = 32;
            for (i = 0; i < 4 + f; i++) {
                cap *= 2;
                grown = (char *)alloc_arena_realloc(&frame, names, cap, 1);
                if (grown == NULL) { fputs("names: out of frame memory\n", stdout); break; }
                if (grown != names) {
                    stbsp_snprintf(line, sizeof line, "names grew to %zu bytes: moved to the next block\n", cap);
                    fputs(line, stdout);
                }
                names = grown;
            }
        }
        for (i = 0; i < n; i++) { ps[i].x += ps[i].vx; ps[i].y += ps[i].vy; }

        fputs("-- end of frame --\n", stdout);
        alloc_arena_dump(&frame, write_stdout, NULL);
    }

    fputs("-- level arena --\n", stdout);
    alloc_arena_dump(&level, write_stdout, NULL);
    return alloc_arena_check(&frame) == ALLOC_OK && alloc_arena_check(&level) == ALLOC_OK ? 0 : 1;
}
