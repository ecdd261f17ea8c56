#!/bin/sh
# The portability matrix behind `make test-cross`:
#   hosted   every tests/test_*.c built with warnings as errors and RUN on i386 (gcc -m32),
#            armhf, powerpc (big-endian, 32-bit) and s390x (big-endian, 64-bit) under
#            qemu-user, and with tcc and clang on the host;
#   free     the implementation compiled -ffreestanding -nostdlib -Os -Werror for
#            Cortex-M0, Cortex-M4, rv32imac, rv64imac and AVR (16-bit size_t): every family,
#            each family alone (ALLOC_NO_*), none, ALLOC_DEBUG and ALLOC_DUMP; no libc
#            or libatomic symbol may be left undefined;
#   avr      a smoke test of each family (tests/cross/avr_smoke.c) run under simavr.
# Families are found in alloc.h (its `#ifndef ALLOC_NO_<FAMILY>` guards) and tests as
# tests/test_*.c, so new ones are picked up without a change here. Each build-and-run or
# build counts as one test; the last line is "N passed, N failed".
#
# Environment: TEST_SCALE (default 0.05, the tests' operation counts), CROSS_ONLY (a
# subset of "hosted free avr"), CROSS_TARGETS (a subset of the target names below),
# TEST_ONLY (e.g. arena: tests/test_arena.c only).
set -u
cd "$(dirname "$0")/../.."
OUT=build/cross
mkdir -p "$OUT"
STB_INC=${STB_INC:-/usr/include/stb}
WARN="-Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wcast-align -Werror"
INC="-I. -Itests -I$STB_INC"
export TEST_SCALE="${TEST_SCALE:-0.05}"
ONLY=${CROSS_ONLY:-"hosted free avr"}
TARGETS=${CROSS_TARGETS:-}
passed=0
failed=0
start=$(date +%s)

say() { printf '%s\n' "$*"; }
pick() { case " $1 " in *" $2 "*) return 0 ;; esac; return 1; }
want_target() { [ -z "$TARGETS" ] || pick "$TARGETS" "$1"; }
ok()   { passed=$((passed + 1)); say "ok    $1${2:+  ($2)}"; }
fail() { failed=$((failed + 1)); say "FAIL  $1"; [ -n "${2:-}" ] && [ -f "$2" ] && sed -n '1,30p' "$2"; }

# The families compiled into alloc.h today, and the flags that keep only one of them.
ALL_FAMS="ARENA HEAP BUDDY SLAB"
FAMS=""
for f in $ALL_FAMS; do
    if grep -Eq "^[[:space:]]*#[[:space:]]*if(ndef[[:space:]]+|[[:space:]]+!defined[[:space:]]*\(?)ALLOC_NO_$f" alloc.h; then
        FAMS="$FAMS $f"
    fi
done
only_flags() {   # only_flags FAMILY|NONE -> -DALLOC_NO_* for every other family
    fl=""
    for g in $ALL_FAMS; do [ "$g" = "$1" ] || fl="$fl -DALLOC_NO_$g"; done
    printf '%s' "$fl"
}
lower() { printf '%s' "$1" | tr 'A-Z' 'a-z'; }
say "families in alloc.h:$(for f in $FAMS; do printf ' %s' "$(lower $f)"; done)"
missing=""
for f in $ALL_FAMS; do pick "$FAMS" "$f" || missing="$missing $(lower $f)"; done
[ -n "$missing" ] && say "not yet in alloc.h (skipped):$missing"

tests=$(ls tests/test_*.c)
[ -n "${TEST_ONLY:-}" ] && tests=tests/test_$TEST_ONLY.c

# ---- hosted: build and run the test suite ----------------------------------------------
# name | compiler and flags | how to run a program (empty: natively)
HOSTED="i386|gcc -m32|
armhf|arm-linux-gnueabihf-gcc -static|qemu-arm -L /usr/arm-linux-gnueabihf
powerpc|powerpc-linux-gnu-gcc -static|qemu-ppc -L /usr/powerpc-linux-gnu
s390x|s390x-linux-gnu-gcc -static|qemu-s390x -L /usr/s390x-linux-gnu
tcc|tcc|
clang|clang|"

