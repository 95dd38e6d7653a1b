/* reports/report_select.c: the selection section: with two or more candidate
 * policies, each estimator's ranking; with their true values, each estimator scored
 * as a selection tool by estimators/ops.c (the numbers of `ope select`): MSE, rank
 * correlation, regret, Type I/II errors and SharpeRatio@k. */
#include "config.h"
#include "reports/report_int.h"
#include "ope/app/evalset.h"
#include "ope/app/select_render.h"
#include "ope/base/strbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int report_sel_compute(const struct report_in *in, struct report_sel *s, struct ope_error *err)
{
    const struct res_eval *r = in->r;
    memset(s, 0, sizeof *s);
    s->M = r->n_policies;
    s->E = s->M ? r->pol[0].n_estimates : 0;
    s->J = isfinite(in->behavior_truth) ? in->behavior_truth : r->behavior_value;
    s->tau = NAN;
    if (s->M < 2 || s->E == 0)
        return 0;
    s->shown = 1;
    s->truth = ope_calloc(s->M, sizeof *s->truth, err);
    s->ops = ope_calloc(s->E, sizeof *s->ops, err);
    if (!s->truth || !s->ops)
        return -1;
    int have = 1;
    for (size_t p = 0; p < s->M; p++) {
        s->truth[p] = in->truth ? in->truth[p] : r->pol[p].truth;
        if (!isfinite(s->truth[p]) && have) {
            have = 0;
            snprintf(s->why_no_truth, sizeof s->why_no_truth, "%s has no true value for "
                     "candidate %s", in->truth_source ? in->truth_source : "the log",
                     r->pol[p].name);
        }
    }
    if (!have) {
        free(s->truth);
        s->truth = NULL;
    }
    struct ops_opts o = in->ops;
    if (o.k > s->M)         /* as `ope select`: a usage error, not a silent change */
        return ope_fail(err, OPE_EUSAGE, "--k %zu is larger than the %zu candidate policies",
                        o.k, s->M);
    if (ops_score_eval(r, s->truth, s->J, &o, s->ops, err) != 0)
        return -1;
    s->tau = s->ops[0].tau;
    return 0;
}

void report_sel_release(struct report_sel *s)
{
    for (size_t e = 0; s->ops && e < s->E; e++)
        ops_result_release(&s->ops[e]);
    free(s->ops);
    free(s->truth);
    memset(s, 0, sizeof *s);
}

/* The first few candidates of a ranking[M], "a > b > c > ...". */
static void ranking_text(const struct report_ctx *c, const size_t *ranking, size_t M, char *buf,
                         size_t n)
{
    size_t len = 0, shown = M < 5 ? M : 5;
    buf[0] = '\0';
    for (size_t k = 0; k < shown && len < n; k++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", k ? " > " : "",
                                c->r->pol[ranking[k]].name);
    if (M > shown && len < n)
        snprintf(buf + len, n - len, " > ... (%zu more)", M - shown);
}

/* The point ranking next to the safe one (by the intervals' lower bounds) and the
 * favourite's P(best) (bootstrap replicates), then a sentence for each estimator
 * whose two choices differ: the same words as `ope select` (select_render.h). */
static void rankings(struct report_doc *d, const struct report_ctx *c)
{
    const struct report_sel *s = &c->sel;
    const struct res_eval *r = c->r;
    size_t *safe = ope_calloc(s->M, sizeof *safe, NULL);
    int ivl = safe && strcmp(r->ci, "none") != 0;
    int boot = s->M && r->pol[0].est[0].p_top != NULL;
    const char *head[] = { "estimator", "ranking (best first)", "safe ranking (by lower bound)",
                           "P(best) of the favourite" };
    report_table_begin(d, ivl ? (boot ? 4 : 3) : 2, head, "llll");
    for (size_t e = 0; e < s->E; e++) {
        char rk[600], sk[600] = "-", pb[32] = "";
        ranking_text(c, s->ops[e].ranking, s->M, rk, sizeof rk);
        if (ivl && select_safe_ranking(r, e, safe))
            ranking_text(c, safe, s->M, sk, sizeof sk);
        report_num(pb, select_p_top(r, s->ops[e].ranking[0], e, 1));
        const char *row[] = { r->pol[0].est[e].label, rk, sk, pb };
        report_table_row(d, row);
    }
    report_table_end(d);
    if (!ivl) {
        free(safe);
        return;
    }
    report_para(d, REPORT_P, "The safe ranking orders the candidates by the lower bound of "
                "their %g%% %s interval: it prefers a policy that is good with confidence to "
                "one that only looks best. %s", 100.0 * (1.0 - r->alpha), r->ci,
                boot ? "P(best) is the share of bootstrap replicates (the same resampled rows "
                       "for every policy) in which the favourite has the largest estimate; it "
                       "is a bootstrap probability, known to be over-confident for IPW when "
                       "candidates are close."
                     : "P(best) needs bootstrap intervals (--ci bootstrap).");
    for (size_t e = 0; e < s->E; e++) {
        if (!select_safe_ranking(r, e, safe) || safe[0] == s->ops[e].ranking[0])
            continue;
        struct strbuf sb = STRBUF_INIT;
        select_safe_explain(r, e, s->ops[e].ranking[0], safe, &sb);
        report_para(d, REPORT_NOTE, "%s", strbuf_str(&sb));
        strbuf_release(&sb);
    }
    free(safe);
}

