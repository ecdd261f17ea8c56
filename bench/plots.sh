#!/bin/sh
# bench/plots.sh DATA TSV OUT: the PNG plots of make bench, drawn by gnuplot from the plot
# data the programs wrote to DATA and the table rows in TSV (see bench/run.sh).
#   throughput.png     Mops/s per trace, one bar per allocator (bench_heap)
#   utilization.png    peak live payload / smallest region, per trace and fit policy
#   fragmentation.png  1 - largest_free/free after each operation of one trace, one line
#                      per policy (FRAG_TRACE, default random)
#   micro.png          ns per object (alloc + release) on the microbenchmarks, per allocator
#   instructions.png   instructions per operation: each family, its hand-written
#                      baseline and the system malloc (callgrind; skipped without it)
set -u
DATA=$1; TSV=$2; OUT=$3
FRAG_TRACE=${FRAG_TRACE:-random}
term='set terminal pngcairo size 960,540 font "DejaVu Sans,11" noenhanced'
common='set key outside right top; set grid ytics lc rgb "#dddddd"; set border 3; set xtics nomirror; set ytics nomirror'
hist='set style data histogram; set style histogram cluster gap 1; set style fill solid 0.85 border -1; set boxwidth 0.9'
rc=0

# Copies a whitespace table without its all-NaN columns (an allocator not measured).
dropnan() {
    awk 'NR == FNR { if (FNR > 1) for (i = 2; i <= NF; i++) if ($i != "NaN") keep[i] = 1; next }
         { s = $1; for (i = 2; i <= NF; i++) if (keep[i]) s = s " " $i; print s }' "$1" "$1" > "$2"
}

if [ -s "$DATA/throughput.dat" ]; then
    n=$(head -n 1 "$DATA/throughput.dat" | wc -w)
    gnuplot -e "$term; set output '$OUT/throughput.png'; $common; $hist;
        set title 'Throughput on the replayed traces (median of the timed runs; higher is better)';
        set ylabel 'million operations per second'; set yrange [0:*];
        plot for [i=2:$n] '$DATA/throughput.dat' using i:xtic(1) title columnheader(i)" || rc=1
fi
if [ -s "$DATA/utilization.dat" ]; then
    n=$(head -n 1 "$DATA/utilization.dat" | wc -w)
    gnuplot -e "$term; set output '$OUT/utilization.png'; $common; $hist;
        set title 'Utilization: peak live payload / smallest region that runs the trace (higher is better)';
        set ylabel 'utilization'; set yrange [0:1.05]; set ytics 0.1;
        plot for [i=2:$n] '$DATA/utilization.dat' using i:xtic(1) title columnheader(i)" || rc=1
fi
f="$DATA/frag_$FRAG_TRACE.dat"
if [ -s "$f" ]; then
    region=$(sed -n '1s/.*region \([0-9]*\) bytes.*/\1/p' "$f")
    gnuplot -e "$term; set output '$OUT/fragmentation.png'; $common;
        set title 'External fragmentation over the trace \"$FRAG_TRACE\" ($region-byte heap), one line per fit policy';
        set xlabel 'operation'; set ylabel '1 - largest free block / free bytes'; set yrange [0:1];
        set key inside left top;
        plot '$f' using 1:2 with lines lw 2 title 'good', '' using 1:3 with lines lw 2 title 'first',
             '' using 1:4 with lines lw 2 title 'next', '' using 1:5 with lines lw 2 title 'best',
             '' using 1:6 with lines lw 2 title 'worst'" || rc=1
fi

if [ -s "$DATA/micro.dat" ]; then
    dropnan "$DATA/micro.dat" "$DATA/micro.plot"
    n=$(head -n 1 "$DATA/micro.plot" | wc -w)
    gnuplot -e "$term; set output '$OUT/micro.png'; $common; $hist;
        set title 'Microbenchmarks: time per object, its alloc + its release (median; lower is better)';
        set ylabel 'ns per object'; set yrange [0:*]; set datafile missing 'NaN';
        plot for [i=2:$n] '$DATA/micro.plot' using i:xtic(1) title columnheader(i)" || rc=1
fi

# instructions.png: from the kernel rows (instr/op column) and the trace averages.
awk -F'\t' '
    $1 == "R" && $2 ~ /^arena:/ { a[$3] = $6 }
    $1 == "R" && $2 ~ /^slab:/ { s[$3] = $6 }
    $1 == "R" && $2 ~ /^buddy/ { b[$3] = $6 }
    $1 == "R" && $2 ~ /^traces: averages/ { t[$3] = $4 }
    function v(x) { return x == "" || x == "n/a" ? "NaN" : x }
    END {
        print "family alloc.h hand-written-baseline system-malloc"
        if (a["kernel_arena"] != "") print "arena", v(a["kernel_arena"]), v(a["kernel_bump_inline"]), v(a["kernel_malloc"])
        if (s["kernel_slab"] != "") print "slab", v(s["kernel_slab"]), v(s["kernel_pool"]), v(s["kernel_malloc"])
        if (b["kernel_buddy_pairs"] != "") print "buddy", v(b["kernel_buddy_pairs"]), "NaN", v(b["kernel_malloc_pairs"])
        if (t["good"] != "") print "heap-good", v(t["good"]), "NaN", v(t["malloc"])
        if (t["kmalloc"] != "") print "kmalloc", v(t["kmalloc"]), "NaN", v(t["malloc"])
    }' "$TSV" > "$DATA/instructions.dat"
if awk 'NR > 1 && $2 != "NaN" { found = 1 } END { exit !found }' "$DATA/instructions.dat"; then
    dropnan "$DATA/instructions.dat" "$DATA/instructions.plot"
    n=$(head -n 1 "$DATA/instructions.plot" | wc -w)
    gnuplot -e "$term; set output '$OUT/instructions.png'; $common; $hist;
        set title \"Instructions per operation, callgrind (lower is better)\\nper allocation (arena), per alloc+free (slab, buddy), per call on the traces (heap, kmalloc)\";
        set ylabel 'instructions per operation'; set yrange [0:*];
        set datafile missing 'NaN';
        plot for [i=2:$n] '$DATA/instructions.plot' using i:xtic(1) title columnheader(i)" || rc=1
fi
exit $rc
