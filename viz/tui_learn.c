/* viz/tui_learn.c: the Learn view, a teaching mode: the same policy estimated from
 * the first n rows of the log for growing n, by IPW, self-normalised IPW and clipped
 * IPW with t intervals, next to the largest importance weight seen so far — why
 * importance sampling "explodes" (rare huge weights) and what normalising or
 * clipping trades for it (bias). Enter reveals the next step of the explanation. */
#include "config.h"
#include "viz/tui_extra.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/ci.h"
#include "estimators/evaluate.h"
#include "viz/chart.h"
#include "viz/gp.h"

static size_t learn_policy;

static const char *const lesson[] = {
    "Step 1. IPW reweights each logged reward by w = pi_e(a|x) / pi_b(a|x). It is unbiased,",
    "        but a row whose action pi_b rarely took gets a huge weight: one such row can",
    "        move the estimate a lot. Watch 'max w' and how IPW jumps when it grows.",
    "Step 2. Self-normalised IPW divides by the sum of the weights instead of n: a huge",
    "        weight then also inflates the denominator, so the estimate stays within the",
    "        range of the rewards. The price is a small bias that vanishes as n grows.",
    "Step 3. Clipping (ipw:clip=10) caps every weight at 10: far less variance, but a",
    "        bias that does not vanish. Compare each with the truth (when known) and",
    "        note how the interval widths shrink like 1/sqrt(n) only once n is large.",
};

static void learn_rebuild(struct tui *t)
{
    tui_lines_free(&t->learn_lines, &t->n_learn_lines);
    const struct blog *log = t->s->log;
    char ***L = &t->learn_lines;
    size_t *n = &t->n_learn_lines;
    if (!log || log->n_policies == 0) {
        tui_linef(L, n, "The Learn view needs a bandit log with an evaluation policy.");
        return;
    }
    if (learn_policy >= log->n_policies)
        learn_policy = 0;
    static const char *const names[] = { "ipw", "snipw", "ipw:clip=10" };
    struct ope_error err = { 0 };
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    if (est_spec_list("ipw,snipw,ipw:clip=10", EST_BANDIT, &spec, &n_spec, &err) != 0)
        return;
    enum { MAXS = 16 };
    double sizes[MAXS], val[3 * MAXS], lo[3 * MAXS], hi[3 * MAXS], wmax[MAXS];
    size_t m = 0;
    for (double s = 100; m < MAXS; s *= 2) {
        size_t k = s < (double)log->n ? (size_t)s : log->n;
        sizes[m++] = (double)k;
        if (k == log->n)
            break;
    }
    const char *pname = log->policy[learn_policy].name;
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = n_spec;
    o.ci = CI_T;
    o.policies = &pname;
    o.n_policies = 1;
    double truth = NAN;
    for (size_t k = 0; k < m; k++) {
        /* A prefix of the log: the same column arrays, fewer rows. */
        struct blog sub = *log;
        sub.n = (size_t)sizes[k];
        struct res_eval *r = eval_bandit(&sub, &o, &err);
        for (size_t e = 0; e < 3; e++) {
            val[e * m + k] = r ? r->pol[0].est[e].value : NAN;
            lo[e * m + k] = r ? r->pol[0].est[e].lower : NAN;
            hi[e * m + k] = r ? r->pol[0].est[e].upper : NAN;
        }
        wmax[k] = r ? r->pol[0].est[0].max_weight : NAN;
        if (r && k + 1 == m)
            truth = r->pol[0].truth;
        res_eval_free(r);
    }
    free(spec);
    tui_linef(L, n, "# Why importance sampling explodes: policy '%s' from the first n rows", pname);
    tui_linef(L, n, "%8s %12s %12s %12s %10s", "n", "ipw", "snipw", "ipw:clip=10", "max w");
    for (size_t k = 0; k < m; k++)
        tui_linef(L, n, "%8.0f %12.5g %12.5g %12.5g %10.4g", sizes[k], val[k], val[m + k],
                  val[2 * m + k], wmax[k]);
    if (!isnan(truth))
        tui_linef(L, n, "%8s %12.5g   (ground truth from the q.* columns)", "truth", truth);
    if (!isnan(t->s->reference_value))
        tui_linef(L, n, "%8s %12.5g   (%s)", "ref", t->s->reference_value, t->s->reference_label);
    tui_linef(L, n, "%s", "");
    int steps = t->learn_step < 1 ? 1 : t->learn_step > 3 ? 3 : t->learn_step;
    for (int s = 0; s < 3 * steps && s < 9; s++)
        tui_linef(L, n, "%s", lesson[s]);
    tui_linef(L, n, "%s", steps < 3 ? "   (Enter: next step; p: next policy)" :
              "   (p: next policy; the Chart below is estimate vs n with t intervals)");
    tui_linef(L, n, "%s", "");
    struct strbuf sb = STRBUF_INIT;
    char title[128];
    snprintf(title, sizeof title, "policy %s: estimate vs rows used", pname);
    chart_sample_size(names, 3, sizes, m, val, lo, hi, truth, title, &sb);
    char *text = NULL;
    if (gp_run(strbuf_str(&sb), "dumb", 100, 24, NULL, 0, &text, &err) == 0) {
        char *p = text;
        while (p && *p) {
            char *nl = strchr(p, '\n');
            if (nl)
                *nl = '\0';
            tui_linef(L, n, "%s", *p == '\f' ? p + 1 : p);
            p = nl ? nl + 1 : NULL;
        }
    } else {
        tui_linef(L, n, "(chart: %s)", err.msg);
    }
    free(text);
    strbuf_release(&sb);
}

static void learn_draw(struct tui *t, WINDOW *w, int rows, int cols)
{
    if (!t->learn_lines)
        learn_rebuild(t);
    tui_draw_text(t, w, t->learn_lines, t->n_learn_lines, rows, cols);
}

static int learn_key(struct tui *t, int ch)
{
    if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        t->learn_step = t->learn_step >= 3 ? 1 : (t->learn_step < 1 ? 2 : t->learn_step + 1);
        learn_rebuild(t);
        return 1;
    }
    if (ch == 'p') {
        learn_policy++;
        learn_rebuild(t);
        return 1;
    }
    return 0;
}

static void learn_reset(struct tui *t)
{
    tui_lines_free(&t->learn_lines, &t->n_learn_lines);
}

const struct tui_view tui_view_learn = {
    "Learn", "Enter  next step of the lesson\np      next policy", learn_reset, learn_draw,
    learn_key, NULL
};
