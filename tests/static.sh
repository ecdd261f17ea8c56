#!/bin/sh
# Static analysis of alloc.h with every family compiled in: gcc -fanalyzer, clang-tidy
# (bugprone, cert, clang-analyzer) and cppcheck, each must report nothing.
# usage: tests/static.sh OUTDIR
set -u
d=${1:-build/static}
mkdir -p "$d"
STB_INC=${STB_INC:-/usr/include/stb}
src="$d/static.c"
printf '#define ALLOC_IMPLEMENTATION\n#define ALLOC_DUMP\n#include "alloc.h"\n' > "$src"
fail=0
# gcc 12's analyzer takes `p - sizeof(size_t)` for a possible NULL even where p was
# range-checked against the heap: its null-dereference check is left to clang-analyzer.
if ! gcc -std=c99 -fanalyzer -Wno-analyzer-null-dereference -Wall -Wextra -Werror -I. -I"$STB_INC" -c "$src" -o "$d/static.o" > "$d/fanalyzer.txt" 2>&1; then
    echo "gcc -fanalyzer:"; head -n 40 "$d/fanalyzer.txt"; fail=1
fi
if command -v clang-tidy >/dev/null 2>&1; then
    clang-tidy -quiet --warnings-as-errors='*' \
        --checks='-*,bugprone-*,cert-*,clang-analyzer-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-cert-dcl37-c,-cert-dcl51-cpp,-bugprone-macro-parentheses,-cert-err33-c' \
        "$src" -- -std=c99 -I. -I"$STB_INC" > "$d/tidy.txt" 2>&1 || { echo "clang-tidy:"; grep -E "warning|error" "$d/tidy.txt" | head -n 40; fail=1; }
else
    echo "clang-tidy missing (Debian package clang-tidy)"; fail=1
fi
if command -v cppcheck >/dev/null 2>&1; then
    cppcheck -q --error-exitcode=1 --enable=warning,portability --inline-suppr --std=c99 \
        -I. -DALLOC_IMPLEMENTATION -DALLOC_DUMP "$src" > "$d/cppcheck.txt" 2>&1 || { echo "cppcheck:"; head -n 40 "$d/cppcheck.txt"; fail=1; }
else
    echo "cppcheck missing (Debian package cppcheck)"; fail=1
fi
[ $fail = 0 ] && echo "static analysis: clean (gcc -fanalyzer, clang-tidy, cppcheck)"
exit $fail
