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

           static unsigned char heap_mem[256 * 1024];
           alloc_heap heap;
           alloc_heap_init(&heap, heap_mem, sizeof heap_mem, ALLOC_FIT_GOOD);
           char *s = (char *)alloc_heap_alloc(&heap, 100);
           s = (char *)alloc_heap_realloc(&heap, s, 200);
           alloc_heap_free(&heap, s);

   CONTENTS  (search for the anchor: ">>arena" jumps between declaration and code)

       >>config    configuration macros and their defaults
       >>common    alloc_result, alloc_stats, alloc_allocator, the writer, ALLOC_ON_ERROR
       >>arena     bump allocator: alloc, reset, save/restore marks, chained blocks
       >>heap      free-list heap: malloc/free/realloc, five fit policies, boundary tags
       >>buddy     power-of-two blocks: split, buddy by address, merge; per-order free lists
       >>slab      slab caches (Bonwick): object caching, full/partial/empty slabs
       >>kmalloc   (inside >>slab) size classes 16..2048 on slab caches over a buddy
       >>sizing    alloc_<family>_size_for: the buffer that can never fail from fragmentation
       >>game      double-ended stack (alloc_dstack), double-buffered frames (alloc_frames)
       >>wrap      alloc_locked (a lock around any allocator), alloc_failing (fault injection)
       >>helpers   (implementation) checked arithmetic, alignment, bit scans, reports
       >>debug     (implementation) guard bytes, per-block records, report_live
       >>licence   at the very end

   THE FAMILIES

       arena  Many allocations freed together (a frame, a request, a parse). A bump
              pointer moves through the caller's buffer; reset or restore a saved mark
              frees everything after it. No header per allocation: a 1 MiB arena holds a
              million 1-byte allocations. More blocks can be chained on, by the caller
              (alloc_arena_add) or taken from a parent alloc_allocator when one fills.
              alloc_arena_alloc_shared lets several threads bump one arena lock-free.
       heap   malloc, free and realloc over regions you hand in (alloc_heap_add adds more,
              at any address). One size_t header per live block; free blocks keep their
              list links and a footer inside themselves, so free coalesces with both
              neighbours at once (boundary tags). The default policy, ALLOC_FIT_GOOD, keeps
              segregated free lists found through a two-level bitmap: O(1) per call, no
              search loop. ALLOC_FIT_FIRST, _NEXT, _BEST and _WORST are the lecture's
              classic address-ordered free list, O(free blocks), for teaching and for
              comparing policies. A double free is caught in release builds from the
              block's own header.
       buddy  Power-of-two blocks over the caller's buffer, the lecture's buddy system. A
              request is rounded up to 2^k min blocks; a larger free block is split in
              halves (the lower half goes on, the upper stays free); free merges a block
              with its buddy - the address that differs in exactly bit k - while that one
              is free and whole. Per-order free lists plus a bitmap: one bit scan per
              alloc, O(orders) per call, no tree walk. Blocks carry no header (a page
              takes a page): 4 bits of metadata per min block, kept at the END of the
              buffer so the blocks keep its alignment. Every block is aligned to its own
              size (absolute), which is what slabs taken from a buddy need. Any buffer
              size: the rest beyond the largest power of two becomes smaller blocks.
       slab   A cache of objects of one size (Bonwick's slab allocator). Slabs are
              power-of-two blocks aligned to their own size, taken from any
              alloc_allocator (the buddy, the heap, an arena) or carved from one buffer,
              so free finds an object's slab by masking its address: O(1), no search.
              Three lists per cache - full, partial, empty - and alloc takes from a
              partial slab before an empty one. Object caching: the constructor runs once
              per object when its slab is made, a freed object keeps its constructed
              state (leave it so), the destructor runs when the slab goes back (shrink,
              destroy). A bit per object in each slab catches a double free in release
              builds. Slab size by Bonwick's rule: the smallest power of two that wastes
              at most 1/8 on header and leftover.
       kmalloc The kernel's general-purpose allocator built from the two: size classes
              16..2048 bytes, each a slab cache with its slabs from a buddy, larger
              requests straight to the buddy; malloc/free/realloc, no size on free.
       dstack A double-ended stack: level data grows up from one end, temporaries down
              from the other, each end with its own marks; they fail cleanly when they meet.
       frames Two arenas taking turns: what frame N allocated stays valid during frame N+1.

   CONFIGURATION  (define before including; "all" = in every file that includes alloc.h,
                   "impl" = only where ALLOC_IMPLEMENTATION is defined)

       macro                  default                 where  meaning
       ALLOC_IMPLEMENTATION   undefined               impl   compile the implementation here
       ALLOC_STATIC           undefined               all    every function static (private copy)
       ALLOC_DEF              extern / static         all    linkage prefix of every function
       ALLOC_NO_ARENA         undefined               all    compile the arena (and dstack, frames) out
       ALLOC_NO_HEAP          undefined               all    compile the heap out
       ALLOC_NO_BUDDY         undefined               all    compile the buddy (and kmalloc) out
       ALLOC_NO_SLAB          undefined               all    compile the slab caches (and kmalloc) out
       ALLOC_HEAP_ALIGN       alignof(max type)       all    alignment of every heap block (16 on
                              (16 on x86-64)                 x86-64); lower it (8, 4) for small
                                                             targets; a power of two
       ALLOC_HEAP_SUBCLASSES  3                       all    log2 of the lists per power-of-two
                                                             class in ALLOC_FIT_GOOD
       ALLOC_HEAP_LARGE       96                      impl   placement: blocks of at least this many
                                                             bytes are cut from the low end of a hole,
                                                             smaller ones from the high end (small and
                                                             large pack apart); 0 = textbook splitting
       ALLOC_HEAP_LECTURE_FITS 1                      impl   0 builds ALLOC_FIT_GOOD alone (smaller
                                                             firmware); init refuses the other four
       ALLOC_SLAB_MIN_SIZE    4096 (64-bit), 1024     all    smallest slab alloc_slab_init picks by
                              (32-bit), 256 (16-bit)         itself (Bonwick's rule starts there)
       ALLOC_SLAB_MAX_SIZE    1 MiB (8 KiB 16-bit)    all    largest slab it picks by itself
       ALLOC_KMALLOC_SLAB_SIZE 16384                  all    bytes per slab of every kmalloc class
       ALLOC_KMALLOC_SLAB_TABLE 256                   all    entries of the kmalloc's table of slab
                                                             addresses (a free that misses asks the buddy)
       ALLOC_DEBUG            undefined               all    guard bytes and a record per block
                                                             (changes struct layouts: set it the
                                                             same in every file); misuse stops in
                                                             ALLOC_ON_ERROR; fresh/freed patterns
       ALLOC_VALGRIND         undefined               impl   tell memcheck which bytes are free (needs
                                                             valgrind/memcheck.h); ASan needs nothing:
                                                             it is detected
       ALLOC_DUMP             undefined               impl   compile the text reports (_dump); needs
                                                             stb_sprintf.h on the include path
       ALLOC_STB_SPRINTF_H    "stb_sprintf.h"         impl   how the reports include stb_sprintf
       ALLOC_ASSERT(x)        assert(x)               impl   internal invariants only
       ALLOC_MEMCPY(d,s,n)    memcpy                  impl   copy used by realloc (built with -Os
                                                             and not defined: a byte loop, so
                                                             firmware links no memcpy)
       ALLOC_MEMSET(d,v,n)    memset                  impl   fill used by init, calloc and debug
                                                             patterns (-Os: zeroing is a loop)
       ALLOC_ON_ERROR(c,p,m)  see >>common            impl   the one hook every misuse goes through

       Sizes to plan buffers with (read, do not define): ALLOC_ARENA_BLOCK_OVERHEAD;
       ALLOC_HEAP_GRAIN, ALLOC_HEAP_BLOCK_OVERHEAD, ALLOC_HEAP_MIN_BLOCK,
       ALLOC_HEAP_BLOCK_SIZE(n), ALLOC_HEAP_REGION_OVERHEAD; ALLOC_BUDDY_ORDERS (15: the
       largest block is min_block << 14), ALLOC_BUDDY_MIN_BLOCK (16),
       ALLOC_BUDDY_BUFFER_SIZE(n, min_block), alloc_buddy_metadata_size().

   CONCEPTS

       Ownership   Every allocator works inside memory the caller hands in, and keeps its
                   metadata there or in the handle struct the caller owns. No allocator ever
                   calls malloc, free, mmap or sbrk; there is no global state. A slab cache
                   and a kmalloc must not be moved after init: every slab's header names its
                   cache by address.
       Alignment   Every alignment argument must be a power of two (1 is allowed); anything
                   else fails. Arena blocks are aligned to exactly what was asked. Heap
                   blocks are aligned to ALLOC_HEAP_ALIGN; alloc_heap_alloc_aligned takes any
                   power of two and realloc keeps it. Buddy blocks are aligned to their own
                   size in absolute terms: a buffer aligned to its largest block becomes one
                   block, a less aligned one is cut into the largest self-aligned blocks it
                   holds. A slab cache's objects are aligned to the descriptor's align (at
                   least sizeof(void *)); kmalloc blocks to 16.
       Zero size   A request for 0 bytes returns NULL and changes nothing (it is not a
                   failure of memory, and it is not counted as one).
       Overflow    Every size computation is checked before it rounds: a request near
                   SIZE_MAX returns NULL, never a small live block.
       Failure     Out of memory returns NULL (or an alloc_result error code) and changes
                   nothing. Misuse that the allocator can detect (a foreign pointer, a stale
                   mark, a double free) changes nothing, is counted in the stats' error_count
                   and is reported once through ALLOC_ON_ERROR. free(NULL) is a no-op.
                   alloc_slab_free and alloc_kmalloc_free read the header at the
                   slab-aligned base of the pointer: pass pointers from slab caches or from
                   the source's memory (a wild pointer elsewhere may not be readable).
       Sizing      alloc_arena_size_for(peak, max_align), alloc_heap_size_for(max, peak,
                   fit), alloc_buddy_size_for(max, peak, min_block) and
                   alloc_slab_size_for(&desc, peak_objects) return the buffer size for which
                   no allocation ever fails while a program keeps within its largest request
                   and its peak live bytes - the worst case over every order of allocs and
                   frees, each derived in its doc comment. Peaks count every request as at
                   least the family's unit (arena: max_align; heap: ALLOC_HEAP_MIN_BLOCK;
                   buddy: min_block / 2). Arena and slab bounds are exact (they do not
                   fragment). The buddy's is Knuth's (r + 1) n, within 2x of his bad case.
                   The heap's proven bound is impractically large (any non-moving allocator
                   that only looks at sizes: ~peak * max / ALLOC_HEAP_MIN_BLOCK); the doc
                   gives measured figures beside it (3.5 x peak for the worst adversary).
       Debug       With ALLOC_DEBUG every block carries guard bytes (0xFD) and a record
                   (size asked for, file:line from the tracking macros ALLOC_HEAP_ALLOC,
                   ALLOC_ARENA_ALLOC, ALLOC_BUDDY_ALLOC, ALLOC_SLAB_ALLOC, ALLOC_KMALLOC_ALLOC
                   and their REALLOC/CALLOC/ALIGNED forms, which are the plain calls in
                   release builds). Heap and arena: front guard (one heap grain / 16 bytes)
                   and back guard, the record before the front guard. Buddy and slab keep
                   blocks aligned to themselves (a slab finds its header by masking), so
                   they get a back guard only, the record at the end of the block / object
                   slot. A broken guard makes _check return ALLOC_ERR_CORRUPT; free and
                   realloc report ALLOC_ERR_GUARD once and still free the block. Fresh
                   memory is 0xCD, freed memory 0xDD (metadata and constructed slab objects
                   excepted). alloc_<family>_report_live lists the live blocks at shutdown
                   (a game's leak report); alloc_<family>_live_count counts them. Debug
                   blocks cost 16..64 bytes of guards and a record of 10 words each, so the
                   sizing bounds (alloc_*_size_for) are for release builds.
                   alloc_arena_alloc_shared and alloc_dstack keep no records.
       Threads     No function locks and there is no shared state between instances:
                   distinct allocators may be used from distinct threads freely. Calls on
                   one allocator must be serialised: wrap it in alloc_locked (your mutex,
                   critical section or IRQ mask; wrappers nest) to share it. The one
                   lock-free call is alloc_arena_alloc_shared (GCC/Clang atomics, where the
                   CPU has a compare-and-swap: ALLOC_HAS_SHARED_ARENA).

   COMPLEXITY

       arena   alloc O(1) (a new chained block: O(blocks) to find one);
               reset O(blocks); save O(1); restore O(blocks); free/realloc of the newest O(1)
       heap    GOOD: alloc, free, realloc in place O(1) (no loop over blocks; free blocks
               beyond the last class share one searched list);
               FIRST/NEXT/BEST/WORST: alloc and free O(free blocks); free of a pointer
               outside the first region O(regions); stats O(blocks); check O(blocks)
       buddy   alloc O(orders): one bit scan, then a split per order down (orders <= 15);
               free O(orders): a merge per order up; realloc O(orders) in place, O(size)
               when it moves; usable_size/owns/stats O(1); init, check and dump
               O(size / min_block). No call depends on the number of live blocks; no
               recursion.
       slab    alloc, free O(1), a new slab included (one source call; with a
               constructor or destructor + O(objects per slab) for the constructor calls
               and the free stack); shrink O(empty slabs x objects) (destructors);
               destroy, check, dump O(slabs x objects per slab); stats, owns O(slabs)
       kmalloc alloc, free O(1) for <= 2048 bytes (+ the buddy's O(orders) when a slab is
               made); larger O(orders); realloc O(size) when it moves
       sizing  every _size_for O(1) (alloc_slab_size_for: O(log slab size), it runs
               alloc_slab_init's geometry)
       dstack  every call O(1)
       frames  every call O(1) (begin resets one arena)

   VERSION HISTORY

       0.1.0   first release: the common interface and reports; the arena; the free-list
               heap with five fit policies; the buddy; slab caches and the kmalloc
               composite; sizing helpers per family (alloc_*_size_for); the
               double-ended stack, frames, the lock and fault wrappers; ALLOC_DEBUG
               guards, block records and leak reports.
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
    X(ALLOC_ERR_OVERLAP,    -11, "region overlaps memory already under management")     \
    X(ALLOC_ERR_GUARD,      -12, "guard bytes were overwritten: write past the end of a block")

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

/* ALLOC_DEBUG: each live block carries a record (see >>debug in the implementation);
   the handle structs then hold their list's head, so ALLOC_DEBUG must be set the same in
   every file that includes alloc.h. Not API. */
struct alloc__dbg_rec;

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
    /* The way on when `cur` is full: the chaining path, set only by the calls that give
       the arena more than one block (add, a parent), so a lone arena does not link it. */
    void            *(*grow)(struct alloc_arena *a, size_t size, size_t align);
    size_t             grow_size;     /* bytes asked of the parent for each new block */
    size_t             generation;    /* bumped by reset: marks saved before are stale */
    size_t             dead;          /* allocations released by restore/free/reset */
    size_t             below;         /* bytes used in the blocks before `cur` */
    size_t             peak;
    size_t             alloc_count, free_count, fail_count, error_count;
#ifdef ALLOC_DEBUG
    struct alloc__dbg_rec *dbg_live;  /* not API: the records of the live blocks (>>debug) */
    size_t             dbg_count;
#endif
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
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID if a or buf is NULL; ALLOC_ERR_OVERFLOW if
             buf + size wraps; ALLOC_ERR_TOO_SMALL if `size` cannot hold the block
             header and one byte. On failure *a is untouched.
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
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID for NULL arguments; ALLOC_ERR_OVERFLOW and
             ALLOC_ERR_TOO_SMALL as init; ALLOC_ERR_OVERLAP if the block overlaps one the
             arena already has.
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
#if (defined(__GNUC__) || defined(__clang__)) && defined(__GCC_ATOMIC_POINTER_LOCK_FREE)
#  if __GCC_ATOMIC_POINTER_LOCK_FREE == 2
     /* Only where the CPU has a native compare-and-swap: elsewhere (Cortex-M0, AVR,
        rv32 without A) GCC calls libatomic, which bare-metal toolchains do not ship. */
#    define ALLOC_HAS_SHARED_ARENA 1
#  endif
#endif
#ifdef ALLOC_HAS_SHARED_ARENA
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

/* alloc_arena_live_count: the live blocks. With ALLOC_DEBUG the blocks on the debug list
   (every block handed out and not yet freed); in release builds the stats' figure.
   alloc_arena_report_live (ALLOC_DUMP): one line per live block - address, bytes asked
   for, and file:line where the caller used a tracking macro - then returns the count
   (release builds print the count only). A game calls it at shutdown to list its leaks.
   Cost: O(live blocks). */
ALLOC_DEF size_t alloc_arena_live_count(const alloc_arena *a);
#if !defined(ALLOC_STATIC) || defined(ALLOC_DUMP)
ALLOC_DEF size_t alloc_arena_report_live(const alloc_arena *a, alloc_write_fn write, void *user);
#endif
/* Tracking macros: with ALLOC_DEBUG they pass __FILE__ and __LINE__ to the _at variant,
   which records them for report_live; in release builds they are the plain call. */
#ifdef ALLOC_DEBUG
ALLOC_DEF void *alloc_arena_alloc_at(alloc_arena *a, size_t size, size_t align, const char *file, int line);
ALLOC_DEF void *alloc_arena_realloc_at(alloc_arena *a, void *p, size_t size, size_t align, const char *file, int line);
#  define ALLOC_ARENA_ALLOC(a, n, align)      alloc_arena_alloc_at((a), (n), (align), __FILE__, __LINE__)
#  define ALLOC_ARENA_REALLOC(a, p, n, align) alloc_arena_realloc_at((a), (p), (n), (align), __FILE__, __LINE__)
#else
#  define ALLOC_ARENA_ALLOC(a, n, align)      alloc_arena_alloc((a), (n), (align))
#  define ALLOC_ARENA_REALLOC(a, p, n, align) alloc_arena_realloc((a), (p), (n), (align))
#endif
#endif /* ALLOC_NO_ARENA */

/* >>heap ============================================================================== (declarations) */
#ifndef ALLOC_NO_HEAP

/* The free-list heap: malloc, free and realloc over regions of memory you hand in.
   Every block carries one size_t header (a boundary tag); free blocks keep their list
   links and a footer inside themselves. Five fit policies, chosen at init:

     ALLOC_FIT_GOOD   the default: segregated free lists found through a two-level
                      bitmap (size class, then subclass), O(1) per call, no search loop
     ALLOC_FIT_FIRST  the lecture's classic explicit free list, kept in address order;
     ALLOC_FIT_NEXT   first fit, next fit (the search resumes where the last stopped),
     ALLOC_FIT_BEST   best fit and worst fit: O(free blocks) per call, for teaching and
     ALLOC_FIT_WORST  for comparing policies on the same trace                         */
typedef enum alloc_fit {
    ALLOC_FIT_GOOD = 0,
    ALLOC_FIT_FIRST,
    ALLOC_FIT_NEXT,
    ALLOC_FIT_BEST,
    ALLOC_FIT_WORST
} alloc_fit;

/* ALLOC_HEAP_ALIGN: the alignment of every block the heap hands out, by default the
   alignment of the most aligned standard type (16 on x86-64, like max_align_t). A small
   target may lower it (8 or 4), which makes blocks smaller; it must be a power of two.
   Blocks are still kept on a grid of at least 8 bytes, so that three flag bits fit in
   each header. Define it the same in every file. */
typedef union alloc__heap_max_align {
    long double ld; long long ll; double d; void *p; void (*fp)(void);
} alloc__heap_max_align;
typedef struct alloc__heap_align_probe { char c; alloc__heap_max_align u; } alloc__heap_align_probe;
#ifndef ALLOC_HEAP_ALIGN
#  define ALLOC_HEAP_ALIGN (offsetof(alloc__heap_align_probe, u))
#endif

/* ALLOC_HEAP_SUBCLASSES: log2 of the subclasses each power-of-two size class is split
   into by ALLOC_FIT_GOOD (default 3: eight lists per class, at most 5). More subclasses
   waste less memory but make the control block larger. Define it the same in every file. */
#ifndef ALLOC_HEAP_SUBCLASSES
#  define ALLOC_HEAP_SUBCLASSES 3
#endif

/* ALLOC_HEAP_LARGE: placement, for every fit policy. A block of at least this many bytes
   (header included) is carved from the low end of the hole the policy picked, a smaller
   one from its high end. Small and large blocks so collect at opposite ends of the free
   space: the holes large blocks leave coalesce with each other instead of being pinned
   apart by small ones, and a large block has free room after it to grow into by realloc.
   Default 96 (so the lecture's 100-byte blocks are split from the front as drawn); 0
   carves every block from the front, as the textbook does. */
#ifndef ALLOC_HEAP_LARGE
#  define ALLOC_HEAP_LARGE 96
#endif

/* ALLOC_HEAP_LECTURE_FITS: 1 (default) builds the lecture's four policies (first, next,
   best and worst fit over one address-ordered list) beside ALLOC_FIT_GOOD; 0 builds
   ALLOC_FIT_GOOD alone, for firmware that wants the smallest heap: alloc_heap_init then
   refuses the other four with ALLOC_ERR_INVALID. */
#ifndef ALLOC_HEAP_LECTURE_FITS
#  define ALLOC_HEAP_LECTURE_FITS 1
#endif

/* The overheads, so that firmware can size its buffers and tests can be written for
   every target: ALLOC_HEAP_GRAIN, the multiple every block size and payload address is
   (ALLOC_HEAP_ALIGN, at least 8 and a word); ALLOC_HEAP_BLOCK_OVERHEAD, the bytes a live
   block spends on its header (one size_t); ALLOC_HEAP_MIN_BLOCK, the smallest block (a
   header, two links and a footer, rounded to the grain); ALLOC_HEAP_BLOCK_SIZE(n), the
   bytes a request of n bytes takes (n > 0, no overflow check). A request aligned above
   ALLOC_HEAP_ALIGN takes ALLOC_HEAP_BLOCK_SIZE(n + sizeof(size_t)), the word kept for
   realloc, plus the slack before it, which goes back to the free lists when it can. */
#define ALLOC__HEAP_MAX2(a, b) ((size_t)(a) > (size_t)(b) ? (size_t)(a) : (size_t)(b))
#define ALLOC_HEAP_GRAIN ALLOC__HEAP_MAX2(ALLOC__HEAP_MAX2(ALLOC_HEAP_ALIGN, 8), ALLOC__HEAP_MAX2(sizeof(size_t), sizeof(void *)))
#define ALLOC_HEAP_BLOCK_OVERHEAD sizeof(size_t)
#define ALLOC_HEAP_MIN_BLOCK ((2 * sizeof(size_t) + 2 * sizeof(void *) + ALLOC_HEAP_GRAIN - 1) / ALLOC_HEAP_GRAIN * ALLOC_HEAP_GRAIN)
#define ALLOC_HEAP_BLOCK_SIZE(n) ALLOC__HEAP_MAX2(((size_t)(n) + sizeof(size_t) + ALLOC_HEAP_GRAIN - 1) / ALLOC_HEAP_GRAIN * ALLOC_HEAP_GRAIN, ALLOC_HEAP_MIN_BLOCK)

/* The size classes of ALLOC_FIT_GOOD (not API). Block sizes below 32 grains have a list
   each ("small exact classes"); above, class k holds sizes [2^k, 2^(k+1)) split into
   2^ALLOC_HEAP_SUBCLASSES lists. ALLOC__HEAP_ROWS classes are kept (up to 8 GiB on
   64-bit); larger free blocks share the last list. The lists are numbered in size order
   and found through a two-level bitmap: bit i of map[] says list i is non-empty, bit w of
   top says map[w] is non-zero. */
#define ALLOC__HEAP_SMALL 32
#define ALLOC__HEAP_SL ((size_t)1 << ALLOC_HEAP_SUBCLASSES)
#define ALLOC__HEAP_ROWS (sizeof(size_t) >= 8 ? 24 : sizeof(size_t) * 8 - 8)
#define ALLOC__HEAP_LISTS (ALLOC__HEAP_SMALL + ALLOC__HEAP_ROWS * ALLOC__HEAP_SL)
#define ALLOC__HEAP_WORDS ((ALLOC__HEAP_LISTS + 31) / 32)

/* A block, seen from its header (not API). */
typedef struct alloc__heap_block alloc__heap_block;

/* A region handed to the heap (not API): it sits at the region's start. */
typedef struct alloc__heap_region {
    struct alloc__heap_region *next;   /* the regions in address order */
    unsigned char *first;              /* the header of the region's first block */
    unsigned char *end;                /* the sentinel header after its last block */
} alloc__heap_region;

typedef struct alloc_heap {
    /* not API: regions and counters (before the arrays: on a Cortex-M a field in the
       first 128 bytes is reached by a 2-byte instruction) */
    alloc__heap_region *regions;
    unsigned char     *lo, *hi;        /* the first region's blocks, for a quick owner test */
    size_t             used, peak, capacity;
    size_t             alloc_count, free_count, fail_count, error_count;
    alloc_fit          fit;
    alloc__heap_block *rover;          /* ALLOC_FIT_NEXT: where the next search starts */
    /* not API: alloc__heap_carve_aligned once alloc_heap_alloc_aligned has been asked for an
       alignment above the grain, NULL until then (so an image that never asks links none
       of it). The one code pointer in the handle: a heap is valid in the image that made it. */
    void *(*carve_aligned)(struct alloc_heap *, alloc__heap_block *, size_t, size_t);
    /* not API: the free lists. GOOD uses all of them with the bitmaps; the other
       policies keep one address-ordered list in heads[0]. */
    uint32_t           top;
    uint32_t           map[ALLOC__HEAP_WORDS];
    alloc__heap_block *heads[ALLOC__HEAP_LISTS];
#ifdef ALLOC_DEBUG
    struct alloc__dbg_rec *dbg_live;  /* not API: the records of the live blocks (>>debug) */
    size_t             dbg_count;
#endif
} alloc_heap;

/* The bytes a region gives up to the heap's bookkeeping at most (the region header, the
   alignment of the first block, the end sentinel), so firmware can size its buffers. */
#define ALLOC_HEAP_REGION_OVERHEAD (sizeof(alloc__heap_region) + 3 * (ALLOC_HEAP_ALIGN > 16 ? ALLOC_HEAP_ALIGN : 16))

/* alloc_heap_init: an empty heap over `buf` (any alignment) of `size` bytes, with the fit
   policy `fit` (ALLOC_FIT_GOOD, 0, is the default).
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID if h or buf is NULL or fit is not a policy (or
             not ALLOC_FIT_GOOD when ALLOC_HEAP_LECTURE_FITS is 0);
             ALLOC_ERR_OVERFLOW if buf + size wraps; ALLOC_ERR_TOO_SMALL if the region
             cannot hold its header, one block and the end sentinel. On failure *h is
             untouched.
   Cost:     O(1) (plus clearing the control block: sizeof(alloc_heap) bytes). */
ALLOC_DEF alloc_result alloc_heap_init(alloc_heap *h, void *buf, size_t size, alloc_fit fit);

/* alloc_heap_add: hands the heap another region, at any address (before or after the
   ones it has). Blocks never span two regions.
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID / ALLOC_ERR_OVERFLOW / ALLOC_ERR_TOO_SMALL as
             init; ALLOC_ERR_OVERLAP if it overlaps a region the heap already has (a
             region added twice). On failure nothing changes.
   Cost:     O(regions). */
ALLOC_DEF alloc_result alloc_heap_add(alloc_heap *h, void *buf, size_t size);

/* alloc_heap_alloc: a block of at least `size` bytes, aligned to ALLOC_HEAP_ALIGN.
   Returns:  the block (contents undefined), or NULL iff size is 0, so large that the
             size arithmetic would wrap, or no free block can hold it (counted in
             fail_count). On NULL nothing changes.
   Cost:     GOOD: O(1), no loop over blocks (free blocks larger than the last size class,
             16 GiB on 64-bit, share one list that is searched). FIRST/NEXT/BEST/WORST:
             O(free blocks). */
ALLOC_DEF void *alloc_heap_alloc(alloc_heap *h, size_t size);

/* alloc_heap_alloc_aligned: as alloc_heap_alloc, aligned to `align` (a power of two, any
   size: 4096 for a page). align <= ALLOC_HEAP_ALIGN is a plain alloc. The block keeps
   that alignment through alloc_heap_realloc (one word of the block records it).
   Returns:  the block, or NULL iff alloc_heap_alloc would, or align is not a power of
             two. The slack before an aligned block goes back to the free lists.
   Cost:     as alloc_heap_alloc (GOOD searches for size + align, so a large alignment
             needs that much room in one block). */
ALLOC_DEF void *alloc_heap_alloc_aligned(alloc_heap *h, size_t size, size_t align);

/* alloc_heap_calloc: n * size bytes, zeroed.
   Returns:  the block, or NULL iff n * size wraps, is 0, or cannot be allocated.
   Cost:     as alloc_heap_alloc, plus zeroing. */
ALLOC_DEF void *alloc_heap_calloc(alloc_heap *h, size_t n, size_t size);

/* alloc_heap_realloc: resizes p to `size` bytes. Shrinks in place (the tail goes back to
   the free lists when it can make a block); grows in place into a free next neighbour;
   otherwise allocates a new block with p's alignment, copies and frees p.
   realloc(NULL, n) allocates; realloc(p, 0) frees p and returns NULL.
   Returns:  the block, or NULL when out of memory or size is impossible (p is then
             untouched and still live), or when p is not a live block of this heap
             (refused through ALLOC_ON_ERROR, as free does).
   Cost:     O(1) in place (GOOD); a move costs an alloc, a copy and a free. */
ALLOC_DEF void *alloc_heap_realloc(alloc_heap *h, void *p, size_t size);

/* alloc_heap_free: gives p back; it is coalesced with both neighbours at once when they
   are free (boundary tags). NULL is a no-op. A pointer that is not a live block - outside
   every region (ALLOC_ERR_FOREIGN), off the block grid or without a sane header
   (ALLOC_ERR_NOT_BLOCK), or whose header says it is already free
   (ALLOC_ERR_DOUBLE_FREE, caught in release builds too) - changes nothing and is
   reported once through ALLOC_ON_ERROR. With ALLOC_DEBUG the region is also walked to
   prove that p starts a block.
   Cost:     GOOD: O(1); the other policies: O(free blocks) (address-ordered insert). */
ALLOC_DEF void alloc_heap_free(alloc_heap *h, void *p);

/* alloc_heap_usable_size: the bytes p can really hold (>= what was asked), or 0 when p
   is NULL or not a live block of this heap (not reported). Cost: O(regions). */
ALLOC_DEF size_t alloc_heap_usable_size(const alloc_heap *h, const void *p);

/* alloc_heap_owns: 1 if p points into one of the heap's regions, else 0. O(regions). */
ALLOC_DEF int alloc_heap_owns(const alloc_heap *h, const void *p);

/* alloc_heap_stats: the common figures. capacity: bytes in all blocks of all regions
   (headers included); used: bytes in live blocks, their headers included; free: the
   bytes free blocks could hand out (each block's size less its header), so that
   used + free + header * free_blocks == capacity; largest_free: the largest request one
   alloc_heap_alloc could serve now. Cost: O(blocks): it walks every region. */
ALLOC_DEF void alloc_heap_stats(const alloc_heap *h, alloc_stats *out);

/* alloc_heap_check: walks every region block by block and every free list: sizes add up
   to the region, tags agree with the neighbours, no two free blocks touch, every free
   block is on the right list exactly once, bitmaps match the lists, the used count
   matches. Returns ALLOC_OK or ALLOC_ERR_CORRUPT (ALLOC_ERR_INVALID for NULL).
   Cost: O(blocks + regions^2). */
ALLOC_DEF alloc_result alloc_heap_check(const alloc_heap *h);

/* alloc_heap_allocator: the heap behind the common interface (align 0: the default). */
ALLOC_DEF alloc_allocator alloc_heap_allocator(alloc_heap *h);

#if !defined(ALLOC_STATIC) || defined(ALLOC_DUMP)
/* alloc_heap_dump (ALLOC_DUMP): draws each region as the lecture's memory map - a row of
   cells, '#' used and '.' free, '|' where a block begins - then, for small heaps, a
   table of blocks (offset, size, state), the stats and the external fragmentation
   (1 - largest_free / free). Cost: O(blocks). */
ALLOC_DEF void alloc_heap_dump(const alloc_heap *h, alloc_write_fn write, void *user);
#endif

/* alloc_heap_live_count / alloc_heap_report_live: the live blocks, counted or listed
   with file:line, as alloc_arena_live_count / alloc_arena_report_live. O(live blocks). */
ALLOC_DEF size_t alloc_heap_live_count(const alloc_heap *h);
#if !defined(ALLOC_STATIC) || defined(ALLOC_DUMP)
ALLOC_DEF size_t alloc_heap_report_live(const alloc_heap *h, alloc_write_fn write, void *user);
#endif
/* Tracking macros, as the arena's. */
#ifdef ALLOC_DEBUG
ALLOC_DEF void *alloc_heap_alloc_at(alloc_heap *h, size_t size, const char *file, int line);
ALLOC_DEF void *alloc_heap_alloc_aligned_at(alloc_heap *h, size_t size, size_t align, const char *file, int line);
ALLOC_DEF void *alloc_heap_calloc_at(alloc_heap *h, size_t n, size_t size, const char *file, int line);
ALLOC_DEF void *alloc_heap_realloc_at(alloc_heap *h, void *p, size_t size, const char *file, int line);
#  define ALLOC_HEAP_ALLOC(h, n)                 alloc_heap_alloc_at((h), (n), __FILE__, __LINE__)
#  define ALLOC_HEAP_ALLOC_ALIGNED(h, n, align)  alloc_heap_alloc_aligned_at((h), (n), (align), __FILE__, __LINE__)
#  define ALLOC_HEAP_CALLOC(h, n, size)          alloc_heap_calloc_at((h), (n), (size), __FILE__, __LINE__)
#  define ALLOC_HEAP_REALLOC(h, p, n)            alloc_heap_realloc_at((h), (p), (n), __FILE__, __LINE__)
#else
#  define ALLOC_HEAP_ALLOC(h, n)                 alloc_heap_alloc((h), (n))
#  define ALLOC_HEAP_ALLOC_ALIGNED(h, n, align)  alloc_heap_alloc_aligned((h), (n), (align))
#  define ALLOC_HEAP_CALLOC(h, n, size)          alloc_heap_calloc((h), (n), (size))
#  define ALLOC_HEAP_REALLOC(h, p, n)            alloc_heap_realloc((h), (p), (n))
#endif
#endif /* ALLOC_NO_HEAP */
/* <<heap declarations end */

/* >>buddy ============================================================================= (declarations) */
#ifndef ALLOC_NO_BUDDY

/* The buddy allocator: power-of-two blocks over the caller's buffer. A request is rounded
   up to a power of two times min_block (its order k); a larger free block is split in
   halves until one of order k is left (the lower half is handed out, the upper half stays
   free); free merges a block with its buddy - the block whose address differs in exactly
   bit k - while that buddy is free and whole. Blocks carry no header: a request of one
   page takes exactly one page.

   Alignment: every block of 2^k * min_block bytes sits at an address that is a multiple
   of its own size (absolute, not only relative to the base). The buffer's memory is cut
   into the largest such blocks it holds ("top-level blocks", at most 2^14 min blocks
   each); hand in a buffer aligned to the largest block you want for it to be one block. */

/* Orders 0 .. ALLOC_BUDDY_ORDERS-1: the largest block is min_block << 14 (256 KiB with
   16-byte min blocks, 64 MiB with 4 KiB pages); a larger buffer becomes several blocks. */
#define ALLOC_BUDDY_ORDERS 15
/* The smallest min_block: a free block holds its free-list links and its order. */
#define ALLOC_BUDDY_MIN_BLOCK 16
/* The buffer size that manages `blocks` min blocks of `min_block` bytes (a buffer aligned
   to min_block): the blocks, then half a byte of metadata per block. */
#define ALLOC_BUDDY_BUFFER_SIZE(blocks, min_block) ((blocks) * (min_block) + ((blocks) + 1) / 2)

/* A free block's list node, in the block's first bytes. Not API. */
typedef struct alloc_buddy_node {
    struct alloc_buddy_node *next;  /* the next free block of the same order, or NULL */
    size_t prev;                    /* (offset of the previous free block + 16) | order;
                                       the offset part is 0 for the first in its list */
} alloc_buddy_node;

typedef struct alloc_buddy {
    /* not API: the memory under management, [base, base + span) */
    unsigned char    *base;         /* aligned to min_block */
    size_t            span;         /* a multiple of min_block */
    unsigned char    *tags;         /* one nibble per min block (see >>buddy in the code) */
    size_t            min_block;
    size_t            largest;      /* bytes in the largest top-level block */
    int               shift;        /* log2(min_block) */
    int               top_order;    /* the order of the largest top-level block */
    unsigned          nonempty;     /* bit k set iff free list k is not empty */
    /* not API: the figures (before the arrays: on a Cortex-M a field in the first 128
       bytes is reached by a 2-byte instruction) */
    size_t            used, peak;   /* bytes in live blocks, and the most there were */
    size_t            requested, granted;   /* bytes asked for / handed out, since init */
    size_t            alloc_count, free_count, fail_count, error_count;
                                    /* live blocks = alloc_count - free_count (a moving
                                       realloc counts one of each) */
    unsigned char    *buf;          /* the caller's buffer and size, as handed in */
    size_t            size;
    alloc_buddy_node *heads[ALLOC_BUDDY_ORDERS];   /* free lists, one per order */
    size_t            nfree[ALLOC_BUDDY_ORDERS];   /* their lengths */
#ifdef ALLOC_DEBUG
    struct alloc__dbg_rec *dbg_live;  /* not API: the records of the live blocks (>>debug) */
    size_t             dbg_count;
#endif
} alloc_buddy;

/* What only a buddy knows, beside the common alloc_stats. */
typedef struct alloc_buddy_figures {
    size_t min_block;                           /* bytes in a block of order 0 */
    int    top_order;                           /* order of the largest top-level block */
    size_t top_blocks;                          /* how many top-level blocks the buffer gave */
    size_t free_per_order[ALLOC_BUDDY_ORDERS];  /* free blocks of each order */
    size_t metadata_bytes;                      /* the nibble array at the end of buf */
    size_t lost_bytes;                          /* of buf: alignment at the start, slack at the end */
    size_t requested_bytes;                     /* sum of the sizes asked for, since init */
    size_t granted_bytes;                       /* sum of the block sizes handed out for them:
                                                   internal fragmentation = 1 - requested/granted */
} alloc_buddy_figures;

/* alloc_buddy_metadata_size: the bytes at the end of a buffer of `size` bytes (aligned to
   min_block) that alloc_buddy_init keeps for its metadata: half a byte per min block.
   Returns:  that number, or 0 iff min_block is not a power of two, is smaller than
             ALLOC_BUDDY_MIN_BLOCK, or `size` cannot hold the metadata and one block.
   Cost:     O(1). An unaligned buffer loses up to min_block - 1 bytes at its start. */
ALLOC_DEF size_t alloc_buddy_metadata_size(size_t size, size_t min_block);

/* alloc_buddy_init: an empty buddy over `buf` of `size` bytes (any size, any alignment).
   The start of buf is rounded up to min_block; the metadata (one nibble per min block)
   is kept at the end of buf, so the blocks keep all the alignment the buffer has; the
   memory between is cut into the largest self-aligned power-of-two blocks it holds.
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID if b or buf is NULL, or min_block is not a power
             of two or is below ALLOC_BUDDY_MIN_BLOCK; ALLOC_ERR_OVERFLOW if buf + size
             wraps; ALLOC_ERR_TOO_SMALL if buf cannot hold the metadata and one block.
             On failure *b and buf are untouched.
   Cost:     O(size / min_block) to clear the metadata; O(1) stack. */
ALLOC_DEF alloc_result alloc_buddy_init(alloc_buddy *b, void *buf, size_t size, size_t min_block);

/* alloc_buddy_alloc: a block of at least `size` bytes.
   Returns:  a block of 2^k * min_block bytes (the smallest that holds size), aligned to
             its own size; NULL iff size is 0, larger than the largest block, or no free
             block of that order or above is left (nothing changes). Contents undefined.
   Cost:     O(orders): one bit scan finds the smallest free block that is large enough,
             then one split per order down; no loop over blocks, no recursion.
   Threads:  none; serialise calls on one alloc_buddy. */
ALLOC_DEF void *alloc_buddy_alloc(alloc_buddy *b, size_t size);

/* alloc_buddy_free: gives the block at p back, merging it with its buddy while the buddy
   is free and whole. No size is needed: the order of a live block is in the metadata.
   p == NULL is a no-op. A pointer outside the buddy (ALLOC_ERR_FOREIGN), not at the start
   of a block (ALLOC_ERR_NOT_BLOCK) or at a free block (ALLOC_ERR_DOUBLE_FREE) is refused
   through ALLOC_ON_ERROR, once, and nothing changes.
   Cost:     O(orders) (one merge per order at most). */
ALLOC_DEF void alloc_buddy_free(alloc_buddy *b, void *p);

/* alloc_buddy_realloc: resizes the block at p. A smaller order shrinks in place (the
   upper halves are split off and freed); a larger one grows in place when p is the lower
   half at each level and each buddy above is free and whole; otherwise a new block is
   taken, the old block's bytes copied and the old block freed. realloc(NULL, n) allocates;
   size 0 frees and returns NULL.
   Returns:  the block, or NULL when size is too large or memory runs out (p stays valid
             and unchanged), or when p is refused as by alloc_buddy_free.
   Cost:     O(orders) in place; O(size) when it copies. */
ALLOC_DEF void *alloc_buddy_realloc(alloc_buddy *b, void *p, size_t size);

/* alloc_buddy_usable_size: the size of the live block at p (its whole power of two), or
   0 if p is NULL or not the start of a live block (not reported). Cost: O(1). */
ALLOC_DEF size_t alloc_buddy_usable_size(const alloc_buddy *b, const void *p);

/* alloc_buddy_owns: 1 if p points into the memory the buddy manages, else 0. O(1). */
ALLOC_DEF int alloc_buddy_owns(const alloc_buddy *b, const void *p);

/* alloc_buddy_stats: the common figures. capacity: bytes in all blocks (the metadata and
   the alignment slack of buf excluded); used: bytes of live blocks, whole powers of two;
   free: capacity - used; largest_free: the largest free block; free_blocks: blocks on the
   free lists; peak_used: the largest `used` seen. Cost: O(1). */
ALLOC_DEF void alloc_buddy_stats(const alloc_buddy *b, alloc_stats *out);

/* alloc_buddy_stats_ex: what only a buddy knows (see alloc_buddy_figures), including the
   internal fragmentation: bytes asked for against bytes handed out (cumulative since
   init, so it wraps after SIZE_MAX bytes). Cost: O(orders + top-level blocks). */
ALLOC_DEF void alloc_buddy_stats_ex(const alloc_buddy *b, alloc_buddy_figures *out);

/* alloc_buddy_check: walks every block and every free list. Returns ALLOC_OK when the
   free lists, the bitmap of non-empty orders and the block orders agree, every min block
   is covered by exactly one block, and no two free buddies of one order are left
   unmerged; else ALLOC_ERR_CORRUPT (ALLOC_ERR_INVALID for b == NULL).
   Cost:     O(span / min_block + free blocks * orders). */
ALLOC_DEF alloc_result alloc_buddy_check(const alloc_buddy *b);

/* alloc_buddy_allocator: the buddy behind the common interface. An alignment (a power of
   two; 0 means min_block) is served by rounding the size up to it, since every block is
   aligned to its own size: align == size gives a block aligned to its size, as slabs
   need. An alignment larger than the largest block, or not a power of two, gives NULL. */
ALLOC_DEF alloc_allocator alloc_buddy_allocator(alloc_buddy *b);

#if !defined(ALLOC_STATIC) || defined(ALLOC_DUMP)
/* alloc_buddy_dump (ALLOC_DUMP): the lecture's picture - one row of min blocks, each
   block drawn as |2^k### (used) or |2^k... (free) across the cells it covers - then the
   free-list lengths per order and the stats. More than 64 min blocks are scaled (one
   cell per several min blocks, said in the legend; ':' marks a cell holding used and
   free blocks). Cost: O(span / min_block). */
ALLOC_DEF void alloc_buddy_dump(const alloc_buddy *b, alloc_write_fn write, void *user);
#endif

/* alloc_buddy_live_count / alloc_buddy_report_live: the live blocks, counted or listed
   with file:line, as alloc_arena_live_count / alloc_arena_report_live. O(live blocks). */
ALLOC_DEF size_t alloc_buddy_live_count(const alloc_buddy *b);
#if !defined(ALLOC_STATIC) || defined(ALLOC_DUMP)
ALLOC_DEF size_t alloc_buddy_report_live(const alloc_buddy *b, alloc_write_fn write, void *user);
#endif
/* Tracking macros, as the arena's. */
#ifdef ALLOC_DEBUG
ALLOC_DEF void *alloc_buddy_alloc_at(alloc_buddy *b, size_t size, const char *file, int line);
ALLOC_DEF void *alloc_buddy_realloc_at(alloc_buddy *b, void *p, size_t size, const char *file, int line);
#  define ALLOC_BUDDY_ALLOC(b, n)      alloc_buddy_alloc_at((b), (n), __FILE__, __LINE__)
#  define ALLOC_BUDDY_REALLOC(b, p, n) alloc_buddy_realloc_at((b), (p), (n), __FILE__, __LINE__)
#else
#  define ALLOC_BUDDY_ALLOC(b, n)      alloc_buddy_alloc((b), (n))
#  define ALLOC_BUDDY_REALLOC(b, p, n) alloc_buddy_realloc((b), (p), (n))
#endif
#endif /* ALLOC_NO_BUDDY */
/* <<buddy declarations end */

/* >>slab ============ slab caches (Bonwick) and the kmalloc-style composite (declarations) */
#ifndef ALLOC_NO_SLAB

/* What a slab cache holds. Zeroed fields mean "the default" (flat, in declaration order,
   so C++20 designated initialisers work). */
typedef struct alloc_slab_desc {
    const char *name;                       /* for the reports; NULL: "slab" */
    size_t size, align, slab_size;          /* object size; alignment (0: pointer size);
                                               bytes per slab, a power of two (0: Bonwick's
                                               rule, see alloc_slab_init) */
    void (*ctor)(void *obj, void *user);    /* optional: runs once per object, when its slab
                                               is made, not on every alloc */
    void (*dtor)(void *obj, void *user);    /* optional: runs for every object when its slab
                                               is given back (live or free) */
    void *user;                             /* passed to ctor and dtor */
} alloc_slab_desc;

/* The header at the start of every slab. Not API: read it through alloc_slab_get_info
   and alloc_slab_dump. The used-object bitmap (and, in a cache with a constructor or a
   destructor, the free-index stack) follow it inside the slab. */
typedef struct alloc_slab_page {
    const struct alloc_slab *cache;         /* the owner: proves a masked address is ours */
    struct alloc_slab_page  *next, *prev;   /* the list of its state */
    void                    *free;          /* free list through the objects freed (no ctor) */
    size_t                   nfree;         /* free objects in this slab */
    size_t                   list;          /* which list it is on (see the implementation) */
} alloc_slab_page;

typedef struct alloc_slab {
    /* not API: the fast path reads only these */
    alloc_slab_page *cur;            /* the slab allocations come from (on no list), or a
                                        read-only stand-in with no free object */
    uintptr_t        mask;           /* ~(slab_size - 1): object address -> slab header */
    uintptr_t        gmask;          /* align - 1: objects start on this grid */
    size_t           fast_lim;       /* objects per slab - 2: frees below it move no slab */
    size_t           stack_off;      /* offset of the free-index stack (0: links inside) */
    size_t           live, peak;
    size_t           free_count;
    /* not API: the geometry */
    size_t           size, align, slab_size, objs, first, nwords;
    /* not API: the three lists (Bonwick), and the slabs' memory */
    alloc_slab_page *full, *partial, *empty;
    size_t           nslabs;
    alloc_allocator  source;         /* source.alloc == NULL: slabs carved from a buffer */
    unsigned char   *carve, *carve_end, *buf_lo, *buf_hi;
    void            *spare;          /* buffer mode: slabs given back, ready to be remade */
    alloc_slab_desc  desc;
    size_t           fail_count, error_count, ctor_count, dtor_count;
#ifdef ALLOC_DEBUG
    struct alloc__dbg_rec *dbg_live;  /* not API: the records of the live blocks (>>debug) */
    size_t             dbg_count;
#endif
} alloc_slab;

/* The figures particular to a slab cache (alloc_slab_stats gives the common ones). */
typedef struct alloc_slab_info {
    const char *name;
    size_t object_size;        /* after rounding up to the alignment */
    size_t align;
    size_t slab_size;
    size_t objects_per_slab;
    size_t header_bytes;       /* header + used bitmap (+ free-index stack) per slab */
    size_t wasted_per_slab;    /* slab_size - objects_per_slab * object_size */
    size_t slabs_full, slabs_partial, slabs_empty;   /* by state; the current slab too */
    size_t objects_live, objects_free;
    size_t ctor_calls, dtor_calls;
} alloc_slab_info;

/* The smallest slab alloc_slab_init tries, and the largest it picks by itself. */
#ifndef ALLOC_SLAB_MIN_SIZE
#define ALLOC_SLAB_MIN_SIZE ((size_t)(sizeof(void *) >= 8 ? 4096 : sizeof(void *) >= 4 ? 1024 : 256))
#endif
#ifndef ALLOC_SLAB_MAX_SIZE
#define ALLOC_SLAB_MAX_SIZE ((size_t)1 << (sizeof(size_t) >= 4 ? 20 : 13))
#endif

/* alloc_slab_init: an empty cache of objects of d->size bytes whose slabs come from
   `source` (the buddy, the heap, an arena: anything that hands out a block of slab_size
   bytes aligned to slab_size). The descriptor is copied; d->name must outlive the cache.
   Geometry: objects are d->size rounded up to a multiple of the alignment, which is
   d->align raised to at least sizeof(void *). The slab size is d->slab_size, or by
   default the smallest power of two from ALLOC_SLAB_MIN_SIZE up that wastes at most 1/8
   of the slab on its header and leftover (Bonwick's rule; the least wasteful size up to
   ALLOC_SLAB_MAX_SIZE when none does). In a cache with a constructor or destructor each
   object also takes 2 bytes of the slab header (its free-stack entry), counted with the
   object by the rule.
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID for NULL s or d, size 0, a source without alloc,
             or a slab_size that is not a power of two; ALLOC_ERR_ALIGN if align is not a
             power of two; ALLOC_ERR_TOO_SMALL if no slab (up to ALLOC_SLAB_MAX_SIZE, or
             the given slab_size) can hold one object; ALLOC_ERR_OVERFLOW when the size
             arithmetic would wrap. On failure *s is untouched.
   Cost:     O(log(slab size)); takes no memory until the first alloc.
   Contract: a freed object must be left in its constructed state: in a cache with a
             constructor the next alloc hands it out again without running the
             constructor (object caching). */
ALLOC_DEF alloc_result alloc_slab_init(alloc_slab *s, const alloc_slab_desc *d, alloc_allocator source);

/* alloc_slab_init_buffer: the same cache over one caller buffer: slabs are carved from
   `buf` at addresses aligned to the slab size (hand in a buffer aligned to it, or lose up
   to one slab to the alignment), no source. A default slab size is lowered until at least
   one slab fits.
   Returns:  as alloc_slab_init; ALLOC_ERR_INVALID for a NULL buf; ALLOC_ERR_TOO_SMALL if
             not one slab fits in the buffer.
   Cost:     O(log(slab size)). */
ALLOC_DEF alloc_result alloc_slab_init_buffer(alloc_slab *s, const alloc_slab_desc *d, void *buf, size_t size);

/* alloc_slab_alloc: one object, aligned to the cache's alignment. From the current slab;
   when it is used up, from a partial slab first, then an empty one, then a new slab from
   the source (whose objects are constructed then, once each).
   Returns:  the object (constructed, if the cache has a constructor; in a cache without
             one its contents are undefined), or NULL iff no slab has a free object and
             the source (or the buffer) gives no new slab. Nothing changes on failure.
   Cost:     O(1), a new slab included (one source call); in a cache with a constructor
             or destructor a new slab also costs O(objects per slab), the constructor
             calls and the free stack. */
ALLOC_DEF void *alloc_slab_alloc(alloc_slab *s);

/* alloc_slab_free: gives an object back to its slab, found by masking the address (the
   slab is aligned to its own size): O(1), no search. The object keeps its constructed
   state; no destructor runs. A slab that becomes empty or stops being full moves list.
   NULL is a no-op. Refused, reported once through ALLOC_ON_ERROR and counted, with
   nothing changed: a pointer whose slab header does not name this cache
   (ALLOC_ERR_FOREIGN), a pointer off the object grid (ALLOC_ERR_NOT_BLOCK), an object
   already free (ALLOC_ERR_DOUBLE_FREE, caught in release builds too: a bit per object).
   Contract: obj is NULL or points into memory that is readable at its slab-aligned base:
             any pointer from a slab cache or from the memory of this cache's source. */
ALLOC_DEF void alloc_slab_free(alloc_slab *s, void *obj);

/* alloc_slab_shrink: gives every empty slab back to the source (to the buffer's spare
   slabs in a buffer cache), running the destructor on each of its objects.
   Returns:  the bytes given back. Cost: O(empty slabs x objects per slab). */
ALLOC_DEF size_t alloc_slab_shrink(alloc_slab *s);

/* alloc_slab_destroy: runs the destructor on every constructed object (live or free) and
   gives every slab back. Live objects become invalid. The cache stays initialised and
   empty, ready to be used again. Cost: O(slabs x objects per slab). */
ALLOC_DEF void alloc_slab_destroy(alloc_slab *s);

/* alloc_slab_owns: 1 if p points into the object area of one of the cache's slabs (a
   live or a free object), else 0. Safe for any pointer. Cost: O(slabs). */
ALLOC_DEF int alloc_slab_owns(const alloc_slab *s, const void *p);

/* alloc_slab_stats: the common figures. capacity: object bytes in all slabs; used: live
   objects x object size; free: free objects x object size (a buffer's uncarved part and
   a source's memory are not counted); largest_free: the object size when an object is
   free, else 0; peak_used: the most objects live at once x object size; live_blocks and
   free_blocks count objects. Cost: O(slabs). */
ALLOC_DEF void alloc_slab_stats(const alloc_slab *s, alloc_stats *out);

/* alloc_slab_get_info: the slab figures: geometry, waste per slab, slabs by state
   (full / partial / empty), objects live, constructor and destructor calls. O(slabs). */
ALLOC_DEF void alloc_slab_get_info(const alloc_slab *s, alloc_slab_info *out);

/* alloc_slab_check: walks every slab. Returns ALLOC_OK when each list is well linked and
   holds only slabs of its state, every header names this cache, each slab's free list
   (or free-index stack) holds exactly its free objects, on the grid, none twice, and the
   bitmaps and counts add up; else ALLOC_ERR_CORRUPT (ALLOC_ERR_INVALID for NULL).
   Cost: O(slabs x objects per slab). */
ALLOC_DEF alloc_result alloc_slab_check(const alloc_slab *s);

/* alloc_slab_allocator: the cache behind the common interface. It serves requests of
   1..object size bytes with an alignment of at most the cache's (0: the cache's);
   others get NULL. realloc keeps the object when the new size fits, else NULL. */
ALLOC_DEF alloc_allocator alloc_slab_allocator(alloc_slab *s);

#if !defined(ALLOC_STATIC) || defined(ALLOC_DUMP)
/* alloc_slab_dump (ALLOC_DUMP): the cache's geometry, then each slab as a row of its
   objects ('#' live, '.' free), grouped full / partial / empty, then the stats.
   Cost: O(slabs x objects per slab). */
ALLOC_DEF void alloc_slab_dump(const alloc_slab *s, alloc_write_fn write, void *user);
#endif

/* alloc_slab_live_count / alloc_slab_report_live: the live blocks, counted or listed
   with file:line, as alloc_arena_live_count / alloc_arena_report_live. O(live blocks). */
ALLOC_DEF size_t alloc_slab_live_count(const alloc_slab *s);
#if !defined(ALLOC_STATIC) || defined(ALLOC_DUMP)
ALLOC_DEF size_t alloc_slab_report_live(const alloc_slab *s, alloc_write_fn write, void *user);
#endif
/* Tracking macros, as the arena's. */
#ifdef ALLOC_DEBUG
ALLOC_DEF void *alloc_slab_alloc_at(alloc_slab *s, const char *file, int line);
#  define ALLOC_SLAB_ALLOC(s) alloc_slab_alloc_at((s), __FILE__, __LINE__)
#else
#  define ALLOC_SLAB_ALLOC(s) alloc_slab_alloc((s))
#endif


/* alloc_slab_cache_of: the cache named in the header of the slab that holds obj, for a
   cache whose slabs are `slab_size` bytes: obj masked down to the slab, the header's
   owner read. It is how a user of several caches with one slab size (a kmalloc) routes
   a free without a search. The result is unchecked: compare it with your caches.
   Returns:  the cache, or NULL when obj is NULL or slab_size is not a power of two
             (or, under ASan or memcheck, when the header lies in poisoned memory).
   Cost:     O(1). Contract: as alloc_slab_free (the slab-aligned base must be readable). */
ALLOC_DEF alloc_slab *alloc_slab_cache_of(const void *obj, size_t slab_size);

#ifndef ALLOC_NO_BUDDY
/* >>kmalloc: a general-purpose allocator in the kernel's way ---------------------------
   Size classes from 16 to 2048 bytes, each a slab cache whose slabs are blocks taken from
   a buddy; larger requests go to the buddy directly. free and realloc take no size: a
   pointer inside a live slab-sized buddy block whose header names one of the caches is a
   slab object, a pointer at the start of any other live buddy block is a large block.
   Built only from the public faces of the slab and the buddy. */

/* The classes (bytes): 16 32 48 64 96 128 192 256 384 512 768 1024 1536 2048. */
#define ALLOC_KMALLOC_CLASSES 14
#define ALLOC_KMALLOC_MAX     ((size_t)2048)     /* largest request a slab cache serves */
#define ALLOC_KMALLOC_ALIGN   ((size_t)16)       /* every block is aligned to at least this */
#ifndef ALLOC_KMALLOC_SLAB_SIZE
#define ALLOC_KMALLOC_SLAB_SIZE ((size_t)16384)  /* bytes per slab, for every class */
#endif
#ifndef ALLOC_KMALLOC_SLAB_TABLE
#define ALLOC_KMALLOC_SLAB_TABLE 256             /* direct-mapped table of slab addresses
                                                    (a power of two) */
#endif

typedef struct alloc_kmalloc {
    /* not API */
    struct alloc_buddy *buddy;
    size_t              slab_size, slab_shift;                /* S and log2(S) */
    size_t              nclasses;                            /* classes with a cache */
    unsigned char       class_of[ALLOC_KMALLOC_MAX / 16 + 1];   /* (size + 15) / 16 -> class */
    alloc_slab          caches[ALLOC_KMALLOC_CLASSES];
    void               *slabs[ALLOC_KMALLOC_SLAB_TABLE];   /* slab addresses, by (address / S) */
    size_t              large_live, large_bytes, large_count, large_frees;
    size_t              fail_count, error_count;
} alloc_kmalloc;

/* alloc_kmalloc_init: a kmalloc over the buddy `b` (which may serve others too). Every
   class cache takes slabs of ALLOC_KMALLOC_SLAB_SIZE bytes from it (lowered to the
   largest block the buddy has, raised to its min_block); a class whose objects do not fit
   such a slab is served by the buddy like a large request. The kmalloc must not move
   after init (its caches are named in their slabs' headers).
   Returns:  ALLOC_OK; ALLOC_ERR_INVALID for NULL arguments; ALLOC_ERR_TOO_SMALL when the
             buddy has no free block of at least 1 KiB.
   Cost:     O(classes); takes no memory until the first allocation. */
ALLOC_DEF alloc_result alloc_kmalloc_init(alloc_kmalloc *k, struct alloc_buddy *b);

/* alloc_kmalloc_alloc: `size` bytes aligned to ALLOC_KMALLOC_ALIGN: from the smallest
   class that holds it, or (over 2048 bytes) a buddy block of the next power of two.
   Returns:  the block, or NULL iff size is 0 or the buddy has no memory for it.
   Cost:     O(1) from a slab; a new slab or a large block is O(orders) in the buddy. */
ALLOC_DEF void *alloc_kmalloc_alloc(alloc_kmalloc *k, size_t size);

/* alloc_kmalloc_free: gives p back to its slab cache or to the buddy; no size needed.
   NULL is a no-op. A pointer that is neither a live object of a cache nor the start of a
   live large block is refused once through ALLOC_ON_ERROR (by the cache for a double
   free or an interior pointer in a slab; else ALLOC_ERR_FOREIGN / ALLOC_ERR_NOT_BLOCK).
   Cost:     O(1) for a slab object; O(orders) for a large block. */
ALLOC_DEF void alloc_kmalloc_free(alloc_kmalloc *k, void *p);

/* alloc_kmalloc_realloc: resizes p: kept in place while the new size needs the same
   class (or, large, while the buddy can resize in place); else moved and copied.
   realloc(NULL, n) allocates; size 0 frees and returns NULL.
   Returns:  the block, or NULL when out of memory (p stays valid and unchanged) or when
             p is refused as by alloc_kmalloc_free. Cost: O(size) when it copies. */
ALLOC_DEF void *alloc_kmalloc_realloc(alloc_kmalloc *k, void *p, size_t size);

/* alloc_kmalloc_usable_size: the bytes p may use: its class size for a live object of
   a class cache (under ALLOC_DEBUG the size asked for), its buddy block's size for a
   large block; 0 if p is NULL, free, inside a block or not ours (not reported). O(1). */
ALLOC_DEF size_t alloc_kmalloc_usable_size(const alloc_kmalloc *k, const void *p);

/* alloc_kmalloc_shrink: every class cache gives its empty slabs back to the buddy.
   Returns the bytes given back. Cost: O(empty slabs). */
ALLOC_DEF size_t alloc_kmalloc_shrink(alloc_kmalloc *k);

/* alloc_kmalloc_destroy: every slab goes back to the buddy (small blocks become invalid).
   Large blocks are the buddy's: free them first, or reinitialise the buddy. O(slabs). */
ALLOC_DEF void alloc_kmalloc_destroy(alloc_kmalloc *k);

/* alloc_kmalloc_stats: capacity: the buddy's capacity; used: live small objects at their
   class size + live large blocks at their block size; free: the buddy's free bytes + the
   free objects in the slabs; largest_free: the buddy's largest free block (or the largest
   class with a free object, if larger); peak_used: the buddy's peak (slabs counted whole);
   counts: small and large together; error_count: the caches' and the kmalloc's own.
   Cost: O(slabs). */
ALLOC_DEF void alloc_kmalloc_stats(const alloc_kmalloc *k, alloc_stats *out);

/* alloc_kmalloc_check: every class cache and the buddy. ALLOC_OK or ALLOC_ERR_CORRUPT. */
ALLOC_DEF alloc_result alloc_kmalloc_check(const alloc_kmalloc *k);

/* alloc_kmalloc_allocator: the kmalloc behind the common interface. Alignments up to
   ALLOC_KMALLOC_ALIGN as alloc_kmalloc_alloc; larger ones (powers of two) come from the
   buddy, whose blocks are aligned to their size. */
ALLOC_DEF alloc_allocator alloc_kmalloc_allocator(alloc_kmalloc *k);

#if !defined(ALLOC_STATIC) || defined(ALLOC_DUMP)
/* alloc_kmalloc_dump (ALLOC_DUMP): one line per class (object size, objects per slab,
   slabs full / partial / empty, live objects), the large blocks, and the stats. Draw the
   buddy with alloc_buddy_dump and one cache with alloc_slab_dump. O(slabs). */
ALLOC_DEF void alloc_kmalloc_dump(const alloc_kmalloc *k, alloc_write_fn write, void *user);
#endif

/* alloc_kmalloc_live_count / alloc_kmalloc_report_live: the live blocks, counted or listed
   with file:line, as alloc_arena_live_count / alloc_arena_report_live. O(live blocks). */
ALLOC_DEF size_t alloc_kmalloc_live_count(const alloc_kmalloc *k);
#if !defined(ALLOC_STATIC) || defined(ALLOC_DUMP)
ALLOC_DEF size_t alloc_kmalloc_report_live(const alloc_kmalloc *k, alloc_write_fn write, void *user);
#endif
/* Tracking macros, as the arena's. */
#ifdef ALLOC_DEBUG
ALLOC_DEF void *alloc_kmalloc_alloc_at(alloc_kmalloc *k, size_t size, const char *file, int line);
ALLOC_DEF void *alloc_kmalloc_realloc_at(alloc_kmalloc *k, void *p, size_t size, const char *file, int line);
#  define ALLOC_KMALLOC_ALLOC(k, n)      alloc_kmalloc_alloc_at((k), (n), __FILE__, __LINE__)
#  define ALLOC_KMALLOC_REALLOC(k, p, n) alloc_kmalloc_realloc_at((k), (p), (n), __FILE__, __LINE__)
#else
#  define ALLOC_KMALLOC_ALLOC(k, n)      alloc_kmalloc_alloc((k), (n))
#  define ALLOC_KMALLOC_REALLOC(k, p, n) alloc_kmalloc_realloc((k), (p), (n))
#endif
#endif /* ALLOC_NO_BUDDY */
#endif /* ALLOC_NO_SLAB */
/* <<slab declarations end */

/* >>sizing ============================================================================ (declarations) */
/* How large a buffer guarantees that a program never fails from fragmentation.

   Each helper takes what a program knows about itself - the largest allocation and the
   most bytes it has live at once (peak_total) - and returns a buffer size (any
   alignment) for which every allocation succeeds as long as the program stays within
   those two figures. The bound is the worst case over every order of allocations and
   frees, not an estimate; where the worst case is far above what programs meet, the
   doc says so and gives a measured figure beside it. Every helper returns 0 when its
   arguments are impossible or the bound does not fit in size_t.

   peak_total counts the bytes asked for, each request counted as at least the family's
   smallest unit (said per helper): a request smaller than that costs the unit anyway,
   so the unit is what it takes from the buffer. Cost: O(1) each (the slab: O(log slab)). */

#ifndef ALLOC_NO_ARENA
/* alloc_arena_size_for: the buffer for alloc_arena_init in which any sequence of
   allocations with at most `peak_total` bytes live at once (not yet released by reset,
   restore or a free of the newest), each aligned to at most `max_align`, fits.
   Counting: each allocation as at least max_align bytes.
   Derivation: an arena places allocation i at the top rounded up to a_i, so it takes
             s_i + pad_i bytes with pad_i <= a_i - 1 <= max_align - 1, and restore/reset
             give back exactly what the released allocations took (LIFO). With each
             allocation counted as >= max_align there are at most peak_total / max_align
             live ones, so the live bytes never exceed
                 peak_total + (peak_total / max_align) * (max_align - 1),
             and the block header takes ALLOC_ARENA_BLOCK_OVERHEAD (header plus the
             pointer alignment of an unaligned buffer). Exact: 1-byte-padded pieces of
             max_align bytes meet it. An arena does not fragment: no other term.
   Returns:  that size; 0 iff max_align is not a power of two, peak_total is 0, or the
             sum wraps. (max_align 0 means 1.) */
ALLOC_DEF size_t alloc_arena_size_for(size_t peak_total, size_t max_align);
#endif

#ifndef ALLOC_NO_HEAP
/* alloc_heap_size_for: the buffer for alloc_heap_init(.., fit) in which any sequence of
   alloc_heap_alloc / free (no aligned or realloc calls) with requests of at most
   `max_alloc` bytes and at most `peak_total` bytes live at once never fails.
   Counting: each request as at least ALLOC_HEAP_MIN_BLOCK bytes.
   Derivation (PROVEN, and impractically large; see the measured figure below):
     1. A request of s bytes takes the block B(s) = ALLOC_HEAP_BLOCK_SIZE(s)
        <= s + ALLOC_HEAP_BLOCK_OVERHEAD + ALLOC_HEAP_GRAIN - 1; with k <= P / MIN
        requests live, the live blocks total at most
            N = P + (P / MIN) * (BLOCK_OVERHEAD + GRAIN - 1)     (P = peak_total).
     2. Every fit policy fails a request of block size b only when no free block of the
        size it looks for exists: FIRST/NEXT/BEST/WORST look at every free block, so all
        are < b; GOOD takes the head of the request's own list or any block of a list
        above, so all free blocks are below the top of b's list: < b below 32 grains
        (exact lists), else < b + 2^floor(log2 b) / 2^ALLOC_HEAP_SUBCLASSES.
        Call H the largest free block that can then remain (for b = B(max_alloc)).
     3. Free blocks are coalesced, so two never touch: there are at most
        (live blocks + 1) <= (N - MIN) / MIN + 1 = N / MIN of them when the request
        fails, while live bytes are at most N - MIN. A failure so needs
            capacity <= N - MIN + (N / MIN) * H,
        and capacity N + (N / MIN) * H rules it out. The region costs at most
        ALLOC_HEAP_REGION_OVERHEAD more (its header, grid alignment, end sentinel).
   This is the worst case of any non-moving allocator that only looks at sizes (it is
   of the order of Robson's n*M bound for best fit, of which good fit is a
   quantisation): e.g. 64-bit, max 1 KiB, peak 16 KiB gives 1 MiB (63 x peak).
   MEASURED (empirical, not a guarantee): for that program the adversaries of
   tests/test_sizing.c needed at most 3.5 x peak (the doubling pattern: fill with one
   size, free every other block, refill with twice the size), 1.5 x for random mixes,
   1.04 x for best fit's enemy (holes one grain too small). Budget from the measured
   figure with a margin when a failure can be handled; use this one when it cannot.
   Returns:  that size; 0 iff max_alloc is 0 or too large for the heap, fit is not a
             policy, or the bound wraps. */
ALLOC_DEF size_t alloc_heap_size_for(size_t max_alloc, size_t peak_total, alloc_fit fit);
#endif

#ifndef ALLOC_NO_BUDDY
/* alloc_buddy_size_for: the buffer for alloc_buddy_init(.., min_block) in which any
   sequence of alloc_buddy_alloc / free with requests of at most `max_alloc` bytes and
   at most `peak_total` bytes live at once never fails.
   Counting: each request as at least min_block / 2 bytes.
   Derivation:
     1. A request of s bytes takes a block of max(min_block, 2^ceil(log2 s)) < 2 * max(s,
        min_block / 2) bytes, so the live blocks total at most 2 * peak_total; rounded up
        to a multiple of M = the block of max_alloc (M = 2^r min blocks) that is n.
     2. Knuth (TAOCP vol. 1, 2.5, exercise 41): when requests are 1..2^r units and live
        blocks never exceed n units (a multiple of 2^r), the buddy system that takes the
        smallest free block large enough - as alloc_buddy_alloc does - never overflows
        (r + 1) * n units. His bad case (fill with units, free all but every 2^k-th, ask
        for blocks of 2^k, for k = 1..r) needs (1 + r/2) * n: the bound is within a
        factor of 2 of what a program can be made to need.
     3. Those (r + 1) * n bytes must be whole self-aligned blocks of M bytes: an
        unaligned buffer loses min_block - 1 bytes to the min_block alignment of the
        base and up to M - min_block before the first M-aligned block; the metadata is
        half a byte per min block after them (alloc_buddy_metadata_size).
   Returns:  that size; 0 iff min_block is not a power of two >= ALLOC_BUDDY_MIN_BLOCK,
             max_alloc is 0 or above the largest block (min_block << 14), or the bound
             wraps. */
ALLOC_DEF size_t alloc_buddy_size_for(size_t max_alloc, size_t peak_total, size_t min_block);
#endif

#ifndef ALLOC_NO_SLAB
/* alloc_slab_size_for: the buffer for alloc_slab_init_buffer(.., d, ..) that holds
   `peak_objects` live objects at once, whatever the order of allocs and frees.
   Derivation: a slab cache does not fragment - every free object of every slab serves
   the next alloc - so it needs ceil(peak_objects / objects per slab) slabs, each of
   the slab size that alloc_slab_init picks for d (its own layout: header, bitmap,
   free-index stack, alignment), plus slab_size - 1 bytes for an unaligned buffer to
   reach the first slab-aligned address (hand in a buffer aligned to the slab size and
   that last term is spare). With that slack the buffer cache picks the same slab size
   as alloc_slab_init. Exact: one byte fewer in an aligned buffer holds one slab less.
   For a cache over a source, ask the source for the slabs: e.g. a buddy of
   alloc_buddy_size_for(slab_size, slabs * slab_size, min_block).
   Returns:  that size (peak_objects 0 counts as 1: init needs one slab); 0 iff d is
             refused by alloc_slab_init, or the bound wraps. */
ALLOC_DEF size_t alloc_slab_size_for(const alloc_slab_desc *d, size_t peak_objects);
#endif
/* <<sizing declarations end */

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
    size_t          calls;           /* allocations asked so far (alloc, and realloc to a
                                        size other than 0: the wrapper cannot tell a
                                        growing one from a shrinking one) */
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

/* Built for size (-Os, as firmware is) the copies and zeroing that the families need are
   loops of their own (alloc__copy, alloc__zero) unless the user supplied the function:
   newlib's memcpy and memset are larger than the loops and the code that calls them. */
#if defined(__OPTIMIZE_SIZE__) && (defined(__GNUC__) || defined(__clang__))
#  ifndef ALLOC_MEMCPY
#    define ALLOC__LOOP_COPY 1
#  endif
#  ifndef ALLOC_MEMSET
#    define ALLOC__LOOP_ZERO 1
#  endif
#endif
/* A CPU without a divide instruction (the Cortex-M0, any ARM without __ARM_FEATURE_IDIV)
   would link libgcc's divide, some 280 bytes, for the divisions of init and of the slab's
   misuse report; there alloc__div is a loop of ours instead. (The sizing helpers, kmalloc's
   lookup and the dumps still divide with `/`: calling them links libgcc's divide there.) */
#if !defined(ALLOC__LOOP_DIV) && defined(__arm__) && !defined(__ARM_FEATURE_IDIV)
#  define ALLOC__LOOP_DIV 1
#endif
/* The same for the bit scans where there is no count-leading-zeros instruction (the
   Cortex-M0) or no builtin (a compiler that is not GCC or Clang): alloc__clz halves its
   way down in log2(bits) steps instead of calling libgcc's __clzsi2 and __ctzsi2. */
#if !defined(ALLOC__LOOP_BITS) && ((defined(__arm__) && !defined(__ARM_FEATURE_CLZ)) || !(defined(__GNUC__) || defined(__clang__)))
#  define ALLOC__LOOP_BITS 1
#endif
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
#    define ALLOC_ON_ERROR(code, ptr, msg) ((void)(code), (void)(ptr), (void)(msg), ALLOC_ASSERT(!(msg)))
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
#  define ALLOC__OPEN(p, n)     ASAN_UNPOISON_MEMORY_REGION((p), (n))
#elif defined(ALLOC_VALGRIND)
   /* The same through memcheck's client requests: free bytes are no-access, fresh ones
      undefined (so a read of uninitialised allocation bytes is reported too). */
#  include <valgrind/memcheck.h>
#  define ALLOC__POISON(p, n)   ((void)VALGRIND_MAKE_MEM_NOACCESS((p), (n)))
#  define ALLOC__UNPOISON(p, n) ((void)VALGRIND_MAKE_MEM_UNDEFINED((p), (n)))
#  define ALLOC__OPEN(p, n)     ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#  define ALLOC__POISON(p, n)   ((void)(p), (void)(n))
#  define ALLOC__UNPOISON(p, n) ((void)(p), (void)(n))
#  define ALLOC__OPEN(p, n)     ((void)(p), (void)(n))
#endif
/* ALLOC__UNPOISON hands bytes out as fresh (memcheck: undefined); ALLOC__OPEN reopens our
   own metadata inside poisoned memory for a moment, its contents intact (defined). */

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
/* A piece that two paths share: inlined as the compiler likes when built for speed, one
   copy called from both when built for size (-Os, where GCC would still copy it). */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__OPTIMIZE_SIZE__)
#  define ALLOC__SHARED ALLOC__FN __attribute__((noinline))
#  define ALLOC__FOR_SIZE 1   /* a fast path that only copies a general one is left out */
#else
#  define ALLOC__SHARED ALLOC__INLINE
#  define ALLOC__FOR_SIZE 0
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

/* *d = *s, field by field: a struct assignment (or a by-value pass) of alloc_allocator
   makes GCC call memcpy on some targets (riscv at -Os), which a -nostdlib build lacks. */
ALLOC__INLINE void alloc__set_allocator(alloc_allocator *d, const alloc_allocator *s)
{
    d->alloc = s->alloc;
    d->realloc = s->realloc;
    d->free = s->free;
    d->ctx = s->ctx;
}

/* The common interface over one allocator: every family's _allocator() is this. */
ALLOC__FN alloc_allocator alloc__make_allocator(void *(*alloc_fn)(void *, size_t, size_t),
                                               void *(*realloc_fn)(void *, void *, size_t, size_t),
                                               void (*free_fn)(void *, void *), void *ctx)
{
    alloc_allocator al;
    al.alloc = alloc_fn;
    al.realloc = realloc_fn;
    al.free = free_fn;
    al.ctx = ctx;
    return al;
}

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

/* The word at p, read where p may lie inside a live block: checking a pointer that a
   caller handed in (an interior pointer, a double free) reads what would be a header.
   Under ASan or memcheck the bytes keep the state they had: opening and poisoning them
   again, as metadata is read elsewhere, would poison a live block's bytes. */
ALLOC__FN size_t alloc__peek_word(const void *p)
{
    const size_t *w = (const size_t *)p;
    size_t v;
#if defined(ALLOC__ASAN)
    if (__asan_region_is_poisoned((void *)(uintptr_t)p, sizeof v) == NULL) return *w;
#elif defined(ALLOC_VALGRIND)
    unsigned char vbits[sizeof(size_t)];
    if (VALGRIND_GET_VBITS(p, vbits, sizeof v) == 1) {   /* addressable: restore its bits */
        (void)VALGRIND_MAKE_MEM_DEFINED(p, sizeof v);
        v = *w;
        (void)VALGRIND_SET_VBITS(p, vbits, sizeof v);
        return v;
    }
#endif
    ALLOC__OPEN(w, sizeof v);
    v = *w;
    ALLOC__POISON(w, sizeof v);
    return v;
}

/* 1 iff the word at p may be read: always, except under ASan or memcheck for bytes an
   allocator poisoned (memory a source took back, a buffer's part not yet handed out).
   A caller's pointer into such memory is foreign; reading it would trap. */
ALLOC__INLINE int alloc__readable(const void *p)
{
#if defined(ALLOC__ASAN)
    return __asan_region_is_poisoned((void *)(uintptr_t)p, sizeof(void *)) == NULL;
#elif defined(ALLOC_VALGRIND)
    unsigned char vbits[sizeof(void *)];
    return VALGRIND_GET_VBITS(p, vbits, sizeof vbits) != 3;   /* 3: not addressable */
#else
    (void)p;
    return 1;
#endif
}

/* Zeroes n bytes / copies n bytes between blocks that do not overlap: ALLOC_MEMSET and
   ALLOC_MEMCPY, or under ALLOC__LOOP_ZERO / ALLOC__LOOP_COPY (-Os, not user-supplied) a
   byte loop, so a family that needs no other fill links neither. The empty asm keeps GCC
   and Clang from turning a loop back into a call. */
ALLOC__FN void alloc__zero(void *p, size_t n)
{
#ifdef ALLOC__LOOP_ZERO
    unsigned char *q = (unsigned char *)p;
    while (n-- != 0) {
        *q++ = 0;
        __asm__ __volatile__("" : : "r"(q) : "memory");
    }
#else
    ALLOC_MEMSET(p, 0, n);
#endif
}
ALLOC__FN void alloc__copy(void *d, const void *s, size_t n)
{
#ifdef ALLOC__LOOP_COPY
    unsigned char *q = (unsigned char *)d;
    const unsigned char *r = (const unsigned char *)s;
    while (n-- != 0) {
        *q++ = *r++;
        __asm__ __volatile__("" : : "r"(q) : "memory");
    }
#else
    ALLOC_MEMCPY(d, s, n);
#endif
}

/* Bytes needed to move address p up to a multiple of align (a power of two). */
ALLOC__INLINE size_t alloc__pad(uintptr_t p, size_t align)
{
    return (size_t)(((uintptr_t)0 - p) & (uintptr_t)(align - 1));
}

/* The bit scans, picked by sizeof(size_t) so that 16-, 32- and 64-bit size_t (and LLP64,
   where long is 32 bits) all get the right builtin. x must not be 0. */
#define ALLOC__SIZE_BITS ((int)(sizeof(size_t) * 8))
#ifdef ALLOC__LOOP_BITS
ALLOC__FN int alloc__clz(size_t x)
{
    int n = 0, s;
    for (s = ALLOC__SIZE_BITS / 2; s > 0; s >>= 1) {   /* is the top half of what is left empty? */
        if ((x >> (ALLOC__SIZE_BITS - s)) == 0) {
            n += s;
            x <<= s;
        }
    }
    return n;
}
/* The lowest set bit is x & -x, alone: its leading zeros say where it is. */
ALLOC__INLINE int alloc__ctz(size_t x) { return ALLOC__SIZE_BITS - 1 - alloc__clz(x & (0 - x)); }
#else
ALLOC__INLINE int alloc__clz(size_t x)
{
    if (sizeof(size_t) == sizeof(unsigned))
        return __builtin_clz((unsigned)x) - (int)(sizeof(unsigned) * 8) + ALLOC__SIZE_BITS;
    if (sizeof(size_t) == sizeof(unsigned long))
        return __builtin_clzl((unsigned long)x);
    return __builtin_clzll((unsigned long long)x) - (int)(sizeof(unsigned long long) * 8) + ALLOC__SIZE_BITS;
}
ALLOC__INLINE int alloc__ctz(size_t x)
{
    if (sizeof(size_t) <= sizeof(unsigned)) return __builtin_ctz((unsigned)x);
    if (sizeof(size_t) == sizeof(unsigned long)) return __builtin_ctzl((unsigned long)x);
    return __builtin_ctzll((unsigned long long)x);
}
#endif
/* floor(log2(x)) for x > 0. */
ALLOC__INLINE int alloc__log2(size_t x) { return ALLOC__SIZE_BITS - 1 - alloc__clz(x); }

/* n / d (d > 0): the divisions of init and of the misuse reports, never of a fast path.
   Under ALLOC__LOOP_DIV, long division one bit of n at a time: a fixed ALLOC__SIZE_BITS
   steps. */
ALLOC__FN size_t alloc__div(size_t n, size_t d)
{
#ifdef ALLOC__LOOP_DIV
    size_t q = 0, r = 0;
    int i;
    for (i = ALLOC__SIZE_BITS - 1; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1u);                /* r <= n >> i: it cannot wrap */
        if (r >= d) {
            r -= d;
            q |= (size_t)1 << i;
        }
    }
    return q;
#else
    return n / d;
#endif
}

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

