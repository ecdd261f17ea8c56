# The lessons' output checked against the expected maps: every examples/lessons/NAME.txt
# is run through allocsim (with a check after every command) and its output, with
# addresses replaced by ADDR, must equal examples/lessons/NAME.expected.
# usage: tests/lessons.sh OUTDIR [--update]
d=$1
set -e
STB_INC=${STB_INC:-/usr/include/stb}
gcc -w -I"$STB_INC" -c tests/stb_sprintf_impl.c -o "$d/stb_lessons.o"
gcc -std=c99 -O2 -Wall -Wextra -Wpedantic -Werror -I. -I"$STB_INC" examples/allocsim.c "$d/stb_lessons.o" -o "$d/allocsim"
status=0
for l in examples/lessons/*.txt; do
    n=${l%.txt}
    "$d/allocsim" --check < "$l" | sed -E 's/\b[0-9a-f]{8,16}\b/ADDR/g' > "$d/$(basename "$n").out"
    if [ "${2:-}" = --update ]; then cp "$d/$(basename "$n").out" "$n.expected"; fi
    if cmp -s "$d/$(basename "$n").out" "$n.expected"; then echo "lesson $(basename "$n"): as expected"
    else echo "lesson $(basename "$n"): differs"; diff "$n.expected" "$d/$(basename "$n").out" | head -20; status=1; fi
done
exit $status
