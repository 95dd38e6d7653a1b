/* ope/cmd_gate.c: `ope gate LOG --policy NAME`: a deployment verdict. PASS when the
 * one-sided lower confidence bound of the paired lift over the logged policy clears
 * the threshold, FAIL when it does not, UNDECIDABLE when the data cannot support a
 * verdict (poor overlap, too few effective samples, estimators that disagree). */
#include "config.h"
#include "ope/cmd.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/blog.h"
#include "datasets/tlog.h"
#include "estimators/ci.h"
#include "estimators/estimator.h"
#include "ope/app/evalcli.h"
#include "ope/app/follow.h"
#include "ope/app/loadcli.h"
#include "ope/app/output.h"
#include "ope/base/json.h"
#include "ope/base/progress.h"
#include "ope/base/strbuf.h"
#include "ope/base/utf8.h"

/* Exit statuses of the verdicts: a pipeline tells them from the usual 64/65/66. */
enum { GATE_PASS = 0, GATE_FAIL = 1, GATE_UNDECIDABLE = 2 };

enum {
    GATE_AGAINST = 0x4700, GATE_MIN_LIFT, GATE_MIN_REL, GATE_ESTIMATOR, GATE_ESS,
    GATE_UNSUPPORTED, GATE_AGREEMENT, GATE_SEQUENTIAL, GATE_EVERY, GATE_IDLE
};

struct gate_opts {
    const char *estimator;      /* the deciding estimator */
    double min_lift;            /* absolute threshold, or NAN */
    double min_rel;             /* relative threshold, or NAN */
    double alpha;               /* one-sided, family-wise */
    double require_ess;         /* NAN: no check */
    double max_unsupported;     /* NAN: no check */
    long require_agreement;     /* 0: no check */
    const char *against;        /* the baseline candidate; NULL: the logged policy */
    int sequential;             /* --sequential: decide at the first look that can */
    size_t rows;                /* --sequential: the rows read when it ended */
};

/* One check of a policy: its value against its threshold. */
struct check {
    const char *name;
    double value, threshold;
    int passed;
};

enum { MAX_CHECKS = 5 };

struct verdict {
    const char *name;
    int status;                 /* GATE_*; -1 while Holm has not decided it */
    double level;               /* the one-sided alpha it was tested at */
    double lift, lower, rel;    /* of the deciding estimator at that level */
    double upper;               /* --sequential: the upper end that a FAIL is decided on */
    char reason[256];
    struct check chk[MAX_CHECKS];
    size_t n_chk;
};

static const char *const status_name[] = { "pass", "fail", "undecidable" };

/* The deciding estimate of a policy: the estimate whose label or name is est. */
static const struct res_estimate *find_est(const struct res_policy *p, const char *est)
{
    for (size_t e = 0; e < p->n_estimates; e++)
        if (strcmp(p->est[e].label, est) == 0)
            return &p->est[e];
    for (size_t e = 0; e < p->n_estimates; e++)
        if (strcmp(p->est[e].estimator, est) == 0)
            return &p->est[e];
    return NULL;
}

/* The threshold on the lift's lower bound (absolute units). */
static double threshold(const struct gate_opts *g, double vb)
{
    if (!isnan(g->min_rel))
        return g->min_rel * fabs(vb);
    return isnan(g->min_lift) ? 0.0 : g->min_lift;
}

static void add_check(struct verdict *v, const char *name, double value, double thr, int ok)
{
    if (v->n_chk < MAX_CHECKS)
        v->chk[v->n_chk++] = (struct check){ name, value, thr, ok };
}

/* Judge policy pol of r, evaluated with one-sided level `level`: the data checks
 * (any failing makes it undecidable), then the lower bound against the threshold. */
