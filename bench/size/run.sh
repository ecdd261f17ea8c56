#!/bin/sh
# The flash table behind `make size`: each family linked alone for Cortex-M0 and Cortex-M4
# (arm-none-eabi-gcc -Os -mthumb, -ffunction-sections -fdata-sections, --gc-sections,
# asserts off), against a minimal main that calls init, alloc, free (and realloc where the
# row says so), minus an empty main; then all four together with every heap policy.
# Flash = text + data of the linked image, the C library's and libgcc's helpers included;
# the helpers columns name what the link map shows was pulled in, with its bytes, on the
# Cortex-M0 and on the Cortex-M4.
#
# A family not in alloc.h yet (no `#ifndef ALLOC_NO_<FAMILY>` guard) is shown as "not yet
# built". A family that is there but does not build or link fails the run. SIZE_STRICT=1
# also fails it when a row is over its target. Writes bench/size/results.md.
set -u
cd "$(dirname "$0")/../.."
S=bench/size
OUT=build/size
mkdir -p "$OUT"
CC=${SIZE_CC:-arm-none-eabi-gcc}
SIZE=${CC%gcc}size
NM=${CC%gcc}nm
CFLAGS="-std=c99 -Os -mthumb -ffunction-sections -fdata-sections -Wall -Wextra -I."
LDFLAGS="-nostdlib -nostartfiles -Wl,--gc-sections -T $S/link.ld"
LIBS="-Wl,--start-group -lc_nano -lgcc -Wl,--end-group"
status=0

if ! command -v "$CC" >/dev/null 2>&1; then
    echo "size: $CC missing (run: sh tests/cross/setup.sh size)" >&2
    exit 1
fi

ALL_FAMS="ARENA HEAP BUDDY SLAB"
FAMS=""
for f in $ALL_FAMS; do
    if grep -Eq "^[[:space:]]*#[[:space:]]*if(ndef[[:space:]]+|[[:space:]]+!defined[[:space:]]*\(?)ALLOC_NO_$f" alloc.h; then
        FAMS="$FAMS $f"
    fi
done
has() { case " $FAMS " in *" $1 "*) return 0 ;; esac; return 1; }
lower() { printf '%s' "$1" | tr 'A-Z' 'a-z'; }

# link CPU NAME MAIN FAMILIES [FLAGS] -> build/size/CPU/NAME.elf and .map; 1 when it fails
link() {
    cpu=$1; name=$2; main=$3; fams=$4
    d="$OUT/$cpu/$name"; mkdir -p "$d"
    fl=${5:-}
    for g in $ALL_FAMS; do case " $fams " in *" $g "*) ;; *) fl="$fl -DALLOC_NO_$g" ;; esac; done
    {
        $CC -mcpu="$cpu" $CFLAGS $fl -c $S/startup.c -o "$d/startup.o" &&
        $CC -mcpu="$cpu" $CFLAGS $fl -c $S/impl.c -o "$d/impl.o" &&
        $CC -mcpu="$cpu" $CFLAGS $fl -c "$S/$main" -o "$d/main.o" &&
        $CC -mcpu="$cpu" -mthumb $LDFLAGS -Wl,-Map="$d/map" "$d/startup.o" "$d/impl.o" "$d/main.o" $LIBS -o "$d/elf"
    } >"$d/build.log" 2>&1
}
flash() { $SIZE "$1" | awk 'NR == 2 { print $1 + $2 }'; }

