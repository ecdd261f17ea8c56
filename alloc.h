/* alloc.h - v0.1.0 - arena, heap, buddy and slab allocators over memory you hand in - public domain or MIT-0 (see end of file)

   QUICK START

       Do this in *one* C or C++ file:
           #define ALLOC_IMPLEMENTATION
           #include "alloc.h"
       and include "alloc.h" without the define everywhere else.

           static unsigned char frame_mem[64 * 1024];
           alloc_arena frame;
           alloc_arena_init(&frame, frame_mem, sizeof frame_mem);
           float *v = (float *)alloc_arena_alloc(&frame, 100 * sizeof(float), 16);
           ...
           alloc_arena_reset(&frame);           // everything freed at once

   CONTENTS  (search for the anchor: ">>arena" jumps between declaration and code)

       >>config    configuration macros and their defaults
       >>common    alloc_result, alloc_stats, alloc_allocator, the writer, ALLOC_ON_ERROR
       >>arena     bump allocator: alloc, reset, save/restore marks, chained blocks
       >>game      double-ended stack (alloc_dstack), double-buffered frames (alloc_frames)
       >>wrap      alloc_locked (a lock around any allocator), alloc_failing (fault injection)
       >>helpers   (implementation) checked arithmetic, alignment, bit scans, reports
       >>licence   at the very end

   THE FAMILIES

       arena  Many allocations freed together (a frame, a request, a parse). A bump
              pointer moves through the caller's buffer; reset or restore a saved mark
              frees everything after it. No header per allocation: a 1 MiB arena holds a
              million 1-byte allocations. More blocks can be chained on, by the caller
              (alloc_arena_add) or taken from a parent alloc_allocator when one fills.
              alloc_arena_alloc_shared lets several threads bump one arena lock-free.
       dstack A double-ended stack: level data grows up from one end, temporaries down
              from the other, each end with its own marks; they fail cleanly when they meet.
       frames Two arenas taking turns: what frame N allocated stays valid during frame N+1.

   CONFIGURATION  (define before including; "all" = in every file that includes alloc.h,
                   "impl" = only where ALLOC_IMPLEMENTATION is defined)

       macro                  default                 where  meaning
       ALLOC_IMPLEMENTATION   undefined               impl   compile the implementation here
       ALLOC_STATIC           undefined               all    every function static (private copy)
       ALLOC_DEF              extern / static         all    linkage prefix of every function
       ALLOC_NO_ARENA         undefined               all    compile the arena out
       ALLOC_DEBUG            undefined               impl   misuse stops in ALLOC_ON_ERROR;
                                                             fresh/freed memory filled with patterns
       ALLOC_VALGRIND         undefined               impl   tell memcheck which bytes are free (needs
                                                             valgrind/memcheck.h); ASan needs nothing:
                                                             it is detected
       ALLOC_DUMP             undefined               impl   compile the text reports (_dump); needs
                                                             stb_sprintf.h on the include path
       ALLOC_STB_SPRINTF_H    "stb_sprintf.h"         impl   how the reports include stb_sprintf
       ALLOC_ASSERT(x)        assert(x)               impl   internal invariants only
       ALLOC_MEMCPY(d,s,n)    memcpy                  impl   copy used by realloc
       ALLOC_MEMSET(d,v,n)    memset                  impl   fill used by calloc and debug patterns
       ALLOC_ON_ERROR(c,p,m)  see >>common            impl   the one hook every misuse goes through

   CONCEPTS

       Ownership   Every allocator works inside memory the caller hands in, and keeps its
                   metadata there or in the handle struct the caller owns. No allocator ever
                   calls malloc, free, mmap or sbrk; there is no global state.
       Alignment   Every alignment argument must be a power of two (1 is allowed); anything
                   else fails. Arena blocks are aligned to exactly what was asked.
       Zero size   A request for 0 bytes returns NULL and changes nothing (it is not a
                   failure of memory, and it is not counted as one).
       Overflow    Every size computation is checked before it rounds: a request near
                   SIZE_MAX returns NULL, never a small live block.
       Failure     Out of memory returns NULL (or an alloc_result error code) and changes
                   nothing. Misuse that the allocator can detect (a foreign pointer, a stale
                   mark, a double free) changes nothing, is counted in the stats' error_count
                   and is reported once through ALLOC_ON_ERROR. free(NULL) is a no-op.
       Threads     No function locks and there is no shared state between instances:
                   distinct allocators may be used from distinct threads freely. Calls on
                   one allocator must be serialised: wrap it in alloc_locked (your mutex,
                   critical section or IRQ mask; wrappers nest) to share it. The one
                   lock-free call is alloc_arena_alloc_shared (GCC/Clang atomics).

   COMPLEXITY

       arena   alloc O(1) (a new chained block: O(blocks) to find one);
               reset O(blocks); save O(1); restore O(blocks); free/realloc of the newest O(1)
       dstack  every call O(1)
       frames  every call O(1) (begin resets one arena)

   VERSION HISTORY

       0.1.0   first release: arena, common interface, reports.
*/
#ifndef ALLOC_H_INCLUDED
#define ALLOC_H_INCLUDED

#define ALLOC_VERSION_MAJOR 0
#define ALLOC_VERSION_MINOR 1
#define ALLOC_VERSION_PATCH 0

/* >>config ============================================================================ */

#include <stddef.h>
#include <stdint.h>

#ifndef ALLOC_DEF
#  ifdef ALLOC_STATIC
     /* `unused` keeps -Wunused-function quiet for the functions a file does not call. */
#    if defined(__GNUC__) || defined(__clang__)
#      define ALLOC_DEF static __attribute__((unused))
#    else
#      define ALLOC_DEF static
#    endif
#  else
#    define ALLOC_DEF extern
#  endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* >>common ============================================================================ */

/* Every result code with its text, kept in one list so that the two cannot drift apart.
   X(name, value, text) */
#define ALLOC_RESULT_LIST(X)                                                              \
    X(ALLOC_OK,               0, "ok")                                                    \
    X(ALLOC_ERR_INVALID,     -1, "invalid argument")                                      \
    X(ALLOC_ERR_TOO_SMALL,   -2, "buffer too small for the metadata and one block")       \
    X(ALLOC_ERR_ALIGN,       -3, "alignment is not a power of two")                       \
    X(ALLOC_ERR_OVERFLOW,    -4, "size arithmetic overflows")                             \
    X(ALLOC_ERR_NO_MEMORY,   -5, "out of memory")                                         \
    X(ALLOC_ERR_DOUBLE_FREE, -6, "block is already free")                                 \
    X(ALLOC_ERR_FOREIGN,     -7, "pointer is not inside this allocator's memory")         \
    X(ALLOC_ERR_NOT_BLOCK,   -8, "pointer is not the start of a live block")              \
    X(ALLOC_ERR_STALE_MARK,  -9, "mark is stale or belongs to another arena")             \
    X(ALLOC_ERR_CORRUPT,    -10, "metadata is inconsistent")                              \
    X(ALLOC_ERR_OVERLAP,    -11, "region overlaps memory already under management")

#define ALLOC__RESULT_ENUM(name, value, text) name = value,
typedef enum alloc_result { ALLOC_RESULT_LIST(ALLOC__RESULT_ENUM) ALLOC__RESULT_END = 1 } alloc_result;
#undef ALLOC__RESULT_ENUM

/* alloc_result_string: the text of a result code ("unknown result" for any other value).
   Cost: O(1). Never returns NULL. */
ALLOC_DEF const char *alloc_result_string(alloc_result r);

/* The common interface: every family can be used through it (containers, engines,
   composition). `align` is a power of two; 0 means "the family's default". A family
   that cannot serve a request returns NULL. realloc(ctx, NULL, n, a) allocates;
   free(ctx, NULL) does nothing. */
typedef struct alloc_allocator {
    void *(*alloc)(void *ctx, size_t size, size_t align);
    void *(*realloc)(void *ctx, void *ptr, size_t size, size_t align);
    void  (*free)(void *ctx, void *ptr);
    void  *ctx;
} alloc_allocator;

/* Figures every family fills in; a figure a family cannot know is 0 and its doc says so.
   External fragmentation is 1 - largest_free / free. */
typedef struct alloc_stats {
    size_t capacity;       /* bytes under management (after the family's own metadata) */
    size_t used;           /* bytes in live blocks, their per-block overhead included */
    size_t free;           /* bytes that could still be handed out, in all free blocks */
    size_t largest_free;   /* the largest block that one call could hand out now */
    size_t peak_used;      /* the largest `used` seen */
    size_t live_blocks, free_blocks;
    size_t alloc_count, free_count, fail_count, error_count;
} alloc_stats;

/* The writer the reports stream through (a UART, a log, stdout): `len` bytes at `text`,
   not NUL-terminated. Reports are formatted in pieces of at most STB_SPRINTF_MIN bytes
   on the stack, so no large buffer is needed. */
typedef void (*alloc_write_fn)(void *user, const char *text, size_t len);

