/* t/0720-policy.c: tabular policies: the spec strings (optimal, anti, uniform,
 * softmax, eps, mix, file), tie handling, the policy file round trip, and every way
 * a policy file can be wrong (formats.md), each with its status and message. */
#include "config.h"
#include "t/tap.h"
#include "datasets/mdp.h"
#include "datasets/env.h"
#include "datasets/policy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/ope-t0720.XXXXXX";
static char path[256];

static const char *put(const char *name, const char *text)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        bail_out("cannot write %s", path);
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_specs(void)
{
    struct ope_error err;
    struct mdp *m = env_build_named("riverswim", NULL, 0, 0, 1.0, &err);
    double Q[12];
    mdp_qstar(m, Q, &err);
    struct policy *opt = policy_from_spec(m, "optimal", Q, &err);
    struct policy *u = policy_from_spec(m, "uniform", NULL, &err);
    ok(u && u->p[0] == 0.5 && u->p[11] == 0.5, "uniform: 1/2 everywhere");
    int greedy = 1;
    for (int s = 0; s < 6; s++)
        greedy &= opt->p[s * 2 + (Q[s * 2 + 1] > Q[s * 2] ? 1 : 0)] == 1.0;
    ok(greedy, "optimal: all mass on argmax_a Q*_0(s,a)");
    struct policy *anti = policy_from_spec(m, "anti", Q, &err);
    /* argmin Q*: left everywhere on RiverSwim, worth 20 * 0.005. */
    is_double(mdp_eval_finite(m, anti->p, NULL, NULL, &err), 0.1, 1e-12, "anti: always-left, 0.1");
    struct policy *sm = policy_from_spec(m, "softmax:0.5", Q, &err);
    /* softmax in state 3: p(right) = 1 / (1 + exp((Q(3,left) - Q(3,right)) / 0.5)). */
    is_double(sm->p[3 * 2 + 1], 1.0 / (1.0 + exp((Q[6] - Q[7]) / 0.5)), 1e-15,
              "softmax:0.5 in state 3 matches 1 / (1 + exp(dQ / tau))");
    struct policy *e = policy_from_spec(m, "eps:0.3", Q, &err);
    /* eps-greedy with A = 2: 0.7 + 0.3/2 = 0.85 on the greedy action, 0.15 elsewhere. */
    ok(fabs(e->p[3 * 2 + 1] - 0.85) < 1e-15 && e->p[3 * 2] == 0.15, "eps:0.3: 0.85 / 0.15");
    struct policy *mx = policy_from_spec(m, "mix:0.2", Q, &err);
    ok(fabs(mx->p[3 * 2 + 1] - 0.6) < 1e-15 && fabs(mx->p[3 * 2] - 0.4) < 1e-15,
       "mix:0.2 = 0.2 optimal + 0.8 uniform: 0.6 / 0.4");
    struct policy *ma = policy_from_spec(m, "mix:0.25:anti", Q, &err);
    int same = 1;
    for (int i = 0; i < 12; i++)
        same &= fabs(ma->p[i] - (0.25 * opt->p[i] + 0.75 * anti->p[i])) < 1e-15;
    ok(same, "mix:0.25:anti = 0.25 optimal + 0.75 anti");
    struct policy *nest = policy_from_spec(m, "mix:0.5:softmax:0.5", Q, &err);
    ok(nest && fabs(nest->p[7] - (0.5 * opt->p[7] + 0.5 * sm->p[7])) < 1e-15,
       "mix:0.5:softmax:0.5 nests a spec with its own colon");
    policy_free(nest);
    const char *bad[] = {"softmax:0", "softmax:-1", "softmax:abc", "eps:1.5", "eps:", "mix:x",
                         "mix:2", "bogus", "optimal:1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct policy *p = policy_from_spec(m, bad[i], Q, &err);
        ok(!p && err.status == OPE_EUSAGE, "bad spec '%s' is a usage error", bad[i]);
        policy_free(p);
    }
    policy_free(opt);
    policy_free(u);
    policy_free(anti);
    policy_free(sm);
    policy_free(e);
    policy_free(mx);
    policy_free(ma);
    mdp_free(m);
}

static void test_ties_and_extremes(void)
{
    struct ope_error err;
    struct policy *p = policy_new(2, 3, &err);
    const double Q[6] = {1, 1, 0, 1000, 0, -1000};
    policy_set_greedy(p, Q, 1);
    ok(p->p[0] == 0.5 && p->p[1] == 0.5 && p->p[2] == 0.0, "greedy: a tie splits the mass evenly");
    policy_set_greedy(p, Q, -1);
    ok(p->p[2] == 1.0 && p->p[5] == 1.0, "anti-greedy: all mass on the minimiser");
    policy_set_softmax(p, Q, 1e-3);
    ok(p->p[3] == 1.0 && p->p[4] == 0.0 && p->p[5] == 0.0,
       "softmax with Q/tau = 1e6 does not overflow (one-hot)");
    ok(policy_check(p, &err) == 0, "policy_check accepts it");
    p->p[0] = 0.7;
    ok(policy_check(p, &err) < 0, "policy_check refuses a row summing to 1.2");
    policy_free(p);
}

