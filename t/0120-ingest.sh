#!/bin/sh
# t/0120-ingest.sh: raw log lines to the bandit CSV: named groups as columns, '__'
# as '.', unmatched lines counted and shown, the CSV loads, bad patterns, the
# backtracking limit, and safe output files.
. "$OPE_SRCDIR/t/lib.sh"

cat > "$TMP/server.log" <<'LOG'
2026-11-01 10:00:01 user=u1 item=3 click=1 p=0.25 bts=0.5
2026-11-01 10:00:02 user=u2 item=0 click=0 p=0.25 bts=0.1
healthcheck ok
2026-11-01 10:00:03 user="a,b" item=2 click=0 p=0.25 bts=0.2
garbage line
2026-11-01 10:00:04 user=u4 item=1 click=1 p=0.25 bts=0.2
LOG
RE='user=(?<x0>\S+) item=(?<action>\d+) click=(?<reward>[01]) p=(?<pscore>[0-9.]+)'
expect_status 0 "ingest to a file" $OPE ingest --regex "$RE" "$TMP/server.log" -o "$TMP/log.csv"
expect_grep "$TMP/log.csv" "x0,action,reward,pscore" "named groups become the header, in group order"
expect_grep "$TMP/log.csv" '"""a,b""",2,0,0.25' "a value with a comma and quotes is CSV-quoted"
[ "$(wc -l < "$TMP/log.csv")" -eq 5 ] && pass "4 rows and a header" || fail "4 rows and a header"
expect_grep "$TMP/err" "4 rows from 6 lines; 2 lines did not match" "unmatched lines are counted"
expect_grep "$TMP/err" "server.log:3: healthcheck ok" "and shown with their line numbers"
expect_status 0 "the result loads as a bandit log" $OPE info "$TMP/log.csv"
expect_grep "$TMP/out" "rows                 4" "with its 4 rows"

RE2='item=(?<action>\d+) click=(?<reward>[01]) p=(?<pscore>[0-9.]+) bts=(?<pi__bts__0>[0-9.]+)'
expect_status 0 "'__' in a group name" $OPE ingest --regex "$RE2" "$TMP/server.log"
expect_grep "$TMP/out" "action,reward,pscore,pi.bts.0" "becomes '.' in the column name"

expect_status 64 "a pattern that does not compile" $OPE ingest --regex 'item=(?<action>\d+' "$TMP/server.log"
expect_grep "$TMP/err" "at offset" "shows PCRE2's offset"
expect_grep "$TMP/err" "^" "with a caret"
expect_status 64 "a pattern without the pscore group" $OPE ingest --regex '(?<action>\d) (?<reward>\d)' "$TMP/server.log"
expect_grep "$TMP/err" "no named group 'pscore'" "names the missing group"
expect_status 64 "no pattern" $OPE ingest "$TMP/server.log"
expect_status 66 "a missing file" $OPE ingest --regex "$RE" "$TMP/none.log"

# Catastrophic backtracking: (a+)+$ on 'aaaa...ab' is exponential; the match limit
# stops it with a data error naming the line, well within a second.
printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n' > "$TMP/evil.log"
start=$(date +%s)
expect_status 65 "catastrophic backtracking hits the limit" $OPE ingest --no-jit --match-limit 100000 \
    --regex '^(?<action>(a+)+)(?<reward>)(?<pscore>)$' "$TMP/evil.log"
expect_grep "$TMP/err" "evil.log:1:" "names the line"
expect_grep "$TMP/err" "limit" "says which limit"
[ $(( $(date +%s) - start )) -le 2 ] && pass "and fails fast" || fail "took too long"
expect_status 65 "the same with JIT" $OPE ingest --match-limit 100000 \
    --regex '^(?<action>(a+)+)(?<reward>)(?<pscore>)$' "$TMP/evil.log"

expect_status 73 "an existing output needs --force" $OPE ingest --regex "$RE" "$TMP/server.log" -o "$TMP/log.csv"
mkdir "$TMP/dir"
expect_status 73 "a directory is refused even with --force" $OPE ingest --regex "$RE" "$TMP/server.log" -o "$TMP/dir" --force
OPE_TEST_WRITE_LIMIT=10 expect_status 73 "a write failing midway" $OPE ingest --regex "$RE" "$TMP/server.log" -o "$TMP/part.csv"
[ ! -e "$TMP/part.csv" ] && [ -z "$(ls "$TMP" | grep -v -e '^log.csv$' -e '^server.log$' -e '^evil.log$' -e '^dir$' -e '^out$' -e '^err$')" ] \
    && pass "leaves nothing behind" || fail "leaves nothing behind: $(ls "$TMP")"
done_testing
