/* t/0390-stream-eval.c: a bandit log evaluated from windows of its rows
 * (estimators/evaluate_stream.h) gives what eval_bandit gives of the log in memory.
 *
 * Derivation: the streamed run is the same driver fed differently. Its point and
 * replicate sums come from the same chunks (windows start on multiples of 4096) keyed
 * by the same global rows, so they are the same bits; its means, minima, maxima,
 * weight diagnostics and confidence sequences are the same sequential folds in row
 * order; only the contributions' sd is merged across windows (Chan et al.) instead of
 * a two-pass sum, which moves it by rounding alone. So every number of the result --
 * values, intervals of every method, lifts, --against, the differences matrix, rank
 * probabilities, ESS, truth, unsupported mass -- must be the same bits, but se and
 * the t and Bernstein bounds (from the sd), which must agree to 1e-12 relative; and
 * every text (warnings, labels) exactly, for any window size (4096, 8192, a log
 * whose rows are not a multiple of the window) and any number of threads. A run
 * with another seed must differ (the comparison can fail). Then the refusals: a
 * model without qhat.* columns, a window off the chunk grid, segments, trajectories. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/gen_bandit.h"
#include "estimators/accum.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"
#include "estimators/evaluate_stream.h"
#include "t/tap.h"

/* ---- comparing two results ---------------------------------------------------------- */

/* loose: the numbers that rest on the contributions' sd (se, and the t and Bernstein
 * bounds), the only ones merged across windows; every other number must be the same
 * bits (exact). */
struct cmp {
    size_t bad;
    int loose;
    char first[256];
};

static void num_tol(struct cmp *c, const char *what, double a, double b, int loose)
{
    if ((isnan(a) && isnan(b)) || a == b)
        return;
    double m = fmax(fabs(a), fabs(b));
    if (loose && fabs(a - b) <= 1e-12 * m)
        return;
    if (!c->bad++)
        snprintf(c->first, sizeof c->first, "%s: %.17g vs %.17g", what, a, b);
}

static void num(struct cmp *c, const char *what, double a, double b)
{
    num_tol(c, what, a, b, 0);
}

static void bound(struct cmp *c, const char *what, double a, double b)
{
    num_tol(c, what, a, b, c->loose);
}

static void str(struct cmp *c, const char *what, const char *a, const char *b)
{
    if ((!a && !b) || (a && b && strcmp(a, b) == 0))
        return;
    if (!c->bad++)
        snprintf(c->first, sizeof c->first, "%s: '%s' vs '%s'", what, a ? a : "(null)",
                 b ? b : "(null)");
}

static void cmp_est(struct cmp *c, const struct res_estimate *a, const struct res_estimate *b,
                    size_t n_pol)
{
    str(c, "estimator", a->estimator, b->estimator);
    str(c, "label", a->label, b->label);
    str(c, "params", a->params_json, b->params_json);
    num(c, "value", a->value, b->value);
    bound(c, "lower", a->lower, b->lower);
    bound(c, "upper", a->upper, b->upper);
    num_tol(c, "se", a->se, b->se, 1);
    num(c, "lift", a->lift, b->lift);
    bound(c, "lift_lower", a->lift_lower, b->lift_lower);
    bound(c, "lift_upper", a->lift_upper, b->lift_upper);
    num(c, "relative_lift", a->relative_lift, b->relative_lift);
    num(c, "ess", a->ess, b->ess);
    num(c, "max_weight", a->max_weight, b->max_weight);
    num(c, "mean_weight", a->mean_weight, b->mean_weight);
    num(c, "rel_error", a->rel_error, b->rel_error);
    str(c, "ci_warning", a->ci_warning, b->ci_warning);
    if (!a->p_top != !b->p_top)
        str(c, "p_top", a->p_top ? "set" : NULL, b->p_top ? "set" : NULL);
    for (size_t k = 0; a->p_top && b->p_top && k < n_pol; k++)
        num(c, "p_top", a->p_top[k], b->p_top[k]);
}

