#!/bin/sh
# t/1561-help-formats-stream.sh: `ope help formats` says which commands read a log in
# windows: it named ope info --stream alone, while ope eval and ope select stream too
# (--stream, past --memory-limit) and split a log under mpirun. What it already said
# stays: gzip and zstd told by their first bytes, several files as one log. The new
# paragraph fits 80 columns.
. "$OPE_SRCDIR/t/lib.sh"
plan 8
expect_status 0 "ope help formats" "$OPE" help formats
# The paragraph, joined into one line (wrapping may move its words).
tr '\n' ' ' < "$TMP/out" > "$TMP/one"
expect_grep "$TMP/one" "ope eval, select, info, report, gate and plan --stream read it in windows of rows" \
    "eval, select, info, report, gate and plan stream"
expect_grep "$TMP/one" "past --memory-limit N" "by themselves past --memory-limit"
expect_grep "$TMP/one" "mpirun -np N ope eval|select LOG splits a bandit log" "mpirun splits eval and select"
expect_grep "$TMP/one" "and a trajectory log (plain regular files; ope eval's log of several files too) at episode boundaries" "mpirun splits a trajectory log too, of one file or several"
expect_grep "$TMP/one" "told by the first bytes, not the name" "compressed input by its magic bytes"
expect_grep "$TMP/one" "one log in several files" "several files as one log"
long=$(sed -n '/^A bandit log larger than memory/,/^$/p' "$TMP/out" | awk 'length > 80')
if [ -z "$long" ]; then pass "the paragraph fits 80 columns"; else
    fail "the paragraph fits 80 columns"; diag "$long"; fi
done_testing
