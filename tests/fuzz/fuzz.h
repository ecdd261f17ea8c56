/* fuzz.h - what the fuzz targets share: a reader over the input bytes, the abort used for
 * a broken invariant, and the fill patterns of the shadow model.
 *
 * Each target defines LLVMFuzzerTestOneInput. Built with clang -fsanitize=fuzzer it is a
 * libFuzzer target (`make fuzz`); built with driver.c it replays the seed corpus, which is
 * what `make test` does so that no target can rot.
 */
#ifndef FUZZ_H
#define FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fuzz_in { const uint8_t *p; size_t n; } fuzz_in;

static uint8_t fuzz_u8(fuzz_in *in)
{
    uint8_t v = 0;
    if (in->n) { v = *in->p++; in->n--; }
    return v;
}
static size_t fuzz_u16(fuzz_in *in)
{
    size_t lo = fuzz_u8(in);
    return lo | ((size_t)fuzz_u8(in) << 8);
}
/* A size: mostly small, sometimes large, sometimes at the edge of size_t. */
static size_t fuzz_size(fuzz_in *in)
{
    uint8_t kind = fuzz_u8(in);
    if (kind < 200) return fuzz_u8(in);
    if (kind < 250) return fuzz_u16(in);
    return SIZE_MAX - fuzz_u8(in);
}

#define FUZZ_REQUIRE(cond)                                                               \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static void fuzz_fill(unsigned char *p, size_t n, size_t id)
{
    size_t i;
    for (i = 0; i < n; i++) p[i] = (unsigned char)(id * 31u + i * 7u + 1u);
}
static int fuzz_intact(const unsigned char *p, size_t n, size_t id)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i] != (unsigned char)(id * 31u + i * 7u + 1u)) return 0;
    return 1;
}

/* Misuse is expected in the input: count reports instead of stopping. */
static long fuzz_errors;
#define ALLOC_ON_ERROR(code, ptr, msg) ((void)(code), (void)(ptr), (void)(msg), fuzz_errors++)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#endif