static void cmp_eval(struct cmp *c, const struct res_eval *a, const struct res_eval *b)
{
    memset(c, 0, sizeof *c);
    c->loose = strcmp(a->ci, "t") == 0 || strcmp(a->ci, "bernstein") == 0;
    num(c, "rows", (double)a->rows, (double)b->rows);
    str(c, "kind", a->kind, b->kind);
    num(c, "n_actions", a->n_actions, b->n_actions);
    num(c, "behavior_value", a->behavior_value, b->behavior_value);
    num(c, "behavior_observed", a->behavior_observed, b->behavior_observed);
    num(c, "behavior_exact", a->behavior_exact, b->behavior_exact);
    str(c, "against", a->against, b->against);
    str(c, "ci", a->ci, b->ci);
    num(c, "n_boot", a->n_boot, b->n_boot);
    str(c, "model", a->model.kind, b->model.kind);
    num(c, "n_policies", (double)a->n_policies, (double)b->n_policies);
    num(c, "n_warnings", (double)a->n_warnings, (double)b->n_warnings);
    for (size_t w = 0; w < a->n_warnings && w < b->n_warnings; w++)
        str(c, "warning", a->warnings[w], b->warnings[w]);
    for (size_t p = 0; p < a->n_policies && p < b->n_policies; p++) {
        const struct res_policy *x = &a->pol[p], *y = &b->pol[p];
        str(c, "policy", x->name, y->name);
        num(c, "truth", x->truth, y->truth);
        num(c, "unsupported", x->unsupported, y->unsupported);
        num(c, "n_estimates", (double)x->n_estimates, (double)y->n_estimates);
        for (size_t e = 0; e < x->n_estimates && e < y->n_estimates; e++)
            cmp_est(c, &x->est[e], &y->est[e], a->n_policies);
        num(c, "policy warnings", (double)x->n_warnings, (double)y->n_warnings);
        for (size_t w = 0; w < x->n_warnings && w < y->n_warnings; w++)
            str(c, "policy warning", x->warnings[w], y->warnings[w]);
    }
    num(c, "matrix_k", (double)a->matrix_k, (double)b->matrix_k);
    num(c, "n_diffs", (double)a->n_diffs, (double)b->n_diffs);
    for (size_t d = 0; d < a->n_diffs && d < b->n_diffs; d++) {
        const struct res_diff *x = &a->diffs[d], *y = &b->diffs[d];
        num(c, "diff a", (double)x->a, (double)y->a);
        num(c, "diff b", (double)x->b, (double)y->b);
        num(c, "diff e", (double)x->e, (double)y->e);
        num(c, "diff", x->diff, y->diff);
        bound(c, "diff lower", x->lower, y->lower);
        bound(c, "diff upper", x->upper, y->upper);
    }
}

/* ---- the logs ------------------------------------------------------------------------ */

/* A generated log with a reward model as qhat.* columns: the truth shrunk and shifted
 * (a model that is wrong by a known amount, so dr and dm differ from ipw). */
static struct blog *make_log(size_t rows, int binary, int nonlinear, uint64_t seed)
{
    struct gen_bandit_opts go;
    struct ope_error err;
    gen_bandit_opts_init(&go);
    go.rows = rows;
    go.binary = binary;
    go.nonlinear = nonlinear;
    go.seed = seed;
    struct blog *b = gen_bandit(&go, &err);
    if (!b)
        bail_out("gen_bandit: %s", err.msg);
    b->qhat = blog_matrix_new(b->n_actions, b->n, &err);
    if (!b->qhat)
        bail_out("qhat: %s", err.msg);
    for (int a = 0; a < b->n_actions; a++)
        for (size_t i = 0; i < b->n; i++)
            b->qhat[a][i] = 0.8 * b->q[a][i] + 0.1 + 0.01 * (double)((i * 7 + (size_t)a) % 5);
    return b;
}

/* Three positions (row i at i % 3), and the last action never logged at position 2:
 * every policy that gives it probability there has unsupported mass (diag.h), which
 * the stream knows only once every window's support is in. */
