/* estimators/segments.c: ope eval --by (segments.h). The plan says which segment each
 * row is in; each segment is gathered into a log of its own rows and evaluated by the
 * engine with the whole log's reward model and bootstrap keys; the simultaneous
 * intervals are formed from the segments' replicates or at a Bonferroni level. */
#include "config.h"
#include "estimators/segments.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/ci.h"
#include "estimators/diag.h"
#include "estimators/rmodel.h"

void seg_plan_release(struct seg_plan *pl)
{
    for (size_t k = 0; pl->label && k < pl->n_seg; k++)
        free(pl->label[k]);
    free(pl->label);
    free(pl->lo);
    free(pl->hi);
    free(pl->rows);
    free(pl->seg_of);
    memset(pl, 0, sizeof *pl);
}

static const char *path_of(const struct blog *log)
{
    return log->path ? log->path : "log";
}

static int plan_alloc(struct seg_plan *pl, size_t n_seg, size_t n, struct ope_error *err)
{
    pl->n_seg = n_seg;
    pl->label = ope_calloc(n_seg, sizeof *pl->label, err);
    pl->lo = ope_malloc(n_seg * sizeof *pl->lo, err);
    pl->hi = ope_malloc(n_seg * sizeof *pl->hi, err);
    pl->rows = ope_calloc(n_seg, sizeof *pl->rows, err);
    pl->seg_of = ope_malloc((n ? n : 1) * sizeof *pl->seg_of, err);
    if (!pl->label || !pl->lo || !pl->hi || !pl->rows || !pl->seg_of)
        return -1;
    for (size_t k = 0; k < n_seg; k++)
        pl->lo[k] = pl->hi[k] = NAN;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Equal-count bins of v[n]: cut k (k = 1..bins-1) is the (k n / bins)-th smallest
 * value; a row is in the bin of the number of cuts at or below its value. Cuts equal
 * to the previous one or to the minimum are dropped, so tied values share a bin and
 * no bin is empty. */
static int plan_bins(const double *v, size_t n, int bins, struct seg_plan *pl,
                     struct ope_error *err)
{
    double *s = ope_malloc((n ? n : 1) * sizeof *s, err);
    double cut[SEG_MAX];
    size_t nc = 0;
    if (!s)
        return -1;
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    for (int k = 1; k < bins && n; k++) {
        double c = s[(size_t)k * n / (size_t)bins];
        if (c > s[0] && (nc == 0 || c > cut[nc - 1]))
            cut[nc++] = c;
    }
    double lo = n ? s[0] : NAN, hi = n ? s[n - 1] : NAN;
    free(s);
    if (plan_alloc(pl, nc + 1, n, err) != 0)
        return -1;
    for (size_t k = 0; k <= nc; k++) {
        char buf[96];
        pl->lo[k] = k ? cut[k - 1] : lo;
        pl->hi[k] = k < nc ? cut[k] : hi;
        snprintf(buf, sizeof buf, "[%.4g, %.4g%c", pl->lo[k], pl->hi[k], k < nc ? ')' : ']');
        if (!(pl->label[k] = ope_strdup(buf, err)))
            return -1;
    }
    for (size_t i = 0; i < n; i++) {
        size_t a = 0, b = nc;       /* the number of cuts <= v[i] */
        while (a < b) {
            size_t m = (a + b) / 2;
            if (cut[m] <= v[i])
                a = m + 1;
            else
                b = m;
        }
        pl->seg_of[i] = a;
        pl->rows[a]++;
    }
    return 0;
}

static int plan_levels(const struct blog_catcol *c, size_t n, struct seg_plan *pl,
                       struct ope_error *err)
{
    if (plan_alloc(pl, c->n_levels, n, err) != 0)
        return -1;
    for (size_t k = 0; k < c->n_levels; k++)
        if (!(pl->label[k] = ope_strdup(c->levels[k], err)))
            return -1;
    for (size_t i = 0; i < n; i++) {
        pl->seg_of[i] = (size_t)c->code[i];
        pl->rows[c->code[i]]++;
    }
    return 0;
}

/* "a, b, c" of the log's context columns, for the refusal of an unknown one. */
static void context_names(const struct blog *log, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t k = 0;
    for (size_t j = 0; j < log->n_num_ctx + log->n_cat_ctx; j++, k++) {
        const char *nm = j < log->n_num_ctx ? log->num_ctx_name[j]
                                             : log->cat_ctx[j - log->n_num_ctx].name;
        size_t l = strlen(buf);
        snprintf(buf + l, size - l, "%s%s", k ? ", " : "", nm);
    }
    if (!k)
        snprintf(buf, size, "none");
}

int seg_plan_blog(const struct blog *log, const char *column, int bins, struct seg_plan *pl,
                  struct ope_error *err)
{
    memset(pl, 0, sizeof *pl);
    const char *path = path_of(log);
    if (bins != 0 && (bins < 2 || bins > SEG_MAX))
        return ope_fail(err, OPE_EUSAGE, "--bins %d: give 2 to %d bins", bins, SEG_MAX);
    for (size_t j = 0; j < log->n_num_ctx; j++) {
        if (strcmp(log->num_ctx_name[j], column) != 0)
            continue;
        if (!bins)
            return ope_fail(err, OPE_EUSAGE, "%s: --by %s: a numeric context column; add "
                            "--bins K to cut it into K equal-count bins", path, column);
        if (plan_bins(log->num_ctx[j], log->n, bins, pl, err) != 0) {
            seg_plan_release(pl);
            return -1;
        }
        return 0;
    }
    for (size_t j = 0; j < log->n_cat_ctx; j++) {
        const struct blog_catcol *c = &log->cat_ctx[j];
        if (strcmp(c->name, column) != 0)
            continue;
        if (bins)
            return ope_fail(err, OPE_EUSAGE, "%s: --by %s: a categorical context column: "
                            "its levels are the segments, so --bins does not apply",
                            path, column);
        if (c->n_levels > SEG_MAX)
            return ope_fail(err, OPE_EUSAGE, "%s: --by %s: %zu levels, more than %d "
                            "segments", path, column, c->n_levels, SEG_MAX);
        if (plan_levels(c, log->n, pl, err) != 0) {
            seg_plan_release(pl);
            return -1;
        }
        return 0;
    }
    char names[512];
    context_names(log, names, sizeof names);
    return ope_fail(err, OPE_EUSAGE, "%s: --by %s: no context column of that name (the "
                    "log's: %s; --context-columns makes other columns context)", path,
                    column, names);
}

/* ---- one segment's log ---------------------------------------------------------- */

/* m[a][rows[i]] for every action, into a new matrix of n rows. */
static double **gather_matrix(double **m, int A, const size_t *rows, size_t n,
                              struct ope_error *err)
{
    double **g = blog_matrix_new(A, n, err);
    for (int a = 0; g && a < A; a++)
        for (size_t i = 0; i < n; i++)
            g[a][i] = m[a][rows[i]];
    return g;
}

/* The rows rows[0..n-1] of log as a log of their own (what the engine reads: actions,
 * rewards, propensities, positions, policies, q̂ and q columns). */
static struct blog *gather(const struct blog *log, const size_t *rows, size_t n,
                           struct ope_error *err)
{
    struct blog *b = blog_new(n, log->n_actions, log->n_positions, log->n_policies, err);
    if (!b)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        b->action[i] = log->action[rows[i]];
        b->reward[i] = log->reward[rows[i]];
        b->pscore[i] = log->pscore[rows[i]];
        if (b->position)
            b->position[i] = log->position[rows[i]];
    }
    int ok = !log->path || (b->path = ope_strdup(log->path, err));
    for (size_t p = 0; ok && p < log->n_policies; p++) {
        ok = (b->policy[p].name = ope_strdup(log->policy[p].name, err)) != NULL;
        for (int a = 0; ok && a < log->n_actions; a++)
            for (size_t i = 0; i < n; i++)
                b->policy[p].prob[a][i] = log->policy[p].prob[a][rows[i]];
    }
    if (ok && log->qhat)
        ok = (b->qhat = gather_matrix(log->qhat, log->n_actions, rows, n, err)) != NULL;
    if (ok && log->q)
        ok = (b->q = gather_matrix(log->q, log->n_actions, rows, n, err)) != NULL;
    if (!ok) {
        blog_free(b);
        return NULL;
    }
    return b;
}

