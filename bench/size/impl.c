/* The implementation as `make size` measures it: asserts off, every family not in the row
   compiled out with ALLOC_NO_* (set by run.sh), memcpy/memset from the C library. */
#define ALLOC_ASSERT(x) ((void)0)
#define ALLOC_IMPLEMENTATION
#include "alloc.h"