/* A family's public entry points that ALLOC_DEBUG wraps (alloc, free, realloc, check...)
   are compiled under ALLOC__RAW(name): in a release build that is the public function
   itself, unchanged; in a debug build it is a private function (name_raw) that the
   family's debug layer calls after adding guard bytes and a record to the request. */
#ifdef ALLOC_DEBUG
#  define ALLOC__RAWDEF ALLOC__FN
#  define ALLOC__RAW(f) f##_raw
#else
#  define ALLOC__RAWDEF ALLOC_DEF
#  define ALLOC__RAW(f) f
#endif

#ifdef ALLOC_DEBUG
/* >>debug: guard bytes and the record of each live block ----------------------------

   Every block handed out in a debug build carries a record: where it was allocated
   (file:line, when the caller used a tracking macro such as ALLOC_HEAP_ALLOC), the size
   asked for, and the links of its family's list of live blocks, which report_live walks.
   Guard bytes (ALLOC__GUARD_BYTE) fill the bytes after the block up to the record (at
   least ALLOC__DBG_GUARD of them) and, where the family's alignment allows a front guard,
   the ALLOC__DBG_GUARD or heap-grain bytes before it; free, realloc and check test them.

   Where the record sits is chosen per family so that every alignment promise holds:
   - heap and arena: before the block, [record][front guard][block][back guard], at a
     fixed distance from the block, so free finds it from the pointer alone;
   - buddy and slab: after the back guard, at the end of the buddy block or of the
     object's slot (blocks stay aligned to themselves; no front guard).
   Invariants: a live record has magic == its block's address ^ ALLOC__DBG_LIVE and is
   on its family's list exactly once; a freed one has magic == address ^ ALLOC__DBG_DEAD
   (the heap uses this to name a double free). */
