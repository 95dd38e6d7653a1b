/* ope/app/select_render.c: the output of `ope select` (see select_render.h); the metrics
 * come from estimators/ops.c (ops_compute, ops_summarize). */
#include "config.h"
#include "ope/app/select_render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ope/app/render.h"
#include "ope/base/csvout.h"
#include "ope/base/json.h"
#include "ope/base/utf8.h"
#include "ope/app/render.h"

static void num(struct strbuf *sb, double v, int w)
{
    char b[48];
    if (isnan(v))
        snprintf(b, sizeof b, "-");
    else if (isinf(v))
        snprintf(b, sizeof b, v > 0 ? "inf" : "-inf");
    else
        snprintf(b, sizeof b, "%.4g", v);
    strbuf_printf(sb, " %*s", w, b);
}

/* Does the evaluation carry intervals (--ci other than none)? Asked of the settings,
 * not of an estimate: the first one may be undefined. */
static int has_intervals(const struct res_eval *r)
{
    return r->n_policies && r->pol[0].n_estimates && strcmp(r->ci, "none") != 0;
}

int select_safe_ranking(const struct res_eval *r, size_t e, size_t *ranking)
{
    size_t M = r->n_policies;
    if (!has_intervals(r))
        return 0;
    double *lo = malloc((M ? M : 1) * sizeof *lo);
    if (!lo)
        return 0;
    for (size_t p = 0; p < M; p++)
        lo[p] = r->pol[p].est[e].lower;
    ops_rank_by(lo, M, ranking);
    int any = M && !isnan(lo[ranking[0]]);     /* NaN ranks last: none has a bound */
    free(lo);
    return any;
}

double select_p_top(const struct res_eval *r, size_t p, size_t e, size_t k)
{
    const double *pt = r->pol[p].est[e].p_top;
    return pt && k >= 1 && k <= r->n_policies ? pt[k - 1] : NAN;
}

void select_safe_explain(const struct res_eval *r, size_t e, size_t point_first,
                         const size_t *safe, struct strbuf *sb)
{
    const struct res_estimate *a = &r->pol[point_first].est[e], *b = &r->pol[safe[0]].est[e];
    char na[512], nb[512];
    utf8_printable(r->pol[point_first].name, strlen(r->pol[point_first].name), na, sizeof na);
    utf8_printable(r->pol[safe[0]].name, strlen(r->pol[safe[0]].name), nb, sizeof nb);
    if (safe[0] == point_first) {
        strbuf_printf(sb, "%s: the point and the safe ranking choose the same policy, %s.",
                      a->label, na);
        return;
    }
    double wa = a->upper - a->lower, wb = b->upper - b->lower;
    strbuf_printf(sb, "%s: the point ranking chooses %s (estimate %.4g), the safe ranking %s "
                  "(%.4g): ", a->label, na, a->value, nb, b->value);
    if (wa > wb)
        strbuf_printf(sb, "%s's interval is wider (%.4g against %.4g), so its lower bound %.4g "
                      "is below %s's %.4g.", na, wa, wb, a->lower, nb, b->lower);
    else
        strbuf_printf(sb, "%s's interval reaches lower (lower bound %.4g against %.4g).", na,
                      a->lower, b->lower);
    strbuf_printf(sb, " %s is the better bet on the estimates, %s the one whose value is at "
                  "least %.4g with %g%% confidence.", na, nb, b->lower,
                  100.0 * (1.0 - r->alpha));
    double pa = select_p_top(r, point_first, e, 1), pb = select_p_top(r, safe[0], e, 1);
    if (!isnan(pa))
        strbuf_printf(sb, " P(best): %s %.2f, %s %.2f.", na, pa, nb, pb);
}

/* The point ranking next to the safe one and the rank probabilities, one block per
 * estimator, then one sentence for each estimator whose two first choices differ. */
