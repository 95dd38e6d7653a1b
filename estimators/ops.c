/* estimators/ops.c: selection metrics (see ops.h and selection.md). */
#include "config.h"
#include "estimators/ops.h"
#include "ope/base/sum.h"
#include "estimators/result.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_sort.h>

void ops_opts_init(struct ops_opts *o)
{
    o->relative_safety = 0.9;
    o->k = 0;
    o->clip_sharpe = 0;
}

static void note(struct ops_result *r, const char *msg)
{
    for (size_t i = 0; i < r->n_notes; i++)
        if (strcmp(r->notes[i], msg) == 0)
            return;
    if (r->n_notes < OPS_MAX_NOTES)
        snprintf(r->notes[r->n_notes++], sizeof r->notes[0], "%s", msg);
}

/* Average ranks (1-based) of x (no NaN), ties sharing the mean of their positions.
 * GSL's sort is not stable, but tied values share one rank, so the order within a
 * tie cannot change a rank. */
static void average_ranks(const double *x, size_t n, double *rank, size_t *idx)
{
    gsl_sort_index(idx, x, 1, n);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && x[idx[j + 1]] == x[idx[i]])
            j++;
        double avg = (double)(i + j) / 2.0 + 1.0;
        for (size_t k = i; k <= j; k++)
            rank[idx[k]] = avg;
        i = j + 1;
    }
}

/* Not gsl_stats_spearman (the test oracle): its ranks are these, but its Pearson step
 * (running means) differs from this one in the last digit in about half of random
 * cases, and this one gives exactly 0 spread, hence NaN, for a constant side. */
double ops_spearman(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return NAN;
    double *rx = malloc(n * sizeof *rx), *ry = malloc(n * sizeof *ry);
    size_t *idx = malloc(n * sizeof *idx);
    double rho = NAN;
    if (rx && ry && idx) {
        average_ranks(x, n, rx, idx);
        average_ranks(y, n, ry, idx);
        /* Average ranks always have mean (n + 1) / 2, exactly: a constant side then
         * gives a spread of exactly 0 (NaN below), not rounding noise. */
        double mx = ((double)n + 1) / 2, my = mx;
        double sxy = 0, sxx = 0, syy = 0;
        for (size_t i = 0; i < n; i++) {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        if (sxx > 0 && syy > 0)
            rho = sxy / sqrt(sxx * syy);
    }
    free(rx);
    free(ry);
    free(idx);
    return rho;
}

double ops_kendall_tau_b(const double *x, const double *y, size_t n)
{
    double conc = 0, disc = 0, tx = 0, ty = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            /* Signs by comparison, not subtraction: -inf ties with -inf. */
            int dx = (x[i] > x[j]) - (x[i] < x[j]), dy = (y[i] > y[j]) - (y[i] < y[j]);
            if (dx == 0 && dy == 0)
                continue;
            if (dx == 0)
                tx++;
            else if (dy == 0)
                ty++;
            else if ((dx > 0) == (dy > 0))
                conc++;
            else
                disc++;
        }
    double d = sqrt((conc + disc + tx) * (conc + disc + ty));
    return d > 0 ? (conc - disc) / d : NAN;
}

