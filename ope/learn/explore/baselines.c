/* ope/learn/explore/baselines.c: the algorithms StepMix and EpsMix are compared with
 * (exploration.md): unconstrained UCBVI (always pi-bar_k), the baseline policy alone,
 * and the budget-based conservative UCBVI in the spirit of Garcelon et al. 2020,
 * whose constraint is on the cumulative value, not on each episode. */
#include "config.h"
#include "ope/learn/explore/run.h"

#include <math.h>

static void ucbvi_decide(struct xpl_state *st, struct xpl_decision *d)
{
    (void)st;
    d->mode = XPL_MIX_EPISODE;
    d->mix = 1.0;
    d->lower = NAN;
}

static void base_decide(struct xpl_state *st, struct xpl_decision *d)
{
    d->mode = XPL_MIX_EPISODE;
    d->mix = 0.0;
    d->lower = st->cfg->Vb;
}

/* Budget rule: play pi-bar_k when the certified total so far plus its own lower bound
 * stays above the cumulative threshold,
 *     lo_sum + n_base V^b + V-underbar^{pi-bar_k} >= (1 - alpha) (k + 1) V^b,
 * where lo_sum adds the lower bounds of the optimistic episodes (as certified when
 * they were played); otherwise play the baseline. */
static void cucbvi_decide(struct xpl_state *st, struct xpl_decision *d)
{
    const struct xpl_config *c = st->cfg;
    double vlow = xpl_eval_model(st->model, &c->bonus, -1, 1.0, st->greedy, c->pb);
    double have = st->lo_sum + (double)st->n_base * c->Vb + vlow;
    d->mode = XPL_MIX_EPISODE;
    d->mix = have >= st->tau * (double)(st->k + 1) ? 1.0 : 0.0;
    d->lower = d->mix > 0.0 ? vlow : c->Vb;
}

static void cucbvi_after(struct xpl_state *st, const struct xpl_decision *d, int optimistic)
{
    if (optimistic)
        st->lo_sum += d->lower;
    else
        st->n_base++;
}

const struct xpl_algo xpl_ucbvi = {
    "ucbvi", "UCBVI without constraint (always the optimistic policy)", 1, ucbvi_decide, NULL
};
const struct xpl_algo xpl_baseline = {
    "baseline", "The baseline policy alone (safe, linear regret)", 0, base_decide, NULL
};
const struct xpl_algo xpl_cucbvi = {
    "cucbvi", "Budget-based conservative UCBVI (cumulative constraint, Garcelon et al. 2020)",
    1, cucbvi_decide, cucbvi_after
};
