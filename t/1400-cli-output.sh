#!/bin/sh
# t/1400-cli-output.sh: the one output layer and the strict command line: the -o
# extension rule (.json, .csv, anything else a table), --format beating it, -o - as
# standard output, -q accepted by every command of `ope help`, suggestions for a
# misspelt command or option, and no long option matched by a prefix of its name.
. "$OPE_SRCDIR/t/lib.sh"

"$OPE" gen bandit --rows 300 --seed 5 -o "$TMP/log.csv" -q || { echo "Bail out! gen"; exit 1; }
log="$TMP/log.csv"

# --- the -o extension rule, for each result kind that has all three formats --------
# What each format starts with (formats.md): JSON an object; eval's CSV its header;
# info's CSV section,item,key,value; select's CSV the per-k header; a table neither.
first() { head -c 1 "$1"; }
for kind in eval info select; do
    case $kind in
    eval) args="eval $log --estimators ipw --ci t"; csvhead="policy,estimator," ;;
    info) args="info $log"; csvhead="section,item,key,value" ;;
    select) args="select $log --estimators ipw,snipw"; csvhead="estimator,k," ;;
    esac
    expect_status 0 "$kind -o FILE.json" "$OPE" $args -q -o "$TMP/$kind.json"
    [ "$(first "$TMP/$kind.json")" = "{" ] && pass "$kind: .json writes JSON" \
        || fail "$kind: .json writes JSON"
    expect_status 0 "$kind -o FILE.csv" "$OPE" $args -q -o "$TMP/$kind.csv"
    expect_grep "$TMP/$kind.csv" "$csvhead" "$kind: .csv writes CSV"
    expect_status 0 "$kind -o FILE.txt" "$OPE" $args -q -o "$TMP/$kind.txt"
    # The table is exactly what the command prints on standard output by default.
    "$OPE" $args -q >"$TMP/$kind.stdout" 2>/dev/null
    cmp -s "$TMP/$kind.txt" "$TMP/$kind.stdout" && pass "$kind: .txt writes the table" \
        || fail "$kind: .txt writes the table"
    # --format says otherwise: it beats the extension.
    expect_status 0 "$kind --format csv -o FILE.json" \
        "$OPE" $args -q --format csv -o "$TMP/$kind-csv.json"
    cmp -s "$TMP/$kind-csv.json" "$TMP/$kind.csv" && pass "$kind: --format beats the extension" \
        || fail "$kind: --format beats the extension"
    # -o - is standard output: the same bytes as the file.
    "$OPE" $args -q -o - --format json >"$TMP/$kind.dash" 2>"$TMP/err"
    cmp -s "$TMP/$kind.dash" "$TMP/$kind.json" && pass "$kind: -o - is standard output" \
        || fail "$kind: -o - is standard output"
done
# An extension is only a default: a file name without one is a table.
expect_status 0 "eval -o FILE without an extension" \
    "$OPE" eval "$log" --estimators ipw --ci t -q -o "$TMP/plain"
cmp -s "$TMP/plain" "$TMP/eval.txt" && pass "no extension: a table" || fail "no extension: a table"
expect_status 0 "upper-case .JSON is JSON too" \
    "$OPE" eval "$log" --estimators ipw --ci t -q -o "$TMP/UP.JSON"
[ "$(first "$TMP/UP.JSON")" = "{" ] && pass ".JSON writes JSON" || fail ".JSON writes JSON"
expect_status 0 "prdc-lqr -o FILE.csv" "$OPE" train prdc-lqr --episodes 20 -q -o "$TMP/lqr.csv"
expect_grep "$TMP/lqr.csv" "method,beta,gain,value,gap,mean_nn_distance" "prdc-lqr: .csv writes CSV"

# --- kinds with fewer formats say so --------------------------------------------------
expect_status 64 "a policy file is CSV only" \
    "$OPE" train npg --env riverswim --iterations 2 -o "$TMP/p.json"
expect_grep "$TMP/err" "a policy file has no json format" "the refusal names the kind and format"
expect_status 64 "the exploration record is CSV only" \
    "$OPE" explore stepmix --env riverswim --episodes 5 -q -o "$TMP/run.json"