static void rankings_table(const struct selection *s, struct strbuf *sb)
{
    const struct res_eval *r = s->r;
    size_t M = r->n_policies;
    if (!has_intervals(r)) {
        strbuf_puts(sb, "\nSafe ranking and P(best): need intervals (--ci; P(best) needs --ci "
                        "bootstrap, or --pbest)\n");
        return;
    }
    size_t *safe = malloc(M * sizeof *safe);
    if (!safe)
        return;
    size_t k = s->n_est ? s->ops[0].k : 1;
    int boot = strcmp(r->ci, "bootstrap") == 0;
    strbuf_printf(sb, "\nPoint ranking and safe ranking (by the lower bound of the %g%% %s "
                  "interval).\n%s\n", 100.0 * (1.0 - r->alpha), r->ci,
                  boot ? "P(best), P(top k): shares of the bootstrap replicates in which the "
                         "policy is best, among the k best"
                       : "P(best) needs bootstrap replicates: --pbest (or --ci bootstrap)");
    strbuf_printf(sb, "%-16s %4s  %-14s %7s %8s  %-14s %10s\n", "estimator", "rank",
                  "by estimate", "P(best)", "P(top k)", "by lower bound", "lower");
    for (size_t e = 0; e < s->n_est; e++) {
        const size_t *pt = s->ops[e].ranking;
        int have = select_safe_ranking(r, e, safe);
        /* The first ten places: where the choice is made; the JSON has them all. */
        for (size_t i = 0; i < M && i < 10; i++) {
            char na[512], nb[512];
            utf8_printable(r->pol[pt[i]].name, strlen(r->pol[pt[i]].name), na, sizeof na);
            if (have)
                utf8_printable(r->pol[safe[i]].name, strlen(r->pol[safe[i]].name), nb,
                               sizeof nb);
            else
                snprintf(nb, sizeof nb, "-");   /* no interval of this estimator */
            strbuf_printf(sb, "%-16.16s %4zu  %-14.14s", i ? "" : r->pol[0].est[e].label,
                          i + 1, na);
            num(sb, select_p_top(r, pt[i], e, 1), 7);
            num(sb, select_p_top(r, pt[i], e, k), 8);
            strbuf_printf(sb, "  %-14.14s", nb);
            num(sb, have ? r->pol[safe[i]].est[e].lower : NAN, 10);
            strbuf_putc(sb, '\n');
        }
        if (M > 10)
            strbuf_printf(sb, "%-16s %4s  (%zu more places in the JSON output)\n", "", "...",
                          M - 10);
    }
    if (boot)
        strbuf_printf(sb, "(P(top k) with k = %zu)\n", k);
    for (size_t e = 0; e < s->n_est; e++) {
        if (select_safe_ranking(r, e, safe) && safe[0] != s->ops[e].ranking[0]) {
            strbuf_puts(sb, "note: ");
            select_safe_explain(r, e, s->ops[e].ranking[0], safe, sb);
            strbuf_putc(sb, '\n');
        }
    }
    free(safe);
}