static void test_roundtrip(void)
{
    struct ope_error err;
    const char *kv[] = {"states=7", "actions=4", "seed=2"};
    struct mdp *m = env_build_named("dirichlet", kv, 3, 0, 1.0, &err);
    struct policy *p = policy_from_spec(m, "softmax:0.37", NULL, &err);
    snprintf(path, sizeof path, "%s/sm.csv", dir);
    ok(policy_write(p, path, 0, &err) == 0, "policy_write writes a file");
    ok(policy_write(p, path, 0, &err) < 0 && err.status == OPE_ECANTCREAT,
       "policy_write refuses to replace a file without force");
    struct policy *q = policy_read(path, 7, 4, &err);
    ok(q && memcmp(p->p, q->p, 28 * sizeof *p->p) == 0,
       "policy_read gives back exactly the same probabilities");
    policy_free(q);
    q = policy_read(path, 0, 0, &err);
    ok(q && q->n_states == 7 && q->n_actions == 4, "policy_read infers S and A when not given");
    policy_free(q);
    char spec[300];
    snprintf(spec, sizeof spec, "file:%s", path);
    q = policy_from_spec(m, spec, NULL, &err);
    ok(q && memcmp(p->p, q->p, 28 * sizeof *p->p) == 0, "the spec file:PATH reads a policy file");
    policy_free(q);
    /* CRLF line ends, a BOM and a blank last line are fine. */
    q = policy_read(put("crlf.csv", "\xEF\xBB\xBFstate,p.0,p.1\r\n1,0.25,0.75\r\n0,1,0\r\n\r\n"), 2, 2, &err);
    ok(q && q->p[0] == 1.0 && q->p[3] == 0.75, "CRLF, BOM, rows out of order, blank line: read");
    policy_free(q);
    policy_free(p);
    mdp_free(m);
}

/* One bad file: status and the pieces of the message. */
static void bad_file(const char *name, const char *text, int S, int A, int status,
                     const char *where, const char *what)
{
    struct ope_error err;
    ope_error_clear(&err);
    struct policy *p = policy_read(put(name, text), S, A, &err);
    ok(!p && err.status == status, "%s: refused with status %d", name, status);
    char full[300];
    snprintf(full, sizeof full, "%s/%s", dir, where);
    like(err.msg, full, "%s: the message names the place", name);
    like(err.msg, what, "%s: the message says '%s'", name, what);
    policy_free(p);
}

static void test_bad_files(void)
{
    bad_file("sum.csv", "state,p.0,p.1\n0,0.5,0.5\n1,0.5,0.6\n", 2, 2, OPE_EDATA,
             "sum.csv:3:3:", "sum to 1.1");
    bad_file("hdr1.csv", "state,p.0,p.2\n0,0.5,0.5\n", 1, 2, OPE_EDATA,
             "hdr1.csv:1:11:", "expected 'p.1'");
    bad_file("hdr2.csv", "s,p.0,p.1\n0,0.5,0.5\n", 1, 2, OPE_EDATA,
             "hdr2.csv:1:1:", "state,p.0,p.1");
    bad_file("range.csv", "state,p.0,p.1\n0,0.5,0.5\n2,0.5,0.5\n", 2, 2, OPE_EDATA,
             "range.csv:3:1:", "'2' is not a state id in 0..1");
    bad_file("neg.csv", "state,p.0,p.1\n-1,0.5,0.5\n", 2, 2, OPE_EDATA,
             "neg.csv:2:1:", "'-1' is not a state id");
    bad_file("dup.csv", "state,p.0,p.1\n0,0.5,0.5\n0,1,0\n", 2, 2, OPE_EDATA,
             "dup.csv:3:1:", "appears again (first on line 2)");
    bad_file("missing.csv", "state,p.0,p.1\n0,0.5,0.5\n", 2, 2, OPE_EDATA,
             "missing.csv:", "no row for state 1");
    bad_file("nan.csv", "state,p.0,p.1\n0,nan,0.5\n", 1, 2, OPE_EDATA,
             "nan.csv:2:3:", "column 'p.0': value 'nan' is not a probability");
    bad_file("word.csv", "state,p.0,p.1\n0,0.5,half\n", 1, 2, OPE_EDATA,
             "word.csv:2:7:", "column 'p.1': value 'half'");
    bad_file("big.csv", "state,p.0,p.1\n0,-0.5,1.5\n", 1, 2, OPE_EDATA,
             "big.csv:2:3:", "not a probability in [0, 1]");
    bad_file("short.csv", "state,p.0,p.1\n0,1\n", 1, 2, OPE_EDATA,
             "short.csv:2:1:", "2 fields, the header has 3");
    bad_file("actions.csv", "state,p.0,p.1,p.2\n0,1,0,0\n", 1, 2, OPE_EDATA,
             "actions.csv:1:1:", "3 action columns");
    bad_file("empty.csv", "", 1, 2, OPE_EDATA, "empty.csv:1:1:", "empty");
    struct ope_error err;
    snprintf(path, sizeof path, "%s/no-such-file.csv", dir);
    ok(!policy_read(path, 1, 2, &err) && err.status == OPE_ENOINPUT,
       "a missing file is status 66 (EX_NOINPUT)");
}

int main(void)
{
    if (!mkdtemp(dir))
        bail_out("mkdtemp failed");
    plan(68);
    test_specs();
    test_ties_and_extremes();
    test_roundtrip();
    test_bad_files();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        diag("could not remove %s", dir);
    return done_testing();
}
