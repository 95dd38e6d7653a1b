#!/bin/sh
# t/0546-tui-every-view.sh: every view of the workbench at 80x24 and at 120x40, the
# views taken from the tab bar itself (a new view is checked by being there): no line
# wider than the terminal (after the experiments of Learn, Explore and Train have
# drawn their charts, and at the end of each view's text), the tab bar names every
# view on row 1 and the status bar ends "?: help  q: quit", and both ? and F1 open Help
# from every view. The tables scroll (l) to their last column with their first one
# kept, and a resize from 120 to 80 columns draws the Chart and Learn charts again at
# the new width (t/0533 does Explore and Train). tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
"$OPE" gen bandit --rows 2000 --seed 4 -q -o "$TMP/log.csv"
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 30 s
    i=0
    while [ $i -lt 150 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
row() { sed -n "$1p" "$TMP/screen"; }
idle() {       # wait (up to 30 s) until no job's progress bar is on the status line
    i=0
    while [ $i -lt 150 ]; do screen; tail -n 1 "$TMP/screen" | grep -q 'c: cancel' || return 0; sleep 0.2; i=$((i + 1)); done
}
# fits W: no line of the screen is wider than W cells (as t/0537: combining marks
# dropped, every other UTF-8 character one byte).
fits() {
    LC_ALL=C sed -e 's/\xcc[\x80-\xbf]//g' -e 's/\xcd[\x80-\xaf]//g' \
        -e 's/[\xc0-\xdf][\x80-\xbf]/X/g' -e 's/[\xe0-\xef][\x80-\xbf][\x80-\xbf]/X/g' "$TMP/screen" |
        LC_ALL=C awk -v w="$1" 'length > w { bad = 1 } END { exit bad }'
}
# The Help view's first heading, and the last row's keys.
HELP="ope: the off-policy evaluation workbench"
is_help() { row 2 | grep -qF "$HELP"; }
# axis_ends W: the last x axis of a dumb-terminal chart ("+-----+") ends with '+'
# within W columns (cut at the edge it would end in '-').
axis_ends() {
    awk -v w="$1" '/^ *[-0-9.e+]* *\+-+/ { l = $0 } END { sub(/ +$/, "", l); exit !(l ~ /\+$/ && length(l) <= w) }' "$TMP/screen"
}

for size in 80x24 120x40; do
    W=${size%x*}; H=${size#*x}
    S=ope-views-$W-$$
    tmux new-session -d -s "$S" -x "$W" -y "$H" "cd '$TMP' && LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm NO_COLOR=1 '$OPE' tui log.csv --seed 1; echo EXITED \$?; sleep 60"
    wait_for "evaluation finished" || fail "$size: the evaluation finishes"
    # The views: the numbers of the tab bar (" 1 Data  2 Estimates ..." or, cut, " 4 Sel").
    n=$(row 1 | grep -oE '(^| )[0-9]+( |$)' | tr -d ' ' | sort -n | tail -n 1)
    [ -n "$n" ] && [ "$n" -ge 8 ] && pass "$size: the tab bar names $n views" || { fail "$size: views in the tab bar"; diag "$(row 1)"; n=8; }
    # The experiments draw their results and charts first (one at a time: a second
    # would be refused while one runs): their views at their widest.
    for v in 5 6 8; do tmux send-keys -t "$S" $v Enter; sleep 0.3; idle; done
    tmux send-keys -t "$S" 6; sleep 0.2; screen
    expect_grep "$TMP/screen" "constraint (1 - 0.1) V^b" "$size: the experiments ran (Explore's result)"
    v=1
    while [ $v -le "$n" ]; do
        tmux send-keys -t "$S" $v; sleep 0.2
        screen
        name=$(row 1 | sed -n "s/.* $v \([A-Za-z]*\) .*/\1/p")
        fits "$W" && pass "$size view $v ($name): no line wider than $W" \
            || { fail "$size view $v: a line wider than $W"; diag "$(awk -v w="$W" 'length > w' "$TMP/screen" | head -n 3)"; }
        if row 1 | grep -q "^ ope  1 " && row 1 | grep -q " $n [A-Za-z]* *$" && [ "$(grep -c . "$TMP/screen")" -ge 3 ]; then
            pass "$size view $v: the tab bar names views 1 to $n on row 1"
        else fail "$size view $v: the tab bar"; diag "$(row 1)"; fi
        row "$H" | grep -q '?: help  q: quit *$' && pass "$size view $v: the status bar ends ?: help  q: quit" \
            || { fail "$size view $v: the status bar"; diag "$(row "$H")"; }
        # The end of the view's text (charts come last): G, then the same checks.
        tmux send-keys -t "$S" G; sleep 0.2; screen
        fits "$W" && pass "$size view $v: its last page fits too" || fail "$size view $v: its last page"
        tmux send-keys -t "$S" '?'; sleep 0.2; screen
        is_help && pass "$size view $v: ? opens Help" || { fail "$size view $v: ?"; diag "$(row 2)"; }
        fits "$W" || fail "$size: Help wider than $W"
        tmux send-keys -t "$S" $v; sleep 0.2
        tmux send-keys -t "$S" F1; sleep 0.2; screen
        is_help && pass "$size view $v: F1 opens Help" || { fail "$size view $v: F1"; diag "$(row 2)"; }
        v=$((v + 1))
    done

    # The tables: l scrolls to the last column, the first one (the row's name) stays.
    # Estimates (2): the header is row 3, its last column "mean w"; Selection (4): from
    # row 4, its last column "ranking" (viz/tui_views.c, viz/tui_select.c).
    for t in "2 3 policy mean w" "4 4 estimator ranking"; do
        set -- $t; view=$1; hr=$2; first=$3; shift 3; last="$*"
        tmux send-keys -t "$S" $view; sleep 0.2
        k=0; while [ $k -lt 14 ]; do tmux send-keys -t "$S" l; k=$((k + 1)); done
        sleep 0.4; screen
        # The header is the first row that starts with the first column's name (row
        # hr at least: Selection's explanation above it wraps to the width).
        hdr=$(sed -n "$hr,\$p" "$TMP/screen" | grep -m1 "^$first ")
        echo "$hdr" | grep -q "$last" \
            && pass "$size view $view: l reaches the last column ($last), $first stays" \
            || { fail "$size view $view: horizontal scrolling"; diag "$(row "$hr")" "$hdr"; }
        fits "$W" || fail "$size view $view scrolled: wider than $W"
    done

    if [ "$W" = 120 ]; then
        # Resize to 80x24: the Chart (3) and Learn (5) charts are drawn again at 80.
        tmux send-keys -t "$S" 3; sleep 0.5; screen
        axis_ends 120 && pass "Chart: its axis at 120 columns" || { fail "Chart at 120"; diag "$(cat "$TMP/screen")"; }
        tmux resize-window -t "$S" -x 80 -y 24 2>/dev/null || tmux resize-pane -t "$S" -x 80 -y 24
        sleep 1; screen
        axis_ends 80 && fits 80 && pass "Chart: drawn again at 80 columns after the resize" \
            || { fail "Chart after the resize"; diag "$(cat "$TMP/screen")"; }
        tmux send-keys -t "$S" 5; sleep 0.5; tmux send-keys -t "$S" G; sleep 0.8; screen
        axis_ends 80 && fits 80 && pass "Learn: its chart drawn again at 80 columns" \
            || { fail "Learn after the resize"; diag "$(cat "$TMP/screen")"; }
    fi
    tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "$size: q quits with status 0" || fail "$size: q quits"
    tmux kill-session -t "$S" 2>/dev/null
done
done_testing
