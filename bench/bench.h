/* bench.h - what every benchmark program shares.
 *
 * A benchmark is a table of kernels: functions that run `n` operations of one allocator
 * (or of a baseline: system malloc, a hand-written bump pointer or pool) from start to
 * end. For each kernel the program reports
 *   - the median time per operation over several runs, with the spread (min..max):
 *     machines here are shared and noisy, so time is a guide, not a verdict;
 *   - instructions per operation counted by valgrind --tool=callgrind, which is the same
 *     on every run of the same binary: the program runs itself under callgrind with
 *     "--kernel NAME" and collects inside that one function only (--toggle-collect),
 *     over at most a million operations.
 * Targets are printed next to what was measured, with "ok" or "MISSED".
 *
 * Environment: BENCH_RUNS (timed runs per kernel, default 11), BENCH_NO_CALLGRIND=1 (skip
 * the instruction counts), BENCH_SCALE (multiplies every kernel's n), BENCH_TSV (a file:
 * every table row and target line is appended to it, tab-separated, for bench/run.sh to
 * turn into bench/results.md and the plots), BENCH_DATA (a directory for plot data).
 *
 * The machine-readable lines (one per line of the printed output that matters):
 *   H <table> <column> <column> ...      a table's header (written once per table)
 *   R <table> <cell> <cell> ...          one row of it
 *   T <issue> <program> <what> <measured> <op> <target> <unit> <verdict>
 *   I <program> <what> <measured> <unit>  a figure with no target in the issues
 * where verdict is "met", "MISSED" or "not measured".
 */
#ifndef BENCH_H
#define BENCH_H

#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__GNUC__) || defined(__clang__)
#define BENCH_KERNEL(name) static __attribute__((noinline, noclone, used)) void name(size_t n)
#define BENCH_USED __attribute__((unused))
#else
#define BENCH_KERNEL(name) static void name(size_t n)
#define BENCH_USED
#endif

typedef struct bench_kernel {
    const char *name;        /* the C function's name too: callgrind collects inside it */
    void (*fn)(size_t n);
    size_t n;                /* operations per run */
} bench_kernel;

#define BENCH_ENTRY(fn, n) { #fn, fn, (n) }

/* Defeats dead-code elimination: kernels fold what they allocate into this. */
static volatile size_t bench_sink;

/* Who is measuring: the program's short name and the issue whose targets it checks (set
   by bench_begin); the table the kernel rows go to (set by bench_print_header). */
static const char *bench_program = "bench";
static int bench_issue = 0;
static char bench_table[160] = "kernels";

/* Appends one tab-separated line to $BENCH_TSV: tag, then the fields (NULL-terminated). */
static BENCH_USED void bench_tsv(const char *tag, ...)
{
    const char *path = getenv("BENCH_TSV"), *f;
    va_list ap;
    FILE *out;
    if (path == NULL || *path == 0) return;
    out = fopen(path, "a");
    if (out == NULL) return;
    fputs(tag, out);
    va_start(ap, tag);
    while ((f = va_arg(ap, const char *)) != NULL) { fputc('\t', out); fputs(f, out); }
    va_end(ap);
    fputc('\n', out);
    fclose(out);
}

static BENCH_USED void bench_begin(const char *program, int issue)
{
    bench_program = program;
    bench_issue = issue;
}

/* "%.Nf" of v into a small rotating buffer; "n/a" when v < 0 (not measured). */
static BENCH_USED const char *bench_fmt(double v, int digits)
{
    static char b[16][32];
    static int i;
    char *r = b[i++ & 15];
    if (v < 0) snprintf(r, 32, "n/a");
    else snprintf(r, 32, "%.*f", digits, v);
    return r;
}

/* A path under $BENCH_DATA (plot data), or NULL when it is not set. */
static BENCH_USED FILE *bench_data_file(const char *name)
{
    char path[512];
    const char *d = getenv("BENCH_DATA");
    if (d == NULL || *d == 0) return NULL;
    snprintf(path, sizeof path, "%s/%s", d, name);
    return fopen(path, "w");
}