#define ALLOC__GUARD_BYTE 0xFD
#define ALLOC__DBG_GUARD  ((size_t)16)
#define ALLOC__DBG_LIVE   ((size_t)0x5AFEB10Cu)
#define ALLOC__DBG_DEAD   ((size_t)0xDEADB10Cu)

typedef struct alloc__dbg_rec {
    struct alloc__dbg_rec *prev, *next;   /* the family's list of live blocks, newest first */
    unsigned char *base;                  /* the block as the family's raw layer has it */
    unsigned char *user;                  /* the block as the caller has it */
    const char    *file;                  /* NULL: allocated without a tracking macro */
    size_t         line, size;            /* where, and the bytes asked for */
    size_t         front, back;           /* guard bytes before and after user */
    size_t         magic;                 /* last: it survives free-list links at the front */
} alloc__dbg_rec;

/* The bytes a record takes, rounded up to `unit` (a power of two >= a pointer). */
#define ALLOC__DBG_RECSZ(unit) ((sizeof(alloc__dbg_rec) + (size_t)(unit) - 1) & ~((size_t)(unit) - 1))

ALLOC__INLINE size_t alloc__dbg_key(const void *user, size_t k) { return (size_t)(uintptr_t)user ^ k; }

ALLOC__FN int alloc__dbg_rec_ok(const alloc__dbg_rec *r, const void *user)
{
    return r->magic == alloc__dbg_key(user, ALLOC__DBG_LIVE) && r->user == (const unsigned char *)user;
}

ALLOC__FN int alloc__dbg_guards_ok(const alloc__dbg_rec *r)
{
    size_t i;
    for (i = 0; i < r->front; i++) if (r->user[i - r->front] != ALLOC__GUARD_BYTE) return 0;
    for (i = 0; i < r->back; i++) if (r->user[r->size + i] != ALLOC__GUARD_BYTE) return 0;
    return 1;
}

/* Writes the record and the guards of a fresh block and puts it at the list's head. */
ALLOC__FN void alloc__dbg_track(alloc__dbg_rec **head, size_t *count, alloc__dbg_rec *r, void *base,
                                unsigned char *user, size_t size, size_t front, size_t back,
                                const char *file, int line)
{
    r->base = (unsigned char *)base;
    r->user = user;
    r->file = file;
    r->line = line > 0 ? (size_t)line : 0;
    r->size = size;
    r->front = front;
    r->back = back;
    r->magic = alloc__dbg_key(user, ALLOC__DBG_LIVE);
    r->prev = NULL;
    r->next = *head;
    if (*head != NULL) (*head)->prev = r;
    *head = r;
    (*count)++;
    if (front != 0) ALLOC_MEMSET(user - front, ALLOC__GUARD_BYTE, front);
    ALLOC_MEMSET(user + size, ALLOC__GUARD_BYTE, back);
}

/* Takes r off the list; its magic then names a freed block. */
ALLOC__FN void alloc__dbg_untrack(alloc__dbg_rec **head, size_t *count, alloc__dbg_rec *r)
{
    if (r->prev != NULL) r->prev->next = r->next; else *head = r->next;
    if (r->next != NULL) r->next->prev = r->prev;
    r->magic = alloc__dbg_key(r->user, ALLOC__DBG_DEAD);
    (*count)--;
}

/* r is a copy of a record that moved with its block: its neighbours learn where it is. */
ALLOC__FN void alloc__dbg_moved(alloc__dbg_rec **head, alloc__dbg_rec *r)
{
    if (r->prev != NULL) r->prev->next = r; else *head = r;
    if (r->next != NULL) r->next->prev = r;
}

/* The list is well linked, has `count` records, each intact with intact guards. */
ALLOC__FN alloc_result alloc__dbg_check_list(const alloc__dbg_rec *head, size_t count)
{
    const alloc__dbg_rec *r, *prev = NULL;
    size_t n = 0;
    for (r = head; r != NULL; prev = r, r = r->next) {
        if (n++ == count || r->prev != prev || !alloc__dbg_rec_ok(r, r->user) || !alloc__dbg_guards_ok(r))
            return ALLOC_ERR_CORRUPT;
    }
    return n == count ? ALLOC_OK : ALLOC_ERR_CORRUPT;
}

#ifdef ALLOC_DUMP
/* One line per live block: address, size asked for, file:line. */
ALLOC__FN void alloc__dbg_report(const alloc__dbg_rec *head, size_t count, const char *what,
                                 alloc_write_fn write, void *user)
{
    alloc__writer w;
    const alloc__dbg_rec *r;
    w.write = write;
    w.user = user;
    if (what != NULL) alloc__printf(&w, "%s: %zu live block%s\n", what, count, count == 1 ? "" : "s");
    for (r = head; r != NULL; r = r->next) {
        if (r->file != NULL)
            alloc__printf(&w, "  %p  %zu bytes  %s:%zu\n", (void *)r->user, r->size, r->file, r->line);
        else
            alloc__printf(&w, "  %p  %zu bytes  (no file:line: allocated without a tracking macro)\n",
                          (void *)r->user, r->size);
    }
}
#endif
#endif /* ALLOC_DEBUG */

#ifndef ALLOC_DEBUG
#ifdef ALLOC_DUMP
/* Release builds keep no records: report_live can only give the count. */
ALLOC__FN void alloc__dbg_report_count(size_t count, const char *what, alloc_write_fn write, void *user)
{
    alloc__writer w;
    w.write = write;
    w.user = user;
    alloc__printf(&w, "%s: %zu live block%s (build with ALLOC_DEBUG for their sizes and file:line)\n",
                  what, count, count == 1 ? "" : "s");
}
#endif
#endif

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

/* Every field zero, written out: a memset here would link the C library's into firmware
   that has only an arena. */
ALLOC__FN void alloc__arena_zero(alloc_arena *a)
{
    a->top = a->end = a->last = NULL;
    a->cur = a->first = NULL;
    a->parent.alloc = NULL;
    a->parent.realloc = NULL;
    a->parent.free = NULL;
    a->parent.ctx = NULL;
    a->grow = NULL;
    a->grow_size = a->generation = a->dead = a->below = a->peak = 0;
    a->alloc_count = a->free_count = a->fail_count = a->error_count = 0;
#ifdef ALLOC_DEBUG
    a->dbg_live = NULL;
    a->dbg_count = 0;
#endif
}

/* Bytes below the bump pointer, over every block up to cur. O(1): `below` keeps the
   blocks before cur. */
ALLOC__FN size_t alloc__arena_used_now(const alloc_arena *a)
{
    return a->cur == NULL ? 0 : a->below + (size_t)(a->top - alloc__arena_block_start(a->cur));
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
    if ((uintptr_t)buf + size < (uintptr_t)buf) return ALLOC_ERR_OVERFLOW;
    blk = alloc__arena_make_block(buf, size, 0);
    if (blk == NULL) return ALLOC_ERR_TOO_SMALL;
    alloc__arena_zero(a);
    a->first = blk;
    alloc__arena_enter(a, blk);
    return ALLOC_OK;
}

ALLOC__FN void *alloc__arena_next_block(alloc_arena *a, size_t size, size_t align);

ALLOC__FN void alloc__arena_use_parent(alloc_arena *a, const alloc_allocator *parent, size_t block_size)
{
    alloc__set_allocator(&a->parent, parent);
    a->grow_size = block_size ? block_size : ALLOC__ARENA_DEFAULT_GROW;
    a->grow = alloc__arena_next_block;
}

ALLOC_DEF alloc_result alloc_arena_set_parent(alloc_arena *a, alloc_allocator parent, size_t block_size)
{
    if (a == NULL || parent.alloc == NULL) return ALLOC_ERR_INVALID;
    alloc__arena_use_parent(a, &parent, block_size);
    return ALLOC_OK;
}

ALLOC_DEF alloc_result alloc_arena_init_parent(alloc_arena *a, alloc_allocator parent, size_t block_size)
{
    if (a == NULL || parent.alloc == NULL) return ALLOC_ERR_INVALID;
    alloc__arena_zero(a);
    alloc__arena_use_parent(a, &parent, block_size);
    return ALLOC_OK;
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
    a->grow = alloc__arena_next_block;
    return ALLOC_OK;
}

/* The chaining path (a->grow), for a valid request that `cur` cannot hold: moves on to
   the first later block that can, taking a new one from the parent when none can.
   Returns the allocation, or NULL (counted as a failure) with nothing changed. */
ALLOC__FN void *alloc__arena_next_block(alloc_arena *a, size_t size, size_t align)
{
    alloc_arena_block *b;
    unsigned char *p;
    size_t need;
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
    if (a->cur != NULL) {
        /* The blocks skipped between cur and b are empty: only cur adds to `below`. */
        a->cur->top = a->top;
        a->below += (size_t)(a->top - alloc__arena_block_start(a->cur));
    }
    alloc__arena_enter(a, b);
    p = a->top + alloc__pad((uintptr_t)a->top, align);
    ALLOC__UNPOISON(a->top, (size_t)(p - a->top) + size);
    a->top = p + size;
    a->last = p;
    a->alloc_count++;
#ifdef ALLOC_DEBUG
    ALLOC_MEMSET(p, ALLOC__FRESH_BYTE, size);
#endif
    return p;
}

ALLOC__RAWDEF void *ALLOC__RAW(alloc_arena_alloc)(alloc_arena *a, size_t size, size_t align);

/* Every request the fast path does not serve: align 0 (read as 1), the impossible ones
   (size 0, align not a power of two: refused, not counted as failures), and a full
   block, which goes on to a->grow when the arena has more blocks or a parent. */
ALLOC__FN ALLOC__NOINLINE void *alloc__arena_miss(alloc_arena *a, size_t size, size_t align)
{
    if (align == 0) return ALLOC__RAW(alloc_arena_alloc)(a, size, 1);
    if (size == 0 || (align & (align - 1)) != 0) return NULL;
    if (a->grow != NULL) return a->grow(a, size, align);
    a->fail_count++;
    return NULL;
}

