/* viz/tui_data.c: the Data view's summary of a log: sizes, propensities, rewards,
 * columns and the role each one plays. */
#include "config.h"
#include "viz/tui_extra.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/tlog.h"
#include "estimators/diag.h"
#include "ope/base/sum.h"
#include "ope/base/utf8.h"

static void policy_line(char ***L, size_t *n, const char *name, const struct diag_weights *dw)
{
    char esc[256];      /* padded as shown: control bytes as \xNN (tui_put) */
    tui_linef(L, n, "  policy %-12s mean weight %.4g  max weight %.4g  ESS %.1f",
              utf8_printable(name, strlen(name), esc, sizeof esc), dw->mean, dw->max, dw->ess);
}

void tui_extra_data_lines(const struct session *s, char ***L, size_t *n)
{
    const struct blog *b = s->log;
    tui_linef(L, n, "# Bandit log");
    tui_linef(L, n, "  rows %zu   actions %d   positions %d   policies %zu", b->n, b->n_actions,
              b->n_positions, b->n_policies);
    double pmin = INFINITY, pmax = 0;
    struct ope_sum ps, inv, rs;
    ope_sum_init(&ps);
    ope_sum_init(&inv);
    ope_sum_init(&rs);
    double rmin = INFINITY, rmax = -INFINITY;
    for (size_t i = 0; i < b->n; i++) {
        double p = b->pscore[i];
        pmin = p < pmin ? p : pmin;
        pmax = p > pmax ? p : pmax;
        ope_sum_add(&ps, p);
        ope_sum_add(&inv, 1.0 / p);
        ope_sum_add(&rs, b->reward[i]);
        rmin = b->reward[i] < rmin ? b->reward[i] : rmin;
        rmax = b->reward[i] > rmax ? b->reward[i] : rmax;
    }
    double nn = b->n ? (double)b->n : 1.0;
    tui_linef(L, n, "  pscore  min %.6g  max %.6g  mean %.6g  mean 1/pscore %.6g", pmin, pmax,
              ope_sum_value(&ps) / nn, ope_sum_value(&inv) / nn);
    tui_linef(L, n, "  reward  min %.6g  max %.6g  mean %.6g (the logging policy's value)", rmin,
              rmax, ope_sum_value(&rs) / nn);
    tui_linef(L, n, "  context %zu numeric, %zu categorical columns", b->n_num_ctx, b->n_cat_ctx);
    for (size_t c = 0; c < b->n_cat_ctx; c++)
        tui_linef(L, n, "    %s: %zu levels", b->cat_ctx[c].name, b->cat_ctx[c].n_levels);
    if (b->qhat)
        tui_linef(L, n, "  reward model: from the log's qhat.* columns");
    if (b->q)
        tui_linef(L, n, "  true expected rewards (q.*): yes, ground truth is known");
    /* Weight diagnostics straight from the log: w_i = pi(a_i | x_i) / pscore_i. */
    double *w = b->n_policies ? malloc((b->n ? b->n : 1) * sizeof *w) : NULL;
    for (size_t p = 0; w && p < b->n_policies; p++) {
        struct diag_weights dw;
        diag_row_weights(b, p, w);
        diag_weights_of(w, b->n, &dw);
        policy_line(L, n, b->policy[p].name, &dw);
    }
    free(w);
    if (b->n_columns) {
        tui_linef(L, n, "%s", "");
        tui_linef(L, n, "# Columns and roles");
        for (size_t c = 0; c < b->n_columns; c++) {
            const char *name = b->columns[c][0] ? b->columns[c] : "(unnamed)";
            char esc[256];
            tui_linef(L, n, "  %-28s %s", utf8_printable(name, strlen(name), esc, sizeof esc),
                      b->column_role && b->column_role[c] ? b->column_role[c] : "ignored");
        }
    }
}

void tui_extra_tlog_lines(const struct session *s, char ***L, size_t *n)
{
    const struct tlog *t = s->tlog;
    tui_linef(L, n, "# Trajectory log");
    tui_linef(L, n, "  episodes %zu   steps %zu   horizon %d   states %d   actions %d",
              t->n_episodes, t->n_steps, t->horizon, t->n_states, t->n_actions);
    tui_linef(L, n, "  state features %zu   policies %zu", t->n_features, t->n_policies);
    tui_linef(L, n, "  mean return of the logging policy (gamma %.4g): %.6g", t->gamma,
              tlog_mean_return(t, t->gamma));
    /* Trajectory weights: the product of pi / pscore over each episode's steps. */
    double *w = t->n_policies ? malloc((t->n_episodes ? t->n_episodes : 1) * sizeof *w) : NULL;
    for (size_t p = 0; p < t->n_policies; p++) {
        struct diag_weights dw;
        if (!w) {
            tui_linef(L, n, "  policy %s", t->policy[p].name);
            continue;
        }
        diag_episode_weights(t, p, w);
        diag_weights_of(w, t->n_episodes, &dw);
        policy_line(L, n, t->policy[p].name, &dw);
    }
    free(w);
}
