#!/bin/sh
# fuzz/seeds.sh SRCDIR HARNESS: the seed inputs of a harness, one path a line: the
# committed corpus (fuzz/corpus/HARNESS, or the CSV test data for the CSV-level
# harnesses) and its regression inputs (fuzz/regress/HARNESS: inputs that once found
# a bug). Shared by t/0150-0152's replay and `make fuzz`, so both start from the same files.
src=$1 h=$2
case $h in
    csv_fuzz|numparse_fuzz|span_fuzz) set -- "$src"/t/data/good/* "$src"/t/data/bad/* ;;
    *) set -- "$src"/fuzz/corpus/"$h"/* ;;
esac
for f in "$@" "$src"/fuzz/regress/"$h"/*; do
    [ -f "$f" ] && printf '%s\n' "$f"
done
exit 0
