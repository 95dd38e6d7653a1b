/* reports/report_summary.c: the summary at the top of a report, for a reader who
 * reads nothing else: what was evaluated, each estimator's best policy with its
 * interval, and plain statements of whether the estimators agree (on the best
 * policy, and through overlapping intervals), how the policies compare with the
 * logged one, and with the truth or an outside reference when known. */
#include "config.h"
#include "reports/report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ope/app/decision.h"

void report_ci_label(const struct res_eval *r, char *buf, size_t n)
{
    if (strcmp(r->ci, "none") == 0)
        snprintf(buf, n, "no");
    else
        snprintf(buf, n, "%.4g%% %s", 100 * (1 - r->alpha), r->ci);
}

static void interval(char *buf, size_t n, const struct res_estimate *x)
{
    char a[32], b[32];
    if (isnan(x->lower) && isnan(x->upper))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "[%s, %s]", report_num(a, x->lower), report_num(b, x->upper));
}

static void best_table(struct report_doc *d, const struct report_ctx *c)
{
    const struct res_eval *r = c->r;
    size_t E = r->n_policies ? r->pol[0].n_estimates : 0;
    int truth = c->truth != NULL;
    char ci[48], ihead[64];
    report_ci_label(r, ci, sizeof ci);
    snprintf(ihead, sizeof ihead, "%s interval", ci);
    if (r->n_policies == 1) {
        const char *head[] = { "estimator", "estimate", ihead, "true value" };
        report_table_begin(d, truth ? 4 : 3, head, "lrrr");
    } else {
        const char *head[] = { "estimator", "best policy", "estimate", ihead,
                               "its true value" };
        report_table_begin(d, truth ? 5 : 4, head, "llrrr");
    }
    for (size_t e = 0; e < E; e++) {
        long p = decision_best_of(r, e);
        char v[32], iv[80], t[32];
        const struct res_estimate *x = p >= 0 ? &r->pol[p].est[e] : NULL;
        report_num(v, x ? x->value : NAN);
        if (x)
            interval(iv, sizeof iv, x);
        else
            snprintf(iv, sizeof iv, "-");
        report_num(t, p >= 0 && truth ? c->truth[p] : NAN);
        const char *label = r->pol[0].est[e].label;
        if (r->n_policies == 1) {
            const char *row[] = { label, v, iv, t };
            report_table_row(d, row);
        } else {
            const char *row[] = { label, p >= 0 ? r->pol[p].name : "(none)", v, iv, t };
            report_table_row(d, row);
        }
    }
    report_table_end(d);
}

/* How many of the E estimators rank each policy first (best_of), and how many rank
 * any (*voters); malloc'ed, or NULL with the document marked failed. */
static size_t *vote_best(struct report_doc *d, const struct res_eval *r, size_t E,
                         size_t *voters)
{
    size_t *votes = calloc(r->n_policies ? r->n_policies : 1, sizeof *votes);
    if (!votes) {
        d->out.failed = 1;
        return NULL;
    }
    *voters = decision_votes(r, E, votes);
    return votes;
}

/* Do the estimators pick the same best policy? */
static void agree_best(struct report_doc *d, const struct res_eval *r, size_t E)
{
    size_t voters;
    size_t *votes = vote_best(d, r, E, &voters);
    if (!votes)
        return;
    size_t distinct = 0, top = 0;
    for (size_t p = 0; p < r->n_policies; p++) {
        distinct += votes[p] > 0;
        top = votes[p] > votes[top] ? p : top;
    }
    report_begin(d, REPORT_ITEM);
    if (distinct == 0) {
        report_spanf(d, REPORT_STRONG, "No estimator produced a finite estimate,");
        report_spanf(d, REPORT_TEXT, " so none names a best policy: see the warnings in the "
                     "Data section.");
    } else if (distinct == 1) {
        report_spanf(d, REPORT_STRONG, "The estimators agree on the best policy:");
        if (voters == E)
            report_spanf(d, REPORT_TEXT, " all %zu rank %s first.", voters, r->pol[top].name);
        else
            report_spanf(d, REPORT_TEXT, " the %zu of %zu with a finite estimate rank %s "
                         "first.", voters, E, r->pol[top].name);
    } else {
        report_spanf(d, REPORT_STRONG, "The estimators disagree on the best policy:");
        report_spanf(d, REPORT_TEXT, " ");
        int first = 1;
        for (size_t p = 0; p < r->n_policies; p++) {
            if (!votes[p])
                continue;
            report_spanf(d, REPORT_TEXT, "%s%s (%zu of %zu)", first ? "" : ", ",
                         r->pol[p].name, votes[p], voters);
            first = 0;
        }
        report_spanf(d, REPORT_TEXT, ". Look at the intervals and the diagnostics before "
                     "choosing.");
    }
    report_end(d, REPORT_ITEM);
    free(votes);
}