static void judge(const struct gate_opts *g, const struct res_eval *r,
                  const struct res_policy *pol, double vb, double level, struct verdict *v)
{
    char over[160];
    if (g->against)
        snprintf(over, sizeof over, "policy %s", g->against);
    else
        snprintf(over, sizeof over, "the logged policy");
    const struct res_estimate *x = find_est(pol, g->estimator);
    double thr = threshold(g, vb);
    v->n_chk = 0;
    v->level = level;
    v->lift = x->lift;
    v->lower = x->lift_lower;
    v->rel = x->relative_lift;
    int undecided = 0;
    char why[256] = "";
    /* No overlap at all (every weight 0), of the policy or of the baseline it is held
     * against: what a model-based estimator gives is then the model's extrapolation,
     * which no row of the log can check, with the model's own interval (a gate passed
     * dr's +4981 for a policy whose truth was the worst). The importance-weighted
     * estimators have no lower bound there anyway, and mis weighs states, not
     * trajectories. */
    const struct est_desc *xd = est_find(x->estimator, strcmp(r->kind, "bandit") == 0
                                                       ? EST_BANDIT : EST_TRAJ);
    const struct res_policy *base = NULL;
    for (size_t p = 0; g->against && p < r->n_policies; p++)
        if (strcmp(r->pol[p].name, g->against) == 0)
            base = &r->pol[p];
    const char *blind = pol->ess == 0.0 ? pol->name : base && base->ess == 0.0 ? base->name
                                                                            : NULL;
    if (xd && xd->needs_model && blind && !undecided++)
        snprintf(why, sizeof why, "no overlap: every weight of %s is 0 (ESS 0), so %s is "
                 "the model's extrapolation there, which no row of the log can check", blind,
                 x->label);
    if (!isnan(g->require_ess)) {
        /* Weight-free estimators (dm) have no ESS: the policy's weights decide. */
        double ess = isnan(x->ess) ? pol->ess : x->ess;
        int ok = !isnan(ess) && ess >= g->require_ess;
        add_check(v, "ess", ess, g->require_ess, ok);
        if (!ok && !undecided++)
            snprintf(why, sizeof why, "too few effective samples: ESS %.6g < %.6g",
                     ess, g->require_ess);
    }
    if (!isnan(g->max_unsupported)) {
        int ok = !isnan(pol->unsupported) && pol->unsupported <= g->max_unsupported;
        add_check(v, "unsupported", pol->unsupported, g->max_unsupported, ok);
        if (!ok && !undecided++)
            snprintf(why, sizeof why, "poor overlap: %.3g%% of the policy's mass on actions "
                     "the log never takes (max %.3g%%)", 100 * pol->unsupported,
                     100 * g->max_unsupported);
    }
    if (g->require_agreement > 0) {
        /* Estimators agree when their lower bounds fall on the same side of the
         * threshold as the deciding one's. */
        int side = x->lift_lower > thr;
        long agree = 0, total = 0;
        for (size_t e = 0; e < pol->n_estimates; e++) {
            double lb = pol->est[e].lift_lower;
            if (isnan(lb))
                continue;
            total++;
            agree += (lb > thr) == side;
        }
        int ok = !isnan(x->lift_lower) && agree >= g->require_agreement;
        add_check(v, "agreement", (double)agree, (double)g->require_agreement, ok);
        if (!ok && !undecided++)
            snprintf(why, sizeof why, "estimators disagree: %ld of %ld agree with %s "
                     "(%ld required)", agree, total, x->label, g->require_agreement);
    }
    int pass = !isnan(x->lift_lower) && x->lift_lower > thr;
    add_check(v, isnan(g->min_rel) ? "lift_lower_bound" : "relative_lift_lower_bound",
              isnan(g->min_rel) ? x->lift_lower : x->lift_lower / fabs(vb),
              isnan(g->min_rel) ? thr : g->min_rel, pass);
    if (isnan(x->lift_lower) && !undecided++)
        snprintf(why, sizeof why, "%s gives no lower bound for the lift", x->label);
    /* lift / |V(pi_b)| has no value at V(pi_b) = 0: nothing to hold it against. */
    if (!isnan(g->min_rel) && !(fabs(vb) > 0) && !undecided++)
        snprintf(why, sizeof why, "the relative lift is undefined: the value of %s is %.6g",
                 over, vb);
    if (undecided) {
        v->status = GATE_UNDECIDABLE;
        snprintf(v->reason, sizeof v->reason, "%s", why);
        return;
    }
    v->status = pass ? GATE_PASS : GATE_FAIL;
    if (isnan(g->min_rel))
        snprintf(v->reason, sizeof v->reason, "%s lift %+.4g over %s, %.4g%% "
                 "lower bound %+.4g %s %+.4g", x->label, x->lift, over, 100 * (1 - level),
                 x->lift_lower, pass ? ">" : "<=", thr);
    else
        snprintf(v->reason, sizeof v->reason, "%s relative lift %+.2f%% over %s, %.4g%% "
                 "lower bound %+.2f%% %s %+.2f%%", x->label, 100 * x->relative_lift, over,
                 100 * (1 - level), 100 * x->lift_lower / fabs(vb), pass ? ">" : "<=",
                 100 * g->min_rel);
}

/* Evaluate at one-sided level a: a two-sided interval at 1 - 2a has the one-sided
 * lower bound at a. The first run loads the log and keeps it; later runs reuse it. A
 * log read in windows (--stream, past --memory-limit) is not kept: a later run reads
 * the file again, which a pipe or standard input cannot give (again: 1). */
static struct res_eval *run_at(struct evalcli *c, const char *path, struct blog **blog,
                               struct tlog **tlog, double a, int again,
                               struct ope_error *err)
{
    c->set.alpha = 2 * a;
    if (!*blog && !*tlog) {
        struct stat st;
        if (again && (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode)))
            return ope_fail(err, OPE_EUSAGE, "%s was read in windows (--stream, or past "
                            "--memory-limit), and Holm's next round evaluates it again at a "
                            "smaller level, which standard input or a pipe cannot give: save "
                            "it to a file, or gate one policy at a time", path), NULL;
        c->keep_blog = blog;
        c->keep_tlog = tlog;
        c->keep_if_whole = 1;
        return evalcli_run(c, path, err);
    }
    return eval_settings_run(&c->set, *blog, *tlog, c->progress, err);
}

static void json_opt(struct strbuf *sb, const char *k, double v)
{
    strbuf_printf(sb, ",\"%s\":", k);
    json_number(sb, v);
}

