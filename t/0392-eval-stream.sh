#!/bin/sh
# t/0392-eval-stream.sh: `ope eval --stream` and `ope select --stream` (issue 17) read
# a bandit log in windows and give what they give from the log in memory: the same
# JSON byte for byte (t/0390 checks every number of the engine's result, here the
# command end to end), for a plain file, a .gz, several files of one log, standard
# input (which says it was copied), past --memory-limit, with t intervals and the
# differences (a fourth reading) and with confidence sequences. Without qhat.* columns
# the reward model is fitted in passes, with the same result; --by and commands that keep
# the log are refused with status 64; a bad row fails as it does in memory. (A trajectory
# log's stream: t/0396.)
. "$OPE_SRCDIR/t/lib.sh"
plan 20

# A 30,000-row log (8 windows of 4096 rows: the evaluation's windows are 16 of them,
# so two windows, the second partial) whose true q.* columns serve as qhat.*.
"$OPE" gen bandit --rows 30000 --actions 4 --seed 3 -q -o "$TMP/raw.csv" || exit 1
sed '1s/,q\./,qhat./g' "$TMP/raw.csv" > "$TMP/q.csv"

# same DESC FILE... -- ARGS: eval of FILEs with ARGS, whole and streamed, equal JSON.
same() {
    desc=$1; shift
    files=""
    while [ "$1" != -- ]; do files="$files $1"; shift; done
    shift
    # shellcheck disable=SC2086 # paths from $TMP have no spaces
    "$OPE" eval $files "$@" -f json >"$TMP/whole" 2>"$TMP/whole.err"; s1=$?
    # shellcheck disable=SC2086
    "$OPE" eval $files --stream "$@" -f json >"$TMP/win" 2>"$TMP/win.err"; s2=$?
    if [ $s1 -eq 0 ] && [ $s2 -eq 0 ] && cmp -s "$TMP/whole" "$TMP/win"; then pass "$desc"
    else fail "$desc"; diag "status $s1 / $s2" "$(cmp "$TMP/whole" "$TMP/win")" \
        "$(head -c 300 "$TMP/win.err")"; fi
}
same "every estimator, bootstrap intervals" "$TMP/q.csv" --
same "t intervals and the differences among the top 4" "$TMP/q.csv" -- --ci t --matrix=4
same "confidence sequences" "$TMP/q.csv" -- --ci cs --estimators ipw,dr
same "hoeffding intervals" "$TMP/q.csv" -- --ci hoeffding
same "bootstrap with --against" "$TMP/q.csv" -- --against uniform
gzip -c "$TMP/q.csv" > "$TMP/q.csv.gz"
same "a .gz" "$TMP/q.csv.gz" --
head -12001 "$TMP/q.csv" > "$TMP/p1.csv"
{ head -1 "$TMP/q.csv"; tail -n +12002 "$TMP/q.csv"; } > "$TMP/p2.csv"
same "two files of one log" "$TMP/p1.csv" "$TMP/p2.csv" --
"$OPE" eval "$TMP/q.csv" -f json > "$TMP/mem.json"
"$OPE" eval "$TMP/q.csv" --memory-limit 1M -f json > "$TMP/auto.json" 2>"$TMP/err"
if cmp -s "$TMP/mem.json" "$TMP/auto.json"; then pass "past --memory-limit 1M: streamed, same"
else fail "past --memory-limit: different"; fi
"$OPE" eval - --stream -f json < "$TMP/q.csv" > "$TMP/pipe.json" 2>"$TMP/err"
grep -v '"warnings"\|sha256' "$TMP/mem.json" > "$TMP/a"
grep -v '"warnings"\|sha256' "$TMP/pipe.json" > "$TMP/b"
if cmp -s "$TMP/a" "$TMP/b"; then pass "standard input: the same estimates"
else fail "standard input differs"; diag "$(diff "$TMP/a" "$TMP/b" | head -5)"; fi
expect_grep "$TMP/pipe.json" "standard input can be read only once: it was copied" \
    "and it says it was copied"
"$OPE" select "$TMP/q.csv" -f json > "$TMP/s1" 2>/dev/null
"$OPE" select "$TMP/q.csv" --stream -f json > "$TMP/s2" 2>/dev/null
if cmp -s "$TMP/s1" "$TMP/s2"; then pass "ope select --stream: the same selection"
else fail "ope select --stream differs"; fi

# Without qhat.* columns: the reward model is fitted in passes of its own (rmstream.h),
# with the in-memory fit's folds and sums, so the JSON is the same (t/0393 checks more).
same "no qhat: every estimator, the model fitted in passes" "$TMP/raw.csv" --
same "no qhat: dm and dr with t intervals and the differences" "$TMP/raw.csv" -- \
    --estimators dm,dr --ci t --matrix
"$OPE" eval "$TMP/raw.csv" --stream -f json > "$TMP/raw.json" 2>"$TMP/err"
expect_grep "$TMP/raw.json" '"model":{"kind":"logistic","folds":3' \
    "no qhat: the fitted model is reported"
same "no qhat: ipw and snipw" "$TMP/raw.csv" -- --estimators ipw,snipw
same "no qhat: ridge, 2 folds" "$TMP/raw.csv" -- --estimators dm,sndr --reward-model ridge \
    --folds 2
expect_status 64 "--by is refused" "$OPE" eval "$TMP/q.csv" --stream --by x1
"$OPE" gen mdp riverswim --episodes 20 --horizon 5 -q -o "$TMP/rs.csv" || exit 1
"$OPE" gen mdp riverswim --episodes 400 --seed 2 -q -o "$TMP/rs400.csv" || exit 1
expect_status 0 "a trajectory log with --stream and td's value model (its epochs, t/0412)" \
    "$OPE" eval "$TMP/rs400.csv" --stream --estimators tis,dr --value-model td --gamma 0.9
expect_status 0 "a trajectory log past --memory-limit is read (dr's model in a pass of its own)" \
    "$OPE" eval "$TMP/rs.csv" --memory-limit 1K --estimators tis,dr
# A bad pscore in the second window: the same message as in memory.
awk -F, 'NR == 20001 { $3 = "1.5" } { print }' OFS=, "$TMP/q.csv" > "$TMP/bad.csv"
"$OPE" eval "$TMP/bad.csv" 2>"$TMP/e1"; s1=$?
"$OPE" eval "$TMP/bad.csv" --stream 2>"$TMP/e2"; s2=$?
if [ $s1 -eq 65 ] && [ $s2 -eq 65 ] && cmp -s "$TMP/e1" "$TMP/e2"; then
    pass "a bad pscore on line 20001: status 65 and the same message"
else fail "bad pscore: $s1 / $s2"; diag "$(cat "$TMP/e1" "$TMP/e2")"; fi
done_testing