/* Append "a, b and c" (names of the policies flagged in sel) as one text span. */
static void name_list(struct report_doc *d, const struct res_eval *r, const unsigned char *sel)
{
    size_t n = 0, k = 0;
    for (size_t p = 0; p < r->n_policies; p++)
        n += sel[p];
    for (size_t p = 0; p < r->n_policies; p++) {
        if (!sel[p])
            continue;
        report_spanf(d, REPORT_TEXT, "%s%s", k == 0 ? "" : k + 1 == n ? " and " : ", ",
                     r->pol[p].name);
        k++;
    }
}

/* For each policy: do the intervals of all estimators overlap? One statement for the
 * policies where they do, one per policy where they do not. */
static void agree_intervals(struct report_doc *d, const struct res_eval *r, size_t E)
{
    if (strcmp(r->ci, "none") == 0)
        return;
    unsigned char *ok = calloc(r->n_policies ? r->n_policies : 1, 1);
    if (!ok) {
        d->out.failed = 1;
        return;
    }
    size_t n_ok = 0;
    for (size_t p = 0; p < r->n_policies; p++) {
        const struct res_policy *pol = &r->pol[p];
        double lo = -INFINITY, hi = INFINITY;
        size_t n = 0, e_lo = 0, e_hi = 0;
        for (size_t e = 0; e < E && e < pol->n_estimates; e++) {
            const struct res_estimate *x = &pol->est[e];
            if (!isfinite(x->lower) || !isfinite(x->upper))
                continue;
            n++;
            if (x->lower > lo) {
                lo = x->lower;
                e_lo = e;
            }
            if (x->upper < hi) {
                hi = x->upper;
                e_hi = e;
            }
        }
        if (n < 2 || lo <= hi) {
            ok[p] = n >= 2;
            n_ok += ok[p];
            continue;
        }
        char a[32], b[32];
        report_begin(d, REPORT_ITEM);
        report_spanf(d, REPORT_STRONG, "Policy %s: the intervals do not all overlap", pol->name);
        report_spanf(d, REPORT_TEXT, " (%s's lies above %s's: %s > %s), so the estimators "
                     "contradict each other: at least one's assumptions fail here (see Data "
                     "and Methods).", pol->est[e_lo].label, pol->est[e_hi].label,
                     report_num(a, lo), report_num(b, hi));
        report_end(d, REPORT_ITEM);
    }
    if (n_ok) {
        report_begin(d, REPORT_ITEM);
        if (n_ok == r->n_policies && n_ok > 1)
            report_spanf(d, REPORT_TEXT, "For every policy the intervals of all estimators "
                         "overlap: the estimators are consistent with one another.");
        else {
            report_spanf(d, REPORT_TEXT, "The intervals of all estimators overlap for ");
            name_list(d, r, ok);
            report_spanf(d, REPORT_TEXT, ".");
        }
        report_end(d, REPORT_ITEM);
    }
    free(ok);
}

/* Which policies every estimator puts above / below a value (the logged policy's,
 * or an outside reference), whose intervals all contain it, and where they differ. */
