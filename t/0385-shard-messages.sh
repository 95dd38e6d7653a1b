#!/bin/sh
# t/0385-shard-messages.sh: what a new user of `ope eval --save-state` and `ope merge`
# is told when a shard or a set of states is wrong: each message names what was given
# (not an option the user never typed) and says what to do; and the loop of `ope help
# merge` over daily parts. Every number of the merge against one run is t/0384's.
. "$OPE_SRCDIR/t/lib.sh"

"$OPE" gen bandit --rows 3000 --actions 3 --seed 4 -q -o "$TMP/log.csv" || exit 1
head -n 1001 "$TMP/log.csv" > "$TMP/a.csv"
{ head -n 1 "$TMP/log.csv"; tail -n +1002 "$TMP/log.csv"; } > "$TMP/b.csv"

# ---- refused when saved: the message speaks of --save-state ----
expect_status 64 "--by with --save-state: refused" "$OPE" eval "$TMP/a.csv" \
    --save-state "$TMP/x.state" --by x0
expect_grep "$TMP/err" "drop --by" "it says to drop --by"
if grep -qF -- "--stream" "$TMP/err"; then fail "... and not to drop a --stream never given"
else pass "... and not to drop a --stream never given"; fi
expect_status 64 "a model estimator without qhat.* columns: refused" "$OPE" eval "$TMP/a.csv" \
    --save-state "$TMP/x.state" --estimators dr
expect_grep "$TMP/err" "give every shard --model-state FIT (ope help merge" \
    "it offers the fit in rounds (--model-state)"
if grep -qF "evaluate in memory" "$TMP/err"; then fail "... not an in-memory shard"
else pass "... not an in-memory shard"; fi
[ ! -e "$TMP/x.state" ] && pass "no state written by a refusal" || fail "a state was left"

# ---- refused when merged: the setting that differs, as the user spelt it ----
"$OPE" eval "$TMP/a.csv" --save-state "$TMP/a.state" --estimators ipw -q
"$OPE" eval "$TMP/b.csv" --save-state "$TMP/bt.state" --row-offset 1000 --estimators ipw \
    --ci t -q
expect_status 65 "a shard saved with --ci t among bootstrap ones: refused" "$OPE" merge \
    "$TMP/a.state" "$TMP/bt.state"
expect_grep "$TMP/err" "ci=t in" "it names --ci (not n_boot, which --ci t also changes)"
"$OPE" eval "$TMP/b.csv" --save-state "$TMP/ba.state" --row-offset 1000 --estimators ipw \
    --alpha 0.1 -q
expect_status 65 "a shard saved with --alpha 0.1: refused" "$OPE" merge "$TMP/a.state" \
    "$TMP/ba.state"
expect_grep "$TMP/err" "(alpha=0.1 in" "it spells alpha as given (not 0.10000000000000001)"

# ---- the evaluation's options given to ope merge: pointed at the shards ----
"$OPE" eval "$TMP/b.csv" --save-state "$TMP/b.state" --row-offset 1000 --estimators ipw -q
expect_status 64 "ope merge --policy: refused" "$OPE" merge "$TMP/a.state" "$TMP/b.state" \
    --policy greedy
expect_grep "$TMP/err" "give --policy to every shard's ope eval --save-state" \
    "it says where --policy goes (not 'unknown option')"
expect_status 64 "ope merge --matrix=4: refused" "$OPE" merge "$TMP/a.state" "$TMP/b.state" \
    --matrix=4
expect_grep "$TMP/err" "--matrix=K" "it says K is the shards'"
expect_status 64 "ope merge --row-offset: refused" "$OPE" merge "$TMP/a.state" --row-offset 5
expect_grep "$TMP/err" "--row-offset is each shard's" "it says --row-offset is each shard's"
expect_status 0 "ope merge --matrix (no K) still shows the differences" "$OPE" merge \
    "$TMP/a.state" "$TMP/b.state" --matrix
expect_grep "$TMP/out" "differences among each estimator's top 3" "... the top 3 the shards kept"

# ---- overlaps: a forgotten --row-offset, and one row ----
"$OPE" eval "$TMP/b.csv" --save-state "$TMP/b0.state" --estimators ipw -q
expect_status 65 "every shard saved without --row-offset: refused" "$OPE" merge \
    "$TMP/a.state" "$TMP/b0.state"
expect_grep "$TMP/err" "--row-offset left out (it defaults to 0)" "it suggests the forgotten option"
"$OPE" eval "$TMP/b.csv" --save-state "$TMP/b9.state" --row-offset 999 --estimators ipw -q
expect_status 65 "an offset one row short: refused" "$OPE" merge "$TMP/a.state" "$TMP/b9.state"
expect_grep "$TMP/err" "row 999 of the log is in both" "one row is named as one (not 'rows 999 to 999')"

# ---- shards piped in: one warning for all, as one ope eval of standard input ----
head -n 1001 "$TMP/log.csv" | "$OPE" eval - --save-state "$TMP/pa.state" --estimators ipw -q
"$OPE" eval - --save-state "$TMP/pb.state" --row-offset 1000 --estimators ipw -q < "$TMP/b.csv"
expect_status 0 "two shards from standard input merge" "$OPE" merge "$TMP/pa.state" \
    "$TMP/pb.state" -f json