if pick "$ONLY" hosted; then
    say "== hosted: tests/test_*.c built and run (TEST_SCALE=$TEST_SCALE)"
    printf '%s\n' "$HOSTED" > "$OUT/hosted.txt"
    while IFS='|' read -r name cc run <&3; do
        want_target "$name" || continue
        d="$OUT/$name"; mkdir -p "$d"
        tool=${cc%% *}
        if [ "$name" = i386 ] && command -v "$tool" >/dev/null 2>&1; then
            # A 64-bit kernel built without IA32 emulation (some VMs) cannot run -m32
            # programs: there they are linked static and run under qemu-user's qemu-i386.
            printf 'int main(void) { return 0; }\n' > "$d/probe.c"
            if $cc "$d/probe.c" -o "$d/probe" >/dev/null 2>&1 && ! "$d/probe" >/dev/null 2>&1; then
                cc="$cc -static"; run="qemu-i386"
                say "   i386: this kernel does not run 32-bit programs; they run under qemu-i386"
            fi
        fi
        if ! command -v "$tool" >/dev/null 2>&1 || { [ -n "$run" ] && ! command -v "${run%% *}" >/dev/null 2>&1; }; then
            fail "$name: $tool or ${run:-its runner} missing (run: sh tests/cross/setup.sh)"
            continue
        fi
        # stb_sprintf is not ours: built without warnings.
        if ! $cc -std=c99 -O2 -w $INC -c tests/stb_sprintf_impl.c -o "$d/stb_sprintf.o" >"$d/stb_sprintf.build" 2>&1; then
            fail "$name: stb_sprintf does not build" "$d/stb_sprintf.build"
            continue
        fi
        for t in $tests; do
            tn=$(basename "$t" .c)
            exe="$d/$tn"
            if ! $cc -std=c99 -O2 $WARN $INC -c "$t" -o "$exe.o" >"$exe.build" 2>&1 ||
               ! $cc "$exe.o" "$d/stb_sprintf.o" -o "$exe" -lm >>"$exe.build" 2>&1; then
                fail "$name/$tn (build)" "$exe.build"
                continue
            fi
            # shellcheck disable=SC2086
            timeout 600 $run "$exe" >"$exe.out" 2>&1 </dev/null
            st=$?
            tally=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$exe.out" | tail -n 1)
            if [ "$st" -eq 0 ]; then ok "$name/$tn" "$tally"; else fail "$name/$tn (exit $st)" "$exe.out"; fi
        done
    done 3< "$OUT/hosted.txt"
fi

# ---- freestanding: compile for bare metal, no libc ---------------------------------------
FREE="cortex-m0|arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb|arm-none-eabi-nm
cortex-m4|arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb|arm-none-eabi-nm
rv32imac|riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32|riscv64-unknown-elf-nm
rv64imac|riscv64-unknown-elf-gcc -march=rv64imac -mabi=lp64|riscv64-unknown-elf-nm
avr|avr-gcc -mmcu=atmega2560|avr-nm"

