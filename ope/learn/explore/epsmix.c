/* ope/learn/explore/epsmix.c: EpsMix (Li, Huang, Shen & Yang 2023; exploration.md): with
 * probability epsilon_k run pi-bar_k for the whole episode, else the baseline. The
 * constraint holds for the expected value of that mixture, not for every realised
 * episode: the run records both. */
#include "config.h"
#include "ope/learn/explore/run.h"

#include <math.h>

double xpl_epsmix_eps(double vlow, double Vb, double alpha)
{
    double tau = (1.0 - alpha) * Vb;
    if (vlow >= tau)
        return 1.0;
    /* vlow < tau <= Vb here (alpha >= 0), so Vb - vlow > 0. Solve
     * eps vlow + (1 - eps) Vb = (1 - alpha) Vb. */
    double den = Vb - vlow;
    if (!(den > 0.0))
        return 0.0;
    double e = alpha * Vb / den;
    return e < 0.0 ? 0.0 : e > 1.0 ? 1.0 : e;
}

static void decide(struct xpl_state *st, struct xpl_decision *d)
{
    double vlow = xpl_eval_model(st->model, &st->cfg->bonus, -1, 1.0, st->greedy, st->cfg->pb);
    d->mode = XPL_MIX_EPISODE;
    d->mix = xpl_epsmix_eps(vlow, st->cfg->Vb, st->cfg->alpha);
    d->lower = d->mix * vlow + (1.0 - d->mix) * st->cfg->Vb;
}

const struct xpl_algo xpl_epsmix = {
    "epsmix", "EpsMix: per-episode coin, epsilon_k certified in expectation", 1, decide, NULL
};
