#!/bin/sh
# t/0001-layers.sh: no #include goes up the layer order of doc/architecture.md:
#   0 ope/base  1 datasets  2 estimators  3 ope/learn  4 ope/app  5 viz  6 reports
#   7 ope (the commands)
# A file may include its own layer and any layer below it. Every quoted include in the
# layered folders is read; one that names no known place fails too (a new folder must
# be given a layer here and in the document). The checker is also run on two small
# trees made here, one with a back-edge it must reject and one without, so this test
# cannot pass by checking nothing.
. "$OPE_SRCDIR/t/lib.sh"
plan 6

# check_tree ROOT: prints one line per offending include; counts files in $TMP/nfiles.
# One awk program reads every file (a shell loop forking sed and a case per include
# took 27 s). layer(): the layer number of a path, -1 for config.h, "?" for an unknown
# place.
check_tree() {
    root=$1
    files=$(cd "$root" && find ope datasets estimators viz reports -name '*.[ch]' 2>/dev/null |
        sort)
    # shellcheck disable=SC2086
    printf '%s\n' $files | grep -c . > "$TMP/nfiles"
    [ -n "$files" ] || return 0
    # shellcheck disable=SC2086
    (cd "$root" && awk '
        function layer(p) {
            if (p == "config.h") return -1
            if (p ~ /^ope\/base\//) return 0
            if (p ~ /^datasets\//) return 1
            if (p ~ /^estimators\//) return 2
            if (p ~ /^ope\/learn\//) return 3
            if (p ~ /^ope\/app\//) return 4
            if (p ~ /^viz\//) return 5
            if (p ~ /^reports\//) return 6
            if (p ~ /^ope\/[^\/]*\//) return "?"
            if (p ~ /^ope\//) return 7
            return "?"
        }
        BEGIN {    # every file, an empty one too
            for (i = 1; i < ARGC; i++)
                if (layer(ARGV[i]) == "?")
                    print ARGV[i] ": a folder with no layer (add it to doc/architecture.md and t/0001-layers.sh)"
        }
        FNR == 1 { from = layer(FILENAME) }
        from != "?" && /^[[:space:]]*#[[:space:]]*include[[:space:]]*"/ {
            inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
            to = layer(inc)
            if (to == "?")
                print FILENAME ":" FNR ": includes \"" inc "\", which is in no layer"
            else if (to + 0 > from + 0)
                print FILENAME ":" FNR ": includes \"" inc "\" (layer " to ") from layer " from ": an include that goes up"
        }' $files)
}

check_tree "$OPE_SRCDIR" > "$TMP/violations"
nfiles=$(cat "$TMP/nfiles")
if [ "$nfiles" -gt 100 ]; then pass "read the includes of $nfiles source files"; else
    fail "read only $nfiles source files"; fi
if [ ! -s "$TMP/violations" ]; then pass "no include goes up the layer order"; else
    fail "includes that go up the layer order"; diag "$(cat "$TMP/violations")"; fi

# A tree with one back-edge: a loader (layer 1) that includes the workbench (layer 5).
mk() { mkdir -p "$(dirname "$TMP/$1/$2")" && printf '%s\n' "$3" > "$TMP/$1/$2"; }
mk bad ope/base/error.h '/* bottom */'
mk bad datasets/blog.c '#include "config.h"
#include "ope/base/error.h"
#include "viz/tui.h"'
mk bad viz/tui.h '#include "datasets/blog.h"'
check_tree "$TMP/bad" > "$TMP/bad.out"
if grep -q 'datasets/blog.c:3: includes "viz/tui.h" (layer 5) from layer 1' "$TMP/bad.out"; then
    pass "a back-edge (datasets -> viz) is reported with file and line"
else fail "a back-edge was not reported"; diag "$(cat "$TMP/bad.out")"; fi
if [ "$(wc -l < "$TMP/bad.out")" -eq 1 ]; then pass "only the back-edge is reported"; else
    fail "more than the back-edge reported"; diag "$(cat "$TMP/bad.out")"; fi

# An unknown folder, and a tree whose includes all go down.
mk bad2 ope/extra/x.c '#include "ope/base/error.h"'
mk bad2 reports/r.c '#include "lib/other.h"'
check_tree "$TMP/bad2" > "$TMP/bad2.out"
if grep -q 'ope/extra/x.c: a folder with no layer' "$TMP/bad2.out" &&
   grep -q 'reports/r.c:1: includes "lib/other.h", which is in no layer' "$TMP/bad2.out"; then
    pass "a folder or an include with no layer is reported"
else fail "unknown places not reported"; diag "$(cat "$TMP/bad2.out")"; fi
mk good ope/main.c '#include "viz/tui.h"
#include "ope/app/session.h"'
mk good viz/tui.h '#include "ope/app/session.h"'
mk good ope/app/session.h '#include "estimators/estimator.h"'
check_tree "$TMP/good" > "$TMP/good.out"
if [ ! -s "$TMP/good.out" ]; then pass "includes that go down are accepted"; else
    fail "a downward include was rejected"; diag "$(cat "$TMP/good.out")"; fi
done_testing