static BENCH_USED double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static BENCH_USED size_t bench_scaled(size_t n)
{
    const char *s = getenv("BENCH_SCALE");
    double v = (double)n * (s ? atof(s) : 1.0);
    return v < 1 ? 1 : (size_t)v;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct bench_result {
    double ns_median, ns_min, ns_max;   /* per operation */
    double instr;                       /* per operation; < 0 when not counted */
} bench_result;

static BENCH_USED int bench_runs(void)
{
    const char *s = getenv("BENCH_RUNS");
    int runs = s ? atoi(s) : 11;
    return runs < 1 ? 1 : runs > 64 ? 64 : runs;
}

/* Median, min and max nanoseconds per operation of each of `count` kernels over
   BENCH_RUNS runs (one warm-up each). The runs are interleaved - run 1 of every kernel,
   then run 2 of every kernel, ... - so that kernels compared with each other (an
   allocator and its baseline) see the same load on a shared machine. */
static BENCH_USED void bench_time_group(const bench_kernel *ks, size_t count, bench_result *r)
{
    static double t[64][64];
    int runs = bench_runs(), i;
    size_t j;
    if (count > 64) count = 64;
    for (j = 0; j < count; j++) ks[j].fn(bench_scaled(ks[j].n));
    for (i = 0; i < runs; i++)
        for (j = 0; j < count; j++) {
            size_t n = bench_scaled(ks[j].n);
            double t0 = bench_now_ns();
            ks[j].fn(n);
            t[j][i] = (bench_now_ns() - t0) / (double)n;
        }
    for (j = 0; j < count; j++) {
        qsort(t[j], (size_t)runs, sizeof t[j][0], bench_cmp_double);
        r[j].ns_median = t[j][runs / 2];
        r[j].ns_min = t[j][0];
        r[j].ns_max = t[j][runs - 1];
        r[j].instr = -1;
    }
}

/* Median, min and max nanoseconds per operation over BENCH_RUNS runs (one warm-up). */
static BENCH_USED void bench_time(const bench_kernel *k, bench_result *r)
{
    bench_time_group(k, 1, r);
}

static BENCH_USED long bench_pid(void) { return (long)getpid(); }

/* Instructions per operation of kernel k, counted by callgrind on this very program;
   -1 when valgrind is missing or BENCH_NO_CALLGRIND is set. */
static BENCH_USED double bench_instr(const char *self, const bench_kernel *k)
{
    char cmd[1024], out[256], line[512];
    FILE *f;
    double total = -1;
    size_t n = k->n;
    /* Counts per operation are steady long before a million operations: callgrind runs
       50 times slower than the machine, so its runs stop there. */
    if (n > 1000000) n = 1000000;
    if (getenv("BENCH_NO_CALLGRIND")) return -1;
    if (system("command -v valgrind >/dev/null 2>&1") != 0) return -1;
    snprintf(out, sizeof out, "/tmp/bench-callgrind-%ld-%s.out", (long)bench_pid(), k->name);
    snprintf(cmd, sizeof cmd,
             "valgrind --tool=callgrind --callgrind-out-file=%s --toggle-collect=%s "
             "--toggle-collect='%s.*' %s --kernel %s %zu >/dev/null 2>&1",
             out, k->name, k->name, self, k->name, n);
    if (system(cmd) != 0) return -1;
    f = fopen(out, "r");
    if (f == NULL) return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "summary:", 8) == 0 || strncmp(line, "totals:", 7) == 0) {
            total = atof(strchr(line, ':') + 1);
            break;
        }
    }
    fclose(f);
    remove(out);
    return total < 0 ? -1 : total / (double)n;
}

/* "--kernel NAME N": run one kernel once (this is what callgrind runs). Returns 1 if it
   handled the command line. */
static BENCH_USED int bench_kernel_mode(int argc, char **argv, const bench_kernel *ks, size_t count)
{
    size_t i;
    if (argc < 4 || strcmp(argv[1], "--kernel") != 0) return 0;
    for (i = 0; i < count; i++)
        if (strcmp(ks[i].name, argv[2]) == 0) ks[i].fn((size_t)strtoull(argv[3], NULL, 10));
    return 1;
}