/* ALLOC_ON_ERROR(code, ptr, msg): called once for each misuse an allocator detects,
   after it has refused the call (nothing changed). `code` is an alloc_result, `ptr` the
   pointer involved (or NULL), `msg` a static string. Define it before the implementation
   to log or trap; the default does nothing in release builds and, with ALLOC_DEBUG,
   prints the message to stderr and aborts (hosted builds) or fails ALLOC_ASSERT. */

#ifndef ALLOC_NO_ARENA
/* >>arena ============================================================================= */

/* A chained block of an arena: a small header at the start of each block of memory the
   arena owns (the caller's buffer from init or alloc_arena_add, or one from the parent).
   Not API: read it through alloc_arena_stats and alloc_arena_dump. */
typedef struct alloc_arena_block {
    struct alloc_arena_block *next;   /* the next block in order of use */
    unsigned char *end;               /* one past the block's last byte */
    unsigned char *top;               /* first unused byte, once the arena has moved on */
    size_t from_parent;               /* 1 when the block came from the parent allocator */
} alloc_arena_block;

typedef struct alloc_arena {
    /* not API: the bump pointer and the block being bumped through */
    unsigned char     *top;           /* next free byte in `cur` */
    unsigned char     *end;           /* end of `cur` */
    unsigned char     *last;          /* start of the newest allocation, NULL if unknown */
    alloc_arena_block *cur;
    alloc_arena_block *first;
    alloc_allocator    parent;        /* parent.alloc == NULL: no parent */
    size_t             grow_size;     /* bytes asked of the parent for each new block */
    size_t             generation;    /* bumped by reset: marks saved before are stale */
    size_t             dead;          /* allocations released by restore/free/reset */
    size_t             peak;
    size_t             alloc_count, free_count, fail_count, error_count;
} alloc_arena;

/* A saved position of an arena, for scoped temporaries. Not API inside. */
typedef struct alloc_arena_mark {
    const alloc_arena       *arena;
    const alloc_arena_block *block;
    unsigned char           *top;
    size_t                   generation, live;
} alloc_arena_mark;

/* The bytes each block gives up to its header, so firmware can size its buffers. */
#define ALLOC_ARENA_BLOCK_OVERHEAD (sizeof(alloc_arena_block) + sizeof(void *) - 1)

/* alloc_arena_init: an empty arena over `buf` (any alignment) of `size` bytes.
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID if a or buf is NULL; ALLOC_ERR_TOO_SMALL if
             `size` cannot hold the block header and one byte. On failure *a is untouched.
   Cost:     O(1). */
ALLOC_DEF alloc_result alloc_arena_init(alloc_arena *a, void *buf, size_t size);

/* alloc_arena_init_parent: an arena with no memory of its own; every block is taken from
   `parent` when needed, at least `block_size` bytes each (0: 64 KiB).
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID if a is NULL or parent has no alloc function.
   Cost:     O(1); no memory is taken until the first allocation. */
ALLOC_DEF alloc_result alloc_arena_init_parent(alloc_arena *a, alloc_allocator parent, size_t block_size);

/* alloc_arena_set_parent: where an arena takes new blocks when its own are full.
   Blocks from the parent are kept across reset and given back by alloc_arena_destroy.
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID if a is NULL or parent has no alloc function. */
ALLOC_DEF alloc_result alloc_arena_set_parent(alloc_arena *a, alloc_allocator parent, size_t block_size);

/* alloc_arena_add: chain another caller block of `size` bytes, used when the blocks
   before it are full.
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID for NULL arguments; ALLOC_ERR_TOO_SMALL as init;
             ALLOC_ERR_OVERLAP if the block overlaps one the arena already has.
   Cost:     O(blocks). */
ALLOC_DEF alloc_result alloc_arena_add(alloc_arena *a, void *buf, size_t size);

/* alloc_arena_alloc: `size` bytes aligned to `align` (a power of two; 0 means 1).
   Returns:  the block, or NULL iff size is 0, align is not a power of two, or no block
             (nor the parent) can hold it. The contents are undefined.
   Cost:     O(1): a handful of instructions while the current block has room. */
ALLOC_DEF void *alloc_arena_alloc(alloc_arena *a, size_t size, size_t align);

/* alloc_arena_alloc_shared: alloc_arena_alloc that any number of threads may call at once
   on one arena: lock-free, one compare-and-swap on the top (GCC/Clang __atomic builtins;
   ALLOC_HAS_SHARED_ARENA is defined where it exists). It serves the current block only
   (no chaining, no parent) and records no newest allocation.
   Returns:  as alloc_arena_alloc; NULL also when the current block is full.
   Threads:  safe against itself only: reset, save, restore and every other call need all
             threads quiet (a frame's fan-out, then a join, then reset is the pattern).
   Cost:     O(1) plus retries under contention. */
#if defined(__GNUC__) || defined(__clang__)
#  define ALLOC_HAS_SHARED_ARENA 1
ALLOC_DEF void *alloc_arena_alloc_shared(alloc_arena *a, size_t size, size_t align);
#endif

/* alloc_arena_realloc: resize `p`. The newest allocation grows or shrinks in place when
   its block has room (and `p` already has the alignment); otherwise a new block is taken
   and min(size, the bytes allocated after p in its block) are copied, since an arena
   block has no header to say its size. realloc(NULL) allocates; size 0 frees and returns
   NULL.
   Returns:  the block, or NULL when out of memory (p stays valid and unchanged) or when
             p is not inside the arena (reported: ALLOC_ERR_FOREIGN).
   Cost:     O(1) in place; O(size) when it copies. */
ALLOC_DEF void *alloc_arena_realloc(alloc_arena *a, void *p, size_t size, size_t align);

/* alloc_arena_free: gives the newest allocation back (the top moves down to it); any
   other allocation of the arena is released only by reset or restore, so its free is a
   no-op. NULL is a no-op. A pointer outside the arena is reported (ALLOC_ERR_FOREIGN).
   Cost:     O(1) for the newest; O(blocks) to check ownership of others. */
ALLOC_DEF void alloc_arena_free(alloc_arena *a, void *p);

/* alloc_arena_reset: frees every allocation at once. All blocks stay chained (the next
   allocations reuse them); marks saved before become stale. Cost: O(blocks). */
ALLOC_DEF void alloc_arena_reset(alloc_arena *a);

/* alloc_arena_save / alloc_arena_restore: scoped temporaries. restore frees every
   allocation made after the save, and the bytes by which an older allocation grew in
   place after it; nested marks are restored in LIFO order (restoring an outer mark makes
   the inner ones stale). A stale mark (from before a reset, ahead of
   the current position) or one from another arena is refused through ALLOC_ON_ERROR
   (ALLOC_ERR_STALE_MARK) and nothing changes.
   Cost:     save O(1); restore O(blocks). */
ALLOC_DEF alloc_arena_mark alloc_arena_save(alloc_arena *a);
ALLOC_DEF void alloc_arena_restore(alloc_arena *a, alloc_arena_mark m);

/* alloc_arena_destroy: gives every block taken from the parent back to it and leaves the
   arena empty over its caller blocks (if any). Cost: O(blocks). */
ALLOC_DEF void alloc_arena_destroy(alloc_arena *a);

/* alloc_arena_owns: 1 if p points into one of the arena's blocks, else 0. O(blocks). */
ALLOC_DEF int alloc_arena_owns(const alloc_arena *a, const void *p);

/* alloc_arena_stats: the common figures. capacity: bytes in all blocks after headers;
   used: bytes below the top, alignment padding included; free: bytes after the top in
   the current block plus every later block; largest_free: the largest of those runs;
   live_blocks: allocations not yet released by reset/restore/free; free_blocks: blocks
   not yet started; free_count: newest-allocation frees. Cost: O(blocks). */
ALLOC_DEF void alloc_arena_stats(const alloc_arena *a, alloc_stats *out);

/* alloc_arena_check: walks every block. Returns ALLOC_OK when the chain, the top and the
   newest-allocation pointer are consistent, else ALLOC_ERR_CORRUPT. Cost: O(blocks^2). */
ALLOC_DEF alloc_result alloc_arena_check(const alloc_arena *a);

/* alloc_arena_allocator: the arena behind the common interface; free releases only the
   newest allocation (see alloc_arena_free). */
ALLOC_DEF alloc_allocator alloc_arena_allocator(alloc_arena *a);

#if !defined(ALLOC_STATIC) || defined(ALLOC_DUMP)
/* alloc_arena_dump (ALLOC_DUMP): draws each block as a bar of its fill level, with the
   stats, through `write`. Cost: O(blocks). */
ALLOC_DEF void alloc_arena_dump(const alloc_arena *a, alloc_write_fn write, void *user);
#endif
#endif /* ALLOC_NO_ARENA */

/* @@heap-api@@ */

/* @@buddy-api@@ */

/* @@slab-api@@ */

