# t/mpi-lib.sh: what the tests under mpirun share; source it after t/lib.sh.
#   mpi_ready                 skip the whole test unless mpirun is installed and ope is
#                             built with MPI, and in sanitizer builds (Open MPI's own
#                             allocations are not instrumented: MPI runs are checked in
#                             the plain build); sets $mpi (CI runs as root, on 2 cores)
#   facts_all NPS GROUP [-- GROUP ...]
#                             t/streamfacts over every group ("LOG OUT [ARGS]", OUT a
#                             bare name) alone, into $TMP/alone/OUT.0, and under each
#                             rank count of NPS, into $TMP/npN/OUT.R: one run and one
#                             MPI job each for all the logs (mpirun takes a second or
#                             more to start)
#   same_facts DESC OUT NPS   every rank of each rank count wrote the single process's
#                             facts
#   same_json DESC LOG NPS    ope eval's JSON of LOG under each rank count of NPS is the
#                             single process's (t/jsonclose, 1e-12)
#   same_json_files DESC NPS ARG...
#                             the same for ope eval ARG... (a log of several files, or
#                             options after the log)
#   refused_alike DESC LOG NPS
#                             LOG is refused under each rank count with the single
#                             process's status and first message line (after the
#                             "rank R: " of the rank that read it; mpirun adds its own
#                             notice after that line); leaves that line in $TMP/e1.first
#   refused_files DESC NPS ARG...
#                             the same for ope eval ARG...
#   same_shares DESC OUT NPS KIND [empty]
#                             after facts_all: every rank's share (OUT.share.R) is
#                             split by KIND (bytes, files, members), starts on the
#                             grid of 4096 rows where the one before it ends, from
#                             row 0 to the log's end, and the shares' windows in rank
#                             order are the single process's; with "empty", some
#                             share of the largest rank count is empty
#   mpi_cat_logs              $TMP/raw.csv: 40,000 rows of ope gen bandit (3 actions, 4
#                             contexts x0..x3, policies greedy and uniform, seed 11, q.*
#                             columns); $TMP/q.csv the same with qhat.* columns;
#                             $TMP/cat.csv with x1 whole numbers until "blue" at row
#                             30000 and x2 "a"/"b", then "mid" from row 25000
#   mpi_odd_log               after mpi_cat_logs: $TMP/odd.csv, cat.csv with the
#                             records csv.c reads that are not one per line: a BOM,
#                             CR LF, blank lines (before rows 5000 and 21000), a quoted
#                             level holding a line break (row 32000)
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

mpi_ready() {
    command -v mpirun >/dev/null 2>&1 ||
        skip_all "mpirun is not installed (apt-get install openmpi-bin)"
    grep -q '^#define HAVE_MPI 1' "$OPE_BUILDDIR/config.h" || skip_all "ope is built without MPI"
    if grep -q '^OPE_CFLAGS = .*-fsanitize' "$OPE_BUILDDIR/Makefile"; then
        skip_all "sanitizer build: MPI runs are checked in the plain build"
    fi
    mpi="timeout 120 mpirun --allow-run-as-root --oversubscribe"
}

facts_all() {
    nps=$1; shift
    rm -rf "$TMP/alone" && mkdir "$TMP/alone"
    (cd "$TMP/alone" && "$OPE_BUILDDIR/t/streamfacts" "$@") || diag "streamfacts alone: status $?"
    for np in $nps; do
        rm -rf "$TMP/np$np" && mkdir "$TMP/np$np"
        (cd "$TMP/np$np" && $mpi -np "$np" "$OPE_BUILDDIR/t/streamfacts" "$@") 2>"$TMP/fn.err" ||
            diag "streamfacts on $np ranks: status $?" "$(head -3 "$TMP/fn.err")"
    done
}

same_facts() {
    desc=$1; out=$2; bad=""
    [ -s "$TMP/alone/$out.0" ] || bad=" alone: none"
    for np in $3; do
        r=0
        while [ $r -lt "$np" ]; do
            cmp -s "$TMP/alone/$out.0" "$TMP/np$np/$out.$r" || bad="$bad np=$np rank $r"
            r=$((r + 1))
        done
    done
    if [ -z "$bad" ]; then pass "$desc"
    else fail "$desc"; diag "$bad" "$(diff "$TMP/alone/$out.0" "$TMP/np2/$out.0" | head -20)"; fi
}

same_json() {
    same_json_files "$1" "$3" "$2"
}

