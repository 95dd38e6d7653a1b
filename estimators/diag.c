/* estimators/diag.c: importance-weight diagnostics and their warnings (diag.h). The
 * sums are compensated, so the ESS of a million weights is exact to a few ulps, and
 * every number is a pure function of the weights in order. */
#include "config.h"
#include "estimators/diag.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diag_acc_init(struct diag_acc *a)
{
    ope_sum_init(&a->s1);
    ope_sum_init(&a->s2);
    a->n = a->n_zero = a->n_bad = 0;
    a->max = 0.0;
    a->min_pos = INFINITY;
    a->wmean = a->m2 = 0.0;
}

void diag_acc_add(struct diag_acc *a, double w)
{
    a->n++;
    if (!isfinite(w) || w < 0.0) {
        a->n_bad++;
        return;
    }
    ope_sum_add(&a->s1, w);
    ope_sum_add(&a->s2, w * w);
    /* The variance by Welford's update, not from the two sums: those cancel, and
     * would give equal weights a standard error of 1e-10 instead of 0. */
    double k = (double)(a->n - a->n_bad), delta = w - a->wmean;
    a->wmean += delta / k;
    a->m2 += delta * (w - a->wmean);
    if (w == 0.0)
        a->n_zero++;
    else if (w < a->min_pos)
        a->min_pos = w;
    if (w > a->max)
        a->max = w;
}

void diag_acc_result(const struct diag_acc *a, struct diag_weights *out)
{
    size_t m = a->n - a->n_bad;
    double s1 = ope_sum_value(&a->s1), s2 = ope_sum_value(&a->s2);
    out->n = a->n;
    out->n_zero = a->n_zero;
    out->n_bad = a->n_bad;
    out->sum = s1;
    out->sum_sq = s2;
    out->mean = m ? s1 / (double)m : NAN;
    out->max = m ? a->max : NAN;
    out->min_pos = a->min_pos;
    out->ess = s2 > 0 ? s1 * s1 / s2 : 0.0;
    out->se = NAN;
    if (m >= 2)
        out->se = sqrt(a->m2 / (double)(m - 1) / (double)m);
}

void diag_acc_merge(struct diag_acc *into, const struct diag_acc *from)
{
    double ka = (double)(into->n - into->n_bad), kb = (double)(from->n - from->n_bad);
    if (kb > 0 && ka > 0) {
        double d = from->wmean - into->wmean;
        into->wmean += d * (kb / (ka + kb));
        into->m2 += from->m2 + d * d * (ka * kb / (ka + kb));
    } else if (kb > 0) {
        into->wmean = from->wmean;
        into->m2 = from->m2;
    }
    ope_sum_merge(&into->s1, &from->s1);
    ope_sum_merge(&into->s2, &from->s2);
    into->n += from->n;
    into->n_zero += from->n_zero;
    into->n_bad += from->n_bad;
    into->max = from->max > into->max ? from->max : into->max;
    into->min_pos = from->min_pos < into->min_pos ? from->min_pos : into->min_pos;
}

void diag_acc_put(struct strbuf *sb, const struct diag_acc *a)
{
    sf_put_f64(sb, a->s1.s);
    sf_put_f64(sb, a->s1.c);
    sf_put_f64(sb, a->s2.s);
    sf_put_f64(sb, a->s2.c);
    sf_put_u64(sb, a->n);
    sf_put_u64(sb, a->n_zero);
    sf_put_u64(sb, a->n_bad);
    sf_put_f64(sb, a->max);
    sf_put_f64(sb, a->min_pos);
    sf_put_f64(sb, a->wmean);
    sf_put_f64(sb, a->m2);
}

