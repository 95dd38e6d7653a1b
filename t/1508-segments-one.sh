#!/bin/sh
# t/1508-segments-one.sh: issue 19 review: --by on a column with a single level (or a
# constant numeric column cut into bins) is one segment, and the table and the report
# say "1 level" / "1 equal-count bin", not "1 levels". And a level name with non-ASCII
# letters ("España") is padded by characters, not bytes, so its row lines up with the
# others in the eval table (it was one cell short per extra byte).
. "$OPE_SRCDIR/t/lib.sh"
plan 7
# 100 rows; x0 is the same category everywhere, x1 the same number.
awk 'BEGIN { print "action,reward,pscore,x0,x1,pi.a.0,pi.a.1"; srand(2)
             for (i = 0; i < 100; i++) printf "%d,%d,0.5,same,3,0.8,0.2\n", i % 2, rand() < 0.5 }' \
    > "$TMP/one.csv"
expect_status 0 "--by a one-level column" \
    "$OPE" eval "$TMP/one.csv" --estimators ipw --n-boot 50 --by x0
expect_grep "$TMP/out" "segments by x0: 1 level; " "the table: 1 level"
expect_status 0 "--by a constant numeric column, --bins 4" \
    "$OPE" eval "$TMP/one.csv" --estimators ipw --n-boot 50 --by x1 --bins 4
expect_grep "$TMP/out" "segments by x1: 1 equal-count bin (of 4 asked)" "the table: 1 bin"
OPE_REPORT_DATE=2026-01-01 "$OPE" report "$TMP/one.csv" --estimators ipw --n-boot 50 \
    --by x0 --no-charts -o "$TMP/r.md" >/dev/null 2>"$TMP/err"
expect_grep "$TMP/r.md" ": its 1 level." "the report: 1 level"

awk 'BEGIN { print "action,reward,pscore,x0,pi.a.0,pi.a.1"; srand(3)
             for (i = 0; i < 200; i++)
                 printf "%d,%d,0.5,%s,0.8,0.2\n", i % 2, rand() < 0.5, (i % 4 < 2) ? "Espa\303\261a" : "France" }' \
    > "$TMP/utf.csv"
expect_status 0 "--by a column with a UTF-8 level" \
    "$OPE" eval "$TMP/utf.csv" --estimators ipw --n-boot 50 --by x0
# Both segment rows: the rows column (100) ends in the same character column. Counted
# in characters: UTF-8 continuation bytes (0x80-0xBF) dropped, whatever awk's locale.
LC_ALL=C sed -n -e '/^  Espa/p' -e '/^  France/p' "$TMP/out" |
    LC_ALL=C sed 's/[\x80-\xbf]//g' |
    LC_ALL=C awk '{ p = index($0, " 100 ") ; if (!seen++) first = p; else if (p != first) bad = 1 }
                  END { exit bad || seen != 2 }' \
    && pass "the rows line up" || { fail "the rows line up"; diag "$(cat "$TMP/out")"; }
done_testing