/* Measures every kernel of ks into r: times interleaved (bench_time_group), then the
   instructions where callgrind runs; prints each row. */
static BENCH_USED double bench_instr(const char *self, const bench_kernel *k);
static BENCH_USED void bench_print(const bench_kernel *k, const bench_result *r);
static BENCH_USED void bench_measure_group(const char *self, const bench_kernel *ks, size_t count, bench_result *r)
{
    size_t j;
    bench_time_group(ks, count, r);
    for (j = 0; j < count; j++) {
        r[j].instr = bench_instr(self, &ks[j]);
        bench_print(&ks[j], &r[j]);
    }
}

/* Measures kernel i into r (time always, instructions where callgrind runs). */
static BENCH_USED void bench_measure(const char *self, const bench_kernel *k, bench_result *r)
{
    bench_time(k, r);
    r->instr = bench_instr(self, k);
}

static BENCH_USED void bench_print_header(const char *title)
{
    printf("\n== %s\n", title);
    printf("%-34s %10s %19s %12s\n", "kernel", "ns/op", "(min..max)", "instr/op");
    snprintf(bench_table, sizeof bench_table, "%s", title);
    bench_tsv("H", bench_table, "kernel", "ns/op (median)", "min..max", "instr/op", (const char *)NULL);
}

static BENCH_USED void bench_print(const bench_kernel *k, const bench_result *r)
{
    char ins[32], spread[64];
    if (r->instr >= 0) snprintf(ins, sizeof ins, "%.1f", r->instr);
    else snprintf(ins, sizeof ins, "n/a");
    printf("%-34s %10.2f   (%6.2f..%6.2f) %12s\n", k->name, r->ns_median, r->ns_min, r->ns_max, ins);
    snprintf(spread, sizeof spread, "%.2f..%.2f", r->ns_min, r->ns_max);
    bench_tsv("R", bench_table, k->name, bench_fmt(r->ns_median, 2), spread, ins, (const char *)NULL);
}

/* One target line: "what  measured  target  ok|MISSED" (and a T line in $BENCH_TSV, under
   the program's issue). `le` = lower is better; a measured value < 0 = not measured. */
static BENCH_USED int bench_target(const char *what, double measured, double target, int le, const char *unit)
{
    int ok = le ? measured <= target : measured >= target;
    char issue[16], tg[32], ms[32];
    snprintf(issue, sizeof issue, "%d", bench_issue);
    snprintf(tg, sizeof tg, "%.10g", target);
    if (measured < 0) {
        printf("  target %-52s %10s   (%s %.10g%s)  not measured\n", what, "-", le ? "<=" : ">=", target, unit);
        bench_tsv("T", issue, bench_program, what, "-", le ? "<=" : ">=", tg, unit, "not measured", (const char *)NULL);
        return 1;
    }
    printf("  target %-52s %10.2f%s (%s %.10g%s)  %s\n", what, measured, unit, le ? "<=" : ">=", target, unit, ok ? "ok" : "MISSED");
    snprintf(ms, sizeof ms, measured >= 1000 ? "%.0f" : "%.2f", measured);
    bench_tsv("T", issue, bench_program, what, ms, le ? "<=" : ">=", tg, unit, ok ? "met" : "MISSED", (const char *)NULL);
    return ok;
}

/* A figure worth showing that no issue sets a target for (printed, and an I line). */
static BENCH_USED void bench_info(const char *what, double measured, const char *unit)
{
    char ms[32];
    snprintf(ms, sizeof ms, measured < 0 ? "n/a" : measured >= 1000 ? "%.0f" : "%.2f", measured);
    printf("  figure %-52s %10s%s\n", what, ms, measured < 0 ? "" : unit);
    bench_tsv("I", bench_program, what, ms, measured < 0 ? "" : unit, (const char *)NULL);
}

#endif /* BENCH_H */