#ifndef ALLOC_NO_ARENA
/* >>game ============================================================================== */
/* Allocators for engines, built on the arena's idea: a double-ended stack and
   double-buffered frames. */

/* Which end of a double-ended stack. */
typedef enum alloc_end { ALLOC_LOW = 0, ALLOC_HIGH = 1 } alloc_end;

/* A double-ended stack: one buffer, one bump stack growing up from the bottom (say level
   data) and one growing down from the top (say per-frame temporaries). Each end has its
   own marks; an allocation that would make them meet fails cleanly. Not API inside. */
typedef struct alloc_dstack {
    unsigned char *base, *limit;     /* the buffer */
    unsigned char *top[2];           /* [LOW]: first free byte; [HIGH]: one past the last free byte */
    size_t generation[2];            /* bumped by reset of that end: older marks are stale */
    size_t live[2];
    size_t peak, alloc_count, fail_count, error_count;
} alloc_dstack;

typedef struct alloc_dstack_mark {
    const alloc_dstack *stack;
    unsigned char      *pos;
    size_t              generation, live;
    alloc_end           end;
} alloc_dstack_mark;

/* alloc_dstack_init: both stacks empty over `buf` (any alignment) of `size` bytes.
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID if d or buf is NULL or size is 0. Cost: O(1). */
ALLOC_DEF alloc_result alloc_dstack_init(alloc_dstack *d, void *buf, size_t size);

/* alloc_dstack_alloc: `size` bytes aligned to `align` (power of two; 0 means 1) from the
   given end.
   Returns:  the block, or NULL iff size is 0, align is not a power of two, or the block
             would cross the other stack's top (nothing changes then).
   Cost:     O(1). */
ALLOC_DEF void *alloc_dstack_alloc(alloc_dstack *d, alloc_end end, size_t size, size_t align);

/* alloc_dstack_reset: frees everything on one end; marks of that end become stale. O(1). */
ALLOC_DEF void alloc_dstack_reset(alloc_dstack *d, alloc_end end);

/* alloc_dstack_save / alloc_dstack_restore: scoped temporaries on one end, nested in LIFO
   order. A mark from another stack, from before a reset of its end, or ahead of the
   current top of its end is refused through ALLOC_ON_ERROR (ALLOC_ERR_STALE_MARK). O(1). */
ALLOC_DEF alloc_dstack_mark alloc_dstack_save(alloc_dstack *d, alloc_end end);
ALLOC_DEF void alloc_dstack_restore(alloc_dstack *d, alloc_dstack_mark m);

/* alloc_dstack_stats: used = both stacks' bytes (padding included); free = the gap
   between them (== largest_free); live_blocks = allocations on both ends. O(1). */
ALLOC_DEF void alloc_dstack_stats(const alloc_dstack *d, alloc_stats *out);

/* alloc_dstack_check: ALLOC_OK when base <= low top <= high top <= limit. O(1). */
ALLOC_DEF alloc_result alloc_dstack_check(const alloc_dstack *d);

#if !defined(ALLOC_STATIC) || defined(ALLOC_DUMP)
/* alloc_dstack_dump (ALLOC_DUMP): one bar, low stack '<' from the left, high stack '>'
   from the right, the gap '.' between. */
ALLOC_DEF void alloc_dstack_dump(const alloc_dstack *d, alloc_write_fn write, void *user);
#endif

/* Double-buffered frames: two arenas over one buffer. alloc_frames_begin starts a frame:
   it resets the older arena and makes it current, so what the previous frame allocated
   stays valid for exactly one more frame (a GPU upload, a result read next frame). */
typedef struct alloc_frames {
    alloc_arena arena[2];            /* not API: use alloc_frames_current/_previous */
    size_t      frame;               /* frames begun; arena[frame & 1] is current */
} alloc_frames;

/* alloc_frames_init: splits `buf` into two arenas of equal size.
   Returns:  ALLOC_OK, or what alloc_arena_init returns for a half. Cost: O(1). */
ALLOC_DEF alloc_result alloc_frames_init(alloc_frames *f, void *buf, size_t size);

/* alloc_frames_begin: the next frame; the frame before the previous one is freed. O(1). */
ALLOC_DEF void alloc_frames_begin(alloc_frames *f);

/* alloc_frames_alloc: alloc_arena_alloc on the current frame's arena. O(1). */
ALLOC_DEF void *alloc_frames_alloc(alloc_frames *f, size_t size, size_t align);

/* The arenas themselves (for marks, stats, dumps). */
ALLOC_DEF alloc_arena *alloc_frames_current(alloc_frames *f);
ALLOC_DEF alloc_arena *alloc_frames_previous(alloc_frames *f);
#endif /* ALLOC_NO_ARENA */

/* >>wrap ============================================================================== */
/* Wrappers that put something around any alloc_allocator: a lock, or injected faults. */

/* A lock around every call of an inner allocator, for sharing one allocator between
   threads. The lock functions are the caller's (a mutex, a critical section, an IRQ
   mask). Wrappers nest correctly: a locked slab whose source is a locked buddy takes the
   slab's lock, then the buddy's, and releases them in reverse order. */
typedef struct alloc_locked {
    alloc_allocator inner;
    void (*lock)(void *lock_ctx);
    void (*unlock)(void *lock_ctx);
    void *lock_ctx;
} alloc_locked;

/* alloc_locked_init: wraps `inner`.
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID if l is NULL, inner has no alloc, or exactly one
             of lock/unlock is NULL. Cost: O(1). */
ALLOC_DEF alloc_result alloc_locked_init(alloc_locked *l, alloc_allocator inner,
                                         void (*lock)(void *), void (*unlock)(void *), void *lock_ctx);
/* alloc_locked_allocator: the wrapper behind the common interface. */
ALLOC_DEF alloc_allocator alloc_locked_allocator(alloc_locked *l);

/* Fault injection: an allocator that fails on purpose, to prove that code using an
   allocator survives every failure. Allocation number `fail_at` (1 = the first) fails,
   and with ALLOC_FAIL_FROM every later one too; frees always pass through. */
typedef enum alloc_fail_mode { ALLOC_FAIL_ONCE = 0, ALLOC_FAIL_FROM = 1 } alloc_fail_mode;
typedef struct alloc_failing {
    alloc_allocator inner;
    size_t          fail_at;         /* 0: never fail */
    alloc_fail_mode mode;
    size_t          calls;           /* allocations asked so far (alloc and growing realloc) */
    size_t          failed;          /* of which failed on purpose */
    size_t          live;            /* blocks handed out and not yet freed */
} alloc_failing;

/* alloc_failing_init: wraps `inner`; counters start at 0.
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID if f is NULL or inner has no alloc. O(1). */
ALLOC_DEF alloc_result alloc_failing_init(alloc_failing *f, alloc_allocator inner, size_t fail_at, alloc_fail_mode mode);
/* alloc_failing_allocator: the wrapper behind the common interface. */
ALLOC_DEF alloc_allocator alloc_failing_allocator(alloc_failing *f);

#ifdef __cplusplus
}
#endif
#endif /* ALLOC_H_INCLUDED */

/* ===================================================================================== */
/*                                   IMPLEMENTATION                                      */
/* ===================================================================================== */
#if defined(ALLOC_IMPLEMENTATION) && !defined(ALLOC__IMPLEMENTATION_DONE)
#define ALLOC__IMPLEMENTATION_DONE

/* >>helpers =========================================================================== */

#if !defined(ALLOC_MEMCPY) || !defined(ALLOC_MEMSET)
#  include <string.h>
#endif
#ifndef ALLOC_MEMCPY
#  define ALLOC_MEMCPY(d, s, n) memcpy((d), (s), (n))
#endif
#ifndef ALLOC_MEMSET
#  define ALLOC_MEMSET(d, v, n) memset((d), (v), (n))
#endif
#ifndef ALLOC_ASSERT
#  include <assert.h>
#  define ALLOC_ASSERT(x) assert(x)
#endif

#ifndef ALLOC_ON_ERROR
#  if defined(ALLOC_DEBUG) && (!defined(__STDC_HOSTED__) || __STDC_HOSTED__ == 0)
#    define ALLOC_ON_ERROR(code, ptr, msg) ALLOC_ASSERT(!(msg))
#  elif defined(ALLOC_DEBUG)
#    include <stdio.h>
#    include <stdlib.h>
#    define ALLOC_ON_ERROR(code, ptr, msg) \
       (fprintf(stderr, "alloc.h: %s (%s, %p)\n", (msg), alloc_result_string(code), (ptr)), abort())
#  else
#    define ALLOC_ON_ERROR(code, ptr, msg) ((void)(code), (void)(ptr), (void)(msg))
#  endif
#endif

/* Fills for ALLOC_DEBUG: fresh memory and freed memory look different in a debugger. */
#define ALLOC__FRESH_BYTE 0xCD
#define ALLOC__FREED_BYTE 0xDD

/* AddressSanitizer: bytes of the caller's memory outside live blocks are poisoned, so a
   use after free or an overrun inside our own buffer is caught. */