void select_table(const struct selection *s, struct strbuf *sb)
{
    const struct res_eval *r = s->r;
    size_t M = r->n_policies;
    int traj = strcmp(r->kind, "bandit") != 0;
    strbuf_printf(sb, "%zu candidate policies, %zu estimators; J(pi_b) = %.6g (%s), safety "
                  "threshold %.6g\n", M, s->n_est, s->J,
                  s->J == r->behavior_exact ? "the logged policy's exact value"
                  : traj ? "the logged policy's observed mean return"
                         : "the logged policy's observed mean reward", s->tau);
    if (!s->truth)
        strbuf_puts(sb, "no ground truth (--truth FILE or q.* columns): rankings and estimates "
                        "only; MSE, correlation, regret and the top-k metrics need the truth\n");
    strbuf_printf(sb, "\n%-20s %9s %9s %9s %9s %9s %9s %7s %7s  %s\n", "estimator", "MSE", "nMSE",
                  "spearman", "kendall", "regret@1", "regret@k", "typeI", "typeII", "chosen");
    for (size_t e = 0; e < s->n_est; e++) {
        const struct ops_result *o = &s->ops[e];
        strbuf_printf(sb, "%-20s", r->pol[0].est[e].label);
        num(sb, o->mse, 9);
        num(sb, o->nmse, 9);
        num(sb, o->spearman, 9);
        num(sb, o->kendall, 9);
        num(sb, o->regret1, 9);
        num(sb, o->regretk, 9);
        num(sb, o->type1, 7);
        num(sb, o->type2, 7);
        const char *best = r->pol[o->ranking[0]].name;
        char nm[512];           /* a name from the data: control bytes as \xNN */
        strbuf_printf(sb, "  %s\n", utf8_printable(best, strlen(best), nm, sizeof nm));
    }
    if (s->n_est)
        strbuf_printf(sb, "(regret@k with k = %zu)\n", s->ops[0].k);
    if (s->truth) {
        static const char *const what[] = { "SharpeRatio@k", "best@k", "std@k",
                                            "safety violation rate@k" };
        for (int m = 0; m < 4; m++) {
            strbuf_printf(sb, "\n%s\n%4s", what[m], "k");
            for (size_t e = 0; e < s->n_est; e++)
                strbuf_printf(sb, " %12.12s", r->pol[0].est[e].label);
            strbuf_putc(sb, '\n');
            for (size_t k = 1; k <= M; k++) {
                strbuf_printf(sb, "%4zu", k);
                for (size_t e = 0; e < s->n_est; e++) {
                    const struct ops_topk *t = &s->ops[e].topk[k - 1];
                    num(sb, m == 0 ? t->sharpe : m == 1 ? t->best : m == 2 ? t->std : t->violation, 12);
                }
                strbuf_putc(sb, '\n');
            }
        }
    }
    int ivl = has_intervals(r);
    if (ivl)
        strbuf_printf(sb, "\nEstimates with %g%% %s intervals (ranked by each estimator in the JSON "
                      "output):\n", 100.0 * (1.0 - r->alpha), r->ci);
    else
        strbuf_puts(sb, "\nEstimates (ranked by each estimator in the JSON output):\n");
    strbuf_printf(sb, "%-14s", "policy");
    if (s->truth)
        strbuf_printf(sb, " %12s", "truth");
    for (size_t e = 0; e < s->n_est; e++)
        strbuf_printf(sb, ivl ? " %30.30s" : " %12.12s", r->pol[0].est[e].label);
    strbuf_putc(sb, '\n');
    for (size_t p = 0; p < M; p++) {
        char nm[512];
        strbuf_printf(sb, "%-14s", utf8_printable(r->pol[p].name, strlen(r->pol[p].name), nm,
                                                  sizeof nm));
        if (s->truth)
            num(sb, s->truth[p], 12);
        for (size_t e = 0; e < s->n_est; e++) {
            const struct res_estimate *x = &r->pol[p].est[e];
            if (!ivl) {
                num(sb, x->value, 12);
                continue;
            }
            char cell[64];
            if (isnan(x->value))
                snprintf(cell, sizeof cell, "-");    /* as ope eval: no estimate */
            else if (isnan(x->lower) || isnan(x->upper))
                snprintf(cell, sizeof cell, "%.4g [-]", x->value);  /* no interval */
            else
                snprintf(cell, sizeof cell, "%.4g [%.4g, %.4g]", x->value, x->lower, x->upper);
            strbuf_printf(sb, " %30s", cell);
        }
        strbuf_putc(sb, '\n');
    }
    rankings_table(s, sb);
    int any = 0;
    for (size_t e = 0; e < s->n_est; e++)
        for (size_t k = 0; k < s->ops[e].n_notes; k++) {
            int dup = 0;
            for (size_t f = 0; f < e && !dup; f++)
                for (size_t j = 0; j < s->ops[f].n_notes; j++)
                    dup |= strcmp(s->ops[f].notes[j], s->ops[e].notes[k]) == 0;
            if (!dup) {
                strbuf_printf(sb, "%snote: %s\n", any ? "" : "\n", s->ops[e].notes[k]);
                any = 1;
            }
        }
}

/* The safe ranking (with intervals) and P(best), P(top k) (with bootstrap replicates)
 * of estimator e, as members of its object. */
static void rankings_json(const struct res_eval *r, size_t e, size_t k, struct strbuf *sb)
{
    size_t M = r->n_policies;
    size_t *safe = malloc((M ? M : 1) * sizeof *safe);
    if (safe && select_safe_ranking(r, e, safe)) {
        strbuf_puts(sb, ",\"safe_ranking\":[");
        for (size_t i = 0; i < M; i++) {
            strbuf_puts(sb, i ? "," : "");
            json_string(sb, r->pol[safe[i]].name);
        }
        strbuf_putc(sb, ']');
    }
    free(safe);
    if (!M || !r->pol[0].est[e].p_top)
        return;
    for (int top = 0; top < 2; top++) {
        strbuf_puts(sb, top ? ",\"p_top_k\":{" : ",\n   \"p_best\":{");
        for (size_t p = 0; p < M; p++) {
            strbuf_puts(sb, p ? "," : "");
            json_string(sb, r->pol[p].name);
            strbuf_putc(sb, ':');
            json_number(sb, select_p_top(r, p, e, top ? k : 1));
        }
        strbuf_putc(sb, '}');
    }
}