static void add_positions(struct blog *b)
{
    b->n_positions = 3;
    b->position = malloc(b->n * sizeof *b->position);
    if (!b->position)
        bail_out("out of memory");
    for (size_t i = 0; i < b->n; i++) {
        b->position[i] = (int)(i % 3);
        if (b->position[i] == 2 && b->action[i] == b->n_actions - 1)
            b->action[i] = 0;
    }
}

static struct res_eval *streamed(const struct blog *log, size_t window,
                                 const struct eval_opts *o, struct ope_error *err)
{
    struct eng_windows win;
    struct eng_blog_windows bw;
    if (eng_windows_of_blog(&win, &bw, log, window, err) != 0)
        return NULL;
    struct res_eval *r = eval_bandit_stream(&win, o, err);
    eng_blog_windows_release(&bw);
    return r;
}

/* That the compared numbers exist: the method's intervals were formed (a comparison of
 * NaN with NaN proves nothing), with the differences' intervals where it gives them. */
static void sanity(const char *name, const char *what, const struct eval_opts *o,
                   const struct res_eval *r)
{
    size_t finite = 0, total = 0, dfin = 0;
    for (size_t p = 0; p < r->n_policies; p++)
        for (size_t e = 0; e < r->pol[p].n_estimates; e++, total++)
            finite += isfinite(r->pol[p].est[e].lower) && isfinite(r->pol[p].est[e].lift_lower);
    for (size_t d = 0; d < r->n_diffs; d++)
        dfin += isfinite(r->diffs[d].lower);
    /* cs: only ipw and dr have sequences (2 of 10 estimators, x 5 policies); the others
     * have every interval but rm on the 4 stochastic policies, and with --against no
     * lift for the baseline's own 10 estimates nor for rm against its undefined one. */
    size_t missing = o->against ? 4 + 10 : 4;
    ok(o->ci == CI_CS ? finite >= 2 * r->n_policies : finite + missing >= total,
       "%s, %s: %zu of %zu estimates have an interval and a lift interval", name, what,
       finite, total);
    if (o->ci != CI_CS)
        ok(r->n_diffs > 0 && dfin == r->n_diffs, "%s, %s: %zu of %zu differences have an "
           "interval", name, what, dfin, r->n_diffs);
    size_t unsup = 0;
    for (size_t p = 0; p < r->n_policies; p++)
        unsup += r->pol[p].unsupported > 1e-12;
    if (strcmp(name, "13001 rows") == 0)
        ok(unsup >= 3, "%s, %s: %zu policies put mass on the action never logged at "
           "position 2", name, what, unsup);
}

/* A provider whose windows are copies, poisoned with NaN and freed when the next one
 * is asked for: an engine that kept a pointer into a window past its lifetime
 * (evaluate_stream.h: valid until the next call) reads NaN or freed memory and fails
 * the comparison (or valgrind). */
struct copying {
    struct eng_windows inner;
    struct blog *copy;
};

static void copy_drop(struct copying *k)
{
    struct blog *b = k->copy;
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        b->reward[i] = b->pscore[i] = NAN;
        for (size_t p = 0; p < b->n_policies; p++)
            for (int a = 0; a < b->n_actions; a++)
                b->policy[p].prob[a][i] = NAN;
    }
    for (size_t p = 0; p < b->n_policies; p++)
        b->policy[p].name = NULL;   /* borrowed */
    blog_free(b);
    k->copy = NULL;
}