static void compare_with(struct report_doc *d, const struct res_eval *r, size_t E, double v,
                         double half, const char *what)
{
    if (!isfinite(v) || strcmp(r->ci, "none") == 0 || r->n_policies == 0)
        return;
    unsigned char *cls[3];
    for (int k = 0; k < 3; k++)
        cls[k] = calloc(r->n_policies, 1);
    size_t *cnt = calloc(3 * r->n_policies, sizeof *cnt);  /* above, below, contain */
    /* A policy some of whose estimators give no interval (undefined, or does not
     * apply): "every estimator's interval" would claim the missing ones too. */
    unsigned char *partial = calloc(r->n_policies, 1);
    if (!cls[0] || !cls[1] || !cls[2] || !cnt || !partial) {
        d->out.failed = 1;
        goto out;
    }
    for (size_t p = 0; p < r->n_policies; p++) {
        size_t *c = cnt + 3 * p, n = 0;
        for (size_t e = 0; e < E && e < r->pol[p].n_estimates; e++) {
            const struct res_estimate *x = &r->pol[p].est[e];
            if (!isfinite(x->lower) || !isfinite(x->upper))
                continue;
            n++;
            c[x->lower > v ? 0 : x->upper < v ? 1 : 2]++;
        }
        if (n)
            cls[c[0] == n ? 0 : c[1] == n ? 1 : 2][p] = 1;
        partial[p] = n > 0 && n < E && n < r->pol[p].n_estimates;
    }
    static const char *const what_cls[] = {
        "every estimator's interval lies above it for ",
        "every estimator's interval lies below it for ",
        "the intervals do not settle it for " };
    char vb[32], hb[32];
    report_begin(d, REPORT_ITEM);
    if (isfinite(half))
        report_spanf(d, REPORT_TEXT, "Compared with %s (%s +- %s at 95%%): ", what,
                     report_num(vb, v), report_num(hb, half));
    else
        report_spanf(d, REPORT_TEXT, "Compared with %s (%s): ", what, report_num(vb, v));
    int first = 1;
    for (int k = 0; k < 3; k++) {
        int any = 0;
        for (size_t p = 0; p < r->n_policies; p++)
            any |= cls[k][p];
        if (!any)
            continue;
        int some = 0;
        for (size_t p = 0; k < 2 && p < r->n_policies; p++)
            some |= cls[k][p] && partial[p];
        report_spanf(d, REPORT_TEXT, "%s%s", first ? "" : "; ",
                     !some ? what_cls[k] : k == 0 ? "every interval given lies above it for "
                                                  : "every interval given lies below it for ");
        if (k < 2) {
            name_list(d, r, cls[k]);
            if (some)
                report_spanf(d, REPORT_TEXT, " (some estimators give none for %s)",
                             "them: undefined or not applicable");
        } else {
            int f2 = 1;
            for (size_t p = 0; p < r->n_policies; p++) {
                if (!cls[k][p])
                    continue;
                const size_t *c = cnt + 3 * p;
                report_spanf(d, REPORT_TEXT, "%s%s (intervals containing it: %zu of %zu; "
                             "above it: %zu; below it: %zu)", f2 ? "" : ", ", r->pol[p].name,
                             c[2], c[0] + c[1] + c[2], c[0], c[1]);
                f2 = 0;
            }
        }
        first = 0;
    }
    report_spanf(d, REPORT_TEXT, ".");
    report_end(d, REPORT_ITEM);
out:
    for (int k = 0; k < 3; k++)
        free(cls[k]);
    free(cnt);
    free(partial);
}

/* With true values: is the truly best policy the one the estimators pick? */
static void against_truth(struct report_doc *d, const struct report_ctx *c, size_t E)
{
    const struct res_eval *r = c->r;
    if (!c->truth || r->n_policies < 2)
        return;
    size_t known = 0, tb = 0;
    for (size_t p = 0; p < r->n_policies; p++)
        known += isfinite(c->truth[p]) != 0;
    if (known < r->n_policies) {
        /* Which policy is truly best is unknowable from a partial truth. */
        report_para(d, REPORT_ITEM, "True values are given for %zu of the %zu policies, so "
                    "the estimators' choice is not checked against the truth.", known,
                    r->n_policies);
        return;
    }
    for (size_t p = 1; p < r->n_policies; p++)
        tb = c->truth[p] > c->truth[tb] ? p : tb;
    size_t right = 0;
    for (size_t e = 0; e < E; e++)
        right += decision_best_of(r, e) == (long)tb;
    char v[32];
    report_para(d, REPORT_ITEM, "The truly best policy is %s (true value %s); %zu of %zu "
                "estimators pick it.", r->pol[tb].name, report_num(v, c->truth[tb]), right, E);
}

/* The decision, first (ope/app/decision.h): the candidate most estimators rank
 * first, its lift over the logged policy with the paired interval, how many
 * estimators' lift intervals lie above 0, what `ope gate` would say, and -- when the
 * interval does not settle it -- how much more data would, if the lift stays at its
 * estimate (the interval's half-width shrinking as 1 / sqrt(n)). */