void select_json(const struct selection *s, struct strbuf *sb)
{
    const struct res_eval *r = s->r;
    size_t M = r->n_policies;
    strbuf_printf(sb, "{\"tool\":\"ope\",\"version\":\"%s\",\n \"behavior_value\":", PACKAGE_VERSION);
    json_number(sb, s->J);
    strbuf_puts(sb, ",\"safety_threshold\":");
    json_number(sb, s->tau);
    strbuf_puts(sb, ",\n \"truth\":");
    if (s->truth) {
        strbuf_putc(sb, '{');
        for (size_t p = 0; p < M; p++) {
            if (p)
                strbuf_putc(sb, ',');
            json_string(sb, r->pol[p].name);
            strbuf_putc(sb, ':');
            json_number(sb, s->truth[p]);
        }
        strbuf_putc(sb, '}');
    } else {
        strbuf_puts(sb, "null");
    }
    strbuf_puts(sb, ",\n \"estimators\":[");
    for (size_t e = 0; e < s->n_est; e++) {
        const struct ops_result *o = &s->ops[e];
        strbuf_puts(sb, e ? ",\n  {" : "\n  {");
        strbuf_puts(sb, "\"estimator\":");
        json_string(sb, r->pol[0].est[e].label);
        strbuf_puts(sb, ",\"estimates\":{");
        for (size_t p = 0; p < M; p++) {
            if (p)
                strbuf_putc(sb, ',');
            json_string(sb, r->pol[p].name);
            strbuf_putc(sb, ':');
            json_number(sb, r->pol[p].est[e].value);
        }
        if (has_intervals(r)) {
            strbuf_puts(sb, "},\"intervals\":{");
            for (size_t p = 0; p < M; p++) {
                strbuf_puts(sb, p ? "," : "");
                json_string(sb, r->pol[p].name);
                strbuf_puts(sb, ":[");
                json_number(sb, r->pol[p].est[e].lower);
                strbuf_putc(sb, ',');
                json_number(sb, r->pol[p].est[e].upper);
                strbuf_putc(sb, ']');
            }
        }
        strbuf_puts(sb, "},\"ranking\":[");
        for (size_t k = 0; k < M; k++) {
            if (k)
                strbuf_putc(sb, ',');
            json_string(sb, r->pol[o->ranking[k]].name);
        }
        strbuf_putc(sb, ']');
        rankings_json(r, e, o->k, sb);
        strbuf_puts(sb, ",\n   \"mse\":");
        json_number(sb, o->mse);
        strbuf_puts(sb, ",\"nmse\":");
        json_number(sb, o->nmse);
        strbuf_puts(sb, ",\"spearman\":");
        json_number(sb, o->spearman);
        strbuf_puts(sb, ",\"kendall\":");
        json_number(sb, o->kendall);
        strbuf_puts(sb, ",\"regret\":{\"1\":");
        json_number(sb, o->regret1);
        strbuf_puts(sb, ",\"k\":");
        json_number(sb, o->regretk);
        strbuf_printf(sb, ",\"k_value\":%zu},\"nregret_1\":", o->k);
        json_number(sb, o->nregret1);
        strbuf_puts(sb, ",\"type1_error_rate\":");
        json_number(sb, o->type1);
        strbuf_puts(sb, ",\"type2_error_rate\":");
        json_number(sb, o->type2);
        strbuf_puts(sb, ",\n   \"topk\":[");
        for (size_t k = 1; k <= M; k++) {
            const struct ops_topk *t = &o->topk[k - 1];
            strbuf_printf(sb, "%s{\"k\":%zu,\"best\":", k > 1 ? "," : "", k);
            json_number(sb, t->best);
            strbuf_puts(sb, ",\"worst\":");
            json_number(sb, t->worst);
            strbuf_puts(sb, ",\"mean\":");
            json_number(sb, t->mean);
            strbuf_puts(sb, ",\"std\":");
            json_number(sb, t->std);
            strbuf_puts(sb, ",\"safety_violation_rate\":");
            json_number(sb, t->violation);
            strbuf_puts(sb, ",\"sharpe_ratio\":");
            if (isinf(t->sharpe))
                strbuf_puts(sb, "null");    /* +inf: explained in notes */
            else
                json_number(sb, t->sharpe);
            strbuf_putc(sb, '}');
        }
        strbuf_puts(sb, "],\n   \"notes\":[");
        for (size_t k = 0; k < o->n_notes; k++) {
            if (k)
                strbuf_putc(sb, ',');
            json_string(sb, o->notes[k]);
        }
        strbuf_puts(sb, "]}");
    }
    strbuf_puts(sb, "],\n \"differences\":");
    render_diff_json(r, sb);
    strbuf_puts(sb, "}\n");
}

