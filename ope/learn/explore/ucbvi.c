/* ope/learn/explore/ucbvi.c: counts, the empirical model, exploration bonuses and the three
 * backward inductions (optimistic planning, model-based evaluation of a mixture with
 * the bonus added or subtracted, exact evaluation on the true MDP). The planning and
 * evaluation loops reuse the model's scratch buffer and never allocate. */
#include "config.h"
#include "ope/learn/explore/ucbvi.h"
#include "datasets/env.h"
#include "datasets/mdp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double xpl_log_term(int S, int A, int H, long K, double delta)
{
    /* exploration.md: L = log(5 S A H K / delta) (UCBVI, Azar et al. 2017, with
     * T = K H). */
    return log(5.0 * S * A * (double)H * (double)K / delta);
}

double xpl_return_bound(const char *env, const char *const *kv, size_t n_kv, int H)
{
    const struct env_desc *d = env_find(env);
    double v[ENV_MAX_PARAMS], lo = 0.0, hi = (double)H;
    if (!d || !d->return_range)
        return (double)H;
    env_defaults(d, v);
    for (size_t i = 0; i < n_kv; i++) {
        struct ope_error err = {0};
        if (env_set_param(d, v, kv[i], &err) < 0)
            return (double)H;
    }
    d->return_range(v, H, &lo, &hi);
    /* Rewards lie in [0, 1] in the exploration setting, so H bounds any return. */
    return hi < (double)H ? hi : (double)H;
}

struct xpl_model *xpl_model_new(const struct mdp *m, struct ope_error *err)
{
    struct xpl_model *x = ope_calloc(1, sizeof *x, err);
    if (!x)
        return NULL;
    size_t S = (size_t)m->n_states, A = (size_t)m->n_actions;
    x->S = m->n_states;
    x->A = m->n_actions;
    x->H = m->horizon;
    x->mu0 = m->mu0;
    x->terminal = m->terminal;
    x->N = ope_calloc(S * A, sizeof *x->N, err);
    x->Nsas = ope_calloc(S * A * S, sizeof *x->Nsas, err);
    x->Rsum = ope_calloc(S * A, sizeof *x->Rsum, err);
    x->Rsq = ope_calloc(S * A, sizeof *x->Rsq, err);
    x->Phat = ope_calloc(S * A * S, sizeof *x->Phat, err);
    x->Rhat = ope_calloc(S * A, sizeof *x->Rhat, err);
    x->Rvar = ope_calloc(S * A, sizeof *x->Rvar, err);
    x->work = ope_calloc(4 * S, sizeof *x->work, err);
    x->succ = ope_calloc(S * A * S, sizeof *x->succ, err);
    x->n_succ = ope_calloc(S * A, sizeof *x->n_succ, err);
    if (!x->N || !x->Nsas || !x->Rsum || !x->Rsq || !x->Phat || !x->Rhat || !x->Rvar ||
        !x->work || !x->succ || !x->n_succ) {
        xpl_model_free(x);
        return NULL;
    }
    return x;
}

void xpl_model_free(struct xpl_model *x)
{
    if (!x)
        return;
    free(x->N);
    free(x->Nsas);
    free(x->Rsum);
    free(x->Rsq);
    free(x->Phat);
    free(x->Rhat);
    free(x->Rvar);
    free(x->work);
    free(x->succ);
    free(x->n_succ);
    free(x);
}

void xpl_model_clear(struct xpl_model *x)
{
    size_t SA = (size_t)x->S * (size_t)x->A, SAS = SA * (size_t)x->S;
    memset(x->N, 0, SA * sizeof *x->N);
    memset(x->Nsas, 0, SAS * sizeof *x->Nsas);
    memset(x->Rsum, 0, SA * sizeof *x->Rsum);
    memset(x->Rsq, 0, SA * sizeof *x->Rsq);
    memset(x->Phat, 0, SAS * sizeof *x->Phat);
    memset(x->Rhat, 0, SA * sizeof *x->Rhat);
    memset(x->Rvar, 0, SA * sizeof *x->Rvar);
    memset(x->n_succ, 0, SA * sizeof *x->n_succ);
}

void xpl_model_observe(struct xpl_model *x, int s, int a, double r, int s2)
{
    size_t sa = (size_t)s * (size_t)x->A + (size_t)a;
    x->N[sa] += 1.0;
    x->Nsas[sa * (size_t)x->S + (size_t)s2] += 1.0;
    x->Rsum[sa] += r;
    x->Rsq[sa] += r * r;
}

void xpl_model_refresh(struct xpl_model *x)
{
    size_t S = (size_t)x->S, SA = S * (size_t)x->A;
    for (size_t sa = 0; sa < SA; sa++) {
        double n = x->N[sa];
        double *P = x->Phat + sa * S;
        const double *C = x->Nsas + sa * S;
        int *succ = x->succ + sa * S, k = 0;
        if (n > 0.0) {
            for (size_t t = 0; t < S; t++) {
                P[t] = C[t] / n;
                if (C[t] > 0.0)
                    succ[k++] = (int)t;
            }
            double m = x->Rsum[sa] / n;
            x->Rhat[sa] = m;
            x->Rvar[sa] = fmax(0.0, x->Rsq[sa] / n - m * m);
        } else {
            memset(P, 0, S * sizeof *P);
            x->Rhat[sa] = x->Rvar[sa] = 0.0;
        }
        x->n_succ[sa] = k;
    }
}

