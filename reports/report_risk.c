/* reports/report_risk.c: the risk section of trajectory reports: the estimated
 * distribution of each policy's return (estimators/cdf.c, the numbers of `ope eval
 * --risk`): mean, variance, CVaR and interquartile range from the TIS, the
 * self-normalised and the doubly robust CDF, next to the logged returns' own distribution. A policy whose
 * CDF cannot be estimated (e.g. every trajectory weight is 0) gets a note instead of
 * failing the report. */
#include "config.h"
#include "reports/report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/diag.h"
#include "estimators/trajret.h"

/* Each policy's distributions, from the log (cdf_traj_all) or, for a log read in
 * windows, from every episode's return and the policies' weights that its pass kept
 * (in r's order: tis and sn as from the log, dr with the reason it is missing, said
 * once); then the logged returns' own. */
int report_risk_compute(const struct report_in *in, const struct report_data *d,
                        struct report_risk *k, struct ope_error *err)
{
    const struct res_eval *r = in->r;
    const struct traj_returns *t = in->tlog ? NULL : in->returns;
    memset(k, 0, sizeof *k);
    if ((!in->tlog && !t) || strcmp(r->kind, "bandit") == 0)
        return 0;
    k->shown = 1;
    k->n_methods = CDF_N_METHODS;
    k->n = r->n_policies;
    /* The logged returns, and the weights of a policy (a log read in windows). */
    const double *G = t ? t->G : d->G;
    size_t E = t ? t->n : d->G ? d->episodes : 0;
    k->pol = ope_calloc(k->n ? k->n : 1, sizeof *k->pol, err);
    double *w = ope_malloc((E ? E : 1) * sizeof *w, err);
    if (!k->pol || !w) {
        free(w);
        return -1;
    }
    double gamma = in->tlog ? (isfinite(r->gamma) ? r->gamma : in->tlog->gamma) : 0.0;
    int rc = 0;
    for (size_t p = 0; rc == 0 && p < k->n; p++) {
        struct report_risk_pol *rp = &k->pol[p];
        int idx = t ? (p < t->P ? (int)p : -1) : tlog_policy_index(in->tlog, r->pol[p].name);
        if (idx < 0) {
            snprintf(rp->why, sizeof rp->why, "%s", t ? "the policy's weights were not kept"
                                                      : "the policy is not in the log");
            continue;
        }
        char why[CDF_N_METHODS][256];
        if (t)
            traj_returns_weights(t, p, w);
        rc = t ? cdf_returns_all(G, w, E, in->risk_alpha, traj_returns_why_dr(t), rp->cdf,
                                 rp->ok, why, err)
               : cdf_traj_all(in->tlog, (size_t)idx, gamma, in->risk_alpha, rp->cdf, rp->ok,
                              why, err);
        /* A distribution this log cannot give (sn when every weight is 0, dr without a
         * state column): say so and keep the others, as `ope eval --risk` does; dr's
         * absence from a log read in windows is every policy's, said once below. */
        for (size_t m = 0; rc == 0 && m < k->n_methods && !rp->why[0]; m++)
            if (!rp->ok[m] && !(t && m == CDF_DR))
                snprintf(rp->why, sizeof rp->why, "no %s distribution: %.250s",
                         cdf_method_name((enum cdf_method)m), why[m]);
    }
    if (rc == 0 && t)
        snprintf(k->why_all, sizeof k->why_all, "No policy has a dr distribution: %.250s",
                 traj_returns_why_dr(t));
    /* The logged returns, every weight 1: the behaviour policy's distribution. */
    if (rc == 0 && E) {
        for (size_t i = 0; i < E; i++)
            w[i] = 1;
        struct ope_error e = { 0 };
        k->logged_ok = cdf_from_returns(G, w, E, CDF_SN, in->risk_alpha, &k->logged, &e) == 0;
    }
    free(w);
    return rc;
}

const char *report_risk_method_name(size_t m)
{
    return cdf_method_name((enum cdf_method)m);
}

