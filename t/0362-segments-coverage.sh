#!/bin/sh
# t/0362-segments-coverage.sh: the simultaneous intervals of `ope eval --by` cover
# every segment's true value at once about 1 - alpha of the time, or more. Simulation
# on `ope gen bandit` logs (fixed seeds): 40 logs of 2,000 rows, --by x0 --bins 4, the
# five generated policies, ipw, snipw and dr. A segment's truth is the mean over its
# rows of sum_a pi(a|x) q(x, a) from the log's q.* columns, computed here from the CSV
# and checked against the JSON's ground_truth first.
#
# Tolerance: joint coverage >= 0.88 per estimator over 200 (log, policy) families at
# 95%. If the families were only as informative as the 40 logs, a true 0.95 would
# have sd sqrt(0.95 0.05 / 40) = 0.034, so 0.88 is 2 sd under it; and the test can
# fail where it matters: four segments' separate 95% intervals cover jointly about
# 0.95^4 = 0.81. Measured when written: max-t bootstrap 0.94-0.97 and Bonferroni t
# 0.94-0.975 (with 100 logs: 0.954-0.966 and 0.964-0.974). python3 reads the JSON.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
    skip "python3 not installed"; done_testing; exit $?
fi

$OPE gen bandit --rows 2000 --seed 5001 -q -o "$TMP/one.csv"
$OPE eval "$TMP/one.csv" --estimators ipw --n-boot 50 --by x0 --bins 4 --format json > "$TMP/one.json"
python3 - "$TMP/one.csv" "$TMP/one.json" <<'EOF' && pass "each segment's truth is the mean of sum_a pi q over its rows" || fail "segment truth"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
d = json.load(open(sys.argv[2]))
segs = d["segments"]["segments"]
A = sum(1 for c in rows[0] if c.startswith("q."))
for k, s in enumerate(segs):
    last = k == len(segs) - 1
    mine = [r for r in rows if s["lo"] <= float(r["x0"]) and (float(r["x0"]) < s["hi"] or last and float(r["x0"]) <= s["hi"])]
    assert len(mine) == s["rows"], (len(mine), s["rows"])
    for p in s["policies"]:
        nm = p["name"]
        t = sum(sum(float(r["pi.%s.%d" % (nm, a)]) * float(r["q.%d" % a]) for a in range(A)) for r in mine) / len(mine)
        assert abs(t - p["ground_truth"]) < 1e-12, (nm, t, p["ground_truth"])
EOF

cover() {   # cover CI: joint coverage per estimator, one line each
    python3 - "$OPE" "$TMP" "$1" <<'EOF'
import json, subprocess, sys
ope, tmp, ci = sys.argv[1:4]
hit, n = {}, {}
for i in range(1, 41):
    f = "%s/c.csv" % tmp
    subprocess.run([ope, "gen", "bandit", "--rows", "2000", "--seed", str(5000 + i), "-q",
                    "-o", f, "--force"], check=True)
    out = subprocess.run([ope, "eval", f, "--estimators", "ipw,snipw,dr", "--ci", ci,
                          "--n-boot", "200", "--seed", str(i), "--by", "x0", "--bins", "4",
                          "--format", "json"], check=True, capture_output=True).stdout
    segs = json.loads(out)["segments"]["segments"]
    for p in range(len(segs[0]["policies"])):
        for e, x in enumerate(segs[0]["policies"][p]["estimates"]):
            ok = all(s["policies"][p]["estimates"][e]["ci"]["lower"] is not None and
                     s["policies"][p]["estimates"][e]["ci"]["lower"] <= s["policies"][p]["ground_truth"]
                     <= s["policies"][p]["estimates"][e]["ci"]["upper"] for s in segs)
            hit[x["label"]] = hit.get(x["label"], 0) + ok
            n[x["label"]] = n.get(x["label"], 0) + 1
for k in hit:
    print(k, hit[k] / n[k])
EOF
}
for ci in bootstrap t; do
    cover $ci > "$TMP/cov" || fail "$ci: the simulation ran"
    while read -r est c; do
        awk -v c="$c" 'BEGIN { exit !(c >= 0.88) }' &&
            pass "$ci: $est's simultaneous intervals cover all 4 segments jointly ($c >= 0.88)" ||
            fail "$ci: $est joint coverage $c < 0.88"
    done < "$TMP/cov"
done
done_testing