/* The per-k curves, one row per (estimator, k). */
void select_csv(const struct selection *s, struct strbuf *sb)
{
    strbuf_puts(sb, "estimator,k,best,worst,mean,std,safety_violation_rate,sharpe_ratio,"
                    "regret_k,chosen_k,chosen_p_best,chosen_p_top_k,safe_k\n");
    size_t M = s->r->n_policies;
    size_t *safe = malloc((M ? M : 1) * sizeof *safe);
    for (size_t e = 0; e < s->n_est; e++) {
        int have_safe = safe && select_safe_ranking(s->r, e, safe);
        for (size_t k = 1; k <= M; k++) {
            const struct ops_topk *t = &s->ops[e].topk[k - 1];
            csvout_cell(sb, s->r->pol[0].est[e].label);
            strbuf_printf(sb, ",%zu", k);
            csvout_number(sb, t->best);
            csvout_number(sb, t->worst);
            csvout_number(sb, t->mean);
            csvout_number(sb, t->std);
            csvout_number(sb, t->violation);
            csvout_number(sb, t->sharpe);
            csvout_number(sb, k == s->ops[e].k ? s->ops[e].regretk : NAN);
            strbuf_putc(sb, ',');
            size_t c = s->ops[e].ranking[k - 1];
            csvout_cell(sb, s->r->pol[c].name);
            csvout_number(sb, select_p_top(s->r, c, e, 1));
            csvout_number(sb, select_p_top(s->r, c, e, k));
            strbuf_putc(sb, ',');
            if (have_safe)
                csvout_cell(sb, s->r->pol[safe[k - 1]].name);
            strbuf_putc(sb, '\n');
        }
    }
    free(safe);
}


/* "mean (sd)" in a field of width w; "-" when undefined. */
static void cell(struct strbuf *sb, struct ops_stat st, int w)
{
    char b[64];
    if (!st.n)
        snprintf(b, sizeof b, "-");
    else if (isnan(st.sd))
        snprintf(b, sizeof b, "%.4g", st.mean);
    else
        snprintf(b, sizeof b, "%.4g (%.2g)", st.mean, st.sd);
    strbuf_printf(sb, " %*s", w, b);
}