/* The evaluation's warnings about the gated policy named name (overlap, effective
 * samples, unsupported mass: estimators/diag) and about the log: a verdict is read
 * with them, so the gate shows them as `ope eval` does. NULL/0 when there are none. */
static const struct res_policy *gated(const struct res_eval *r, const char *name)
{
    for (size_t i = 0; r && name && i < r->n_policies; i++)
        if (r->pol[i].name && strcmp(r->pol[i].name, name) == 0)
            return &r->pol[i];
    return NULL;
}

static void warnings_array(struct strbuf *sb, char *const *w, size_t n)
{
    strbuf_puts(sb, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_puts(sb, ",");
        json_string(sb, w[i]);
    }
    strbuf_puts(sb, "]");
}

static void write_json(struct strbuf *sb, const struct gate_opts *g, const struct res_eval *r,
                       double vb, const struct verdict *v, size_t m,
                       int status)
{
    strbuf_printf(sb, "{\"tool\":\"ope\",\"version\":\"%s\",\"command\":\"gate\",\"verdict\":",
                  PACKAGE_VERSION);
    json_string(sb, status_name[status]);
    strbuf_printf(sb, ",\"exit\":%d,\n \"input\":{\"path\":", status);
    json_string(sb, r->path ? r->path : "");
    strbuf_puts(sb, ",\"sha256\":");
    json_string(sb, r->sha256);
    strbuf_printf(sb, ",\"kind\":\"%s\",\"behavior_value\":", r->kind);
    json_number(sb, vb);
    strbuf_puts(sb, "},\n \"settings\":{\"against\":");
    json_string(sb, g->against ? g->against : "logged");
    strbuf_puts(sb, ",\"estimator\":");
    json_string(sb, g->estimator);
    json_opt(sb, "alpha", g->alpha);
    strbuf_printf(sb, ",\"sided\":\"lower\",\"ci\":\"%s\",\"n_bootstrap\":%d,\"seed\":%llu",
                  r->ci, r->n_boot, (unsigned long long)r->seed);
    json_opt(sb, "min_lift", isnan(g->min_rel) ? threshold(g, vb) : NAN);
    json_opt(sb, "min_relative_lift", g->min_rel);
    json_opt(sb, "require_ess", g->require_ess);
    json_opt(sb, "max_unsupported", g->max_unsupported);
    json_opt(sb, "require_agreement", g->require_agreement > 0 ? (double)g->require_agreement
                                                               : NAN);
    strbuf_printf(sb, ",\"correction\":\"%s\",\"policies\":%zu", m > 1 ? g->sequential ?
                  "bonferroni" : "holm" : "none", m);
    if (g->sequential)
        strbuf_printf(sb, ",\"sequential\":true,\"rows_used\":%zu", g->rows);
    strbuf_puts(sb, "},\n \"policies\":[");
    for (size_t p = 0; p < m; p++) {
        strbuf_puts(sb, p ? ",\n  {\"name\":" : "\n  {\"name\":");
        json_string(sb, v[p].name);
        strbuf_puts(sb, ",\"verdict\":");
        json_string(sb, status_name[v[p].status]);
        strbuf_puts(sb, ",\"reason\":");
        json_string(sb, v[p].reason);
        json_opt(sb, "alpha", v[p].level);
        json_opt(sb, "lift", v[p].lift);
        json_opt(sb, "lift_lower_bound", v[p].lower);
        if (g->sequential)      /* a sequential FAIL is decided on this end */
            json_opt(sb, "lift_upper_bound", v[p].upper);
        json_opt(sb, "relative_lift", v[p].rel);
        const struct res_policy *rp = gated(r, v[p].name);
        strbuf_puts(sb, ",\"warnings\":");
        warnings_array(sb, rp ? rp->warnings : NULL, rp ? rp->n_warnings : 0);
        strbuf_puts(sb, ",\"checks\":[");
        for (size_t k = 0; k < v[p].n_chk; k++) {
            const struct check *x = &v[p].chk[k];
            strbuf_printf(sb, "%s{\"name\":\"%s\",\"value\":", k ? "," : "", x->name);
            json_number(sb, x->value);
            strbuf_puts(sb, ",\"threshold\":");
            json_number(sb, x->threshold);
            strbuf_printf(sb, ",\"passed\":%s}", x->passed ? "true" : "false");
        }
        strbuf_puts(sb, "]}");
    }
    strbuf_puts(sb, "],\n \"warnings\":");
    warnings_array(sb, r ? r->warnings : NULL, r ? r->n_warnings : 0);
    strbuf_puts(sb, "}\n");
}

static void write_warnings(struct strbuf *sb, const struct res_eval *r,
                           const struct verdict *v, size_t m)
{
    char nm[512], w[1024];
    for (size_t p = 0; p < m; p++) {
        const struct res_policy *rp = gated(r, v[p].name);
        for (size_t i = 0; rp && i < rp->n_warnings; i++)
            strbuf_printf(sb, "  warning: %s: %s\n",
                          utf8_printable(v[p].name, strlen(v[p].name), nm, sizeof nm),
                          utf8_printable(rp->warnings[i], strlen(rp->warnings[i]), w, sizeof w));
    }
    for (size_t i = 0; r && i < r->n_warnings; i++)
        strbuf_printf(sb, "  warning: %s\n",
                      utf8_printable(r->warnings[i], strlen(r->warnings[i]), w, sizeof w));
}

