/* stb_sprintf, compiled once for the programs that print reports (alloc.h only uses it). */
#define STB_SPRINTF_IMPLEMENTATION
#include "stb_sprintf.h"