#if defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define ALLOC__ASAN 1
#  endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(ALLOC__ASAN)
#  define ALLOC__ASAN 1
#endif
#ifdef ALLOC__ASAN
#  include <sanitizer/asan_interface.h>
#  define ALLOC__POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#  define ALLOC__UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#elif defined(ALLOC_VALGRIND)
   /* The same through memcheck's client requests: free bytes are no-access, fresh ones
      undefined (so a read of uninitialised allocation bytes is reported too). */
#  include <valgrind/memcheck.h>
#  define ALLOC__POISON(p, n)   ((void)VALGRIND_MAKE_MEM_NOACCESS((p), (n)))
#  define ALLOC__UNPOISON(p, n) ((void)VALGRIND_MAKE_MEM_UNDEFINED((p), (n)))
#else
#  define ALLOC__POISON(p, n)   ((void)(p), (void)(n))
#  define ALLOC__UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define ALLOC__LIKELY(x)   __builtin_expect(!!(x), 1)
#  define ALLOC__UNLIKELY(x) __builtin_expect(!!(x), 0)
#  define ALLOC__NOINLINE    __attribute__((noinline))
#else
#  define ALLOC__LIKELY(x)   (x)
#  define ALLOC__UNLIKELY(x) (x)
#  define ALLOC__NOINLINE
#endif

/* Private functions are ALLOC__FN (always static; marked unused because a helper that a
   compiled-out family needed must not warn); ALLOC__INLINE adds the inline hint. */
#if defined(__GNUC__) || defined(__clang__)
#  define ALLOC__FN static __attribute__((unused))
#else
#  define ALLOC__FN static
#endif
#if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#  define ALLOC__INLINE ALLOC__FN inline
#else
#  define ALLOC__INLINE ALLOC__FN
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define ALLOC__RESULT_CASE(name, value, text) case name: return text;
ALLOC_DEF const char *alloc_result_string(alloc_result r)
{
    switch (r) {
        ALLOC_RESULT_LIST(ALLOC__RESULT_CASE)
        default: break;
    }
    return "unknown result";
}
#undef ALLOC__RESULT_CASE

/* 1 iff x is a power of two (0 is not). */
ALLOC__INLINE int alloc__is_pow2(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* *out = a + b; 0 when the sum wraps (and *out is then unspecified). */
ALLOC__INLINE int alloc__add(size_t a, size_t b, size_t *out)
{
    *out = a + b;
    return *out >= a;
}

/* *out = a * b; 0 when the product wraps. */
ALLOC__INLINE int alloc__mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > (size_t)-1 / a) return 0;
    *out = a * b;
    return 1;
}

/* Bytes needed to move address p up to a multiple of align (a power of two). */
ALLOC__INLINE size_t alloc__pad(uintptr_t p, size_t align)
{
    return (size_t)(((uintptr_t)0 - p) & (uintptr_t)(align - 1));
}

/* The bit scans, picked by sizeof(size_t) so that 16-, 32- and 64-bit size_t (and LLP64,
   where long is 32 bits) all get the right builtin. x must not be 0. */
#define ALLOC__SIZE_BITS ((int)(sizeof(size_t) * 8))
ALLOC__INLINE int alloc__clz(size_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    if (sizeof(size_t) == sizeof(unsigned))
        return __builtin_clz((unsigned)x) - (int)(sizeof(unsigned) * 8) + ALLOC__SIZE_BITS;
    if (sizeof(size_t) == sizeof(unsigned long))
        return __builtin_clzl((unsigned long)x);
    return __builtin_clzll((unsigned long long)x) - (int)(sizeof(unsigned long long) * 8) + ALLOC__SIZE_BITS;
#else
    int n = 0;
    size_t top = (size_t)1 << (ALLOC__SIZE_BITS - 1);
    while (!(x & top)) { x <<= 1; n++; }
    return n;
#endif
}
ALLOC__INLINE int alloc__ctz(size_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    if (sizeof(size_t) <= sizeof(unsigned)) return __builtin_ctz((unsigned)x);
    if (sizeof(size_t) == sizeof(unsigned long)) return __builtin_ctzl((unsigned long)x);
    return __builtin_ctzll((unsigned long long)x);
#else
    int n = 0;
    while (!(x & 1u)) { x >>= 1; n++; }
    return n;
#endif
}
/* floor(log2(x)) for x > 0. */
ALLOC__INLINE int alloc__log2(size_t x) { return ALLOC__SIZE_BITS - 1 - alloc__clz(x); }

/* Reports: printf-style text streamed through the user's writer in small pieces. */
#ifdef ALLOC_DUMP
#  ifndef ALLOC_STB_SPRINTF_H
#    define ALLOC_STB_SPRINTF_H "stb_sprintf.h"
#  endif
#  include ALLOC_STB_SPRINTF_H
#  include <stdarg.h>

typedef struct alloc__writer {
    alloc_write_fn write;
    void *user;
    char buf[STB_SPRINTF_MIN];
} alloc__writer;

ALLOC__FN char *alloc__writer_flush(const char *text, void *user, int len)
{
    alloc__writer *w = (alloc__writer *)user;
    if (len > 0) w->write(w->user, text, (size_t)len);
    return w->buf;
}

ALLOC__FN void alloc__printf(alloc__writer *w, const char *fmt, ...) STBSP__ATTRIBUTE_FORMAT(2, 3);
ALLOC__FN void alloc__printf(alloc__writer *w, const char *fmt, ...)
{
    va_list va;
    va_start(va, fmt);
    STB_SPRINTF_DECORATE(vsprintfcb)(alloc__writer_flush, w, w->buf, fmt, va);
    va_end(va);
}

/* A bar of `width` cells, `filled` of them drawn with `on` and the rest with `off`. */
ALLOC__FN void alloc__bar(alloc__writer *w, size_t filled, size_t width, char on, char off)
{
    char cells[64];
    size_t i;
    if (width > sizeof cells) width = sizeof cells;
    if (filled > width) filled = width;
    for (i = 0; i < width; i++) cells[i] = i < filled ? on : off;
    w->write(w->user, cells, width);
}

/* The common figures, one format for every family. */
ALLOC__FN void alloc__print_stats(alloc__writer *w, const alloc_stats *s)
{
    alloc__printf(w,
        "  capacity %zu  used %zu  free %zu  largest free %zu  peak %zu\n"
        "  live %zu  free blocks %zu  allocs %zu  frees %zu  fails %zu  errors %zu\n",
        s->capacity, s->used, s->free, s->largest_free, s->peak_used,
        s->live_blocks, s->free_blocks, s->alloc_count, s->free_count,
        s->fail_count, s->error_count);
}
#endif /* ALLOC_DUMP */

#ifndef ALLOC_NO_ARENA
/* >>arena ============================================================================= */
/* The bump allocator. The arena owns a chain of blocks; `top` moves up through the
   current block and an allocation is just "round top up to the alignment, move it past
   the size". Nothing is recorded per allocation: freeing happens all at once, by reset
   (top back to the first block) or by restoring a saved mark (top back to where it was).

   Invariants:
   - first -> ... -> cur -> ... is the chain in order of use; blocks after cur are empty
     and blocks before cur have their final `top` recorded in their header.
   - cur's start <= last <= top <= end == cur->end (when there is a cur).
   - a mark is valid while its generation matches and its position is not ahead of ours.
   ASan: every byte from top to the end of the block is poisoned, so reading past the
   newest allocation is caught; below top everything, padding included, is open (a moving
   realloc copies up to the top, since no allocation records its size). */

#define ALLOC__ARENA_DEFAULT_GROW ((size_t)64 * 1024)

ALLOC__FN unsigned char *alloc__arena_block_start(alloc_arena_block *blk)
{
    return (unsigned char *)(blk + 1);
}

/* Lays a block header at the first pointer-aligned address of [buf, buf+size). */
ALLOC__FN alloc_arena_block *alloc__arena_make_block(void *buf, size_t size, size_t from_parent)
{
    size_t pad = alloc__pad((uintptr_t)buf, sizeof(void *));
    alloc_arena_block *blk;
    if (size < pad || size - pad <= sizeof(alloc_arena_block)) return NULL;
    ALLOC__UNPOISON(buf, size);   /* the caller may hand in memory an old arena poisoned */
    blk = (alloc_arena_block *)(void *)((unsigned char *)buf + pad);
    blk->next = NULL;
    blk->end = (unsigned char *)buf + size;
    blk->top = alloc__arena_block_start(blk);
    blk->from_parent = from_parent;
    ALLOC__POISON(blk->top, (size_t)(blk->end - blk->top));
    return blk;
}

ALLOC__FN void alloc__arena_enter(alloc_arena *a, alloc_arena_block *blk)
{
    a->cur = blk;
    a->top = alloc__arena_block_start(blk);
    a->end = blk->end;
    blk->top = a->top;
}

ALLOC__FN void alloc__arena_zero(alloc_arena *a)
{
    ALLOC_MEMSET(a, 0, sizeof *a);
}

