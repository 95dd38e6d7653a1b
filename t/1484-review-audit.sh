#!/bin/sh
# t/1484-review-audit.sh: what a second hostile review of issue #20's fixes found, each
# with the command that showed it and the behaviour now.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen bandit -n 300 -s 1 -q -o "$TMP/b.csv"

# 1. -o naming an input, --force or not, is refused in every command (it was only in
#    ingest): eval, select, info replaced their own log and exited 0.
for c in "eval --ci none" "select" "info"; do
    cp "$TMP/b.csv" "$TMP/in.csv"
    expect_status 64 "$c -o its own input --force" $OPE $c "$TMP/in.csv" -o "$TMP/in.csv" --force
    cmp -s "$TMP/b.csv" "$TMP/in.csv" && pass "... the input is untouched" ||
        fail "... the input is untouched"
done
expect_grep "$TMP/err" "names a file this command reads" "... and the message says why"
ln -f "$TMP/in.csv" "$TMP/hard.csv"
expect_status 64 "a hard link to the input" $OPE eval "$TMP/in.csv" -o "$TMP/hard.csv" --force --ci none
printf 'policy,value\ngreedy,0.7\n' > "$TMP/t.csv"
expect_status 64 "the truth file" $OPE eval "$TMP/in.csv" --truth "$TMP/t.csv" -o "$TMP/t.csv" --force --ci none
expect_grep "$TMP/t.csv" "greedy,0.7" "... the truth file is untouched"

# 2. An action id past the per-action columns: a data error naming the row (one id of
#    1000000 in a 300-row log asked for tables of 1000001 actions: 20 GB).
awk -F, 'BEGIN { OFS = "," } NR == 3 { $1 = "1000000" } 1' "$TMP/b.csv" > "$TMP/act.csv"
expect_status 65 "an action past the columns" $OPE eval "$TMP/act.csv" --ci none
expect_grep "$TMP/err" "act.csv:3: action 1000000, but the per-action columns" "... names the row"
$OPE gen mdp riverswim --episodes 3 --candidates 1 -q -o "$TMP/tr.csv"
awk -F, 'BEGIN { OFS = "," } NR == 1 { for (i = 1; i <= NF; i++) if ($i == "action") c = i }
         NR == 5 { $c = "1000000" } 1' "$TMP/tr.csv" > "$TMP/tra.csv"
expect_status 65 "trajectories: the same" $OPE eval "$TMP/tra.csv" --ci none
expect_grep "$TMP/err" "tra.csv:5: action 1000000, but the policy columns" "... names the row"

# 3. gen mdp checks every output before writing any: an existing policy file, or the
#    truth file named as -o, left the log and the truth (and some policies) behind.
mkdir "$TMP/g" "$TMP/g/pd"
: > "$TMP/g/pd/mix33.csv"
expect_status 73 "an existing policy file" $OPE gen mdp riverswim --episodes 10 \
    -o "$TMP/g/x.csv" --truth "$TMP/g/t.csv" --policy-dir "$TMP/g/pd"
[ "$(ls "$TMP/g")" = pd ] && [ "$(ls "$TMP/g/pd")" = mix33.csv ] &&
    pass "... nothing is written" || fail "... nothing is written: $(ls -R "$TMP/g")"
expect_status 64 "--truth is -o" $OPE gen mdp riverswim --episodes 10 -o "$TMP/g/y.csv" \
    --truth "$TMP/g/y.csv" --force
[ ! -e "$TMP/g/y.csv" ] && pass "... nothing is written" || fail "... nothing is written"

# 4. ingest applies the loader's reward limit (1e308 used to pass and fail in eval).
printf 'a=1 r=1e308 p=0.5\n' > "$TMP/v.log"
expect_status 65 "ingest: reward 1e308" $OPE ingest \
    --regex 'a=(?<action>[^ ]*) r=(?<reward>[^ ]*) p=(?<pscore>[^ ]*)$' "$TMP/v.log" -o -
expect_grep "$TMP/err" "magnitude at most 1e100" "... the limit is said"
printf 'a=1 r=1 p=0.5\n' > "$TMP/w.log"
expect_status 0 "ingest: one row" $OPE ingest \
    --regex 'a=(?<action>[^ ]*) r=(?<reward>[^ ]*) p=(?<pscore>[^ ]*)$' "$TMP/w.log" -o "$TMP/w.csv"
expect_grep "$TMP/err" "1 row from 1 line;" "... in the singular"

# 5. A huge relative error stays in its column (it printed a 31-digit %.2f expansion).
awk -F, 'BEGIN { OFS = "," } NR > 1 { $2 = "1e100" } 1' "$TMP/b.csv" > "$TMP/r100.csv"
expect_status 0 "rewards of 1e100" $OPE eval "$TMP/r100.csv" --ci none --estimators ipw --policy greedy
grep -Eq '^  ipw +[0-9.e+]+ +- +- +[0-9.]+e\+[0-9]+% ' "$TMP/out" &&
    pass "... the relative error in %g form" || { fail "... the relative error in %g form"; diag "$(cat "$TMP/out")"; }

# 6. An unknown command's name is escaped like every other name from the user.
expect_status 64 "unknown command with ESC" $OPE "ev$(printf '\033')[2Jal"
expect_grep "$TMP/err" "'ev\\x1b[2Jal' is not a command" "... shown as \\x1b"

# 7. Trajectory-only options on a bandit log are refused, not silently ignored.
expect_status 64 "--gamma on a bandit log" $OPE eval "$TMP/b.csv" --gamma 0.5 --ci none
expect_status 64 "--value-model on a bandit log" $OPE eval "$TMP/b.csv" --value-model lstd --ci none
expect_grep "$TMP/err" "are for trajectory logs" "... and says why"

# 10. (issue #18) `ope help gen bandit` is the generator's own page, every usage line
#     starts "usage:", and the documents the help cites are shipped.
expect_status 0 "help gen bandit" $OPE help gen bandit
expect_grep "$TMP/out" "usage: ope gen bandit" "... the bandit generator's page"
expect_status 0 "help gen mdp" $OPE help gen mdp
expect_grep "$TMP/out" "usage: ope gen mdp" "... the mdp generator's page, lower-case usage"
for d in environments selection exploration training formats estimators coverage architecture; do
    [ -s "$OPE_SRCDIR/doc/$d.md" ] && pass "doc/$d.md is shipped" || fail "doc/$d.md is shipped"
done

# 11. (issue #18) The workbench's demo offers both campaigns (piped: the summary).
expect_status 0 "tui --demo=women" $OPE tui --demo=women
expect_grep "$TMP/out" "women.csv: 10000 rows, 46 actions" "... the women campaign"
expect_status 64 "tui --demo=kids" $OPE tui --demo=kids
expect_grep "$TMP/err" "the demo's campaigns are men and women" "... names the two"

# 8. A short text chart of integer data: gnuplot's integer division made the tick step
#    0 ("undefined value", exit 70 "a bug in ope") at 15 rows or fewer.
if command -v gnuplot >/dev/null 2>&1; then
    printf 'series,x,y\na,0,1\na,1,2\n' > "$TMP/ok.csv"
    for h in 8 12 15; do
        expect_status 0 "plot curves --term dumb --size 80x$h" $OPE plot curves \
            --from-csv "$TMP/ok.csv" --term dumb --size 80x$h
    done
else
    skip "gnuplot is not installed"
fi
done_testing