if pick "$ONLY" free; then
    say "== freestanding: -ffreestanding -nostdlib -Os -Werror, no libc symbol undefined"
    printf '%s\n' "$FREE" > "$OUT/free.txt"
    configs="all"
    for f in $FAMS; do configs="$configs only-$(lower $f)"; done
    configs="$configs none debug dump"
    while IFS='|' read -r name cc nmt <&3; do
        want_target "$name" || continue
        d="$OUT/free-$name"; mkdir -p "$d"
        if ! command -v "${cc%% *}" >/dev/null 2>&1; then
            fail "$name: ${cc%% *} missing (run: sh tests/cross/setup.sh)"
            continue
        fi
        for c in $configs; do
            case $c in
                all)    fl="" ;;
                none)   fl=$(only_flags NONE) ;;
                only-*) fl=$(only_flags "$(printf '%s' "${c#only-}" | tr 'a-z' 'A-Z')") ;;
                debug)  fl="-DALLOC_DEBUG" ;;
                dump)   fl="-DALLOC_DUMP -I$STB_INC" ;;
            esac
            o="$d/$c.o"
            # shellcheck disable=SC2086
            if ! $cc -std=c99 -Os -ffreestanding -nostdlib $WARN -I. $fl -c tests/cross/freestanding.c -o "$o" >"$d/$c.build" 2>&1; then
                fail "$name/$c (build)" "$d/$c.build"
                continue
            fi
            undef=$($nmt -u "$o" | awk '{print $NF}')
            # Compiler-runtime helpers (__*) come with the compiler (libgcc), and stbsp_* is
            # the user's stb_sprintf, which ALLOC_DUMP uses by design. Anything else is libc;
            # so are __atomic_* and __sync_* (libatomic, which bare-metal toolchains lack).
            libc=$(printf '%s\n' $undef | grep -v -E '^(__|stbsp_|$)' | tr '\n' ' ')
            libc="$libc$(printf '%s\n' $undef | grep -E '^__(atomic|sync)_' | tr '\n' ' ')"
            helpers=$(printf '%s\n' $undef | grep -E '^__' | grep -v -E '^__(atomic|sync)_' | tr '\n' ' ')
            if [ -n "$libc" ]; then
                printf 'libc symbols left undefined: %s\n' "$libc" > "$d/$c.nm"
                fail "$name/$c (undefined: $libc)" "$d/$c.nm"
            else
                ok "$name/$c" "${helpers:+helpers: ${helpers% }}"
            fi
        done
    done 3< "$OUT/free.txt"
fi

# ---- avr: a smoke test of each family under simavr -------------------------------------
if pick "$ONLY" avr && want_target avr-smoke; then
    say "== avr: each family's smoke test run under simavr (atmega2560)"
    d="$OUT/avr-smoke"; mkdir -p "$d"
    runs=""
    for f in $FAMS; do runs="$runs $f"; done
    [ "$(printf '%s\n' $FAMS | wc -l)" -gt 1 ] && runs="$runs ALL"
    if ! command -v avr-gcc >/dev/null 2>&1 || ! command -v simavr >/dev/null 2>&1; then
        fail "avr-smoke: avr-gcc or simavr missing (run: sh tests/cross/setup.sh)"
        runs=""
    fi
    for f in $runs; do
        n=$(lower "$f")
        if [ "$f" = ALL ]; then
            fl=""   # every family in alloc.h; the smoke code of the missing ones left out
            for g in $ALL_FAMS; do pick "$FAMS" "$g" || fl="$fl -DALLOC_NO_$g"; done
        else
            fl=$(only_flags "$f")
        fi
        elf="$d/$n.elf"
        # shellcheck disable=SC2086
        if ! avr-gcc -mmcu=atmega2560 -std=c99 -Os $WARN -I. $fl tests/cross/avr_smoke.c -o "$elf" >"$d/$n.build" 2>&1; then
            fail "avr-smoke/$n (build)" "$d/$n.build"
            continue
        fi
        # simavr prints the UART on stderr, coloured, with each newline shown as ".";
        # sleeping with interrupts off ends the run.
        timeout 120 simavr -m atmega2560 -f 16000000 "$elf" </dev/null 2>&1 |
            sed 's/\x1b\[[0-9;]*m//g' > "$d/$n.out"
        line=$(grep -E '^avr: [0-9]+ passed, [0-9]+ failed' "$d/$n.out" | tail -n 1)
        p=$(printf '%s' "$line" | sed -n 's/^avr: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
        q=$(printf '%s' "$line" | sed -n 's/^avr: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
        if [ -n "$p" ] && [ "$q" -eq 0 ] && [ "$p" -gt 0 ]; then
            ok "avr-smoke/$n" "$p passed on the simulated atmega2560"
        else
            fail "avr-smoke/$n" "$d/$n.out"
        fi
    done
fi

say "test-cross took $(( $(date +%s) - start )) s"
say "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
