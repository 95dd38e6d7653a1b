/* ope/learn/pg/props_train.c: policy-gradient training with PROPS data collection (Algorithm
 * 1 of Corrado & Hanna): a buffer of the last b batches of episodes, a behaviour policy
 * re-fitted every m steps so that the buffer looks on-policy, and a REINFORCE update of
 * the tabular softmax target from the whole buffer every n episodes. */
#include "config.h"
#include "ope/learn/pg/props.h"
#include "ope/learn/pg/props_impl.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "ope/base/sum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The episode ring: slot e % B holds episode e (B = b n episodes), H steps each. */
struct ring {
    int B, H;
    int *len;           /* [B] */
    int *s, *a;         /* [B*H] */
    double *r;          /* [B*H] */
};

struct run {
    const struct mdp *m;
    const struct props_opts *o;
    int S, A;
    size_t SA;
    double *theta, *p, *phi, *q;    /* target / behaviour logits and probabilities */
    double *n, *grad;               /* [S*A] counts and gradient */
    double *nrun;                   /* [S*A] counts of the data the next update keeps */
    double *bsum, *bcnt, *G;        /* baseline sums [H*S], counts [H*S]; returns [H] */
    double *hist;                   /* [b*S*A] target of each batch in the buffer */
    struct props_ws ws;
    struct ring ring;
    struct props_env env, ref;      /* the run's stream; the reference buffer's */
};

static void run_release(struct run *r)
{
    free(r->theta);
    free(r->p);
    free(r->phi);
    free(r->q);
    free(r->n);
    free(r->nrun);
    free(r->grad);
    free(r->bsum);
    free(r->bcnt);
    free(r->G);
    free(r->hist);
    free(r->ring.len);
    free(r->ring.s);
    free(r->ring.a);
    free(r->ring.r);
    props_ws_release(&r->ws);
}

static int run_init(struct run *r, const struct mdp *m, const struct props_opts *o,
                    struct ope_error *err)
{
    memset(r, 0, sizeof *r);
    r->m = m;
    r->o = o;
    r->S = m->n_states;
    r->A = m->n_actions;
    r->SA = (size_t)r->S * (size_t)r->A;
    int H = m->horizon;
    size_t HS = (size_t)H * (size_t)r->S;
    if ((size_t)o->buffer_batches * (size_t)o->episodes_per_iter > 100000000u / (size_t)H)
        return ope_fail(err, OPE_EUSAGE, "props: the buffer (%d batches of %d episodes of up "
                        "to %d steps) is too large", o->buffer_batches, o->episodes_per_iter, H);
    r->ring.B = o->buffer_batches * o->episodes_per_iter;
    r->ring.H = H;
    size_t BH = (size_t)r->ring.B * (size_t)H;
    if (!(r->theta = ope_calloc(r->SA, sizeof(double), err))
        || !(r->p = ope_calloc(r->SA, sizeof(double), err))
        || !(r->phi = ope_calloc(r->SA, sizeof(double), err))
        || !(r->q = ope_calloc(r->SA, sizeof(double), err))
        || !(r->n = ope_calloc(r->SA, sizeof(double), err))
        || !(r->nrun = ope_calloc(r->SA, sizeof(double), err))
        || !(r->grad = ope_calloc(r->SA, sizeof(double), err))
        || !(r->bsum = ope_calloc(HS, sizeof(double), err))
        || !(r->bcnt = ope_calloc(HS, sizeof(double), err))
        || !(r->G = ope_calloc((size_t)H, sizeof(double), err))
        || !(r->hist = ope_calloc((size_t)o->buffer_batches * r->SA, sizeof(double), err))
        || !(r->ring.len = ope_calloc((size_t)r->ring.B, sizeof(int), err))
        || !(r->ring.s = ope_calloc(BH, sizeof(int), err))
        || !(r->ring.a = ope_calloc(BH, sizeof(int), err))
        || !(r->ring.r = ope_calloc(BH, sizeof(double), err))
        || props_ws_init(&r->ws, r->S, r->A, err) < 0) {
        run_release(r);
        return -1;
    }
    props_softmax_rows(r->S, r->A, r->theta, r->p);     /* theta = 0: uniform */
    memcpy(r->q, r->p, r->SA * sizeof *r->q);
    return 0;
}