ALLOC__FN size_t alloc__arena_used_now(const alloc_arena *a)
{
    const alloc_arena_block *b;
    size_t used = 0;
    for (b = a->first; b != NULL; b = b->next) {
        const unsigned char *t = b == a->cur ? a->top : b->top;
        used += (size_t)(t - alloc__arena_block_start((alloc_arena_block *)(uintptr_t)b));
        if (b == a->cur) break;
    }
    return used;
}

/* Called before `top` moves down: the peak is only ever lost there. */
ALLOC__FN void alloc__arena_note_peak(alloc_arena *a)
{
    size_t used = alloc__arena_used_now(a);
    if (used > a->peak) a->peak = used;
}

ALLOC_DEF alloc_result alloc_arena_init(alloc_arena *a, void *buf, size_t size)
{
    alloc_arena_block *blk;
    if (a == NULL || buf == NULL) return ALLOC_ERR_INVALID;
    blk = alloc__arena_make_block(buf, size, 0);
    if (blk == NULL) return ALLOC_ERR_TOO_SMALL;
    alloc__arena_zero(a);
    a->first = blk;
    alloc__arena_enter(a, blk);
    return ALLOC_OK;
}

ALLOC_DEF alloc_result alloc_arena_set_parent(alloc_arena *a, alloc_allocator parent, size_t block_size)
{
    if (a == NULL || parent.alloc == NULL) return ALLOC_ERR_INVALID;
    a->parent = parent;
    a->grow_size = block_size ? block_size : ALLOC__ARENA_DEFAULT_GROW;
    return ALLOC_OK;
}

ALLOC_DEF alloc_result alloc_arena_init_parent(alloc_arena *a, alloc_allocator parent, size_t block_size)
{
    if (a == NULL || parent.alloc == NULL) return ALLOC_ERR_INVALID;
    alloc__arena_zero(a);
    return alloc_arena_set_parent(a, parent, block_size);
}

ALLOC__FN alloc_arena_block *alloc__arena_last_block(const alloc_arena *a)
{
    alloc_arena_block *b = a->first;
    while (b != NULL && b->next != NULL) b = b->next;
    return b;
}

/* Appends blk to the chain; enters it when the arena has no block yet. */
ALLOC__FN void alloc__arena_append(alloc_arena *a, alloc_arena_block *blk)
{
    alloc_arena_block *tail = alloc__arena_last_block(a);
    if (tail == NULL) {
        a->first = blk;
        alloc__arena_enter(a, blk);
    } else {
        tail->next = blk;
    }
}

ALLOC_DEF alloc_result alloc_arena_add(alloc_arena *a, void *buf, size_t size)
{
    alloc_arena_block *b, *blk;
    uintptr_t lo = (uintptr_t)buf, hi;
    if (a == NULL || buf == NULL) return ALLOC_ERR_INVALID;
    if (lo + size < lo) return ALLOC_ERR_OVERFLOW;
    hi = lo + size;
    for (b = a->first; b != NULL; b = b->next)
        if (lo < (uintptr_t)b->end && (uintptr_t)b < hi) return ALLOC_ERR_OVERLAP;
    blk = alloc__arena_make_block(buf, size, 0);
    if (blk == NULL) return ALLOC_ERR_TOO_SMALL;
    alloc__arena_append(a, blk);
    return ALLOC_OK;
}

/* Moves on to the first later block that can hold the request, taking a new one from the
   parent when none can. Returns the allocation, or NULL with nothing changed. */
ALLOC__FN ALLOC__NOINLINE void *alloc__arena_alloc_slow(alloc_arena *a, size_t size, size_t align)
{
    alloc_arena_block *b;
    unsigned char *p;
    size_t need;
    if (align == 0) align = 1;
    if (size == 0 || !alloc__is_pow2(align)) return NULL;   /* impossible, not a failure */
    if (a->cur != NULL && alloc__pad((uintptr_t)a->top, align) <= (size_t)(a->end - a->top) &&
        size <= (size_t)(a->end - a->top) - alloc__pad((uintptr_t)a->top, align)) {
        b = a->cur;   /* align was 0: the current block has room after all */
        p = a->top + alloc__pad((uintptr_t)a->top, align);
        goto found;
    }
    for (b = a->cur ? a->cur->next : a->first; b != NULL; b = b->next) {
        unsigned char *start = alloc__arena_block_start(b);
        size_t pad = alloc__pad((uintptr_t)start, align);
        size_t room = (size_t)(b->end - start);
        if (pad <= room && size <= room - pad) break;
    }
    if (b == NULL && a->parent.alloc != NULL) {
        /* A new block: the header, the worst-case padding and the request must fit. */
        size_t hdr = sizeof(alloc_arena_block);
        size_t palign = align > sizeof(void *) ? align : sizeof(void *);
        void *mem;
        if (alloc__add(size, hdr, &need) && alloc__add(need, align - 1, &need)) {
            if (need < a->grow_size) need = a->grow_size;
            mem = a->parent.alloc(a->parent.ctx, need, palign);
            if (mem != NULL) {
                b = alloc__arena_make_block(mem, need, 1);
                /* destroy hands back the header's address: it must be the parent's. */
                if (b != NULL && (void *)b != mem) b = NULL;
                if (b == NULL) {
                    if (a->parent.free) a->parent.free(a->parent.ctx, mem);
                } else if (a->cur == NULL) {
                    a->first = b;
                } else {
                    /* Insert right after cur, so the chain stays in order of use. */
                    b->next = a->cur->next;
                    a->cur->next = b;
                }
            }
        }
    }
    if (b == NULL) {
        a->fail_count++;
        return NULL;
    }
    if (a->cur != NULL) a->cur->top = a->top;
    alloc__arena_enter(a, b);
    p = a->top + alloc__pad((uintptr_t)a->top, align);
found:
    ALLOC__UNPOISON(a->top, (size_t)(p - a->top) + size);
    a->top = p + size;
    a->last = p;
    a->alloc_count++;
#ifdef ALLOC_DEBUG
    ALLOC_MEMSET(p, ALLOC__FRESH_BYTE, size);
#endif
    return p;
}

ALLOC_DEF void *alloc_arena_alloc(alloc_arena *a, size_t size, size_t align)
{
    /* The fast path. pad and size are checked against the room separately, so no sum can
       wrap; size - 1 < ... also refuses size 0. align 0 makes the mask all ones, so its
       pad exceeds the room and it goes to the slow path too (which reads it as 1). */
    size_t pad = (size_t)((uintptr_t)0 - (uintptr_t)a->top) & (align - 1);
    size_t room = (size_t)(a->end - a->top);
    if (ALLOC__LIKELY((align & (align - 1)) == 0 && pad <= room && size - 1 < room - pad)) {
        unsigned char *p = a->top + pad;
        ALLOC__UNPOISON(a->top, pad + size);   /* the padding too: all below top is open */
        a->top = p + size;
        a->last = p;
        a->alloc_count++;
#ifdef ALLOC_DEBUG
        ALLOC_MEMSET(p, ALLOC__FRESH_BYTE, size);
#endif
        return p;
    }
    return alloc__arena_alloc_slow(a, size, align);
}