static void write_table(struct strbuf *sb, const struct verdict *v, size_t m, int status,
                        double alpha, int sequential)
{
    static const char *const upper[] = { "PASS", "FAIL", "UNDECIDABLE" };
    /* Policy names come from the data (and reach the reason through --against): their
     * control bytes as \xNN, as in every table. */
    char nm[512], why[1024];
    if (m == 1) {
        strbuf_printf(sb, "%s %s: %s\n", upper[status],
                      utf8_printable(v[0].name, strlen(v[0].name), nm, sizeof nm),
                      utf8_printable(v[0].reason, strlen(v[0].reason), why, sizeof why));
        return;
    }
    size_t n_pass = 0;
    for (size_t p = 0; p < m; p++)
        n_pass += v[p].status == GATE_PASS;
    /* --sequential tests each policy at alpha / m (gate_sequential): Bonferroni. */
    strbuf_printf(sb, "%s: %zu of %zu policies pass (%s correction, family-wise alpha "
                  "%g)\n", upper[status], n_pass, m, sequential ? "Bonferroni" : "Holm's",
                  alpha);
    for (size_t p = 0; p < m; p++)
        strbuf_printf(sb, "  %s %s: %s (alpha %.4g)\n", upper[v[p].status],
                      utf8_printable(v[p].name, strlen(v[p].name), nm, sizeof nm),
                      utf8_printable(v[p].reason, strlen(v[p].reason), why, sizeof why),
                      v[p].level);
}

/* The gate's estimator is not among those run. A trajectory log read in windows runs
 * EVALSET_TRAJ_WEIGHTED unless told otherwise: say so, and both ways out. */
static int not_run(const struct evalcli *c, const struct res_eval *r, const char *est,
                   struct ope_error *err)
{
    if (!c->set.estimators[0] && r->kind && strcmp(r->kind, "trajectories") == 0)
        return ope_fail(err, OPE_EUSAGE, "--estimator %s was not run: read in windows "
                        "(--stream, past --memory-limit), a trajectory log's default "
                        "estimators are " EVALSET_TRAJ_WEIGHTED "; add it, e.g. --estimators "
                        EVALSET_TRAJ_WEIGHTED ",%s, or gate on --estimator wpdis", est, est);
    return ope_fail(err, OPE_EUSAGE, "--estimator %s is not among --estimators", est);
}

/* Holm's step-down procedure on lower confidence bounds: with R the policies not yet
 * passed, test each at alpha / |R|; those that pass leave R and the rest are tested
 * again at the larger level; stop when none passes. The same as Holm on the p-values
 * p_i = inf{a : LCB_i(a) > threshold}. */
static int gate(struct evalcli *c, const char *path, const struct gate_opts *g,
                struct verdict *v, size_t m, struct res_eval **last, double *vb,
                struct ope_error *err)
{
    struct blog *blog = NULL;
    struct tlog *tlog = NULL;
    int rc = -1;
    char sha[sizeof (*last)->sha256] = "";
    for (size_t p = 0; p < m; p++) {
        v[p].name = c->set.policies[p];
        v[p].status = -1;
    }
    size_t left = m;
    while (left > 0) {
        double a = g->alpha / (double)left;
        struct res_eval *r = run_at(c, path, &blog, &tlog, a, *last != NULL, err);
        if (!r)
            goto out;
        /* Later runs evaluate the kept log, which has no digest: the first run's. A log
         * read again must be the one the first round read. */
        if (*last && r->sha256[0] && sha[0] && strcmp(r->sha256, sha) != 0) {
            res_eval_free(r);
            ope_fail(err, OPE_EDATA, "%s changed between Holm's rounds (its SHA-256 differs "
                     "from the first round's): gate a log that is not being written", path);
            goto out;
        }
        if (!*last)
            memcpy(sha, r->sha256, sizeof sha);
        else
            memcpy(r->sha256, sha, sizeof sha);
        if (!*last) {
            /* The observed behaviour value the lift is over (with a truth file
             * r->behavior_value is the exact one: take the lift's own). */
            *vb = r->behavior_value;
            for (size_t p = 0; p < r->n_policies; p++) {
                const struct res_estimate *x = find_est(&r->pol[p], g->estimator);
                if (!x) {
                    not_run(c, r, g->estimator, err);
                    res_eval_free(r);
                    goto out;
                }
                /* More agreeing estimators than are evaluated: never satisfiable,
                 * so every verdict would be UNDECIDABLE whatever the data. */
                if (g->require_agreement > (long)r->pol[p].n_estimates) {
                    ope_fail(err, OPE_EUSAGE, "--require-agreement %ld: only %zu "
                             "estimators are evaluated (%s)", g->require_agreement,
                             r->pol[p].n_estimates, c->set.estimators[0] ? "--estimators"
                             : "the default list: name more with --estimators");
                    res_eval_free(r);
                    goto out;
                }
                if ((c->set.truth_path || g->against) && !isnan(x->lift))
                    *vb = x->value - x->lift;   /* the baseline's own estimate */
            }
        }
        size_t passed = 0;
        for (size_t p = 0; p < m; p++) {
            if (v[p].status == GATE_PASS || v[p].status == GATE_UNDECIDABLE)
                continue;
            judge(g, r, &r->pol[p], *vb, a, &v[p]);
            passed += v[p].status == GATE_PASS;
        }
        res_eval_free(*last);
        *last = r;
        left -= passed;
        if (!passed)
            break;
    }
    rc = 0;
out:
    blog_free(blog);
    tlog_free(tlog);
    return rc;
}

