#!/bin/sh
# make bench: runs every benchmark program in build/bench/ (built by the Makefile), each
# printing its kernels (median ns/op with spread, callgrind instructions/op) and its
# targets next to the measured figures; then writes the results as files:
#   results.md   the machine, the compiler, every target with its figure and verdict, and
#                every table the programs printed
#   *.png        gnuplot plots: throughput per trace and allocator, utilization per fit
#                policy, external fragmentation over one trace under the five policies,
#                instructions per operation against the baselines
# into bench/ for a full run, and into build/bench/out/ when the run is cut short
# (BENCH_SCALE, BENCH_RUNS < 5 or BENCH_NO_CALLGRIND set), so that a smoke run never
# overwrites the committed figures. BENCH_OUT=DIR chooses the directory.
#
# gnuplot (Debian package gnuplot-nox) draws the plots: installed here when running as
# root, otherwise the command is printed and the plots are skipped; the figures do not
# need it.
set -u
cd "$(dirname "$0")/.."
start=$(date +%s)
B=build/bench
DATA=$B/data
mkdir -p "$DATA"
rm -f "$DATA"/*
TSV=$B/results.tsv
: > "$TSV"

full=1
case "${BENCH_SCALE:-1}" in 1|1.0) ;; *) full=0 ;; esac
[ "${BENCH_RUNS:-11}" -lt 5 ] 2>/dev/null && full=0
[ -n "${BENCH_NO_CALLGRIND:-}" ] && full=0
if [ -n "${BENCH_OUT:-}" ]; then OUT=$BENCH_OUT
elif [ "$full" = 1 ]; then OUT=bench
else OUT=$B/out
fi
mkdir -p "$OUT"

# The programs, in the order the families are introduced; any other bench_* after them.
progs=""
for p in arena heap buddy slab kmalloc micro worst; do
    [ -x "$B/bench_$p" ] && progs="$progs $B/bench_$p"
done
for b in "$B"/bench_*; do
    [ -x "$b" ] || continue
    case " $progs " in *" $b "*) ;; *) progs="$progs $b" ;; esac
done

status=0
timing=""
for b in $progs; do
    t0=$(date +%s)
    if ! BENCH_TSV="$TSV" BENCH_DATA="$DATA" "$b"; then
        echo "benchmark $b failed"
        status=1
    fi
    timing="$timing $(basename "$b")=$(( $(date +%s) - t0 ))s"
done
elapsed=$(( $(date +%s) - start ))
# Issue 7: the whole run in under ten minutes on a two-core machine (judged on full runs).
if [ "$full" = 1 ]; then
    v=met; [ "$elapsed" -gt 600 ] && v=MISSED
    printf 'T\t7\trun.sh\tmake bench wall time (%s cores)\t%s\t<=\t600\t s\t%s\n' "$(nproc 2>/dev/null || echo '?')" "$elapsed" "$v" >> "$TSV"
else
    printf 'T\t7\trun.sh\tmake bench wall time (%s cores)\t-\t<=\t600\t s\tnot measured\n' "$(nproc 2>/dev/null || echo '?')" >> "$TSV"
fi

# ---- the plots -------------------------------------------------------------------------
plots=1
if ! command -v gnuplot >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "bench: installing gnuplot-nox for the plots"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null 2>&1; }
    fi
    if ! command -v gnuplot >/dev/null 2>&1; then
        echo "bench: gnuplot missing, plots skipped (install it with:  sudo apt-get install gnuplot-nox)"
        plots=0
    fi
fi
if [ "$plots" = 1 ]; then
    sh bench/plots.sh "$DATA" "$TSV" "$OUT" || { echo "bench: the plots failed"; status=1; }
fi

# ---- results.md ------------------------------------------------------------------------
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
cores=$(nproc 2>/dev/null || echo "?")
ccv=$(${CC:-cc} --version 2>/dev/null | head -n 1)
vg=$(valgrind --version 2>/dev/null || echo "valgrind absent")
libc=$(ldd --version 2>/dev/null | head -n 1 | sed 's/^ldd //')
{
    echo "# alloc.h benchmark results (make bench)"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on ${cpu:-unknown CPU} ($cores cores, $(uname -sm)),"
    echo "compiled with $ccv at \`${CFLAGS:--O2}\`; instruction counts by $vg; the system malloc"
    echo "is $libc. Times are the median of ${BENCH_RUNS:-11} timed runs (after one warm-up) with the"
    echo "fastest and slowest run as the spread; on a shared machine time is a guide and the"
    echo "instruction counts are the stable figure. Scale ${BENCH_SCALE:-1}$( [ -n "${BENCH_NO_CALLGRIND:-}" ] && echo ', callgrind skipped')."
    echo "The whole run took ${elapsed} s:$timing."
    echo
    echo "## Targets"
    echo
    echo "Every target of the family issues, next to the figure measured in this run."
    echo
    awk -F'\t' '
        function issue(n) { return n == 2 ? "2 arena" : n == 3 ? "3 heap" : n == 4 ? "4 buddy" : n == 5 ? "5 slab, kmalloc" : n == 7 ? "7 bench" : n }
        BEGIN { print "| issue | target | measured | goal | verdict |"; print "|---|---|---:|---:|---|" }
        $1 == "T" {
            v = $9 == "met" ? "met" : $9 == "MISSED" ? "**MISSED**" : "not measured"
            m = $5 == "-" ? "-" : $5 $8
            print "| " issue($2) " | " $4 " | " m " | " $6 " " $7 $8 " | " v " |"
            n[$9]++
        }
        END { printf "\n%d met, %d missed, %d not measured.\n", n["met"], n["MISSED"], n["not measured"] }' "$TSV"
    echo
    if grep -q '^I' "$TSV"; then
        echo "## Other figures"
        echo
        echo "Figures that no issue sets a target for, shown for context."
        echo
        echo "| program | figure | measured |"
        echo "|---|---|---:|"
        awk -F'\t' '$1 == "I" { print "| " $2 " | " $3 " | " $4 $5 " |" }' "$TSV"
        echo
    fi
    echo "## Flash per family (make size, issue 7)"
    echo
    echo "In [size/results.md](size/results.md), written by \`make size\` (a separate run with the cross"
    echo "compiler), and in the README."
    echo
    if [ "$plots" = 1 ]; then
        echo "## Plots"
        echo
        for p in throughput utilization fragmentation micro instructions; do
            [ -f "$OUT/$p.png" ] && echo "![$p]($p.png)" && echo
        done
    fi
    echo "## Tables"
    awk -F'\t' '
        function row(   i, s) { s = "|"; for (i = 3; i <= NF; i++) s = s " " $i " |"; return s }
        $1 == "H" {
            if (seen[$2]++) next
            printf "\n### %s\n\n%s\n", $2, row()
            s = "|"; for (i = 3; i <= NF; i++) s = s ($i ~ /^(kernel|trace|allocator|family|call|sequence|min..max)$/ ? "---|" : "---:|"); print s
            next
        }
        $1 == "R" { print row() }' "$TSV"
    echo
    echo "Reproduce: \`make bench\` (about ten minutes on two cores; \`BENCH_NO_CALLGRIND=1\` skips the"
    echo "instruction counts, \`BENCH_RUNS\` sets the timed runs, \`BENCH_SCALE\` the operation counts)."
} > "$OUT/results.md"

echo
echo "== targets (all programs)"
awk -F'\t' '$1 == "T" { printf "  issue %s  %-56s %12s  (%s %s%s)  %s\n", $2, $4, $5 == "-" ? "-" : $5 $8, $6, $7, $8, $9 }' "$TSV"
echo "bench: results in $OUT/results.md; took ${elapsed} s ($timing )"
# A full run's figures go into the README too (its blocks between bench/readme.sh marks).
if [ "$OUT" = bench ]; then sh bench/readme.sh || status=1; fi
exit $status