#ifdef ALLOC_HAS_SHARED_ARENA
ALLOC_DEF void *alloc_arena_alloc_shared(alloc_arena *a, size_t size, size_t align)
{
    unsigned char *top, *p;
    if (align == 0) align = 1;
    if (size == 0 || !alloc__is_pow2(align)) return NULL;
#ifdef ALLOC__ASAN
    /* ASan keeps one shadow byte per 8 bytes: two threads must never share a granule. */
    if (align < 8) align = 8;
#endif
    top = __atomic_load_n(&a->top, __ATOMIC_RELAXED);
    do {
        size_t pad = alloc__pad((uintptr_t)top, align);
        size_t room = (size_t)(a->end - top);
        if (top == NULL || pad > room || size > room - pad) {
            __atomic_fetch_add(&a->fail_count, 1, __ATOMIC_RELAXED);
            return NULL;
        }
        p = top + pad;
        /* Relaxed is enough: no data is published through top, each thread owns its range. */
    } while (!__atomic_compare_exchange_n(&a->top, &top, p + size, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    __atomic_fetch_add(&a->alloc_count, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&a->last, __ATOMIC_RELAXED) != NULL) __atomic_store_n(&a->last, (unsigned char *)NULL, __ATOMIC_RELAXED);
    ALLOC__UNPOISON(p, size);
#ifdef ALLOC_DEBUG
    ALLOC_MEMSET(p, ALLOC__FRESH_BYTE, size);
#endif
    return p;
}
#endif

/* The block of the chain that holds p, or NULL. */
ALLOC__FN alloc_arena_block *alloc__arena_find(const alloc_arena *a, const void *p)
{
    alloc_arena_block *b;
    uintptr_t q = (uintptr_t)p;
    for (b = a->first; b != NULL; b = b->next)
        if (q >= (uintptr_t)alloc__arena_block_start(b) && q < (uintptr_t)b->end) return b;
    return NULL;
}

ALLOC_DEF int alloc_arena_owns(const alloc_arena *a, const void *p)
{
    return a != NULL && p != NULL && alloc__arena_find(a, p) != NULL;
}

ALLOC__FN void alloc__arena_error(alloc_arena *a, alloc_result code, const void *p, const char *msg)
{
    a->error_count++;
    ALLOC_ON_ERROR(code, (void *)(uintptr_t)p, msg);
}

ALLOC_DEF void alloc_arena_free(alloc_arena *a, void *p)
{
    if (p == NULL) return;
    if (p == a->last) {
        /* The newest allocation: move the top back down to it. */
        size_t n = (size_t)(a->top - a->last);
        alloc__arena_note_peak(a);
#ifdef ALLOC_DEBUG
        ALLOC_MEMSET(a->last, ALLOC__FREED_BYTE, n);
#endif
        ALLOC__POISON(a->last, n);
        a->top = a->last;
        a->last = NULL;
        a->free_count++;
        a->dead++;
        return;
    }
    if (alloc__arena_find(a, p) == NULL)
        alloc__arena_error(a, ALLOC_ERR_FOREIGN, p, "arena free: pointer is not inside the arena");
    /* Any other allocation is released by reset or restore. */
}

ALLOC_DEF void *alloc_arena_realloc(alloc_arena *a, void *p, size_t size, size_t align)
{
    alloc_arena_block *b;
    unsigned char *q, *used_end;
    if (p == NULL) return alloc_arena_alloc(a, size, align);
    if (size == 0) {
        alloc_arena_free(a, p);
        return NULL;
    }
    if (align == 0) align = 1;
    if (!alloc__is_pow2(align)) return NULL;
    if (p == a->last && alloc__pad((uintptr_t)p, align) == 0 && size <= (size_t)(a->end - a->last)) {
        /* Grow or shrink the newest allocation in place. */
        size_t old = (size_t)(a->top - a->last);
        if (size < old) {
            alloc__arena_note_peak(a);
            ALLOC__POISON(a->last + size, old - size);
        } else {
            ALLOC__UNPOISON(a->last + old, size - old);
        }
        a->top = a->last + size;
        return p;
    }
    b = alloc__arena_find(a, p);
    if (b == NULL) {
        alloc__arena_error(a, ALLOC_ERR_FOREIGN, p, "arena realloc: pointer is not inside the arena");
        return NULL;
    }
    /* Elsewhere: the old size is not recorded, so copy what was allocated after p. */
    used_end = b == a->cur ? a->top : b->top;
    q = (unsigned char *)alloc_arena_alloc(a, size, align);
    if (q == NULL) return NULL;
    {
        size_t n = (uintptr_t)p < (uintptr_t)used_end ? (size_t)(used_end - (unsigned char *)p) : 0;
        if (n > size) n = size;
        if (n > 0) ALLOC_MEMCPY(q, p, n); /* q lies above every byte of p's run */
    }
    return q;
}

ALLOC_DEF void alloc_arena_reset(alloc_arena *a)
{
    alloc_arena_block *b;
    alloc__arena_note_peak(a);
    for (b = a->first; b != NULL; b = b->next) {
        unsigned char *start = alloc__arena_block_start(b);
        unsigned char *t = b == a->cur ? a->top : b->top;
#ifdef ALLOC_DEBUG
        if (t > start) ALLOC_MEMSET(start, ALLOC__FREED_BYTE, (size_t)(t - start));
#endif
        (void)t;
        ALLOC__POISON(start, (size_t)(b->end - start));
        b->top = start;
    }
    if (a->first != NULL) alloc__arena_enter(a, a->first);
    a->last = NULL;
    a->generation++;
    a->dead = a->alloc_count;
}

ALLOC_DEF alloc_arena_mark alloc_arena_save(alloc_arena *a)
{
    alloc_arena_mark m;
    m.arena = a;
    m.block = a->cur;
    m.top = a->top;
    m.generation = a->generation;
    m.live = a->alloc_count - a->dead;
    return m;
}

ALLOC_DEF void alloc_arena_restore(alloc_arena *a, alloc_arena_mark m)
{
    alloc_arena_block *b;
    int found = 0;
    if (m.arena != a || m.generation != a->generation) {
        alloc__arena_error(a, ALLOC_ERR_STALE_MARK, m.top, "arena restore: mark is from another arena or from before a reset");
        return;
    }
    if (m.block == NULL) {
        /* Saved before the arena had any block: restoring empties it. */
        found = 1;
    } else {
        /* The mark's block must be cur or before it, and not ahead of our top. */
        for (b = a->first; b != NULL; b = b->next) {
            if (b == m.block) { found = 1; break; }
            if (b == a->cur) break;
        }
        if (found && m.block == a->cur && m.top > a->top) found = 0;
        if (found && (m.top < alloc__arena_block_start((alloc_arena_block *)(uintptr_t)m.block) || m.top > m.block->end)) found = 0;
    }
    if (!found) {
        alloc__arena_error(a, ALLOC_ERR_STALE_MARK, m.top, "arena restore: mark is ahead of the current position");
        return;
    }
    alloc__arena_note_peak(a);
    /* Every block after the mark's block, up to cur, becomes empty again. */
    if (m.block == NULL) {
        for (b = a->first; b != NULL; b = b->next) {
            ALLOC__POISON(alloc__arena_block_start(b), (size_t)(b->end - alloc__arena_block_start(b)));
            b->top = alloc__arena_block_start(b);
        }
        if (a->first != NULL) alloc__arena_enter(a, a->first);
    } else {
        if (a->cur != NULL) a->cur->top = a->top;
        for (b = m.block->next; b != NULL; b = b->next) {
            unsigned char *start = alloc__arena_block_start(b);
            ALLOC__POISON(start, (size_t)(b->end - start));
            b->top = start;
            if (b == a->cur) break;
        }
        a->cur = (alloc_arena_block *)(uintptr_t)m.block;
        a->top = m.top;
        a->end = a->cur->end;
        ALLOC__POISON(a->top, (size_t)(a->end - a->top));
    }
    a->last = NULL;
    a->dead = a->alloc_count - m.live;
}

ALLOC_DEF void alloc_arena_destroy(alloc_arena *a)
{
    alloc_arena_block *b = a->first, *next, **link = &a->first;
    alloc__arena_note_peak(a);
    while (b != NULL) {
        next = b->next;
        if (b->from_parent) {
            *link = next;
            if (a->parent.free != NULL) {
                ALLOC__UNPOISON(b, (size_t)(b->end - (unsigned char *)b));
                a->parent.free(a->parent.ctx, b);
            }
        } else {
            link = &b->next;
        }
        b = next;
    }
    a->cur = NULL;
    a->top = a->end = NULL;
    if (a->first != NULL) alloc__arena_enter(a, a->first);
    alloc_arena_reset(a);
}

ALLOC_DEF void alloc_arena_stats(const alloc_arena *a, alloc_stats *out)
{
    const alloc_arena_block *b;
    int after = a->cur == NULL;
    ALLOC_MEMSET(out, 0, sizeof *out);
    for (b = a->first; b != NULL; b = b->next) {
        unsigned char *start = alloc__arena_block_start((alloc_arena_block *)(uintptr_t)b);
        size_t cap = (size_t)(b->end - start), run = 0;
        out->capacity += cap;
        if (b == a->cur) {
            out->used += (size_t)(a->top - start);
            run = (size_t)(a->end - a->top);
            after = 1;
        } else if (after) {
            run = cap;
            out->free_blocks++;
        } else {
            out->used += (size_t)(b->top - start);
        }
        out->free += run;
        if (run > out->largest_free) out->largest_free = run;
    }
    out->peak_used = a->peak > out->used ? a->peak : out->used;
    out->live_blocks = a->alloc_count - a->dead;
    out->alloc_count = a->alloc_count;
    out->free_count = a->free_count;
    out->fail_count = a->fail_count;
    out->error_count = a->error_count;
}

ALLOC_DEF alloc_result alloc_arena_check(const alloc_arena *a)
{
    const alloc_arena_block *b, *c;
    int seen_cur = 0;
    if (a == NULL) return ALLOC_ERR_INVALID;
    if (a->first == NULL)
        return a->cur == NULL && a->top == NULL && a->end == NULL && a->last == NULL ? ALLOC_OK : ALLOC_ERR_CORRUPT;
    if (a->dead > a->alloc_count) return ALLOC_ERR_CORRUPT;
    for (b = a->first; b != NULL; b = b->next) {
        const unsigned char *start = alloc__arena_block_start((alloc_arena_block *)(uintptr_t)b);
        if (b->end <= start) return ALLOC_ERR_CORRUPT;
        for (c = b->next; c != NULL; c = c->next) {   /* no two blocks overlap; no cycle */
            if (c == b) return ALLOC_ERR_CORRUPT;
            if ((uintptr_t)c < (uintptr_t)b->end && (uintptr_t)b < (uintptr_t)c->end) return ALLOC_ERR_CORRUPT;
        }
        if (b == a->cur) {
            seen_cur = 1;
            if (a->end != b->end || a->top < start || a->top > a->end) return ALLOC_ERR_CORRUPT;
            if (a->last != NULL && (a->last < start || a->last > a->top)) return ALLOC_ERR_CORRUPT;
        } else if (seen_cur) {
            if (b->top != start) return ALLOC_ERR_CORRUPT;   /* later blocks are empty */
        } else if (b->top < start || b->top > b->end) {
            return ALLOC_ERR_CORRUPT;
        }
    }
    return seen_cur ? ALLOC_OK : ALLOC_ERR_CORRUPT;
}

ALLOC__FN void *alloc__arena_if_alloc(void *ctx, size_t size, size_t align)
{
    return alloc_arena_alloc((alloc_arena *)ctx, size, align);
}
ALLOC__FN void *alloc__arena_if_realloc(void *ctx, void *p, size_t size, size_t align)
{
    return alloc_arena_realloc((alloc_arena *)ctx, p, size, align);
}
ALLOC__FN void alloc__arena_if_free(void *ctx, void *p)
{
    alloc_arena_free((alloc_arena *)ctx, p);
}

ALLOC_DEF alloc_allocator alloc_arena_allocator(alloc_arena *a)
{
    alloc_allocator al;
    al.alloc = alloc__arena_if_alloc;
    al.realloc = alloc__arena_if_realloc;
    al.free = alloc__arena_if_free;
    al.ctx = a;
    return al;
}

#ifdef ALLOC_DUMP
ALLOC_DEF void alloc_arena_dump(const alloc_arena *a, alloc_write_fn write, void *user)
{
    alloc__writer w;
    alloc_stats s;
    const alloc_arena_block *b;
    int i = 0, after = a->cur == NULL;
    w.write = write;
    w.user = user;
    alloc_arena_stats(a, &s);
    alloc__printf(&w, "arena %p: %zu of %zu bytes used (%zu%%), %zu live allocations\n",
                  (const void *)a, s.used, s.capacity, s.capacity ? s.used * 100 / s.capacity : 0,
                  s.live_blocks);
    for (b = a->first; b != NULL; b = b->next, i++) {
        unsigned char *start = alloc__arena_block_start((alloc_arena_block *)(uintptr_t)b);
        size_t cap = (size_t)(b->end - start);
        size_t used = b == a->cur ? (size_t)(a->top - start) : after ? 0 : (size_t)(b->top - start);
        if (b == a->cur) after = 1;
        alloc__printf(&w, "  block %d %-6s |", i, b->from_parent ? "parent" : "caller");
        /* '#' for used bytes, '.' for free ones, '-' for the tail a block was left with. */
        alloc__bar(&w, (used * 40 + cap - 1) / cap, 40, '#', (b != a->cur && !after) ? '-' : '.');
        alloc__printf(&w, "| %6zu / %-6zu%s\n", used, cap, b == a->cur ? "  <- top" : "");
    }
    if (a->first == NULL) alloc__printf(&w, "  (no blocks yet)\n");
    alloc__print_stats(&w, &s);
}
#endif /* ALLOC_DUMP */
#endif /* ALLOC_NO_ARENA */

/* @@heap-impl@@ */

/* @@buddy-impl@@ */

/* @@slab-impl@@ */

#ifndef ALLOC_NO_ARENA
/* >>game ============================================================================== */
/* The double-ended stack: the arena's bump pointer twice, one moving up from the base and
   one moving down from the limit. Invariant: base <= top[LOW] <= top[HIGH] <= limit; the
   gap between the two tops is free (and poisoned under ASan). */

ALLOC_DEF alloc_result alloc_dstack_init(alloc_dstack *d, void *buf, size_t size)
{
    if (d == NULL || buf == NULL || size == 0) return ALLOC_ERR_INVALID;
    if ((uintptr_t)buf + size < (uintptr_t)buf) return ALLOC_ERR_OVERFLOW;
    ALLOC_MEMSET(d, 0, sizeof *d);
    d->base = (unsigned char *)buf;
    d->limit = d->base + size;
    d->top[ALLOC_LOW] = d->base;
    d->top[ALLOC_HIGH] = d->limit;
    ALLOC__UNPOISON(buf, size);
    ALLOC__POISON(buf, size);
    return ALLOC_OK;
}

ALLOC_DEF void *alloc_dstack_alloc(alloc_dstack *d, alloc_end end, size_t size, size_t align)
{
    unsigned char *lo = d->top[ALLOC_LOW], *hi = d->top[ALLOC_HIGH], *p;
    size_t room = (size_t)(hi - lo);
    if (align == 0) align = 1;
    if (size == 0 || !alloc__is_pow2(align)) return NULL;
    if (end == ALLOC_LOW) {
        size_t pad = alloc__pad((uintptr_t)lo, align);
        if (pad > room || size > room - pad) goto fail;
        p = lo + pad;
        ALLOC__UNPOISON(lo, pad + size);
        d->top[ALLOC_LOW] = p + size;
    } else {
        /* Down from the high top: step back by size, then round down to the alignment. */
        if (size > room) goto fail;
        p = hi - size;
        p -= (uintptr_t)p & (uintptr_t)(align - 1);
        if (p < lo) goto fail;
        ALLOC__UNPOISON(p, (size_t)(hi - p));
        d->top[ALLOC_HIGH] = p;
    }
    d->live[end]++;
    d->alloc_count++;
#ifdef ALLOC_DEBUG
    ALLOC_MEMSET(p, ALLOC__FRESH_BYTE, size);
#endif
    return p;
fail:
    d->fail_count++;
    return NULL;
}

/* Bytes the stacks hold now; the peak is noted before a top moves back. */
ALLOC__FN size_t alloc__dstack_used(const alloc_dstack *d)
{
    return (size_t)(d->top[ALLOC_LOW] - d->base) + (size_t)(d->limit - d->top[ALLOC_HIGH]);
}

/* Moves one end's top back to `pos` (a position the end has already passed). */
ALLOC__FN void alloc__dstack_pop(alloc_dstack *d, alloc_end end, unsigned char *pos)
{
    size_t used = alloc__dstack_used(d);
    unsigned char *from = d->top[end];
    if (used > d->peak) d->peak = used;
    if (end == ALLOC_LOW) {
#ifdef ALLOC_DEBUG
        ALLOC_MEMSET(pos, ALLOC__FREED_BYTE, (size_t)(from - pos));
#endif
        ALLOC__POISON(pos, (size_t)(from - pos));
    } else {
#ifdef ALLOC_DEBUG
        ALLOC_MEMSET(from, ALLOC__FREED_BYTE, (size_t)(pos - from));
#endif
        ALLOC__POISON(from, (size_t)(pos - from));
    }
    d->top[end] = pos;
}

ALLOC_DEF void alloc_dstack_reset(alloc_dstack *d, alloc_end end)
{
    alloc__dstack_pop(d, end, end == ALLOC_LOW ? d->base : d->limit);
    d->generation[end]++;
    d->live[end] = 0;
}

ALLOC_DEF alloc_dstack_mark alloc_dstack_save(alloc_dstack *d, alloc_end end)
{
    alloc_dstack_mark m;
    m.stack = d;
    m.end = end;
    m.pos = d->top[end];
    m.generation = d->generation[end];
    m.live = d->live[end];
    return m;
}

ALLOC_DEF void alloc_dstack_restore(alloc_dstack *d, alloc_dstack_mark m)
{
    int ahead = m.end == ALLOC_LOW ? m.pos > d->top[ALLOC_LOW] || m.pos < d->base
                                   : m.pos < d->top[ALLOC_HIGH] || m.pos > d->limit;
    if (m.stack != d || m.generation != d->generation[m.end] || ahead) {
        d->error_count++;
        ALLOC_ON_ERROR(ALLOC_ERR_STALE_MARK, m.pos, "dstack restore: mark is stale or from another stack");
        return;
    }
    alloc__dstack_pop(d, m.end, m.pos);
    d->live[m.end] = m.live;
}

ALLOC_DEF void alloc_dstack_stats(const alloc_dstack *d, alloc_stats *out)
{
    size_t used = alloc__dstack_used(d);
    ALLOC_MEMSET(out, 0, sizeof *out);
    out->capacity = (size_t)(d->limit - d->base);
    out->used = used;
    out->free = out->largest_free = out->capacity - used;
    out->peak_used = d->peak > used ? d->peak : used;
    out->live_blocks = d->live[ALLOC_LOW] + d->live[ALLOC_HIGH];
    out->free_blocks = out->free != 0;
    out->alloc_count = d->alloc_count;
    out->fail_count = d->fail_count;
    out->error_count = d->error_count;
}

ALLOC_DEF alloc_result alloc_dstack_check(const alloc_dstack *d)
{
    if (d == NULL) return ALLOC_ERR_INVALID;
    if (d->base > d->top[ALLOC_LOW] || d->top[ALLOC_LOW] > d->top[ALLOC_HIGH] || d->top[ALLOC_HIGH] > d->limit)
        return ALLOC_ERR_CORRUPT;
    return ALLOC_OK;
}

#ifdef ALLOC_DUMP
ALLOC_DEF void alloc_dstack_dump(const alloc_dstack *d, alloc_write_fn write, void *user)
{
    alloc__writer w;
    alloc_stats s;
    size_t cap = (size_t)(d->limit - d->base), lo = (size_t)(d->top[ALLOC_LOW] - d->base);
    size_t hi = (size_t)(d->limit - d->top[ALLOC_HIGH]);
    size_t clo = cap ? (lo * 48 + cap - 1) / cap : 0, chi = cap ? (hi * 48 + cap - 1) / cap : 0;
    w.write = write;
    w.user = user;
    alloc_dstack_stats(d, &s);
    if (clo + chi > 48) chi = 48 - clo;
    alloc__printf(&w, "dstack %p: low %zu bytes, high %zu bytes, gap %zu of %zu\n  |",
                  (const void *)d, lo, hi, s.free, cap);
    alloc__bar(&w, clo, clo, '<', '<');
    alloc__bar(&w, 0, 48 - clo - chi, '.', '.');
    alloc__bar(&w, chi, chi, '>', '>');
    alloc__printf(&w, "|\n");
    alloc__print_stats(&w, &s);
}
#endif

/* Double-buffered frames: arena[frame & 1] is the current one. */
ALLOC_DEF alloc_result alloc_frames_init(alloc_frames *f, void *buf, size_t size)
{
    alloc_result r;
    if (f == NULL || buf == NULL) return ALLOC_ERR_INVALID;
    r = alloc_arena_init(&f->arena[0], buf, size / 2);
    if (r == ALLOC_OK) r = alloc_arena_init(&f->arena[1], (unsigned char *)buf + size / 2, size - size / 2);
    f->frame = 0;
    return r;
}

ALLOC_DEF void alloc_frames_begin(alloc_frames *f)
{
    f->frame++;
    alloc_arena_reset(&f->arena[f->frame & 1]);
}

ALLOC_DEF void *alloc_frames_alloc(alloc_frames *f, size_t size, size_t align)
{
    return alloc_arena_alloc(&f->arena[f->frame & 1], size, align);
}

ALLOC_DEF alloc_arena *alloc_frames_current(alloc_frames *f) { return &f->arena[f->frame & 1]; }
ALLOC_DEF alloc_arena *alloc_frames_previous(alloc_frames *f) { return &f->arena[(f->frame + 1) & 1]; }
#endif /* ALLOC_NO_ARENA */

/* >>wrap ============================================================================== */

ALLOC_DEF alloc_result alloc_locked_init(alloc_locked *l, alloc_allocator inner,
                                         void (*lock)(void *), void (*unlock)(void *), void *lock_ctx)
{
    if (l == NULL || inner.alloc == NULL || (lock == NULL) != (unlock == NULL)) return ALLOC_ERR_INVALID;
    l->inner = inner;
    l->lock = lock;
    l->unlock = unlock;
    l->lock_ctx = lock_ctx;
    return ALLOC_OK;
}

/* ALLOC_LOCK / ALLOC_UNLOCK: how the wrapper takes and releases its lock. */
#define ALLOC__LOCK(l)   do { if ((l)->lock) (l)->lock((l)->lock_ctx); } while (0)
#define ALLOC__UNLOCK(l) do { if ((l)->unlock) (l)->unlock((l)->lock_ctx); } while (0)

ALLOC__FN void *alloc__locked_alloc(void *ctx, size_t size, size_t align)
{
    alloc_locked *l = (alloc_locked *)ctx;
    void *p;
    ALLOC__LOCK(l);
    p = l->inner.alloc(l->inner.ctx, size, align);
    ALLOC__UNLOCK(l);
    return p;
}
ALLOC__FN void *alloc__locked_realloc(void *ctx, void *ptr, size_t size, size_t align)
{
    alloc_locked *l = (alloc_locked *)ctx;
    void *p = NULL;
    ALLOC__LOCK(l);
    if (l->inner.realloc) p = l->inner.realloc(l->inner.ctx, ptr, size, align);
    ALLOC__UNLOCK(l);
    return p;
}
ALLOC__FN void alloc__locked_free(void *ctx, void *ptr)
{
    alloc_locked *l = (alloc_locked *)ctx;
    if (ptr == NULL) return;
    ALLOC__LOCK(l);
    if (l->inner.free) l->inner.free(l->inner.ctx, ptr);
    ALLOC__UNLOCK(l);
}

ALLOC_DEF alloc_allocator alloc_locked_allocator(alloc_locked *l)
{
    alloc_allocator al;
    al.alloc = alloc__locked_alloc;
    al.realloc = alloc__locked_realloc;
    al.free = alloc__locked_free;
    al.ctx = l;
    return al;
}
#undef ALLOC__LOCK
#undef ALLOC__UNLOCK

ALLOC_DEF alloc_result alloc_failing_init(alloc_failing *f, alloc_allocator inner, size_t fail_at, alloc_fail_mode mode)
{
    if (f == NULL || inner.alloc == NULL) return ALLOC_ERR_INVALID;
    ALLOC_MEMSET(f, 0, sizeof *f);
    f->inner = inner;
    f->fail_at = fail_at;
    f->mode = mode;
    return ALLOC_OK;
}

/* 1 when this allocation is one to fail. */
ALLOC__FN int alloc__failing_now(alloc_failing *f)
{
    f->calls++;
    if (f->fail_at != 0 && (f->calls == f->fail_at || (f->mode == ALLOC_FAIL_FROM && f->calls > f->fail_at))) {
        f->failed++;
        return 1;
    }
    return 0;
}

ALLOC__FN void *alloc__failing_alloc(void *ctx, size_t size, size_t align)
{
    alloc_failing *f = (alloc_failing *)ctx;
    void *p;
    if (alloc__failing_now(f)) return NULL;
    p = f->inner.alloc(f->inner.ctx, size, align);
    if (p != NULL) f->live++;
    return p;
}
ALLOC__FN void *alloc__failing_realloc(void *ctx, void *ptr, size_t size, size_t align)
{
    alloc_failing *f = (alloc_failing *)ctx;
    void *p;
    if (ptr == NULL) return alloc__failing_alloc(ctx, size, align);
    if (f->inner.realloc == NULL || alloc__failing_now(f)) return NULL;
    p = f->inner.realloc(f->inner.ctx, ptr, size, align);
    if (p == NULL && size == 0) f->live--;   /* realloc to 0 freed it */
    return p;
}
ALLOC__FN void alloc__failing_free(void *ctx, void *ptr)
{
    alloc_failing *f = (alloc_failing *)ctx;
    if (ptr == NULL) return;
    f->live--;
    if (f->inner.free) f->inner.free(f->inner.ctx, ptr);
}

ALLOC_DEF alloc_allocator alloc_failing_allocator(alloc_failing *f)
{
    alloc_allocator al;
    al.alloc = alloc__failing_alloc;
    al.realloc = alloc__failing_realloc;
    al.free = alloc__failing_free;
    al.ctx = f;
    return al;
}

#ifdef __cplusplus
}
#endif

