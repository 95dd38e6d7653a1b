/* ope/app/demo.c: the built-in demo's data and batch summary: the Open Bandit Dataset's
 * Bernoulli-TS click rate estimated from the uniform-random log of each campaign,
 * next to the click rate BTS actually obtained in its own log. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/obd.h"
#include "ope/base/datapath.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"
#include "ope/app/demo.h"
#include "ope/app/render.h"

int demo_campaign(const char *campaign, struct blog **random_log, double *bts_ctr,
                  double *bts_half, size_t *bts_rows, struct ope_error *err)
{
    char rel_r[128], rel_b[128];
    snprintf(rel_r, sizeof rel_r, "obd/random/%s/%s.csv", campaign, campaign);
    snprintf(rel_b, sizeof rel_b, "obd/bts/%s/%s.csv", campaign, campaign);
    char *pr = ope_data_path(rel_r), *pb = ope_data_path(rel_b);
    int rc = -1;
    struct blog *bts = NULL;
    if (!pr || !pb) {
        ope_fail(err, OPE_ENOINPUT, "the demo data (%s) is not installed; set OPE_DATA_DIR to "
                 "the folder holding obd/", rel_r);
        goto out;
    }
    if (obd_load_campaign(pr, pb, random_log, &bts, err) != 0)
        goto out;
    if (obd_attach_bts(*random_log, bts, err) != 0) {
        blog_free(*random_log);
        *random_log = NULL;
        goto out;
    }
    /* On-policy click rate of BTS with a normal-approximation 95% interval. */
    double p = blog_mean_reward(bts);
    *bts_ctr = p;
    *bts_half = 1.959963984540054 * sqrt(p * (1 - p) / (double)bts->n);
    *bts_rows = bts->n;
    rc = 0;
out:
    free(pr);
    free(pb);
    blog_free(bts);
    return rc;
}

int demo_print(FILE *out, struct ope_error *err)
{
    static const char *const campaigns[] = { "men", "women" };
    fprintf(out, "ope %s demo: the Open Bandit Dataset (ZOZOTOWN, Saito et al. 2021)\n\n"
            "Question: what click rate would the Bernoulli Thompson Sampling policy (BTS)\n"
            "get, judged only from the log of the uniform-random policy? BTS's own log\n"
            "tells the answer, so the estimates can be checked.\n"
            "BTS's action probabilities: the empirical frequency of each item at each\n"
            "position in the BTS log (BTS ignores the user; its logged propensities\n"
            "come from a drifting posterior, so they are not used as a distribution).\n",
            PACKAGE_VERSION);
    for (size_t k = 0; k < 2; k++) {
        struct blog *log = NULL;
        double ctr, half;
        size_t rows;
        if (demo_campaign(campaigns[k], &log, &ctr, &half, &rows, err) != 0)
            return -1;
        struct est_spec *spec = NULL;
        size_t n_spec = 0;
        struct eval_opts o;
        eval_opts_init(&o);
        if (est_spec_list(NULL, EST_BANDIT, &spec, &n_spec, err) != 0) {
            blog_free(log);
            return -1;
        }
        o.spec = spec;
        o.n_spec = n_spec;
        struct res_eval *r = eval_bandit(log, &o, err);
        free(spec);
        if (!r) {
            blog_free(log);
            return -1;
        }
        fprintf(out, "\n== campaign '%s': %zu random rows, %d items, %d positions\n",
                campaigns[k], log->n, log->n_actions, log->n_positions);
        fprintf(out, "   random policy's own click rate (on-policy): %.5f\n",
                blog_mean_reward(log));
        fprintf(out, "   BTS click rate observed in its log (%zu rows): %.5f  95%% CI "
                "[%.5f, %.5f]\n\n", rows, ctr, ctr - half, ctr + half);
        fprintf(out, "   %-18s %10s %10s %10s %9s\n", "estimator", "BTS CTR", "lower", "upper",
                "ESS");
        const struct res_policy *p = &r->pol[0];
        for (size_t e = 0; e < p->n_estimates; e++) {
            const struct res_estimate *x = &p->est[e];
            char ess[32] = "-", v[3][32];
            if (!isnan(x->ess))
                snprintf(ess, sizeof ess, "%.0f", x->ess);
            /* An estimate that does not apply (or is undefined) shows "-", not "nan". */
            const double xv[3] = { x->value, x->lower, x->upper };
            for (int j = 0; j < 3; j++) {
                if (isfinite(xv[j]))
                    snprintf(v[j], sizeof v[j], "%.5f", xv[j]);
                else
                    snprintf(v[j], sizeof v[j], "-");
            }
            fprintf(out, "   %-18s %10s %10s %10s %9s\n", x->label, v[0], v[1], v[2], ess);
        }
        fprintf(out, "   reward model: %s, %d folds, held-out %s %.5f\n", r->model.kind,
                r->model.folds, r->model.error_name, r->model.heldout_error);
        for (size_t w = 0; w < p->n_warnings; w++)
            fprintf(out, "   warning: %s\n", p->warnings[w]);
        res_eval_free(r);
        blog_free(log);
    }
    fprintf(out, "\nWith about 50 clicks in 10,000 rows every interval is wide: the estimates\n"
            "agree with the observed BTS click rate only to within that noise.\n"
            "Run `ope` in a terminal to explore the demo in the workbench.\n");
    return 0;
}
