#!/bin/sh
# The whole test run behind `make test`: every tests/test_*.c built as C99, C11, C++11 and
# C++17 with warnings as errors, with clang, with AddressSanitizer+UBSan, with -DNDEBUG, at
# -Os (where alloc.h copies and zeroes with loops of its own) and with ALLOC_DEBUG, each
# run; the C99 build once more under valgrind; then the link tests.
# Ends with the line "N passed, N failed" summed over everything.
set -u
cd "$(dirname "$0")/.."
OUT=build/test
mkdir -p "$OUT"
STB_INC=${STB_INC:-/usr/include/stb}
WARN="-Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wcast-align -Werror"
INC="-I. -Itests -I$STB_INC"
ONLY=${TEST_ONLY:-}            # e.g. TEST_ONLY=arena runs tests/test_arena.c only
VARIANTS=${TEST_VARIANTS:-"c99 c11 clang cxx11 cxx17 asan ndebug os debug valgrind"}
passed=0
failed=0
log="$OUT/log.txt"
: > "$log"

say() { printf '%s\n' "$*"; }
count() {   # count NAME EXIT-STATUS OUTPUT-FILE: add the program's own tally, or one failure
    name=$1; status=$2; file=$3
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$file" | tail -n 1)
    if [ -n "$line" ]; then
        p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
        passed=$((passed + p)); failed=$((failed + f))
        if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
    elif [ "$status" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
    if [ "$status" -ne 0 ]; then say "FAIL  $name"; sed -n '1,30p' "$file"; else say "ok    $name ${line:+($line)}"; fi
}

tests=$(ls tests/test_*.c)
if [ -n "$ONLY" ]; then tests=tests/test_$ONLY.c; fi

build_variant() {   # build_variant NAME -> sets CC_CMD and RUN_PREFIX
    case $1 in
        c99)    CC_CMD="gcc -std=c99 -O2 $WARN" ;;
        c11)    CC_CMD="gcc -std=c11 -O2 $WARN" ;;
        clang)  CC_CMD="clang -std=c11 -O2 $WARN" ;;
        cxx11)  CC_CMD="g++ -x c++ -std=c++11 -O2 $WARN" ;;
        cxx17)  CC_CMD="g++ -x c++ -std=c++17 -O2 $WARN" ;;
        asan)   CC_CMD="clang -std=c11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer $WARN" ;;
        ndebug) CC_CMD="gcc -std=c99 -O2 -DNDEBUG $WARN" ;;
        os)     CC_CMD="gcc -std=c99 -Os -DALLOC__LOOP_DIV -DALLOC__LOOP_BITS $WARN" ;;   # firmware's level, and the Cortex-M0's: alloc.h's own copy/zero loops, divide and bit scans
        debug)  CC_CMD="gcc -std=c99 -O0 -g -DALLOC_DEBUG $WARN" ;;
        valgrind) CC_CMD="gcc -std=c99 -O1 -g -DALLOC_VALGRIND $WARN" ;;
    esac
}

for v in $VARIANTS; do
    build_variant "$v"
    d="$OUT/$v"; mkdir -p "$d"
    # stb_sprintf is not ours: built without -Werror, and without UBSan (it stores through
    # misaligned pointers on purpose).
    sccmd=$(printf '%s' "$CC_CMD" | sed 's/ -x c++//; s/g++/gcc/; s/-std=c++1[17]/-std=c99/; s/-Werror//; s/address,undefined/address/')
    $sccmd -w $INC -c tests/stb_sprintf_impl.c -o "$d/stb_sprintf.o" 2>>"$log"
    for t in $tests; do
        name=$(basename "$t" .c)
        exe="$d/$name"
        if ! $CC_CMD $INC -c "$t" -o "$exe.o" >"$exe.build" 2>&1 ||
           ! $(printf '%s' "$CC_CMD" | sed 's/ -x c++//') "$exe.o" "$d/stb_sprintf.o" -o "$exe" -lm >>"$exe.build" 2>&1; then
            count "$v/$name (build)" 1 "$exe.build"
            continue
        fi
        case $v in
            valgrind)
                TEST_SCALE=${TEST_SCALE_VALGRIND:-0.02} valgrind -q --error-exitcode=99 --leak-check=full "$exe" >"$exe.out" 2>&1 ;;
            asan)
                TEST_SCALE=${TEST_SCALE_ASAN:-0.25} "$exe" >"$exe.out" 2>&1 ;;
            *)
                "$exe" >"$exe.out" 2>&1 ;;
        esac
        count "$v/$name" $? "$exe.out"
    done
done

# Link tests: the ways a vendored header gets built into a program.
if [ -z "$ONLY" ]; then
    L=tests/link; d="$OUT/link"; mkdir -p "$d"
    run_link() {   # run_link NAME COMMAND...
        name=$1; shift
        if sh -c "$*" >"$d/$name.out" 2>&1; then count "link/$name" 0 "$d/$name.out"; else count "link/$name" 1 "$d/$name.out"; fi
    }
    run_link c-impl-used-from-cpp "gcc -std=c99 $WARN $INC -c $L/impl.c -o $d/impl.o && g++ -std=c++11 $WARN $INC $L/use.cpp $d/impl.o -o $d/use && $d/use"
    run_link two-static-files "gcc -std=c99 $WARN $INC $L/static_a.c $L/static_b.c $L/static_main.c -o $d/static && $d/static"
    run_link two-static-files-cpp "g++ -x c++ -std=c++17 $WARN $INC $L/static_a.c $L/static_b.c $L/static_main.c -o $d/staticxx && $d/staticxx"
    run_link included-twice "gcc -std=c11 $WARN $INC $L/twice.c -o $d/twice && $d/twice"
    run_link declarations-first "g++ -x c++ -std=c++11 $WARN $INC $L/later.c -o $d/later && $d/later"
    run_link exports-only-alloc "nm -g --defined-only $d/impl.o | awk '{print \$3}' > $d/syms.txt && test -s $d/syms.txt && ! grep -v '^alloc_' $d/syms.txt"
    run_link each-family-alone "sh $L/families.sh '$WARN' '$INC' $d"
    run_link freestanding-no-libc "sh $L/freestanding.sh '$WARN' '$INC' $d"
    run_link poisoning-caught "sh tests/poison/run.sh $d"
    run_link lessons "sh tests/lessons.sh $d"
    run_link static-analysis "sh tests/static.sh $d/analysis"
    # The README shows the figures of the committed result files, not typed ones.
    run_link readme-figures "sh bench/readme.sh --check"
    # Every fuzz target replays its seed corpus (ASan+UBSan), so none can rot.
    for f in tests/fuzz/fuzz_*.c; do
        t=$(basename "$f" .c); fam=${t#fuzz_}
        run_link "$t-corpus" "clang -std=c11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -I. -Itests/fuzz $f tests/fuzz/driver.c -o $d/$t && $d/$t tests/fuzz/corpus/$fam/*"
    done
    # The firmware example on an emulated Cortex-M4: its own report must say it passed.
    run_link firmware-cortex-m4-qemu "make --no-print-directory firmware-run > $d/fw.txt 2>&1; cat $d/fw.txt; grep -q 'firmware: all checks passed' $d/fw.txt"
    # Threads: the shared arena path and the lock wrapper under ThreadSanitizer.
    run_link threads-tsan "clang -std=c11 -O1 -g -fsanitize=thread -pthread $WARN $INC tests/threads/arena_threads.c -o $d/threads && TSAN_OPTIONS=halt_on_error=1 $d/threads"
fi

say "log of the stb_sprintf builds: $log"
say "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
