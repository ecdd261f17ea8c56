# Each family compiled alone (the others compiled out with ALLOC_NO_*), and none at all.
WARN=$1; INC=$2; d=$3
set -e
fams="ARENA HEAP BUDDY SLAB"
for keep in $fams NONE; do
    flags=""
    for f in $fams; do [ "$f" = "$keep" ] || flags="$flags -DALLOC_NO_$f"; done
    printf '#define ALLOC_IMPLEMENTATION\n#define ALLOC_DUMP\n#include "alloc.h"\nint main(void){return 0;}\n' > "$d/fam.c"
    gcc -std=c99 $WARN $INC $flags -c "$d/fam.c" -o "$d/fam_$keep.o"
    g++ -x c++ -std=c++11 $WARN $INC $flags -c "$d/fam.c" -o "$d/famxx_$keep.o"
    echo "ok: only $keep"
done