static int copy_next(void *ctx, const struct blog **w, size_t *first, struct ope_error *err)
{
    struct copying *k = ctx;
    copy_drop(k);
    const struct blog *src;
    int rc = k->inner.next(k->inner.ctx, &src, first, err);
    if (rc != 1)
        return rc;
    struct blog *b = blog_new(src->n, src->n_actions, src->n_positions, src->n_policies, err);
    if (!b)
        return -1;
    if (src->position)
        memcpy(b->position, src->position, src->n * sizeof *b->position);
    memcpy(b->action, src->action, src->n * sizeof *b->action);
    memcpy(b->reward, src->reward, src->n * sizeof *b->reward);
    memcpy(b->pscore, src->pscore, src->n * sizeof *b->pscore);
    for (size_t p = 0; p < src->n_policies; p++) {
        b->policy[p].name = src->policy[p].name;
        for (int a = 0; a < src->n_actions; a++)
            memcpy(b->policy[p].prob[a], src->policy[p].prob[a], src->n * sizeof(double));
    }
    /* The numeric contexts (the fitted reward model reads them), names left NULL. */
    b->n_num_ctx = src->n_num_ctx;
    if (!(b->num_ctx = calloc(src->n_num_ctx + 1, sizeof *b->num_ctx)))
        bail_out("out of memory");
    for (size_t j = 0; j < src->n_num_ctx; j++) {
        if (!(b->num_ctx[j] = malloc(src->n * sizeof(double) + 1)))
            bail_out("out of memory");
        memcpy(b->num_ctx[j], src->num_ctx[j], src->n * sizeof(double));
    }
    b->qhat = src->qhat ? blog_matrix_new(src->n_actions, src->n, err) : NULL;
    b->q = src->q ? blog_matrix_new(src->n_actions, src->n, err) : NULL;
    for (int a = 0; a < src->n_actions; a++) {
        if (b->qhat)
            memcpy(b->qhat[a], src->qhat[a], src->n * sizeof(double));
        if (b->q)
            memcpy(b->q[a], src->q[a], src->n * sizeof(double));
    }
    k->copy = b;
    *w = b;
    return 1;
}

static int copy_rewind(void *ctx, struct ope_error *err)
{
    struct copying *k = ctx;
    copy_drop(k);
    return k->inner.rewind(k->inner.ctx, err);
}

static struct res_eval *streamed_copies(const struct blog *log, size_t window,
                                        const struct eval_opts *o, struct ope_error *err)
{
    struct copying k = { { 0 }, NULL };
    struct eng_blog_windows bw;
    if (eng_windows_of_blog(&k.inner, &bw, log, window, err) != 0)
        return NULL;
    struct eng_windows win = { &k, copy_next, copy_rewind, log->path, 0, NULL, NULL };
    struct res_eval *r = eval_bandit_stream(&win, o, err);
    copy_drop(&k);
    eng_blog_windows_release(&bw);
    return r;
}

/* Every interval method (and --against with the bootstrap, --bounds with cs and
 * hoeffding) on one log: the in-memory result against the streamed ones. */
static void compare_log(const char *name, const struct blog *log, const struct est_spec *spec,
                        size_t ns)
{
    static const int methods[] = { CI_BOOTSTRAP, CI_T, CI_HOEFFDING, CI_BERNSTEIN, CI_CS,
                                   CI_NONE };
    static const size_t windows[] = { 4096, 8192 };
    size_t nm = sizeof methods / sizeof *methods;
    for (size_t m = 0; m < nm + 2; m++) {
        struct eval_opts o;
        eval_opts_init(&o);
        o.spec = spec;
        o.n_spec = ns;
        o.n_boot = 200;
        o.seed = 7;
        o.threads = 1;
        o.matrix_k = 4;
        const char *what;
        if (m < nm) {
            o.ci = methods[m];
            what = ci_method_name((enum ci_method)o.ci);
        } else if (m == nm) {
            o.ci = CI_BOOTSTRAP;
            o.against = "uniform";
            what = "bootstrap --against uniform";
        } else {
            o.ci = CI_CS;
            o.bound_lo = -1;
            o.bound_hi = 12;
            what = "cs --bounds -1,12";
        }
        struct ope_error err;
        struct res_eval *mem = eval_bandit(log, &o, &err);
        if (!mem)
            bail_out("%s %s in memory: %s", name, what, err.msg);
        for (size_t w = 0; w < 2; w++)
            for (int th = 1; th <= 2; th++) {
                o.threads = th;
                /* The second thread count reads copied, short-lived windows. */
                struct res_eval *st = th == 2 ? streamed_copies(log, windows[w], &o, &err)
                                              : streamed(log, windows[w], &o, &err);
                if (!ok(st != NULL, "%s, %s, window %zu, %d thread(s): the stream evaluates",
                        name, what, windows[w], th)) {
                    diag("%s", err.msg);
                    continue;
                }
                struct cmp c;
                cmp_eval(&c, mem, st);
                if (w == 0 && th == 1 && o.ci != CI_NONE)
                    sanity(name, what, &o, st);
                if (!ok(c.bad == 0, "%s, %s, window %zu, %d thread(s): equal to the log in "
                        "memory", name, what, windows[w], th))
                    diag("%zu differences; the first: %s", c.bad, c.first);
                res_eval_free(st);
            }
        res_eval_free(mem);
    }
}