n=$(grep -o "standard input can be read only once" "$TMP/out" | wc -l)
[ "$n" -eq 1 ] && pass "the copied-input warning once" || fail "the copied-input warning $n times"

# ---- a part cut by split, without the header: said so (not 'rename a column') ----
tail -n +1002 "$TMP/log.csv" > "$TMP/nohead.csv"
expect_status 65 "a shard without the header: refused" "$OPE" eval "$TMP/nohead.csv" \
    --save-state "$TMP/x.state" --row-offset 1000
expect_grep "$TMP/err" "is the header missing?" "it asks whether the header is missing"
printf 'a,reward,a\n1,2,3\n' > "$TMP/dup.csv"
expect_status 65 "a column named twice in a real header: refused" "$OPE" eval "$TMP/dup.csv"
expect_grep "$TMP/err" "rename one so roles are unambiguous" "... with the advice to rename it"

# ---- '-' as a state: said to be unsupported (not "-: cannot open") ----
expect_status 64 "ope merge -: refused" sh -c "\"\$1\" merge - < \"\$2\"" sh "$OPE" "$TMP/a.state"
expect_grep "$TMP/err" "not from standard input" "it says states are read from files"

# ---- the estimators left out for want of qhat.* columns: said when the shard is saved ----
"$OPE" eval "$TMP/a.csv" --save-state "$TMP/all.state" 2>"$TMP/err"
expect_grep "$TMP/err" "warning: dm, dr, sndr, switch-dr, dr-os, sg-dr left out of the state" \
    "saving a shard without qhat.* columns warns of the estimators left out"
"$OPE" eval "$TMP/a.csv" --save-state "$TMP/all.state" --force -q 2>"$TMP/err"
[ ! -s "$TMP/err" ] && pass "... not with -q" || fail "... -q printed: $(cat "$TMP/err")"

# ---- --against a policy not evaluated: refused when the shard is saved, not by the merge ----
expect_status 64 "--save-state --against a policy not evaluated: refused" "$OPE" eval \
    "$TMP/a.csv" --save-state "$TMP/ag.state" --policy greedy --against uniform
expect_grep "$TMP/err" "not among the evaluated policies" "it says why"
[ ! -e "$TMP/ag.state" ] && pass "... and saves no state" || fail "a state was saved"
expect_status 64 "--save-state --against the only policy: refused" "$OPE" eval \
    "$TMP/a.csv" --save-state "$TMP/ag.state" --policy uniform --against uniform

# ---- the loop of ope help merge, on parts named so that the shell's order is not the
# rows' (day10 before day2): the whole log's result ----
mkdir -p "$TMP/days"
# (The true q.* columns as qhat.*: a shard fits no reward model, one run does.)
sed '1s/,q\./,qhat./g' "$TMP/log.csv" > "$TMP/qlog.csv"
awk -v d="$TMP/days" 'NR == 1 { h = $0; next }
    { k = int((NR - 2) / 300) + 1; f = d "/day" k ".csv"; if (!(f in s)) { print h > f; s[f] = 1 }
      print > f }' "$TMP/qlog.csv"
(cd "$TMP/days" && R=0 && for f in day*.csv; do
    "$OPE" eval "$f" --save-state "${f%.csv}.state" --row-offset $R --ci t -q || exit 1
    R=$((R + $(tail -n +2 "$f" | wc -l)))
done) && "$OPE" merge "$TMP"/days/day*.state -f json > "$TMP/m.json" 2>"$TMP/err"
# The whole log in the shell's order of the parts, as the loop numbered its rows.
(head -n 1 "$TMP/qlog.csv"; for f in "$TMP"/days/day*.csv; do tail -n +2 "$f"; done) > "$TMP/glob.csv"
"$OPE" eval "$TMP/glob.csv" --stream --ci t -f json > "$TMP/w.json" 2>/dev/null
sed 's/"path":"[^"]*","sha256":"[^"]*"/"path":"-"/' "$TMP/m.json" > "$TMP/a"
sed 's/"path":"[^"]*","sha256":"[^"]*"/"path":"-"/' "$TMP/w.json" > "$TMP/b"
if "$OPE_BUILDDIR/t/jsonclose" "$TMP/a" "$TMP/b" 1e-12 2>"$TMP/cmp"; then
    pass "the help's loop over 10 parts merges into the whole log's result"
else fail "the help's loop over 10 parts"; diag "$(cat "$TMP/err" "$TMP/cmp")"; fi

# ---- a state given to ope eval as a log: pointed at ope merge ----
expect_status 65 "ope eval STATE: refused" "$OPE" eval "$TMP/a.state"
expect_grep "$TMP/err" "give the states to ope merge" "it says the file is a state, for ope merge"

# ---- offsets summed from wc -l (the header lines counted): said so ----
"$OPE" eval "$TMP/b.csv" --save-state "$TMP/bw.state" --row-offset 1001 --estimators ipw -q
expect_status 65 "an offset one row past (the header counted): refused" "$OPE" merge \
    "$TMP/a.state" "$TMP/bw.state"
expect_grep "$TMP/err" "were the header lines counted in --row-offset" "it suggests the header lines"
done_testing
