# Proves the poisoning: every tests/poison/*.c does one bad access inside memory that an
# allocator manages; built with ASan it must be stopped with a report, and built with
# ALLOC_VALGRIND it must make valgrind report an invalid access. usage: run.sh OUTDIR
d=$1
set -e
for f in tests/poison/*.c; do
    t=$(basename "$f" .c)
    clang -std=c11 -O0 -g -fsanitize=address -I. "$f" -o "$d/$t-asan"
    if "$d/$t-asan" > "$d/$t-asan.out" 2>&1; then echo "$t: ASan did not stop it"; exit 1; fi
    grep -q "AddressSanitizer: use-after-poison" "$d/$t-asan.out" || { echo "$t: no ASan report"; cat "$d/$t-asan.out"; exit 1; }
    gcc -std=c99 -O0 -g -DALLOC_VALGRIND -I. "$f" -o "$d/$t-vg"
    if valgrind -q --error-exitcode=99 "$d/$t-vg" > "$d/$t-vg.out" 2>&1; then echo "$t: valgrind saw nothing"; exit 1; fi
    grep -q "Invalid read" "$d/$t-vg.out" || { echo "$t: no valgrind report"; cat "$d/$t-vg.out"; exit 1; }
    echo "$t: stopped by ASan and by valgrind"
done