int ops_compute(const double *est, const double *truth, size_t M, double J,
                const struct ops_opts *o, struct ops_result *r, struct ope_error *err)
{
    memset(r, 0, sizeof *r);
    if (M == 0)
        return ope_fail(err, OPE_EUSAGE, "selection needs at least one candidate policy");
    size_t k = o->k ? o->k : (M < 3 ? M : 3);
    if (k > M)
        return ope_fail(err, OPE_EUSAGE, "--k %zu is larger than the %zu candidate policies", k, M);
    r->M = M;
    r->k = k;
    r->ranking = ope_calloc(M, sizeof *r->ranking, err);
    r->topk = ope_calloc(M, sizeof *r->topk, err);
    if (!r->ranking || !r->topk) {
        ops_result_release(r);
        return -1;
    }
    /* Ranking by estimate, descending, stable; a NaN estimate ranks last. */
    ops_rank_by(est, M, r->ranking);
    r->tau = isnan(J) ? NAN : o->relative_safety * J;
    r->mse = r->nmse = r->spearman = r->kendall = NAN;
    r->regret1 = r->regretk = r->nregret1 = r->type1 = r->type2 = NAN;
    for (size_t i = 0; i < M; i++)
        r->topk[i] = (struct ops_topk){ NAN, NAN, NAN, NAN, NAN, NAN };
    r->has_truth = truth != NULL;
    size_t n_nan = 0;
    for (size_t i = 0; i < M; i++)
        n_nan += isnan(est[i]) != 0;
    if (n_nan)
        note(r, "some estimates are undefined (NaN): they rank last (tied) and count as "
                "estimated unsafe; rank correlation scores that ranking; MSE, and regret@k and "
                "top-k past them, are undefined");
    if (!truth) {
        note(r, "no ground truth: only the ranking is available (MSE, rank correlation, "
                "regret and the top-k metrics need the true values)");
        return 0;
    }
    for (size_t i = 0; i < M; i++)
        if (!isfinite(truth[i])) {
            ops_result_release(r);
            return ope_fail(err, OPE_EDATA, "the true value of candidate %zu is not a finite "
                            "number", i + 1);
        }
    /* MSE, nMSE (MSE over the mean squared true value). */
    double se = 0, sq = 0, vmax = -INFINITY;
    for (size_t i = 0; i < M; i++) {
        se += (est[i] - truth[i]) * (est[i] - truth[i]);
        sq += truth[i] * truth[i];
        vmax = truth[i] > vmax ? truth[i] : vmax;
    }
    if (!n_nan) {
        r->mse = se / (double)M;
        if (sq > 0)
            r->nmse = r->mse / (sq / (double)M);
        else
            note(r, "nMSE is undefined: every true value is 0");
    }
    /* Rank correlation scores the ranking the estimator gives, in which undefined
     * estimates tie below every defined one: a zero denominator (an empty support)
     * is a statement that the log cannot rank that policy, not a hole in the list. */
    double *ranked = malloc(M * sizeof *ranked);
    if (!ranked) {
        ops_result_release(r);
        return ope_fail_oom(err);
    }
    for (size_t i = 0; i < M; i++)
        ranked[i] = isnan(est[i]) ? -INFINITY : est[i];
    r->spearman = ops_spearman(truth, ranked, M);
    r->kendall = ops_kendall_tau_b(truth, ranked, M);
    free(ranked);
    if (M < 2)
        note(r, "rank correlation is undefined with a single candidate");
    else if (isnan(r->spearman))
        note(r, "rank correlation is undefined: the true values or the estimates are "
                "all equal");
    /* regret@k = sum of the k largest true values - sum of the true values of top_k. */
    double *sorted = malloc(k * sizeof *sorted);
    if (!sorted) {
        ops_result_release(r);
        return ope_fail_oom(err);
    }
    gsl_sort_largest(sorted, k, truth, 1, M);      /* the k largest, largest first */
    double best_k = 0, got_k = 0;
    for (size_t i = 0; i < k; i++) {
        best_k += sorted[i];
        got_k += truth[r->ranking[i]];
    }
    free(sorted);
    /* The estimator chose only the policies it estimated: a top k that reaches into the
     * unestimated ones (ranked last in input order) would score that order, not it. */
    size_t n_def = M - n_nan;
    if (n_def >= 1) {
        r->regret1 = vmax - truth[r->ranking[0]];
        if (vmax != 0)
            r->nregret1 = r->regret1 / fabs(vmax);
        else
            note(r, "nRegret@1 is undefined: the best true value is 0");
    }
    if (k <= n_def)
        r->regretk = best_k - got_k;
    /* Type I / II at tau. */
    if (!isnan(r->tau)) {
        double safe = 0, unsafe = 0, e1 = 0, e2 = 0;
        for (size_t i = 0; i < M; i++) {
            int ts = truth[i] >= r->tau, es = est[i] >= r->tau;
            safe += ts;
            unsafe += !ts;
            e1 += ts && !es;
            e2 += !ts && es;
        }
        r->type1 = safe > 0 ? e1 / safe : 0;
        r->type2 = unsafe > 0 ? e2 / unsafe : 0;
    } else {
        note(r, "no behaviour value J(pi_b): safety, Type I/II and SharpeRatio@k are undefined");
    }
    /* Top-k over the true values of the first k of the ranking. */
    double sum = 0, best = -INFINITY, worst = INFINITY, below = 0;
    for (size_t kk = 1; kk <= n_def; kk++) {
        double v = truth[r->ranking[kk - 1]];
        sum += v;
        best = v > best ? v : best;
        worst = v < worst ? v : worst;
        below += !isnan(r->tau) && v < r->tau;
        struct ops_topk *t = &r->topk[kk - 1];
        t->best = best;
        t->worst = worst;
        t->mean = sum / (double)kk;
        if (kk >= 2) {
            double ss = 0;
            for (size_t i = 0; i < kk; i++) {
                double d = truth[r->ranking[i]] - t->mean;
                ss += d * d;
            }
            t->std = sqrt(ss / (double)(kk - 1));
        } else {
            note(r, "std@1 and SharpeRatio@1 are undefined (one policy has no spread)");
        }
        if (isnan(r->tau))
            continue;
        t->violation = below / (double)kk;
        if (kk < 2)
            continue;
        double num = best - J > 0 ? best - J : 0;
        if (t->std > 0) {
            t->sharpe = num / t->std;
        } else if (num > 0) {
            t->sharpe = INFINITY;
            note(r, "SharpeRatio@k is +inf where the top k have zero spread and beat J(pi_b)");
        } else {
            t->sharpe = NAN;
            note(r, "SharpeRatio@k is undefined (0/0) where the top k have zero spread and do "
                    "not beat J(pi_b)");
        }
        if (o->clip_sharpe && !isnan(t->sharpe))
            t->sharpe = t->sharpe < 0 ? 0 : t->sharpe > 100 ? 100 : t->sharpe;
    }
    return 0;
}