/* ---- the comparison can fail -------------------------------------------------------- */

static void test_detects(const struct blog *log, const struct est_spec *spec, size_t ns)
{
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = ns;
    o.n_boot = 50;
    struct ope_error err;
    struct res_eval *a = eval_bandit(log, &o, &err);
    o.seed++;
    struct res_eval *b = streamed(log, 4096, &o, &err);
    struct cmp c;
    if (a && b)
        cmp_eval(&c, a, b);
    ok(a && b && c.bad > 0, "another seed's stream differs from the log in memory (%zu "
       "numbers)", a && b ? c.bad : 0);
    res_eval_free(a);
    res_eval_free(b);
}

/* rm's verdict across windows: the greedy policy made stochastic on row 9001 only (the
 * third window of 4096 rows, the second of 8192) does not apply, and the message names
 * that row of the log, not of the window; on the other rows rm's caveat (pscore from
 * the smallest to the largest over every window's replayed rows) is the same text. */
static void test_rm_windows(struct blog *log)
{
    struct est_spec *spec;
    size_t ns;
    struct ope_error err;
    if (est_spec_list("rm,ipw", EST_BANDIT, &spec, &ns, &err) != 0)
        bail_out("spec: %s", err.msg);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = ns;
    o.ci = CI_T;
    double **prob = log->policy[0].prob;
    size_t i = 9000;
    int a = log->action[i], other = (a + 1) % log->n_actions;
    double keep_a = prob[a][i], keep_o = prob[other][i];
    prob[a][i] = 0.5;
    prob[other][i] = 0.5;
    prob[(a + 2) % log->n_actions][i] = 0.0;    /* greedy: 1 on one action, now split */
    for (int k = 0; k < log->n_actions; k++)
        if (k != a && k != other)
            prob[k][i] = 0.0;
    struct res_eval *mem = eval_bandit(log, &o, &err);
    for (size_t w = 4096; w <= 8192; w += 4096) {
        struct res_eval *st = streamed(log, w, &o, &err);
        struct cmp c;
        if (mem && st)
            cmp_eval(&c, mem, st);
        int same = mem && st && c.bad == 0;
        ok(same, "rm made stochastic on row 9001, window %zu: equal to the log in memory", w);
        if (!same && mem && st)
            diag("%s", c.first);
        int named = 0;
        for (size_t k = 0; st && k < st->pol[0].n_warnings; k++)
            named |= strstr(st->pol[0].warnings[k], "logged action of row 9001 ") != NULL;
        ok(named, "window %zu: rm does not apply, naming row 9001 of the log", w);
        res_eval_free(st);
    }
    res_eval_free(mem);
    /* Restore the deterministic policy (a greedy row: 1 on its argmax). */
    for (int k = 0; k < log->n_actions; k++)
        prob[k][i] = 0.0;
    prob[a][i] = keep_a;
    prob[other][i] = keep_o;
    free(spec);
}

/* How many times the log is read: two whole passes (the sums, then the statistics),
 * and a third only for the t, Hoeffding and Bernstein intervals of the differences
 * matrix (its per-row differences); the bootstrap's differences come from the
 * replicates, and no matrix asks for nothing. Counted as ends of a pass. */
struct counting {
    struct eng_windows inner;
    size_t ends;
};

