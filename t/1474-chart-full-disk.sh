#!/bin/sh
# t/1474-chart-full-disk.sh: issue 20, item 16: an output that cannot be written is exit
# 73 everywhere. gnuplot writes a chart itself and says nothing when a write fails, so
# `ope plot` onto a full disk gave 70 ("gnuplot wrote an empty svg file") or, with a
# little room, could take a cut-short file for a chart. Now a chart is checked whole
# before it is put in place: 73 naming the file, nothing left behind. The disk is
# made full two ways: the write seam (OPE_TEST_WRITE_LIMIT: full after N bytes, for
# ope's writes and gnuplot's file alike) and, where mounting is allowed, a small tmpfs
# inside the test's own directory.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v gnuplot >/dev/null 2>&1; then
    skip "gnuplot is not installed (CI installs gnuplot-nox)"
    done_testing
    exit $?
fi
cd "$TMP" || exit 1
mnt="$TMP/small"
trap 'umount "$mnt" 2>/dev/null; command tmux -L "ope-test-$$" kill-server 2>/dev/null
      rm -rf "$TMP"' EXIT
"$OPE" gen bandit --rows 300 --seed 1 -q -o log.csv
left() {        # left DIR DESC: nothing but what was there before
    if ls -a "$1" | grep -q '\.svg\|\.png\|\.pdf\|\.html\|\.md\|\.ope-[0-9]'; then
        fail "$2"; diag "$(ls -a "$1")"; else pass "$2"; fi
}

# 1. The seam: the disk fills after 1000 bytes, inside gnuplot's file (an SVG of the
# weights is about 20 kB, a PNG 19 kB, a PDF 10 kB).
for ext in svg png pdf; do
    OPE_TEST_WRITE_LIMIT=1000 expect_status 73 "plot to .$ext, disk full after 1000 bytes: 73" \
        "$OPE" plot weights log.csv -o "w.$ext"
    expect_grep "$TMP/err" "w.$ext: cannot write the chart: gnuplot's $ext file next to it stopped after 1000 bytes (is the disk full?)" \
        "the message names the file and says why"
done
left "$TMP" "no chart and no temporary file is left"
expect_status 0 "without the seam the same charts are written" "$OPE" plot weights log.csv -o w.svg
expect_status 0 "(png too)" "$OPE" plot weights log.csv -o w.png

# A signal while gnuplot draws (a gnuplot that pauses once the chart is in its file)
# removes gnuplot's temporary file too: it was not among the files a signal removes.
cat > slowgp <<EOF
#!/bin/sh
while IFS= read -r line; do
    printf '%s\n' "\$line"
    case \$line in "unset output") sleep 5 ;; esac
done | exec $(command -v gnuplot) "\$@"
EOF
chmod +x slowgp
mkdir sig
OPE_GNUPLOT=$TMP/slowgp "$OPE" plot weights log.csv -o sig/w.svg 2>/dev/null & pid=$!
i=0
while [ $i -lt 50 ] && ! ls -a sig | grep -q '\.ope-[0-9]*\.'; do sleep 0.1; i=$((i + 1)); done
ls -a sig | grep -q '\.ope-[0-9]*\.' && pass "gnuplot is drawing into its temporary file" ||
    fail "no temporary file seen"
kill -TERM $pid; wait $pid; st=$?
[ $st -eq 143 ] && pass "SIGTERM ends ope plot as the signal would (143)" || fail "status $st"
left "$TMP/sig" "the temporary file is removed, no chart is left"

# 2. A real full disk: a 16 kB tmpfs (room for a cut-short chart), then the same tmpfs
# filled to the last byte (gnuplot writes nothing: this was exit 70).
mkdir "$mnt"
if ! mount -t tmpfs -o size=16k tmpfs "$mnt" 2>/dev/null; then
    skip "mounting a tmpfs is not permitted here (8 tests)"
    _n=$((_n + 7))
    done_testing
    exit $?
fi
for ext in svg png; do
    expect_status 73 "plot to .$ext on a 16 kB disk: 73" "$OPE" plot weights log.csv -o "$mnt/w.$ext"
done
expect_grep "$TMP/err" "$mnt/w.png: cannot write the chart" "naming the file"
dd if=/dev/zero of="$mnt/fill" bs=1k count=64 2>/dev/null
expect_status 73 "plot onto a full disk: 73 (was 70)" "$OPE" plot weights log.csv -o "$mnt/w.svg"
expect_grep "$TMP/err" "$mnt/w.svg: cannot write the chart" "naming the file"
rm -f "$mnt/fill"
expect_status 73 "a report onto the 16 kB disk: 73" "$OPE" report log.csv --n-boot 20 -o "$mnt/r.html"
dd if=/dev/zero of="$mnt/fill" bs=1k count=64 2>/dev/null
expect_status 73 "a text chart onto a full standard output: 73" \
    sh -c '"$0" plot weights "$1" --term dumb > "$2/chart.txt"' "$OPE" log.csv "$mnt"
rm -f "$mnt/fill" "$mnt/chart.txt"
left "$mnt" "nothing is left on the small disk"
done_testing