void ops_result_release(struct ops_result *r)
{
    free(r->ranking);
    free(r->topk);
    r->ranking = NULL;
    r->topk = NULL;
}

/* Mean and sample sd of the field at byte offset off of each replicate: of the result
 * itself (k = 0) or of its topk[k - 1]. Non-finite values are skipped and counted. */
static struct ops_stat stat_at(const struct ops_result *rs, size_t R, size_t off, size_t k,
                               size_t *skipped)
{
    struct ops_stat st = { NAN, NAN, 0 };
    struct ope_sum sum, ss;
    ope_sum_init(&sum);
    ope_sum_init(&ss);
    double lo = INFINITY, hi = -INFINITY;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < R; i++) {
            const char *base = k ? (const char *)&rs[i].topk[k - 1] : (const char *)&rs[i];
            double v;
            memcpy(&v, base + off, sizeof v);
            if (!isfinite(v)) {
                *skipped += pass == 0;
                continue;
            }
            if (pass == 0) {
                ope_sum_add(&sum, v);
                lo = fmin(lo, v);
                hi = fmax(hi, v);
                st.n++;
            } else {
                ope_sum_add(&ss, (v - st.mean) * (v - st.mean));
            }
        }
        /* Equal values give their value and a spread of exactly 0, not rounding dust. */
        if (pass == 0 && st.n)
            st.mean = lo == hi ? lo : ope_sum_value(&sum) / (double)st.n;
        if (pass == 1 && st.n >= 2)
            st.sd = lo == hi ? 0.0 : sqrt(ope_sum_value(&ss) / (double)(st.n - 1));
    }
    return st;
}

