/* The implementation compiled in a C file, with the reports... */
#define ALLOC_IMPLEMENTATION
#include "alloc.h"