/* The curve drawn for a policy: the self-normalised CDF, or none. (The TIS CDF is
 * not a fallback: it reaches only about the mean trajectory weight before its
 * missing mass lands on the largest return, which draws as a misleading jump.) */
int report_risk_drawn(const struct report_risk_pol *rp, size_t n_methods)
{
    for (size_t m = 0; m < n_methods; m++)
        if (m == CDF_SN && rp->ok[m])
            return (int)m;
    return -1;
}

void report_risk_release(struct report_risk *k)
{
    for (size_t p = 0; k->pol && p < k->n; p++)
        for (size_t m = 0; m < REPORT_RISK_MAX; m++)
            if (k->pol[p].ok[m])
                cdf_result_release(&k->pol[p].cdf[m]);
    free(k->pol);
    if (k->logged_ok)
        cdf_result_release(&k->logged);
    memset(k, 0, sizeof *k);
}

static void risk_row(struct report_doc *d, const char *policy, const char *method,
                     const struct cdf_result *x)
{
    char b[4][32];
    const char *row[] = { policy, method, report_num(b[0], x->mean), report_num(b[1], x->var),
                          report_num(b[2], x->cvar), report_num(b[3], x->iqr) };
    report_table_row(d, row);
}

void report_sec_risk(struct report_doc *d, const struct report_ctx *c)
{
    const struct report_risk *k = &c->risk;
    if (!k->shown)
        return;
    report_h(d, 2, "risk", "Risk: the distribution of the return");
    report_para(d, REPORT_P, "Two policies with the same expected return can differ in how "
                "often they do badly. These are estimates of each policy's whole return "
                "distribution from the same log (cumulative distribution OPE; Huang et al. "
                "2021): \"tis\" weights each logged trajectory by its importance weight, \"sn\" "
                "also divides by the total weight (less variance, small bias), \"dr\" adds "
                "a model of the return distribution as a control variate at every step "
                "(unbiased, usually less variance; needs a state column). CVaR is the "
                "mean of the worst %g%% of returns; IQR the spread of the middle half.",
                100 * c->in->risk_alpha);
    char cv[48];
    snprintf(cv, sizeof cv, "CVaR (worst %g%%)", 100 * c->in->risk_alpha);
    const char *head[] = { "policy", "CDF", "mean", "variance", cv, "IQR" };
    report_table_begin(d, 6, head, "llrrrr");
    if (k->logged_ok)
        risk_row(d, "logged (behaviour policy)", "observed", &k->logged);
    for (size_t p = 0; p < k->n; p++)
        for (size_t m = 0; m < k->n_methods; m++)
            if (k->pol[p].ok[m])
                risk_row(d, c->r->pol[p].name, report_risk_method_name(m), &k->pol[p].cdf[m]);
    report_table_end(d);
    if (k->why_all[0])
        report_para(d, REPORT_WARN, "%s.", k->why_all);
    for (size_t p = 0; p < k->n; p++) {
        if (k->pol[p].why[0])
            report_para(d, REPORT_WARN, "Policy %s: %s.", c->r->pol[p].name, k->pol[p].why);
        /* TIS: F reaches about the mean weight, the rest is put on the largest return;
         * said when that rest exceeds the tolerance of the mean-weight diagnostic. It is
         * a fact about this CDF, so it needs no significance test. */
        const struct report_weights *w = c->data.w ? &c->data.w[p] : NULL;
        char m[32];
        if (w && w->known && k->pol[p].ok[0] && w->mean < 1 - DIAG_MEAN_TOL)
            report_para(d, REPORT_WARN, "Policy %s: its mean trajectory weight is only %s, so "
                        "the tis CDF puts about %.0f%% of its mass on the largest return: its "
                        "tis summary says more about the weights than about the policy.",
                        c->r->pol[p].name, report_num(m, w->mean), 100 * (1 - w->mean));
    }
    d->fmt->figure(d, &c->chart[REPORT_CHART_CDF]);
}
