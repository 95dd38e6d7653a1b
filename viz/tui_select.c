/* viz/tui_select.c: the Selection view: the decision the evaluation supports (as the
 * report's Summary states it), how each estimator ranks the policies, its
 * favourite's P(best) over the bootstrap replicates and the safe choice (by the lower
 * bounds), and when the truth is known, what that choice would cost (regret@1) and how
 * well the ranking agrees with the truth (Spearman). */
#include "config.h"
#include "viz/tui_extra.h"

#include "estimators/ops.h"
#include "ope/app/decision.h"
#include "ope/base/strbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The decision the evaluation supports (ope/app/decision.h), as the report's Summary
 * states it, in one sentence that leads the view's note; empty when there is none. */
static void decision_line(const struct res_eval *r, char *buf, size_t n)
{
    struct decision dc;
    buf[0] = '\0';
    if (decision_of(r, &dc) != 0 || dc.policy < 0)
        return;
    const struct res_policy *pol = &r->pol[dc.policy];
    const struct res_estimate *x = &pol->est[dc.est];
    int traj = strcmp(r->kind, "bandit") != 0;
    char rel[32] = "";
    if (isfinite(x->relative_lift))
        snprintf(rel, sizeof rel, " (%+.3g%%)", 100 * x->relative_lift);
    int k = snprintf(buf, n, "Decision: %s %+.6g%s over the logged policy by %s, lift "
                     "interval [%.6g, %.6g]; %zu of %zu estimators' lift intervals lie above "
                     "0", pol->name, x->lift, rel, x->label, x->lift_lower, x->lift_upper,
                     dc.above, dc.with_ci);
    size_t u = k < 0 ? 0 : (size_t)k < n ? (size_t)k : n - 1;
    switch (dc.verdict) {
    case DECISION_PASS: {
        struct strbuf cmd = STRBUF_INIT;
        decision_gate_cmd(r, &dc, &cmd);
        snprintf(buf + u, n - u, ": `%s` would pass.", strbuf_failed(&cmd) ? "ope gate"
                 : strbuf_str(&cmd));
        strbuf_release(&cmd);
        break;
    }
    case DECISION_FAIL:
        snprintf(buf + u, n - u, ": the logged policy is better, a gate would fail.");
        break;
    case DECISION_OPEN:
        snprintf(buf + u, n - u, ": the interval contains 0; about %.0f %s in all would "
                 "settle it if the lift stays (`ope plan`).", ceil(dc.need),
                 traj ? "episodes" : "rows");
        break;
    case DECISION_ZERO:
        snprintf(buf + u, n - u, ": the lift is exactly 0, no amount of data would settle "
                 "it.");
        break;
    default:
        snprintf(buf + u, n - u, ".");
        break;
    }
}