/* ---- the simultaneous intervals ----------------------------------------------- */

/* Max-t over the segments for one (policy, estimator): v[s] the estimates, rep[s] the
 * B replicates of segment s (NULL: no replicates, left out), into lo[s], hi[s]. T:
 * scratch of B doubles. */
static void max_t(size_t S, const double *v, const double *const *rep, size_t B,
                  double alpha, double *T, double *lo, double *hi)
{
    double se[SEG_MAX];
    for (size_t s = 0; s < S; s++) {
        se[s] = NAN;
        lo[s] = hi[s] = NAN;
        if (!rep[s] || !isfinite(v[s]))
            continue;
        double m = 0, q = 0;
        size_t k = 0;
        for (size_t b = 0; b < B; b++)      /* Welford: the sd of the finite replicates */
            if (isfinite(rep[s][b])) {
                double d = rep[s][b] - m;
                m += d / (double)++k;
                q += d * (rep[s][b] - m);
            }
        se[s] = k > 1 ? sqrt(q / (double)(k - 1)) : NAN;
    }
    size_t m = 0;
    for (size_t b = 0; b < B; b++) {
        double t = -1;
        for (size_t s = 0; s < S; s++)
            if (se[s] > 0 && isfinite(rep[s][b]))
                t = fmax(t, fabs(rep[s][b] - v[s]) / se[s]);
        if (t >= 0)
            T[m++] = t;
    }
    /* No t at all: every segment's replicates equal its estimate (se 0), so each
     * interval is the point, as a segment with se 0 beside others gets. */
    double c = 0;
    if (m) {
        qsort(T, m, sizeof *T, cmp_double);
        size_t idx = (size_t)ceil((1 - alpha) * (double)m);
        c = T[idx ? (idx > m ? m : idx) - 1 : 0];
    }
    for (size_t s = 0; s < S; s++)
        if (isfinite(se[s])) {
            lo[s] = v[s] - c * se[s];
            hi[s] = v[s] + c * se[s];
        }
}

