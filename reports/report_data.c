/* reports/report_data.c: what the report's data section says about the log: size,
 * actions and how often each was logged, propensity and reward summaries, episode
 * lengths and returns (trajectories), and the raw importance weights of every
 * evaluated policy — the numbers that tell a reader whether the estimates can be
 * trusted at all. All sums are compensated (ope/base/sum.h). */
#include "config.h"
#include "reports/report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/diag.h"
#include "ope/base/sum.h"

/* Mean, max, ESS = (sum w)^2 / sum w^2 and share of zeros of n weights, by the
 * diagnostics module every other part of ope uses. */
static void weight_stats(const double *w, size_t n, struct report_weights *o)
{
    struct diag_weights dw;
    diag_weights_of(w, n, &dw);
    o->known = 1;
    o->mean = dw.mean;
    o->max = dw.max;
    o->ess = dw.ess;
    o->zero = n ? (double)dw.n_zero / (double)n : NAN;
}

/* min, mean, max of x[0..n-1]. */
static void summary(const double *x, size_t n, double *mn, double *mean, double *mx)
{
    *mn = n ? INFINITY : NAN;
    *mx = n ? -INFINITY : NAN;
    for (size_t i = 0; i < n; i++) {
        *mn = x[i] < *mn ? x[i] : *mn;
        *mx = x[i] > *mx ? x[i] : *mx;
    }
    *mean = n ? ope_sum_array(x, n) / (double)n : NAN;
}

/* Propensities, rewards and action counts: the columns both kinds of log share. */
static int common(const double *pscore, const double *reward, const int *action, size_t n,
                  int A, struct report_data *d, struct ope_error *err)
{
    summary(pscore, n, &d->p_min, &d->p_mean, &d->p_max);
    summary(reward, n, &d->r_min, &d->r_mean, &d->r_max);
    struct ope_sum inv;
    ope_sum_init(&inv);
    d->r_binary = 1;
    for (size_t i = 0; i < n; i++) {
        ope_sum_add(&inv, 1.0 / pscore[i]);     /* pscore > 0: checked by the loader */
        d->r_binary &= reward[i] == 0 || reward[i] == 1;
    }
    d->inv_p_mean = n ? ope_sum_value(&inv) / (double)n : NAN;
    d->count = ope_calloc(A > 0 ? (size_t)A : 1, sizeof *d->count, err);
    if (!d->count)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (action[i] >= 0 && action[i] < A)
            d->count[action[i]]++;
    return 0;
}

static int bandit_data(const struct report_in *in, struct report_data *d, struct ope_error *err)
{
    const struct blog *b = in->blog;
    const struct res_eval *r = in->r;
    d->n = b->n;
    d->n_actions = b->n_actions;
    d->n_positions = b->n_positions;
    d->n_num_ctx = b->n_num_ctx;
    d->n_cat_ctx = b->n_cat_ctx;
    d->has_qhat = b->qhat != NULL;
    d->has_q = b->q != NULL;
    if (common(b->pscore, b->reward, b->action, b->n, b->n_actions, d, err) != 0)
        return -1;
    double *w = ope_calloc(b->n ? b->n : 1, sizeof *w, err);
    if (!w)
        return -1;
    for (size_t p = 0; p < r->n_policies; p++) {
        int idx = blog_policy_index(b, r->pol[p].name);
        if (idx < 0)
            continue;
        diag_row_weights(b, (size_t)idx, w);
        weight_stats(w, b->n, &d->w[p]);
    }
    free(w);
    return 0;
}

static int traj_data(const struct report_in *in, struct report_data *d, struct ope_error *err)
{
    const struct tlog *t = in->tlog;
    const struct res_eval *r = in->r;
    d->traj = 1;
    d->n = t->n_steps;
    d->episodes = t->n_episodes;
    d->n_actions = t->n_actions;
    d->n_positions = 1;
    d->n_states = t->n_states;
    d->horizon = t->horizon;
    d->n_features = t->n_features;
    if (common(t->pscore, t->reward, t->action, t->n_steps, t->n_actions, d, err) != 0)
        return -1;
    size_t E = t->n_episodes;
    double gamma = isfinite(r->gamma) ? r->gamma : t->gamma;
    double *len = ope_calloc(E ? E : 1, sizeof *len, err);
    d->G = ope_calloc(E ? E : 1, sizeof *d->G, err);
    double *last = ope_calloc(E ? E : 1, sizeof *last, err);
    int rc = len && d->G && last ? 0 : -1;
    for (size_t e = 0; rc == 0 && e < E; e++) {
        size_t a = t->ep_start[e], b = t->ep_start[e + 1];
        len[e] = (double)(b - a);
        struct ope_sum g;
        ope_sum_init(&g);
        double disc = 1;
        for (size_t j = a; j < b; j++, disc *= gamma)
            ope_sum_add(&g, disc * t->reward[j]);     /* discounted from gamma^0 */
        d->G[e] = ope_sum_value(&g);
        d->n_done += t->done && b > a && t->done[b - 1];
    }
    if (rc == 0) {
        summary(len, E, &d->len_min, &d->len_mean, &d->len_max);
        summary(d->G, E, &d->g_min, &d->g_mean, &d->g_max);
    }
    for (size_t p = 0; rc == 0 && p < r->n_policies; p++) {
        int idx = tlog_policy_index(t, r->pol[p].name);
        if (idx < 0)
            continue;
        /* rho_{i,T-1}: short episodes carry their last weight (the padding rule). */
        diag_episode_weights(t, (size_t)idx, last);
        weight_stats(last, E, &d->w[p]);
    }
    free(len);
    free(last);
    return rc;
}

int report_data_compute(const struct report_in *in, struct report_data *d,
                        struct ope_error *err)
{
    memset(d, 0, sizeof *d);
    d->w = ope_calloc(in->r->n_policies ? in->r->n_policies : 1, sizeof *d->w, err);
    if (!d->w)
        return -1;
    if (in->blog && strcmp(in->r->kind, "bandit") == 0) {
        d->have = 1;
        return bandit_data(in, d, err);
    }
    if (in->tlog && strcmp(in->r->kind, "bandit") != 0) {
        d->have = 1;
        return traj_data(in, d, err);
    }
    return 0;
}

void report_data_release(struct report_data *d)
{
    free(d->count);
    free(d->G);
    free(d->w);
    memset(d, 0, sizeof *d);
}
