#!/bin/sh
# t/0235-diagnostics.sh: one log, the same warnings everywhere. `ope info`, `ope eval`
# (table and JSON), the TUI's batch summary and `ope report` all take their weight
# warnings from estimators/diag.c; on logs with poor overlap, wrong propensities and
# unlogged actions each must list the same warnings, per policy, in the same order.
. "$OPE_SRCDIR/t/lib.sh"
plan 23

# Each extractor prints "POLICY: WARNING" lines, in the order the tool shows them.
table_warnings() {     # ope eval / ope tui tables: "policy NAME" then "  warning: ..."
    awk '/^policy /{p=$2} /^  warning: /{sub(/^  warning: /, ""); print p ": " $0}' "$1"
}
json_warnings() {      # ope eval --format json: "name" then that policy's "warnings"
    grep -o '"name":"[^"]*"\|"warnings":\[[^]]*\]' "$1" | awk '
        /^"name":/ { p = substr($0, 9, length($0) - 9); next }
        p != "" { s = substr($0, 13, length($0) - 13)
                  n = split(s, w, /","/)
                  for (i = 1; i <= n; i++) { gsub(/^"|"$/, "", w[i]); if (w[i] != "") print p ": " w[i] }
                  p = "" }'
}
info_warnings() {      # ope info: " - policy 'NAME': ..." in its Warnings section
    sed -n "s/^ - policy '\([^']*\)': /\1: /p" "$1"
}
html_warnings() {      # the report's Warnings section: <p class="warn">Policy NAME: ...</p>
    sed -n '/<h3>Warnings<\/h3>/,/<h2/p' "$1" |
        sed -n 's/^<p class="warn">Policy \([^:]*\): \(.*\)<\/p>$/\1: \2/p' |
        sed "s/&#39;/'/g; s/&quot;/\"/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\\&/g"
}

# Only the weight diagnostics are compared: what a single estimator says of itself
# ("rm does not apply ...", "snipw is undefined ...") is not a property of the log,
# and ope info runs no estimator.
weight_only() { grep -v -E ': [a-z0-9:=.,_-]+(: | does not apply| is undefined on this log)' || true; }

# same_everywhere LOG NAME [eval options]: every tool's warnings equal ope info's.
same_everywhere() {
    log=$1; name=$2; shift 2
    "$OPE" info "$log" >"$TMP/$name.info" 2>&1
    info_warnings "$TMP/$name.info" >"$TMP/$name.want"
    "$OPE" eval "$log" "$@" >"$TMP/$name.eval" 2>&1
    table_warnings "$TMP/$name.eval" | weight_only >"$TMP/$name.got"
    if diff -u "$TMP/$name.want" "$TMP/$name.got" >"$TMP/diff"; then pass "$name: eval table = info"
    else fail "$name: eval table = info"; diag "$(cat "$TMP/diff")"; fi
    "$OPE" eval "$log" "$@" --format json >"$TMP/$name.json" 2>&1
    json_warnings "$TMP/$name.json" | weight_only >"$TMP/$name.got"
    if diff -u "$TMP/$name.want" "$TMP/$name.got" >"$TMP/diff"; then pass "$name: eval json = info"
    else fail "$name: eval json = info"; diag "$(cat "$TMP/diff")"; fi
    "$OPE" tui "$log" </dev/null >"$TMP/$name.tui" 2>&1
    table_warnings "$TMP/$name.tui" | weight_only >"$TMP/$name.got"
    if diff -u "$TMP/$name.want" "$TMP/$name.got" >"$TMP/diff"; then pass "$name: tui batch = info"
    else fail "$name: tui batch = info"; diag "$(cat "$TMP/diff")"; fi
    "$OPE" report "$log" -o "$TMP/$name.html" >/dev/null 2>&1
    html_warnings "$TMP/$name.html" | weight_only >"$TMP/$name.got"
    if diff -u "$TMP/$name.want" "$TMP/$name.got" >"$TMP/diff"; then pass "$name: report = info"
    else fail "$name: report = info"; diag "$(cat "$TMP/diff")"; fi
}