void diag_acc_get(struct sf_state *st, struct diag_acc *a)
{
    a->s1.s = sf_get_f64(st);
    a->s1.c = sf_get_f64(st);
    a->s2.s = sf_get_f64(st);
    a->s2.c = sf_get_f64(st);
    a->n = (size_t)sf_get_u64(st);
    a->n_zero = (size_t)sf_get_u64(st);
    a->n_bad = (size_t)sf_get_u64(st);
    a->max = sf_get_f64(st);
    a->min_pos = sf_get_f64(st);
    a->wmean = sf_get_f64(st);
    a->m2 = sf_get_f64(st);
    if (a->n_zero > a->n || a->n_bad > a->n)
        st->bad = 1;
    /* The weights' sums and moments are of finite weights (a bad one is counted, not
     * added): a NaN is damage. (min_pos is +inf until a positive weight is seen.) */
    if (isnan(a->s1.s) || isnan(a->s1.c) || isnan(a->s2.s) || isnan(a->s2.c) ||
        isnan(a->max) || isnan(a->min_pos) || isnan(a->wmean) || isnan(a->m2))
        st->bad = 1;
    /* Only weights >= 0 are added (diag_acc_add): their sums, mean, M2 and largest are
     * >= 0 and the least positive one > 0, whatever the rounding (a crafted state with
     * a negative weight sum was merged into an ESS no log gives). */
    if (!(ope_sum_value(&a->s1) >= 0.0 && ope_sum_value(&a->s2) >= 0.0 && a->max >= 0.0 &&
          a->min_pos > 0.0 && a->wmean >= 0.0 && a->m2 >= 0.0))
        st->bad = 1;
}

void diag_weights_of(const double *w, size_t n, struct diag_weights *out)
{
    struct diag_acc a;
    diag_acc_init(&a);
    for (size_t i = 0; i < n; i++)
        diag_acc_add(&a, w[i]);
    diag_acc_result(&a, out);
}

int diag_ess_poor(double ess, size_t n)
{
    return !isnan(ess) && ess < DIAG_ESS_SHARE * (double)n;
}

int diag_mean_off(const struct diag_weights *d)
{
    double dist = fabs(d->mean - 1.0);
    /* se == 0 (every weight equal) makes any material distance significant. */
    return !isnan(d->se) && dist > DIAG_MEAN_TOL && dist > DIAG_MEAN_Z * d->se;
}

void diag_row_weights(const struct blog *log, size_t p, double *w)
{
    double **prob = log->policy[p].prob;
    for (size_t i = 0; i < log->n; i++)
        w[i] = prob[log->action[i]][i] / log->pscore[i];
}

void diag_episode_weights(const struct tlog *log, size_t p, double *w)
{
    double **prob = log->policy[p].prob;
    for (size_t e = 0; e < log->n_episodes; e++) {
        double r = 1.0;
        for (size_t j = log->ep_start[e]; j < log->ep_start[e + 1]; j++)
            r *= prob[log->action[j]][j] / log->pscore[j];
        w[e] = r;
    }
}

/* ---- support ------------------------------------------------------------------ */

static int support_alloc(struct diag_support *s, size_t n_ctx, int n_actions,
                         struct ope_error *err)
{
    s->n_ctx = n_ctx;
    s->n_actions = n_actions > 0 ? (size_t)n_actions : 0;
    s->seen = ope_calloc(s->n_ctx * s->n_actions + 1, 1, err);
    return s->seen ? 0 : -1;
}

int diag_support_blog(struct diag_support *s, const struct blog *log, struct ope_error *err)
{
    if (support_alloc(s, log->n_positions > 0 ? (size_t)log->n_positions : 1, log->n_actions,
                      err) != 0)
        return -1;
    for (size_t i = 0; i < log->n; i++) {
        size_t pos = log->position ? (size_t)log->position[i] : 0;
        s->seen[pos * s->n_actions + (size_t)log->action[i]] = 1;
    }
    return 0;
}

int diag_support_tlog(struct diag_support *s, const struct tlog *log, struct ope_error *err)
{
    if (support_alloc(s, log->n_states > 0 ? (size_t)log->n_states : 1, log->n_actions,
                      err) != 0)
        return -1;
    for (size_t j = 0; j < log->n_steps; j++) {
        size_t st = log->state ? (size_t)log->state[j] : 0;
        s->seen[st * s->n_actions + (size_t)log->action[j]] = 1;
    }
    return 0;
}