static int count_next(void *ctx, const struct blog **w, size_t *first, struct ope_error *err)
{
    struct counting *k = ctx;
    int rc = k->inner.next(k->inner.ctx, w, first, err);
    k->ends += rc == 0;
    return rc;
}

static int count_rewind(void *ctx, struct ope_error *err)
{
    struct counting *k = ctx;
    return k->inner.rewind(k->inner.ctx, err);
}

static void test_passes(const struct blog *log)
{
    struct est_spec *spec;
    size_t ns;
    struct ope_error err;
    if (est_spec_list("ipw,snipw", EST_BANDIT, &spec, &ns, &err) != 0)
        bail_out("spec: %s", err.msg);
    const struct { int ci; size_t k, passes; } c[] = {
        { CI_BOOTSTRAP, 3, 2 }, { CI_T, 3, 3 }, { CI_BERNSTEIN, 3, 3 }, { CI_T, 0, 2 },
        { CI_CS, 3, 2 },
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        struct eval_opts o;
        eval_opts_init(&o);
        o.spec = spec;
        o.n_spec = ns;
        o.n_boot = 20;
        o.ci = c[i].ci;
        o.matrix_k = c[i].k;
        struct counting k = { { 0 }, 0 };
        struct eng_blog_windows bw;
        if (eng_windows_of_blog(&k.inner, &bw, log, 4096, &err) != 0)
            bail_out("%s", err.msg);
        struct eng_windows win = { &k, count_next, count_rewind, log->path, 0, NULL, NULL };
        struct res_eval *r = eval_bandit_stream(&win, &o, &err);
        ok(r && k.ends == c[i].passes, "--ci %s, matrix %zu: %zu whole passes (want %zu)",
           ci_method_name((enum ci_method)c[i].ci), c[i].k, k.ends, c[i].passes);
        res_eval_free(r);
        eng_blog_windows_release(&bw);
    }
    free(spec);
}

/* A log that changes between the passes (a file appended to, or cut, while read)
 * is an error, not a result mixing two logs: here the second pass's reading is one
 * row shorter. */
struct shrinking {
    struct eng_windows inner;
    struct blog *shadow;
    int rewinds;
};

static int shrink_next(void *ctx, const struct blog **w, size_t *first, struct ope_error *err)
{
    struct shrinking *k = ctx;
    return k->inner.next(k->inner.ctx, w, first, err);
}

static int shrink_rewind(void *ctx, struct ope_error *err)
{
    struct shrinking *k = ctx;
    if (++k->rewinds == 3)      /* the first window, pass 1, then pass 2 */
        k->shadow->n--;
    return k->inner.rewind(k->inner.ctx, err);
}

static void test_changed(const struct blog *log)
{
    struct est_spec *spec;
    size_t ns;
    struct ope_error err;
    if (est_spec_list("ipw", EST_BANDIT, &spec, &ns, &err) != 0)
        bail_out("spec: %s", err.msg);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = ns;
    o.ci = CI_T;
    struct blog shadow = *log;
    struct shrinking k = { { 0 }, &shadow, 0 };
    struct eng_blog_windows bw;
    if (eng_windows_of_blog(&k.inner, &bw, &shadow, 4096, &err) != 0)
        bail_out("%s", err.msg);
    struct eng_windows win = { &k, shrink_next, shrink_rewind, "shrinking.csv", 0, NULL, NULL };
    struct res_eval *r = eval_bandit_stream(&win, &o, &err);
    ok(!r && err.status == OPE_EDATA, "a log one row shorter on the second reading is refused");
    like(err.msg, "the log changed while it was evaluated", "and the message says so");
    res_eval_free(r);
    eng_blog_windows_release(&bw);
    free(spec);
}

/* ---- refusals ----------------------------------------------------------------------- */