expect_grep "$TMP/err" "the per-episode record has no json format" "... and says so"

# --- -o - for commands whose -o is a data file ----------------------------------------
"$OPE" gen bandit --rows 4 --seed 5 -q -o - >"$TMP/g.out" 2>"$TMP/g.err"
[ "$(wc -l <"$TMP/g.out")" -eq 5 ] && [ ! -s "$TMP/g.err" ] \
    && pass "gen bandit -o -: the log on standard output, -q: nothing on stderr" \
    || fail "gen bandit -o -: the log on standard output"
"$OPE" explore stepmix --env riverswim --episodes 7 -q -o - >"$TMP/x.out" 2>"$TMP/x.err"
# 7 episodes + header on stdout; the summary moves to stderr.
[ "$(wc -l <"$TMP/x.out")" -eq 8 ] && pass "explore -o -: the record on standard output" \
    || fail "explore -o -: the record on standard output ($(wc -l <"$TMP/x.out") lines)"
expect_grep "$TMP/x.err" "stepmix" "explore -o -: the summary on standard error"
"$OPE" train npg --env riverswim --iterations 2 -q -o - >"$TMP/p.out" 2>"$TMP/p.err"
# riverswim has 6 states: header + 6 rows.
[ "$(wc -l <"$TMP/p.out")" -eq 7 ] && head -1 "$TMP/p.out" | grep -q '^state,p.0,p.1$' \
    && pass "train npg -o -: the policy file on standard output" \
    || fail "train npg -o -: the policy file on standard output"
expect_status 0 "train npg --format json" "$OPE" train npg --env riverswim --iterations 2 --format json
[ "$(first "$TMP/out")" = "{" ] && pass "the training summary as JSON" || fail "the training summary as JSON"
expect_status 0 "train npg --format csv" "$OPE" train npg --env riverswim --iterations 2 --format csv
expect_grep "$TMP/out" "algorithm,iterations,samples,final_value" "the training summary as CSV"

# --- -q and strict options, on every command of `ope help` ----------------------------
# One quiet invocation per command; a command missing here fails the test, so a new
# command must say how it takes -q.
cmds=$("$OPE" help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ "$(echo "$cmds" | wc -l)" -ge 12 ] && pass "ope help lists the commands" \
    || fail "ope help lists the commands: $cmds"
for c in $cmds; do
    case $c in
    help) set -- help -q eval ;;
    info) set -- info -q "$log" ;;
    eval) set -- eval -q "$log" --estimators ipw --ci t ;;
    gate) set -- gate -q "$log" --policy greedy --estimator ipw --ci t --min-lift -1 ;;
    plan) set -- plan -q "$log" --estimators ipw --width 0.1 ;;
    gen) set -- gen bandit -q --rows 3 -o "$TMP/q-gen.csv" ;;
    ingest) printf 'a=1 r=0 p=0.5\n' >"$TMP/raw.txt"
            set -- ingest -q --regex 'a=(?<action>\d) r=(?<reward>\d) p=(?<pscore>[0-9.]+)' "$TMP/raw.txt" ;;
    tui) set -- tui -q "$log" ;;
    plot) set -- plot weights "$log" -q -o "$TMP/q.svg" ;;
    demo) set -- demo -q --print ;;
    select) set -- select -q "$log" --estimators ipw ;;
    report) set -- report -q "$log" --estimators ipw --no-charts -o "$TMP/q.html" ;;
    explore) set -- explore stepmix --env riverswim --episodes 5 -q ;;
    train) set -- train npg --env riverswim --iterations 2 -q ;;
    merge) "$OPE" eval "$log" --save-state "$TMP/q.state" --estimators ipw --ci t -q --force
           set -- merge -q "$TMP/q.state" ;;
    *) fail "$c: no -q invocation in this test (add one)"; continue ;;
    esac
    "$OPE" "$@" </dev/null >"$TMP/out" 2>"$TMP/err"; st=$?
    # plot without gnuplot exits 69: -q was still accepted.
    if grep -q "unknown option" "$TMP/err" || { [ $st -ne 0 ] && [ $st -ne 69 ]; }; then
        fail "ope $c accepts -q"; diag "status $st" "$(head -c 400 "$TMP/err")"
    else
        pass "ope $c accepts -q"
    fi
    # -q means nothing on stderr when all went well (help, tui and demo print to stdout).
    if [ $st -eq 0 ] && [ -s "$TMP/err" ]; then
        fail "ope $c -q is quiet"; diag "$(head -c 400 "$TMP/err")"
    elif [ $st -eq 0 ]; then
        pass "ope $c -q is quiet"
    else
        skip "ope $c -q is quiet (status $st)"
    fi
    # A prefix of --quiet is not --quiet: long options are spelt in full.
    case $c in gen) set -- gen bandit --quie ;; *) set -- "$c" --quie ;; esac
    expect_status 64 "ope $c --quie is refused" "$OPE" "$@"
    expect_grep "$TMP/err" "unknown option '--quie'; did you mean '--quiet'?" \
        "ope $c --quie: names the option and suggests --quiet"
