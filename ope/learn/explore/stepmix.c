/* ope/learn/explore/stepmix.c: StepMix (Li, Huang, Shen & Yang 2023; exploration.md): at
 * every step play pi-bar_k with probability rho_k, else the baseline, with rho_k the
 * largest mixing weight whose lower bound is certified above (1 - alpha) V^b, found by
 * bisection that always returns the certified end of its bracket. The lower bound
 * (xpl_lower_stepmix) takes the episodes where every step ran the baseline at their
 * known value V^b and certifies only the rest pessimistically. */
#include "config.h"
#include "ope/learn/explore/run.h"

#include <math.h>

double xpl_stepmix_rho(double (*f)(void *ctx, double rho), void *ctx, double tau, double tol,
                       double *f_rho)
{
    double f1 = f(ctx, 1.0);
    if (f1 >= tau) {
        *f_rho = f1;
        return 1.0;
    }
    double f0 = f(ctx, 0.0);
    if (f0 < tau) {
        /* Not even the baseline is certified (f(0) = V^b >= tau for the certificate
         * StepMix uses, so only a caller's f gets here): it is safe by assumption (V^b
         * exact), or, learned offline, because V^b is then a lower bound of its value. */
        *f_rho = f0;
        return 0.0;
    }
    /* Invariant: f(lo) >= tau > f(hi). f is continuous in rho, so a crossing lies in
     * between; we return lo, never the midpoint. */
    double lo = 0.0, hi = 1.0, flo = f0;
    if (!(tol > 0.0))
        tol = 1e-4;
    while (hi - lo > tol) {
        double mid = 0.5 * (lo + hi), fm = f(ctx, mid);
        if (fm >= tau) {
            lo = mid;
            flo = fm;
        } else
            hi = mid;
    }
    *f_rho = flo;
    return lo;
}

struct fctx {
    struct xpl_state *st;
};

/* f(rho): the certified lower bound of the rho-mixture's value (xpl_lower_stepmix). */
static double pess(void *ctx, double rho)
{
    struct xpl_state *st = ((struct fctx *)ctx)->st;
    return xpl_lower_stepmix(st->model, &st->cfg->bonus, rho, st->greedy, st->cfg->pb,
                             st->cfg->Vb);
}

static void decide(struct xpl_state *st, struct xpl_decision *d)
{
    struct fctx c = {st};
    d->mode = XPL_MIX_STEP;
    d->mix = xpl_stepmix_rho(pess, &c, st->tau, st->cfg->rho_tol, &d->lower);
}

const struct xpl_algo xpl_stepmix = {
    "stepmix", "StepMix: per-step mixture, rho_k certified by pessimism", 1, decide, NULL
};