void select_rep_table(const struct select_rep *s, struct strbuf *sb)
{
    strbuf_printf(sb, "%zu candidate policies, %zu estimators, %zu datasets (%s)\n", s->M,
                  s->n_est, s->R, s->source);
    strbuf_printf(sb, "J(pi_b) = %.6g (sd %.2g over the datasets); safety threshold %.3g * "
                  "J(pi_b) of each dataset\nEvery cell: mean (sample sd) over the datasets.\n",
                  s->J.mean, s->J.sd, s->relative_safety);
    if (!s->has_truth) {
        strbuf_puts(sb, "no ground truth (--truth FILE or q.* columns): nothing to average; "
                        "MSE, correlation, regret and the top-k metrics need the truth\n");
        return;
    }
    strbuf_printf(sb, "\n%-16s %20s %20s %20s %20s %20s %20s %20s %20s\n", "estimator", "MSE",
                  "nMSE", "spearman", "kendall", "regret@1", "regret@k", "typeI", "typeII");
    for (size_t e = 0; e < s->n_est; e++) {
        const struct ops_summary *u = &s->sum[e];
        strbuf_printf(sb, "%-16.16s", s->label[e]);
        cell(sb, u->mse, 20);
        cell(sb, u->nmse, 20);
        cell(sb, u->spearman, 20);
        cell(sb, u->kendall, 20);
        cell(sb, u->regret1, 20);
        cell(sb, u->regretk, 20);
        cell(sb, u->type1, 20);
        cell(sb, u->type2, 20);
        strbuf_putc(sb, '\n');
    }
    if (s->n_est)
        strbuf_printf(sb, "(regret@k with k = %zu)\n", s->sum[0].k);
    static const char *const what[] = { "SharpeRatio@k", "best@k", "std@k",
                                        "safety violation rate@k" };
    for (int m = 0; m < 4; m++) {
        strbuf_printf(sb, "\n%s\n%4s", what[m], "k");
        for (size_t e = 0; e < s->n_est; e++)
            strbuf_printf(sb, " %17.17s", s->label[e]);
        strbuf_putc(sb, '\n');
        for (size_t k = 1; k <= s->M; k++) {
            strbuf_printf(sb, "%4zu", k);
            for (size_t e = 0; e < s->n_est; e++) {
                const struct ops_topk_stat *t = &s->sum[e].topk[k - 1];
                cell(sb, m == 0 ? t->sharpe : m == 1 ? t->best : m == 2 ? t->std : t->violation, 17);
            }
            strbuf_putc(sb, '\n');
        }
    }
    strbuf_puts(sb, "\nHow often each candidate was ranked first:\n");
    strbuf_printf(sb, "%-14s", "policy");
    for (size_t e = 0; e < s->n_est; e++)
        strbuf_printf(sb, " %12.12s", s->label[e]);
    strbuf_putc(sb, '\n');
    for (size_t p = 0; p < s->M; p++) {
        strbuf_printf(sb, "%-14.14s", s->policy[p]);
        for (size_t e = 0; e < s->n_est; e++)
            strbuf_printf(sb, " %12zu", s->chosen[e * s->M + p]);
        strbuf_putc(sb, '\n');
    }
    int any = 0;
    for (size_t e = 0; e < s->n_est; e++)
        for (size_t k = 0; k < s->sum[e].n_notes; k++) {
            int dup = 0;
            for (size_t f = 0; f < e && !dup; f++)
                for (size_t j = 0; j < s->sum[f].n_notes; j++)
                    dup |= strcmp(s->sum[f].notes[j], s->sum[e].notes[k]) == 0;
            if (!dup) {
                strbuf_printf(sb, "%snote: %s\n", any ? "" : "\n", s->sum[e].notes[k]);
                any = 1;
            }
        }
    if (s->lesson)
        strbuf_printf(sb, "\n%s\n", s->lesson);
}

static void jstat(struct strbuf *sb, const char *key, struct ops_stat st)
{
    if (key) {
        json_string(sb, key);
        strbuf_putc(sb, ':');
    }
    strbuf_puts(sb, "{\"mean\":");
    json_number(sb, st.mean);
    strbuf_puts(sb, ",\"sd\":");
    json_number(sb, st.sd);
    strbuf_printf(sb, ",\"n\":%zu}", st.n);
}