static void test_refusals(struct blog *log)
{
    struct est_spec *spec;
    size_t ns;
    struct ope_error err;
    struct eval_opts o;
    eval_opts_init(&o);
    o.n_boot = 20;
    if (est_spec_list("ipw,dr", EST_BANDIT, &spec, &ns, &err) != 0)
        bail_out("spec: %s", err.msg);
    o.spec = spec;
    o.n_spec = ns;

    struct eng_windows win;
    struct eng_blog_windows bw;
    struct res_eval *r;
    ok(eng_windows_of_blog(&win, &bw, log, 5000, &err) != 0 && err.status == OPE_EUSAGE,
       "a window of 5000 rows (not a multiple of 4096) is refused");
    like(err.msg, "multiple of 4096", "and the message says why");

    ok(eval_stream_refuse("region", 0, &err) != 0 && err.status == OPE_EUSAGE,
       "--by in a stream is refused");
    like(err.msg, "--by region", "naming the option");
    ok(eval_stream_refuse(NULL, 1, &err) != 0 && err.status == OPE_EUSAGE,
       "a trajectory log in a stream is refused");
    like(err.msg, "bandit logs only", "saying a stream takes bandit logs");
    ok(eval_stream_refuse(NULL, 0, &err) == 0, "nothing to refuse: 0");
    free(spec);

    if (est_spec_list("tis", EST_TRAJ, &spec, &ns, &err) != 0)
        bail_out("spec: %s", err.msg);
    o.spec = spec;
    o.n_spec = ns;
    r = streamed(log, 4096, &o, &err);
    ok(!r && err.status == OPE_EUSAGE, "a trajectory estimator is refused");
    free(spec);

    if (est_spec_list("ipw", EST_BANDIT, &spec, &ns, &err) != 0)
        bail_out("spec: %s", err.msg);
    o.spec = spec;
    o.n_spec = ns;
    const char *nope[] = { "nope" };
    o.policies = nope;
    o.n_policies = 1;
    r = streamed(log, 4096, &o, &err);
    ok(!r && err.status == OPE_EUSAGE, "an unknown policy is refused");
    like(err.msg, "no policy 'nope'", "with the in-memory message");
    o.policies = NULL;
    o.n_policies = 0;

    /* Rows 0..0: one row, as the in-memory check says. */
    size_t n = log->n;
    log->n = 1;
    r = streamed(log, 4096, &o, &err);
    ok(!r && err.status == OPE_EDATA, "a one-row log is refused (data)");
    like(err.msg, "1 row(s); at least 2", "with the in-memory message");
    log->n = n;
    free(spec);
}

int main(void)
{
    plan_no_plan();
    struct est_spec *spec;
    size_t ns;
    struct ope_error err;
    /* Every bandit estimator (the model-based ones read the qhat.* columns). */
    if (est_spec_list(NULL, EST_BANDIT, &spec, &ns, &err) != 0)
        bail_out("spec: %s", err.msg);
    struct blog *a = make_log(20000, 1, 0, 11);
    struct blog *b = make_log(20000, 0, 1, 12);
    struct blog *c = make_log(13001, 1, 1, 13);    /* not a multiple of either window */
    add_positions(c);
    compare_log("binary 20000 rows", a, spec, ns);
    compare_log("continuous 20000 rows", b, spec, ns);
    compare_log("13001 rows", c, spec, ns);
    /* Without qhat.* columns the stream fits the reward model in passes of its own
     * (rmstream.h) with the in-memory fit's folds and sums: the same numbers, windows
     * of 4096 rows cutting the folds' blocks and the models' rows anywhere. */
    double **qa = a->qhat, **qb = b->qhat, **qc = c->qhat;
    a->qhat = b->qhat = c->qhat = NULL;
    compare_log("binary 20000 rows, reward model fitted (logistic)", a, spec, ns);
    compare_log("continuous 20000 rows, reward model fitted (ridge)", b, spec, ns);
    compare_log("13001 rows with positions, reward model fitted", c, spec, ns);
    a->qhat = qa;
    b->qhat = qb;
    c->qhat = qc;
    test_detects(c, spec, ns);
    test_rm_windows(c);
    test_passes(c);
    test_changed(c);
    test_refusals(c);
    free(spec);
    blog_free(a);
    blog_free(b);
    blog_free(c);
    return done_testing();
}