ALLOC__RAWDEF void *ALLOC__RAW(alloc_arena_alloc)(alloc_arena *a, size_t size, size_t align)
{
    /* The fast path. pad and size are checked against the room separately, so no sum can
       wrap; size - 1 < ... also refuses size 0. align 0 makes the mask all ones, so its
       pad exceeds the room and it goes to the miss path too (which reads it as 1). */
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
    return alloc__arena_miss(a, size, align);
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

ALLOC__RAWDEF void ALLOC__RAW(alloc_arena_free)(alloc_arena *a, void *p)
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

ALLOC__RAWDEF void *ALLOC__RAW(alloc_arena_realloc)(alloc_arena *a, void *p, size_t size, size_t align)
{
    alloc_arena_block *b;
    unsigned char *q, *used_end;
    if (p == NULL) return ALLOC__RAW(alloc_arena_alloc)(a, size, align);
    if (size == 0) {
        ALLOC__RAW(alloc_arena_free)(a, p);
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
    q = (unsigned char *)ALLOC__RAW(alloc_arena_alloc)(a, size, align);
    if (q == NULL) return NULL;
    {
        size_t n = (uintptr_t)p < (uintptr_t)used_end ? (size_t)(used_end - (unsigned char *)p) : 0;
        if (n > size) n = size;
        if (n > 0) alloc__copy(q, p, n); /* q lies above every byte of p's run */
    }
    return q;
}

ALLOC__RAWDEF void ALLOC__RAW(alloc_arena_reset)(alloc_arena *a)
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
    a->below = 0;
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

ALLOC__RAWDEF void ALLOC__RAW(alloc_arena_restore)(alloc_arena *a, alloc_arena_mark m)
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
        a->below = 0;
    } else {
        if (a->cur != NULL) a->cur->top = a->top;
        a->below = 0;   /* the blocks before the mark's keep their recorded tops */
        for (b = a->first; b != m.block; b = b->next) a->below += (size_t)(b->top - alloc__arena_block_start(b));
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
    alloc__zero(out, sizeof *out);
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

ALLOC__RAWDEF alloc_result ALLOC__RAW(alloc_arena_check)(const alloc_arena *a)
{
    const alloc_arena_block *b, *c;
    size_t below = 0;
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
            if (a->below != below) return ALLOC_ERR_CORRUPT;
            if (a->end != b->end || a->top < start || a->top > a->end) return ALLOC_ERR_CORRUPT;
            if (a->last != NULL && (a->last < start || a->last > a->top)) return ALLOC_ERR_CORRUPT;
        } else if (seen_cur) {
            if (b->top != start) return ALLOC_ERR_CORRUPT;   /* later blocks are empty */
        } else if (b->top < start || b->top > b->end) {
            return ALLOC_ERR_CORRUPT;
        } else {
            below += (size_t)(b->top - start);
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
    return alloc__make_allocator(alloc__arena_if_alloc, alloc__arena_if_realloc, alloc__arena_if_free, a);
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

/* --- ALLOC_DEBUG: guards and records (see >>debug) ------------------------------------

   An allocation is carved from a raw one as [record | front guard | block | back guard]
   (ALLOC__DBG_GUARD bytes each side); the record sits at a fixed distance below the
   block, so free finds it from the pointer alone. Records are on the list newest first,
   which is also address order within the arena's bump sequence: after a restore (or a
   free of the newest) the records above the bump pointer are exactly the first ones on
   the list, and are dropped from its head. alloc_arena_alloc_shared keeps no record. */
#ifdef ALLOC_DEBUG
#define ALLOC__ARENA_RECSZ ALLOC__DBG_RECSZ(sizeof(void *))

/* 1 iff address r lies below the bump pointer of its block (a block at or before cur). */
ALLOC__FN int alloc__arena_dbg_below_top(const alloc_arena *a, const void *r)
{
    alloc_arena_block *b;
    uintptr_t q = (uintptr_t)r;
    for (b = a->first; b != NULL; b = b->next) {
        if (q >= (uintptr_t)alloc__arena_block_start(b) && q < (uintptr_t)b->end)
            return q < (uintptr_t)(b == a->cur ? a->top : b->top);
        if (b == a->cur) return 0;
    }
    return 0;
}

/* Drops the records the bump pointer has moved below (restore, free of the newest). */
ALLOC__FN void alloc__arena_dbg_prune(alloc_arena *a)
{
    while (a->dbg_live != NULL && !alloc__arena_dbg_below_top(a, a->dbg_live)) {
        alloc__dbg_rec *r = a->dbg_live;
        ALLOC__OPEN(r, sizeof *r);
        a->dbg_live = r->next;
        ALLOC__POISON(r, sizeof *r);
        if (a->dbg_live != NULL) a->dbg_live->prev = NULL;
        a->dbg_count--;
    }
}

/* The record of live allocation p, or NULL. */
ALLOC__FN alloc__dbg_rec *alloc__arena_dbg_rec(const alloc_arena *a, const void *p)
{
    alloc_arena_block *b;
    alloc__dbg_rec *rec;
    if (p == NULL || ((uintptr_t)p & (sizeof(void *) - 1)) != 0) return NULL;
    b = alloc__arena_find(a, p);
    if (b == NULL || (uintptr_t)p - (uintptr_t)alloc__arena_block_start(b) < ALLOC__DBG_GUARD + ALLOC__ARENA_RECSZ) return NULL;
    rec = (alloc__dbg_rec *)(void *)((unsigned char *)(uintptr_t)p - ALLOC__DBG_GUARD - ALLOC__ARENA_RECSZ);
    if (!alloc__arena_dbg_below_top(a, p)) return NULL;
    return alloc__dbg_rec_ok(rec, p) ? rec : NULL;
}

/* The bytes before the block: the record and the front guard, rounded up to A. */
ALLOC__INLINE size_t alloc__arena_dbg_lead(size_t A) { return (ALLOC__ARENA_RECSZ + ALLOC__DBG_GUARD + A - 1) & ~(A - 1); }

ALLOC_DEF void *alloc_arena_alloc_at(alloc_arena *a, size_t size, size_t align, const char *file, int line)
{
    size_t A, lead;
    unsigned char *q, *p;
    if (align == 0) align = 1;
    A = align < sizeof(void *) ? sizeof(void *) : align;
    if (size == 0 || !alloc__is_pow2(align) || A > (size_t)-1 / 4) return ALLOC__RAW(alloc_arena_alloc)(a, size, align);
    lead = alloc__arena_dbg_lead(A);
    if (size > (size_t)-1 - lead - ALLOC__DBG_GUARD) {
        a->fail_count++;
        return NULL;
    }
    q = (unsigned char *)ALLOC__RAW(alloc_arena_alloc)(a, lead + size + ALLOC__DBG_GUARD, A);
    if (q == NULL) return NULL;
    p = q + lead;
    alloc__dbg_track(&a->dbg_live, &a->dbg_count, (alloc__dbg_rec *)(void *)(p - ALLOC__DBG_GUARD - ALLOC__ARENA_RECSZ),
                     q, p, size, ALLOC__DBG_GUARD, ALLOC__DBG_GUARD, file, line);
    return p;
}
ALLOC_DEF void *alloc_arena_alloc(alloc_arena *a, size_t size, size_t align) { return alloc_arena_alloc_at(a, size, align, NULL, 0); }

ALLOC_DEF void alloc_arena_free(alloc_arena *a, void *p)
{
    alloc__dbg_rec *rec;
    unsigned char *base;
    if (p == NULL) return;
    rec = alloc__arena_dbg_rec(a, p);
    if (rec == NULL) {
        if (alloc__arena_find(a, p) == NULL) alloc__arena_error(a, ALLOC_ERR_FOREIGN, p, "arena free: pointer is not inside the arena");
        return;                            /* any other pointer: a no-op, as in release */
    }
    if (!alloc__dbg_guards_ok(rec))
        alloc__arena_error(a, ALLOC_ERR_GUARD, p, "arena free: guard bytes were overwritten: write past the end of a block");
    base = rec->base;
    /* An older allocation stays in the arena until reset or restore, but it is no longer
       live for the report. */
    alloc__dbg_untrack(&a->dbg_live, &a->dbg_count, rec);
    if (base == a->last) ALLOC__RAW(alloc_arena_free)(a, base);
}

ALLOC_DEF void *alloc_arena_realloc_at(alloc_arena *a, void *p, size_t size, size_t align, const char *file, int line)
{
    alloc__dbg_rec *rec;
    unsigned char *q, *np;
    size_t A, lead, old;
    if (p == NULL) return alloc_arena_alloc_at(a, size, align, file, line);
    rec = alloc__arena_dbg_rec(a, p);
    if (rec == NULL) {
        if (alloc__arena_find(a, p) == NULL) return ALLOC__RAW(alloc_arena_realloc)(a, p, size, align);   /* reports it */
        alloc__arena_error(a, ALLOC_ERR_NOT_BLOCK, p, "arena realloc: pointer is not a live allocation (ALLOC_DEBUG)");
        return NULL;
    }
    if (size == 0) {
        alloc_arena_free(a, p);
        return NULL;
    }
    if (align == 0) align = 1;
    if (!alloc__is_pow2(align) || align > (size_t)-1 / 4) return NULL;
    A = align < sizeof(void *) ? sizeof(void *) : align;
    lead = alloc__arena_dbg_lead(A);
    if (size > (size_t)-1 - lead - ALLOC__DBG_GUARD) return NULL;
    if (!alloc__dbg_guards_ok(rec))
        alloc__arena_error(a, ALLOC_ERR_GUARD, p, "arena realloc: guard bytes were overwritten: write past the end of a block");
    old = rec->size;
    if (rec->base == a->last && (size_t)(rec->user - rec->base) == lead && alloc__pad((uintptr_t)rec->base, A) == 0) {
        /* The newest: the raw layer resizes it in place, or moves it with its record. */
        alloc__dbg_rec *was = rec;
        size_t at = (size_t)((unsigned char *)rec - rec->base);
        q = (unsigned char *)ALLOC__RAW(alloc_arena_realloc)(a, rec->base, lead + size + ALLOC__DBG_GUARD, A);
        if (q == NULL) return NULL;
        rec = (alloc__dbg_rec *)(void *)(q + at);
        if (rec != was) was->magic = alloc__dbg_key(p, ALLOC__DBG_DEAD);   /* the old copy stays behind */
        np = q + lead;
        alloc__dbg_moved(&a->dbg_live, rec);
        if (size > old) ALLOC_MEMSET(np + old, ALLOC__FRESH_BYTE, size - old);
        rec->base = q;
        rec->user = np;
        rec->size = size;
        rec->magic = alloc__dbg_key(np, ALLOC__DBG_LIVE);
        if (file != NULL) {
            rec->file = file;
            rec->line = line > 0 ? (size_t)line : 0;
        }
        ALLOC_MEMSET(np + size, ALLOC__GUARD_BYTE, rec->back);
        return np;
    }
    /* Any other: a new allocation and a copy; the old one is released from the report. */
    np = (unsigned char *)alloc_arena_alloc_at(a, size, align, file != NULL ? file : rec->file,
                                               file != NULL ? line : (int)rec->line);
    if (np == NULL) return NULL;
    alloc__copy(np, p, old < size ? old : size);
    alloc__dbg_untrack(&a->dbg_live, &a->dbg_count, rec);
    return np;
}
ALLOC_DEF void *alloc_arena_realloc(alloc_arena *a, void *p, size_t size, size_t align) { return alloc_arena_realloc_at(a, p, size, align, NULL, 0); }

ALLOC_DEF void alloc_arena_reset(alloc_arena *a)
{
    ALLOC__RAW(alloc_arena_reset)(a);
    a->dbg_live = NULL;
    a->dbg_count = 0;
}

ALLOC_DEF void alloc_arena_restore(alloc_arena *a, alloc_arena_mark m)
{
    ALLOC__RAW(alloc_arena_restore)(a, m);
    alloc__arena_dbg_prune(a);
}

ALLOC_DEF alloc_result alloc_arena_check(const alloc_arena *a)
{
    const alloc__dbg_rec *r;
    alloc_result res = ALLOC__RAW(alloc_arena_check)(a);
    if (res != ALLOC_OK) return res;
    res = alloc__dbg_check_list(a->dbg_live, a->dbg_count);
    if (res != ALLOC_OK) return res;
    for (r = a->dbg_live; r != NULL; r = r->next)
        if (!alloc__arena_dbg_below_top(a, r)) return ALLOC_ERR_CORRUPT;
    return ALLOC_OK;
}

ALLOC_DEF size_t alloc_arena_live_count(const alloc_arena *a) { return a->dbg_count; }
#ifdef ALLOC_DUMP
ALLOC_DEF size_t alloc_arena_report_live(const alloc_arena *a, alloc_write_fn write, void *user)
{
    alloc__dbg_report(a->dbg_live, a->dbg_count, "arena", write, user);
    return a->dbg_count;
}
#endif
#undef ALLOC__ARENA_RECSZ
#else
ALLOC_DEF size_t alloc_arena_live_count(const alloc_arena *a) { return a->alloc_count - a->dead; }
#ifdef ALLOC_DUMP
ALLOC_DEF size_t alloc_arena_report_live(const alloc_arena *a, alloc_write_fn write, void *user)
{
    size_t n = alloc_arena_live_count(a);
    alloc__dbg_report_count(n, "arena", write, user);
    return n;
}
#endif
#endif /* ALLOC_DEBUG */

#endif /* ALLOC_NO_ARENA */

/* >>heap ============================================================================== (implementation) */
#ifndef ALLOC_NO_HEAP
/* The free-list heap, in the lecture's words.

   Each region is a row of blocks that covers it exactly, from its first block to an end
   sentinel. Every block starts with a header, one size_t: the block's size (a multiple
   of the grain G) with three flag bits below it:
       USED       this block is live
       PREV_USED  the block before it is live (so a free block's neighbour can be found)
       ALIGNED    the block was asked for with an alignment above ALLOC_HEAP_ALIGN
   A live block is [header | payload ...]: its payload starts on the grid (a multiple of
   G) and the header is the only overhead. A free block is
       [header | next | prev | ... | footer]
   where next/prev link it into a free list and the footer repeats its size, so the block
   after it can find its start: the boundary tag. Freeing looks at both neighbours at
   once - the next one through the size, the previous one through its footer - and
   coalesces with whichever is free. The sentinel is a header of size 0 marked USED, so
   the last block never coalesces past the region; the first block's PREV_USED is set for
   the same reason.

   Invariants (alloc_heap_check proves each):
   - the blocks of a region add up to it exactly; each size is a multiple of G, >= MIN;
   - a block's PREV_USED equals its previous block's USED; a free block's footer equals
     its size; no two free blocks are neighbours (they would have been coalesced);
   - every free block is on exactly one list: for ALLOC_FIT_GOOD the list of its size
     class (bit set in the bitmaps iff the list is non-empty), for the other policies
     the one list, in address order;
   - h->used is the sum of the live blocks' sizes;
   - an ALIGNED live block's last word is the alignment it was asked with: a power of
     two above G that its payload address is a multiple of.
   ASan: every byte outside live payloads is poisoned except the region headers; the
   headers, links and footers are opened one word at a time around each access. */

#define ALLOC__HEAP_W         (sizeof(size_t))
/* G: the grain every block size and payload address is a multiple of. */
#define ALLOC__HEAP_G         ALLOC_HEAP_GRAIN
/* MIN: the smallest block - a header, two links and a footer, rounded up to G. */
#define ALLOC__HEAP_MIN       ALLOC_HEAP_MIN_BLOCK
/* Blocks below LARGE are carved from the high end of a hole (see ALLOC_HEAP_LARGE). */
#define ALLOC__HEAP_LARGE     ((size_t)ALLOC_HEAP_LARGE)
/* n < ALLOC__HEAP_LARGE through a call, so that ALLOC_HEAP_LARGE 0 does not warn. */
ALLOC__INLINE int alloc__heap_is_small(size_t n, size_t large) { return n < large; }
#define ALLOC__HEAP_USED      ((size_t)1)
#define ALLOC__HEAP_PREV_USED ((size_t)2)
#define ALLOC__HEAP_ALIGNED   ((size_t)4)
#define ALLOC__HEAP_FLAGS     ((size_t)7)
/* The largest request (and alignment) served: rounding it up can never wrap. */
#define ALLOC__HEAP_MAX_REQUEST ((size_t)-1 / 4)
#define ALLOC__HEAP_SIZE(tag) ((tag) & ~ALLOC__HEAP_FLAGS)
/* ROOM: the bytes a live block holds for its owner. All but the header; an ALIGNED block
   also keeps its last word, the alignment asked for, so that realloc can keep that
   alignment - the address alone overstates it (a block asked 64-aligned may sit at a
   64 KiB boundary), and asking a move for more than was asked can fail for no reason. */
#define ALLOC__HEAP_ROOM(tag) (ALLOC__HEAP_SIZE(tag) - ALLOC__HEAP_W - (((tag) & ALLOC__HEAP_ALIGNED) ? ALLOC__HEAP_W : 0))

/* ALLOC_HEAP_ALIGN must be a power of two: a compile-time check. */
typedef char alloc__heap_align_is_pow2[((size_t)ALLOC_HEAP_ALIGN & ((size_t)ALLOC_HEAP_ALIGN - 1)) == 0 ? 1 : -1];
/* At most 32 subclasses (a size class of 32 grains splits into at most 32 lists). */
typedef char alloc__heap_subclasses_ok[ALLOC_HEAP_SUBCLASSES >= 0 && ALLOC_HEAP_SUBCLASSES <= 5 ? 1 : -1];

struct alloc__heap_block {
    size_t tag;                        /* size | USED | PREV_USED | ALIGNED */
    alloc__heap_block *next, *prev;    /* free blocks only: the links of their list */
};

/* --- metadata words: the only places that read or write a header, link or footer --- */

/* The tag is read and written as a word, not through the struct: the end sentinel is a
   tag alone, and a compiler that sees the caller's buffer end there would warn about a
   whole block that does not fit. */
ALLOC__INLINE size_t alloc__heap_tag(const alloc__heap_block *b)
{
    const size_t *t = (const size_t *)(const void *)b;
    size_t v;
    ALLOC__OPEN(t, sizeof *t);
    v = *t;
    ALLOC__POISON(t, sizeof *t);
    return v;
}
ALLOC__INLINE void alloc__heap_set_tag(alloc__heap_block *b, size_t v)
{
    size_t *t = (size_t *)(void *)b;
    ALLOC__OPEN(t, sizeof *t);
    *t = v;
    ALLOC__POISON(t, sizeof *t);
}
ALLOC__INLINE alloc__heap_block *alloc__heap_next(const alloc__heap_block *b)
{
    alloc__heap_block *v;
    ALLOC__OPEN(&b->next, sizeof b->next);
    v = b->next;
    ALLOC__POISON(&b->next, sizeof b->next);
    return v;
}
ALLOC__INLINE alloc__heap_block *alloc__heap_prev(const alloc__heap_block *b)
{
    alloc__heap_block *v;
    ALLOC__OPEN(&b->prev, sizeof b->prev);
    v = b->prev;
    ALLOC__POISON(&b->prev, sizeof b->prev);
    return v;
}
ALLOC__INLINE void alloc__heap_set_next(alloc__heap_block *b, alloc__heap_block *v)
{
    ALLOC__OPEN(&b->next, sizeof b->next);
    b->next = v;
    ALLOC__POISON(&b->next, sizeof b->next);
}
ALLOC__INLINE void alloc__heap_set_prev(alloc__heap_block *b, alloc__heap_block *v)
{
    ALLOC__OPEN(&b->prev, sizeof b->prev);
    b->prev = v;
    ALLOC__POISON(&b->prev, sizeof b->prev);
}
/* The block `size` bytes after b (its next neighbour when size is b's size). */
ALLOC__INLINE alloc__heap_block *alloc__heap_at(const alloc__heap_block *b, size_t off)
{
    return (alloc__heap_block *)(void *)((unsigned char *)(uintptr_t)b + off);
}
/* The last word of block b (`size` bytes) is metadata in two cases: a free block's footer
   (its size again, the boundary tag) and an aligned live block's alignment (see ROOM). */
ALLOC__INLINE void alloc__heap_set_last(alloc__heap_block *b, size_t size, size_t v)
{
    size_t *f = (size_t *)(void *)((unsigned char *)b + size - ALLOC__HEAP_W);
    ALLOC__OPEN(f, sizeof *f);
    *f = v;
    ALLOC__POISON(f, sizeof *f);
}
ALLOC__INLINE void alloc__heap_set_footer(alloc__heap_block *b, size_t size) { alloc__heap_set_last(b, size, size); }
/* The size of the free block that ends just before b, read from its footer. */
ALLOC__INLINE size_t alloc__heap_prev_size(const alloc__heap_block *b)
{
    const size_t *f = (const size_t *)(const void *)((const unsigned char *)b - ALLOC__HEAP_W);
    size_t v;
    ALLOC__OPEN(f, sizeof *f);
    v = *f;
    ALLOC__POISON(f, sizeof *f);
    return v;
}
/* The last word of block b (`size` bytes), as set_last wrote it: the word before the
   block that follows. */
ALLOC__INLINE size_t alloc__heap_last(const alloc__heap_block *b, size_t size)
{
    return alloc__heap_prev_size(alloc__heap_at(b, size));
}
/* The tag and the footer as alloc__heap_live reads them: p's would-be header may be a
   live block's bytes, whose poison state must stay as it was (alloc__peek_word). */
ALLOC__INLINE size_t alloc__heap_peek_tag(const alloc__heap_block *b) { return alloc__peek_word(b); }
ALLOC__INLINE size_t alloc__heap_peek_prev_size(const alloc__heap_block *b)
{
    return alloc__peek_word((const unsigned char *)b - ALLOC__HEAP_W);
}
/* The block `off` bytes before b (its previous neighbour when off is that one's size). */
ALLOC__INLINE alloc__heap_block *alloc__heap_before(const alloc__heap_block *b, size_t off)
{
    return (alloc__heap_block *)(void *)((unsigned char *)(uintptr_t)b - off);
}
ALLOC__INLINE unsigned char *alloc__heap_payload(alloc__heap_block *b)
{
    return (unsigned char *)b + ALLOC__HEAP_W;
}
ALLOC__INLINE alloc__heap_block *alloc__heap_of(const void *p)
{
    return (alloc__heap_block *)(void *)((unsigned char *)(uintptr_t)p - ALLOC__HEAP_W);
}
/* A free block gets its tag (PREV_USED: a free block's previous neighbour is always
   live, since free neighbours coalesce) and its footer; the next block learns that its
   previous neighbour is free. */
ALLOC__INLINE void alloc__heap_make_free(alloc__heap_block *b, size_t size)
{
    alloc__heap_block *n = alloc__heap_at(b, size);
    alloc__heap_set_tag(b, size | ALLOC__HEAP_PREV_USED);
    alloc__heap_set_footer(b, size);
    alloc__heap_set_tag(n, alloc__heap_tag(n) & ~ALLOC__HEAP_PREV_USED);
}

ALLOC__FN void alloc__heap_error(alloc_heap *h, alloc_result code, const void *p, const char *msg)
{
    h->error_count++;
    ALLOC_ON_ERROR(code, (void *)(uintptr_t)p, msg);
}

/* --- ALLOC_FIT_GOOD: segregated lists and the two-level bitmap ------------------------

   Block sizes below SMALL grains have one list each (exact classes: every block on the
   list has the same size). Above, each power of two [2^t, 2^(t+1)) is cut into SL equal
   subclasses. The lists are numbered in size order, so "the first non-empty list at or
   above i" is two find-first-set instructions on the bitmaps, no loop. A request first
   looks at the head of its own list (good fit: a block there may be just large enough),
   then takes the head of the first non-empty list above, whose blocks are all large
   enough. */

#define ALLOC__HEAP_GS ((unsigned)alloc__log2(ALLOC__HEAP_G))
/* The few helpers of the fast paths are always inlined (a call costs more than they do),
   except in a build for size (-Os), where the compiler weighs each copy against a call. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__OPTIMIZE_SIZE__)
#  define ALLOC__HEAP_HOT ALLOC__INLINE __attribute__((always_inline))
#else
#  define ALLOC__HEAP_HOT ALLOC__INLINE
#endif

/* Which policy a heap runs; constants when ALLOC_FIT_GOOD is built alone, so the
   lecture's code is never linked. */
#if ALLOC_HEAP_LECTURE_FITS
#  define ALLOC__HEAP_GOOD(h) ((h)->fit == ALLOC_FIT_GOOD)
#  define ALLOC__HEAP_NEXT(h) ((h)->fit == ALLOC_FIT_NEXT)
#else
#  define ALLOC__HEAP_GOOD(h) 1
#  define ALLOC__HEAP_NEXT(h) 0
#endif

/* The list a free block of `size` bytes is kept on. */
ALLOC__HEAP_HOT size_t alloc__heap_index(size_t size)
{
    unsigned t;
    size_t i;
    if (size < ((size_t)ALLOC__HEAP_SMALL << ALLOC__HEAP_GS)) return size >> ALLOC__HEAP_GS;   /* exact class */
    t = (unsigned)alloc__log2(size);
    i = (size_t)(t - ALLOC__HEAP_GS - 5) * ALLOC__HEAP_SL + (ALLOC__HEAP_SMALL - ALLOC__HEAP_SL) +
        (size >> (t - ALLOC_HEAP_SUBCLASSES));
    return i < ALLOC__HEAP_LISTS ? i : ALLOC__HEAP_LISTS - 1;   /* beyond the last class */
}

/* The lowest set bit of a bitmap word (m != 0); a 16-bit size_t cannot hold it whole. */
ALLOC__HEAP_HOT size_t alloc__heap_ctz32(uint32_t m)
{
    if (sizeof(size_t) >= 4) return (size_t)alloc__ctz((size_t)m);
    if ((m & 0xFFFFu) != 0) return (size_t)alloc__ctz((size_t)(m & 0xFFFFu));
    return 16u + (size_t)alloc__ctz((size_t)(m >> 16));
}

ALLOC__HEAP_HOT void alloc__heap_mark(alloc_heap *h, size_t i)
{
    h->map[i >> 5] |= (uint32_t)1 << (i & 31);
    h->top |= (uint32_t)1 << (i >> 5);
}
ALLOC__HEAP_HOT void alloc__heap_unmark(alloc_heap *h, size_t i)
{
    h->map[i >> 5] &= ~((uint32_t)1 << (i & 31));
    if (h->map[i >> 5] == 0) h->top &= ~((uint32_t)1 << (i >> 5));
}

/* Files free block b at the head of list i. */
ALLOC__HEAP_HOT void alloc__heap_push_at(alloc_heap *h, alloc__heap_block *b, size_t i)
{
    alloc__heap_block *head = h->heads[i];
    alloc__heap_set_next(b, head);
    alloc__heap_set_prev(b, NULL);
    if (head != NULL) alloc__heap_set_prev(head, b);
    else alloc__heap_mark(h, i);
    h->heads[i] = b;
}
ALLOC__HEAP_HOT void alloc__heap_push(alloc_heap *h, alloc__heap_block *b, size_t size)
{
    alloc__heap_push_at(h, b, alloc__heap_index(size));
}

/* Takes free block b off list i (anywhere in the list). */
ALLOC__HEAP_HOT void alloc__heap_unlink_at(alloc_heap *h, alloc__heap_block *b, size_t i)
{
    alloc__heap_block *next = alloc__heap_next(b), *prev = alloc__heap_prev(b);
    if (next != NULL) alloc__heap_set_prev(next, prev);
    if (prev != NULL) {
        alloc__heap_set_next(prev, next);
    } else {
        h->heads[i] = next;
        if (next == NULL) alloc__heap_unmark(h, i);   /* the list became empty */
    }
}

/* Takes free block b of `size` bytes off its list (the list is only computed when b is
   its head; built for size, always, and unlink_at does the rest). */
ALLOC__HEAP_HOT void alloc__heap_unlink(alloc_heap *h, alloc__heap_block *b, size_t size)
{
    alloc__heap_block *next = alloc__heap_next(b), *prev = alloc__heap_prev(b);
    if (ALLOC__FOR_SIZE) {
        alloc__heap_unlink_at(h, b, alloc__heap_index(size));
        return;
    }
    if (next != NULL) alloc__heap_set_prev(next, prev);
    if (prev != NULL) {
        alloc__heap_set_next(prev, next);
    } else {
        size_t i = alloc__heap_index(size);
        h->heads[i] = next;
        if (next == NULL) alloc__heap_unmark(h, i);
    }
}

/* Free block b, on list i, becomes free block nb of nsize bytes (b itself resized by a
   split or a coalesce, or a block next to it that takes over its memory). When nb
   belongs on the same list - the usual case: a large hole changes class rarely - it
   takes b's place there and neither the list heads nor the bitmaps change. */
ALLOC__HEAP_HOT void alloc__heap_retarget(alloc_heap *h, alloc__heap_block *b, size_t i, alloc__heap_block *nb, size_t nsize)
{
    size_t ni = alloc__heap_index(nsize);
    if (ni == i) {
        if (nb != b) {
            alloc__heap_block *next = alloc__heap_next(b), *prev = alloc__heap_prev(b);
            alloc__heap_set_next(nb, next);
            alloc__heap_set_prev(nb, prev);
            if (next != NULL) alloc__heap_set_prev(next, nb);
            if (prev != NULL) alloc__heap_set_next(prev, nb);
            else h->heads[i] = nb;
        }
    } else {
        alloc__heap_unlink_at(h, b, i);
        alloc__heap_push_at(h, nb, ni);
    }
}

/* The blocks beyond the last class share the last list: searched (O(blocks there)). */
ALLOC__FN alloc__heap_block *alloc__heap_good_last(alloc_heap *h, size_t n)
{
    alloc__heap_block *b;
    for (b = h->heads[ALLOC__HEAP_LISTS - 1]; b != NULL; b = alloc__heap_next(b))
        if (ALLOC__HEAP_SIZE(alloc__heap_tag(b)) >= n) return b;
    return NULL;
}

/* A free block of at least n bytes (n a block size), still on its list *li, or NULL:
   good fit in O(1). */
ALLOC__HEAP_HOT alloc__heap_block *alloc__heap_good_find(alloc_heap *h, size_t n, size_t *li)
{
    size_t i = alloc__heap_index(n), w;
    uint32_t m;
    alloc__heap_block *b;
    if (n >= ((size_t)ALLOC__HEAP_SMALL << ALLOC__HEAP_GS)) {
        /* The request's own list holds blocks from a little below n to a little above:
           its head costs one look. */
        b = h->heads[i];
        *li = i;
        if (b != NULL && ALLOC__HEAP_SIZE(alloc__heap_tag(b)) >= n) return b;
        if (ALLOC__UNLIKELY(i == ALLOC__HEAP_LISTS - 1)) return alloc__heap_good_last(h, n);
        i++;
    }
    w = i >> 5;
    m = h->map[w] & ((uint32_t)0xFFFFFFFFu << (i & 31));
    if (m == 0) {
        uint32_t t = h->top & ((uint32_t)0xFFFFFFFEu << w);
        if (t == 0) return NULL;
        w = alloc__heap_ctz32(t);
        m = h->map[w];
    }
    i = (w << 5) + alloc__heap_ctz32(m);
    *li = i;
    return h->heads[i];
}

/* The same, taken off its list (alloc_block: the aligned path, and every request when
   built for size). */
ALLOC__FN alloc__heap_block *alloc__heap_good_take(alloc_heap *h, size_t n)
{
    size_t i = 0;
    alloc__heap_block *b = alloc__heap_good_find(h, n, &i);
    if (b != NULL) alloc__heap_unlink_at(h, b, i);
    return b;
}

/* --- FIRST / NEXT / BEST / WORST: one explicit free list, in address order ----------- */

/* Unlinks b; a rover on b moves on to its successor. */
ALLOC__FN void alloc__heap_list_remove(alloc_heap *h, alloc__heap_block *b)
{
    alloc__heap_block *next = alloc__heap_next(b), *prev = alloc__heap_prev(b);
    if (next != NULL) alloc__heap_set_prev(next, prev);
    if (prev != NULL) alloc__heap_set_next(prev, next);
    else h->heads[0] = next;
    if (h->rover == b) h->rover = next;
}

/* nb takes old's place in the list (they hold the same run of memory, so the address
   order is kept); a rover on old moves to nb. */
ALLOC__FN void alloc__heap_list_replace(alloc_heap *h, alloc__heap_block *old, alloc__heap_block *nb)
{
    alloc__heap_block *next = alloc__heap_next(old), *prev = alloc__heap_prev(old);
    alloc__heap_set_next(nb, next);
    alloc__heap_set_prev(nb, prev);
    if (next != NULL) alloc__heap_set_prev(next, nb);
    if (prev != NULL) alloc__heap_set_next(prev, nb);
    else h->heads[0] = nb;
    if (h->rover == old) h->rover = nb;
}

/* Links b in after `after` (NULL: at the front). */
ALLOC__FN void alloc__heap_list_link(alloc_heap *h, alloc__heap_block *after, alloc__heap_block *b)
{
    alloc__heap_block *next = after != NULL ? alloc__heap_next(after) : h->heads[0];
    alloc__heap_set_next(b, next);
    alloc__heap_set_prev(b, after);
    if (next != NULL) alloc__heap_set_prev(next, b);
    if (after != NULL) alloc__heap_set_next(after, b);
    else h->heads[0] = b;
}

/* Links b in at its address: walks the list to the last block below it. O(free blocks). */
ALLOC__FN void alloc__heap_list_insert(alloc_heap *h, alloc__heap_block *b)
{
    alloc__heap_block *after = NULL, *c;
    for (c = h->heads[0]; c != NULL && (uintptr_t)c < (uintptr_t)b; c = alloc__heap_next(c)) after = c;
    alloc__heap_list_link(h, after, b);
}

/* The bytes to skip at the start of free block b so that the payload after them is
   aligned to `align`: 0, or enough to make a free block of its own (>= MIN). */
ALLOC__INLINE size_t alloc__heap_gap(const alloc__heap_block *b, size_t align)
{
    uintptr_t pay = (uintptr_t)b + ALLOC__HEAP_W;
    size_t gap = alloc__pad(pay, align);
    if (gap != 0 && gap < ALLOC__HEAP_MIN) gap += (ALLOC__HEAP_MIN - gap + align - 1) & ~(align - 1);   /* align: a power of two */
    return gap;
}

/* 1 if free block b can hold a block of n bytes aligned to `align`. */
ALLOC__INLINE int alloc__heap_fits(const alloc__heap_block *b, size_t n, size_t align)
{
    size_t size = ALLOC__HEAP_SIZE(alloc__heap_tag(b));
    size_t gap = align > ALLOC__HEAP_G ? alloc__heap_gap(b, align) : 0;
    return size >= gap && size - gap >= n;
}

/* The lecture's four searches, each a few lines over the address-ordered list. */
ALLOC__FN alloc__heap_block *alloc__heap_list_find(alloc_heap *h, size_t n, size_t align)
{
    alloc__heap_block *b, *pick = NULL;
    switch (h->fit) {
    case ALLOC_FIT_FIRST:   /* the first hole that is large enough */
        for (b = h->heads[0]; b != NULL; b = alloc__heap_next(b))
            if (alloc__heap_fits(b, n, align)) return b;
        return NULL;
    case ALLOC_FIT_NEXT:    /* first fit, starting where the last search stopped */
        for (b = h->rover; b != NULL; b = alloc__heap_next(b))
            if (alloc__heap_fits(b, n, align)) return b;
        for (b = h->heads[0]; b != h->rover; b = alloc__heap_next(b))
            if (alloc__heap_fits(b, n, align)) return b;
        return NULL;
    case ALLOC_FIT_BEST:    /* the smallest hole that is large enough (stop on exact) */
        for (b = h->heads[0]; b != NULL; b = alloc__heap_next(b)) {
            size_t size = ALLOC__HEAP_SIZE(alloc__heap_tag(b));
            if (alloc__heap_fits(b, n, align) && (pick == NULL || size < ALLOC__HEAP_SIZE(alloc__heap_tag(pick)))) {
                pick = b;
                if (size == n) break;
            }
        }
        return pick;
    default:                /* ALLOC_FIT_WORST: the largest hole that is large enough */
        for (b = h->heads[0]; b != NULL; b = alloc__heap_next(b))
            if (alloc__heap_fits(b, n, align) &&
                (pick == NULL || ALLOC__HEAP_SIZE(alloc__heap_tag(b)) > ALLOC__HEAP_SIZE(alloc__heap_tag(pick))))
                pick = b;
        return pick;
    }
}

/* --- allocation: search, then split ------------------------------------------------- */

/* The block size that serves a request of `size` bytes (size <= MAX_REQUEST): the
   header plus the payload, rounded up to the grain, at least MIN. */
ALLOC__INLINE size_t alloc__heap_block_size(size_t size)
{
    size_t n = (size + ALLOC__HEAP_W + ALLOC__HEAP_G - 1) & ~(ALLOC__HEAP_G - 1);
    return n < ALLOC__HEAP_MIN ? ALLOC__HEAP_MIN : n;
}

/* Hands out n bytes of the free block b (GOOD: already taken off its list; the other
   policies: still on the address-ordered list, unless `lead`, a free block just cut off
   in front of b, has taken its place there). `flags` is b's PREV_USED, and ALIGNED for
   an aligned block (see carve_aligned). Split: the rest behind the block becomes a free
   block of its own when it is large enough (a smaller rest stays in the block).
   Placement (ALLOC_HEAP_LARGE): a small block is carved from the high end of the hole,
   the low part staying free where it was; never an aligned one, whose address is given. */
ALLOC__HEAP_HOT void *alloc__heap_carve(alloc_heap *h, alloc__heap_block *b, size_t n, size_t flags, alloc__heap_block *lead)
{
    size_t size = ALLOC__HEAP_SIZE(alloc__heap_tag(b));
    alloc__heap_block *rest, *succ = NULL;
    unsigned char *p;
    int good = ALLOC__HEAP_GOOD(h);
    if (!good && lead == NULL) succ = alloc__heap_next(b);
    if (size - n >= ALLOC__HEAP_MIN && !(flags & ALLOC__HEAP_ALIGNED) && alloc__heap_is_small(n, ALLOC__HEAP_LARGE)) {
        /* Split, small block: the hole keeps its low part (and its place on the
           address-ordered list); the block is its high end. */
        alloc__heap_block *after;
        lead = b;
        alloc__heap_set_tag(lead, (size - n) | ALLOC__HEAP_PREV_USED);
        alloc__heap_set_footer(lead, size - n);
        if (good) alloc__heap_push(h, lead, size - n);
        b = alloc__heap_at(b, size - n);
        after = alloc__heap_at(b, n);
        alloc__heap_set_tag(after, alloc__heap_tag(after) | ALLOC__HEAP_PREV_USED);
        flags = 0;
        size = n;
        if (ALLOC__HEAP_NEXT(h)) h->rover = lead;
    } else if (size - n >= ALLOC__HEAP_MIN) {
        /* Split, large block: the tail becomes a free block (its next neighbour already
           knows that the block before it is free, since b was). */
        rest = alloc__heap_at(b, n);
        alloc__heap_set_tag(rest, (size - n) | ALLOC__HEAP_PREV_USED);
        alloc__heap_set_footer(rest, size - n);
        if (good) alloc__heap_push(h, rest, size - n);
        else if (lead != NULL) alloc__heap_list_link(h, lead, rest);
        else alloc__heap_list_replace(h, b, rest);
        size = n;
        if (ALLOC__HEAP_NEXT(h)) h->rover = rest;
    } else {
        alloc__heap_block *after = alloc__heap_at(b, size);
        alloc__heap_set_tag(after, alloc__heap_tag(after) | ALLOC__HEAP_PREV_USED);
        if (!good && lead == NULL) alloc__heap_list_remove(h, b);
        if (ALLOC__HEAP_NEXT(h)) h->rover = lead != NULL ? lead : succ;
    }
    alloc__heap_set_tag(b, size | ALLOC__HEAP_USED | flags);
    h->used += size;
    if (h->used > h->peak) h->peak = h->used;
    h->alloc_count++;
    p = alloc__heap_payload(b);
    ALLOC__UNPOISON(p, ALLOC__HEAP_ROOM(size | flags));
#ifdef ALLOC_DEBUG
    ALLOC_MEMSET(p, ALLOC__FRESH_BYTE, ALLOC__HEAP_ROOM(size | flags));
#endif
    return p;
}

/* carve for a block aligned to align > G: the slack in front of the aligned payload
   (alloc__heap_gap) is cut off first as a free block of its own, in b's place on the
   address-ordered list, and the block keeps the alignment asked for in its last word
   (see ALLOC__HEAP_ROOM). Reached only through h->carve_aligned, which
   alloc_heap_alloc_aligned sets: an image that never asks for an alignment links none
   of this (an ALIGNED block, the only other way here, comes from that call too). */
ALLOC__FN void *alloc__heap_carve_aligned(alloc_heap *h, alloc__heap_block *b, size_t n, size_t align)
{
    size_t size = ALLOC__HEAP_SIZE(alloc__heap_tag(b)), gap = alloc__heap_gap(b, align);
    size_t flags = ALLOC__HEAP_PREV_USED | ALLOC__HEAP_ALIGNED;
    alloc__heap_block *lead = NULL;
    void *p;
    if (gap != 0) {
        lead = b;
        alloc__heap_set_tag(lead, gap | ALLOC__HEAP_PREV_USED);
        alloc__heap_set_footer(lead, gap);
        if (ALLOC__HEAP_GOOD(h)) alloc__heap_push(h, lead, gap);
        b = alloc__heap_at(b, gap);
        alloc__heap_set_tag(b, size - gap);             /* what carve reads: its size */
        flags = ALLOC__HEAP_ALIGNED;                    /* b's previous block is free now */
    }
    p = alloc__heap_carve(h, b, n, flags, lead);
    alloc__heap_set_last(b, ALLOC__HEAP_SIZE(alloc__heap_tag(b)), align);
    return p;
}

/* A block of n bytes (a block size) aligned to `align`, or NULL (counted as a failure). */
ALLOC__FN void *alloc__heap_alloc_block(alloc_heap *h, size_t n, size_t align)
{
    alloc__heap_block *b;
    if (ALLOC__HEAP_GOOD(h)) {
        /* An aligned block needs room for the largest slack in front of it too. */
        b = alloc__heap_good_take(h, align > ALLOC__HEAP_G ? n + align + ALLOC__HEAP_MIN - ALLOC__HEAP_G : n);
    } else {
        b = alloc__heap_list_find(h, n, align);
    }
    if (ALLOC__UNLIKELY(b == NULL)) {
        h->fail_count++;
        return NULL;
    }
    if (align > ALLOC__HEAP_G) {
        ALLOC_ASSERT(h->carve_aligned != NULL);        /* only alloc_aligned makes such requests */
        return h->carve_aligned(h, b, n, align);
    }
    return alloc__heap_carve(h, b, n, ALLOC__HEAP_PREV_USED, NULL);
}

ALLOC__RAWDEF void *ALLOC__RAW(alloc_heap_alloc)(alloc_heap *h, size_t size)
{
    alloc__heap_block *b, *after;
    size_t n, have, i = 0;
    unsigned char *p;
    if (ALLOC__UNLIKELY(size - 1 >= ALLOC__HEAP_MAX_REQUEST)) return NULL;   /* 0, or too large */
    n = alloc__heap_block_size(size);
    /* Built for size, GOOD takes the general path too: the fast path below is a copy of
       good_take + carve that hands out the same blocks (it moves a hole between lists
       only when its class changes), kept for speed. */
    if (ALLOC__UNLIKELY(!ALLOC__HEAP_GOOD(h)) || ALLOC__FOR_SIZE) return alloc__heap_alloc_block(h, n, ALLOC__HEAP_G);
    /* ALLOC_FIT_GOOD, the fast path: find a block, split it, mark it used. */
    b = alloc__heap_good_find(h, n, &i);
    if (ALLOC__UNLIKELY(b == NULL)) {
        h->fail_count++;
        return NULL;
    }
    have = ALLOC__HEAP_SIZE(alloc__heap_tag(b));
    if (have - n >= ALLOC__HEAP_MIN) {
        if (alloc__heap_is_small(n, ALLOC__HEAP_LARGE)) {   /* small: the high end of the hole */
            have -= n;
            alloc__heap_set_tag(b, have | ALLOC__HEAP_PREV_USED);
            alloc__heap_set_footer(b, have);
            alloc__heap_retarget(h, b, i, b, have);
            b = alloc__heap_at(b, have);
            alloc__heap_set_tag(b, n | ALLOC__HEAP_USED);
            after = alloc__heap_at(b, n);
            alloc__heap_set_tag(after, alloc__heap_tag(after) | ALLOC__HEAP_PREV_USED);
        } else {                                       /* large: the low end */
            alloc__heap_block *rest = alloc__heap_at(b, n);
            alloc__heap_set_tag(rest, (have - n) | ALLOC__HEAP_PREV_USED);
            alloc__heap_set_footer(rest, have - n);
            alloc__heap_retarget(h, b, i, rest, have - n);
            alloc__heap_set_tag(b, n | ALLOC__HEAP_USED | ALLOC__HEAP_PREV_USED);
        }
    } else {
        n = have;                                      /* the whole hole */
        alloc__heap_unlink_at(h, b, i);
        alloc__heap_set_tag(b, n | ALLOC__HEAP_USED | ALLOC__HEAP_PREV_USED);
        after = alloc__heap_at(b, n);
        alloc__heap_set_tag(after, alloc__heap_tag(after) | ALLOC__HEAP_PREV_USED);
    }
    h->used += n;
    if (h->used > h->peak) h->peak = h->used;
    h->alloc_count++;
    p = alloc__heap_payload(b);
    ALLOC__UNPOISON(p, n - ALLOC__HEAP_W);
#ifdef ALLOC_DEBUG
    ALLOC_MEMSET(p, ALLOC__FRESH_BYTE, n - ALLOC__HEAP_W);
#endif
    return p;
}

ALLOC__RAWDEF void *ALLOC__RAW(alloc_heap_alloc_aligned)(alloc_heap *h, size_t size, size_t align)
{
    if (size - 1 >= ALLOC__HEAP_MAX_REQUEST || !alloc__is_pow2(align) || align > ALLOC__HEAP_MAX_REQUEST) return NULL;
    if (align <= ALLOC__HEAP_G) return alloc__heap_alloc_block(h, alloc__heap_block_size(size), ALLOC__HEAP_G);
    h->carve_aligned = alloc__heap_carve_aligned;
    return alloc__heap_alloc_block(h, alloc__heap_block_size(size + ALLOC__HEAP_W), align);   /* + its last word */
}

ALLOC__RAWDEF void *ALLOC__RAW(alloc_heap_calloc)(alloc_heap *h, size_t n, size_t size)
{
    size_t total;
    void *p;
    if (!alloc__mul(n, size, &total) || total - 1 >= ALLOC__HEAP_MAX_REQUEST) return NULL;
    p = ALLOC__RAW(alloc_heap_alloc)(h, total);
    if (p != NULL) alloc__zero(p, total);
    return p;
}

/* --- free: coalesce with both neighbours at once ------------------------------------- */

ALLOC__FN const alloc__heap_region *alloc__heap_region_of(const alloc_heap *h, const void *p)
{
    const alloc__heap_region *r;
    for (r = h->regions; r != NULL; r = r->next)
        if ((uintptr_t)p >= (uintptr_t)r->first + ALLOC__HEAP_W && (uintptr_t)p < (uintptr_t)r->end) return r;
    return NULL;
}

/* Who asks whether p is live, for the report of a refusal: usable_size asks quietly (a
   refusal is its answer, not a misuse). The message is picked here, not handed down, so
   that where ALLOC_ON_ERROR drops it the strings drop out of the image too. */
#define ALLOC__HEAP_QUIET   0
#define ALLOC__HEAP_FREE    1
#define ALLOC__HEAP_REALLOC 2
ALLOC__INLINE const char *alloc__heap_what(int by)
{
    return by == ALLOC__HEAP_REALLOC ? "heap realloc: pointer is not a live block of this heap"
                                     : "heap free: pointer is not a live block of this heap";
}

/* The live block whose payload is p, or NULL after reporting (unless asked quietly)
   why p is not one: outside every region, off the block grid, no sane header there, or
   a header that says the block is already free. The slow half of alloc__heap_live. */
ALLOC__NOINLINE ALLOC__FN alloc__heap_block *alloc__heap_live_slow(alloc_heap *h, const void *p, int by)
{
    const unsigned char *first, *end;
    alloc__heap_block *b = alloc__heap_of(p);
    size_t tag, size;
    alloc_result code = ALLOC_ERR_NOT_BLOCK;
    const alloc__heap_region *r = alloc__heap_region_of(h, p);
    if (r == NULL) {
        if (by != ALLOC__HEAP_QUIET) alloc__heap_error(h, ALLOC_ERR_FOREIGN, p, alloc__heap_what(by));
        return NULL;
    }
    first = r->first;
    end = r->end;
    if (((uintptr_t)p & (ALLOC__HEAP_G - 1)) != 0) goto refuse;          /* off the grid */
    tag = alloc__heap_peek_tag(b);
    size = ALLOC__HEAP_SIZE(tag);
    if (size < ALLOC__HEAP_MIN || (size & (ALLOC__HEAP_G - 1)) != 0 || size > (size_t)(end - (unsigned char *)b))
        goto refuse;                                                       /* no header */
    if (!(tag & ALLOC__HEAP_USED)) {
        code = ALLOC_ERR_DOUBLE_FREE;              /* the block's own header says free */
        goto refuse;
    }
    if (!(alloc__heap_peek_tag(alloc__heap_at(b, size)) & ALLOC__HEAP_PREV_USED)) goto refuse;
    if (!(tag & ALLOC__HEAP_PREV_USED)) {
        /* The previous block claims to be free: its footer must lead to its header. */
        size_t ps = alloc__heap_peek_prev_size(b);
        if (ps < ALLOC__HEAP_MIN || (ps & (ALLOC__HEAP_G - 1)) != 0 || ps > (size_t)((unsigned char *)b - first) ||
            alloc__heap_peek_tag(alloc__heap_before(b, ps)) != (ps | ALLOC__HEAP_PREV_USED))
            goto refuse;
    }
#ifdef ALLOC_DEBUG
    {
        /* Debug builds prove that p starts a block by walking the region to it. */
        const alloc__heap_block *c = (const alloc__heap_block *)(const void *)first;
        while ((uintptr_t)c < (uintptr_t)b) c = alloc__heap_at(c, ALLOC__HEAP_SIZE(alloc__heap_tag(c)));
        if (c != b) goto refuse;
    }
#endif
    return b;
refuse:
    if (by != ALLOC__HEAP_QUIET)
        alloc__heap_error(h, code, p, code == ALLOC_ERR_DOUBLE_FREE ? "heap: block is already free (double free)"
                                                                 : alloc__heap_what(by));
    return NULL;
}

/* The live block whose payload is p, or NULL after reporting. The fast half: inside the
   first region (one range compare), on the grid, a header that says used with a size
   that stays in the region, a next block that agrees (PREV_USED) and, when the block
   says its previous neighbour is free, a footer that leads to that neighbour's header.
   Anything else - another region, a refusal, a debug build - takes the slow half, and
   so does everything when built for size: the fast half only repeats its checks. */
ALLOC__HEAP_HOT alloc__heap_block *alloc__heap_live(alloc_heap *h, const void *p, int by)
{
#if !defined(ALLOC_DEBUG) && !ALLOC__FOR_SIZE
    alloc__heap_block *b = alloc__heap_of(p);
    if (ALLOC__LIKELY((uintptr_t)p - (uintptr_t)h->lo < (uintptr_t)(h->hi - h->lo) && ((uintptr_t)p & (ALLOC__HEAP_G - 1)) == 0)) {
        size_t tag = alloc__heap_peek_tag(b), size = ALLOC__HEAP_SIZE(tag);
        if (ALLOC__LIKELY((tag & ALLOC__HEAP_USED) && size >= ALLOC__HEAP_MIN && (size & (ALLOC__HEAP_G - 1)) == 0 &&
                          size <= (size_t)(h->hi - (unsigned char *)b) &&
                          (alloc__heap_peek_tag(alloc__heap_at(b, size)) & ALLOC__HEAP_PREV_USED))) {
            size_t ps;
            if (ALLOC__LIKELY(tag & ALLOC__HEAP_PREV_USED)) return b;
            ps = alloc__heap_peek_prev_size(b);
            if (ps >= ALLOC__HEAP_MIN && (ps & (ALLOC__HEAP_G - 1)) == 0 &&
                ps <= (size_t)((unsigned char *)b - (h->lo - ALLOC__HEAP_W)) &&
                alloc__heap_peek_tag(alloc__heap_before(b, ps)) == (ps | ALLOC__HEAP_PREV_USED))
                return b;
        }
    }
#endif
    return alloc__heap_live_slow(h, p, by);
}

/* Gives live block b back: coalesce with the free neighbours, then file the result. */
ALLOC__HEAP_HOT void alloc__heap_release(alloc_heap *h, alloc__heap_block *b)
{
    size_t tag = alloc__heap_tag(b), size = ALLOC__HEAP_SIZE(tag);
    alloc__heap_block *next = alloc__heap_at(b, size), *prev = NULL;
    size_t ntag = alloc__heap_tag(next), ps = 0;
    int next_free = !(ntag & ALLOC__HEAP_USED), prev_free = !(tag & ALLOC__HEAP_PREV_USED);
    h->used -= size;
#ifdef ALLOC_DEBUG
    ALLOC_MEMSET(alloc__heap_payload(b), ALLOC__FREED_BYTE, ALLOC__HEAP_ROOM(tag));
#endif
    ALLOC__POISON(alloc__heap_payload(b), ALLOC__HEAP_ROOM(tag));
    if (prev_free) {
        /* Mark b free before it disappears inside its neighbour: a second free of it is
           then caught from its own (stale) header. */
        alloc__heap_set_tag(b, tag & ~ALLOC__HEAP_USED);
        ps = alloc__heap_prev_size(b);
        prev = alloc__heap_before(b, ps);
    }
    if (ALLOC__LIKELY(ALLOC__HEAP_GOOD(h))) {
        /* Coalesce: one free block from prev (or b) to the end of next (or b). The
           merged block takes the place of the neighbour it grew from on the lists. */
        if (prev_free) {
            if (next_free) {
                alloc__heap_unlink(h, next, ALLOC__HEAP_SIZE(ntag));
                size += ALLOC__HEAP_SIZE(ntag);
            } else {
                alloc__heap_set_tag(next, ntag & ~ALLOC__HEAP_PREV_USED);
            }
            size += ps;
            b = prev;
            alloc__heap_retarget(h, prev, alloc__heap_index(ps), prev, size);
        } else if (next_free) {
            size += ALLOC__HEAP_SIZE(ntag);
            alloc__heap_retarget(h, next, alloc__heap_index(ALLOC__HEAP_SIZE(ntag)), b, size);
        } else {
            alloc__heap_set_tag(next, ntag & ~ALLOC__HEAP_PREV_USED);
            alloc__heap_push(h, b, size);
        }
        alloc__heap_set_tag(b, size | ALLOC__HEAP_PREV_USED);
        alloc__heap_set_footer(b, size);
        return;
    }
    if (prev_free) {
        /* The address-ordered list: the merged block keeps prev's place. */
        if (next_free) {
            int rover_on_next = h->rover == next;
            alloc__heap_list_remove(h, next);
            if (rover_on_next) h->rover = prev;        /* the rover survives coalescing */
        }
    } else if (next_free) {
        alloc__heap_list_replace(h, next, b);          /* b takes next's place */
    } else {
        alloc__heap_list_insert(h, b);
    }
    if (next_free) size += ALLOC__HEAP_SIZE(ntag);
    if (prev_free) {
        size += ps;
        b = prev;
    }
    alloc__heap_make_free(b, size);
}

ALLOC__RAWDEF void ALLOC__RAW(alloc_heap_free)(alloc_heap *h, void *p)
{
    alloc__heap_block *b;
    if (p == NULL) return;
    b = alloc__heap_live(h, p, ALLOC__HEAP_FREE);
    if (ALLOC__UNLIKELY(b == NULL)) return;
    h->free_count++;
    alloc__heap_release(h, b);
}

/* --- realloc: shrink in place, grow into a free neighbour, or move ----------------------- */

ALLOC__RAWDEF void *ALLOC__RAW(alloc_heap_realloc)(alloc_heap *h, void *p, size_t size)
{
    alloc__heap_block *b, *next;
    size_t tag, cur, ntag, n, align = ALLOC__HEAP_G;
    void *q;
    if (p == NULL) return ALLOC__RAW(alloc_heap_alloc)(h, size);
    b = alloc__heap_live(h, p, ALLOC__HEAP_REALLOC);
    if (b == NULL) return NULL;
    if (size == 0) {
        h->free_count++;
        alloc__heap_release(h, b);
        return NULL;
    }
    if (size - 1 >= ALLOC__HEAP_MAX_REQUEST) return NULL;
    tag = alloc__heap_tag(b);
    cur = ALLOC__HEAP_SIZE(tag);
    if (tag & ALLOC__HEAP_ALIGNED) {                   /* the alignment asked for, and its word */
        align = alloc__heap_last(b, cur);
        size += ALLOC__HEAP_W;
    }
    n = alloc__heap_block_size(size);
    if (n <= cur) {
        /* Shrink in place: a tail large enough to be a block is split off and freed
           (it coalesces with a free next neighbour). */
        if (cur - n >= ALLOC__HEAP_MIN) {
            alloc__heap_block *tail = alloc__heap_at(b, n);
            alloc__heap_set_tag(b, n | (tag & ALLOC__HEAP_FLAGS));
            if (tag & ALLOC__HEAP_ALIGNED) {
                alloc__heap_set_last(b, n, align);
                ALLOC__UNPOISON((unsigned char *)b + cur - ALLOC__HEAP_W, ALLOC__HEAP_W);   /* the old word is tail's */
            }
            alloc__heap_set_tag(tail, (cur - n) | ALLOC__HEAP_USED | ALLOC__HEAP_PREV_USED);
            alloc__heap_release(h, tail);
        }
        return p;
    }
    next = alloc__heap_at(b, cur);
    ntag = alloc__heap_tag(next);
    if (!(ntag & ALLOC__HEAP_USED) && cur + ALLOC__HEAP_SIZE(ntag) >= n) {
        /* Grow in place into the free next neighbour; split its unused tail off again. */
        size_t total = cur + ALLOC__HEAP_SIZE(ntag), got = total;
        int good = ALLOC__HEAP_GOOD(h), rover_on_next = h->rover == next;
        alloc__heap_block *list_prev = NULL;
        /* Unlink next before anything is written: the new tail may lie on its links. */
        if (good) {
            alloc__heap_unlink(h, next, ALLOC__HEAP_SIZE(ntag));
        } else {
            list_prev = alloc__heap_prev(next);
            alloc__heap_list_remove(h, next);
        }
        if (total - n >= ALLOC__HEAP_MIN) {
            alloc__heap_block *rest = alloc__heap_at(b, n);
            alloc__heap_set_tag(rest, (total - n) | ALLOC__HEAP_PREV_USED);
            alloc__heap_set_footer(rest, total - n);
            if (good) {
                alloc__heap_push(h, rest, total - n);
            } else {
                alloc__heap_list_link(h, list_prev, rest);   /* next's place on the list */
                if (rover_on_next) h->rover = rest;
            }
            got = n;
        } else {
            alloc__heap_block *after = alloc__heap_at(b, total);
            alloc__heap_set_tag(after, alloc__heap_tag(after) | ALLOC__HEAP_PREV_USED);
        }
        alloc__heap_set_tag(b, got | (tag & ALLOC__HEAP_FLAGS));
        if (tag & ALLOC__HEAP_ALIGNED) alloc__heap_set_last(b, got, align);
        ALLOC__UNPOISON((unsigned char *)p + ALLOC__HEAP_ROOM(tag), got - cur);
#ifdef ALLOC_DEBUG
        ALLOC_MEMSET((unsigned char *)p + ALLOC__HEAP_ROOM(tag), ALLOC__FRESH_BYTE, got - cur);
#endif
        h->used += got - cur;
        if (h->used > h->peak) h->peak = h->used;
        return p;
    }
    /* Move: a new block with the alignment p was asked with, copy, free the old. */
    q = alloc__heap_alloc_block(h, n, align);
    if (q == NULL) return NULL;                        /* p is untouched */
    alloc__copy(q, p, ALLOC__HEAP_ROOM(tag));         /* all of p: a move means p is smaller than size */
    h->free_count++;
    alloc__heap_release(h, b);
    return q;
}

ALLOC__RAWDEF size_t ALLOC__RAW(alloc_heap_usable_size)(const alloc_heap *h, const void *p)
{
    alloc__heap_block *b;
    if (h == NULL || p == NULL) return 0;
    b = alloc__heap_live((alloc_heap *)(uintptr_t)h, p, ALLOC__HEAP_QUIET);
    return b != NULL ? ALLOC__HEAP_ROOM(alloc__heap_tag(b)) : 0;
}

ALLOC_DEF int alloc_heap_owns(const alloc_heap *h, const void *p)
{
    const alloc__heap_region *r;
    if (h == NULL || p == NULL) return 0;
    for (r = h->regions; r != NULL; r = r->next)
        if ((uintptr_t)p >= (uintptr_t)r && (uintptr_t)p < (uintptr_t)r->end + ALLOC__HEAP_W) return 1;
    return 0;
}

/* --- regions ------------------------------------------------------------------------ */

/* Lays out a region in [buf, buf + size): its header, then blocks from the first grid
   position to the last, then the sentinel. Writes nothing unless it fits. */
ALLOC__FN alloc_result alloc__heap_make_region(void *buf, size_t size, alloc__heap_region **out)
{
    uintptr_t lo = (uintptr_t)buf;
    size_t off_r = alloc__pad(lo, sizeof(void *)), off_first, blocks;
    alloc__heap_region *r;
    alloc__heap_block *first;
    off_first = off_r + sizeof(alloc__heap_region) + ALLOC__HEAP_W;
    off_first += alloc__pad(lo + off_first, ALLOC__HEAP_G);
    off_first -= ALLOC__HEAP_W;                        /* first payload on the grid */
    if (off_first > size || size - off_first < ALLOC__HEAP_W + ALLOC__HEAP_MIN) return ALLOC_ERR_TOO_SMALL;
    blocks = (size - off_first - ALLOC__HEAP_W) & ~(ALLOC__HEAP_G - 1);
    if (blocks < ALLOC__HEAP_MIN) return ALLOC_ERR_TOO_SMALL;
    ALLOC__UNPOISON(buf, size);                        /* memory an earlier heap poisoned */
    r = (alloc__heap_region *)(void *)((unsigned char *)buf + off_r);
    r->next = NULL;
    r->first = (unsigned char *)buf + off_first;
    r->end = r->first + blocks;
    first = (alloc__heap_block *)(void *)r->first;
    alloc__heap_set_tag((alloc__heap_block *)(void *)r->end, ALLOC__HEAP_USED);   /* the sentinel: size 0, never free */
    alloc__heap_make_free(first, blocks);
    ALLOC__POISON(r->first, size - off_first);
    *out = r;
    return ALLOC_OK;
}

/* Links region r in address order and files its one free block. */
ALLOC__FN void alloc__heap_attach(alloc_heap *h, alloc__heap_region *r)
{
    alloc__heap_region **link = &h->regions;
    alloc__heap_block *b = (alloc__heap_block *)(void *)r->first;
    size_t size = (size_t)(r->end - r->first);
    while (*link != NULL && (uintptr_t)*link < (uintptr_t)r) link = &(*link)->next;
    r->next = *link;
    *link = r;
    h->capacity += size;
    if (ALLOC__HEAP_GOOD(h)) alloc__heap_push(h, b, size);
    else alloc__heap_list_insert(h, b);
}

ALLOC_DEF alloc_result alloc_heap_init(alloc_heap *h, void *buf, size_t size, alloc_fit fit)
{
    alloc__heap_region *r;
    alloc_result res;
    if (h == NULL || buf == NULL || (unsigned)fit > (unsigned)ALLOC_FIT_WORST) return ALLOC_ERR_INVALID;
    if (!ALLOC_HEAP_LECTURE_FITS && fit != ALLOC_FIT_GOOD) return ALLOC_ERR_INVALID;
    if ((uintptr_t)buf + size < (uintptr_t)buf) return ALLOC_ERR_OVERFLOW;
    res = alloc__heap_make_region(buf, size, &r);
    if (res != ALLOC_OK) return res;
    alloc__zero(h, sizeof *h);
    h->fit = fit;
    h->lo = r->first + ALLOC__HEAP_W;
    h->hi = r->end;
    alloc__heap_attach(h, r);
    return ALLOC_OK;
}

ALLOC_DEF alloc_result alloc_heap_add(alloc_heap *h, void *buf, size_t size)
{
    alloc__heap_region *r;
    uintptr_t lo = (uintptr_t)buf, hi;
    alloc_result res;
    if (h == NULL || buf == NULL) return ALLOC_ERR_INVALID;
    if (lo + size < lo) return ALLOC_ERR_OVERFLOW;
    hi = lo + size;
    for (r = h->regions; r != NULL; r = r->next)
        if (lo < (uintptr_t)r->end + ALLOC__HEAP_W && (uintptr_t)r < hi) return ALLOC_ERR_OVERLAP;
    res = alloc__heap_make_region(buf, size, &r);
    if (res != ALLOC_OK) return res;
    alloc__heap_attach(h, r);
    return ALLOC_OK;
}

/* --- stats, check, the common interface ----------------------------------------------- */

ALLOC_DEF void alloc_heap_stats(const alloc_heap *h, alloc_stats *out)
{
    const alloc__heap_region *r;
    alloc__zero(out, sizeof *out);
    for (r = h->regions; r != NULL; r = r->next) {
        const alloc__heap_block *b = (const alloc__heap_block *)(const void *)r->first;
        out->capacity += (size_t)(r->end - r->first);
        while ((uintptr_t)b < (uintptr_t)r->end) {
            size_t tag = alloc__heap_tag(b), size = ALLOC__HEAP_SIZE(tag);
            if (size == 0) break;                      /* corrupt: check() says so */
            if (tag & ALLOC__HEAP_USED) {
                out->used += size;
                out->live_blocks++;
            } else {
                out->free += size - ALLOC__HEAP_W;
                out->free_blocks++;
                if (size - ALLOC__HEAP_W > out->largest_free) out->largest_free = size - ALLOC__HEAP_W;
            }
            b = alloc__heap_at(b, size);
        }
    }
    out->peak_used = h->peak > out->used ? h->peak : out->used;
    out->alloc_count = h->alloc_count;
    out->free_count = h->free_count;
    out->fail_count = h->fail_count;
    out->error_count = h->error_count;
}

/* 1 if b is the header of a free block inside a region, on the grid, footer agreeing. */
ALLOC__FN int alloc__heap_is_free_block(const alloc_heap *h, const alloc__heap_block *b)
{
    const alloc__heap_region *r = alloc__heap_region_of(h, alloc__heap_payload((alloc__heap_block *)(uintptr_t)b));
    size_t tag, size;
    if (r == NULL || (((uintptr_t)b + ALLOC__HEAP_W) & (ALLOC__HEAP_G - 1)) != 0) return 0;
    tag = alloc__heap_tag(b);
    size = ALLOC__HEAP_SIZE(tag);
    if ((tag & ALLOC__HEAP_FLAGS) != ALLOC__HEAP_PREV_USED || size < ALLOC__HEAP_MIN ||
        size > (size_t)(r->end - (const unsigned char *)b))
        return 0;
    return alloc__heap_last(b, size) == size;
}

ALLOC__RAWDEF alloc_result ALLOC__RAW(alloc_heap_check)(const alloc_heap *h)
{
    const alloc__heap_region *r;
    size_t nfree = 0, nlisted = 0, used = 0, cap = 0, i;
    int rover_seen = h != NULL && h->rover == NULL;
    if (h == NULL) return ALLOC_ERR_INVALID;
    if (h->regions == NULL || (unsigned)h->fit > (unsigned)ALLOC_FIT_WORST) return ALLOC_ERR_CORRUPT;
    /* Every region, block by block. */
    for (r = h->regions; r != NULL; r = r->next) {
        const alloc__heap_block *b = (const alloc__heap_block *)(const void *)r->first;
        size_t prev_used = ALLOC__HEAP_PREV_USED, tag;
        if (r->next != NULL && (uintptr_t)r->next <= (uintptr_t)r->end) return ALLOC_ERR_CORRUPT;
        if (((uintptr_t)r->first + ALLOC__HEAP_W) % ALLOC__HEAP_G != 0 || r->end < r->first) return ALLOC_ERR_CORRUPT;
        cap += (size_t)(r->end - r->first);
        while ((uintptr_t)b < (uintptr_t)r->end) {
            size_t size;
            tag = alloc__heap_tag(b);
            size = ALLOC__HEAP_SIZE(tag);
            if (size < ALLOC__HEAP_MIN || size % ALLOC__HEAP_G != 0 || size > (size_t)(r->end - (const unsigned char *)b))
                return ALLOC_ERR_CORRUPT;              /* sizes must add up to the region */
            if ((tag & ALLOC__HEAP_PREV_USED) != prev_used) return ALLOC_ERR_CORRUPT;
            if (tag & ALLOC__HEAP_USED) {
                used += size;
                if (tag & ALLOC__HEAP_ALIGNED) {               /* the alignment word (ALLOC__HEAP_ROOM) */
                    size_t a = alloc__heap_last(b, size);
                    if (a <= ALLOC__HEAP_G || !alloc__is_pow2(a) || (((uintptr_t)b + ALLOC__HEAP_W) & (a - 1)) != 0)
                        return ALLOC_ERR_CORRUPT;
                }
            } else {
                const alloc__heap_block *nx = alloc__heap_next(b), *pv = alloc__heap_prev(b);
                if (!prev_used || (tag & ALLOC__HEAP_ALIGNED)) return ALLOC_ERR_CORRUPT;   /* two free neighbours */
                if (alloc__heap_last(b, size) != size) return ALLOC_ERR_CORRUPT;
                /* Its list links agree with the neighbours on the list. */
                if (nx != NULL && alloc__heap_prev(nx) != b) return ALLOC_ERR_CORRUPT;
                if (pv != NULL ? alloc__heap_next(pv) != b
                               : h->heads[ALLOC__HEAP_GOOD(h) ? alloc__heap_index(size) : 0] != b)
                    return ALLOC_ERR_CORRUPT;
                nfree++;
            }
            prev_used = (tag & ALLOC__HEAP_USED) ? ALLOC__HEAP_PREV_USED : 0;
            b = alloc__heap_at(b, size);
        }
        if ((const unsigned char *)b != r->end) return ALLOC_ERR_CORRUPT;
        tag = alloc__heap_tag(b);                      /* the sentinel */
        if (ALLOC__HEAP_SIZE(tag) != 0 || !(tag & ALLOC__HEAP_USED) || (tag & ALLOC__HEAP_PREV_USED) != prev_used)
            return ALLOC_ERR_CORRUPT;
    }
    if (used != h->used || cap != h->capacity || h->peak < used) return ALLOC_ERR_CORRUPT;
    /* Every list: each entry a free block, on the right list, linked both ways. */
    for (i = 0; i < ALLOC__HEAP_LISTS; i++) {
        const alloc__heap_block *b, *pv = NULL;
        if (!ALLOC__HEAP_GOOD(h) && i > 0) {
            if (h->heads[i] != NULL) return ALLOC_ERR_CORRUPT;
            continue;
        }
        for (b = h->heads[i]; b != NULL; pv = b, b = alloc__heap_next(b)) {
            if (++nlisted > nfree || !alloc__heap_is_free_block(h, b) || alloc__heap_prev(b) != pv) return ALLOC_ERR_CORRUPT;
            if (ALLOC__HEAP_GOOD(h)) {
                if (alloc__heap_index(ALLOC__HEAP_SIZE(alloc__heap_tag(b))) != i)
                    return ALLOC_ERR_CORRUPT;
            } else if (pv != NULL && (uintptr_t)pv >= (uintptr_t)b) {
                return ALLOC_ERR_CORRUPT;              /* the list is in address order */
            }
            if (b == h->rover) rover_seen = 1;
        }
    }
    if (nlisted != nfree || !rover_seen || (!ALLOC__HEAP_NEXT(h) && h->rover != NULL)) return ALLOC_ERR_CORRUPT;
    /* The bitmaps say exactly which lists are non-empty. */
    if (ALLOC__HEAP_GOOD(h)) {
        size_t w, bit;
        for (w = 0; w < ALLOC__HEAP_WORDS; w++) {
            for (bit = 0; bit < 32; bit++) {
                int set = (int)((h->map[w] >> bit) & 1u);
                i = w * 32 + bit;
                if (i >= ALLOC__HEAP_LISTS ? set : set != (h->heads[i] != NULL)) return ALLOC_ERR_CORRUPT;
            }
        }
        for (w = 0; w < 32; w++)
            if (((h->top >> w) & 1u) != (w < ALLOC__HEAP_WORDS && h->map[w] != 0)) return ALLOC_ERR_CORRUPT;
    } else if (h->top != 0) {
        return ALLOC_ERR_CORRUPT;
    }
    return ALLOC_OK;
}

ALLOC__FN void *alloc__heap_if_alloc(void *ctx, size_t size, size_t align)
{
    return align == 0 ? alloc_heap_alloc((alloc_heap *)ctx, size) : alloc_heap_alloc_aligned((alloc_heap *)ctx, size, align);
}
ALLOC__FN void *alloc__heap_if_realloc(void *ctx, void *p, size_t size, size_t align)
{
    alloc_heap *h = (alloc_heap *)ctx;
    if (align != 0 && !alloc__is_pow2(align)) return NULL;   /* p untouched */
    if (p == NULL) return alloc__heap_if_alloc(ctx, size, align);
    if (size != 0 && align != 0 && alloc__pad((uintptr_t)p, align) != 0 && alloc_heap_usable_size(h, p) != 0) {
        /* p lacks the alignment now asked for: move it to a block that has it. */
        size_t old = alloc_heap_usable_size(h, p);
        void *q = alloc_heap_alloc_aligned(h, size, align);
        if (q == NULL) return NULL;
        alloc__copy(q, p, old < size ? old : size);
        alloc_heap_free(h, p);
        return q;
    }
    return alloc_heap_realloc(h, p, size);
}
ALLOC__FN void alloc__heap_if_free(void *ctx, void *p)
{
    alloc_heap_free((alloc_heap *)ctx, p);
}

ALLOC_DEF alloc_allocator alloc_heap_allocator(alloc_heap *h)
{
    return alloc__make_allocator(alloc__heap_if_alloc, alloc__heap_if_realloc, alloc__heap_if_free, h);
}

#ifdef ALLOC_DUMP
ALLOC__FN const char *alloc__heap_fit_name(alloc_fit fit)
{
    switch (fit) {
    case ALLOC_FIT_GOOD: return "good";
    case ALLOC_FIT_FIRST: return "first";
    case ALLOC_FIT_NEXT: return "next";
    case ALLOC_FIT_BEST: return "best";
    default: return "worst";
    }
}

/* One region as the lecture draws it. With few blocks, each block is '|' followed by
   cells in proportion to its size (at least one); with many, 64 fixed cells, '#' where
   any byte is used. */
ALLOC__FN void alloc__heap_draw(alloc__writer *w, const alloc_heap *h, const alloc__heap_region *r, size_t nblocks)
{
    char line[200];
    size_t len = 0, total = (size_t)(r->end - r->first), width = 64;
    const alloc__heap_block *b = (const alloc__heap_block *)(const void *)r->first;
    line[len++] = ' ';
    line[len++] = ' ';
    if (nblocks <= 32) {
        while ((uintptr_t)b < (uintptr_t)r->end) {
            size_t tag = alloc__heap_tag(b), size = ALLOC__HEAP_SIZE(tag), k, cells;
            if (size == 0) break;
            cells = (size / 16 * width + total / 32) / (total / 16);   /* no overflow for huge regions */
            if (cells == 0) cells = 1;
            line[len++] = '|';
            for (k = 0; k < cells && len < sizeof line - 3; k++) line[len++] = (tag & ALLOC__HEAP_USED) ? '#' : '.';
            b = alloc__heap_at(b, size);
        }
        line[len++] = '|';
    } else {
        size_t cell;
        line[len++] = '[';
        for (cell = 0; cell < width; cell++) line[len + cell] = '.';
        while ((uintptr_t)b < (uintptr_t)r->end) {
            size_t tag = alloc__heap_tag(b), size = ALLOC__HEAP_SIZE(tag);
            size_t off = (size_t)((const unsigned char *)b - r->first);
            if (size == 0) break;
            if (tag & ALLOC__HEAP_USED) {
                size_t c0 = off / 16 * width / (total / 16), c1 = (off + size - 1) / 16 * width / (total / 16);
                for (cell = c0; cell <= c1 && cell < width; cell++) line[len + cell] = '#';
            }
            b = alloc__heap_at(b, size);
        }
        len += width;
        line[len++] = ']';
    }
    line[len++] = '\n';
    (void)h;
    w->write(w->user, line, len);
}

ALLOC_DEF void alloc_heap_dump(const alloc_heap *h, alloc_write_fn write, void *user)
{
    alloc__writer w;
    alloc_stats s;
    const alloc__heap_region *r;
    size_t ef, i = 0;
    w.write = write;
    w.user = user;
    alloc_heap_stats(h, &s);
    alloc__printf(&w, "heap %p, %s fit: %zu of %zu bytes used (%zu%%), %zu live blocks, %zu free blocks\n",
                  (const void *)h, alloc__heap_fit_name(h->fit), s.used, s.capacity,
                  s.capacity ? s.used / (s.capacity / 100 + 1) : 0, s.live_blocks, s.free_blocks);
    for (r = h->regions; r != NULL; r = r->next, i++) {
        const alloc__heap_block *b = (const alloc__heap_block *)(const void *)r->first;
        size_t nblocks = 0;
        while ((uintptr_t)b < (uintptr_t)r->end && ALLOC__HEAP_SIZE(alloc__heap_tag(b)) != 0) {
            nblocks++;
            b = alloc__heap_at(b, ALLOC__HEAP_SIZE(alloc__heap_tag(b)));
        }
        alloc__printf(&w, "  region %zu at %p: %zu bytes in %zu blocks%s\n", i, (const void *)r->first,
                      (size_t)(r->end - r->first), nblocks, nblocks > 32 ? " ('#': a cell with a used byte)" : "");
        alloc__heap_draw(&w, h, r, nblocks);
        if (nblocks <= 16) {
            alloc__printf(&w, "    %8s %8s  %-5s %s\n", "offset", "size", "state", "payload");
            for (b = (const alloc__heap_block *)(const void *)r->first; (uintptr_t)b < (uintptr_t)r->end;) {
                size_t tag = alloc__heap_tag(b), size = ALLOC__HEAP_SIZE(tag);
                if (size == 0) break;
                alloc__printf(&w, "    %8zu %8zu  %-5s %zu bytes%s\n", (size_t)((const unsigned char *)b - r->first), size,
                              (tag & ALLOC__HEAP_USED) ? "used" : "free", ALLOC__HEAP_ROOM(tag),
                              (tag & ALLOC__HEAP_ALIGNED) ? ", aligned" : "");
                b = alloc__heap_at(b, size);
            }
        }
    }
    alloc__print_stats(&w, &s);
    /* External fragmentation 1 - largest_free / free, in tenths of a percent, no floats. */
    if (s.free == 0) {
        ef = 0;
    } else {
        size_t f = s.free, l = s.largest_free;
        while (f > (size_t)-1 / 1000) { f >>= 4; l >>= 4; }
        ef = 1000 - l * 1000 / f;
    }
    alloc__printf(&w, "  external fragmentation %zu.%zu%% (1 - largest free / free)\n", ef / 10, ef % 10);
}
#endif /* ALLOC_DUMP */

/* --- ALLOC_DEBUG: guards and records (see >>debug) ------------------------------------

   A debug block is carved from a raw block: [lead ... record | front guard | block |
   back guard]. The front guard is one grain G (so the block keeps the heap's alignment,
   or the alignment asked for); the record sits just before it, at the fixed distance
   G + RECSZ below the block, so free finds it from the pointer alone; the back guard runs
   from the end of the bytes asked for to the end of the raw block (at least G bytes). */
#ifdef ALLOC_DEBUG
#define ALLOC__HEAP_RECSZ ALLOC__DBG_RECSZ(ALLOC__HEAP_G)

/* The record of live debug block p, or NULL (nothing reported). */
ALLOC__FN alloc__dbg_rec *alloc__heap_dbg_rec(const alloc_heap *h, const void *p)
{
    const alloc__heap_region *r = alloc__heap_region_of(h, p);
    alloc__dbg_rec *rec;
    if (r == NULL || ((uintptr_t)p & (ALLOC__HEAP_G - 1)) != 0 ||
        (uintptr_t)p - (uintptr_t)r->first < ALLOC__HEAP_W + ALLOC__HEAP_G + ALLOC__HEAP_RECSZ)
        return NULL;
    rec = (alloc__dbg_rec *)(void *)((unsigned char *)(uintptr_t)p - ALLOC__HEAP_G - ALLOC__HEAP_RECSZ);
    ALLOC__OPEN(rec, sizeof *rec);
    if (alloc__dbg_rec_ok(rec, p)) return rec;
    return NULL;
}

/* A pointer with no live record: report why, once (the raw layer names a foreign or
   interior pointer; a freed record names a double free). */
ALLOC__FN void alloc__heap_dbg_refuse(alloc_heap *h, const void *p, int by)
{
    const alloc__heap_region *r = alloc__heap_region_of(h, p);
    if (r != NULL && ((uintptr_t)p & (ALLOC__HEAP_G - 1)) == 0 &&
        (uintptr_t)p - (uintptr_t)r->first >= ALLOC__HEAP_W + ALLOC__HEAP_G + ALLOC__HEAP_RECSZ) {
        const alloc__dbg_rec *rec = (const alloc__dbg_rec *)(const void *)((const unsigned char *)p - ALLOC__HEAP_G - ALLOC__HEAP_RECSZ);
        ALLOC__OPEN(&rec->magic, sizeof rec->magic);
        if (rec->magic == alloc__dbg_key(p, ALLOC__DBG_DEAD)) {
            alloc__heap_error(h, ALLOC_ERR_DOUBLE_FREE, p, "heap: block is already free (double free)");
            return;
        }
    }
    if (alloc__heap_live(h, p, by) != NULL) alloc__heap_error(h, ALLOC_ERR_NOT_BLOCK, p, alloc__heap_what(by));
}

ALLOC__FN void *alloc__heap_dbg_alloc(alloc_heap *h, size_t size, size_t align, const char *file, int line)
{
    size_t lead, n;
    unsigned char *q, *p;
    if (size - 1 >= ALLOC__HEAP_MAX_REQUEST || !alloc__is_pow2(align) || align > ALLOC__HEAP_MAX_REQUEST) return NULL;
    if (align < ALLOC__HEAP_G) align = ALLOC__HEAP_G;
    lead = (ALLOC__HEAP_RECSZ + ALLOC__HEAP_G + align - 1) & ~(align - 1);
    if (size > ALLOC__HEAP_MAX_REQUEST - lead - ALLOC__HEAP_G) return NULL;
    n = lead + size + ALLOC__HEAP_G;
    q = (unsigned char *)(align > ALLOC__HEAP_G ? ALLOC__RAW(alloc_heap_alloc_aligned)(h, n, align)
                                                : ALLOC__RAW(alloc_heap_alloc)(h, n));
    if (q == NULL) return NULL;
    p = q + lead;
    alloc__dbg_track(&h->dbg_live, &h->dbg_count, (alloc__dbg_rec *)(void *)(p - ALLOC__HEAP_G - ALLOC__HEAP_RECSZ),
                     q, p, size, ALLOC__HEAP_G, ALLOC__RAW(alloc_heap_usable_size)(h, q) - lead - size, file, line);
    return p;
}

ALLOC_DEF void *alloc_heap_alloc_at(alloc_heap *h, size_t size, const char *file, int line)
{
    return alloc__heap_dbg_alloc(h, size, ALLOC__HEAP_G, file, line);
}
ALLOC_DEF void *alloc_heap_alloc_aligned_at(alloc_heap *h, size_t size, size_t align, const char *file, int line)
{
    return alloc__heap_dbg_alloc(h, size, align, file, line);
}
ALLOC_DEF void *alloc_heap_calloc_at(alloc_heap *h, size_t n, size_t size, const char *file, int line)
{
    size_t total;
    void *p;
    if (!alloc__mul(n, size, &total)) return NULL;
    p = alloc__heap_dbg_alloc(h, total, ALLOC__HEAP_G, file, line);
    if (p != NULL) alloc__zero(p, total);
    return p;
}
ALLOC_DEF void *alloc_heap_alloc(alloc_heap *h, size_t size) { return alloc__heap_dbg_alloc(h, size, ALLOC__HEAP_G, NULL, 0); }
ALLOC_DEF void *alloc_heap_alloc_aligned(alloc_heap *h, size_t size, size_t align) { return alloc__heap_dbg_alloc(h, size, align, NULL, 0); }
ALLOC_DEF void *alloc_heap_calloc(alloc_heap *h, size_t n, size_t size) { return alloc_heap_calloc_at(h, n, size, NULL, 0); }

/* Frees a live debug block: guards checked (a broken one is reported, then the block is
   freed all the same, so the heap stays usable), record off the list, raw free. */
ALLOC__FN void alloc__heap_dbg_release(alloc_heap *h, alloc__dbg_rec *rec)
{
    unsigned char *p = rec->user, *q = rec->base;
    size_t magic_at = (size_t)((unsigned char *)&rec->magic - q);
    if (!alloc__dbg_guards_ok(rec))
        alloc__heap_error(h, ALLOC_ERR_GUARD, p, "heap free: guard bytes were overwritten: write past the end of a block");
    alloc__dbg_untrack(&h->dbg_live, &h->dbg_count, rec);
    ALLOC__RAW(alloc_heap_free)(h, q);
    /* The raw free filled the block with the freed pattern; the record's magic (past the
       free-list links, before the footer) says "freed" again, so a second free is named. */
    ALLOC__OPEN(q + magic_at, sizeof(size_t));
    *(size_t *)(void *)(q + magic_at) = alloc__dbg_key(p, ALLOC__DBG_DEAD);
    ALLOC__POISON(q + magic_at, sizeof(size_t));
}

ALLOC_DEF void alloc_heap_free(alloc_heap *h, void *p)
{
    alloc__dbg_rec *rec;
    if (p == NULL) return;
    rec = alloc__heap_dbg_rec(h, p);
    if (rec == NULL) {
        alloc__heap_dbg_refuse(h, p, ALLOC__HEAP_FREE);
        return;
    }
    alloc__heap_dbg_release(h, rec);
}

ALLOC_DEF void *alloc_heap_realloc_at(alloc_heap *h, void *p, size_t size, const char *file, int line)
{
    alloc__dbg_rec *rec;
    unsigned char *q, *np;
    size_t lead, old, at;
    if (p == NULL) return alloc__heap_dbg_alloc(h, size, ALLOC__HEAP_G, file, line);
    rec = alloc__heap_dbg_rec(h, p);
    if (rec == NULL) {
        alloc__heap_dbg_refuse(h, p, ALLOC__HEAP_REALLOC);
        return NULL;
    }
    if (size == 0) {
        alloc__heap_dbg_release(h, rec);
        return NULL;
    }
    lead = (size_t)(rec->user - rec->base);
    if (size - 1 >= ALLOC__HEAP_MAX_REQUEST || size > ALLOC__HEAP_MAX_REQUEST - lead - ALLOC__HEAP_G) return NULL;
    if (!alloc__dbg_guards_ok(rec))
        alloc__heap_error(h, ALLOC_ERR_GUARD, p, "heap realloc: guard bytes were overwritten: write past the end of a block");
    old = rec->size;
    at = (size_t)((unsigned char *)rec - rec->base);
    q = (unsigned char *)ALLOC__RAW(alloc_heap_realloc)(h, rec->base, lead + size + ALLOC__HEAP_G);
    if (q == NULL) return NULL;                        /* p is untouched */
    /* The record moved with the block (it lies in the part that is copied). */
    rec = (alloc__dbg_rec *)(void *)(q + at);
    np = q + lead;
    alloc__dbg_moved(&h->dbg_live, rec);
    if (size > old) ALLOC_MEMSET(np + old, ALLOC__FRESH_BYTE, size - old);
    rec->base = q;
    rec->user = np;
    rec->size = size;
    rec->back = ALLOC__RAW(alloc_heap_usable_size)(h, q) - lead - size;
    rec->magic = alloc__dbg_key(np, ALLOC__DBG_LIVE);
    if (file != NULL) {
        rec->file = file;
        rec->line = line > 0 ? (size_t)line : 0;
    }
    ALLOC_MEMSET(np + size, ALLOC__GUARD_BYTE, rec->back);
    return np;
}
ALLOC_DEF void *alloc_heap_realloc(alloc_heap *h, void *p, size_t size) { return alloc_heap_realloc_at(h, p, size, NULL, 0); }

ALLOC_DEF size_t alloc_heap_usable_size(const alloc_heap *h, const void *p)
{
    const alloc__dbg_rec *rec;
    if (h == NULL || p == NULL) return 0;
    rec = alloc__heap_dbg_rec(h, p);
    return rec != NULL ? rec->size : 0;
}

ALLOC_DEF alloc_result alloc_heap_check(const alloc_heap *h)
{
    alloc_result r = ALLOC__RAW(alloc_heap_check)(h);
    if (r != ALLOC_OK) return r;
    return alloc__dbg_check_list(h->dbg_live, h->dbg_count);
}

ALLOC_DEF size_t alloc_heap_live_count(const alloc_heap *h) { return h->dbg_count; }
#ifdef ALLOC_DUMP
ALLOC_DEF size_t alloc_heap_report_live(const alloc_heap *h, alloc_write_fn write, void *user)
{
    alloc__dbg_report(h->dbg_live, h->dbg_count, "heap", write, user);
    return h->dbg_count;
}
#endif
#undef ALLOC__HEAP_RECSZ
#else
ALLOC_DEF size_t alloc_heap_live_count(const alloc_heap *h)
{
    alloc_stats s;
    alloc_heap_stats(h, &s);
    return s.live_blocks;
}
#ifdef ALLOC_DUMP
ALLOC_DEF size_t alloc_heap_report_live(const alloc_heap *h, alloc_write_fn write, void *user)
{
    size_t n = alloc_heap_live_count(h);
    alloc__dbg_report_count(n, "heap", write, user);
    return n;
}
#endif
#endif /* ALLOC_DEBUG */

#undef ALLOC__HEAP_W
#undef ALLOC__HEAP_LARGE
#undef ALLOC__HEAP_GS
#undef ALLOC__HEAP_HOT
#undef ALLOC__HEAP_GOOD
#undef ALLOC__HEAP_NEXT
#undef ALLOC__HEAP_G
#undef ALLOC__HEAP_MIN
#undef ALLOC__HEAP_USED
#undef ALLOC__HEAP_PREV_USED
#undef ALLOC__HEAP_ALIGNED
#undef ALLOC__HEAP_FLAGS
#undef ALLOC__HEAP_MAX_REQUEST
#undef ALLOC__HEAP_SIZE
#undef ALLOC__HEAP_QUIET
#undef ALLOC__HEAP_FREE
#undef ALLOC__HEAP_REALLOC
#endif /* ALLOC_NO_HEAP */
/* <<heap implementation end */

/* >>buddy ============================================================================= (implementation) */
#ifndef ALLOC_NO_BUDDY
/* The buddy system (Knowlton 1965; Knuth vol. 1, 2.5), as the lecture draws it.

   The memory [base, base + span) is cut into top-level blocks: the largest runs of 2^j
   min blocks (j <= 14) that start at a multiple of their own size in bytes. Within one,
   every block of order k (2^k min blocks) starts at a multiple of its own size too, so
   its BUDDY - the other half of the block of order k+1 it was split from - is the block
   whose address differs in exactly the bit of its size: addr ^ (min_block << k).

   Metadata (`tags`, one nibble per min block, kept at the end of buf):
     tag[i] = k + 1   iff min block i is the first of a LIVE block of order k;
     tag[i] = 0       otherwise: inside a block, or the first of a free block.
   A free block keeps its own order in its list node (the low 4 bits of node->prev, where
   node offsets are multiples of 16). So the metadata is 4 bits per min block, plus the
   handle's few words per order: the list heads, their lengths, one bitmap.

   Invariants (alloc_buddy_check verifies each one):
   1. The blocks partition every top-level block: each min block lies in exactly one
      block, and a block of order k starts at a multiple of its size.
   2. A live block's first tag is its order + 1; every other tag is 0.
   3. Free list k holds exactly the free blocks of order k, doubly linked, each node's
      order bits saying k; bit k of `nonempty` is set iff list k is not empty; nfree[k]
      is its length.
   4. No two free buddies of the same order: they would have been merged.
   From 1: the buddy of a block of order k (inside the same top-level block) starts a
   block of order <= k - its half of the parent cannot hold a larger one. So when the
   buddy's tag is 0 it is the start of a free block, its node can be read, and the two
   merge iff that node says order k ("the buddy is free and whole").

   ASan / ALLOC_VALGRIND: every byte of a free block is poisoned (no access); a node is
   opened only while it is read or written. */

#define ALLOC__BUDDY_ORDER_BITS ((size_t)15)
/* A node is opened only to read or write our own bytes (ALLOC__OPEN keeps them defined
   under memcheck, where ALLOC__UNPOISON would make them look fresh). */
#define ALLOC__BUDDY_OPEN(n)  ALLOC__OPEN((n), sizeof(alloc_buddy_node))
#define ALLOC__BUDDY_CLOSE(n) ALLOC__POISON((n), sizeof(alloc_buddy_node))

ALLOC__INLINE unsigned alloc__buddy_tag(const unsigned char *tags, size_t i)
{
    return ((unsigned)tags[i >> 1] >> ((unsigned)(i & 1u) << 2)) & 15u;
}

ALLOC__SHARED void alloc__buddy_set_tag(unsigned char *tags, size_t i, unsigned v)
{
    unsigned sh = (unsigned)(i & 1u) << 2;
    tags[i >> 1] = (unsigned char)(((unsigned)tags[i >> 1] & ~(15u << sh)) | (v << sh));
}

ALLOC__INLINE alloc_buddy_node *alloc__buddy_node_at(const alloc_buddy *b, size_t off)
{
    return (alloc_buddy_node *)(void *)(b->base + off);
}

/* The order a free block's node records (valid only at the start of a free block). */
ALLOC__INLINE int alloc__buddy_node_order(const alloc_buddy *b, size_t off)
{
    alloc_buddy_node *n = alloc__buddy_node_at(b, off);
    size_t prev;
    ALLOC__BUDDY_OPEN(n);
    prev = n->prev;
    ALLOC__BUDDY_CLOSE(n);
    return (int)(prev & ALLOC__BUDDY_ORDER_BITS);
}

/* The order of the smallest block that holds `size` (1 <= size <= the largest block):
   ceil(log2(size)) - shift, and 0 for anything up to min_block (the OR does both). */
ALLOC__INLINE int alloc__buddy_order_for(const alloc_buddy *b, size_t size)
{
    return alloc__log2((size - 1) | (b->min_block - 1)) + 1 - b->shift;
}

/* Puts the free block at `off` at the front of free list k. O(1). */
ALLOC__INLINE void alloc__buddy_push(alloc_buddy *b, size_t off, int k)
{
    alloc_buddy_node *n = alloc__buddy_node_at(b, off), *first = b->heads[k];
    ALLOC__BUDDY_OPEN(n);
    n->next = first;
    n->prev = (size_t)k;
    ALLOC__BUDDY_CLOSE(n);
    if (first != NULL) {
        ALLOC__BUDDY_OPEN(first);
        first->prev = (off + 16) | (size_t)k;
        ALLOC__BUDDY_CLOSE(first);
    } else {
        b->nonempty |= 1u << k;
    }
    b->heads[k] = n;
    b->nfree[k]++;
}

/* Takes the free block at `off` out of free list k, wherever it sits: O(1), because the
   list is doubly linked (this is what makes removing the buddy cheap). */
ALLOC__INLINE void alloc__buddy_unlink(alloc_buddy *b, size_t off, int k)
{
    alloc_buddy_node *n = alloc__buddy_node_at(b, off), *next;
    size_t prev;
    ALLOC__BUDDY_OPEN(n);
    next = n->next;
    prev = n->prev & ~ALLOC__BUDDY_ORDER_BITS;
    ALLOC__BUDDY_CLOSE(n);
    if (prev != 0) {
        alloc_buddy_node *p = alloc__buddy_node_at(b, prev - 16);
        ALLOC__BUDDY_OPEN(p);
        p->next = next;
        ALLOC__BUDDY_CLOSE(p);
    } else {
        b->heads[k] = next;
        if (next == NULL) b->nonempty &= ~(1u << k);
    }
    if (next != NULL) {
        ALLOC__BUDDY_OPEN(next);
        next->prev = prev | (size_t)k;
        ALLOC__BUDDY_CLOSE(next);
    }
    b->nfree[k]--;
}

/* The most min blocks n that fit with their metadata: n * m + ceil(n / 2) <= usable.
   Two blocks take 2m + 1 bytes; an odd one more takes m + 1. */
ALLOC__FN size_t alloc__buddy_blocks_for(size_t usable, size_t m)
{
    size_t pair, q, r;
    if (m >= usable) return 0;
    if (!alloc__add(m, m, &pair) || !alloc__add(pair, 1, &pair)) return 1;
    q = alloc__div(usable, pair);
    r = usable - q * pair;
    return 2 * q + (r >= m + 1 ? 1u : 0u);
}

/* The order of the top-level block that ENDS at offset `end` (> 0): the largest j <= 14
   with base + end a multiple of the block size and the block inside the memory. Cutting
   from the end or from the start gives the same blocks (the maximal self-aligned runs). */
ALLOC__FN int alloc__buddy_top_before(const alloc_buddy *b, size_t end)
{
    uintptr_t a = (uintptr_t)b->base + end;
    int j = alloc__log2(end >> b->shift);
    if (j > ALLOC_BUDDY_ORDERS - 1) j = ALLOC_BUDDY_ORDERS - 1;
    while (j > 0 && (a & (((uintptr_t)b->min_block << j) - 1)) != 0) j--;
    return j;
}

/* The order of the top-level block that STARTS at offset `off` (< span). */
ALLOC__FN int alloc__buddy_top_at(const alloc_buddy *b, size_t off)
{
    uintptr_t a = (uintptr_t)b->base + off;
    int j = alloc__log2((b->span - off) >> b->shift);
    if (j > ALLOC_BUDDY_ORDERS - 1) j = ALLOC_BUDDY_ORDERS - 1;
    while (j > 0 && (a & (((uintptr_t)b->min_block << j) - 1)) != 0) j--;
    return j;
}

/* The block that holds the min block at `off`: top-down from its top-level block, each
   step reading the order at the start of the half that holds off (a block start, by
   invariant 1) until a block of exactly that order is found. Returns 0 when the metadata
   disagrees with itself. O(orders). */
ALLOC__FN int alloc__buddy_find(const alloc_buddy *b, size_t off, size_t *head, int *order, int *used)
{
    uintptr_t lo = (uintptr_t)b->base;
    int j, in_top = 0;
    for (j = b->top_order; j >= 0; j--) {
        size_t sz = b->min_block << j;
        size_t h = (size_t)(((lo + off) & ~(uintptr_t)(sz - 1)) - lo);
        unsigned v;
        int o;
        if (!in_top) {
            if (h > b->span - sz) continue;   /* sticks out: larger than its top-level block */
            in_top = 1;
        }
        v = alloc__buddy_tag(b->tags, h >> b->shift);
        o = v != 0 ? (int)v - 1 : alloc__buddy_node_order(b, h);
        if (o == j) {
            *head = h;
            *order = j;
            *used = v != 0;
            return 1;
        }
        if (o > j) return 0;
    }
    return 0;
}

/* The block at `off` becomes live with order k for a request of `size` bytes, in place
   of `old` bytes (0 for a new block): its tag and the figures. Returns its size. */
ALLOC__SHARED size_t alloc__buddy_take(alloc_buddy *b, size_t off, int k, size_t old, size_t size)
{
    size_t sz = b->min_block << k;
    alloc__buddy_set_tag(b->tags, off >> b->shift, (unsigned)k + 1u);
    b->used = b->used - old + sz;
    if (b->used > b->peak) b->peak = b->used;
    b->requested += size;
    b->granted += sz;
    return sz;
}

/* A free or realloc of p that is not a live block: says why, once, and changes nothing.
   Only misuse comes here, so it may take O(orders) to tell a double free from an
   interior pointer. */
ALLOC__FN ALLOC__NOINLINE void alloc__buddy_refuse(alloc_buddy *b, const void *p, int in_realloc)
{
    size_t off = (size_t)((uintptr_t)p - (uintptr_t)b->base), head;
    int order, used;
    alloc_result code;
    const char *msg;
    if (off >= b->span) {
        code = ALLOC_ERR_FOREIGN;
        msg = in_realloc ? "buddy realloc: pointer is not inside the buddy's memory"
                         : "buddy free: pointer is not inside the buddy's memory";
    } else if ((off & (b->min_block - 1)) != 0) {
        code = ALLOC_ERR_NOT_BLOCK;
        msg = in_realloc ? "buddy realloc: pointer is not on a min-block boundary"
                         : "buddy free: pointer is not on a min-block boundary";
    } else if (alloc__buddy_find(b, off, &head, &order, &used) && head == off && !used) {
        code = ALLOC_ERR_DOUBLE_FREE;
        msg = in_realloc ? "buddy realloc: block is free" : "buddy free: block is already free";
    } else {
        code = ALLOC_ERR_NOT_BLOCK;
        msg = in_realloc ? "buddy realloc: pointer is inside a block, not at its start"
                         : "buddy free: pointer is inside a block, not at its start";
    }
    b->error_count++;
    ALLOC_ON_ERROR(code, (void *)(uintptr_t)p, msg);
}

/* free's and realloc's one test of p: the tag of the live block that starts at p (its
   order + 1), with *off its offset; or 0 when p is no live block's start, reported once. */
ALLOC__INLINE unsigned alloc__buddy_live(alloc_buddy *b, const void *p, size_t *off, int in_realloc)
{
    size_t o = (size_t)((uintptr_t)p - (uintptr_t)b->base);   /* wraps below the base */
    unsigned v = 0;
    if (ALLOC__LIKELY(o < b->span && (o & (b->min_block - 1)) == 0)) v = alloc__buddy_tag(b->tags, o >> b->shift);
    if (ALLOC__UNLIKELY(v == 0)) alloc__buddy_refuse(b, p, in_realloc);   /* free or interior */
    *off = o;
    return v;
}

ALLOC_DEF size_t alloc_buddy_metadata_size(size_t size, size_t min_block)
{
    size_t n;
    if (!alloc__is_pow2(min_block) || min_block < ALLOC_BUDDY_MIN_BLOCK || min_block < sizeof(alloc_buddy_node))
        return 0;
    n = alloc__buddy_blocks_for(size, min_block);
    return n == 0 ? 0 : n / 2 + (n & 1u);
}

ALLOC_DEF alloc_result alloc_buddy_init(alloc_buddy *b, void *buf, size_t size, size_t min_block)
{
    uintptr_t start = (uintptr_t)buf;
    size_t pad, n, meta, end;
    int j;
    if (b == NULL || buf == NULL || !alloc__is_pow2(min_block) || min_block < ALLOC_BUDDY_MIN_BLOCK ||
        min_block < sizeof(alloc_buddy_node))
        return ALLOC_ERR_INVALID;
    if (start + (uintptr_t)size < start) return ALLOC_ERR_OVERFLOW;
    pad = alloc__pad(start, min_block);
    n = pad < size ? alloc__buddy_blocks_for(size - pad, min_block) : 0;
    if (n == 0) return ALLOC_ERR_TOO_SMALL;
    ALLOC__UNPOISON(buf, size);   /* the caller may hand in memory an old allocator poisoned */
    alloc__zero(b, sizeof *b);
    b->buf = (unsigned char *)buf;
    b->size = size;
    b->base = b->buf + pad;
    b->span = n * min_block;
    b->tags = b->base + b->span;     /* at the END: the blocks keep the buffer's alignment */
    b->min_block = min_block;
    b->shift = alloc__log2(min_block);
    meta = n / 2 + (n & 1u);
    alloc__zero(b->tags, meta);
    ALLOC__POISON(b->buf, pad);
    ALLOC__POISON(b->base, b->span);
    ALLOC__POISON(b->tags + meta, size - pad - b->span - meta);
    /* The top-level blocks, cut from the end so that the lowest address ends up at the
       front of each free list. */
    for (end = b->span; end > 0; end -= min_block << j) {
        j = alloc__buddy_top_before(b, end);
        if (j > b->top_order) b->top_order = j;
        alloc__buddy_push(b, end - (min_block << j), j);
    }
    b->largest = min_block << b->top_order;
    return ALLOC_OK;
}

ALLOC__RAWDEF void *ALLOC__RAW(alloc_buddy_alloc)(alloc_buddy *b, size_t size)
{
    size_t off, sz;
    unsigned bits;
    int k, j;
    /* size - 1 wraps for 0, so one comparison refuses 0 and anything too large. */
    if (ALLOC__UNLIKELY(size - 1 >= b->largest)) {
        if (size != 0) b->fail_count++;
        return NULL;
    }
    k = alloc__buddy_order_for(b, size);
    /* The smallest non-empty free list of order >= k: one bit scan, no loop over orders. */
    bits = b->nonempty >> k;
    if (ALLOC__UNLIKELY(bits == 0)) {
        b->fail_count++;
        return NULL;
    }
    j = k + alloc__ctz((size_t)bits);
    /* Take the first block of list j. */
    off = (size_t)((unsigned char *)b->heads[j] - b->base);
    alloc__buddy_unlink(b, off, j);
    /* Split down to order k: hand on the lower half, keep the upper half free (lists
       k .. j-1 were empty: the bit scan passed them). */
    while (j > k) {
        j--;
        alloc__buddy_push(b, off + (b->min_block << j), j);
    }
    sz = alloc__buddy_take(b, off, k, 0, size);
    b->alloc_count++;
    ALLOC__UNPOISON(b->base + off, sz);
#ifdef ALLOC_DEBUG
    ALLOC_MEMSET(b->base + off, ALLOC__FRESH_BYTE, sz);
#endif
    return b->base + off;
}

ALLOC__RAWDEF void ALLOC__RAW(alloc_buddy_free)(alloc_buddy *b, void *p)
{
    uintptr_t lo;
    size_t off, sz, bud;
    unsigned v;
    int k;
    if (p == NULL) return;
    v = alloc__buddy_live(b, p, &off, 0);
    if (ALLOC__UNLIKELY(v == 0)) return;
    lo = (uintptr_t)b->base;
    alloc__buddy_set_tag(b->tags, off >> b->shift, 0);
    k = (int)v - 1;
    sz = b->min_block << k;
    b->used -= sz;
    b->free_count++;
#ifdef ALLOC_DEBUG
    ALLOC_MEMSET(p, ALLOC__FREED_BYTE, sz);
#endif
    ALLOC__POISON(p, sz);
    /* Coalesce: the buddy's address differs in exactly bit k of the block size. Merge
       while it lies inside the memory (else this is a top-level block), is not live and
       is whole (its node says order k); the pair becomes one block of order k+1. */
    while (k < ALLOC_BUDDY_ORDERS - 1) {
        bud = (size_t)(((lo + off) ^ (uintptr_t)sz) - lo);
        if (bud > b->span - sz) break;
        if (alloc__buddy_tag(b->tags, bud >> b->shift) != 0) break;
        if (alloc__buddy_node_order(b, bud) != k) break;
        alloc__buddy_unlink(b, bud, k);   /* O(1): the list is doubly linked */
        if (bud < off) off = bud;
        k++;
        sz <<= 1;
    }
    alloc__buddy_push(b, off, k);
}

ALLOC__RAWDEF void *ALLOC__RAW(alloc_buddy_realloc)(alloc_buddy *b, void *p, size_t size)
{
    size_t off, sz, m;
    unsigned v;
    int k, kn, j, ok;
    void *q;
    if (p == NULL) return ALLOC__RAW(alloc_buddy_alloc)(b, size);
    m = b->min_block;
    v = alloc__buddy_live(b, p, &off, 1);
    if (v == 0) return NULL;
    if (size == 0) {
        ALLOC__RAW(alloc_buddy_free)(b, p);
        return NULL;
    }
    k = (int)v - 1;
    sz = m << k;
    if (size - 1 < b->largest) {   /* else the move below fails, and alloc counts it */
        kn = alloc__buddy_order_for(b, size);
        if (kn <= k) {
            /* Shrink in place: split off the upper halves, largest first, and free them.
               The buddy of each is the lower half we keep, so none of them can merge. */
            for (j = k - 1; j >= kn; j--) {
                size_t up = off + (m << j);
#ifdef ALLOC_DEBUG
                ALLOC_MEMSET(b->base + up, ALLOC__FREED_BYTE, m << j);
#endif
                ALLOC__POISON(b->base + up, m << j);
                alloc__buddy_push(b, up, j);
            }
            (void)alloc__buddy_take(b, off, kn, sz, size);
            return p;
        }
        /* Grow in place: p must be the lower half at every level up to kn (its address a
           multiple of the new size) and the buddy at each level free and whole. Look
           first, change after: a failed grow must leave everything as it was. */
        ok = (((uintptr_t)p & (uintptr_t)((m << kn) - 1)) == 0) && off <= b->span - (m << kn);
        for (j = k; ok && j < kn; j++) {
            size_t up = off + (m << j);
            ok = alloc__buddy_tag(b->tags, up >> b->shift) == 0 && alloc__buddy_node_order(b, up) == j;
        }
        if (ok) {
            for (j = k; j < kn; j++) alloc__buddy_unlink(b, off + (m << j), j);
            ALLOC__UNPOISON(b->base + off + sz, (m << kn) - sz);
#ifdef ALLOC_DEBUG
            ALLOC_MEMSET(b->base + off + sz, ALLOC__FRESH_BYTE, (m << kn) - sz);
#endif
            (void)alloc__buddy_take(b, off, kn, sz, size);
            return p;
        }
    }
    q = ALLOC__RAW(alloc_buddy_alloc)(b, size);
    if (q == NULL) return NULL;   /* p untouched */
    alloc__copy(q, p, sz);
    ALLOC__RAW(alloc_buddy_free)(b, p);
    return q;
}

ALLOC__RAWDEF size_t ALLOC__RAW(alloc_buddy_usable_size)(const alloc_buddy *b, const void *p)
{
    size_t off;
    unsigned v;
    if (p == NULL) return 0;
    off = (size_t)((uintptr_t)p - (uintptr_t)b->base);
    if (off >= b->span || (off & (b->min_block - 1)) != 0) return 0;
    v = alloc__buddy_tag(b->tags, off >> b->shift);
    return v == 0 ? 0 : b->min_block << (v - 1);
}

ALLOC_DEF int alloc_buddy_owns(const alloc_buddy *b, const void *p)
{
    return b != NULL && p != NULL && (size_t)((uintptr_t)p - (uintptr_t)b->base) < b->span;
}

ALLOC_DEF void alloc_buddy_stats(const alloc_buddy *b, alloc_stats *out)
{
    int k;
    alloc__zero(out, sizeof *out);
    out->capacity = b->span;
    out->used = b->used;
    out->free = b->span - b->used;
    out->largest_free = b->nonempty != 0 ? b->min_block << alloc__log2((size_t)b->nonempty) : 0;
    out->peak_used = b->peak;
    out->live_blocks = b->alloc_count - b->free_count;
    for (k = 0; k < ALLOC_BUDDY_ORDERS; k++) out->free_blocks += b->nfree[k];
    out->alloc_count = b->alloc_count;
    out->free_count = b->free_count;
    out->fail_count = b->fail_count;
    out->error_count = b->error_count;
}

ALLOC_DEF void alloc_buddy_stats_ex(const alloc_buddy *b, alloc_buddy_figures *out)
{
    size_t off, n = b->span >> b->shift;
    int k;
    alloc__zero(out, sizeof *out);
    out->min_block = b->min_block;
    out->top_order = b->top_order;
    for (off = 0; off < b->span; off += b->min_block << alloc__buddy_top_at(b, off)) out->top_blocks++;
    for (k = 0; k < ALLOC_BUDDY_ORDERS; k++) out->free_per_order[k] = b->nfree[k];
    out->metadata_bytes = n / 2 + (n & 1u);
    out->lost_bytes = b->size - b->span - out->metadata_bytes;
    out->requested_bytes = b->requested;
    out->granted_bytes = b->granted;
}

ALLOC__RAWDEF alloc_result ALLOC__RAW(alloc_buddy_check)(const alloc_buddy *b)
{
    size_t counted[ALLOC_BUDDY_ORDERS];
    size_t m, nblocks, off, used = 0, live = 0;
    uintptr_t lo;
    int k;
    if (b == NULL) return ALLOC_ERR_INVALID;
    m = b->min_block;
    lo = (uintptr_t)b->base;
    if (!alloc__is_pow2(m) || m < ALLOC_BUDDY_MIN_BLOCK || b->shift < 0 || b->shift >= ALLOC__SIZE_BITS ||
        ((size_t)1 << b->shift) != m)
        return ALLOC_ERR_CORRUPT;
    if ((lo & (uintptr_t)(m - 1)) != 0 || b->span == 0 || (b->span & (m - 1)) != 0) return ALLOC_ERR_CORRUPT;
    if (b->top_order < 0 || b->top_order >= ALLOC_BUDDY_ORDERS || (m << b->top_order) > b->span)
        return ALLOC_ERR_CORRUPT;
    if (b->tags != b->base + b->span || (b->nonempty >> ALLOC_BUDDY_ORDERS) != 0) return ALLOC_ERR_CORRUPT;
    if (b->used > b->span || b->largest != m << b->top_order) return ALLOC_ERR_CORRUPT;
    nblocks = b->span >> b->shift;
    /* Invariant 3: every free list, node by node (the length bound stops a cycle). */
    for (k = 0; k < ALLOC_BUDDY_ORDERS; k++) {
        const alloc_buddy_node *n = b->heads[k];
        size_t prev = 0, len = 0;
        counted[k] = 0;
        if (((b->nonempty >> k) & 1u) != (n != NULL ? 1u : 0u)) return ALLOC_ERR_CORRUPT;
        while (n != NULL) {
            size_t o = (size_t)((uintptr_t)n - lo), head, nprev;
            const alloc_buddy_node *next;
            int order, used_head;
            if (o >= b->span || (o & (m - 1)) != 0 || ++len > nblocks) return ALLOC_ERR_CORRUPT;
            ALLOC__BUDDY_OPEN(n);
            nprev = n->prev;
            next = n->next;
            ALLOC__BUDDY_CLOSE(n);
            if ((nprev & ALLOC__BUDDY_ORDER_BITS) != (size_t)k || (nprev & ~ALLOC__BUDDY_ORDER_BITS) != prev)
                return ALLOC_ERR_CORRUPT;
            /* The node is the start of a free block of order k, as the blocks say. */
            if (!alloc__buddy_find(b, o, &head, &order, &used_head) || head != o || order != k || used_head)
                return ALLOC_ERR_CORRUPT;
            prev = o + 16;
            n = next;
        }
        if (len != b->nfree[k]) return ALLOC_ERR_CORRUPT;
    }
    /* Invariants 1, 2 and 4: walk every block of every top-level block. */
    for (off = 0; off < b->span;) {
        int top = alloc__buddy_top_at(b, off);
        size_t end = off + (m << top), pos = off;
        if (top > b->top_order) return ALLOC_ERR_CORRUPT;
        while (pos < end) {
            unsigned v = alloc__buddy_tag(b->tags, pos >> b->shift);
            int o = v != 0 ? (int)v - 1 : alloc__buddy_node_order(b, pos);
            size_t sz, i;
            if (o > top) return ALLOC_ERR_CORRUPT;
            sz = m << o;
            if (((lo + pos) & (uintptr_t)(sz - 1)) != 0 || sz > end - pos) return ALLOC_ERR_CORRUPT;
            for (i = (pos >> b->shift) + 1; i < (pos + sz) >> b->shift; i++)
                if (alloc__buddy_tag(b->tags, i) != 0) return ALLOC_ERR_CORRUPT;
            if (v != 0) {
                used += sz;
                live++;
            } else {
                counted[o]++;
                if (o < top) {   /* its buddy lies in the same top-level block */
                    size_t bud = (size_t)(((lo + pos) ^ (uintptr_t)sz) - lo);
                    if (alloc__buddy_tag(b->tags, bud >> b->shift) == 0 && alloc__buddy_node_order(b, bud) == o)
                        return ALLOC_ERR_CORRUPT;   /* two free buddies left unmerged */
                }
            }
            pos += sz;
        }
        off = end;
    }
    /* Every block the walk found free is on its list, and the figures add up. */
    for (k = 0; k < ALLOC_BUDDY_ORDERS; k++)
        if (counted[k] != b->nfree[k]) return ALLOC_ERR_CORRUPT;
    if (used != b->used || live != b->alloc_count - b->free_count) return ALLOC_ERR_CORRUPT;
    return ALLOC_OK;
}

ALLOC__FN void *alloc__buddy_if_alloc(void *ctx, size_t size, size_t align)
{
    /* Every block is aligned to its own size: a block of at least `align` bytes is
       aligned to align. */
    if (size == 0 || (align != 0 && !alloc__is_pow2(align))) return NULL;
    if (align > size) size = align;
    return alloc_buddy_alloc((alloc_buddy *)ctx, size);
}
ALLOC__FN void *alloc__buddy_if_realloc(void *ctx, void *p, size_t size, size_t align)
{
    if (p == NULL) return alloc__buddy_if_alloc(ctx, size, align);
    if (size != 0 && align != 0 && !alloc__is_pow2(align)) return NULL;
    if (size != 0 && align > size) size = align;
    /* In place the address keeps a multiple of the (new) block size; moved, it is new. */
    return alloc_buddy_realloc((alloc_buddy *)ctx, p, size);
}
ALLOC__FN void alloc__buddy_if_free(void *ctx, void *p)
{
    alloc_buddy_free((alloc_buddy *)ctx, p);
}

ALLOC_DEF alloc_allocator alloc_buddy_allocator(alloc_buddy *b)
{
    return alloc__make_allocator(alloc__buddy_if_alloc, alloc__buddy_if_realloc, alloc__buddy_if_free, b);
}

#ifdef ALLOC_DUMP
#define ALLOC__BUDDY_CELL 5    /* characters per cell of the map */
#define ALLOC__BUDDY_ROW  16   /* cells per row */
#define ALLOC__BUDDY_CELLS 64  /* at most this many cells: beyond, one cell per several */

/* Character t of the text a block draws across its cells: '|', "2^k", then the fill
   ('#' used, '.' free). */
ALLOC__FN char alloc__buddy_block_char(size_t t, int order, int used)
{
    if (t == 0) return '|';
    if (t == 1) return '2';
    if (t == 2) return '^';
    if (order >= 10) {
        if (t == 3) return (char)('0' + order / 10);
        if (t == 4) return (char)('0' + order % 10);
    } else if (t == 3) {
        return (char)('0' + order);
    }
    return used ? '#' : '.';
}

/* Draws cell [s, e) (in min blocks) into `out` (ALLOC__BUDDY_CELL characters). */
ALLOC__FN void alloc__buddy_draw_cell(const alloc_buddy *b, size_t s, size_t e, size_t g, char *out)
{
    size_t head, h, t0, c;
    int order, used, any_used = 0, any_free = 0;
    if (!alloc__buddy_find(b, s << b->shift, &head, &order, &used)) {
        for (c = 0; c < ALLOC__BUDDY_CELL; c++) out[c] = '?';
        return;
    }
    h = head >> b->shift;
    if (h + ((size_t)1 << order) >= e) {
        /* One block covers the whole cell: this cell's slice of the block's text. */
        t0 = (s - h) / g * ALLOC__BUDDY_CELL;
        for (c = 0; c < ALLOC__BUDDY_CELL; c++) out[c] = alloc__buddy_block_char(t0 + c, order, used);
        return;
    }
    /* Several blocks in one scaled cell: '#' all used, '.' all free, ':' both. */
    while (h < e) {
        unsigned v = alloc__buddy_tag(b->tags, h);
        int o = v != 0 ? (int)v - 1 : alloc__buddy_node_order(b, h << b->shift);
        if (v != 0) any_used = 1; else any_free = 1;
        h += (size_t)1 << o;
    }
    out[0] = '|';
    for (c = 1; c < ALLOC__BUDDY_CELL; c++) out[c] = any_used && any_free ? ':' : any_used ? '#' : '.';
}

ALLOC_DEF void alloc_buddy_dump(const alloc_buddy *b, alloc_write_fn write, void *user)
{
    alloc__writer w;
    alloc_stats s;
    alloc_buddy_figures f;
    char line[ALLOC__BUDDY_ROW * ALLOC__BUDDY_CELL + 2];
    size_t n = b->span >> b->shift, g = 1, cells, c, i, lost, pct;
    int k;
    w.write = write;
    w.user = user;
    alloc_buddy_stats(b, &s);
    alloc_buddy_stats_ex(b, &f);
    while ((n + g - 1) / g > ALLOC__BUDDY_CELLS) g *= 2;
    cells = (n + g - 1) / g;
    alloc__printf(&w, "buddy %p: %zu min blocks of %zu bytes, %zu top-level block%s (largest 2^%d), "
                  "metadata %zu bytes\n", (const void *)b, n, b->min_block, f.top_blocks,
                  f.top_blocks == 1 ? "" : "s", b->top_order, f.metadata_bytes);
    if (g == 1)
        alloc__printf(&w, "  one cell per min block: |2^k### is a used block of 2^k min blocks, |2^k... a free one\n");
    else
        alloc__printf(&w, "  scaled: one cell per %zu min blocks (%zu bytes): |2^k### used, |2^k... free, "
                      "':' a cell holding both\n", g, g * b->min_block);
    for (c = 0; c < cells; c += ALLOC__BUDDY_ROW) {
        size_t e = c + ALLOC__BUDDY_ROW < cells ? c + ALLOC__BUDDY_ROW : cells, len = 0;
        if (g == 1) {   /* a ruler: the min block numbers, as the slides number pages */
            alloc__printf(&w, "        ");
            for (i = c; i < e; i++) alloc__printf(&w, " %-4zu", i);
            alloc__printf(&w, "\n");
        }
        alloc__printf(&w, "  %6zu ", c * g);
        for (i = c; i < e; i++, len += ALLOC__BUDDY_CELL) {
            size_t end = (i + 1) * g < n ? (i + 1) * g : n;
            alloc__buddy_draw_cell(b, i * g, end, g, line + len);
        }
        if (e == cells) {
            line[len++] = '|';
        } else {   /* close the row where the next one starts a new block */
            size_t head;
            int order, used;
            if (alloc__buddy_find(b, (e * g) << b->shift, &head, &order, &used) && head == (e * g) << b->shift)
                line[len++] = '|';
        }
        line[len++] = '\n';
        write(user, line, len);
    }
    alloc__printf(&w, "  free lists:");
    for (k = 0; k <= b->top_order; k++) alloc__printf(&w, " 2^%d:%zu", k, b->nfree[k]);
    alloc__printf(&w, "\n");
    alloc__print_stats(&w, &s);
    lost = f.granted_bytes - f.requested_bytes;
    if (f.granted_bytes == 0) pct = 0;
    else if (lost <= (size_t)-1 / 100) pct = lost * 100 / f.granted_bytes;
    else pct = lost / (f.granted_bytes / 100);
    alloc__printf(&w, "  internal fragmentation: %zu bytes asked for, %zu handed out (%zu%% lost to rounding)\n",
                  f.requested_bytes, f.granted_bytes, pct);
}
#undef ALLOC__BUDDY_CELL
#undef ALLOC__BUDDY_ROW
#undef ALLOC__BUDDY_CELLS
#endif /* ALLOC_DUMP */

/* --- ALLOC_DEBUG: guards and records (see >>debug) ------------------------------------

   A block stays aligned to its own size, so there is no front guard: the request grows by
   ALLOC__DBG_GUARD + the record, the record sits at the very end of the buddy block, and
   the back guard fills everything between the bytes asked for and the record. */
#ifdef ALLOC_DEBUG
#define ALLOC__BUDDY_RECSZ ALLOC__DBG_RECSZ(sizeof(void *))

/* The record of live debug block p, or NULL. */
ALLOC__FN alloc__dbg_rec *alloc__buddy_dbg_rec(const alloc_buddy *b, const void *p)
{
    size_t sz;
    alloc__dbg_rec *rec;
    if (p == NULL || ((uintptr_t)p & (sizeof(void *) - 1)) != 0) return NULL;
    sz = ALLOC__RAW(alloc_buddy_usable_size)(b, p);
    if (sz < ALLOC__BUDDY_RECSZ) return NULL;
    rec = (alloc__dbg_rec *)(void *)((unsigned char *)(uintptr_t)p + sz - ALLOC__BUDDY_RECSZ);
    return alloc__dbg_rec_ok(rec, p) ? rec : NULL;
}

ALLOC_DEF void *alloc_buddy_alloc_at(alloc_buddy *b, size_t size, const char *file, int line)
{
    unsigned char *p;
    size_t n, sz;
    if (size == 0 || size > (size_t)-1 - ALLOC__DBG_GUARD - ALLOC__BUDDY_RECSZ) return NULL;
    n = size + ALLOC__DBG_GUARD + ALLOC__BUDDY_RECSZ;
    p = (unsigned char *)ALLOC__RAW(alloc_buddy_alloc)(b, n);
    if (p == NULL) return NULL;
    sz = ALLOC__RAW(alloc_buddy_usable_size)(b, p);
    alloc__dbg_track(&b->dbg_live, &b->dbg_count, (alloc__dbg_rec *)(void *)(p + sz - ALLOC__BUDDY_RECSZ), p, p, size,
                     0, sz - ALLOC__BUDDY_RECSZ - size, file, line);
    return p;
}
ALLOC_DEF void *alloc_buddy_alloc(alloc_buddy *b, size_t size) { return alloc_buddy_alloc_at(b, size, NULL, 0); }

ALLOC_DEF void alloc_buddy_free(alloc_buddy *b, void *p)
{
    alloc__dbg_rec *rec = alloc__buddy_dbg_rec(b, p);
    if (rec != NULL) {
        if (!alloc__dbg_guards_ok(rec)) {
            b->error_count++;
            ALLOC_ON_ERROR(ALLOC_ERR_GUARD, p, "buddy free: guard bytes were overwritten: write past the end of a block");
        }
        alloc__dbg_untrack(&b->dbg_live, &b->dbg_count, rec);
    }
    ALLOC__RAW(alloc_buddy_free)(b, p);   /* refuses (and reports) what is not a live block */
}

ALLOC_DEF void *alloc_buddy_realloc_at(alloc_buddy *b, void *p, size_t size, const char *file, int line)
{
    alloc__dbg_rec *rec, copy;
    unsigned char *q;
    size_t sz;
    if (p == NULL) return alloc_buddy_alloc_at(b, size, file, line);
    rec = alloc__buddy_dbg_rec(b, p);
    if (rec == NULL || size == 0) {
        if (size == 0) alloc_buddy_free(b, p);
        else ALLOC__RAW(alloc_buddy_free)(b, p);       /* not a live block: reported there */
        return NULL;
    }
    if (size > (size_t)-1 - ALLOC__DBG_GUARD - ALLOC__BUDDY_RECSZ) return NULL;
    if (!alloc__dbg_guards_ok(rec)) {
        b->error_count++;
        ALLOC_ON_ERROR(ALLOC_ERR_GUARD, p, "buddy realloc: guard bytes were overwritten: write past the end of a block");
    }
    alloc__copy(&copy, rec, sizeof copy);             /* the record is not in the copied part;
                                                          no struct copy: it would call libc's memcpy */
    q = (unsigned char *)ALLOC__RAW(alloc_buddy_realloc)(b, p, size + ALLOC__DBG_GUARD + ALLOC__BUDDY_RECSZ);
    if (q == NULL) return NULL;
    sz = ALLOC__RAW(alloc_buddy_usable_size)(b, q);
    if (size > copy.size) ALLOC_MEMSET(q + copy.size, ALLOC__FRESH_BYTE, size - copy.size);
    rec = (alloc__dbg_rec *)(void *)(q + sz - ALLOC__BUDDY_RECSZ);
    alloc__copy(rec, &copy, sizeof copy);
    alloc__dbg_moved(&b->dbg_live, rec);
    rec->base = q;
    rec->user = q;
    rec->size = size;
    rec->back = sz - ALLOC__BUDDY_RECSZ - size;
    rec->magic = alloc__dbg_key(q, ALLOC__DBG_LIVE);
    if (file != NULL) {
        rec->file = file;
        rec->line = line > 0 ? (size_t)line : 0;
    }
    ALLOC_MEMSET(q + size, ALLOC__GUARD_BYTE, rec->back);
    return q;
}
ALLOC_DEF void *alloc_buddy_realloc(alloc_buddy *b, void *p, size_t size) { return alloc_buddy_realloc_at(b, p, size, NULL, 0); }

/* Debug builds: the bytes asked for (writing past them breaks the guard); a live block
   taken without a record (a slab of the kmalloc) gives its block size. */
ALLOC_DEF size_t alloc_buddy_usable_size(const alloc_buddy *b, const void *p)
{
    const alloc__dbg_rec *rec = alloc__buddy_dbg_rec(b, p);
    return rec != NULL ? rec->size : ALLOC__RAW(alloc_buddy_usable_size)(b, p);
}

ALLOC_DEF alloc_result alloc_buddy_check(const alloc_buddy *b)
{
    alloc_result r = ALLOC__RAW(alloc_buddy_check)(b);
    if (r != ALLOC_OK) return r;
    return alloc__dbg_check_list(b->dbg_live, b->dbg_count);
}

ALLOC_DEF size_t alloc_buddy_live_count(const alloc_buddy *b) { return b->dbg_count; }
#ifdef ALLOC_DUMP
ALLOC_DEF size_t alloc_buddy_report_live(const alloc_buddy *b, alloc_write_fn write, void *user)
{
    alloc__dbg_report(b->dbg_live, b->dbg_count, "buddy", write, user);
    return b->dbg_count;
}
#endif
#undef ALLOC__BUDDY_RECSZ
#else
ALLOC_DEF size_t alloc_buddy_live_count(const alloc_buddy *b) { return b->alloc_count - b->free_count; }
#ifdef ALLOC_DUMP
ALLOC_DEF size_t alloc_buddy_report_live(const alloc_buddy *b, alloc_write_fn write, void *user)
{
    size_t n = alloc_buddy_live_count(b);
    alloc__dbg_report_count(n, "buddy", write, user);
    return n;
}
#endif
#endif /* ALLOC_DEBUG */


#undef ALLOC__BUDDY_ORDER_BITS
#undef ALLOC__BUDDY_OPEN
#undef ALLOC__BUDDY_CLOSE
#endif /* ALLOC_NO_BUDDY */
/* <<buddy implementation end */

/* >>slab ============ slab caches (Bonwick) and the kmalloc-style composite (implementation) */
#ifndef ALLOC_NO_SLAB
/* The slab allocator (Bonwick, 1994). A cache hands out objects of one size. Its memory
   is a set of slabs, each a power-of-two block aligned to its own size, taken from a
   source allocator (or carved from one buffer). A slab starts with a header, a bitmap
   with one bit per pointer-sized granule (set where a live object starts), in a cache with a
   constructor or destructor a stack of free object indices, and then the objects.

   Object caching: the constructor runs once per object when its slab is made, not on
   every alloc; a freed object keeps its constructed state, so in such a cache nothing of
   ours is ever written into an object: the free list is the index stack in the header.
   Without a constructor the free list runs through the free objects themselves, and only
   through those freed at least once: a new slab's objects are handed out in address
   order from the slab's end of use (its `objs - nfree`-th object while the list is
   empty), so making a slab costs O(1), not a pass over every object.

   Invariants:
   - every slab's header names its cache (`cache`), and the slab's address is a multiple
     of slab_size: free finds the header by masking the object's address, O(1);
   - a slab is `cur` (the one allocations come from, on no list) or on exactly one of the
     three lists of its state: full (no free object), partial, empty (no live object);
   - cur is empty only when the partial list is empty: alloc takes from a partial slab
     before an empty one, and a slab moves list only when its state changes;
   - a slab's free stack holds exactly its free objects, nfree of them; its free list
     (no constructor) holds the free objects but for the never-used ones, which are the
     last nfree - (list length) objects of the slab and are taken only when the list is
     empty; the bitmap has a bit set for exactly its objects - nfree live ones;
   - live = the live objects of all slabs; peak >= live.
   ASan: free objects and the leftover of a slab are poisoned; headers never are. */

#define ALLOC__SLAB_CUR     0u
#define ALLOC__SLAB_FULL    1u
#define ALLOC__SLAB_PARTIAL 2u
#define ALLOC__SLAB_EMPTY   3u
#define ALLOC__SLAB_WORD    ((size_t)ALLOC__SIZE_BITS)
/* The bitmap has one bit per granule of sizeof(void *) bytes, the smallest alignment an
   object can have: a constant shift, whatever the cache's alignment. */
#define ALLOC__SLAB_GRAIN   (sizeof(void *) >= 8 ? 3 : sizeof(void *) >= 4 ? 2 : 1)
/* In a cache with a constructor the free stack holds granule numbers in 16 bits. */
#define ALLOC__SLAB_MAX_UNITS ((size_t)65536)

/* The stand-in for "no current slab": a read-only page with no free object, so the fast
   path of alloc needs no NULL test (it fails over to the slow path by itself). */
static const alloc_slab_page alloc__slab_none = {NULL, NULL, NULL, NULL, 0, 0};
#define ALLOC__SLAB_NONE ((alloc_slab_page *)(uintptr_t)&alloc__slab_none)

ALLOC__INLINE size_t *alloc__slab_bits(const alloc_slab_page *pg)
{
    return (size_t *)(void *)((unsigned char *)(uintptr_t)pg + sizeof(alloc_slab_page));
}
ALLOC__INLINE uint16_t *alloc__slab_stack(const alloc_slab *s, const alloc_slab_page *pg)
{
    return (uint16_t *)(void *)((unsigned char *)(uintptr_t)pg + s->stack_off);
}
ALLOC__INLINE unsigned char *alloc__slab_obj(const alloc_slab *s, const alloc_slab_page *pg, size_t i)
{
    return (unsigned char *)(uintptr_t)pg + s->first + i * s->size;
}

/* A slab's geometry: what alloc__slab_layout is given (the object size, a multiple of
   the alignment; whether the free-index stack lies outside the objects) and what it works
   out (where the objects start, where the stack starts, the bitmap's words). */
typedef struct alloc__slab_geo {
    size_t size, align, outside;
    size_t first, stack_off, nwords;
} alloc__slab_geo;

/* Lays out a slab of `slab` bytes: header, bitmap, the free-index stack if outside, then
   the objects from g->first on. Returns the objects per slab, 0 if not one fits. */
ALLOC__FN size_t alloc__slab_layout(alloc__slab_geo *g, size_t slab)
{
    size_t units = slab >> ALLOC__SLAB_GRAIN, size = g->size, align = g->align;
    size_t words = (units + ALLOC__SLAB_WORD - 1) / ALLOC__SLAB_WORD;
    size_t hdr = sizeof(alloc_slab_page) + words * sizeof(size_t);
    size_t n, f = 0;
    if (align > slab || hdr >= slab || (g->outside && units > ALLOC__SLAB_MAX_UNITS)) return 0;
    if (!g->outside) {
        f = hdr + alloc__pad((uintptr_t)hdr, align);
        n = f < slab ? alloc__div(slab - f, size) : 0;
    } else {
        /* header + 2 bytes of stack per object, padded to the alignment, + the objects */
        for (n = alloc__div(slab - hdr, size + 2); n > 0; n--) {
            f = hdr + 2 * n;
            f += alloc__pad((uintptr_t)f, align);
            if (f <= slab && alloc__div(slab - f, size) >= n) break;
        }
    }
    g->first = f;
    g->stack_off = g->outside ? hdr : 0;
    g->nwords = words;
    return n;
}

#ifdef ALLOC_DEBUG
#define ALLOC__SLAB_RECSZ ALLOC__DBG_RECSZ(sizeof(void *))
#endif
/* Both inits: checks the descriptor, picks the geometry and, for a buffer cache (buf not
   NULL), that one slab fits in [buf, buf + fit_size); only then writes *s (cleared by
   alloc__zero, the descriptor and source copied field by field: a memset or a struct
   copy would link the C library's into firmware), so a failure leaves *s untouched.
   source is NULL for a buffer cache. */
ALLOC__FN alloc_result alloc__slab_setup(alloc_slab *s, const alloc_slab_desc *d, const alloc_allocator *source,
                                         unsigned char *buf, size_t fit_size)
{
    size_t align, size, slab, n, lo, max, best = 0, best_waste = (size_t)-1;
    uintptr_t fit_lo = (uintptr_t)buf, carve = 0;
    alloc__slab_geo g;
    if (s == NULL || d == NULL || d->size == 0) return ALLOC_ERR_INVALID;
    align = d->align ? d->align : sizeof(void *);
    if (!alloc__is_pow2(align)) return ALLOC_ERR_ALIGN;
    if (align < sizeof(void *)) align = sizeof(void *);   /* room and alignment for a link */
    if (!alloc__add(d->size, align - 1, &size)) return ALLOC_ERR_OVERFLOW;
    size &= ~(align - 1);
#ifdef ALLOC_DEBUG
    /* room after each object for its guard and record (see the debug part below) */
    if (!alloc__add(size, (ALLOC__DBG_GUARD + ALLOC__SLAB_RECSZ + align - 1) & ~(align - 1), &size)) return ALLOC_ERR_OVERFLOW;
#endif
    g.size = size;
    g.align = align;
    g.outside = d->ctor != NULL || d->dtor != NULL;
    /* Bonwick's rule: the smallest power of two whose header + leftover is at most 1/8 of
       it; if none up to the maximum, the least wasteful one. A slab_size asked for is the
       only one tried. Waste fractions are compared scaled to the largest slab tried, so
       no product can wrap. */
    lo = ALLOC_SLAB_MIN_SIZE;
    max = ALLOC_SLAB_MAX_SIZE;
    if (d->slab_size != 0) {
        if (!alloc__is_pow2(d->slab_size)) return ALLOC_ERR_INVALID;
        if (d->slab_size > ((size_t)1 << (ALLOC__SIZE_BITS - 2))) return ALLOC_ERR_OVERFLOW;
        lo = max = d->slab_size;
    }
    for (slab = lo; slab <= max && slab != 0; slab <<= 1) {
        size_t w;
        n = alloc__slab_layout(&g, slab);
        if (n == 0) continue;
        if (buf != NULL) {   /* a buffer cache: at least one aligned slab must fit */
            size_t pad = alloc__pad(fit_lo, slab);
            if (pad > fit_size || fit_size - pad < slab) break;
        }
        /* (a free-stack entry is per-object metadata: it counts with the object) */
        w = slab - n * size - (g.outside ? 2 * n : 0);
        if (w <= slab / 8) { best = slab; break; }
        w *= alloc__div(max, slab);
        if (w < best_waste) { best = slab; best_waste = w; }
    }
    if (best == 0) return ALLOC_ERR_TOO_SMALL;
    slab = best;
    n = alloc__slab_layout(&g, slab);
    if (buf != NULL) {   /* the first slab-aligned address in the buffer, and room there */
        carve = fit_lo + alloc__pad(fit_lo, slab);
        if (carve < fit_lo || carve - fit_lo > fit_size || fit_size - (carve - fit_lo) < slab)
            return ALLOC_ERR_TOO_SMALL;
    }
    alloc__zero(s, sizeof *s);
    s->cur = ALLOC__SLAB_NONE;
    s->desc.name = d->name != NULL ? d->name : "slab";
    s->desc.size = d->size;
    s->desc.align = d->align;
    s->desc.slab_size = d->slab_size;
    s->desc.ctor = d->ctor;
    s->desc.dtor = d->dtor;
    s->desc.user = d->user;
    if (source != NULL) {
        alloc__set_allocator(&s->source, source);
    } else {
        s->buf_lo = buf;
        s->buf_hi = buf + fit_size;
        s->carve = (unsigned char *)carve;
        s->carve_end = s->carve + alloc__div(fit_size - (carve - fit_lo), slab) * slab;
    }
    s->size = size;
    s->align = align;
    s->gmask = (uintptr_t)(align - 1);
    s->slab_size = slab;
    s->mask = ~(uintptr_t)(slab - 1);
    s->objs = n;
    s->fast_lim = n >= 2 ? n - 2 : 0;
    s->first = g.first;
    s->stack_off = g.stack_off;
    s->nwords = g.nwords;
    return ALLOC_OK;
}

/* alloc_slab_init with the source by pointer: a composite calls this, so no copy of the
   struct is made on the way (a copy could become an implicit memcpy in firmware). */
ALLOC__FN alloc_result alloc__slab_init_from(alloc_slab *s, const alloc_slab_desc *d, const alloc_allocator *source)
{
    if (source->alloc == NULL) return ALLOC_ERR_INVALID;
    return alloc__slab_setup(s, d, source, NULL, 0);
}

ALLOC_DEF alloc_result alloc_slab_init(alloc_slab *s, const alloc_slab_desc *d, alloc_allocator source)
{
    return alloc__slab_init_from(s, d, &source);
}

ALLOC_DEF alloc_result alloc_slab_init_buffer(alloc_slab *s, const alloc_slab_desc *d, void *buf, size_t size)
{
    alloc_result r;
    uintptr_t lo = (uintptr_t)buf;
    if (buf == NULL) return ALLOC_ERR_INVALID;
    if (lo + size < lo) return ALLOC_ERR_OVERFLOW;
    r = alloc__slab_setup(s, d, NULL, (unsigned char *)buf, size);
    if (r == ALLOC_OK) ALLOC__POISON(buf, size);
    return r;
}

/* The lists: doubly linked, the head's prev is NULL. */
ALLOC__FN alloc_slab_page **alloc__slab_head(alloc_slab *s, size_t list)
{
    return list == ALLOC__SLAB_FULL ? &s->full : list == ALLOC__SLAB_PARTIAL ? &s->partial : &s->empty;
}
ALLOC__FN void alloc__slab_push(alloc_slab *s, alloc_slab_page *pg, size_t list)
{
    alloc_slab_page **head = alloc__slab_head(s, list);
    pg->list = list;
    pg->prev = NULL;
    pg->next = *head;
    if (*head != NULL) (*head)->prev = pg;
    *head = pg;
}
ALLOC__FN void alloc__slab_unlink(alloc_slab *s, alloc_slab_page *pg)
{
    if (pg->prev != NULL) pg->prev->next = pg->next;
    else *alloc__slab_head(s, pg->list) = pg->next;
    if (pg->next != NULL) pg->next->prev = pg->prev;
    pg->next = pg->prev = NULL;
    pg->list = ALLOC__SLAB_CUR;
}
ALLOC__FN alloc_slab_page *alloc__slab_pop(alloc_slab *s, size_t list)
{
    alloc_slab_page *pg = *alloc__slab_head(s, list);
    if (pg != NULL) alloc__slab_unlink(s, pg);
    return pg;
}

/* A new slab: memory from the source (or the buffer), header and bitmap cleared. In a
   cache with a constructor or destructor every object is constructed, once (object
   caching), and its index stacked; in a plain cache the free list starts empty and the
   objects are handed out from the slab's end of use: O(1). NULL if no memory. */
ALLOC__FN alloc_slab_page *alloc__slab_grow(alloc_slab *s)
{
    alloc_slab_page *pg;
    unsigned char *mem = NULL;
    size_t i;
    if (s->source.alloc != NULL) {
        mem = (unsigned char *)s->source.alloc(s->source.ctx, s->slab_size, s->slab_size);
        if (mem != NULL && ((uintptr_t)mem & (s->slab_size - 1)) != 0) {
            /* The source broke the alignment contract: masking would not find the header. */
            if (s->source.free != NULL) s->source.free(s->source.ctx, mem);
            mem = NULL;
        }
    } else if (s->spare != NULL) {
        mem = (unsigned char *)s->spare;
        ALLOC__OPEN(mem, sizeof(void *));
        s->spare = *(void **)s->spare;
    } else if ((size_t)(s->carve_end - s->carve) >= s->slab_size) {
        mem = s->carve;
        s->carve += s->slab_size;
    }
    if (mem == NULL) return NULL;
    ALLOC__UNPOISON(mem, s->slab_size);
    pg = (alloc_slab_page *)(void *)mem;
    pg->cache = s;
    pg->next = pg->prev = NULL;
    pg->free = NULL;
    pg->nfree = s->objs;
    pg->list = ALLOC__SLAB_CUR;
    alloc__zero(alloc__slab_bits(pg), s->nwords * sizeof(size_t));
    if (s->stack_off != 0) {
        /* Pushed from the last object down, so the first alloc takes the lowest address;
           the objects constructed from the first up. */
        uint16_t *st = alloc__slab_stack(s, pg);
        for (i = 0; i < s->objs; i++) {
            st[i] = (uint16_t)((size_t)(alloc__slab_obj(s, pg, s->objs - 1 - i) - mem) >> ALLOC__SLAB_GRAIN);
            if (s->desc.ctor != NULL) {
                s->desc.ctor(alloc__slab_obj(s, pg, i), s->desc.user);
                s->ctor_count++;
            }
        }
    }
#ifdef ALLOC_DEBUG
    else {
        for (i = 0; i < s->objs; i++) ALLOC_MEMSET(alloc__slab_obj(s, pg, i), ALLOC__FREED_BYTE, s->size);
    }
#endif
    ALLOC__POISON(mem + s->first, s->slab_size - s->first);
    s->nslabs++;
    return pg;
}

/* Gives a slab back: the destructor on every object, live or free, then the memory. */
ALLOC__FN size_t alloc__slab_release(alloc_slab *s, alloc_slab_page *pg)
{
    size_t i;
    ALLOC__OPEN(pg, s->slab_size);   /* constructed objects keep their contents */
    if (s->desc.dtor != NULL) {
        for (i = 0; i < s->objs; i++) s->desc.dtor(alloc__slab_obj(s, pg, i), s->desc.user);
        s->dtor_count += s->objs;
    }
    pg->cache = NULL;   /* a stale pointer into it is foreign from now on */
    s->nslabs--;
    if (s->source.alloc != NULL) {
        if (s->source.free != NULL) s->source.free(s->source.ctx, pg);
    } else {
        *(void **)(void *)pg = s->spare;
        s->spare = pg;
        ALLOC__POISON((unsigned char *)pg + sizeof(alloc_slab_page), s->slab_size - sizeof(alloc_slab_page));
    }
    return s->slab_size;
}

/* The slow path of alloc: cur is used up (or there is none). It goes on the full list,
   and the next slab is a partial one, else an empty one, else a new one. */
#ifdef ALLOC_DEBUG
ALLOC__FN void *alloc_slab_alloc_raw(alloc_slab *s);
#endif
ALLOC__FN ALLOC__NOINLINE void *alloc__slab_alloc_slow(alloc_slab *s)
{
    alloc_slab_page *pg;
    if (s->cur != ALLOC__SLAB_NONE) {
        if (s->cur->nfree != 0) return NULL;   /* cannot happen: the fast path had room */
        alloc__slab_push(s, s->cur, ALLOC__SLAB_FULL);
        s->cur = ALLOC__SLAB_NONE;
    }
    pg = alloc__slab_pop(s, ALLOC__SLAB_PARTIAL);
    if (pg == NULL) pg = alloc__slab_pop(s, ALLOC__SLAB_EMPTY);
    if (pg == NULL) pg = alloc__slab_grow(s);
    if (pg == NULL) {
        s->fail_count++;
        return NULL;
    }
    s->cur = pg;
    return ALLOC__RAW(alloc_slab_alloc)(s);
}

ALLOC__RAWDEF void *ALLOC__RAW(alloc_slab_alloc)(alloc_slab *s)
{
    alloc_slab_page *pg = s->cur;
    unsigned char *p;
    size_t u;
    if (ALLOC__LIKELY(pg->nfree != 0)) {
        if (s->stack_off == 0) {
            /* Pop the slab's free list (the link is in the object's first word), or take
               the next never-used object when the list is empty. */
            p = (unsigned char *)pg->free;
            if (p != NULL) {
                ALLOC__OPEN(p, sizeof(void *));
                pg->free = *(void **)(void *)p;
            } else {
                p = alloc__slab_obj(s, pg, s->objs - pg->nfree);
            }
            ALLOC__UNPOISON(p, s->size);
            u = (size_t)(p - (unsigned char *)pg) >> ALLOC__SLAB_GRAIN;
#ifdef ALLOC_DEBUG
            ALLOC_MEMSET(p, ALLOC__FRESH_BYTE, s->size);
#endif
        } else {
            /* Pop the index stack: the object's constructed bytes are not touched. */
            u = alloc__slab_stack(s, pg)[pg->nfree - 1];
            p = (unsigned char *)pg + (u << ALLOC__SLAB_GRAIN);
            ALLOC__OPEN(p, s->size);
        }
        pg->nfree--;
        alloc__slab_bits(pg)[u / ALLOC__SLAB_WORD] |= (size_t)1 << (u % ALLOC__SLAB_WORD);
        if (++s->live > s->peak) s->peak = s->live;
        return p;
    }
    return alloc__slab_alloc_slow(s);
}

ALLOC__FN void alloc__slab_error(alloc_slab *s, alloc_result code, const void *p, const char *msg)
{
    s->error_count++;
    ALLOC_ON_ERROR(code, (void *)(uintptr_t)p, msg);
}

/* The cache the header of slab pg names, as a caller's pointer is checked: NULL where
   the header may not be read (alloc__readable), so such a pointer is foreign. */
ALLOC__INLINE const alloc_slab *alloc__slab_owner(const alloc_slab_page *pg)
{
    return alloc__readable(pg) ? pg->cache : NULL;
}

/* 1 iff p is the start of a live object of s: the test of free's fast path (the header
   names s, p is on the granule grid and a live object starts in its granule). p must be
   readable at its slab-aligned base, as for free. O(1). */
ALLOC__FN int alloc__slab_live(const alloc_slab *s, const void *p)
{
    const alloc_slab_page *pg = (const alloc_slab_page *)(const void *)((uintptr_t)p & s->mask);
    size_t u = (size_t)((uintptr_t)p - (uintptr_t)pg) >> ALLOC__SLAB_GRAIN;
    if (alloc__slab_owner(pg) != s || ((uintptr_t)p & s->gmask) != 0) return 0;
    return (int)((alloc__slab_bits(pg)[u / ALLOC__SLAB_WORD] >> (u % ALLOC__SLAB_WORD)) & 1u);
}

/* 1 iff an object of s starts `off` bytes into a slab. O(1): one division. */
ALLOC__FN int alloc__slab_is_obj(const alloc_slab *s, size_t off)
{
    size_t i;
    if (off < s->first) return 0;
    i = alloc__div(off - s->first, s->size);
    return i < s->objs && off - s->first == i * s->size;
}

/* A free the fast path refused: find out why, and report it once. */
ALLOC__FN ALLOC__NOINLINE void alloc__slab_free_bad(alloc_slab *s, const void *p)
{
    const alloc_slab_page *pg = (const alloc_slab_page *)(const void *)((uintptr_t)p & s->mask);
    size_t off = (size_t)((uintptr_t)p - (uintptr_t)pg);
    if (alloc__slab_owner(pg) != s)
        alloc__slab_error(s, ALLOC_ERR_FOREIGN, p, "slab free: pointer is not in a slab of this cache");
    else if (!alloc__slab_is_obj(s, off))
        alloc__slab_error(s, ALLOC_ERR_NOT_BLOCK, p, "slab free: pointer is not the start of an object");
    else
        alloc__slab_error(s, ALLOC_ERR_DOUBLE_FREE, p, "slab free: object is already free");
}

/* A free changed a slab's state: from full to partial (nfree == 1) or to empty
   (nfree == objs). Move it to the list of its new state, keeping the rule that cur is
   empty only when no partial slab exists. */
ALLOC__FN ALLOC__NOINLINE void alloc__slab_moved(alloc_slab *s, alloc_slab_page *pg)
{
    alloc_slab_page *cur = s->cur;
    if (pg == cur) {
        if (pg->nfree == s->objs && s->partial != NULL) {
            alloc__slab_push(s, pg, ALLOC__SLAB_EMPTY);
            s->cur = alloc__slab_pop(s, ALLOC__SLAB_PARTIAL);
        }
        return;
    }
    alloc__slab_unlink(s, pg);
    if (pg->nfree == s->objs) {
        alloc__slab_push(s, pg, ALLOC__SLAB_EMPTY);
    } else if (cur == ALLOC__SLAB_NONE) {
        s->cur = pg;
    } else if (cur->nfree == s->objs) {
        /* cur is empty and pg is partial: pg goes first. */
        alloc__slab_push(s, cur, ALLOC__SLAB_EMPTY);
        s->cur = pg;
    } else {
        alloc__slab_push(s, pg, ALLOC__SLAB_PARTIAL);
    }
}

ALLOC__RAWDEF void ALLOC__RAW(alloc_slab_free)(alloc_slab *s, void *obj)
{
    unsigned char *p = (unsigned char *)obj;
    alloc_slab_page *pg = (alloc_slab_page *)(void *)((uintptr_t)obj & s->mask);
    size_t u, word, *w;
    if (ALLOC__UNLIKELY(p == NULL)) return;
    /* The header at the masked address must name this cache, and p must be on the grid
       of granules; the granule's bit must say that a live object starts there. */
    if (ALLOC__UNLIKELY(alloc__slab_owner(pg) != s || ((uintptr_t)p & s->gmask) != 0)) {
        alloc__slab_free_bad(s, p);
        return;
    }
    u = (size_t)(p - (unsigned char *)pg) >> ALLOC__SLAB_GRAIN;
    w = alloc__slab_bits(pg) + u / ALLOC__SLAB_WORD;
    word = *w;
    if (ALLOC__UNLIKELY(((word >> (u % ALLOC__SLAB_WORD)) & 1u) == 0)) {
        alloc__slab_free_bad(s, p);
        return;
    }
    *w = word & ~((size_t)1 << (u % ALLOC__SLAB_WORD));
    if (s->stack_off == 0) {
#ifdef ALLOC_DEBUG
        ALLOC_MEMSET(p, ALLOC__FREED_BYTE, s->size);
#endif
        *(void **)(void *)p = pg->free;
        pg->free = p;
    } else {
        alloc__slab_stack(s, pg)[pg->nfree] = (uint16_t)u;
    }
    ALLOC__POISON(p, s->size);
    s->live--;
    s->free_count++;
    if (ALLOC__UNLIKELY(++pg->nfree - 2 >= s->fast_lim)) alloc__slab_moved(s, pg);
}

ALLOC_DEF size_t alloc_slab_shrink(alloc_slab *s)
{
    size_t bytes = 0;
    alloc_slab_page *pg;
    while ((pg = alloc__slab_pop(s, ALLOC__SLAB_EMPTY)) != NULL) bytes += alloc__slab_release(s, pg);
    if (s->cur != ALLOC__SLAB_NONE && s->cur->nfree == s->objs) {
        bytes += alloc__slab_release(s, s->cur);
        s->cur = ALLOC__SLAB_NONE;
    }
    return bytes;
}

ALLOC__RAWDEF void ALLOC__RAW(alloc_slab_destroy)(alloc_slab *s)
{
    alloc_slab_page *pg;
    size_t list;
    for (list = ALLOC__SLAB_FULL; list <= ALLOC__SLAB_EMPTY; list++)
        while ((pg = alloc__slab_pop(s, list)) != NULL) alloc__slab_release(s, pg);
    if (s->cur != ALLOC__SLAB_NONE) alloc__slab_release(s, s->cur);
    s->cur = ALLOC__SLAB_NONE;
    s->free_count += s->live;   /* the live objects are gone: counted as freed */
    s->live = 0;
}

/* The slab holding p's object area, or NULL; safe for any pointer. */
ALLOC__FN const alloc_slab_page *alloc__slab_find(const alloc_slab *s, const void *p)
{
    uintptr_t q = (uintptr_t)p, base = q & s->mask;
    const alloc_slab_page *pg;
    size_t list;
    if (p == NULL || q - base < s->first || q - base >= s->first + s->objs * s->size) return NULL;
    if (s->cur != ALLOC__SLAB_NONE && (uintptr_t)s->cur == base) return s->cur;
    for (list = ALLOC__SLAB_FULL; list <= ALLOC__SLAB_EMPTY; list++)
        for (pg = *alloc__slab_head((alloc_slab *)(uintptr_t)s, list); pg != NULL; pg = pg->next)
            if ((uintptr_t)pg == base) return pg;
    return NULL;
}

ALLOC_DEF int alloc_slab_owns(const alloc_slab *s, const void *p)
{
    return s != NULL && alloc__slab_find(s, p) != NULL;
}

/* Calls fn on the current slab and on each slab of every list. */
ALLOC__FN size_t alloc__slab_state(const alloc_slab *s, const alloc_slab_page *pg)
{
    return pg->nfree == 0 ? ALLOC__SLAB_FULL : pg->nfree == s->objs ? ALLOC__SLAB_EMPTY : ALLOC__SLAB_PARTIAL;
}

ALLOC_DEF void alloc_slab_get_info(const alloc_slab *s, alloc_slab_info *out)
{
    const alloc_slab_page *pg;
    size_t list, n[4];
    for (list = 0; list < 4; list++) n[list] = 0;   /* (no initialiser: no implicit memset) */
    alloc__zero(out, sizeof *out);
    if (s->cur != ALLOC__SLAB_NONE) n[alloc__slab_state(s, s->cur)]++;
    for (list = ALLOC__SLAB_FULL; list <= ALLOC__SLAB_EMPTY; list++)
        for (pg = *alloc__slab_head((alloc_slab *)(uintptr_t)s, list); pg != NULL; pg = pg->next)
            n[alloc__slab_state(s, pg)]++;
    out->name = s->desc.name;
    out->object_size = s->size;
    out->align = s->align;
    out->slab_size = s->slab_size;
    out->objects_per_slab = s->objs;
    out->header_bytes = s->first;
    out->wasted_per_slab = s->slab_size - s->objs * s->size;
    out->slabs_full = n[ALLOC__SLAB_FULL];
    out->slabs_partial = n[ALLOC__SLAB_PARTIAL];
    out->slabs_empty = n[ALLOC__SLAB_EMPTY];
    out->objects_live = s->live;
    out->objects_free = s->nslabs * s->objs - s->live;
    out->ctor_calls = s->ctor_count;
    out->dtor_calls = s->dtor_count;
}

ALLOC_DEF void alloc_slab_stats(const alloc_slab *s, alloc_stats *out)
{
    size_t nfree = s->nslabs * s->objs - s->live;
    alloc__zero(out, sizeof *out);
    out->capacity = s->nslabs * s->objs * s->size;
    out->used = s->live * s->size;
    out->free = nfree * s->size;
    out->largest_free = nfree ? s->size : 0;
    out->peak_used = s->peak * s->size;
    out->live_blocks = s->live;
    out->free_blocks = nfree;
    out->alloc_count = s->free_count + s->live;
    out->free_count = s->free_count;
    out->fail_count = s->fail_count;
    out->error_count = s->error_count;
}

/* One slab's own consistency: header, bitmap, free list or stack. Adds its live objects
   to *live. The free entries (and a plain slab's never-used tail) are checked on the grid
   and with their bit clear; that none appears twice follows from their count, sum and sum
   of squares matching the objects whose bit is clear (the check is read-only, so it keeps
   no mark of its own). */
ALLOC__FN int alloc__slab_check_page(const alloc_slab *s, const alloc_slab_page *pg, size_t *live)
{
    const size_t *bits = alloc__slab_bits(pg);
    size_t i, clear = 0, sum = 0, sq = 0, n = 0, esum = 0, esq = 0, set = 0;
    if (pg->cache != s || ((uintptr_t)pg & (s->slab_size - 1)) != 0 || pg->nfree > s->objs) return 0;
    for (i = 0; i < s->nwords; i++) {
        size_t x = bits[i];
        while (x) { x &= x - 1; set++; }
    }
    for (i = 0; i < s->objs; i++) {
        size_t u = (s->first + i * s->size) >> ALLOC__SLAB_GRAIN;
        if (!(bits[u / ALLOC__SLAB_WORD] & ((size_t)1 << (u % ALLOC__SLAB_WORD)))) {
            clear++;
            sum += u;
            sq += u * u;
        }
    }
    if (set + clear != s->objs || clear != pg->nfree) return 0;   /* no bit off the grid */
    if (s->stack_off != 0) {
        const uint16_t *st = alloc__slab_stack(s, pg);
        for (n = 0; n < pg->nfree; n++) {
            size_t u = st[n], off = u << ALLOC__SLAB_GRAIN;
            if (!alloc__slab_is_obj(s, off)) return 0;
            if (bits[u / ALLOC__SLAB_WORD] & ((size_t)1 << (u % ALLOC__SLAB_WORD))) return 0;
            esum += u;
            esq += u * u;
        }
        if (pg->free != NULL) return 0;
    } else {
        const unsigned char *o = (const unsigned char *)pg->free;
        for (n = 0; o != NULL; n++) {
            size_t off = (size_t)((uintptr_t)o - (uintptr_t)pg), u = off >> ALLOC__SLAB_GRAIN;
            const void *next;
            if (n >= pg->nfree || ((uintptr_t)o & s->mask) != (uintptr_t)pg) return 0;
            if (!alloc__slab_is_obj(s, off)) return 0;
            if (bits[u / ALLOC__SLAB_WORD] & ((size_t)1 << (u % ALLOC__SLAB_WORD))) return 0;
            esum += u;
            esq += u * u;
            ALLOC__OPEN((void *)(uintptr_t)o, sizeof(void *));
            next = *(const void *const *)(const void *)o;
            ALLOC__POISON((void *)(uintptr_t)o, sizeof(void *));
            o = (const unsigned char *)next;
        }
        for (i = s->objs - (pg->nfree - n); i < s->objs; i++) {   /* the never-used tail */
            size_t u = (s->first + i * s->size) >> ALLOC__SLAB_GRAIN;
            if (bits[u / ALLOC__SLAB_WORD] & ((size_t)1 << (u % ALLOC__SLAB_WORD))) return 0;
            esum += u;
            esq += u * u;
        }
    }
    if (esum != sum || esq != sq) return 0;
    *live += s->objs - pg->nfree;
    return 1;
}

ALLOC__RAWDEF alloc_result ALLOC__RAW(alloc_slab_check)(const alloc_slab *s)
{
    const alloc_slab_page *pg, *prev;
    size_t list, count = 0, live = 0;
    if (s == NULL) return ALLOC_ERR_INVALID;
    if (s->objs == 0 || s->size == 0 || !alloc__is_pow2(s->slab_size) || s->mask != ~(uintptr_t)(s->slab_size - 1))
        return ALLOC_ERR_CORRUPT;
    if (s->cur != ALLOC__SLAB_NONE) {
        if (s->cur->list != ALLOC__SLAB_CUR || s->cur->next != NULL || s->cur->prev != NULL) return ALLOC_ERR_CORRUPT;
        if (s->cur->nfree == s->objs && s->partial != NULL) return ALLOC_ERR_CORRUPT;   /* partial first */
        if (!alloc__slab_check_page(s, s->cur, &live)) return ALLOC_ERR_CORRUPT;
        count++;
    }
    for (list = ALLOC__SLAB_FULL; list <= ALLOC__SLAB_EMPTY; list++) {
        prev = NULL;
        for (pg = *alloc__slab_head((alloc_slab *)(uintptr_t)s, list); pg != NULL; pg = pg->next) {
            if (++count > s->nslabs) return ALLOC_ERR_CORRUPT;   /* also stops a cycle */
            if (pg == s->cur || pg->list != list || pg->prev != prev) return ALLOC_ERR_CORRUPT;
            if (alloc__slab_state(s, pg) != list) return ALLOC_ERR_CORRUPT;   /* the list of its state */
            if (!alloc__slab_check_page(s, pg, &live)) return ALLOC_ERR_CORRUPT;
            prev = pg;
        }
    }
    if (count != s->nslabs || live != s->live || s->peak < s->live) return ALLOC_ERR_CORRUPT;
    return ALLOC_OK;
}

ALLOC__FN int alloc__slab_fits(const alloc_slab *s, size_t size, size_t align)
{
#ifdef ALLOC_DEBUG
    size_t room = s->desc.size;   /* the slot also holds the guard and the record */
#else
    size_t room = s->size;
#endif
    return size != 0 && size <= room && (align == 0 || (alloc__is_pow2(align) && align <= s->align));
}
ALLOC__FN void *alloc__slab_if_alloc(void *ctx, size_t size, size_t align)
{
    alloc_slab *s = (alloc_slab *)ctx;
    return alloc__slab_fits(s, size, align) ? alloc_slab_alloc(s) : NULL;
}
ALLOC__FN void *alloc__slab_if_realloc(void *ctx, void *p, size_t size, size_t align)
{
    alloc_slab *s = (alloc_slab *)ctx;
    if (p == NULL) return alloc__slab_if_alloc(ctx, size, align);
    if (size == 0) {
        alloc_slab_free(s, p);
        return NULL;
    }
    if (!alloc__slab_live(s, p)) {
        alloc__slab_free_bad(s, p);   /* refused and reported as its free would be */
        return NULL;
    }
    return alloc__slab_fits(s, size, align) ? p : NULL;
}
ALLOC__FN void alloc__slab_if_free(void *ctx, void *p)
{
    alloc_slab_free((alloc_slab *)ctx, p);
}

ALLOC_DEF alloc_allocator alloc_slab_allocator(alloc_slab *s)
{
    return alloc__make_allocator(alloc__slab_if_alloc, alloc__slab_if_realloc, alloc__slab_if_free, s);
}

#ifdef ALLOC_DUMP
/* One slab as a row of its objects, '#' live and '.' free; beyond 64 objects each cell
   stands for several ('#' all live, '.' all free, ':' some of each). */
ALLOC__FN void alloc__slab_row(alloc__writer *w, const alloc_slab *s, const alloc_slab_page *pg, const char *state)
{
    const size_t *bits = alloc__slab_bits(pg);
    char cells[64];
    size_t width = s->objs < 64 ? s->objs : 64, c, i;
    for (c = 0; c < width; c++) {
        size_t lo = c * s->objs / width, hi = (c + 1) * s->objs / width, used = 0;
        for (i = lo; i < hi; i++) {
            size_t u = (s->first + i * s->size) >> ALLOC__SLAB_GRAIN;
            if (bits[u / ALLOC__SLAB_WORD] & ((size_t)1 << (u % ALLOC__SLAB_WORD))) used++;
        }
        cells[c] = used == hi - lo ? '#' : used == 0 ? '.' : ':';
    }
    alloc__printf(w, "  %-7s %p |", state, (const void *)pg);
    w->write(w->user, cells, width);
    alloc__printf(w, "| %zu/%zu%s\n", s->objs - pg->nfree, s->objs, pg == s->cur ? "  <- current" : "");
}

ALLOC_DEF void alloc_slab_dump(const alloc_slab *s, alloc_write_fn write, void *user)
{
    static const char *const names[4] = {"", "full", "partial", "empty"};
    alloc__writer w;
    alloc_stats st;
    alloc_slab_info in;
    const alloc_slab_page *pg;
    size_t list;
    w.write = write;
    w.user = user;
    alloc_slab_stats(s, &st);
    alloc_slab_get_info(s, &in);
    alloc__printf(&w, "slab cache \"%s\" %p: objects of %zu bytes (align %zu), slabs of %zu bytes\n",
                  in.name, (const void *)s, in.object_size, in.align, in.slab_size);
    alloc__printf(&w, "  %zu objects per slab, %zu bytes of header, %zu wasted per slab; "
                  "slabs: %zu full, %zu partial, %zu empty; %zu objects live\n",
                  in.objects_per_slab, in.header_bytes, in.wasted_per_slab,
                  in.slabs_full, in.slabs_partial, in.slabs_empty, in.objects_live);
    for (list = ALLOC__SLAB_FULL; list <= ALLOC__SLAB_EMPTY; list++) {
        if (s->cur != ALLOC__SLAB_NONE && alloc__slab_state(s, s->cur) == list) alloc__slab_row(&w, s, s->cur, names[list]);
        for (pg = *alloc__slab_head((alloc_slab *)(uintptr_t)s, list); pg != NULL; pg = pg->next)
            alloc__slab_row(&w, s, pg, names[list]);
    }
    if (s->nslabs == 0) alloc__printf(&w, "  (no slabs yet)\n");
    if (in.ctor_calls || in.dtor_calls)
        alloc__printf(&w, "  constructor calls %zu  destructor calls %zu\n", in.ctor_calls, in.dtor_calls);
    alloc__print_stats(&w, &st);
}
#endif /* ALLOC_DUMP */

ALLOC_DEF alloc_slab *alloc_slab_cache_of(const void *obj, size_t slab_size)
{
    const alloc_slab_page *pg;
    if (obj == NULL || !alloc__is_pow2(slab_size)) return NULL;
    pg = (const alloc_slab_page *)(const void *)((uintptr_t)obj & ~(uintptr_t)(slab_size - 1));
    return (alloc_slab *)(uintptr_t)alloc__slab_owner(pg);
}

#ifndef ALLOC_NO_BUDDY
/* --- ALLOC_DEBUG: guards and records (see >>debug) ------------------------------------

   Objects stay on their grid (a slab finds its header by masking), so there is no front
   guard: each object's slot grows (in alloc__slab_setup) by ALLOC__DBG_GUARD + a record,
   the record sits at the slot's end and the back guard fills the bytes between the size
   asked for (the object size, or a kmalloc request) and the record. A cache with a
   constructor keeps its objects' constructed bytes: they get no fresh/freed fill. */
#ifdef ALLOC_DEBUG
/* The record of live object p, or NULL (the same reads as the raw free's). */
ALLOC__FN alloc__dbg_rec *alloc__slab_dbg_rec(const alloc_slab *s, const void *p)
{
    alloc__dbg_rec *rec;
    if (!alloc__slab_live(s, p)) return NULL;
    rec = (alloc__dbg_rec *)(void *)((unsigned char *)(uintptr_t)p + s->size - ALLOC__SLAB_RECSZ);
    return alloc__dbg_rec_ok(rec, p) ? rec : NULL;
}

ALLOC__FN void *alloc__slab_dbg_alloc(alloc_slab *s, size_t size, const char *file, int line)
{
    unsigned char *p = (unsigned char *)ALLOC__RAW(alloc_slab_alloc)(s);
    unsigned char *rec;
    if (p == NULL) return NULL;
    rec = p + s->size - ALLOC__SLAB_RECSZ;
    alloc__dbg_track(&s->dbg_live, &s->dbg_count, (alloc__dbg_rec *)(void *)rec, p, p, size, 0,
                     (size_t)(rec - p) - size, file, line);
    return p;
}
ALLOC_DEF void *alloc_slab_alloc_at(alloc_slab *s, const char *file, int line)
{
    return alloc__slab_dbg_alloc(s, s->desc.size, file, line);
}
ALLOC_DEF void *alloc_slab_alloc(alloc_slab *s) { return alloc__slab_dbg_alloc(s, s->desc.size, NULL, 0); }

ALLOC_DEF void alloc_slab_free(alloc_slab *s, void *obj)
{
    alloc__dbg_rec *rec;
    if (obj == NULL) return;
    rec = alloc__slab_dbg_rec(s, obj);
    if (rec != NULL) {
        if (!alloc__dbg_guards_ok(rec))
            alloc__slab_error(s, ALLOC_ERR_GUARD, obj, "slab free: guard bytes were overwritten: write past the end of an object");
        alloc__dbg_untrack(&s->dbg_live, &s->dbg_count, rec);
    }
    ALLOC__RAW(alloc_slab_free)(s, obj);   /* refuses (and reports) what is not live */
}

ALLOC_DEF void alloc_slab_destroy(alloc_slab *s)
{
    ALLOC__RAW(alloc_slab_destroy)(s);
    s->dbg_live = NULL;                    /* the live objects went with their slabs */
    s->dbg_count = 0;
}

ALLOC_DEF alloc_result alloc_slab_check(const alloc_slab *s)
{
    alloc_result r = ALLOC__RAW(alloc_slab_check)(s);
    if (r != ALLOC_OK) return r;
    return alloc__dbg_check_list(s->dbg_live, s->dbg_count);
}

ALLOC_DEF size_t alloc_slab_live_count(const alloc_slab *s) { return s->dbg_count; }
#ifdef ALLOC_DUMP
ALLOC_DEF size_t alloc_slab_report_live(const alloc_slab *s, alloc_write_fn write, void *user)
{
    alloc__dbg_report(s->dbg_live, s->dbg_count, s->desc.name, write, user);
    return s->dbg_count;
}
#endif
#else
ALLOC_DEF size_t alloc_slab_live_count(const alloc_slab *s) { return s->live; }
#ifdef ALLOC_DUMP
ALLOC_DEF size_t alloc_slab_report_live(const alloc_slab *s, alloc_write_fn write, void *user)
{
    alloc__dbg_report_count(s->live, s->desc.name, write, user);
    return s->live;
}
#endif
#endif /* ALLOC_DEBUG */

/* >>kmalloc ---------------------------------------------------------------------------
   The kernel's general-purpose allocator, from the public faces of the slab and the
   buddy: one slab cache per size class, all with slabs of the same size S taken from the
   buddy (aligned to S, as every buddy block is aligned to its size); larger requests are
   buddy blocks. Telling them apart on free, with no size and no search:
   - first the slab table, a direct-mapped cache of slab addresses kept by the caches'
     source (the buddy, wrapped): if the S-aligned base of p is listed, p is in one of
     our slabs - no lookup in the buddy, no read of a block that may not be ours;
   - else p inside (not at the start of) a live buddy block of exactly S bytes whose slab
     header names one of our caches: a slab object; that cache's free checks the rest
     (double free, interior pointer) in O(1);
   - p at the start of a live buddy block that is not one of our slabs: a large block (its
     first word starts NULL, so only a block whose owner stored the address of one of our
     caches there could pass for a slab);
   - anything else is refused. */

static const unsigned short alloc__kmalloc_sizes[ALLOC_KMALLOC_CLASSES] = {
    16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048
};
#define ALLOC__KMALLOC_NONE 0xFFu

ALLOC__FN int alloc__kmalloc_is_cache(const alloc_kmalloc *k, const alloc_slab *c)
{
    uintptr_t lo = (uintptr_t)&k->caches[0], q = (uintptr_t)c;
    return q >= lo && q < (uintptr_t)&k->caches[k->nclasses] && (q - lo) % sizeof(alloc_slab) == 0;
}

ALLOC__FN void alloc__kmalloc_error(alloc_kmalloc *k, alloc_result code, const void *p, const char *msg)
{
    k->error_count++;
    ALLOC_ON_ERROR(code, (void *)(uintptr_t)p, msg);
}

/* Which kind of block p is: 1 a slab object (of *cache), 2 a large block, 0 neither.
   The header at the S-aligned base is read only when the buddy says a live block of
   exactly S bytes starts there (so a bad pointer never makes us read a free block). */
ALLOC__FN int alloc__kmalloc_find(const alloc_kmalloc *k, const void *p, alloc_slab **cache)
{
    uintptr_t base = (uintptr_t)p & ~(uintptr_t)(k->slab_size - 1);
    size_t n;
    /* The fast way: the slab table remembers where our slabs are (no read of the block). */
    if (ALLOC__LIKELY((uintptr_t)p != base &&
                      k->slabs[(base >> k->slab_shift) & (ALLOC_KMALLOC_SLAB_TABLE - 1)] == (void *)base)) {
        *cache = alloc_slab_cache_of(p, k->slab_size);
        return 1;
    }
    /* Else ask the buddy (a slab whose table entry another slab holds, or a large block). */
    if ((uintptr_t)p != base && ALLOC__RAW(alloc_buddy_usable_size)(k->buddy, (const void *)base) == k->slab_size) {
        alloc_slab *c = alloc_slab_cache_of(p, k->slab_size);
        if (alloc__kmalloc_is_cache(k, c)) {
            *cache = c;
            return 1;
        }
    }
    n = ALLOC__RAW(alloc_buddy_usable_size)(k->buddy, p);
    if (n == 0) return 0;
    if (n == k->slab_size && alloc__kmalloc_is_cache(k, alloc_slab_cache_of((const unsigned char *)p + 1, n))) return 0;   /* a slab itself */
    return 2;
}

/* The source of the class caches: the buddy, with each slab noted in the slab table. */
ALLOC__FN void *alloc__kmalloc_src_alloc(void *ctx, size_t size, size_t align)
{
    alloc_kmalloc *k = (alloc_kmalloc *)ctx;
    void *p = ALLOC__RAW(alloc_buddy_alloc)(k->buddy, size > align ? size : align);
    if (p != NULL) {
        void **e = &k->slabs[((uintptr_t)p >> k->slab_shift) & (ALLOC_KMALLOC_SLAB_TABLE - 1)];
        if (*e == NULL) *e = p;   /* on a collision the buddy is asked instead */
    }
    return p;
}
ALLOC__FN void alloc__kmalloc_src_free(void *ctx, void *p)
{
    alloc_kmalloc *k = (alloc_kmalloc *)ctx;
    void **e = &k->slabs[((uintptr_t)p >> k->slab_shift) & (ALLOC_KMALLOC_SLAB_TABLE - 1)];
    if (*e == p) *e = NULL;
    ALLOC__RAW(alloc_buddy_free)(k->buddy, p);
}

/* Frees p, of the kind alloc__kmalloc_find said. */
ALLOC__FN void alloc__kmalloc_release(alloc_kmalloc *k, void *p, int kind, alloc_slab *c)
{
    if (ALLOC__LIKELY(kind == 1)) {
        alloc_slab_free(c, p);
    } else if (kind == 2) {
        k->large_live--;
        k->large_frees++;
        k->large_bytes -= alloc_buddy_usable_size(k->buddy, p);
        alloc_buddy_free(k->buddy, p);
    } else if (alloc_buddy_owns(k->buddy, p)) {
        alloc__kmalloc_error(k, ALLOC_ERR_NOT_BLOCK, p, "kmalloc free: pointer is not a live block");
    } else {
        alloc__kmalloc_error(k, ALLOC_ERR_FOREIGN, p, "kmalloc free: pointer is not in the buddy");
    }
}

/* The kind of p (as alloc__kmalloc_find) when it is a live block; else 0, after its free
   has reported it once: a slab object that is free, or a pointer inside one, is refused
   by its cache with the cache's code. realloc's first step. */
ALLOC__FN int alloc__kmalloc_live(alloc_kmalloc *k, void *p, alloc_slab **cache)
{
    int kind = alloc__kmalloc_find(k, p, cache);
    if (kind == 0 || (kind == 1 && !alloc__slab_live(*cache, p))) {
        alloc__kmalloc_release(k, p, kind, *cache);
        return 0;
    }
    return kind;
}

ALLOC_DEF alloc_result alloc_kmalloc_init(alloc_kmalloc *k, alloc_buddy *b)
{
    alloc_stats bs;
    alloc_buddy_figures fig;
    alloc_allocator src;
    size_t slab = ALLOC_KMALLOC_SLAB_SIZE, i, c;
    if (k == NULL || b == NULL) return ALLOC_ERR_INVALID;
    alloc_buddy_stats(b, &bs);
    alloc_buddy_stats_ex(b, &fig);
    while (slab > bs.largest_free && slab > 1024) slab >>= 1;
    if (slab < fig.min_block) slab = fig.min_block;
    if (slab > bs.largest_free || slab < 1024) return ALLOC_ERR_TOO_SMALL;
    alloc__zero(k, sizeof *k);
    k->buddy = b;
    k->slab_size = slab;
    k->slab_shift = (size_t)alloc__log2(slab);
    src.alloc = alloc__kmalloc_src_alloc;
    src.realloc = NULL;
    src.free = alloc__kmalloc_src_free;
    src.ctx = k;
    for (c = 0; c < ALLOC_KMALLOC_CLASSES; c++) {
        alloc_slab_desc d;
        alloc__zero(&d, sizeof d);
        d.name = "kmalloc";
        d.size = alloc__kmalloc_sizes[c];
        d.align = ALLOC_KMALLOC_ALIGN;
        d.slab_size = slab;
        if (alloc__slab_init_from(&k->caches[c], &d, &src) != ALLOC_OK) break;
    }
    k->nclasses = c;
    /* The smallest class that holds each multiple of 16; the classes that did not fit a
       slab (c and above) are served by the buddy. */
    for (i = 0; i <= ALLOC_KMALLOC_MAX / 16; i++) {
        size_t j = 0;
        while (j < c && alloc__kmalloc_sizes[j] < i * 16) j++;
        k->class_of[i] = (unsigned char)(j < c ? j : ALLOC__KMALLOC_NONE);
    }
    return ALLOC_OK;
}

ALLOC__FN ALLOC__NOINLINE void *alloc__kmalloc_large(alloc_kmalloc *k, size_t size)
{
    void *p;
    if (size == 0) return NULL;
    p = alloc_buddy_alloc(k->buddy, size);
    if (p == NULL) {
        k->fail_count++;
        return NULL;
    }
    /* A large block of exactly a slab's size is told from a slab by its first word, which
       then must not name one of our caches: start it at NULL (the contents of a fresh
       block are undefined anyway; this keeps memcheck from seeing an undefined read). */
    *(void **)p = NULL;
    k->large_live++;
    k->large_count++;
    k->large_bytes += alloc_buddy_usable_size(k->buddy, p);
    return p;
}

ALLOC__RAWDEF void *ALLOC__RAW(alloc_kmalloc_alloc)(alloc_kmalloc *k, size_t size)
{
    if (ALLOC__LIKELY(size - 1 < ALLOC_KMALLOC_MAX)) {
        unsigned c = k->class_of[(size + 15) >> 4];
        if (ALLOC__LIKELY(c != ALLOC__KMALLOC_NONE)) {
            void *p = alloc_slab_alloc(&k->caches[c]);
            if (ALLOC__UNLIKELY(p == NULL)) k->fail_count++;
            return p;
        }
    }
    return alloc__kmalloc_large(k, size);
}

ALLOC_DEF void alloc_kmalloc_free(alloc_kmalloc *k, void *p)
{
    alloc_slab *c = NULL;
    int kind;
    if (p == NULL) return;
    kind = alloc__kmalloc_find(k, p, &c);   /* before c is read */
    alloc__kmalloc_release(k, p, kind, c);
}

ALLOC__RAWDEF size_t ALLOC__RAW(alloc_kmalloc_usable_size)(const alloc_kmalloc *k, const void *p)
{
    alloc_slab *c = NULL;
    int kind;
    if (p == NULL) return 0;
    kind = alloc__kmalloc_find(k, p, &c);
    if (kind == 1) return alloc__slab_live(c, p) ? alloc__kmalloc_sizes[c - k->caches] : 0;
    return kind == 2 ? alloc_buddy_usable_size(k->buddy, p) : 0;
}

ALLOC__RAWDEF void *ALLOC__RAW(alloc_kmalloc_realloc)(alloc_kmalloc *k, void *p, size_t size)
{
    alloc_slab *c = NULL;
    size_t old;
    void *q;
    int kind;
    if (p == NULL) return alloc_kmalloc_alloc(k, size);
    if (size == 0) {
        alloc_kmalloc_free(k, p);
        return NULL;
    }
    kind = alloc__kmalloc_live(k, p, &c);
    if (kind == 0) return NULL;
    if (kind == 2 && size > ALLOC_KMALLOC_MAX) {
        /* large to large: the buddy resizes in place where it can */
        size_t before = alloc_buddy_usable_size(k->buddy, p);
        q = alloc_buddy_realloc(k->buddy, p, size);
        if (q == NULL) {
            k->fail_count++;
            return NULL;
        }
        k->large_bytes += alloc_buddy_usable_size(k->buddy, q) - before;
        return q;
    }
    old = kind == 1 ? alloc__kmalloc_sizes[c - k->caches] : alloc_buddy_usable_size(k->buddy, p);
    if (kind == 1 && size - 1 < ALLOC_KMALLOC_MAX && k->class_of[(size + 15) >> 4] == (unsigned)(c - k->caches))
        return p;   /* the same class */
    q = alloc_kmalloc_alloc(k, size);
    if (q == NULL) return NULL;
    alloc__copy(q, p, old < size ? old : size);
    alloc__kmalloc_release(k, p, kind, c);
    return q;
}

ALLOC_DEF size_t alloc_kmalloc_shrink(alloc_kmalloc *k)
{
    size_t c, bytes = 0;
    for (c = 0; c < k->nclasses; c++) bytes += alloc_slab_shrink(&k->caches[c]);
    return bytes;
}

ALLOC_DEF void alloc_kmalloc_destroy(alloc_kmalloc *k)
{
    size_t c;
    for (c = 0; c < k->nclasses; c++) alloc_slab_destroy(&k->caches[c]);
}

ALLOC_DEF void alloc_kmalloc_stats(const alloc_kmalloc *k, alloc_stats *out)
{
    alloc_stats bs, cs;
    size_t c;
    alloc_buddy_stats(k->buddy, &bs);
    alloc__zero(out, sizeof *out);
    out->capacity = bs.capacity;
    out->free = bs.free;
    out->largest_free = bs.largest_free;
    out->peak_used = bs.peak_used;
    for (c = 0; c < k->nclasses; c++) {
        alloc_slab_stats(&k->caches[c], &cs);
        out->used += cs.used;
        out->free += cs.free;
        if (cs.free_blocks && cs.largest_free > out->largest_free) out->largest_free = cs.largest_free;
        out->live_blocks += cs.live_blocks;
        out->free_blocks += cs.free_blocks;
        out->alloc_count += cs.alloc_count;
        out->free_count += cs.free_count;
        out->error_count += cs.error_count;
    }
    out->used += k->large_bytes;
    out->live_blocks += k->large_live;
    out->free_blocks += bs.free_blocks;
    out->alloc_count += k->large_count;
    out->free_count += k->large_frees;
    out->fail_count = k->fail_count;
    out->error_count += k->error_count;
}

ALLOC_DEF alloc_result alloc_kmalloc_check(const alloc_kmalloc *k)
{
    size_t c;
    if (k == NULL || k->buddy == NULL) return ALLOC_ERR_INVALID;
    if (k->nclasses > ALLOC_KMALLOC_CLASSES) return ALLOC_ERR_CORRUPT;
    for (c = 0; c < ALLOC_KMALLOC_SLAB_TABLE; c++) {
        const void *e = k->slabs[c];
        if (e != NULL && ((((uintptr_t)e >> k->slab_shift) & (ALLOC_KMALLOC_SLAB_TABLE - 1)) != c ||
                          ALLOC__RAW(alloc_buddy_usable_size)(k->buddy, e) != k->slab_size ||
                          !alloc__kmalloc_is_cache(k, alloc_slab_cache_of((const unsigned char *)e + 1, k->slab_size))))
            return ALLOC_ERR_CORRUPT;
    }
    for (c = 0; c < k->nclasses; c++)
        if (alloc_slab_check(&k->caches[c]) != ALLOC_OK) return ALLOC_ERR_CORRUPT;
    for (c = 1; c <= ALLOC_KMALLOC_MAX / 16; c++) {
        unsigned x = k->class_of[c];
        if (x != ALLOC__KMALLOC_NONE && (x >= k->nclasses || alloc__kmalloc_sizes[x] < c * 16)) return ALLOC_ERR_CORRUPT;
    }
    return alloc_buddy_check(k->buddy) == ALLOC_OK ? ALLOC_OK : ALLOC_ERR_CORRUPT;
}

ALLOC__FN void *alloc__kmalloc_if_alloc(void *ctx, size_t size, size_t align)
{
    alloc_kmalloc *k = (alloc_kmalloc *)ctx;
    if (align != 0 && !alloc__is_pow2(align)) return NULL;
    if (align <= ALLOC_KMALLOC_ALIGN) return alloc_kmalloc_alloc(k, size);
    if (size == 0) return NULL;
    /* a buddy block of at least `align` bytes is aligned to it */
    return alloc__kmalloc_large(k, size > align ? size : align);
}
ALLOC__FN void *alloc__kmalloc_if_realloc(void *ctx, void *p, size_t size, size_t align)
{
    alloc_kmalloc *k = (alloc_kmalloc *)ctx;
    void *q;
    size_t old;
    if (align != 0 && !alloc__is_pow2(align)) return NULL;   /* p untouched */
    if (align <= ALLOC_KMALLOC_ALIGN) return alloc_kmalloc_realloc(k, p, size);
    if (p == NULL) return alloc__kmalloc_if_alloc(ctx, size, align);
    if (size == 0) {
        alloc_kmalloc_free(k, p);
        return NULL;
    }
    {
        alloc_slab *c = NULL;
        if (alloc__kmalloc_live(k, p, &c) == 0) return NULL;   /* reported */
    }
    old = alloc_kmalloc_usable_size(k, p);
    if (old >= size && ((uintptr_t)p & (align - 1)) == 0) return p;
    q = alloc__kmalloc_if_alloc(ctx, size, align);
    if (q == NULL) return NULL;
    alloc__copy(q, p, old < size ? old : size);
    alloc_kmalloc_free(k, p);
    return q;
}
ALLOC__FN void alloc__kmalloc_if_free(void *ctx, void *p)
{
    alloc_kmalloc_free((alloc_kmalloc *)ctx, p);
}

ALLOC_DEF alloc_allocator alloc_kmalloc_allocator(alloc_kmalloc *k)
{
    return alloc__make_allocator(alloc__kmalloc_if_alloc, alloc__kmalloc_if_realloc, alloc__kmalloc_if_free, k);
}

#ifdef ALLOC_DUMP
ALLOC_DEF void alloc_kmalloc_dump(const alloc_kmalloc *k, alloc_write_fn write, void *user)
{
    alloc__writer w;
    alloc_stats st;
    size_t c;
    w.write = write;
    w.user = user;
    alloc_kmalloc_stats(k, &st);
    alloc__printf(&w, "kmalloc %p over buddy %p: slabs of %zu bytes\n",
                  (const void *)k, (const void *)k->buddy, k->slab_size);
    alloc__printf(&w, "  class   per slab   full partial empty     live\n");
    for (c = 0; c < ALLOC_KMALLOC_CLASSES; c++) {
        alloc_slab_info in;
        if (c >= k->nclasses) {
            alloc__printf(&w, "  %5u   (to the buddy: no room in a slab)\n", (unsigned)alloc__kmalloc_sizes[c]);
            continue;
        }
        alloc_slab_get_info(&k->caches[c], &in);
        if (in.slabs_full + in.slabs_partial + in.slabs_empty == 0) continue;
        alloc__printf(&w, "  %5zu   %8zu   %4zu %7zu %5zu %8zu\n", in.object_size, in.objects_per_slab,
                      in.slabs_full, in.slabs_partial, in.slabs_empty, in.objects_live);
    }
    alloc__printf(&w, "  large   %zu blocks, %zu bytes, straight from the buddy\n", k->large_live, k->large_bytes);
    alloc__print_stats(&w, &st);
}
#endif /* ALLOC_DUMP */
/* --- ALLOC_DEBUG: the records live in the class caches and the buddy ------------------
   A small request is tracked by its cache with the size asked for (so the back guard
   starts right after it, inside the class's slack); a large one by the buddy. */
#ifdef ALLOC_DEBUG
ALLOC_DEF void *alloc_kmalloc_alloc_at(alloc_kmalloc *k, size_t size, const char *file, int line)
{
    void *p;
    if (size - 1 < ALLOC_KMALLOC_MAX) {
        unsigned c = k->class_of[(size + 15) >> 4];
        if (c != ALLOC__KMALLOC_NONE) {
            p = alloc__slab_dbg_alloc(&k->caches[c], size, file, line);
            if (p == NULL) k->fail_count++;
            return p;
        }
    }
    if (size == 0) return NULL;
    p = alloc_buddy_alloc_at(k->buddy, size, file, line);
    if (p == NULL) {
        k->fail_count++;
        return NULL;
    }
    *(void **)p = NULL;                    /* see alloc__kmalloc_large */
    k->large_live++;
    k->large_count++;
    k->large_bytes += alloc_buddy_usable_size(k->buddy, p);
    return p;
}
ALLOC_DEF void *alloc_kmalloc_alloc(alloc_kmalloc *k, size_t size) { return alloc_kmalloc_alloc_at(k, size, NULL, 0); }

ALLOC_DEF size_t alloc_kmalloc_usable_size(const alloc_kmalloc *k, const void *p)
{
    alloc_slab *c = NULL;
    int kind;
    if (p == NULL) return 0;
    kind = alloc__kmalloc_find(k, p, &c);
    if (kind == 1) {
        const alloc__dbg_rec *rec = alloc__slab_dbg_rec(c, p);
        return rec != NULL ? rec->size : 0;
    }
    return kind == 2 ? alloc_buddy_usable_size(k->buddy, p) : 0;
}

ALLOC_DEF void *alloc_kmalloc_realloc_at(alloc_kmalloc *k, void *p, size_t size, const char *file, int line)
{
    alloc_slab *c = NULL;
    alloc__dbg_rec *rec;
    size_t old;
    void *q;
    int kind;
    if (p == NULL) return alloc_kmalloc_alloc_at(k, size, file, line);
    if (size == 0) {
        alloc_kmalloc_free(k, p);
        return NULL;
    }
    kind = alloc__kmalloc_find(k, p, &c);
    if (kind == 0) {
        alloc__kmalloc_release(k, p, 0, NULL);   /* reports it, once */
        return NULL;
    }
    if (kind == 2 && size > ALLOC_KMALLOC_MAX) {
        size_t before = alloc_buddy_usable_size(k->buddy, p);
        q = alloc_buddy_realloc_at(k->buddy, p, size, file, line);
        if (q == NULL) {
            k->fail_count++;
            return NULL;
        }
        k->large_bytes += alloc_buddy_usable_size(k->buddy, q);
        k->large_bytes -= before;
        return q;
    }
    rec = kind == 1 ? alloc__slab_dbg_rec(c, p) : alloc__buddy_dbg_rec(k->buddy, p);
    if (rec == NULL) {
        alloc__kmalloc_release(k, p, kind, c);   /* not live: the cache or buddy reports it */
        return NULL;
    }
    if (!alloc__dbg_guards_ok(rec))
        alloc__kmalloc_error(k, ALLOC_ERR_GUARD, p, "kmalloc realloc: guard bytes were overwritten: write past the end of a block");
    old = rec->size;
    if (kind == 1 && size - 1 < ALLOC_KMALLOC_MAX && k->class_of[(size + 15) >> 4] == (unsigned)(c - k->caches)) {
        /* the same class: the record and the guard move to the new size */
        size_t slot = old + rec->back;
        if (size > old) ALLOC_MEMSET((unsigned char *)p + old, ALLOC__FRESH_BYTE, size - old);
        rec->size = size;
        rec->back = slot - size;
        ALLOC_MEMSET((unsigned char *)p + size, ALLOC__GUARD_BYTE, rec->back);
        if (file != NULL) {
            rec->file = file;
            rec->line = line > 0 ? (size_t)line : 0;
        }
        return p;
    }
    q = alloc_kmalloc_alloc_at(k, size, file != NULL ? file : rec->file, file != NULL ? line : (int)rec->line);
    if (q == NULL) return NULL;
    alloc__copy(q, p, old < size ? old : size);
    alloc__kmalloc_release(k, p, kind, c);
    return q;
}
ALLOC_DEF void *alloc_kmalloc_realloc(alloc_kmalloc *k, void *p, size_t size) { return alloc_kmalloc_realloc_at(k, p, size, NULL, 0); }

ALLOC_DEF size_t alloc_kmalloc_live_count(const alloc_kmalloc *k)
{
    size_t c, n = k->buddy->dbg_count;
    for (c = 0; c < k->nclasses; c++) n += k->caches[c].dbg_count;
    return n;
}
#ifdef ALLOC_DUMP
ALLOC_DEF size_t alloc_kmalloc_report_live(const alloc_kmalloc *k, alloc_write_fn write, void *user)
{
    size_t c, n = alloc_kmalloc_live_count(k);
    alloc__writer w;
    w.write = write;
    w.user = user;
    alloc__printf(&w, "kmalloc: %zu live block%s\n", n, n == 1 ? "" : "s");
    for (c = 0; c < k->nclasses; c++) alloc__dbg_report(k->caches[c].dbg_live, 0, NULL, write, user);
    alloc__dbg_report(k->buddy->dbg_live, 0, NULL, write, user);
    return n;
}
#endif
#else
ALLOC_DEF size_t alloc_kmalloc_live_count(const alloc_kmalloc *k)
{
    size_t c, n = k->large_live;
    for (c = 0; c < k->nclasses; c++) n += k->caches[c].live;
    return n;
}
#ifdef ALLOC_DUMP
ALLOC_DEF size_t alloc_kmalloc_report_live(const alloc_kmalloc *k, alloc_write_fn write, void *user)
{
    size_t n = alloc_kmalloc_live_count(k);
    alloc__dbg_report_count(n, "kmalloc", write, user);
    return n;
}
#endif
#endif /* ALLOC_DEBUG */

#undef ALLOC__KMALLOC_NONE
#endif /* ALLOC_NO_BUDDY */

#undef ALLOC__SLAB_CUR
#ifdef ALLOC_DEBUG
#undef ALLOC__SLAB_RECSZ
#endif
#undef ALLOC__SLAB_FULL
#undef ALLOC__SLAB_PARTIAL
#undef ALLOC__SLAB_EMPTY
#undef ALLOC__SLAB_WORD
#undef ALLOC__SLAB_GRAIN
#undef ALLOC__SLAB_MAX_UNITS
#undef ALLOC__SLAB_NONE
#endif /* ALLOC_NO_SLAB */
/* <<slab implementation end */

/* >>sizing ============================================================================ (implementation) */
/* The sizing helpers: the bounds derived in the declarations, computed with checked
   arithmetic (each step returns 0 on wrap). They read the families' public figures
   only (the overhead macros, alloc_slab_init), so a family's layout is not repeated. */

/* a rounded up to a multiple of m (m > 0); 0 on wrap. */
ALLOC__FN int alloc__sizing_round(size_t a, size_t m, size_t *out)
{
    size_t r = a % m;
    if (r == 0) { *out = a; return 1; }
    return alloc__add(a, m - r, out);
}

#ifndef ALLOC_NO_ARENA
ALLOC_DEF size_t alloc_arena_size_for(size_t peak_total, size_t max_align)
{
    size_t pads, total;
    if (max_align == 0) max_align = 1;
    if (peak_total == 0 || !alloc__is_pow2(max_align)) return 0;
    /* at most peak / max_align live allocations, each padded by at most max_align - 1 */
    if (!alloc__mul(peak_total / max_align, max_align - 1, &pads)) return 0;
    if (!alloc__add(peak_total, pads, &total) || !alloc__add(total, ALLOC_ARENA_BLOCK_OVERHEAD, &total)) return 0;
    return total;
}
#endif

#ifndef ALLOC_NO_HEAP
ALLOC_DEF size_t alloc_heap_size_for(size_t max_alloc, size_t peak_total, alloc_fit fit)
{
    const size_t g = ALLOC_HEAP_GRAIN, min = ALLOC_HEAP_MIN_BLOCK;
    size_t b, hole, n, extra, holes, total;
    if (max_alloc == 0 || max_alloc > (size_t)-1 / 4 || (unsigned)fit > (unsigned)ALLOC_FIT_WORST) return 0;
    if (peak_total < max_alloc) peak_total = max_alloc;
    if (peak_total < min) peak_total = min;
    /* 1. the live blocks: each request's header and grain rounding on top of its bytes */
    b = ALLOC_HEAP_BLOCK_SIZE(max_alloc);
    if (!alloc__mul(peak_total / min, ALLOC_HEAP_BLOCK_OVERHEAD + g - 1, &extra) ||
        !alloc__add(peak_total, extra, &n))
        return 0;
    if (n < b) n = b;
    /* 2. the largest free block that may remain when a request of b fails: below b for
       the searching policies and GOOD's exact lists; below the top of b's list else */
    hole = b - g;
    if (fit == ALLOC_FIT_GOOD && b >= ((size_t)ALLOC__HEAP_SMALL * g)) {
        int t = alloc__log2(b);
        size_t width = (size_t)1 << (t - ALLOC_HEAP_SUBCLASSES);
        hole = (b / width) * width + width - g;
    }
    /* 3. N / MIN holes of that size beside N live bytes, plus the region's own bytes */
    if (!alloc__mul(n / min, hole, &holes) || !alloc__add(n, holes, &total) ||
        !alloc__add(total, ALLOC_HEAP_REGION_OVERHEAD, &total))
        return 0;
    return total;
}
#endif

#ifndef ALLOC_NO_BUDDY
ALLOC_DEF size_t alloc_buddy_size_for(size_t max_alloc, size_t peak_total, size_t min_block)
{
    size_t m = min_block, big, n, r, span, units, meta, total;
    if (!alloc__is_pow2(m) || m < ALLOC_BUDDY_MIN_BLOCK || m < sizeof(alloc_buddy_node)) return 0;
    if (max_alloc == 0 || m > ((size_t)-1 >> (ALLOC_BUDDY_ORDERS - 1)) ||
        max_alloc > (m << (ALLOC_BUDDY_ORDERS - 1)))
        return 0;
    /* M: the block of the largest request, 2^r min blocks */
    big = m;
    while (big < max_alloc) big <<= 1;
    r = (size_t)(alloc__log2(big) - alloc__log2(m));
    /* 1. live blocks <= 2 * peak (each request counted as >= m / 2), a multiple of M */
    if (peak_total < max_alloc) peak_total = max_alloc;
    if (peak_total < m / 2) peak_total = m / 2;
    if (!alloc__mul(peak_total, 2, &n) || !alloc__sizing_round(n, big, &n)) return 0;
    /* 2. Knuth: (r + 1) * n bytes in whole M blocks; 3. reaching the first M-aligned
       block from a min_block-aligned base, and the base from any address */
    if (!alloc__mul(n, r + 1, &span) || !alloc__add(span, big - m, &span)) return 0;
    units = span / m;
    meta = units / 2 + (units & 1u);
    if (!alloc__add(span, meta, &total) || !alloc__add(total, m - 1, &total)) return 0;
    return total;
}
#endif

#ifndef ALLOC_NO_SLAB
/* A source that is never called: alloc_slab_init takes no memory until the first alloc. */
ALLOC__FN void *alloc__sizing_no_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    (void)size;
    (void)align;
    return NULL;
}

ALLOC_DEF size_t alloc_slab_size_for(const alloc_slab_desc *d, size_t peak_objects)
{
    alloc_slab s;
    alloc_slab_info info;
    alloc_allocator none;
    size_t slabs, total;
    none.alloc = alloc__sizing_no_alloc;
    none.realloc = NULL;
    none.free = NULL;
    none.ctx = NULL;
    if (d == NULL || alloc_slab_init(&s, d, none) != ALLOC_OK) return 0;
    alloc_slab_get_info(&s, &info);
    if (peak_objects == 0) peak_objects = 1;
    slabs = peak_objects / info.objects_per_slab + (peak_objects % info.objects_per_slab != 0 ? 1u : 0u);
    if (!alloc__mul(slabs, info.slab_size, &total) || !alloc__add(total, info.slab_size - 1, &total)) return 0;
    return total;
}
#endif
/* <<sizing implementation end */

#ifndef ALLOC_NO_ARENA
/* >>game ============================================================================== */
/* The double-ended stack: the arena's bump pointer twice, one moving up from the base and
   one moving down from the limit. Invariant: base <= top[LOW] <= top[HIGH] <= limit; the
   gap between the two tops is free (and poisoned under ASan). */

ALLOC_DEF alloc_result alloc_dstack_init(alloc_dstack *d, void *buf, size_t size)
{
    if (d == NULL || buf == NULL || size == 0) return ALLOC_ERR_INVALID;
    if ((uintptr_t)buf + size < (uintptr_t)buf) return ALLOC_ERR_OVERFLOW;
    alloc__zero(d, sizeof *d);
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
    alloc__zero(out, sizeof *out);
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
    alloc__set_allocator(&l->inner, &inner);
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
    return alloc__make_allocator(alloc__locked_alloc, alloc__locked_realloc, alloc__locked_free, l);
}
#undef ALLOC__LOCK
#undef ALLOC__UNLOCK

ALLOC_DEF alloc_result alloc_failing_init(alloc_failing *f, alloc_allocator inner, size_t fail_at, alloc_fail_mode mode)
{
    if (f == NULL || inner.alloc == NULL) return ALLOC_ERR_INVALID;
    alloc__zero(f, sizeof *f);
    alloc__set_allocator(&f->inner, &inner);
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
ALLOC__FN void alloc__failing_free(void *ctx, void *ptr)
{
    alloc_failing *f = (alloc_failing *)ctx;
    if (ptr == NULL) return;
    f->live--;
    if (f->inner.free) f->inner.free(f->inner.ctx, ptr);
}
ALLOC__FN void *alloc__failing_realloc(void *ctx, void *ptr, size_t size, size_t align)
{
    alloc_failing *f = (alloc_failing *)ctx;
    if (ptr == NULL) return alloc__failing_alloc(ctx, size, align);
    if (size == 0) {   /* realloc to 0 is a free, and frees always pass through */
        alloc__failing_free(ctx, ptr);
        return NULL;
    }
    if (f->inner.realloc == NULL || alloc__failing_now(f)) return NULL;
    return f->inner.realloc(f->inner.ctx, ptr, size, align);
}

ALLOC_DEF alloc_allocator alloc_failing_allocator(alloc_failing *f)
{
    return alloc__make_allocator(alloc__failing_alloc, alloc__failing_realloc, alloc__failing_free, f);
}

#ifdef __cplusplus
}
#endif

/* Private helper macros end here, so none leaks into the including file. */
#undef ALLOC__FRESH_BYTE
#undef ALLOC__RAWDEF
#undef ALLOC__RAW
#ifdef ALLOC_DEBUG
#undef ALLOC__GUARD_BYTE
#undef ALLOC__DBG_GUARD
#undef ALLOC__DBG_LIVE
#undef ALLOC__DBG_DEAD
#undef ALLOC__DBG_RECSZ
#endif
#undef ALLOC__FREED_BYTE
#undef ALLOC__POISON
#undef ALLOC__UNPOISON
#undef ALLOC__OPEN
#undef ALLOC__LIKELY
#undef ALLOC__UNLIKELY
#undef ALLOC__NOINLINE
#undef ALLOC__INLINE
#undef ALLOC__FN
#undef ALLOC__SIZE_BITS
#undef ALLOC__LOOP_COPY
#undef ALLOC__LOOP_ZERO
#undef ALLOC__LOOP_DIV
#undef ALLOC__LOOP_BITS
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