/* Action counts of episodes [from, to) of the ring into r->n. */
static void count_actions(struct run *r, long from, long to)
{
    memset(r->n, 0, r->SA * sizeof *r->n);
    for (long e = from; e < to; e++) {
        size_t slot = (size_t)(e % r->ring.B);
        int len = r->ring.len[slot];
        const int *s = r->ring.s + slot * (size_t)r->ring.H;
        const int *a = r->ring.a + slot * (size_t)r->ring.H;
        for (int t = 0; t < len; t++)
            r->n[(size_t)s[t] * (size_t)r->A + (size_t)a[t]] += 1.0;
    }
}

/* Returns G_t = sum_{t' >= t} gamma^{t'-t} r_t' of the episode in `slot` into r->G. */
static void returns(struct run *r, size_t slot)
{
    int len = r->ring.len[slot];
    const double *rw = r->ring.r + slot * (size_t)r->ring.H;
    double g = 0.0;
    for (int t = len - 1; t >= 0; t--)
        r->G[t] = g = rw[t] + r->m->gamma * g;
}

/* The REINFORCE estimate from episodes [from, to), treated as on-policy:
 *     g = (1/E) sum_episodes sum_t gamma^t (G_t - b_t(s_t)) grad ln pi_theta(a_t|s_t),
 * grad ln pi(a|s) = e_a - pi(.|s) on row s, the gradient of V = E[sum_t gamma^t r_t].
 * b_t(s) is the leave-one-out mean of G_t over the other visits of (t, s) in the buffer
 * (0 when there is none), so the baseline does not use the sample it corrects.
 * Returns the Euclidean norm of g. */
static double reinforce(struct run *r, long from, long to)
{
    int H = r->ring.H, S = r->S, A = r->A;
    memset(r->bsum, 0, (size_t)H * (size_t)S * sizeof *r->bsum);
    memset(r->bcnt, 0, (size_t)H * (size_t)S * sizeof *r->bcnt);
    memset(r->grad, 0, r->SA * sizeof *r->grad);
    for (long e = from; e < to; e++) {
        size_t slot = (size_t)(e % r->ring.B);
        const int *s = r->ring.s + slot * (size_t)H;
        returns(r, slot);
        for (int t = 0; t < r->ring.len[slot]; t++) {
            r->bsum[(size_t)t * (size_t)S + (size_t)s[t]] += r->G[t];
            r->bcnt[(size_t)t * (size_t)S + (size_t)s[t]] += 1.0;
        }
    }
    double E = (double)(to - from);
    for (long e = from; e < to; e++) {
        size_t slot = (size_t)(e % r->ring.B);
        const int *s = r->ring.s + slot * (size_t)H, *a = r->ring.a + slot * (size_t)H;
        returns(r, slot);
        double disc = 1.0;
        for (int t = 0; t < r->ring.len[slot]; t++, disc *= r->m->gamma) {
            size_t ts = (size_t)t * (size_t)S + (size_t)s[t];
            double c = r->bcnt[ts] - 1.0;
            double b = c > 0.0 ? (r->bsum[ts] - r->G[t]) / c : 0.0;
            double w = disc * (r->G[t] - b) / E;
            double *g = r->grad + (size_t)s[t] * (size_t)A;
            const double *pi = r->p + (size_t)s[t] * (size_t)A;
            for (int k = 0; k < A; k++)
                g[k] -= w * pi[k];
            g[a[t]] += w;
        }
    }
    struct ope_sum nn;
    ope_sum_init(&nn);
    for (size_t i = 0; i < r->SA; i++)
        ope_sum_add(&nn, r->grad[i] * r->grad[i]);
    return sqrt(ope_sum_value(&nn));
}

/* The paper's reference sampling error (its compute_se_ref): re-collect the buffer
 * on-policy, batch k by the target policy that was current while batch k was collected,
 * and measure it against the current target. batches = how many the buffer holds. */
static double reference_se(struct run *r, int it, int batches)
{
    int b = r->o->buffer_batches;
    memset(r->n, 0, r->SA * sizeof *r->n);
    for (int k = it - batches + 1; k <= it; k++) {
        const double *pk = r->hist + (size_t)(k % b) * r->SA;
        for (int j = 0; j < r->o->episodes_per_iter; j++) {
            int done = 0, a;
            double rw;
            props_env_reset(&r->ref);
            while (!done) {
                int s = r->ref.s;
                done = props_env_step(&r->ref, pk + (size_t)s * (size_t)r->A, &a, &rw);
                r->n[(size_t)s * (size_t)r->A + (size_t)a] += 1.0;
            }
        }
    }
    return props_sampling_error(r->S, r->A, r->n, r->p);
}

/* Collect one episode into its ring slot with the behaviour (or target) policy,
 * re-fitting the behaviour every m steps on the data that will still be in the buffer
 * at the next target update: the previous b-1 batches and this batch so far, whose
 * action counts r->nrun holds (set at the start of the batch, then kept step by step). */