int ops_score_eval(const struct res_eval *r, const double *truth, double J,
                   const struct ops_opts *o, struct ops_result *out, struct ope_error *err)
{
    size_t M = r->n_policies, E = M ? r->pol[0].n_estimates : 0;
    double *est = ope_calloc(M ? M : 1, sizeof *est, err);
    if (!est)
        return -1;
    int rc = 0;
    size_t e = 0;
    for (; e < E && rc == 0; e++) {
        for (size_t p = 0; p < M; p++)
            est[p] = e < r->pol[p].n_estimates ? r->pol[p].est[e].value : NAN;
        rc = ops_compute(est, truth, M, J, o, &out[e], err);
    }
    if (rc != 0)            /* ops_result_release is idempotent: callers may free again */
        for (size_t f = 0; f < e; f++)
            ops_result_release(&out[f]);
    free(est);
    return rc;
}

int ops_summarize(const struct ops_result *rs, size_t R, struct ops_summary *s,
                  struct ope_error *err)
{
    memset(s, 0, sizeof *s);
    if (R == 0)
        return ope_fail(err, OPE_EUSAGE, "no replicate to summarise");
    for (size_t i = 1; i < R; i++)
        if (rs[i].M != rs[0].M || rs[i].k != rs[0].k)
            return ope_fail(err, OPE_EUSAGE, "replicate %zu has %zu candidates (k = %zu), "
                            "the first has %zu (k = %zu)", i + 1, rs[i].M, rs[i].k,
                            rs[0].M, rs[0].k);
    s->R = R;
    s->M = rs[0].M;
    s->k = rs[0].k;
    s->topk = ope_calloc(s->M ? s->M : 1, sizeof *s->topk, err);
    if (!s->topk)
        return -1;
    size_t skipped = 0;
#define SCALAR(f) s->f = stat_at(rs, R, offsetof(struct ops_result, f), 0, &skipped)
    SCALAR(mse);
    SCALAR(nmse);
    SCALAR(spearman);
    SCALAR(kendall);
    SCALAR(regret1);
    SCALAR(regretk);
    SCALAR(nregret1);
    SCALAR(type1);
    SCALAR(type2);
#undef SCALAR
    size_t skipped_scalar = skipped;
    skipped = 0;
    for (size_t k = 1; k <= s->M; k++) {
        struct ops_topk_stat *t = &s->topk[k - 1];
#define TOPK(f) t->f = stat_at(rs, R, offsetof(struct ops_topk, f), k, &skipped)
        TOPK(best);
        TOPK(worst);
        TOPK(mean);
        TOPK(violation);
#undef TOPK
        size_t before = skipped;
        t->std = stat_at(rs, R, offsetof(struct ops_topk, std), k, &skipped);
        t->sharpe = stat_at(rs, R, offsetof(struct ops_topk, sharpe), k, &skipped);
        if (k == 1)
            skipped = before;   /* std@1 and Sharpe@1 are undefined by definition */
    }
    /* The per-replicate notes, once each, then what the averaging left out. */
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < rs[i].n_notes; j++) {
            int dup = 0;
            for (size_t m = 0; m < s->n_notes && !dup; m++)
                dup = strcmp(s->notes[m], rs[i].notes[j]) == 0;
            if (!dup && s->n_notes < OPS_MAX_NOTES)
                snprintf(s->notes[s->n_notes++], sizeof s->notes[0], "%s", rs[i].notes[j]);
        }
    if ((skipped_scalar || skipped) && s->n_notes < OPS_MAX_NOTES)
        snprintf(s->notes[s->n_notes++], sizeof s->notes[0], "averages over replicates "
                 "leave out %zu undefined or infinite values (n says how many were used)",
                 skipped_scalar + skipped);
    return 0;
}

void ops_summary_release(struct ops_summary *s)
{
    free(s->topk);
    s->topk = NULL;
}

void ops_curves_release(struct ops_curves *c)
{
    for (size_t e = 0; c->curve && e < c->n; e++) {
        free((char *)c->curve[e].label);
        free((struct ops_topk *)c->curve[e].topk);
    }
    free(c->curve);
    memset(c, 0, sizeof *c);
}
