#!/bin/sh
# make bench: runs every benchmark program in build/bench/ (built by the Makefile), each
# printing its kernels (median ns/op with spread, callgrind instructions/op) and its
# targets next to the measured figures.
set -u
cd "$(dirname "$0")/.."
for b in build/bench/bench_*; do
    [ -x "$b" ] || continue
    "$b" || echo "benchmark $b failed"
done