void diag_support_release(struct diag_support *s)
{
    free(s->seen);
    s->seen = NULL;
    s->n_ctx = s->n_actions = 0;
}

/* Add to k, row by row, the probability prob puts on the actions never seen in each
 * row's context (ctx[i], or 0). */
static void unsupported_add(const struct diag_support *s, double **prob, const int *ctx,
                            size_t n, struct ope_sum *k)
{
    size_t A = s->n_actions;
    /* Every action seen in every context: every row would add 0 (the sum stays 0). */
    size_t unseen = 0;
    for (size_t c = 0; c < s->n_ctx * A; c++)
        unseen += !s->seen[c];
    if (unseen == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *seen = s->seen + (ctx ? (size_t)ctx[i] : 0) * A;
        double m = 0;
        for (size_t a = 0; a < A; a++)
            if (!seen[a])
                m += prob[a][i];
        ope_sum_add(k, m);
    }
}

static double unsupported(const struct diag_support *s, double **prob, const int *ctx,
                          size_t n)
{
    struct ope_sum k;
    ope_sum_init(&k);
    unsupported_add(s, prob, ctx, n, &k);
    return n ? ope_sum_value(&k) / (double)n : NAN;
}

double diag_unsupported_blog(const struct diag_support *s, const struct blog *log, size_t p)
{
    return unsupported(s, log->policy[p].prob, log->position, log->n);
}

void diag_unsupported_blog_add(const struct diag_support *s, const struct blog *window,
                               size_t p, struct ope_sum *k)
{
    unsupported_add(s, window->policy[p].prob, window->position, window->n, k);
}

int diag_support_add_blog(struct diag_support *s, const struct blog *window,
                          struct ope_error *err)
{
    size_t L = window->n_positions > 0 ? (size_t)window->n_positions : 1;
    size_t A = window->n_actions > 0 ? (size_t)window->n_actions : 0;
    if (!s->seen || L > s->n_ctx) {
        /* The first window, or one with more positions: the contexts seen so far keep
         * their rows (a position's row is position x A). */
        unsigned char *seen = ope_calloc(L * A + 1, 1, err);
        if (!seen)
            return -1;
        if (s->seen)
            memcpy(seen, s->seen, s->n_ctx * s->n_actions);
        free(s->seen);
        s->seen = seen;
        s->n_ctx = L;
        s->n_actions = A;
    }
    for (size_t i = 0; i < window->n; i++) {
        size_t pos = window->position ? (size_t)window->position[i] : 0;
        s->seen[pos * s->n_actions + (size_t)window->action[i]] = 1;
    }
    return 0;
}

int diag_support_merge(struct diag_support *into, const struct diag_support *from,
                       struct ope_error *err)
{
    if (!from->seen)
        return 0;
    if (into->seen && into->n_actions != from->n_actions)
        return ope_fail(err, OPE_EDATA, "the parts of the log have %zu and %zu actions",
                        into->n_actions, from->n_actions);
    if (!into->seen || from->n_ctx > into->n_ctx) {
        /* As diag_support_add_blog grows: a context's row is context x actions. */
        unsigned char *seen = ope_calloc(from->n_ctx * from->n_actions + 1, 1, err);
        if (!seen)
            return -1;
        if (into->seen)
            memcpy(seen, into->seen, into->n_ctx * into->n_actions);
        free(into->seen);
        into->seen = seen;
        into->n_ctx = from->n_ctx;
        into->n_actions = from->n_actions;
    }
    for (size_t j = 0; j < from->n_ctx * from->n_actions; j++)
        into->seen[j] |= from->seen[j];
    return 0;
}

void diag_support_put(struct strbuf *sb, const struct diag_support *s)
{
    size_t n = s->seen ? s->n_ctx * s->n_actions : 0;
    sf_put_u64(sb, s->seen ? s->n_ctx : 0);
    sf_put_u64(sb, s->seen ? s->n_actions : 0);
    for (size_t j = 0; j < n; j++)
        sf_put_u64(sb, s->seen[j]);
}