done

# --- suggestions ------------------------------------------------------------------------
expect_status 64 "a misspelt command" "$OPE" evl "$log"
expect_grep "$TMP/err" "'evl' is not a command; did you mean 'eval'?" "suggests eval"
expect_status 64 "ope help with a misspelt command" "$OPE" help selcet
expect_grep "$TMP/err" "did you mean 'select'?" "suggests select"
expect_status 64 "a command far from every name" "$OPE" zzzzzz
if grep -q "did you mean" "$TMP/err"; then fail "no suggestion for nonsense"; else pass "no suggestion for nonsense"; fi
expect_status 64 "a misspelt option" "$OPE" eval "$log" --estimatrs ipw
expect_grep "$TMP/err" "unknown option '--estimatrs'; did you mean '--estimators'?" \
    "names the option as typed and the closest one"
expect_status 64 "an option with a missing value" "$OPE" eval "$log" --format
expect_grep "$TMP/err" "option '--format' needs a value" "says the value is missing"
expect_status 64 "a value given to a flag" "$OPE" eval "$log" --force=yes
expect_grep "$TMP/err" "option '--force' takes no value" "says the flag takes none"
expect_status 64 "a misspelt chart kind" "$OPE" plot weigths "$log"
expect_grep "$TMP/err" "did you mean 'weights'?" "suggests weights"

# --- the old accident: `ope tui rs.csv --truth rs-truth.csv` ----------------------------
# tui had no --truth; getopt's prefix matching used to read it as --truth-columns and
# take the file name as a pattern, then strict options refused it. Now tui takes eval's
# options, --truth among them (t/0532-tui-traj.sh checks what it does); a misspelling
# is still refused, naming the closest option.
printf 'policy,value\n' >"$TMP/truth.csv"
expect_status 0 "tui --truth is eval's option" "$OPE" tui "$log" --truth "$TMP/truth.csv"
expect_status 64 "tui --truht is refused" "$OPE" tui "$log" --truht "$TMP/truth.csv"
expect_grep "$TMP/err" "unknown option '--truht'; did you mean '--truth'?" \
    "tui --truht: names the option and the closest one"
expect_status 64 "eval --truth-col (a prefix) is refused" "$OPE" eval "$log" --truth-col x
# And a full name still works where the option exists.
expect_status 0 "eval --truth-columns spelt in full" \
    "$OPE" eval "$log" --estimators ipw --ci t -q --truth-columns '^q\.(?<action>\d+)$'

# --- ope train routes without a hand-kept option list ----------------------------------
# The algorithm may follow options that take values (--iterations 2) or flags (-q).
expect_status 0 "train: ALGO after options" "$OPE" train --iterations 2 -q --env riverswim npg
expect_grep "$TMP/out" "npg" "routed to policy gradient"
expect_status 0 "train: prdc-lqr after an option" "$OPE" train --episodes 20 prdc-lqr -q
expect_grep "$TMP/out" "PRDC on a 1-D LQR" "routed to prdc-lqr"

done_testing