static void decision(struct report_doc *d, const struct res_eval *r)
{
    struct decision dc;
    if (decision_of(r, &dc) != 0) {
        d->out.failed = 1;
        return;
    }
    if (dc.policy < 0)
        return;
    const struct res_policy *pol = &r->pol[dc.policy];
    const struct res_estimate *x = &pol->est[dc.est];
    int traj = strcmp(r->kind, "bandit") != 0;
    char l[32], lo[32], hi[32], ci[48];
    report_ci_label(r, ci, sizeof ci);
    report_begin(d, REPORT_P);
    report_spanf(d, REPORT_STRONG, "Decision: %s", pol->name);
    report_spanf(d, REPORT_TEXT, " %s%s", x->lift >= 0 ? "+" : "", report_num(l, x->lift));
    if (isfinite(x->relative_lift))
        report_spanf(d, REPORT_TEXT, " (%s%.3g%%)", x->relative_lift >= 0 ? "+" : "",
                     100 * x->relative_lift);
    report_spanf(d, REPORT_TEXT, " over the logged policy by %s, %s interval [%s, %s] "
                 "(paired: the same resamples or %s for both); ", x->label, ci,
                 report_num(lo, x->lift_lower), report_num(hi, x->lift_upper),
                 traj ? "episodes" : "rows");
    report_spanf(d, REPORT_TEXT, "%zu of %zu estimators' lift intervals lie above 0",
                 dc.above, dc.with_ci);
    if (dc.below)
        report_spanf(d, REPORT_TEXT, " and %zu below it", dc.below);
    report_spanf(d, REPORT_TEXT, ". ");
    if (dc.verdict == DECISION_PASS) {
        /* The command as code, the name shell-quoted: it may hold spaces or quotes. */
        struct strbuf cmd = STRBUF_INIT;
        decision_gate_cmd(r, &dc, &cmd);
        report_spanf(d, REPORT_TEXT, "Its lower bound is above 0, so ");
        report_spanf(d, REPORT_CODE, "%s", strbuf_str(&cmd));
        report_spanf(d, REPORT_TEXT, " would pass (one-sided level %g; give it the "
                     "options that read this log too, as the command line under "
                     "Reproducibility has them; a gate with --require-ess or --min-lift asks "
                     "more).", r->alpha / 2);
        d->out.failed |= cmd.failed;
        strbuf_release(&cmd);
    } else if (dc.verdict == DECISION_FAIL) {
        report_spanf(d, REPORT_TEXT, "Its upper bound is below 0: the logged policy is "
                     "better, and a gate would fail.");
    } else if (dc.verdict == DECISION_OPEN) {
        double N = (double)(traj ? r->episodes : r->rows);
        report_spanf(d, REPORT_TEXT, "The interval contains 0, so the data do not settle "
                     "it: if the lift stays at %s, about %.0f %s in all (%.3g times this "
                     "log) would make the interval exclude 0.", l, ceil(dc.need),
                     traj ? "episodes" : "rows", dc.need / N);
    } else if (dc.verdict == DECISION_ZERO) {
        /* lift 0: N (h / lift)^2 has no value, and the gate's bound is not above 0. */
        report_spanf(d, REPORT_TEXT, "The lift is estimated at exactly 0: if it stays "
                     "there, no amount of data would make the interval exclude 0, and "
                     "`ope gate` (threshold 0) would fail.");
    }
    report_end(d, REPORT_P);
}

void report_sec_summary(struct report_doc *d, const struct report_ctx *c)
{
    const struct res_eval *r = c->r;
    size_t E = r->n_policies ? r->pol[0].n_estimates : 0;
    int traj = strcmp(r->kind, "bandit") != 0;
    char ci[48];
    report_ci_label(r, ci, sizeof ci);
    report_h(d, 2, "summary", "Summary");
    report_begin(d, REPORT_P);
    report_spanf(d, REPORT_TEXT, "Off-policy evaluation estimates what a policy would have "
                 "obtained had it been deployed, using only a log recorded under another "
                 "(the logged, or behaviour, policy). This report evaluates %zu polic%s (",
                 r->n_policies, r->n_policies == 1 ? "y" : "ies");
    for (size_t p = 0; p < r->n_policies && p < 12; p++)
        report_spanf(d, REPORT_TEXT, "%s%s", p ? ", " : "", r->pol[p].name);
    report_spanf(d, REPORT_TEXT, "%s) with %zu estimators on a %s log of %zu %s, with %s "
                 "intervals. Values are the expected %s per %s; higher is better.",
                 r->n_policies > 12 ? ", ..." : "", E, traj ? "trajectory" : "bandit",
                 traj ? r->episodes : r->rows, traj ? "episodes" : "rows", ci,
                 traj ? "discounted return" : "reward", traj ? "episode" : "decision");
    report_end(d, REPORT_P);
    if (c->in->note)
        report_para(d, REPORT_NOTE, "%s", c->in->note);
    decision(d, r);
    best_table(d, c);
    report_begin(d, REPORT_LIST);
    if (r->n_policies >= 2)
        agree_best(d, r, E);
    agree_intervals(d, r, E);
    compare_with(d, r, E, c->J, NAN, c->J_label);
    if (isfinite(c->in->reference))
        compare_with(d, r, E, c->in->reference, c->in->reference_half,
                     c->in->reference_label ? c->in->reference_label : "the reference value");
    against_truth(d, c, E);
    size_t nw = r->n_warnings;
    for (size_t p = 0; p < r->n_policies; p++)
        nw += r->pol[p].n_warnings;
    if (nw)
        report_para(d, REPORT_ITEM, "%zu warning%s about the data or the estimates: see the "
                    "Data section before trusting any number.", nw, nw == 1 ? "" : "s");
    report_end(d, REPORT_LIST);
}
