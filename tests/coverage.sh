#!/bin/sh
# make coverage: line and branch coverage of alloc.h over every tests/test_*.c and the
# fuzz corpora (gcc --coverage, merged by lcov). With COVERAGE_GATE=1 it fails below
# COVERAGE_MIN_LINES (default 95) % of lines or COVERAGE_MIN_BRANCHES (default 85) % of
# branches. usage: tests/coverage.sh
set -eu
cd "$(dirname "$0")/.."
d=build/coverage
rm -rf "$d"; mkdir -p "$d"
STB_INC=${STB_INC:-/usr/include/stb}
gcc -w -I"$STB_INC" -c tests/stb_sprintf_impl.c -o "$d/stb.o"
for t in tests/test_*.c; do
    n=$(basename "$t" .c)
    gcc -std=c99 -O0 --coverage -I. -Itests -I"$STB_INC" "$t" "$d/stb.o" -o "$d/$n"
    (cd "$d" && TEST_SCALE=${TEST_SCALE:-0.1} "./$n" > "$n.out" 2>&1) || { echo "$n failed"; exit 1; }
done
for f in tests/fuzz/fuzz_*.c; do
    n=$(basename "$f" .c); fam=${n#fuzz_}
    gcc -std=c99 -O0 --coverage -I. -Itests/fuzz "$f" tests/fuzz/driver.c -o "$d/$n"
    "$d/$n" tests/fuzz/corpus/$fam/* > "$d/$n.out" 2>&1
done
lcov -q --rc lcov_branch_coverage=1 --capture --directory "$d" --output-file "$d/all.info" 2>/dev/null
lcov -q --rc lcov_branch_coverage=1 --extract "$d/all.info" "*/alloc.h" --output-file "$d/alloc.info" 2>/dev/null
lcov --rc lcov_branch_coverage=1 --summary "$d/alloc.info" 2>&1 | tee "$d/summary.txt" | grep -E "lines|branches"
lines=$(sed -n 's/.*lines\.*: *\([0-9.]*\)%.*/\1/p' "$d/summary.txt")
branches=$(sed -n 's/.*branches\.*: *\([0-9.]*\)%.*/\1/p' "$d/summary.txt")
min_l=${COVERAGE_MIN_LINES:-95}
min_b=${COVERAGE_MIN_BRANCHES:-85}
echo "alloc.h coverage: lines $lines%, branches $branches% (gate: $min_l% lines, $min_b% branches)"
if command -v genhtml >/dev/null 2>&1; then
    genhtml -q --branch-coverage "$d/alloc.info" -o "$d/html" >/dev/null 2>&1 && echo "report: $d/html/index.html"
fi
if [ "${COVERAGE_GATE:-0}" = 1 ]; then
    awk -v l="$lines" -v b="$branches" -v ml="$min_l" -v mb="$min_b" 'BEGIN { exit !(l >= ml && b >= mb) }' || { echo "coverage below the gate"; exit 1; }
fi
