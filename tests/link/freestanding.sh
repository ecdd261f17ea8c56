# The implementation with no libc at all: -ffreestanding -nostdlib, memcpy/memset/assert
# supplied by the user, and no libc symbol left undefined in the object.
WARN=$1; INC=$2; d=$3
set -e
cat > "$d/free.c" <<'SRC'
#define ALLOC_MEMCPY(d, s, n) my_copy((d), (s), (n))
#define ALLOC_MEMSET(d, v, n) my_fill((d), (v), (n))
#define ALLOC_ASSERT(x) ((void)0)
#include <stddef.h>
static void *my_copy(void *d, const void *s, size_t n)
{ unsigned char *a = (unsigned char *)d; const unsigned char *b = (const unsigned char *)s; while (n--) *a++ = *b++; return d; }
static void *my_fill(void *d, int v, size_t n)
{ unsigned char *a = (unsigned char *)d; while (n--) *a++ = (unsigned char)v; return d; }
#define ALLOC_IMPLEMENTATION
#include "alloc.h"
SRC
gcc -std=c99 -O2 -ffreestanding -fno-builtin -nostdlib $WARN $INC -c "$d/free.c" -o "$d/free.o"
undef=$(nm -u "$d/free.o" | awk '{print $2}' | grep -v '^_GLOBAL_OFFSET_TABLE_$' || true)
if [ -n "$undef" ]; then echo "undefined symbols in a freestanding build: $undef"; exit 1; fi
echo "ok: freestanding, no undefined symbols"
