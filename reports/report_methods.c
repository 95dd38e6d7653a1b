/* reports/report_methods.c: the methods appendix (for every estimator the report
 * used: its name, formula, assumptions and references, all from its registry
 * descriptor's teaching card; then the interval method, the model, and the
 * selection and risk definitions when those sections are present) and the
 * reproducibility block (command line, version, seed, inputs with SHA-256, date). */
#include "config.h"
#include "reports/report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "estimators/estimator.h"
#include "estimators/vmodel.h"

/* The interval methods, keyed by the result's `ci` name. */
static const struct {
    const char *name, *text;
} ci_text[] = {
    { "bootstrap", "Percentile bootstrap (B. Efron, Bootstrap methods: another look at the "
      "jackknife, Annals of Statistics 1979): the estimate is recomputed on resamples of the "
      "log (ratio estimators recompute numerator and denominator), and the interval is the "
      "middle 1 - alpha of the results. Each row's resampling count is a Poisson(1) draw "
      "keyed by (seed, row, replicate), so the interval does not depend on the number of "
      "threads. Assumes the rows (episodes) are independent." },
    { "t", "Student t interval: mean +- t_{n-1, 1-alpha/2} s / sqrt(n) of the per-row "
      "contributions; for the self-normalised estimators (snipw, sndr, rm; wtis, wpdis and wdr "
      "per episode and step) the linearised (delta-method) terms V + w_i (r_i - V) / mean(w), "
      "whose variance is the ratio's. Asymptotic: assumes independent rows and a mean close "
      "to normally distributed, which heavy-tailed weights can break." },
    { "hoeffding", "Hoeffding's inequality (W. Hoeffding, JASA 1963): mean +- (b - a) "
      "sqrt(ln(2/alpha) / (2n)) for contributions in [a, b]. A finite-sample guarantee when "
      "[a, b] are true bounds (--bounds); with the observed range it is only heuristic." },
    { "bernstein", "Empirical Bernstein bound (A. Maurer, M. Pontil, COLT 2009): mean +- "
      "[s sqrt(2 ln(4/alpha) / n) + 7 (b - a) ln(4/alpha) / (3 (n - 1))]. Finite-sample "
      "and tighter than Hoeffding when the variance is small; needs true bounds as well." },
    { "cs", "Confidence sequence (I. Waudby-Smith, A. Ramdas, Estimating means of bounded "
      "random variables by betting, JRSS-B 2023; the predictable plug-in empirical "
      "Bernstein sequence): the contributions in log order give an interval at every row, "
      "and all of them hold at once with probability 1 - alpha, so the estimate may be "
      "monitored as the log grows. Needs bounded contributions (ipw, dr): the range comes "
      "from the largest importance weight the policies allow and the rewards' range, or "
      "--bounds." },
    { "none", "No intervals were computed." },
};

/* What make coverage measured (doc/coverage.md), for every interval method. */
static const char ci_measured[] =
    "Measured coverage (doc/coverage.md, make coverage: logs of ope gen bandit and ope gen "
    "mdp with known truth, 500 per setting): at 5,000 rows from a uniform logger, and on "
    "500 episodes for a policy close to the behaviour, the 95% t and bootstrap intervals "
    "of the estimators without a caveat (see each estimator above) cover 92-98% of the "
    "time; Hoeffding and Bernstein cover more, being conservative by design. Where the "
    "weights leave a small effective sample (the poor-overlap warning, and on trajectories "
    "a few dozen episodes) no method covers as promised.";