/* Private helper macros end here, so none leaks into the including file. */
#undef ALLOC__FRESH_BYTE
#undef ALLOC__FREED_BYTE
#undef ALLOC__POISON
#undef ALLOC__UNPOISON
#undef ALLOC__LIKELY
#undef ALLOC__UNLIKELY
#undef ALLOC__NOINLINE
#undef ALLOC__INLINE
#undef ALLOC__FN
#undef ALLOC__SIZE_BITS
#undef ALLOC__ARENA_DEFAULT_GROW
#endif /* ALLOC_IMPLEMENTATION */

/* >>licence =============================================================================
This software is available under 2 licences -- choose whichever you prefer.
---------------------------------------------------------------------------------------
ALTERNATIVE A - MIT No Attribution License (MIT-0)
Copyright (c) 2026 the alloc.h authors
Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify,
merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A
PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT
HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE
OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
---------------------------------------------------------------------------------------
ALTERNATIVE B - Public Domain (www.unlicense.org)
This is free and unencumbered software released into the public domain.
Anyone is free to copy, modify, publish, use, compile, sell, or distribute this
software, either in source code form or as a compiled binary, for any purpose,
commercial or non-commercial, and by any means.
In jurisdictions that recognize copyright laws, the author or authors of this software
dedicate any and all copyright interest in the software to the public domain. We make
this dedication for the benefit of the public at large and to the detriment of our
heirs and successors. We intend this dedication to be an overt act of relinquishment in
perpetuity of all present and future rights to this software under copyright law.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A
PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS BE LIABLE FOR ANY
CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE,
ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
======================================================================================= */
