/* reports/report_sections.c: the data section (what the log holds, how the
 * propensities and the evaluated policies' importance weights look, every warning)
 * and the estimates section (the full table of the result model, as `ope eval`
 * prints it, and its chart). */
#include "config.h"
#include "reports/report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void model_sentence(struct report_doc *d, const struct res_eval *r)
{
    int traj = strcmp(r->kind, "bandit") != 0;
    if (!r->model.kind[0])
        return;
    char e[32];
    if (isnan(r->model.heldout_error))
        report_para(d, REPORT_P, "%s model: %s.", traj ? "Value" : "Reward", r->model.kind);
    else
        report_para(d, REPORT_P, "Reward model: %s, %d-fold cross-fitted (no row is predicted "
                    "by a model fitted on it); held-out %s %s.", r->model.kind, r->model.folds,
                    r->model.error_name, report_num(e, r->model.heldout_error));
}

static void overview(struct report_doc *d, const struct report_ctx *c)
{
    const struct res_eval *r = c->r;
    const struct report_data *x = &c->data;
    char a[32], b[32], g[32];
    report_begin(d, REPORT_P);
    report_spanf(d, REPORT_TEXT, "Input: ");
    report_spanf(d, REPORT_CODE, "%s", r->path ? r->path : "(in memory)");
    if (x->traj) {
        report_spanf(d, REPORT_TEXT, ", a trajectory log of %zu episodes (%zu steps; length %s "
                     "to %s, mean %s), %d actions", x->episodes, x->n, report_num(a, x->len_min),
                     report_num(b, x->len_max), report_num(g, x->len_mean), x->n_actions);
        if (x->n_states)
            report_spanf(d, REPORT_TEXT, ", %d tabular states", x->n_states);
        if (x->n_features)
            report_spanf(d, REPORT_TEXT, ", %zu state features", x->n_features);
        report_spanf(d, REPORT_TEXT, "; %zu episodes ended in a terminal state; discount "
                     "gamma = %s.", x->n_done, report_num(a, r->gamma));
    } else {
        size_t logged = 0;
        for (int k = 0; k < x->n_actions; k++)
            logged += x->count[k] > 0;
        report_spanf(d, REPORT_TEXT, ", a bandit log of %zu rows, %d actions (%zu of them "
                     "logged at least once)", x->n, x->n_actions, logged);
        if (x->n_positions > 1)
            report_spanf(d, REPORT_TEXT, ", %d slots (positions)", x->n_positions);
        report_spanf(d, REPORT_TEXT, "; context: %zu numeric and %zu categorical columns; "
                     "reward model columns (qhat.*): %s; true expected rewards (q.*): %s.",
                     x->n_num_ctx, x->n_cat_ctx, x->has_qhat ? "yes" : "no",
                     x->has_q ? "yes" : "no");
    }
    report_end(d, REPORT_P);
}

static void summary_table(struct report_doc *d, const struct report_ctx *c)
{
    const struct report_data *x = &c->data;
    const char *head[] = { "quantity", "min", "mean", "max" };
    report_table_begin(d, 4, head, "lrrr");
    char b[3][32];
    const char *row1[] = { "logged propensity (pscore)", report_num(b[0], x->p_min),
                           report_num(b[1], x->p_mean), report_num(b[2], x->p_max) };
    report_table_row(d, row1);
    char i[32];
    const char *row2[] = { "1 / pscore", "", report_num(i, x->inv_p_mean), "" };
    report_table_row(d, row2);
    char r3[3][32];
    const char *row3[] = { x->traj ? "reward per step" : "reward", report_num(r3[0], x->r_min),
                           report_num(r3[1], x->r_mean), report_num(r3[2], x->r_max) };
    report_table_row(d, row3);
    if (x->traj) {
        char g[3][32];
        const char *row4[] = { "return per episode (discounted)", report_num(g[0], x->g_min),
                               report_num(g[1], x->g_mean), report_num(g[2], x->g_max) };
        report_table_row(d, row4);
    }
    report_table_end(d);
    char J[32];
    report_para(d, REPORT_NOTE, "The mean of 1 / pscore is the number of actions for a "
                "uniformly random logger, and larger when the logger rarely takes some actions. "
                "%sThe logged policy's own value (mean %s) is %s.",
                x->r_binary ? "Rewards are 0/1 (e.g. clicks). " : "",
                x->traj ? "discounted return" : "reward",
                report_num(J, c->J));
}