/* ---- --sequential: confidence sequences, looked at as the rows come ------------ */

struct seq {
    struct evalcli *c;
    const char *path;
    struct gate_opts *g;
    struct verdict *v;
    size_t m;
    double level;               /* the one-sided level of each policy (Bonferroni) */
    struct res_eval *last;
    double vb;
};

/* The reason of a sequential verdict: the end of the lift's confidence sequence that
 * decided it, against the threshold (in the threshold's units). */
static void seq_reason(const struct gate_opts *g, const struct res_estimate *x, double level,
                       double thr, double vb, int pass, struct verdict *v)
{
    double bound = pass ? x->lift_lower : x->lift_upper;
    const char *end = pass ? "lower" : "upper", *cmp = pass ? ">" : "<";
    if (isnan(g->min_rel))
        snprintf(v->reason, sizeof v->reason, "%s lift %+.4g over the logged policy, %.4g%% "
                 "confidence-sequence %s bound %+.4g %s %+.4g", x->label, x->lift,
                 100 * (1 - level), end, bound, cmp, thr);
    else
        snprintf(v->reason, sizeof v->reason, "%s relative lift %+.2f%% over the logged "
                 "policy, %.4g%% confidence-sequence %s bound %+.2f%% %s %+.2f%%", x->label,
                 100 * x->relative_lift, 100 * (1 - level), end, 100 * bound / fabs(vb), cmp,
                 100 * g->min_rel);
}

/* One look: judge every undecided policy on the rows so far. The lower end of the
 * lift's confidence sequence above the threshold is a PASS and its upper end below it
 * a FAIL, both final (the sequence holds at every look at once); anything else waits
 * for more rows, and at the end of the data is UNDECIDABLE. 1 when every policy is
 * decided (stop reading). */
static int seq_look(void *ctx, const char *buf, size_t len, size_t rows, int final,
                    struct ope_error *err)
{
    struct seq *s = ctx;
    struct res_eval *r = evalcli_run_mem(s->c, buf, len, s->path, err);
    if (!r)
        return -1;
    res_eval_free(s->last);
    s->last = r;
    s->g->rows = rows;
    s->vb = r->behavior_value;
    size_t open = 0;
    for (size_t p = 0; p < s->m; p++) {
        if (s->v[p].status == GATE_PASS || s->v[p].status == GATE_FAIL)
            continue;
        const struct res_estimate *x = find_est(&r->pol[p], s->g->estimator);
        if (!x)
            return not_run(s->c, r, s->g->estimator, err);
        /* A lift with no interval at all: the estimator has no confidence sequence
         * on this log (--ci cs: ipw and dr of bandit logs), and never will; reading on
         * to the end to say UNDECIDABLE would only waste the wait. */
        if (!isnan(x->lift) && isnan(x->lift_lower) && isnan(x->lift_upper))
            return ope_fail(err, OPE_EUSAGE, "--sequential: %s has no confidence sequence "
                            "on %s (--ci cs: ipw and dr of bandit logs); choose --estimator "
                            "ipw or dr", s->g->estimator, s->path);
        double vb = s->c->set.truth_path && !isnan(x->lift) ? x->value - x->lift : s->vb;
        double thr = threshold(s->g, vb);
        struct verdict v = s->v[p];
        judge(s->g, r, &r->pol[p], vb, s->level, &v);
        v.upper = x->lift_upper;
        if (v.status == GATE_FAIL && !(x->lift_upper < thr))
            v.status = -1;      /* the lower end is not above it yet: no verdict */
        if (v.status == GATE_PASS || v.status == GATE_FAIL)
            seq_reason(s->g, x, s->level, thr, vb, v.status == GATE_PASS, &v);
        if (v.status == GATE_UNDECIDABLE && !final)
            v.status = -1;      /* a check that may pass with more rows */
        if (v.status == -1 && final) {
            v.status = GATE_UNDECIDABLE;
            snprintf(v.reason, sizeof v.reason, "%s lift %+.4g: its %.4g%% confidence "
                     "sequence [%+.4g, %+.4g] still holds the threshold %+.4g", x->label,
                     x->lift, 100 * (1 - 2 * s->level), x->lift_lower, x->lift_upper, thr);
        }
        s->v[p] = v;
        open += v.status == -1;
    }
    return open == 0 && !final;
}