/* ---- the evaluation ------------------------------------------------------------ */

struct seg_run {
    const struct blog *log;
    const struct eval_opts *o;
    const struct seg_plan *pl;
    double **qhat;              /* the whole log's model, or NULL */
    const struct res_model *model;
    size_t P, E, B;
    double *reps;               /* [S][P * E * B] */
    int *has_reps;              /* [S] */
};

/* The engine's warning about estimate `label` of policy rp, if any (does not apply,
 * undefined): the first one naming it. */
static const char *engine_warning(const struct res_policy *rp, const char *label)
{
    size_t l = strlen(label);
    for (size_t w = 0; w < rp->n_warnings; w++)
        if (strncmp(rp->warnings[w], label, l) == 0 && rp->warnings[w][l] == ' ')
            return rp->warnings[w];
    return NULL;
}

static int set_warning(struct res_seg_est *x, struct ope_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_warning(struct res_seg_est *x, struct ope_error *err, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(x->warning);
    x->warning = ope_strdup(buf, err);
    return x->warning ? 0 : -1;
}

/* Evaluate segment s into seg (its rows and numbers; its intervals when they are
 * Bonferroni's). */
static int run_segment(struct seg_run *x, const struct res_eval *whole, size_t s,
                       struct res_segment *seg, struct ope_error *err)
{
    const struct blog *log = x->log;
    size_t n = x->pl->rows[s], P = x->P, E = x->E;
    for (size_t j = 0; j < P * E; j++)
        seg->est[j].value = seg->est[j].lower = seg->est[j].upper = seg->est[j].ess = NAN;
    for (size_t p = 0; p < P; p++)
        seg->ess[p] = seg->truth[p] = NAN;
    seg->rows = n;
    if (n < 2) {
        for (size_t j = 0; j < P * E; j++)
            if (set_warning(&seg->est[j], err, "%zu row: too few to estimate anything", n))
                return -1;
        return 0;
    }
    size_t *rows = ope_malloc(n * sizeof *rows, err);
    if (!rows)
        return -1;
    for (size_t i = 0, k = 0; i < log->n; i++)
        if (x->pl->seg_of[i] == s)
            rows[k++] = i;
    struct blog *sub = gather(log, rows, n, err);
    double **q = sub && x->qhat ? gather_matrix(x->qhat, log->n_actions, rows, n, err) : NULL;
    double *w = ope_malloc(n * sizeof *w, err);
    struct res_eval *r = NULL;
    int rc = -1;
    if (!sub || (x->qhat && !q) || !w)
        goto out;
    struct eval_opts o = *x->o;
    if (o.ci != CI_BOOTSTRAP)   /* Bonferroni over the segments */
        o.alpha = x->o->alpha / (double)x->pl->n_seg;
    struct eval_part part = { rows, q, NULL, x->model,
                              x->B ? x->reps + s * P * E * x->B : NULL };
    if (!(r = eval_bandit_part(sub, &o, &part, err)))
        goto out;
    x->has_reps[s] = x->B > 0;
    for (size_t p = 0; p < P; p++) {
        int pol = blog_policy_index(sub, whole->pol[p].name);
        struct diag_weights dw;
        diag_row_weights(sub, (size_t)pol, w);
        diag_weights_of(w, n, &dw);
        seg->ess[p] = dw.ess;
        seg->truth[p] = sub->q ? blog_policy_truth(sub, (size_t)pol) : NAN;
        for (size_t e = 0; e < E; e++) {
            const struct res_estimate *re = &r->pol[p].est[e];
            struct res_seg_est *y = &seg->est[p * E + e];
            y->value = re->value;
            y->ess = re->ess;
            if (o.ci != CI_BOOTSTRAP) {
                y->lower = re->lower;
                y->upper = re->upper;
            }
            double ess = isnan(re->ess) ? (double)n : re->ess;
            const char *ew = isnan(re->value) ? engine_warning(&r->pol[p], re->label) : NULL;
            if (ew && set_warning(y, err, "%s", ew) != 0)
                goto out;
            if (!ew && ess < DIAG_SEG_MIN_ESS &&
                set_warning(y, err, "ESS %.3g below %g: too small a segment to say "
                            "anything", ess, DIAG_SEG_MIN_ESS) != 0)
                goto out;
        }
    }
    rc = 0;
out:
    res_eval_free(r);
    free(w);
    if (q)
        blog_matrix_free(q, log->n_actions);
    blog_free(sub);
    free(rows);
    return rc;
}

static const char *method_name(int ci)
{
    switch (ci) {
    case CI_BOOTSTRAP: return "max-t bootstrap";
    case CI_T: return "bonferroni t";
    case CI_HOEFFDING: return "bonferroni hoeffding";
    case CI_BERNSTEIN: return "bonferroni bernstein";
    default: return "none";
    }
}

/* Every (policy, estimator)'s max-t intervals from the segments' replicates. */
static int boot_intervals(struct seg_run *x, struct res_segments *rs, struct ope_error *err)
{
    size_t S = rs->n_seg, P = x->P, E = x->E, B = x->B;
    double *T = ope_malloc((B + 1) * sizeof *T, err);
    double v[SEG_MAX], lo[SEG_MAX], hi[SEG_MAX];
    const double *rep[SEG_MAX];
    if (!T)
        return -1;
    for (size_t j = 0; j < P * E; j++) {
        for (size_t s = 0; s < S; s++) {
            v[s] = rs->seg[s].est[j].value;
            rep[s] = x->has_reps[s] ? x->reps + (s * P * E + j) * B : NULL;
        }
        max_t(S, v, rep, B, x->o->alpha, T, lo, hi);
        for (size_t s = 0; s < S; s++) {
            rs->seg[s].est[j].lower = lo[s];
            rs->seg[s].est[j].upper = hi[s];
        }
    }
    free(T);
    return 0;
}

static struct res_segments *segments_new(const struct seg_plan *pl, const char *column,
                                         int bins, size_t P, size_t E, struct ope_error *err)
{
    struct res_segments *rs = ope_calloc(1, sizeof *rs, err);
    if (!rs)
        return NULL;
    rs->n_policies = P;
    rs->n_estimates = E;
    rs->bins = bins;
    rs->min_ess = DIAG_SEG_MIN_ESS;
    rs->seg = ope_calloc(pl->n_seg, sizeof *rs->seg, err);
    if (!rs->seg || !(rs->column = ope_strdup(column, err))) {
        res_segments_free(rs);
        return NULL;
    }
    rs->n_seg = pl->n_seg;
    for (size_t s = 0; s < pl->n_seg; s++) {
        struct res_segment *g = &rs->seg[s];
        g->lo = pl->lo[s];
        g->hi = pl->hi[s];
        g->label = ope_strdup(pl->label[s], err);
        g->ess = ope_malloc((P + 1) * sizeof *g->ess, err);
        g->truth = ope_malloc((P + 1) * sizeof *g->truth, err);
        g->est = ope_calloc(P * E + 1, sizeof *g->est, err);
        if (!g->label || !g->ess || !g->truth || !g->est) {
            res_segments_free(rs);
            return NULL;
        }
    }
    return rs;
}

static int any_model(const struct eval_opts *o, int *infl)
{
    int need = 0;
    *infl = 0;
    for (size_t e = 0; e < o->n_spec; e++) {
        need |= o->spec[e].d->needs_model;
        *infl |= o->spec[e].d->model_infl;
    }
    return need;
}

struct res_eval *seg_eval_bandit(const struct blog *log, const struct eval_opts *o,
                                 const char *column, int bins, struct ope_error *err)
{
    struct seg_plan pl;
    if (seg_plan_blog(log, column, bins, &pl, err) != 0)
        return NULL;
    struct res_model model;
    memset(&model, 0, sizeof model);
    double **fitted = NULL, **infl = NULL;
    struct res_eval *r = NULL;
    struct seg_run x = { log, o, &pl, NULL, &model, 0, o->n_spec, 0, NULL, NULL };
    int want_infl, ok = 0;
    /* The reward model once, for the whole log and every segment alike. */
    if (any_model(o, &want_infl) && !log->qhat) {
        ope_progress_report(o->progress, 0.0, "reward model");
        fitted = rm_crossfit_infl(log, &o->model, &model, o->progress,
                                  want_infl ? &infl : NULL, err);
        if (!fitted)
            goto out;
    }
    struct eval_part whole = { NULL, fitted, infl, &model, NULL };
    if (!(r = eval_bandit_part(log, o, &whole, err)))
        goto out;
    x.qhat = fitted;
    x.P = r->n_policies;
    x.B = o->ci == CI_BOOTSTRAP ? (size_t)o->n_boot : 0;
    struct res_segments *rs = segments_new(&pl, column, bins, x.P, x.E, err);
    if (!rs)
        goto out;
    r->segments = rs;
    snprintf(rs->method, sizeof rs->method, "%s", method_name(o->ci));
    x.has_reps = ope_calloc(pl.n_seg, sizeof *x.has_reps, err);
    if (!x.has_reps || (x.B && !(x.reps = ope_malloc(pl.n_seg * x.P * x.E * x.B *
                                                     sizeof *x.reps, err))))
        goto out;
    for (size_t s = 0; s < pl.n_seg; s++)
        if (run_segment(&x, r, s, &rs->seg[s], err) != 0)
            goto out;
    if (x.B && boot_intervals(&x, rs, err) != 0)
        goto out;
    if (fitted && res_warn(r, NULL, "--by %s: the reward model is fitted once on the whole "
                           "log; per segment it is held fixed, so the segments' dm and "
                           "doubly robust intervals leave out its error", column) != 0) {
        ope_fail_oom(err);
        goto out;
    }
    ok = 1;
out:
    if (!ok) {
        res_eval_free(r);
        r = NULL;
    }
    free(x.reps);
    free(x.has_reps);
    if (fitted)
        blog_matrix_free(fitted, log->n_actions);
    if (infl)
        blog_matrix_free(infl, (int)log->n_policies);
    seg_plan_release(&pl);
    return r;
}