same_json_files() {
    desc=$1; nps=$2; shift 2
    "$OPE" eval "$@" -f json >"$TMP/mem" 2>"$TMP/mem.err" || { fail "$desc: alone"; return; }
    bad=""
    for np in $nps; do
        $mpi -np "$np" "$OPE" eval "$@" -f json >"$TMP/np" 2>"$TMP/np.err"
        s=$?
        if [ $s -ne 0 ] || ! "$OPE_BUILDDIR/t/jsonclose" "$TMP/mem" "$TMP/np" 2>"$TMP/cmp"; then
            bad="$bad np=$np (status $s: $(head -c 300 "$TMP/np.err") $(cat "$TMP/cmp"))"
        fi
    done
    if [ -z "$bad" ]; then pass "$desc"; else fail "$desc"; diag "$bad"; fi
}

refused_alike() {
    refused_files "$1" "$3" "$2"
}

refused_files() {
    desc=$1; nps=$2; shift 2
    "$OPE" eval "$@" >/dev/null 2>"$TMP/e1"; s1=$?
    head -1 "$TMP/e1" > "$TMP/e1.first"
    bad=""
    [ $s1 -ne 0 ] || bad="the single process takes it"
    for np in $nps; do
        $mpi -np "$np" "$OPE" eval "$@" >/dev/null 2>"$TMP/e2"; s2=$?
        head -1 "$TMP/e2" | sed 's/^ope: rank [0-9]*: /ope: /' > "$TMP/e2.first"
        [ $s2 -eq $s1 ] && cmp -s "$TMP/e1.first" "$TMP/e2.first" ||
            bad="$bad np=$np: status $s2, $(cat "$TMP/e2.first")"
    done
    if [ -z "$bad" ]; then pass "$desc"
    else fail "$desc"; diag "alone: status $s1, $(cat "$TMP/e1.first")" "$bad"; fi
}

same_shares() {
    desc=$1; out=$2; kind=$4; want_empty=${5:-}; bad=""; empty=0
    rows=$(awk '$1 == "share" { print $3 }' "$TMP/alone/$out.share.0")
    grep '^window' "$TMP/alone/$out.share.0" > "$TMP/whole"
    [ -s "$TMP/whole" ] || bad=" alone: no windows"
    for np in $3; do
        r=0; next=0; : > "$TMP/joined"
        while [ $r -lt "$np" ]; do
            f="$TMP/np$np/$out.share.$r"
            set -- $(grep '^share' "$f")
            [ "${4:-}" = "$kind" ] || bad="$bad np=$np rank $r: split ${4:-none}"
            [ "${2:-}" = "$next" ] || bad="$bad np=$np rank $r: starts at ${2:-?}, not $next"
            [ $((${2:-1} % 4096)) -eq 0 ] || [ "${2:-}" = "$rows" ] ||
                bad="$bad np=$np rank $r: starts off the grid (${2:-?})"
            [ "${2:-}" = "${3:-}" ] && empty=1
            next=${3:-?}
            grep '^window' "$f" >> "$TMP/joined"
            ! grep -q 'error' "$f" || bad="$bad np=$np rank $r: $(grep error "$f")"
            r=$((r + 1))
        done
        [ "$next" = "$rows" ] || bad="$bad np=$np: the shares end at $next, not $rows"
        cmp -s "$TMP/whole" "$TMP/joined" || bad="$bad np=$np: other windows"
    done
    [ "$want_empty" != empty ] || [ $empty -eq 1 ] || bad="$bad: no share is empty"
    if [ -z "$bad" ]; then pass "$desc"; else fail "$desc"; diag "$bad"; fi
}

mpi_odd_log() {
awk 'NR == 1 { printf "\357\273\277" } { r = NR - 2
    if (r == 5000 || r == 21000) printf "\r\n"
    if (r == 32000) sub(/,b,/, ",\"two\nlines\",")
    printf "%s\r\n", $0 }' "$TMP/cat.csv" > "$TMP/odd.csv"
}

mpi_cat_logs() {
    "$OPE" gen bandit --rows 40000 --actions 3 --contexts 4 --policies greedy,uniform \
        --seed 11 -q -o "$TMP/raw.csv" || exit 1
    sed '1s/,q\./,qhat./g' "$TMP/raw.csv" > "$TMP/q.csv"
    awk -F, 'BEGIN { OFS = "," } NR > 1 { r = NR - 2
        $5 = r % 7; if (r == 30000) $5 = "blue"
        $6 = (r % 2) ? "a" : "b"; if (r >= 25000 && r % 3 == 0) $6 = "mid" } { print }' \
        "$TMP/q.csv" > "$TMP/cat.csv"
}
