/* The implementation as firmware builds it: -ffreestanding -nostdlib, no libc header
   beyond the compiler's own (stddef.h, stdint.h), memcpy/memset/assert supplied by the
   user. tests/cross/run.sh compiles it for each bare-metal target with every family, each
   family alone (ALLOC_NO_*), ALLOC_DEBUG and ALLOC_DUMP, and checks that the object
   leaves no libc symbol undefined (compiler-runtime helpers such as __aeabi_uidiv are
   allowed: they come with the compiler, freestanding or not). */
#include <stddef.h>

__attribute__((unused)) static void *my_copy(void *d, const void *s, size_t n)
{
    unsigned char *a = (unsigned char *)d;
    const unsigned char *b = (const unsigned char *)s;
    while (n--) *a++ = *b++;
    return d;
}
__attribute__((unused)) static void *my_fill(void *d, int v, size_t n)
{
    unsigned char *a = (unsigned char *)d;
    while (n--) *a++ = (unsigned char)v;
    return d;
}

#define ALLOC_MEMCPY(d, s, n) my_copy((d), (s), (n))
#define ALLOC_MEMSET(d, v, n) my_fill((d), (v), (n))
/* A failed invariant stops here (a debugger's breakpoint); __builtin_trap would call
   abort() on AVR, which has no trap instruction. */
__attribute__((unused, noreturn)) static void my_stop(void)
{
    for (;;) {
    }
}
#define ALLOC_ASSERT(x) ((x) ? (void)0 : my_stop())
#define ALLOC_IMPLEMENTATION
#include "alloc.h"