int diag_support_get(struct sf_state *st, struct diag_support *s, size_t max_bytes,
                     struct ope_error *err)
{
    memset(s, 0, sizeof *s);
    size_t n_ctx = (size_t)sf_get_count(st, 0, max_bytes);
    size_t A = (size_t)sf_get_count(st, 0, max_bytes);
    if (!st->bad && A && (n_ctx > max_bytes / A || n_ctx * A > sf_room(st, 8)))
        st->bad = 1;        /* more flags than the state holds: a damaged count */
    if (st->bad)
        return sf_done(st, err);
    if (!n_ctx || !A)
        return 0;
    if (!(s->seen = ope_calloc(n_ctx * A + 1, 1, err)))
        return -1;
    s->n_ctx = n_ctx;
    s->n_actions = A;
    for (size_t j = 0; j < n_ctx * A; j++)
        s->seen[j] = sf_get_count(st, 0, 1) != 0;
    if (st->bad) {
        diag_support_release(s);
        return sf_done(st, err);
    }
    return 0;
}

double diag_unsupported_tlog(const struct diag_support *s, const struct tlog *log, size_t p)
{
    return unsupported(s, log->policy[p].prob, log->state, log->n_steps);
}

/* ---- warnings ------------------------------------------------------------------- */

static void add(struct diag_warnings *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add(struct diag_warnings *out, const char *fmt, ...)
{
    if (out->n == DIAG_MAX_WARNINGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->text[out->n++], DIAG_WARNING_LEN, fmt, ap);
    va_end(ap);
}

void diag_policy_warnings(const struct diag_weights *w, double unsupported,
                          enum diag_unit unit, struct diag_warnings *out)
{
    int traj = unit == DIAG_TRAJECTORIES;
    size_t valid = w->n - w->n_bad;
    out->n = 0;
    if (valid > 0 && w->sum == 0.0)
        /* ESS 0 and mean 0 say the same thing three ways: say it once. */
        add(out, "no overlap: every %s weight is 0 (the policy gives no logged %s a positive "
            "probability); the estimates that see the log only through these weights are "
            "undefined",
            traj ? "trajectory" : "importance", traj ? "trajectory" : "action");
    else if (valid > 0 && diag_ess_poor(w->ess, valid))
        add(out, "poor overlap: effective sample size %.1f of %zu %s (max %sweight %.4g)",
            w->ess, valid, traj ? "trajectories" : "rows", traj ? "trajectory " : "", w->max);
    else if (valid > 0 && w->ess < DIAG_CI_MIN_ESS)
        add(out, "few effective samples: effective sample size %.1f of %zu %s; intervals "
            "resting on fewer than %.0f tend to cover less than their level "
            "(doc/coverage.md)", w->ess, valid, traj ? "trajectories" : "rows",
            DIAG_CI_MIN_ESS);
    if (valid > 0 && w->sum != 0.0 && diag_mean_off(w))
        add(out, "mean %s weight %.4g is far from 1 (standard error %.2g): wrong "
            "propensities, or poor overlap", traj ? "trajectory" : "importance", w->mean,
            w->se);
    if (unsupported > DIAG_MASS_EPS) {
        if (traj)
            add(out, "%.3g%% of the policy's probability (per step) is on actions never "
                "logged in that state: no weight-based estimator can see it",
                100 * unsupported);
        else
            add(out, "%.3g%% of the policy's probability mass is on actions never logged "
                "(at that position): no weight-based estimator can see it", 100 * unsupported);
    }
}

int diag_res_warn(struct res_eval *r, struct res_policy *pol, const struct diag_weights *w,
                  double unsupported, enum diag_unit unit)
{
    struct diag_warnings dw;
    size_t valid = w->n - w->n_bad;
    if (pol && valid > 0)
        pol->ess = w->sum == 0.0 ? 0.0 : w->ess;
    diag_policy_warnings(w, unsupported, unit, &dw);
    for (size_t k = 0; k < dw.n; k++)
        if (res_warn(r, pol, "%s", dw.text[k]) != 0)
            return -1;
    return 0;
}