void select_rep_json(const struct select_rep *s, struct strbuf *sb)
{
    strbuf_printf(sb, "{\"tool\":\"ope\",\"version\":\"%s\",\"replicates\":%zu,\"source\":",
                  PACKAGE_VERSION, s->R);
    json_string(sb, s->source);
    strbuf_puts(sb, ",\n ");
    jstat(sb, "behavior_value", s->J);
    strbuf_puts(sb, ",\"relative_safety\":");
    json_number(sb, s->relative_safety);
    strbuf_puts(sb, ",\"policies\":[");
    for (size_t p = 0; p < s->M; p++) {
        if (p)
            strbuf_putc(sb, ',');
        json_string(sb, s->policy[p]);
    }
    strbuf_puts(sb, "],\n \"estimators\":[");
    for (size_t e = 0; e < s->n_est; e++) {
        const struct ops_summary *u = &s->sum[e];
        strbuf_puts(sb, e ? ",\n  {" : "\n  {");
        strbuf_puts(sb, "\"estimator\":");
        json_string(sb, s->label[e]);
        strbuf_puts(sb, ",\"ranked_first\":{");
        for (size_t p = 0; p < s->M; p++) {
            if (p)
                strbuf_putc(sb, ',');
            json_string(sb, s->policy[p]);
            strbuf_printf(sb, ":%zu", s->chosen[e * s->M + p]);
        }
        strbuf_puts(sb, "},\n   ");
        jstat(sb, "mse", u->mse);
        strbuf_putc(sb, ',');
        jstat(sb, "nmse", u->nmse);
        strbuf_putc(sb, ',');
        jstat(sb, "spearman", u->spearman);
        strbuf_putc(sb, ',');
        jstat(sb, "kendall", u->kendall);
        strbuf_puts(sb, ",\n   \"regret\":{");
        jstat(sb, "1", u->regret1);
        strbuf_putc(sb, ',');
        jstat(sb, "k", u->regretk);
        strbuf_printf(sb, ",\"k_value\":%zu},", u->k);
        jstat(sb, "nregret_1", u->nregret1);
        strbuf_putc(sb, ',');
        jstat(sb, "type1_error_rate", u->type1);
        strbuf_putc(sb, ',');
        jstat(sb, "type2_error_rate", u->type2);
        strbuf_puts(sb, ",\n   \"topk\":[");
        for (size_t k = 1; k <= s->M; k++) {
            const struct ops_topk_stat *t = &u->topk[k - 1];
            strbuf_printf(sb, "%s{\"k\":%zu,", k > 1 ? ",\n    " : "", k);
            jstat(sb, "best", t->best);
            strbuf_putc(sb, ',');
            jstat(sb, "worst", t->worst);
            strbuf_putc(sb, ',');
            jstat(sb, "mean", t->mean);
            strbuf_putc(sb, ',');
            jstat(sb, "std", t->std);
            strbuf_putc(sb, ',');
            jstat(sb, "safety_violation_rate", t->violation);
            strbuf_putc(sb, ',');
            jstat(sb, "sharpe_ratio", t->sharpe);
            strbuf_putc(sb, '}');
        }
        strbuf_puts(sb, "],\n   \"notes\":[");
        for (size_t k = 0; k < u->n_notes; k++) {
            if (k)
                strbuf_putc(sb, ',');
            json_string(sb, u->notes[k]);
        }
        strbuf_puts(sb, "]}");
    }
    strbuf_putc(sb, ']');
    if (s->lesson) {
        strbuf_puts(sb, ",\n \"lesson\":");
        json_string(sb, s->lesson);
    }
    strbuf_puts(sb, "}\n");
}

void select_rep_csv(const struct select_rep *s, struct strbuf *sb)
{
    strbuf_puts(sb, "estimator,k,best,worst,mean,std,safety_violation_rate,sharpe_ratio,"
                    "best_sd,worst_sd,mean_sd,std_sd,safety_violation_rate_sd,sharpe_ratio_sd,"
                    "replicates\n");
    for (size_t e = 0; e < s->n_est; e++)
        for (size_t k = 1; k <= s->M; k++) {
            const struct ops_topk_stat *t = &s->sum[e].topk[k - 1];
            const struct ops_stat *st[6] = { &t->best, &t->worst, &t->mean, &t->std,
                                             &t->violation, &t->sharpe };
            csvout_cell(sb, s->label[e]);
            strbuf_printf(sb, ",%zu", k);
            for (int i = 0; i < 6; i++)
                csvout_number(sb, st[i]->n ? st[i]->mean : NAN);
            for (int i = 0; i < 6; i++)
                csvout_number(sb, st[i]->sd);
            strbuf_printf(sb, ",%zu\n", s->R);
        }
}

void select_render(const struct selection *s, enum out_format f, struct strbuf *sb)
{
    if (s->matrix && f == OUT_TABLE) {
        select_table(s, sb);
        render_diff_table(s->r, sb);
        return;
    }
    if (s->matrix && f == OUT_CSV) {
        render_diff_csv(s->r, sb);
        return;
    }
    static void (*const writer[OUT_N_FORMATS])(const struct selection *, struct strbuf *) = {
        [OUT_TABLE] = select_table, [OUT_JSON] = select_json, [OUT_CSV] = select_csv,
    };
    writer[f](s, sb);
}

void select_rep_render(const struct select_rep *s, enum out_format f, struct strbuf *sb)
{
    static void (*const writer[OUT_N_FORMATS])(const struct select_rep *, struct strbuf *) = {
        [OUT_TABLE] = select_rep_table, [OUT_JSON] = select_rep_json,
        [OUT_CSV] = select_rep_csv,
    };
    writer[f](s, sb);
}