/* max(0, q) for the hot loops: fmax is a library call here, and q is never NaN. */
static inline double pos(double q)
{
    return q > 0.0 ? q : 0.0;
}

/* G_h: the range of the value to come from step h, min(G, H - h) (ucbvi.h). */
static double range_at(const struct xpl_model *x, const struct xpl_bonus *b, int h)
{
    double left = (double)(x->H - h);
    return b->range > 0.0 && b->range < left ? b->range : left;
}

/* The bonus of pair sa for a target rw r + V(s') of range `range`, given E[V] and
 * E[V^2] of the next-step value under P-hat. */
static double bonus(const struct xpl_model *x, const struct xpl_bonus *b, size_t sa,
                    double ev, double ev2, double rw, double range)
{
    double n = x->N[sa];
    if (b->kind == XPL_HOEFFDING)
        return b->c * range * sqrt(b->L / n);
    double sd = sqrt(pos(ev2 - ev * ev)) + rw * sqrt(x->Rvar[sa]);
    return b->c * (sqrt(2.0 * b->L * sd * sd / n) +
                   7.0 * range * b->L / (3.0 * (n > 2.0 ? n - 1.0 : 1.0)));
}

/* One backed-up pair: rw R-hat + P-hat V (+/- the bonus of that target, whose values
 * lie in [0, range]), with E[V] and E[V^2]. rw = 1 except in StepMix's Z. */
static double backup(const struct xpl_model *x, const struct xpl_bonus *b, int sign,
                     size_t sa, const double *V, double rw, double range)
{
    size_t S = (size_t)x->S;
    const double *P = x->Phat + sa * S;
    const int *succ = x->succ + sa * S;
    double ev = 0.0, ev2 = 0.0;
    for (int i = 0, n = x->n_succ[sa]; i < n; i++) {
        double p = P[succ[i]], v = V[succ[i]];
        ev += p * v;
        ev2 += p * v * v;
    }
    double q = rw * x->Rhat[sa] + ev;
    if (sign != 0)
        q += sign * bonus(x, b, sa, ev, ev2, rw, range);
    return q;
}

double xpl_plan_optimistic(struct xpl_model *x, const struct xpl_bonus *b, int *greedy)
{
    size_t S = (size_t)x->S, A = (size_t)x->A;
    double *Vn = x->work, *Vc = x->work + S;
    memset(Vn, 0, S * sizeof *Vn);
    for (int h = x->H - 1; h >= 0; h--) {
        double cap = range_at(x, b, h);
        for (size_t s = 0; s < S; s++) {
            int best = 0;
            double bq = -INFINITY;
            if (x->terminal && x->terminal[s]) {
                Vc[s] = 0.0;
                greedy[(size_t)h * S + s] = 0;
                continue;
            }
            for (size_t a = 0; a < A; a++) {
                size_t sa = s * A + a;
                double q = x->N[sa] > 0.0 ? fmin(cap, backup(x, b, +1, sa, Vn, 1.0, cap)) : cap;
                if (q > bq) {
                    bq = q;
                    best = (int)a;
                }
            }
            Vc[s] = bq;
            greedy[(size_t)h * S + s] = best;
        }
        double *tmp = Vn;
        Vn = Vc;
        Vc = tmp;
    }
    double v = 0.0;
    for (size_t s = 0; s < S; s++)
        v += x->mu0[s] * Vn[s];
    return v;
}

double xpl_eval_model(struct xpl_model *x, const struct xpl_bonus *b, int sign, double rho,
                      const int *greedy, const double *pb)
{
    size_t S = (size_t)x->S, A = (size_t)x->A;
    double *Vn = x->work, *Vc = x->work + S;
    memset(Vn, 0, S * sizeof *Vn);
    for (int h = x->H - 1; h >= 0; h--) {
        double cap = range_at(x, b, h);
        for (size_t s = 0; s < S; s++) {
            if (x->terminal && x->terminal[s]) {
                Vc[s] = 0.0;
                continue;
            }
            int g = rho > 0.0 ? greedy[(size_t)h * S + s] : -1;
            double v = 0.0;
            for (size_t a = 0; a < A; a++) {
                double w = (1.0 - rho) * pb[s * A + a] + ((int)a == g ? rho : 0.0);
                if (w == 0.0)
                    continue;
                size_t sa = s * A + a;
                double q;
                if (x->N[sa] > 0.0) {
                    q = backup(x, b, sign, sa, Vn, 1.0, cap);
                    if (sign < 0)
                        q = pos(q);
                    else if (sign > 0)
                        q = fmin(cap, q);
                } else
                    q = sign > 0 ? cap : 0.0;
                v += w * q;
            }
            Vc[s] = v;
        }
        double *tmp = Vn;
        Vn = Vc;
        Vc = tmp;
    }
    double v = 0.0;
    for (size_t s = 0; s < S; s++)
        v += x->mu0[s] * Vn[s];
    return v;
}