static int gate_sequential(struct evalcli *c, const char *path, struct gate_opts *g,
                           const struct follow_opts *fo, struct verdict *v, size_t m,
                           struct res_eval **last, double *vb, struct ope_error *err)
{
    for (size_t p = 0; p < m; p++) {
        v[p].name = c->set.policies[p];
        v[p].status = -1;
    }
    /* Each policy at alpha / m (Bonferroni: Holm's steps would need a look per step);
     * a two-sided sequence at 2a has each end at level a. */
    struct seq s = { c, path, g, v, m, g->alpha / (double)m, NULL, NAN };
    c->bandit_only = "--sequential";
    c->set.alpha = 2 * s.level;
    struct follow_opts o = *fo;
    o.progress = c->progress;
    int rc = follow_run(path, &o, seq_look, &s, err);
    *last = s.last;
    *vb = s.vb;
    if (rc == 2)
        return ope_fail(err, OPE_EINTERRUPTED, "gate cancelled");
    if (rc >= 0 && !s.last)
        return ope_fail(err, OPE_EDATA, "%s: no rows to decide on", path);
    return rc < 0 ? -1 : 0;
}

static int gate_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        EVALCLI_OPTIONS,
        LOADCLI_OPTIONS,
        LOADCLI_STREAM_OPTIONS,
        OUTCLI_OPTIONS,
        { "against", required_argument, NULL, GATE_AGAINST },
        { "min-lift", required_argument, NULL, GATE_MIN_LIFT },
        { "min-relative-lift", required_argument, NULL, GATE_MIN_REL },
        { "estimator", required_argument, NULL, GATE_ESTIMATOR },
        { "require-ess", required_argument, NULL, GATE_ESS },
        { "max-unsupported", required_argument, NULL, GATE_UNSUPPORTED },
        { "require-agreement", required_argument, NULL, GATE_AGREEMENT },
        { "sequential", no_argument, NULL, GATE_SEQUENTIAL },
        { "every", required_argument, NULL, GATE_EVERY },
        { "idle", required_argument, NULL, GATE_IDLE },
        { NULL, 0, NULL, 0 }
    };
    struct evalcli c;
    evalcli_init(&c);
    c.no_risk = "a gate decides on the lift's lower bound and shows no return "
                "distributions; use ope eval --risk";
    struct outcli out;
    outcli_init(&out);
    struct gate_opts g = { "dr", NAN, NAN, 0.05, NAN, NAN, 0, NULL, 0, 0 };
    struct follow_opts fo;
    follow_opts_init(&fo);
    fo.idle = 0;        /* a file is read to its current end unless --idle says wait */
    int given_estimators = 0, given_ci = 0;
    enum out_format format;
    int opt;
    long lv;
    const char *look_opt = NULL;    /* --every or --idle, given (they need --sequential) */
    struct ope_error err = { 0 };
    while ((opt = cli_getopt("gate", argc, argv, OUTCLI_SHORT, opts)) != -1) {
        switch (opt) {
        case '?':
            return OPE_EUSAGE;
        case GATE_AGAINST:
            g.against = strcmp(optarg, "logged") == 0 ? NULL : optarg;
            continue;
        case GATE_MIN_LIFT:
            if (cli_parse_double("gate", "--min-lift", optarg, -INFINITY, INFINITY,
                                 &g.min_lift) != 0)
                return OPE_EUSAGE;
            continue;
        case GATE_MIN_REL:
            if (cli_parse_double("gate", "--min-relative-lift", optarg, -INFINITY, INFINITY,
                                 &g.min_rel) != 0)
                return OPE_EUSAGE;
            continue;
        case GATE_ESTIMATOR:
            if (!*optarg || strpbrk(optarg, " ,\t"))
                return cli_usage("gate", "--estimator expects one estimator's name (e.g. dr), "
                                 "got '%s'", optarg);
            g.estimator = optarg;
            continue;
        case GATE_ESS:
            if (cli_parse_double("gate", "--require-ess", optarg, 0, INFINITY,
                                 &g.require_ess) != 0)
                return OPE_EUSAGE;
            continue;
        case GATE_UNSUPPORTED:
            if (cli_parse_double("gate", "--max-unsupported", optarg, 0, 1,
                                 &g.max_unsupported) != 0)
                return OPE_EUSAGE;
            continue;
        case GATE_SEQUENTIAL:
            g.sequential = 1;
            continue;
        case GATE_EVERY:
            if (cli_parse_int("gate", "--every", optarg, 2, 1000000000L, &lv) != 0)
                return OPE_EUSAGE;
            fo.every = (size_t)lv;
            look_opt = "--every";
            continue;
        case GATE_IDLE:
            if (cli_parse_double("gate", "--idle", optarg, 0, 1e6, &fo.idle) != 0)
                return OPE_EUSAGE;
            look_opt = "--idle";
            continue;
        case EVALCLI_CI:
            given_ci = 1;
            break;
        case GATE_AGREEMENT:
            if (cli_parse_int("gate", "--require-agreement", optarg, 1, 1000, &lv) != 0)
                return OPE_EUSAGE;
            g.require_agreement = lv;
            continue;
        case EVALCLI_ESTIMATORS:
            given_estimators = 1;
            break;
        default:
            break;
        }
        int rc = evalcli_group_option(&c, &out, opt, optarg, &err);
        if (rc < 0)
            return cli_usage("gate", "%s", err.msg);
        if (rc == 0)
            return OPE_EUSAGE;
    }
    if (optind >= argc)
        return cli_usage("gate", "which log? ope gate LOG.csv --policy NAME");
    /* Silently reading the whole log at once would hide a forgotten --sequential. */
    if (look_opt && !g.sequential)
        return cli_usage("gate", "%s applies to --sequential (the looks at a growing log)",
                         look_opt);
    if (optind + 1 < argc)
        return cli_usage("gate", "one log at a time: '%s' is extra", argv[optind + 1]);
    if (c.set.n_policies == 0)
        return cli_usage("gate", "which policy? --policy NAME (repeatable)");
    /* The gated policies are the family; a baseline candidate is evaluated with them
     * (last, so their indices stay) and subtracted on the same resamples. */
    size_t m = c.set.n_policies;
    if (g.against) {
        for (size_t p = 0; p < m; p++)
            if (strcmp(c.set.policies[p], g.against) == 0)
                return cli_usage("gate", "--against %s is also a --policy: a policy cannot "
                                 "be gated against itself", g.against);
        if (m >= EVALSET_MAX_POLICIES)
            return cli_usage("gate", "too many policies with --against (at most %d)",
                             EVALSET_MAX_POLICIES - 1);
        c.set.policies[m] = g.against;
        c.set.policy_file[m] = NULL;
        c.set.n_policies = m + 1;
        c.set.against = g.against;
    }
    if (g.sequential && c.lo.stream)
        return cli_usage("gate", "--sequential reads the rows as they come, a look at a time; "
                         "--stream is for a log read in windows: drop one");
    if (g.sequential && g.against)
        return cli_usage("gate", "--sequential decides on the lift over the logged policy; "
                         "--against needs the bootstrap");
    if (g.sequential && given_ci && c.set.ci != CI_CS)
        return cli_usage("gate", "--sequential decides on confidence sequences: --ci cs "
                         "(the default with --sequential)");
    if (g.sequential)
        c.set.ci = CI_CS;
    if (!isnan(g.min_lift) && !isnan(g.min_rel))
        return cli_usage("gate", "--min-lift and --min-relative-lift: give one threshold");
    if (c.set.ci == 0)
        return cli_usage("gate", "--ci none gives no lower bound to decide on");
    /* --alpha is the gate's one-sided, family-wise level. */
    g.alpha = c.set.alpha;
    if (g.alpha >= 0.5)
        return cli_usage("gate", "--alpha %g: a one-sided level must be below 0.5", g.alpha);
    /* A bootstrap bound at level a is the a-quantile of the B replicates: with a B < 1
     * no replicate lies below it, and the bound is the smallest replicate, whose level
     * is about 1 / B, not a. Holm's first step tests at alpha / m. */
    if (c.set.ci == CI_BOOTSTRAP && g.alpha / (double)m * c.set.n_boot < 1)
        return cli_usage("gate", "--alpha %g over %zu polic%s: a one-sided level of %g is "
                         "beyond the %d bootstrap replicates (the bound would be the smallest "
                         "one): give --n-boot %.0f or more, or --ci t", g.alpha, m,
                         m == 1 ? "y" : "ies", g.alpha / (double)m, c.set.n_boot,
                         ceil((double)m / g.alpha));
    /* Only the deciding estimator unless agreement is asked for (then every estimator
     * of the log's kind, or the given list). */
    if (!given_estimators &&
        eval_settings_set_estimators(&c.set, g.require_agreement ? "" : g.estimator,
                                     &err) != 0)
        return cli_usage("gate", "%s", err.msg);
    if (outcli_format(&out, OUT_HAS(OUT_TABLE) | OUT_HAS(OUT_JSON), "a gate verdict", &format,
                      &err) != 0)
        return cli_usage("gate", "%s", err.msg);
    if (outcli_check(&out, &err) != 0)
        return cli_error(&err);
    c.progress = outcli_progress(&out);
    if (g.sequential && c.progress)
        c.progress->report = NULL;  /* a bar per look would flicker; Ctrl-C still stops */
    struct verdict v[EVALCLI_MAX_POLICIES];
    memset(v, 0, sizeof v);
    struct res_eval *last = NULL;
    double vb = NAN;
    int rc = g.sequential ? gate_sequential(&c, argv[optind], &g, &fo, v, m, &last, &vb, &err)
                          : gate(&c, argv[optind], &g, v, m, &last, &vb, &err);
    ope_progress_stderr_done();
    if (rc != 0) {
        res_eval_free(last);
        return cli_error(&err);
    }
    int status = GATE_PASS;
    for (size_t p = 0; p < m; p++) {
        if (v[p].status == GATE_UNDECIDABLE)
            status = GATE_UNDECIDABLE;
        else if (v[p].status == GATE_FAIL && status == GATE_PASS)
            status = GATE_FAIL;
    }
    struct strbuf sb;
    strbuf_init(&sb);
    if (format == OUT_JSON)
        write_json(&sb, &g, last, vb, v, m, status);
    else
        write_table(&sb, v, m, status, g.alpha, g.sequential);
    if (format != OUT_JSON)
        write_warnings(&sb, last, v, m);
    if (g.sequential && format != OUT_JSON)
        strbuf_printf(&sb, "sequential: %s after %zu rows\n",
                      status == GATE_UNDECIDABLE ? "undecided at the end of the data" : "decided",
                      g.rows);
    res_eval_free(last);
    rc = strbuf_failed(&sb) ? ope_fail_oom(&err) : outcli_write(&out, &sb, &err);
    strbuf_release(&sb);
    return rc ? cli_error(&err) : status;
}