static void estimator_entry(struct report_doc *d, const struct report_ctx *c, size_t e0,
                            int traj)
{
    const struct res_eval *r = c->r;
    const char *name = r->pol[0].est[e0].estimator;
    const struct est_desc *desc = est_find(name, traj ? EST_TRAJ : EST_BANDIT);
    char h[200];
    snprintf(h, sizeof h, "%s: %s", name, desc ? desc->title : "estimator");
    report_h(d, 3, NULL, h);
    if (desc && desc->formula)
        d->fmt->pre(d, desc->formula);
    report_begin(d, REPORT_P);
    report_spanf(d, REPORT_TEXT, "Used as: ");
    int first = 1;
    for (size_t e = e0; e < r->pol[0].n_estimates; e++) {
        if (strcmp(r->pol[0].est[e].estimator, name) != 0)
            continue;
        if (!first)
            report_spanf(d, REPORT_TEXT, ", ");
        report_spanf(d, REPORT_CODE, "%s", r->pol[0].est[e].label);
        first = 0;
    }
    report_spanf(d, REPORT_TEXT, ".");
    report_end(d, REPORT_P);
    const struct est_card *t = desc ? &desc->card : NULL;
    if (t && t->discussion)
        report_para(d, REPORT_P, "Assumes: %s", t->discussion);
    const char *ref = t && t->reference ? t->reference : NULL;
    if (desc && desc->citation)
        report_para(d, REPORT_P, "Source: %s.%s%s", desc->citation, ref ? " Reference: " : "",
                    ref ? ref : "");
    if (desc && desc->ci_caveat)
        report_para(d, REPORT_P, "Intervals known not to cover: %s.", desc->ci_caveat);
}

static void selection_defs(struct report_doc *d)
{
    report_h(d, 3, NULL, "Selection metrics");
    report_para(d, REPORT_P, "With candidates' true values V_j, estimates V̂_j and J(pi_b) the "
                "logged policy's value (selection.md; SCOPE-RL's conventions): MSE = mean of "
                "(V̂_j - V_j)^2, nMSE = MSE / mean of V_j^2; Spearman's rho and Kendall's tau-b "
                "between true and estimated values; regret@k = (sum of the k largest true "
                "values) - (sum of the true values of the estimator's top k); Type I / II "
                "error rates at the threshold tau = safety x J(pi_b); for the top k: best@k, "
                "std@k (sample sd) and SharpeRatio@k = max(best@k - J(pi_b), 0) / std@k. "
                "Reference: H. Kiyohara et al. Towards assessing and benchmarking risk-return "
                "tradeoff of off-policy evaluation. ICLR 2024.");
}

static void risk_defs(struct report_doc *d, double alpha)
{
    report_h(d, 3, NULL, "Return distributions");
    report_para(d, REPORT_P, "With rho_i the trajectory weight and G_i = sum_t gamma^t r_t "
                "the return (discounted from gamma^0): tis F(y) = (1/n) sum_i rho_i 1{G_i <= "
                "y}, clipped to [0, 1] and made monotone (mass short of 1 on the largest "
                "return); sn F(y) = sum_i rho_i 1{G_i <= y} / sum_i rho_i. From F: mean, "
                "variance, CVaR at %g (mean of the lowest %g%%) and the interquartile range. "
                "Reference: A. Huang, L. Leqi, Z. Lipton, K. Azizzadenesheli. Off-policy risk "
                "assessment in contextual bandits. NeurIPS 2021.", alpha, 100 * alpha);
}