static void collect_episode(struct run *r, long e, size_t *steps, size_t *since, double *bkl)
{
    size_t slot = (size_t)(e % r->ring.B);
    int *s = r->ring.s + slot * (size_t)r->ring.H, *a = r->ring.a + slot * (size_t)r->ring.H;
    double *rw = r->ring.r + slot * (size_t)r->ring.H;
    int t = 0, done = 0;
    props_env_reset(&r->env);
    while (!done) {
        s[t] = r->env.s;
        const double *row = (r->o->on_policy ? r->p : r->q) + (size_t)s[t] * (size_t)r->A;
        done = props_env_step(&r->env, row, &a[t], &rw[t]);
        r->nrun[(size_t)s[t] * (size_t)r->A + (size_t)a[t]] += 1.0;
        t++;
        ++*steps;
        if (!r->o->on_policy && ++*since >= (size_t)r->o->props_steps) {
            *since = 0;
            *bkl = props_fit_behaviour(&r->ws, r->theta, r->p, r->nrun, r->o, r->phi, r->q);
        }
    }
    r->ring.len[slot] = t;
}

int props_train(const struct mdp *m, const struct props_opts *o, uint64_t seed,
                struct props_result **out, struct ope_error *err)
{
    *out = NULL;
    if (props_opts_check(o, err) < 0)
        return -1;
    struct run r;
    if (run_init(&r, m, o, err) < 0)
        return -1;
    struct props_result *res = ope_calloc(1, sizeof *res, err);
    if (!res || !(res->rec = ope_calloc((size_t)o->iterations, sizeof *res->rec, err))
        || !(res->policy = policy_new(r.S, r.A, err))) {
        props_result_free(res);
        run_release(&r);
        return -1;
    }
    res->v_star = mdp_optimal_finite(m, NULL, NULL, err);
    r.env.m = r.ref.m = m;
    ope_rng_init(&r.env.rng, seed, OPE_RNG_TRAIN, 1);
    ope_rng_init(&r.ref.rng, seed, OPE_RNG_TRAIN, 3);
    long E = o->episodes_per_iter, B = r.ring.B, e = 0;
    size_t steps = 0, since = 0;
    double bkl = 0.0;
    int rc = isnan(res->v_star) ? -1 : 0;
    for (int it = 1; rc == 0 && it <= o->iterations; it++) {
        long batch0 = e, keep_from = batch0 - (B - E) > 0 ? batch0 - (B - E) : 0;
        memcpy(r.hist + (size_t)(it % o->buffer_batches) * r.SA, r.p, r.SA * sizeof *r.p);
        count_actions(&r, keep_from, batch0);
        memcpy(r.nrun, r.n, r.SA * sizeof *r.n);
        for (long j = 0; j < E; j++, e++)
            collect_episode(&r, e, &steps, &since, &bkl);
        long from = e - B > 0 ? e - B : 0;
        count_actions(&r, from, e);
        struct props_record *rec = &res->rec[it - 1];
        rec->iteration = it;
        rec->samples = steps;
        rec->sampling_error = props_sampling_error(r.S, r.A, r.n, r.p);
        rec->behaviour_kl = o->on_policy ? 0.0 : bkl;
        rec->sampling_error_ref = reference_se(&r, it, it < o->buffer_batches ? it
                                               : o->buffer_batches);
        rec->grad_norm = reinforce(&r, from, e);
        int finite = isfinite(rec->grad_norm);
        for (size_t i = 0; i < r.SA; i++) {
            r.theta[i] += o->lr * r.grad[i];
            finite &= isfinite(r.theta[i]);
        }
        if (!finite) {
            rc = ope_fail(err, OPE_EUSAGE, "props: the target policy diverged at iteration %d "
                          "(step size %g)", it, o->lr);
            break;
        }
        props_softmax_rows(r.S, r.A, r.theta, r.p);
        memcpy(r.q, r.p, r.SA * sizeof *r.q);   /* the behaviour restarts from the target */
        rec->value = mdp_eval_finite(m, r.p, NULL, NULL, err);
        if (isnan(rec->value))
            rc = -1;
        res->n_records = it;
    }
    if (rc == 0)
        memcpy(res->policy->p, r.p, r.SA * sizeof *r.p);
    run_release(&r);
    if (rc < 0) {
        props_result_free(res);
        return -1;
    }
    *out = res;
    return 0;
}

void props_result_free(struct props_result *r)
{
    if (!r)
        return;
    free(r->rec);
    policy_free(r->policy);
    free(r);
}
