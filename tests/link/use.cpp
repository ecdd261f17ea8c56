// ...and used from C++ through the declarations alone (extern "C" must match).
#include "alloc.h"
#include <cstdio>

int main()
{
    static unsigned char mem[4096];
    alloc_arena a;
    if (alloc_arena_init(&a, mem, sizeof mem) != ALLOC_OK) return 1;
    void *p = alloc_arena_alloc(&a, 100, 16);
    if (p == nullptr || (reinterpret_cast<uintptr_t>(p) & 15u) != 0) return 2;
    if (alloc_arena_check(&a) != ALLOC_OK) return 3;
    std::printf("%s\n", alloc_result_string(ALLOC_ERR_ALIGN));
    return 0;
}