# A hand-made bandit log, 1000 rows, A = 3, every pscore 0.5, action i % 2 (action 2
# is never logged), three policies:
#   dom:  pi(a_0) = 1 on row 0, pi(a_i) = 0 on every other row: weights (2, 0, ..., 0),
#         ESS = 2^2 / 2^2 = 1 < 1% of 1000 (poor overlap); mean 0.002, sample sd
#         sqrt((4 - 2 * 0.002) / 999) = 0.0632, so se = 0.002: 499 se from 1.
#   half: pi = (0.4, 0.4, 0.2) everywhere: weight 0.8 on every row (se 0, 0.2 from 1),
#         and 20% of its mass on the never-logged action 2.
#   good: pi = (0.5, 0.5, 0): weight 1 everywhere, no warning.
awk 'BEGIN {
    print "action,reward,pscore,pi.dom.0,pi.dom.1,pi.dom.2,pi.half.0,pi.half.1,pi.half.2,pi.good.0,pi.good.1,pi.good.2"
    for (i = 0; i < 1000; i++) {
        a = i % 2
        d0 = i == 0 ? 1 : (a == 0 ? 0 : 1)
        printf "%d,%d,0.5,%d,%d,0,0.4,0.4,0.2,0.5,0.5,0\n", a, i % 3 == 0, d0, 1 - d0
    }
}' >"$TMP/hand.csv"
expect_status 0 "info on the hand-made log" "$OPE" info "$TMP/hand.csv"
expect_grep "$TMP/out" "policy 'dom': poor overlap: effective sample size 1.0 of 1000 rows (max weight 2)" \
    "ESS 1 of 1000 rows is poor overlap"
expect_grep "$TMP/out" "policy 'dom': mean importance weight 0.002 is far from 1 (standard error 0.002)" \
    "mean weight 0.002, se 0.002"
expect_grep "$TMP/out" "policy 'half': mean importance weight 0.8 is far from 1 (standard error 0)" \
    "constant weight 0.8: se 0"
expect_grep "$TMP/out" "policy 'half': 20% of the policy's probability mass is on actions never logged" \
    "20% of half's mass on action 2"
if grep -q "policy 'good'" "$TMP/out"; then fail "no warning for good"; else pass "no warning for good"; fi
# Four warnings: none lost or added by the extractor either.
n=$(info_warnings "$TMP/out" | wc -l)
if [ "$n" -eq 4 ]; then pass "four policy warnings"; else fail "four policy warnings (got $n)"; fi
same_everywhere "$TMP/hand.csv" hand --ci none --estimators ipw,snipw

# A generated bandit log where the behaviour policy is sharp (softmax(20 q)) and
# anti20 prefers the worst actions: its weights are carried by a few rows (ESS 2.8 of
# 3000, mean weight 0.15 with a standard error of 0.09).
expect_status 0 "gen bandit with poor overlap" "$OPE" gen bandit --rows 3000 --actions 10 \
    --beta 20 --policies greedy,softmax:-20 --seed 3 -o "$TMP/sharp.csv"
"$OPE" info "$TMP/sharp.csv" >"$TMP/sharp.out" 2>&1
expect_grep "$TMP/sharp.out" "policy 'anti20': poor overlap" "anti20 has poor overlap"
same_everywhere "$TMP/sharp.csv" sharp --ci none

# A trajectory log: the anti* candidates of riverswim take actions the behaviour
# policy rarely or never takes along whole trajectories.
expect_status 0 "gen mdp riverswim" "$OPE" gen mdp riverswim --episodes 300 --candidates 6 \
    -o "$TMP/rs.csv"
"$OPE" info "$TMP/rs.csv" >"$TMP/rs.out" 2>&1
expect_grep "$TMP/rs.out" "policy 'anti100': no overlap: every trajectory weight is 0" \
    "anti100 never follows a logged trajectory"
same_everywhere "$TMP/rs.csv" rs --ci none --estimators tis,wtis,dm
done_testing