void report_sec_methods(struct report_doc *d, const struct report_ctx *c)
{
    const struct res_eval *r = c->r;
    int traj = strcmp(r->kind, "bandit") != 0;
    report_h(d, 2, "methods", "Methods");
    if (traj)
        report_para(d, REPORT_P, "Notation: trajectory i has steps t = 0..T-1 with per-step "
                    "weight w_{i,t} = pi_e(a_{i,t} | s_{i,t}) / pscore_{i,t}, cumulative weight "
                    "rho_{i,t} = prod_{t' <= t} w_{i,t'}, and return G_i = sum_t gamma^t "
                    "r_{i,t}. Episodes shorter than the longest are padded with their last "
                    "weight and reward 0 (the SCOPE-RL convention).");
    else
        report_para(d, REPORT_P, "Notation: row i logged action a_i with propensity p_i = "
                    "pi_b(a_i | x_i) and reward r_i; the evaluated policy pi_e gives it the "
                    "importance weight w_i = pi_e(a_i | x_i) / p_i; q̂(x, a) is the reward model "
                    "and q̂_pi(x) = sum_a pi_e(a | x) q̂(x, a). Multi-slot logs look pi_e and q̂ "
                    "up at the row's position.");
    size_t E = r->n_policies ? r->pol[0].n_estimates : 0;
    for (size_t e = 0; e < E; e++) {
        int seen = 0;
        for (size_t f = 0; f < e && !seen; f++)
            seen = strcmp(r->pol[0].est[f].estimator, r->pol[0].est[e].estimator) == 0;
        if (!seen)
            estimator_entry(d, c, e, traj);
    }
    report_h(d, 3, NULL, "Intervals");
    for (size_t i = 0; i < sizeof ci_text / sizeof ci_text[0]; i++)
        if (strcmp(ci_text[i].name, r->ci) == 0)
            report_para(d, REPORT_P, "%s", ci_text[i].text);
    if (strcmp(r->ci, "none") != 0)
        report_para(d, REPORT_P, "%s", ci_measured);
    if (r->model.kind[0]) {
        report_h(d, 3, NULL, traj ? "Value model" : "Reward model");
        if (traj)
            report_para(d, REPORT_P, "dm, dr and wdr use a value model (%s): %s.",
                        r->model.kind, vm_kind_about(vm_kind_parse(r->model.kind)));
        else
            report_para(d, REPORT_P, "When the log has no qhat.* columns, the model-based "
                        "estimators fit their own reward model from the context (%s): ridge "
                        "regression per action for continuous rewards, L2-regularised "
                        "logistic regression for 0/1 rewards, with K-fold cross-fitting so "
                        "that no row is predicted by a model fitted on it.", r->model.kind);
    }
    if (c->sel.shown && c->sel.truth)
        selection_defs(d);
    if (c->risk.shown)
        risk_defs(d, c->in->risk_alpha);
}

void report_date(char *buf, size_t n)
{
    const char *env = getenv("OPE_REPORT_DATE");
    if (env && *env) {
        snprintf(buf, n, "%s", env);
        return;
    }
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, n, "unknown");
}

void report_sec_repro(struct report_doc *d, const struct report_ctx *c)
{
    const struct res_eval *r = c->r;
    const struct report_in *in = c->in;
    report_h(d, 2, "reproducibility", "Reproducibility");
    report_para(d, REPORT_P, "Everything needed to recompute these numbers exactly: the same "
                "input file (check its SHA-256), the same version of ope and the same options "
                "give the same results on any machine and with any number of threads.");
    if (in->cmdline) {
        report_para(d, REPORT_P, "%s:", in->cmdline_label ? in->cmdline_label : "Command line");
        d->fmt->pre(d, in->cmdline);
    }
    char date[64];
    report_date(date, sizeof date);
    char seed[32], alpha[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
    const char *head[] = { "item", "value" };
    report_table_begin(d, 2, head, "ll");
    const char *rows[][2] = {
        { "ope version", PACKAGE_VERSION },
        { "input", r->path ? r->path : "(in memory)" },
        { "input SHA-256", r->sha256[0] ? r->sha256 : "(not computed)" },
        { "seed", seed },
        { "intervals", r->ci },
        { "alpha", report_num(alpha, r->alpha) },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        report_table_row(d, rows[i]);
    if (strcmp(r->ci, "bootstrap") == 0) {
        char b[32];
        snprintf(b, sizeof b, "%d", r->n_boot);
        const char *row[] = { "bootstrap resamples", b };
        report_table_row(d, row);
    }
    for (size_t i = 0; i < in->n_inputs; i++) {
        char k[96];
        snprintf(k, sizeof k, "%s", in->inputs[i].role);
        const char *row[] = { k, in->inputs[i].path };
        report_table_row(d, row);
        snprintf(k, sizeof k, "%s SHA-256", in->inputs[i].role);
        const char *row2[] = { k, in->inputs[i].sha256[0] ? in->inputs[i].sha256 : "-" };
        report_table_row(d, row2);
    }
    const char *g[] = { "charts drawn with", c->gnuplot[0] ? c->gnuplot : "(no charts)" };
    char gv[80];
    if (c->gnuplot[0]) {
        snprintf(gv, sizeof gv, "gnuplot %s", c->gnuplot);
        g[1] = gv;
    }
    report_table_row(d, g);
    const char *row[] = { "written (UTC)", date };
    report_table_row(d, row);
    report_table_end(d);
}
