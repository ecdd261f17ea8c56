/* stb_sprintf compiled once for the firmware, integers only (STB_SPRINTF_NOFLOAT). It is
   not our code, so it is built without -Werror. */
#define STB_SPRINTF_NOFLOAT
#define STB_SPRINTF_IMPLEMENTATION
#include "stb_sprintf.h"