double xpl_lower_stepmix(struct xpl_model *x, const struct xpl_bonus *b, double rho,
                         const int *greedy, const double *pb, double Vb)
{
    size_t S = (size_t)x->S, A = (size_t)x->A;
    double *Vn = x->work, *Vc = x->work + S, *Zn = x->work + 2 * S, *Zc = x->work + 3 * S;
    double keep = 1.0;          /* (1 - rho)^(H-1-h): no pi-bar coin after step h */
    memset(Vn, 0, S * sizeof *Vn);
    memset(Zn, 0, S * sizeof *Zn);
    for (int h = x->H - 1; h >= 0; h--) {
        double G = range_at(x, b, h), w = 1.0 - keep;
        for (size_t s = 0; s < S; s++) {
            if (x->terminal && x->terminal[s]) {
                Vc[s] = Zc[s] = 0.0;
                continue;
            }
            int g = rho > 0.0 ? greedy[(size_t)h * S + s] : -1;
            double v = 0.0, z = 0.0;
            for (size_t a = 0; a < A; a++) {
                double p = pb[s * A + a], wa = (1.0 - rho) * p + ((int)a == g ? rho : 0.0);
                if (wa == 0.0)
                    continue;
                size_t sa = s * A + a;
                double qv = 0.0, qz = 0.0;      /* unvisited: the trivial lower bound 0 */
                if (x->N[sa] > 0.0) {
                    qv = pos(backup(x, b, -1, sa, Vn, 1.0, G));
                    if (p > 0.0 && rho < 1.0)
                        qz = pos(backup(x, b, -1, sa, Zn, w, w * G));
                }
                v += wa * qv;
                z += ((int)a == g ? rho * qv : 0.0) + (1.0 - rho) * p * qz;
            }
            Vc[s] = v;
            Zc[s] = z;
        }
        double *t = Vn;
        Vn = Vc;
        Vc = t;
        t = Zn;
        Zn = Zc;
        Zc = t;
        keep *= 1.0 - rho;
    }
    double v = 0.0, z = 0.0;
    for (size_t s = 0; s < S; s++) {
        v += x->mu0[s] * Vn[s];
        z += x->mu0[s] * Zn[s];
    }
    return fmax(v, keep * Vb + z);
}

double xpl_eval_true(const struct mdp *m, int H, double rho, const int *greedy,
                     const double *pb, double *work)
{
    size_t S = (size_t)m->n_states, A = (size_t)m->n_actions;
    double *Vn = work, *Vc = work + S;
    memset(Vn, 0, S * sizeof *Vn);
    for (int h = H - 1; h >= 0; h--) {
        for (size_t s = 0; s < S; s++) {
            if (m->terminal[s]) {
                Vc[s] = 0.0;
                continue;
            }
            int g = rho > 0.0 ? greedy[(size_t)h * S + s] : -1;
            double v = 0.0;
            for (size_t a = 0; a < A; a++) {
                double w = (1.0 - rho) * pb[s * A + a] + ((int)a == g ? rho : 0.0);
                if (w == 0.0)
                    continue;
                size_t sa = s * A + a;
                const double *P = m->P + sa * S;
                double q = m->R[sa];
                for (size_t t = 0; t < S; t++)
                    q += P[t] * Vn[t];
                v += w * q;
            }
            Vc[s] = v;
        }
        double *tmp = Vn;
        Vn = Vc;
        Vc = tmp;
    }
    double v = 0.0;
    for (size_t s = 0; s < S; s++)
        v += m->mu0[s] * Vn[s];
    return v;
}

int xpl_check_mdp(const struct mdp *m, struct ope_error *err)
{
    size_t S = (size_t)m->n_states, A = (size_t)m->n_actions;
    if (m->gamma != 1.0)
        return ope_fail(err, OPE_EUSAGE,
                        "explore: the episodic setting is undiscounted (gamma = 1), got %g",
                        m->gamma);
    if (m->reward_sd > 0.0)
        return ope_fail(err, OPE_EUSAGE,
                        "explore: rewards must lie in [0, 1], but this environment adds "
                        "Gaussian noise (sd %g) to them; set --param noise=0", m->reward_sd);
    for (size_t s = 0; s < S; s++) {
        if (m->terminal[s])
            continue;
        for (size_t a = 0; a < A; a++) {
            size_t sa = s * A + a;
            for (size_t t = 0; t < S; t++) {
                if (m->Rsas && m->P[sa * S + t] == 0.0)
                    continue;
                double r = m->Rsas ? m->Rsas[sa * S + t] : m->R[sa];
                if (!(r >= 0.0 && r <= 1.0))
                    return ope_fail(err, OPE_EUSAGE,
                                    "explore: rewards must lie in [0, 1] (the setting of "
                                    "Li et al. 2023), but state %zu action %zu can pay %g; "
                                    "choose parameters with rewards in [0, 1] (gridworld: "
                                    "--param pit=0 --param step=0)", s, a, r);
                if (!m->Rsas)
                    break;
            }
        }
    }
    return 0;
}