/* How often each action was logged: all of them when few, else the extremes. */
static void actions_table(struct report_doc *d, const struct report_ctx *c)
{
    const struct report_data *x = &c->data;
    size_t A = x->n_actions > 0 ? (size_t)x->n_actions : 0;
    size_t *order = calloc(A ? A : 1, sizeof *order);
    if (!order) {
        d->out.failed = 1;
        return;
    }
    for (size_t a = 0; a < A; a++)
        order[a] = a;
    /* Most logged first (insertion sort: A is small enough, and it is stable). */
    for (size_t i = 1; i < A; i++)
        for (size_t j = i; j > 0 && x->count[order[j]] > x->count[order[j - 1]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    size_t shown = A <= 12 ? A : 10, never = 0;
    for (size_t a = 0; a < A; a++)
        never += x->count[a] == 0;
    if (A > shown)
        report_para(d, REPORT_P, "The %zu most logged of %zu actions (%zu never logged):", shown,
                    A, never);
    const char *head[] = { "action", x->traj ? "steps" : "rows", "share" };
    report_table_begin(d, 3, head, "rrr");
    for (size_t k = 0; k < shown; k++) {
        char a[32], n[32], s[32];
        snprintf(a, sizeof a, "%zu", order[k]);
        snprintf(n, sizeof n, "%zu", x->count[order[k]]);
        snprintf(s, sizeof s, "%.2f%%", x->n ? 100.0 * (double)x->count[order[k]] /
                 (double)x->n : 0.0);
        const char *row[] = { a, n, s };
        report_table_row(d, row);
    }
    report_table_end(d);
    free(order);
}

static void weights_table(struct report_doc *d, const struct report_ctx *c)
{
    const struct res_eval *r = c->r;
    const struct report_data *x = &c->data;
    const char *head[] = { "policy", "mean weight", "max weight", "ESS", "ESS share",
                           "zero weights", "mass on unlogged actions" };
    report_table_begin(d, 7, head, "lrrrrrr");
    for (size_t p = 0; p < r->n_policies; p++) {
        const struct report_weights *w = &x->w[p];
        if (!w->known)
            continue;
        double n = x->traj ? (double)x->episodes : (double)x->n;
        char b[6][32];
        report_num(b[0], w->mean);
        report_num(b[1], w->max);
        report_num(b[2], w->ess);
        snprintf(b[3], sizeof b[3], "%.2f%%", n > 0 ? 100 * w->ess / n : 0.0);
        snprintf(b[4], sizeof b[4], "%.2f%%", 100 * w->zero);
        if (isnan(r->pol[p].unsupported))
            snprintf(b[5], sizeof b[5], "-");
        else
            snprintf(b[5], sizeof b[5], "%.3g%%", 100 * r->pol[p].unsupported);
        const char *row[] = { r->pol[p].name, b[0], b[1], b[2], b[3], b[4], b[5] };
        report_table_row(d, row);
    }
    report_table_end(d);
    report_para(d, REPORT_NOTE, "How to read it: the importance weight of a %s is how much "
                "more (or less) likely the evaluated policy was to %s than the logged policy. "
                "Their mean should be close to 1 (far from it: wrong propensities or poor "
                "overlap). The effective sample size ESS = (sum w)^2 / sum w^2 is how many "
                "%s the weighted estimates are really worth: a small share means a few %s "
                "dominate them. Probability the policy puts on actions the log never shows "
                "(in that context) is invisible to every weight-based estimator.",
                x->traj ? "trajectory (the product of its per-step weights)" : "row",
                x->traj ? "produce that trajectory" : "take the logged action",
                x->traj ? "episodes" : "rows", x->traj ? "episodes" : "rows");
}

static void warnings(struct report_doc *d, const struct res_eval *r)
{
    size_t n = r->n_warnings;
    for (size_t p = 0; p < r->n_policies; p++)
        n += r->pol[p].n_warnings;
    report_h(d, 3, NULL, "Warnings");
    if (!n) {
        report_para(d, REPORT_P, "None: no overlap, propensity or interval problem was "
                    "detected.");
        return;
    }
    for (size_t w = 0; w < r->n_warnings; w++)
        report_para(d, REPORT_WARN, "%s", r->warnings[w]);
    for (size_t p = 0; p < r->n_policies; p++)
        for (size_t w = 0; w < r->pol[p].n_warnings; w++)
            report_para(d, REPORT_WARN, "Policy %s: %s", r->pol[p].name, r->pol[p].warnings[w]);
}

void report_sec_data(struct report_doc *d, const struct report_ctx *c)
{
    const struct res_eval *r = c->r;
    report_h(d, 2, "data", "Data");
    if (!c->data.have) {
        report_begin(d, REPORT_P);
        report_spanf(d, REPORT_TEXT, "Input: ");
        report_spanf(d, REPORT_CODE, "%s", r->path ? r->path : "(in memory)");
        if (strcmp(r->kind, "bandit") == 0)
            report_spanf(d, REPORT_TEXT, ", a bandit log of %zu rows", r->rows);
        else
            report_spanf(d, REPORT_TEXT, ", a trajectory log of %zu episodes (%zu steps)",
                         r->episodes, r->rows);
        report_spanf(d, REPORT_TEXT, " with %d actions (the log itself was not available to "
                     "this report%s%s, so only the evaluation's own summary is shown).",
                     r->n_actions, c->in->no_log ? ": " : "",
                     c->in->no_log ? c->in->no_log : "");
        report_end(d, REPORT_P);
    } else {
        overview(d, c);
        summary_table(d, c);
        report_h(d, 3, NULL, "How often each action was logged");
        actions_table(d, c);
        report_h(d, 3, NULL, "Importance weights of the evaluated policies");
        weights_table(d, c);
    }
    warnings(d, r);
}

void report_sec_estimates(struct report_doc *d, const struct report_ctx *c)
{
    const struct res_eval *r = c->r;
    int truth = c->truth != NULL;
    report_h(d, 2, "estimates", "Estimates");
    if (strcmp(r->ci, "none") == 0)
        report_para(d, REPORT_P, "No intervals were computed (--ci none).");
    else if (strcmp(r->ci, "bootstrap") == 0)
        report_para(d, REPORT_P, "Intervals: %.4g%% bootstrap percentile intervals from %d "
                    "resamples (seed %llu): each %s is recomputed on resamples of the %s, "
                    "and the interval holds the middle %.4g%% of the results.",
                    100 * (1 - r->alpha), r->n_boot, (unsigned long long)r->seed,
                    "estimate", strcmp(r->kind, "bandit") ? "episodes" : "rows",
                    100 * (1 - r->alpha));
    else
        report_para(d, REPORT_P, "Intervals: %.4g%% %s intervals (see Methods).",
                    100 * (1 - r->alpha), r->ci);
    model_sentence(d, r);
    const char *head[] = { "policy", "estimator", "estimate", "lower", "upper", "true value",
                           "rel. error", "SE", "ESS", "max weight", "mean weight" };
    const char *head_nt[] = { "policy", "estimator", "estimate", "lower", "upper", "SE", "ESS",
                              "max weight", "mean weight" };
    if (truth)
        report_table_begin(d, 11, head, "llrrrrrrrrr");
    else
        report_table_begin(d, 9, head_nt, "llrrrrrrr");
    for (size_t p = 0; p < r->n_policies; p++) {
        const struct res_policy *pol = &r->pol[p];
        for (size_t e = 0; e < pol->n_estimates; e++) {
            const struct res_estimate *x = &pol->est[e];
            char b[9][32];
            report_num(b[0], x->value);
            report_num(b[1], x->lower);
            report_num(b[2], x->upper);
            report_num(b[3], x->se);
            report_num(b[4], x->ess);
            report_num(b[5], x->max_weight);
            report_num(b[6], x->mean_weight);
            if (truth) {
                double t = c->truth[p];
                double rel = isnan(x->rel_error) && isfinite(t) && t != 0
                             ? fabs(x->value - t) / fabs(t) : x->rel_error;
                report_num(b[7], t);
                if (isnan(rel))
                    snprintf(b[8], sizeof b[8], "-");
                else
                    snprintf(b[8], sizeof b[8], "%.2f%%", 100 * rel);
                const char *row[] = { pol->name, x->label, b[0], b[1], b[2], b[7], b[8], b[3],
                                      b[4], b[5], b[6] };
                report_table_row(d, row);
            } else {
                const char *row[] = { pol->name, x->label, b[0], b[1], b[2], b[3], b[4], b[5],
                                      b[6] };
                report_table_row(d, row);
            }
        }
    }
    report_table_end(d);
    report_begin(d, REPORT_NOTE);
    report_spanf(d, REPORT_TEXT, "How to read it: an estimator whose interval is much wider "
                 "than the others' leans on a few large weights (look at its ESS); model-based "
                 "estimators (dm) have narrow intervals that say nothing about the model's own "
                 "error. SE is the standard error of the per-%s contributions. The same "
                 "numbers, machine-readable: ", strcmp(r->kind, "bandit") ? "episode" : "row");
    report_spanf(d, REPORT_CODE, "ope eval --format json");
    report_spanf(d, REPORT_TEXT, " with the options in the Reproducibility section.");
    report_end(d, REPORT_NOTE);
    d->fmt->figure(d, &c->chart[REPORT_CHART_ESTIMATES]);
    if (r->segments)
        report_sec_segments(d, c);
}
