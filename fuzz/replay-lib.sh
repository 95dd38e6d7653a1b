# fuzz/replay-lib.sh: sourced by t/0150-0152 (after t/lib.sh): the harnesses in three
# groups, one test each, so each replay test stays short in CI's sanitizer build,
# and the loop that replays a group. t/0150 checks that the groups together are
# fuzz/local.mk's FUZZ_HARNESSES, so a new harness cannot build and never run.
fuzz_group_csv="csv_fuzz numparse_fuzz span_fuzz"
fuzz_group_files="log_fuzz policy_fuzz truth_fuzz members_fuzz"
fuzz_group_text="ingest_fuzz json_fuzz results_fuzz state_fuzz shard_fuzz"

# fuzz_replay NAME...: one TAP line per harness: its seeds (fuzz/seeds.sh) and 4000
# seeded mutations with no crash, no failed oracle and no input past 10 s.
fuzz_replay() {
    for h in "$@"; do
        # shellcheck disable=SC2046 # seed paths have no spaces (they are ours)
        if TMPDIR=$TMP OPE_FUZZ_ITERATIONS=4000 "$OPE_BUILDDIR/fuzz/$h" \
            $(sh "$OPE_SRCDIR/fuzz/seeds.sh" "$OPE_SRCDIR" "$h") >"$TMP/out" 2>"$TMP/err"; then
            pass "$h: its seeds and 4000 mutated inputs, no finding"
        else
            fail "$h found something (exit $?)"; diag "$(head -c 2000 "$TMP/err")"
        fi
    done
}