/* The paired differences among each estimator's top candidates (result.h: res_diff), as
 * one small matrix per estimator: V(row) - V(column) with its paired interval, the
 * upper triangle of the candidates in the estimator's order. */
static void differences(struct report_doc *d, const struct report_ctx *c)
{
    const struct res_eval *r = c->r;
    if (!r->n_diffs)
        return;
    report_h(d, 3, NULL, "Differences among the top candidates");
    report_para(d, REPORT_P, "For each estimator, its top %zu candidates by estimate and "
                "V(row) - V(column), with a %g%% interval paired on the same data (%s): the "
                "noise the two estimates share cancels, so the difference is surer than the "
                "two intervals side by side suggest. An interval above 0 says the row's "
                "policy is the better one at that level (one comparison; several read "
                "together call for a correction).", r->matrix_k, 100.0 * (1.0 - r->alpha),
                strcmp(r->ci, "bootstrap") == 0 ? "the percentile interval of the bootstrap "
                "replicates' differences" : strcmp(r->ci, "none") == 0 ? "no intervals were "
                "asked for" : "the interval of the per-row differences of the contributions");
    size_t i = 0;
    while (i < r->n_diffs) {
        size_t e = r->diffs[i].e, j = i, top[EVALSET_MAX_POLICIES], k = 1;
        top[0] = r->diffs[i].a;
        while (j < r->n_diffs && r->diffs[j].e == e) {
            if (r->diffs[j].a == top[0] && k < EVALSET_MAX_POLICIES)
                top[k++] = r->diffs[j].b;
            j++;
        }
        const char *head[EVALSET_MAX_POLICIES];
        char align[EVALSET_MAX_POLICIES + 1];
        head[0] = r->pol[0].est[e].label;
        align[0] = 'l';
        for (size_t q = 1; q < k; q++) {
            head[q] = r->pol[top[q]].name;
            align[q] = 'r';
        }
        align[k] = '\0';
        report_table_begin(d, k, head, align);
        for (size_t row = 0; row + 1 < k; row++) {
            char cell[EVALSET_MAX_POLICIES][96];
            const char *cells[EVALSET_MAX_POLICIES];
            cells[0] = r->pol[top[row]].name;
            for (size_t col = 1; col < k; col++) {
                cell[col][0] = '\0';
                for (size_t x = i; x < j && col > row; x++) {
                    const struct res_diff *df = &r->diffs[x];
                    if (df->a != top[row] || df->b != top[col])
                        continue;
                    char v[32], lo[32], hi[32];
                    report_num(v, df->diff);
                    if (isnan(df->lower))
                        snprintf(cell[col], sizeof cell[col], "%s", v);
                    else
                        snprintf(cell[col], sizeof cell[col], "%s [%s, %s]", v,
                                 report_num(lo, df->lower), report_num(hi, df->upper));
                }
                cells[col] = cell[col];
            }
            report_table_row(d, cells);
        }
        report_table_end(d);
        i = j;
    }
}

static void metrics_table(struct report_doc *d, const struct report_ctx *c)
{
    const struct report_sel *s = &c->sel;
    char regk[32];
    snprintf(regk, sizeof regk, "regret@%zu", s->E ? s->ops[0].k : (size_t)0);
    const char *head[] = { "estimator", "MSE", "nMSE", "Spearman", "Kendall", "regret@1", regk,
                           "Type I", "Type II", "chosen policy", "its true value" };
    report_table_begin(d, 11, head, "lrrrrrrrrlr");
    for (size_t e = 0; e < s->E; e++) {
        const struct ops_result *o = &s->ops[e];
        char b[9][32];
        double v[9] = { o->mse, o->nmse, o->spearman, o->kendall, o->regret1, o->regretk,
                        o->type1, o->type2, s->truth[o->ranking[0]] };
        for (int i = 0; i < 9; i++)
            report_num(b[i], v[i]);
        const char *row[] = { c->r->pol[0].est[e].label, b[0], b[1], b[2], b[3], b[4], b[5],
                              b[6], b[7], c->r->pol[o->ranking[0]].name, b[8] };
        report_table_row(d, row);
    }
    report_table_end(d);
}