# The helpers a link pulled in: the symbols that the map's "Archive member included" list
# names and that survived --gc-sections into the image; and their bytes: the input
# sections in flash (.text, .rodata, .data) that came from an archive.
helpers() {   # helpers MAP ELF
    awk '/^Archive member included/ { on = 1; next }
         on && /^(Discarded|Allocating|Memory map|Linker script)/ { on = 0 }
         on && /\(.*\)$/ && /^[[:space:]]/ { s = $0; sub(/.*\(/, "", s); sub(/\)$/, "", s); print s }' "$1" |
        sort -u > "$1.pulled"
    $NM --defined-only "$2" | awk '{ print $3 }' | sort -u > "$1.defined"
    comm -12 "$1.pulled" "$1.defined" | tr '\n' ' ' | sed 's/ $//'
}
helper_bytes() {
    awk 'function hex(x,   i, n, c) { n = 0; x = tolower(substr(x, 3))
             for (i = 1; i <= length(x); i++) { c = index("0123456789abcdef", substr(x, i, 1)); n = n * 16 + c - 1 }
             return n }
         /^Linker script and memory map/ { on = 1; next }
         !on { next }
         /^ \.(text|rodata|data)[^ ]*$/ { pend = 1; next }
         pend && /^[[:space:]]+0x[0-9a-f]+[[:space:]]+0x[0-9a-f]+[[:space:]]/ {
             if ($3 ~ /\.a\(/) sum += hex($2); pend = 0; next }
         /^ \.(text|rodata|data)[^ ]*[[:space:]]+0x[0-9a-f]+[[:space:]]+0x[0-9a-f]+[[:space:]]/ {
             if ($4 ~ /\.a\(/) sum += hex($3) }
         { pend = 0 }
         END { print sum + 0 }' "$1"
}

# The baseline: an empty main with the same startup code.
for cpu in cortex-m0 cortex-m4; do
    if ! link "$cpu" empty main_empty.c ""; then
        echo "size: the empty main does not link for $cpu:" >&2
        cat "$OUT/$cpu/empty/build.log" >&2
        exit 1
    fi
done
base_m0=$(flash "$OUT/cortex-m0/empty/elf")
base_m4=$(flash "$OUT/cortex-m4/empty/elf")

# name | main | families it needs | target on Cortex-M4 (bytes, or - for none) | what it calls
# | configuration macros of the row (for alloc.h in both files)
ROWS="arena|main_arena.c|ARENA|200|init, alloc, free|
arena + realloc|main_arena_realloc.c|ARENA|-|init, alloc, realloc, free|
heap (good fit)|main_heap.c|HEAP|1400|init, alloc, realloc, free; ALLOC_FIT_GOOD, the four lecture fits built too|
heap (good fit alone)|main_heap.c|HEAP|1400|the same with ALLOC_HEAP_LECTURE_FITS 0|-DALLOC_HEAP_LECTURE_FITS=0
heap (good fit alone) + aligned|main_heap_aligned.c|HEAP|-|the same, and alloc_aligned|-DALLOC_HEAP_LECTURE_FITS=0
heap (good fit alone), no placement|main_heap.c|HEAP|-|init, alloc, realloc, free with ALLOC_HEAP_LECTURE_FITS 0 and ALLOC_HEAP_LARGE 0|-DALLOC_HEAP_LECTURE_FITS=0 -DALLOC_HEAP_LARGE=0
buddy|main_buddy.c|BUDDY|1200|init, alloc, realloc, free|
slab|main_slab.c|SLAB|600|init_buffer, alloc, free|
all four|main_all.c|ARENA HEAP BUDDY SLAB|6144|every call above, all five heap policies, a slab over the buddy|"

table="$OUT/table.md"
{
    echo "| row | Cortex-M0 bytes | M0 less helpers | Cortex-M4 bytes | M4 less helpers | target (M4) | | helpers pulled in on M0 (bytes) | on M4 (bytes) | calls |"
    echo "|---|---:|---:|---:|---:|---:|---|---|---|---|"
} > "$table"
printf '%s\n' "$ROWS" > "$OUT/rows.txt"
while IFS='|' read -r name main need target calls flags <&3; do
    tag=$(printf '%s' "$name" | tr -c 'a-z0-9\n' '_')
    present=""; absent=""
    for f in $need; do if has "$f"; then present="$present $f"; else absent="$absent $(lower "$f")"; fi; done
    tshow=$target; [ "$target" != "-" ] && tshow="≤ $target"
    if [ -z "$present" ]; then
        echo "| $name | not yet built | | not yet built | | $tshow | | | | $calls |" >> "$table"
        continue
    fi
    label=$name
    [ -n "$absent" ] && label="$name (without$absent: not yet built)"
    m0=""; m4=""; helps=""; hb=""; helps0=""; hb0=0
    bad=0
    for cpu in cortex-m0 cortex-m4; do
        if ! link "$cpu" "$tag" "$main" "$present" "$flags"; then
            echo "size: $name does not build for $cpu:" >&2
            sed -n '1,30p' "$OUT/$cpu/$tag/build.log" >&2
            bad=1
            continue
        fi
        n=$(flash "$OUT/$cpu/$tag/elf")
        if [ "$cpu" = cortex-m0 ]; then
            m0=$((n - base_m0))
            helps0=$(helpers "$OUT/$cpu/$tag/map" "$OUT/$cpu/$tag/elf")
            hb0=$(helper_bytes "$OUT/$cpu/$tag/map")
        else
            m4=$((n - base_m4))
            helps=$(helpers "$OUT/$cpu/$tag/map" "$OUT/$cpu/$tag/elf")
            hb=$(helper_bytes "$OUT/$cpu/$tag/map")
        fi
    done
    if [ "$bad" -ne 0 ]; then
        status=1
        echo "| $label | build failed | | build failed | | $tshow | ✗ | | | $calls |" >> "$table"
        continue
    fi
    verdict=""
    if [ "$target" != "-" ] && [ -z "$absent" ]; then
        if [ "$m4" -le "$target" ]; then verdict="✓"; else verdict="✗ over"; [ "${SIZE_STRICT:-0}" = 1 ] && status=1; fi
    fi
    echo "| $label | $m0 | $((m0 - hb0)) | $m4 | $((m4 - hb)) | $tshow | $verdict | ${helps0:-none}${helps0:+ ($hb0)} | ${helps:-none}${helps:+ ($hb)} | $calls |" >> "$table"
done 3< "$OUT/rows.txt"

cc_version=$($CC --version | head -n 1)
newlib=$(dpkg-query -W -f='${Version}' libnewlib-arm-none-eabi 2>/dev/null || echo "?")
{
    echo "# Flash per family (make size)"
    echo
    echo "Measured $(date -u +%Y-%m-%d) with $cc_version, newlib-nano $newlib."
    echo "Flags: \`-Os -mthumb -mcpu=cortex-m0|cortex-m4 -ffunction-sections -fdata-sections\`,"
    echo "linked \`--gc-sections\` with libc_nano and libgcc; \`ALLOC_ASSERT(x)\` off; the families"
    echo "not in a row compiled out with \`ALLOC_NO_*\`. Bytes are text + data of the image minus"
    echo "those of an empty \`main\` ($base_m0 bytes on M0, $base_m4 on M4: a two-entry vector table"
    echo "and a reset handler), so they include the row's own calls and the helpers it pulls in;"
    echo "\"less helpers\" leaves out the C library's and libgcc's code (memcpy and memset"
    echo "are often in the firmware already, and ALLOC_MEMCPY/ALLOC_MEMSET replace them; the"
    echo "Cortex-M0 has no divide or count-leading-zeros instruction, and alloc.h divides and"
    echo "scans bits with loops of its own there, so no row links libgcc's). The"
    echo "verdict compares the full M4 figure with the target; a row with a family not yet in"
    echo "alloc.h gets none."
    echo
    cat "$table"
    echo
    echo "Targets are on Cortex-M4 (issue 7). The field, same measure: o1heap 640 bytes, TLSF"
    echo "1,132 (1,660 with realloc), buddy_alloc 2,584 (3,068 with realloc)."
} > "$S/results.md"
cat "$S/results.md"
sh bench/readme.sh || status=1   # the README's flash table is this one
exit $status
