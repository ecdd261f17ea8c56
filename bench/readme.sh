#!/bin/sh
# The README's measured figures, copied from the result files so that they are never
# typed by hand: every block between
#     <!-- bench/readme.sh: NAME -->   and   <!-- /bench/readme.sh -->
# is rewritten from bench/results.md (make bench) or bench/size/results.md (make size):
#   measured  the machine, compiler and run of make bench
#   targets   every target next to its measured figure, and the tally
#   micro     the microbenchmarks, pattern by allocator
#   traces    the replayed traces, allocator by trace (instr/op · Mops/s · utilization)
#   worst     the worst case of a single call
#   flash     the flash table of make size
# `make bench` and `make size` run it after a full run; `sh bench/readme.sh --check`
# (part of make test) fails when the README no longer shows what the files hold.
set -eu
cd "$(dirname "$0")/.."
R=bench/results.md
S=bench/size/results.md
mode=${1:-write}

# section FILE HEADING: the lines under HEADING up to the next heading of any level
section() {
    awk -v h="$2" '$0 == h { on = 1; next } on && /^#/ { exit } on { print }' "$1"
}
tables() { grep -E '^\|' || true; }   # the table rows of a section

block() {   # block NAME: the generated text of one block
    case $1 in
    measured)
        awk '/^# / { on = 1; next } on && /^## / { exit } on && NF { print }' "$R" ;;
    targets)
        section "$R" "## Targets" | tables
        echo
        section "$R" "## Targets" | grep -E '^[0-9]+ met' ;;
    micro)
        section "$R" "### micro: instructions per op (ns per op), pattern by allocator" | tables ;;
    worst)
        section "$R" "### worst case: instructions of a single call (callgrind, one dump per call)" | tables ;;
    traces)
        {
            section "$R" "### traces: median ns/op (spread), Mops/s, instructions per operation inside the allocator, utilization" | tables
            echo "@averages"
            section "$R" "### traces: averages over the five traces" | tables
        } | awk -F'|' '
            function trim(s) { gsub(/^ +| +$/, "", s); return s }
            /^@averages/ { avg = 1; next }
            { for (i = 2; i < NF; i++) c[i] = trim($i) }
            c[2] ~ /^-+$/ || c[2] == "trace" || c[2] == "allocator" { next }
            avg { mi[c[2]] = c[3]; mu[c[2]] = c[4]; next }
            {
                t = c[2]; a = c[3]
                if (!(t in seen_t)) { seen_t[t] = 1; ts[++nt] = t }
                if (!(a in seen_a)) { seen_a[a] = 1; as[++na] = a }
                v = c[7] " · " c[6]
                if (c[9] != "-" && c[9] != "") v = v " · " c[9]
                cell[t, a] = v
            }
            END {
                printf "| allocator |"; for (i = 1; i <= nt; i++) printf " %s |", ts[i]
                print " mean instr/op | mean utilization |"
                printf "|---|"; for (i = 1; i <= nt; i++) printf "---:|"; print "---:|---:|"
                for (j = 1; j <= na; j++) {
                    a = as[j]; printf "| %s |", a
                    for (i = 1; i <= nt; i++) printf " %s |", ((ts[i], a) in cell) ? cell[ts[i], a] : "-"
                    printf " %s | %s |\n", mi[a], mu[a]
                }
            }' ;;
    flash)
        grep -E '^Measured ' "$S"
        echo
        tables < "$S" ;;
    *)
        echo "bench/readme.sh: unknown block '$1'" >&2; return 1 ;;
    esac
}

for f in "$R" "$S" README.md; do
    [ -f "$f" ] || { echo "bench/readme.sh: $f missing" >&2; exit 1; }
done
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.b"' EXIT
: > "$tmp"
name=""
while IFS= read -r line; do
    case $line in
    "<!-- bench/readme.sh: "*" -->")
        printf '%s\n' "$line" >> "$tmp"
        name=${line#<!-- bench/readme.sh: }; name=${name% -->}
        block "$name" > "$tmp.b"
        [ -s "$tmp.b" ] || { echo "bench/readme.sh: block '$name' came out empty" >&2; exit 1; }
        cat "$tmp.b" >> "$tmp" ;;
    "<!-- /bench/readme.sh -->")
        name=""
        printf '%s\n' "$line" >> "$tmp" ;;
    *)
        [ -n "$name" ] || printf '%s\n' "$line" >> "$tmp" ;;
    esac
done < README.md
[ -z "$name" ] || { echo "bench/readme.sh: block '$name' is not closed" >&2; exit 1; }

if [ "$mode" = --check ]; then
    if cmp -s "$tmp" README.md; then
        echo "README: its figures are those of bench/results.md and bench/size/results.md"
    else
        echo "README: figures differ from the result files; run sh bench/readme.sh" >&2
        diff README.md "$tmp" | head -20 >&2
        exit 1
    fi
else
    cmp -s "$tmp" README.md || cat "$tmp" > README.md
fi