const struct cmd_entry cmd_gate_entry = {
    "gate", "ope gate LOG.csv --policy NAME [--policy NAME ...] [options]",
    "PASS/FAIL: does a policy beat the logged one, with confidence?",
    "Decides whether each --policy beats the logged policy: PASS when the one-sided\n"
    "lower confidence bound (level 1 - alpha) of the paired lift V(pi_e) - V(pi_b)\n"
    "of the deciding estimator is above the threshold, FAIL when it is not, and\n"
    "UNDECIDABLE when the data cannot support a verdict (a failed --require-ess,\n"
    "--max-unsupported or --require-agreement check, no lower bound, or a model-based\n"
    "estimator on a policy or baseline with no overlap at all: ESS 0). V(pi_b) is\n"
    "the observed mean reward (return) of the same rows (episodes); the interval is\n"
    "paired (see `ope eval`: lift). Several --policy are one family: Holm's step-down\n"
    "correction keeps the chance of any false PASS below alpha, and the output says so.\n"
    "Exit status: 0 PASS, 1 FAIL, 2 UNDECIDABLE (several policies: 2 if any is\n"
    "undecidable, else 1 if any fails), 64/65/66 as for every command.\n\n"
    "With --sequential the log is read in looks of --every rows (a file, standard\n"
    "input or a FIFO, as ope eval --follow) and each policy is decided at the first\n"
    "look that can: PASS when the lower end of the lift's confidence sequence (--ci\n"
    "cs, valid at every look at once; ope help intervals) is above the threshold,\n"
    "FAIL when its upper end is below it; at the end of the data a policy still\n"
    "undecided is UNDECIDABLE (exit 2). Several policies: each at alpha / m\n"
    "(Bonferroni). The output says after how many rows it stopped. The deciding\n"
    "estimator needs a confidence sequence: ipw or dr of a bandit log (else 64).\n\n"
    "Gate:\n"
    "  --policy NAME         the candidate (repeatable: Holm's correction)\n"
    "  --against POLICY      the baseline: 'logged' (default: the logged policy's\n"
    "                        observed value) or another candidate of the log, whose\n"
    "                        estimate by the same estimator is subtracted on the same\n"
    "                        bootstrap resamples (--ci bootstrap, the default)\n"
    "  --min-lift X          PASS needs the lower bound above X (default 0)\n"
    "  --min-relative-lift X PASS needs the lower bound above X |V(pi_b)| (0.05 = 5%);\n"
    "                        UNDECIDABLE when V(pi_b) is 0 (no relative lift)\n"
    "  --estimator NAME      the deciding estimator (default dr)\n"
    "  --alpha A             one-sided, family-wise level (default 0.05); with the\n"
    "                        bootstrap, A / policies needs --n-boot >= policies / A\n"
    "  --require-ess N       UNDECIDABLE when the estimator's ESS is below N\n"
    "  --max-unsupported P   UNDECIDABLE when more than the share P of the policy's\n"
    "                        mass is on actions the log never takes in that context\n"
    "  --require-agreement K UNDECIDABLE unless K estimators (all of the log's kind,\n"
    "                        or --estimators) put their lift's lower bound on the\n"
    "                        same side of the threshold as the deciding one (K\n"
    "                        above the number evaluated: a usage error)\n"
    "  --sequential          decide as the rows come, and stop as soon as certain\n"
    "  --every N             --sequential: rows between looks (default 1000)\n"
    "  --idle SECONDS        --sequential on a file: wait this long for it to grow\n"
    "                        before calling the end of the data (default 0)\n"
    "The other evaluation options (--ci, --n-boot, --seed, --estimators, ...) are\n"
    "those of `ope eval`. -f json gives the verdict, every check with its value and\n"
    "threshold, and the settings; csv is not offered. The warnings `ope eval` gives the\n"
    "gated policies and the log (overlap, effective samples, unsupported mass) follow\n"
    "the verdict (JSON: warnings); --require-ess and --max-unsupported make them checks.\n"
    "A log read in windows (--stream, or past --memory-limit) is evaluated as ope eval\n"
    "--stream evaluates it, and each of Holm's rounds after the first reads the file\n"
    "again (the same bytes, checked by SHA-256; standard input or a pipe: refused when a\n"
    "second round comes, 64).\n\n"
    EVALCLI_HELP
    "\n" OUTCLI_HELP "\n"
    LOADCLI_HELP "\n" LOADCLI_STREAM_HELP
    "\nExamples:\n"
    "  ope gate log.csv --policy greedy --min-relative-lift 0.05 --require-ess 1000\n"
    "  ope gate log.csv --policy greedy --policy eps0_2 --format json\n"
    "  ope gate live.csv --policy greedy --sequential --every 500 --estimator ipw\n",
    gate_exec,
    "risk"
};
