#!/bin/sh
# t/0309-obp-reference.sh: sg-dr and rm equal the Open Bandit Pipeline's
# SubGaussianDoublyRobust and ReplayMethod to 1e-9 on a generated log. The reference
# is an independent plain-Python transcription of OBP's _estimate_round_rewards and
# estimate_policy_value (obp/ope/estimators.py), run on the same rows and the same
# q̂ (qhat.* columns added to the log, so neither side fits a model). Needs python3.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
    skip "python3 is not installed"; done_testing; exit $?
fi
$OPE gen bandit --rows 2000 --seed 3 -o "$TMP/gen.csv" 2>/dev/null
# Add q̂ (a deliberately imperfect model of the true q.*, varying with the row) and a
# second deterministic policy, "worst", that picks the action with the smallest q̂.
# Numbers are written with repr(), which reads back to the same double.
python3 - "$TMP/gen.csv" "$TMP/log.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
A = sum(1 for k in rows[0] if k.startswith('q.'))
head = list(rows[0].keys())
out = csv.writer(open(sys.argv[2], 'w', newline=''))
out.writerow(head + ['qhat.%d' % a for a in range(A)] + ['pi.worst.%d' % a for a in range(A)])
for i, r in enumerate(rows):
    qh = [0.7 * float(r['q.%d' % a]) + 0.1 + 0.05 * ((i * 7 + a * 3) % 5 - 2) / 2 for a in range(A)]
    worst = min(range(A), key=lambda a: (qh[a], a))
    out.writerow([r[k] for k in head] + [repr(q) for q in qh] +
                 ['1' if a == worst else '0' for a in range(A)])
PY
[ -s "$TMP/log.csv" ] && pass "a log with qhat.* columns and a second deterministic policy" ||
    fail "the log with qhat.* columns"
specs="sg-dr:lambda=0,sg-dr,sg-dr:lambda=0.3,sg-dr:lambda=0.9,rm"
expect_status 0 "ope eval --format json" $OPE eval "$TMP/log.csv" --estimators "$specs" \
    --ci none --format json
cp "$TMP/out" "$TMP/eval.json"

python3 - "$TMP/log.csv" "$TMP/eval.json" > "$TMP/ref.tap" <<'PY'
import csv, json, math, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
res = json.load(open(sys.argv[2]))
A = sum(1 for k in rows[0] if k.startswith('qhat.'))
n = len(rows)
action = [int(r['action']) for r in rows]
reward = [float(r['reward']) for r in rows]
pscore = [float(r['pscore']) for r in rows]
qhat = [[float(r['qhat.%d' % a]) for a in range(A)] for r in rows]

def dist(name):
    return [[float(r['pi.%s.%d' % (name, a)]) for a in range(A)] for r in rows]

def mean(v):
    return math.fsum(v) / len(v)

# SubGaussianDoublyRobust._estimate_round_rewards, then .mean():
#   iw = action_dist[i, a_i] / pscore; iw_hat = iw / (1 - lambda_ + lambda_ * iw)
#   estimated_rewards = np.average(q_hat, weights=pi_e) + iw_hat * (reward - q_hat[a_i])
def sg_dr(pi, lam):
    est = []
    for i in range(n):
        iw = pi[i][action[i]] / pscore[i]
        iw_hat = iw / (1 - lam + lam * iw)
        avg = math.fsum(pi[i][a] * qhat[i][a] for a in range(A)) / math.fsum(pi[i])
        est.append(avg + iw_hat * (reward[i] - qhat[i][action[i]]))
    return mean(est)

# ReplayMethod._estimate_round_rewards, then .mean():
#   action_match = action_dist[i, a_i] == 1
#   estimated_rewards = action_match * reward / action_match.mean() (0 when no match)
def rm(pi):
    match = [1.0 if pi[i][action[i]] == 1 else 0.0 for i in range(n)]
    if sum(match) == 0:
        return 0.0
    m = mean(match)
    return mean([match[i] * reward[i] / m for i in range(n)])

k = 0
def check(cond, desc):
    global k
    k += 1
    print(('ok %d - %s' if cond else 'not ok %d - %s') % (k, desc))

det_seen = 0
for pol in res['policies']:
    name = pol['name']
    pi = dist(name)
    stochastic = any(0 < pi[i][action[i]] < 1 for i in range(n))
    for e in pol['estimates']:
        label, v = e['label'], e['value']
        if e['estimator'] == 'sg-dr':
            lam = e['params'].get('lambda', 0.01)
            want = sg_dr(pi, lam)
            check(v is not None and abs(v - want) <= 1e-9,
                  '%s %s = OBP SubGaussianDoublyRobust(lambda_=%g): %r vs %r' % (name, label, lam, v, want))
        elif stochastic:
            check(v is None and any('rm does not apply' in w for w in pol['warnings']),
                  '%s (stochastic) rm: no number, a warning instead (OBP would say %r)' % (name, rm(pi)))
        else:
            det_seen += 1
            want = rm(pi)
            check(v is not None and abs(v - want) <= 1e-9,
                  '%s (deterministic) rm = OBP ReplayMethod: %r vs %r' % (name, v, want))
check(det_seen == 2, 'rm was compared on the two deterministic policies (greedy, worst)')
PY
# Relay the reference's results as this test's own.
while IFS= read -r line; do
    case "$line" in
        "ok "*) pass "${line#ok * - }" ;;
        "not ok "*) fail "${line#not ok * - }" ;;
    esac
done < "$TMP/ref.tap"
[ -s "$TMP/ref.tap" ] && pass "the reference ran" || fail "the reference ran"
done_testing