/* SharpeRatio@k per estimator for k = 1..min(M, 10). */
static void sharpe_table(struct report_doc *d, const struct report_ctx *c)
{
    const struct report_sel *s = &c->sel;
    size_t E = s->E < 12 ? s->E : 12, K = s->M < 10 ? s->M : 10;
    const char *head[13];
    char align[14];
    head[0] = "k";
    align[0] = 'r';
    for (size_t e = 0; e < E; e++) {
        head[e + 1] = c->r->pol[0].est[e].label;
        align[e + 1] = 'r';
    }
    align[E + 1] = '\0';
    report_table_begin(d, E + 1, head, align);
    for (size_t k = 1; k <= K; k++) {
        char b[13][32];
        const char *row[13];
        snprintf(b[0], sizeof b[0], "%zu", k);
        row[0] = b[0];
        for (size_t e = 0; e < E; e++) {
            row[e + 1] = report_num(b[e + 1], s->ops[e].topk[k - 1].sharpe);
        }
        report_table_row(d, row);
    }
    report_table_end(d);
}

/* Each distinct note of the metrics once (e.g. why a value is undefined). */
static void notes(struct report_doc *d, const struct report_sel *s)
{
    for (size_t e = 0; e < s->E; e++)
        for (size_t k = 0; k < s->ops[e].n_notes; k++) {
            int dup = 0;
            for (size_t f = 0; f < e && !dup; f++)
                for (size_t j = 0; j < s->ops[f].n_notes; j++)
                    dup |= strcmp(s->ops[f].notes[j], s->ops[e].notes[k]) == 0;
            if (!dup)
                report_para(d, REPORT_NOTE, "%s", s->ops[e].notes[k]);
        }
}

void report_sec_selection(struct report_doc *d, const struct report_ctx *c)
{
    const struct report_sel *s = &c->sel;
    if (!s->shown)
        return;
    report_h(d, 2, "selection", "Selection: which policy to deploy");
    report_para(d, REPORT_P, "Off-policy selection uses the estimates to rank the %zu "
                "candidate policies; an estimator's favourite is the policy it would deploy. "
                "Ties keep the log's policy order.", s->M);
    rankings(d, c);
    differences(d, c);
    if (!s->truth) {
        report_para(d, REPORT_NOTE, "The true values of the candidates are not known (%s), so "
                    "the estimators cannot be scored as selection tools here. Give them with "
                    "--truth FILE (policy,value rows; e.g. from an A/B test or `ope gen mdp "
                    "--truth`), or use a synthetic log with q.* columns.",
                    s->why_no_truth[0] ? s->why_no_truth : "no truth given");
        return;
    }
    char J[32], tau[32];
    report_para(d, REPORT_P, "True values: %s. J(pi_b), %s, is %s; the safety threshold is %s (%g x J(pi_b)): a policy below it is unsafe "
                "to deploy.", c->in->truth_source ? c->in->truth_source
                : strcmp(c->r->kind, "bandit") == 0
                ? "the log's true expected rewards (q.* columns, synthetic data)"
                : "exact values known to the evaluation", c->J_label,
                report_num(J, s->J), report_num(tau, s->tau), c->in->ops.relative_safety);
    report_h(d, 3, NULL, "Each estimator as a selection tool");
    metrics_table(d, c);
    report_begin(d, REPORT_NOTE);
    report_spanf(d, REPORT_TEXT, "How to read it: MSE and nMSE measure the estimates' error; "
                 "Spearman and Kendall (1 = perfect) how well the ranking matches the true one; "
                 "regret@k is the true value lost by deploying the estimator's top k instead of "
                 "the truly best k; Type I is the share of truly safe policies called unsafe, "
                 "Type II the share of unsafe ones called safe.");
    report_end(d, REPORT_NOTE);
    report_h(d, 3, NULL, "Risk and return of deploying the top k (SharpeRatio@k)");
    report_para(d, REPORT_P, "An estimator used for screening hands its top k policies to an "
                "online test. SharpeRatio@k = max(best@k - J(pi_b), 0) / std@k weighs what the "
                "best of them gains over the logged policy against the spread of their true "
                "values (Kiyohara et al., ICLR 2024). Two estimators with the same regret can "
                "differ sharply here when one ranks some very bad policies high.");
    sharpe_table(d, c);
    d->fmt->figure(d, &c->chart[REPORT_CHART_SHARPE]);
    notes(d, s);
}
