# t/lib.sh: a tiny TAP library for the shell tests, in the spirit of git's t/.
# Source it, call `plan N` (or nothing and `done_testing`), then one test per behaviour.
: "${OPE:=ope}"
: "${OPE_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
DATA="$OPE_SRCDIR/t/data"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ope-test.XXXXXX")
# Each test script drives its own tmux server: on a shared one, a session killed by
# one script can take the server down just as another script creates its session.
# (Defined only where tmux exists, so `command -v tmux` still tells.)
if command -v tmux >/dev/null 2>&1; then
    export TMUX_TMPDIR="$TMP"     # the socket goes with the test's files
    # A session that lives as long as the script keeps the server up: when a test
    # kills its last session the server would exit, and a new-session right after
    # could reach the exiting server and fail.
    tmux() {
        if [ -z "${_tmux_keep:-}" ]; then
            _tmux_keep=1
            command tmux -L "ope-test-$$" new-session -d -s ope-keepalive "sleep 86400" 2>/dev/null
        fi
        command tmux -L "ope-test-$$" "$@"
    }
fi
# tmux_screen TARGET FILE: a settled capture of the pane. A capture can fall between
# two parts of one redraw (the header drawn, the rows not yet), so capture until two
# in a row, 50 ms apart, agree (at most 1 s; a screen with a running spinner never
# settles and then the last capture is kept).
tmux_screen() {
    tmux capture-pane -p -t "$1" > "$2.prev"
    _k=0
    while [ $_k -lt 20 ]; do
        sleep 0.05
        tmux capture-pane -p -t "$1" > "$2"
        cmp -s "$2" "$2.prev" && { rm -f "$2.prev"; return 0; }
        mv "$2" "$2.prev"; _k=$((_k + 1))
    done
    mv "$2.prev" "$2"
}
trap 'command tmux -L "ope-test-$$" kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
_n=0; _fail=0; _plan=""
plan() { _plan=$1; echo "1..$1"; }
pass() { _n=$((_n+1)); echo "ok $_n - $1"; }
fail() { _n=$((_n+1)); _fail=$((_fail+1)); echo "not ok $_n - $1"; }
diag() { printf '# %s\n' "$@"; }
skip() { _n=$((_n+1)); echo "ok $_n # skip $1"; }
# flip_byte FILE OFFSET: the byte at OFFSET of FILE with its lowest bit flipped, so it
# always changes (writing a fixed byte did nothing when the byte was that one already:
# one time in 62 for a character of mktemp's random name).
flip_byte() {
    _b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    # shellcheck disable=SC2059
    printf "\\$(printf '%03o' $((_b ^ 1)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# expect_status WANT DESC CMD...: run CMD, capture stdout/stderr in $TMP/out, $TMP/err.
expect_status() {
    want=$1; desc=$2; shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"; got=$?
    if [ "$got" -eq "$want" ]; then pass "$desc"; else
        fail "$desc"; diag "exit status $got, wanted $want" "stderr: $(head -c 600 "$TMP/err")"; fi
}
# expect_grep FILE PATTERN DESC: FILE contains the fixed string PATTERN.
expect_grep() {
    if grep -qF -- "$2" "$1"; then pass "$3"; else
        fail "$3"; diag "'$2' not found in $1:" "$(head -c 600 "$1")"; fi
}
# add_contexts IN OUT LATE: IN with a position (row mod 3) and categorical contexts,
# named x* as the default --context-columns wants them: x5 one of 300 levels, x6 one of
# 5, x7 one level until line LATE and one of 40 after (levels first seen late), drawn
# by an LCG (the same for every test that uses it).
add_contexts() {
    awk -F, -v late="$3" 'BEGIN { OFS = ","; s = 7 }
        NR == 1 { print $0, "position", "x5", "x6", "x7"; next }
        { s = (s * 1103515245 + 12345) % 2147483648
          print $0, NR % 3, "u" int(s / 7158279), substr("pqrst", int(s / 65536) % 5 + 1, 1),
                NR < late ? "k" : "v" int(s / 53687092) }' "$1" > "$2"
}
# cut_log LOG DIR START...: the shards of LOG starting at the given rows (the first 0), as
# DIR/0.csv, DIR/1.csv ..., each with the header; DIR/offsets lists "file row0".
cut_log() {
    _cl_log=$1; _cl_dir=$2; shift 2
    rm -rf "$_cl_dir"; mkdir -p "$_cl_dir"
    _cl_n=$(($(wc -l < "$_cl_log") - 1))
    awk -v starts="$* $_cl_n" -v dir="$_cl_dir" 'BEGIN { k = split(starts, s, " ") }
        NR == 1 { h = $0; for (i = 1; i < k; i++) print h > (dir "/" (i - 1) ".csv"); next }
        { r = NR - 2; i = 1; while (i < k - 1 && r >= s[i + 1]) i++; print > (dir "/" (i - 1) ".csv") }
        END { for (i = 1; i < k; i++) print dir "/" (i - 1) ".csv", s[i] > (dir "/offsets") }' "$_cl_log"
}
# stream_same DESC LOG ARGS...: ope eval LOG ARGS in memory and with --stream give the
# same JSON to 1e-12 relative (t/jsonclose); the outputs stay in $TMP/whole, $TMP/win.
stream_same() {
    _ss_desc=$1; _ss_log=$2; shift 2
    "$OPE" eval "$_ss_log" "$@" -f json >"$TMP/whole" 2>"$TMP/whole.err"; _ss_s1=$?
    "$OPE" eval "$_ss_log" --stream "$@" -f json >"$TMP/win" 2>"$TMP/win.err"; _ss_s2=$?
    if [ $_ss_s1 -eq 0 ] && [ $_ss_s2 -eq 0 ] &&
       "$OPE_BUILDDIR/t/jsonclose" "$TMP/whole" "$TMP/win" 2>"$TMP/why"; then
        pass "$_ss_desc"
    else fail "$_ss_desc"; diag "status $_ss_s1 / $_ss_s2" "$(head -c 300 "$TMP/why")" \
        "$(head -c 300 "$TMP/win.err")"; fi
}
# state_io: $TMP/stateio.py, for the tests that craft a state (resealed: the SHA-256
# only catches accidents): load(path) gives the container up to its payload's length,
# and the payload; save(path, head, payload) writes them back with the length and the
# checksum (statefile.h). A script in $TMP imports it (import stateio).
state_io() {
    cat > "$TMP/stateio.py" <<'PY'
import hashlib, struct
def load(path):
    b = open(path, 'rb').read()
    kl, = struct.unpack_from('<I', b, 16)
    sl, = struct.unpack_from('<I', b, 20 + kl)
    po = 24 + kl + sl
    pl, = struct.unpack_from('<Q', b, po)
    return b[:po], bytearray(b[po + 8:po + 8 + pl])
def save(path, head, p):
    out = head + struct.pack('<Q', len(p)) + bytes(p)
    open(path, 'wb').write(out + hashlib.sha256(out).digest())
PY
}
# shard_rounds DIR ARGS...: every shard of DIR (its offsets file: path, first row) run
# with ope eval --save-state --model-state $TMP/fit.state ARGS until ope merge writes
# the result ($TMP/result, -f json); the rounds in $rounds, what the shards and ope
# merge said in $TMP/said. 0, or 1 (the failing step's message in $TMP/why).
shard_rounds() {
    _sr_dir=$1; shift
    rm -f "$TMP/fit.state" "$TMP/result" "$TMP/said"
    rounds=0
    while [ ! -e "$TMP/result" ] && [ $rounds -lt 40 ]; do
        rounds=$((rounds + 1))
        while read -r _sr_f _sr_off; do
            "$OPE" eval "$_sr_f" --save-state "$_sr_f.state" --row-offset "$_sr_off" \
                --model-state "$TMP/fit.state" --force "$@" 2>"$TMP/why" || return 1
            cat "$TMP/why" >> "$TMP/said"
        done < "$_sr_dir/offsets"
        # shellcheck disable=SC2046
        "$OPE" merge $(awk '{ print $1 ".state" }' "$_sr_dir/offsets" | sort -r) \
            --model-state "$TMP/fit.state" -f json -o "$TMP/result" >>"$TMP/said" \
            2>"$TMP/why" || return 1
    done
    [ -e "$TMP/result" ]
}
done_testing() {
    [ -z "$_plan" ] && echo "1..$_n"
    [ "$_fail" -eq 0 ]
}