static void select_rebuild(struct tui *t)
{
    static const char *const head[] = { "estimator", "chosen policy", "its estimate",
                                        "P(best)", "safe choice", "its truth", "regret@1", "spearman", "kendall",
                                        "SharpeRatio@2", "SharpeRatio@3", "ranking" };
    struct grid *old = t->sel_grid;
    t->sel_grid = grid_new(12, head);
    tui_lines_free(&t->sel_lines, &t->n_sel_lines);
    struct grid *g = t->sel_grid;
    const struct res_eval *r = t->s->res;
    if (!g || !r || r->n_policies == 0) {
        tui_grid_keep(old, g);
        grid_free(old);
        return;
    }
    for (int c = 2; c <= 10; c++)
        g->right[c] = c != 4;
    g->frozen = 1;      /* the estimator stays while h/l scroll the others */
    size_t M = r->n_policies, E = r->pol[0].n_estimates;
    int truth = 1;
    double best_truth = -INFINITY;
    for (size_t p = 0; p < M; p++) {
        truth &= !isnan(r->pol[p].truth);
        if (r->pol[p].truth > best_truth)
            best_truth = r->pol[p].truth;
    }
    double *v = malloc(M * sizeof *v), *tv = malloc(M * sizeof *tv);
    size_t *order = malloc(M * sizeof *order), *safe = malloc(M * sizeof *safe);
    if (!v || !tv || !order || !safe)
        goto out;
    for (size_t e = 0; e < E; e++) {
        for (size_t p = 0; p < M; p++) {
            v[p] = r->pol[p].est[e].value;
            tv[p] = r->pol[p].truth;
            order[p] = p;
        }
        /* Rank by estimate, descending, ties in input order, an undefined estimate
         * (NaN: tis with every weight 0) last: the ranking `ope select` uses. (A
         * comparison sort left a NaN where it was, so a first policy with no estimate
         * was "chosen" while regret@1 came from the real choice.) */
        ops_rank_by(v, M, order);
        char ranking[256] = "";
        for (size_t k = 0; k < M; k++) {
            size_t l = strlen(ranking);
            snprintf(ranking + l, sizeof ranking - l, "%s%s", k ? " > " : "", r->pol[order[k]].name);
        }
        size_t top = order[0];
        char est[32], tr[32] = "-", reg[32] = "-", sp[32] = "-", kd[32] = "-", s2[32] = "-",
             s3[32] = "-";
        if (isnan(v[top]))
            snprintf(est, sizeof est, "-");
        else
            snprintf(est, sizeof est, "%.6g", v[top]);
        /* P(best) from the bootstrap replicates; the safe choice has the largest lower
         * bound (estimators/ops.h), "-" without intervals. */
        char pb[32] = "-";
        const char *sc = "-";
        if (r->pol[top].est[e].p_top)
            snprintf(pb, sizeof pb, "%.3f", r->pol[top].est[e].p_top[0]);
        for (size_t p = 0; p < M; p++)
            tv[p] = r->pol[p].est[e].lower;
        ops_rank_by(tv, M, safe);
        if (!isnan(tv[safe[0]]))
            sc = r->pol[safe[0]].name;
        for (size_t p = 0; p < M; p++)
            tv[p] = r->pol[p].truth;
        if (truth) {
            struct ops_opts oo;
            ops_opts_init(&oo);
            oo.k = 1;
            struct ops_result res;
            struct ope_error err = { 0 };
            if (ops_compute(v, tv, M, r->behavior_value, &oo, &res, &err) == 0) {
                snprintf(tr, sizeof tr, "%.6g", tv[top]);
                snprintf(reg, sizeof reg, "%.6g", res.regret1);
                if (!isnan(res.spearman))
                    snprintf(sp, sizeof sp, "%.3f", res.spearman);
                if (!isnan(res.kendall))
                    snprintf(kd, sizeof kd, "%.3f", res.kendall);
                if (M >= 2 && !isnan(res.topk[1].sharpe))
                    snprintf(s2, sizeof s2, "%.3f", res.topk[1].sharpe);
                if (M >= 3 && !isnan(res.topk[2].sharpe))
                    snprintf(s3, sizeof s3, "%.3f", res.topk[2].sharpe);
                ops_result_release(&res);
            }
        }
        const char *cells[] = { r->pol[0].est[e].label, r->pol[top].name, est, pb, sc, tr, reg,
                                sp, kd, s2, s3, ranking };
        grid_add(g, cells);
        if (truth && best_truth - tv[top] == 0)
            g->mark[g->n_rows - 1] = 1;
    }
    char dec[512];
    decision_line(r, dec, sizeof dec);
    if (dec[0])
        tui_linef(&t->sel_lines, &t->n_sel_lines, "%s", dec);
    tui_linef(&t->sel_lines, &t->n_sel_lines, "%s", truth ?
              "Green rows choose the truly best policy. P(best) needs bootstrap intervals; safe choice: the largest lower bound. SharpeRatio@k uses J(pi_b) = the log's on-policy value; all k: `ope select`." :
              "No ground truth in this log: rankings only (regret and correlation need q.* columns). P(best) needs bootstrap intervals; safe choice: the largest lower bound.");
out:
    /* a re-run (r, e) keeps the sort, the scroll and the columns the user chose */
    tui_grid_keep(old, g);
    grid_free(old);
    free(v);
    free(tv);
    free(order);
    free(safe);
}

static void select_draw(struct tui *t, WINDOW *w, int rows, int cols)
{
    if (!t->sel_grid || t->sel_grid->n_rows == 0) {
        mvwprintw(w, 1, 2, "No results yet.");
        return;
    }
    /* The decision and the explanation are prose: wrapped at this width (together at
     * most a third of the rows), the table a blank line below them. */
    int top = 2;
    size_t max = rows > 6 ? (size_t)rows / 3 : 1, used = 0;
    for (size_t k = 0; k < t->n_sel_lines && used < max; k++) {
        char **wl = NULL;
        size_t nw = 0;
        tui_linef_wrap(&wl, &nw, cols, 0, "%s", t->sel_lines[k]);
        if (!nw) {              /* out of memory: the line, clipped */
            wmove(w, (int)used++, 0);
            tui_put(w, t->sel_lines[k], cols);
        }
        for (size_t i = 0; i < nw && used < max; i++) {
            wmove(w, (int)used++, 0);
            tui_put(w, wl[i], cols);
        }
        tui_lines_free(&wl, &nw);
    }
    if (used)
        top = (int)used + 1 < 2 ? 2 : (int)used + 1;
    WINDOW *sub = rows > top ? derwin(w, rows - top, cols, top, 0) : NULL;
    if (sub) {
        tui_draw_grid(t, sub, t->sel_grid, rows - top, cols);
        delwin(sub);
    }
}

static struct grid *select_grid(struct tui *t)
{
    return t->sel_grid;
}

const struct tui_view tui_view_selection = {
    "Selection", "", select_rebuild, select_draw, NULL, select_grid,
    "off-policy selection: ranking, regret, rank correlation, SharpeRatio@k",
    "ope select LOG --truth T.csv", 0
};
