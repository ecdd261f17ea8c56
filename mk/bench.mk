# make bench (in the Makefile) builds bench/*.c and runs bench/run.sh: every family against
# its baselines, the replayed traces, the worst case per call, every target next to its
# figure; bench/results.md and the plots bench/*.png (gnuplot-nox). These add:
#   make bench-smoke   the CI smoke run: tiny counts, one timed run, no callgrind; writes
#                      build/bench/out/ (never the committed bench/results.md)
#   make bench-plots   redraws the plots of the last run from build/bench/data
.PHONY: bench-smoke bench-plots

bench-smoke:
	@BENCH_SCALE=0.02 BENCH_RUNS=1 BENCH_NO_CALLGRIND=1 $(MAKE) --no-print-directory bench

bench-plots:
	@sh bench/plots.sh $(BUILD)/bench/data $(BUILD)/bench/results.tsv $${BENCH_OUT:-bench}

# The benchmark programs include bench/bench.h (and the trace readers bench/trace.h):
# rebuild them when either changes.
$(BENCHES): bench/bench.h bench/trace.h
