/* ope/learn/pg/external.c: the two policy-gradient modules written apart from this registry
 * -- PROPS (ope/learn/pg/props.h) and CoPG (ope/learn/pg/copg.h) -- seen through the interface of
 * ope/learn/pg/pg.h, so that `ope train` runs, records, compares and plots them like the
 * others. Only their public headers are used. */
#include "config.h"
#include "ope/learn/pg/pg.h"
#include "ope/learn/pg/copg.h"
#include "ope/learn/pg/props.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"

#include <math.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* PROPS's records start after the first update; row 0 here is the uniform start, and
 * theta = ln pi of its final (tabular, strictly positive) policy. PROPS has no
 * cancellation hook: a run finishes once started, then the meter advances. */
static int props_run(const struct pg_problem *pb, uint64_t seed, double *theta,
                     struct pg_record *rec, struct ope_error *err)
{
    const struct pg_params *p = pb->p;
    struct props_opts o;
    if (p->props)
        o = *p->props;
    else
        props_opts_init(&o);
    if (p->iterations > 100000000)
        return ope_fail(err, OPE_EUSAGE, "props: at most 1e8 iterations");
    o.iterations = (int)p->iterations;
    o.episodes_per_iter = pg_batch_size(&pg_props, p);
    o.lr = pg_step(&pg_props, p);
    if (pg_check_cancel(pb, err) < 0)
        return -1;
    memset(theta, 0, pb->pol->dim * sizeof *theta);
    if (pg_record_at(pb, theta, &rec[0], 0.0, 0.0, err) < 0)
        return -1;
    struct props_result *res = NULL;
    if (props_train(pb->m, &o, seed, &res, err) < 0)
        return -1;
    int rc = 0;
    for (long k = 1; k <= p->iterations; k++) {
        if (k > res->n_records) {
            rc = ope_fail(err, OPE_ESOFTWARE, "props returned %d records for %ld iterations",
                          res->n_records, p->iterations);
            break;
        }
        const struct props_record *x = &res->rec[k - 1];
        rec[k] = (struct pg_record){ x->value, x->grad_norm, (double)x->samples,
                                     { x->sampling_error, x->sampling_error_ref } };
    }
    size_t SA = (size_t)pb->m->n_states * (size_t)pb->m->n_actions;
    for (size_t i = 0; rc == 0 && i < SA; i++)
        theta[i] = log(fmax(res->policy->p[i], 1e-300));
    props_result_free(res);
    if (pb->meter)
        atomic_fetch_add(&pb->meter->done, p->iterations - 1);
    return rc;
}

/* Defaults from props_opts_init: 16 episodes per update, target step 0.5. */
const struct pg_algo pg_props = {
    "props", "REINFORCE from a buffer collected by the PROPS adaptive behaviour policy",
    "Corrado & Hanna, On-Policy Policy Gradient RL Without On-Policy Sampling, 2023",
    0.5, 16, 1, props_run
};

const struct pg_algo pg_copg = {
    "copg", "contrastive policy gradient from offline pairs, on its toy bandit",
    "Flet-Berliac et al., Contrastive Policy Gradient, EMNLP 2024",
    NAN, 0, 1, NULL
};

int pg_copg_run_many(const struct pg_copg_opts *co, const struct pg_params *p, uint64_t seed,
                     int runs, struct pg_result *res, double *jstar, struct ope_error *err)
{
    memset(res, 0, sizeof *res);
    struct copg_bandit *b = copg_bandit_toy(co->reward_sd, err);
    if (!b)
        return -1;
    if (!isnan(co->beta))
        b->beta = co->beta;
    int rc = copg_bandit_check(b, err);
    struct copg_opts o;
    copg_opts_init(&o);
    o.method = (enum copg_method)co->method;
    if (p->iterations > 100000000)
        rc = ope_fail(err, OPE_EUSAGE, "copg: at most 1e8 iterations");
    o.iterations = (int)p->iterations;
    if (!isnan(p->step))
        o.lr = p->step;
    size_t K = (size_t)b->n_arms, R = (size_t)runs, N = (size_t)o.iterations + 1;
    res->algo = &pg_copg;
    snprintf(res->label, sizeof res->label, "%s", copg_method_name(o.method));
    res->n_runs = runs;
    res->n_iter = o.iterations;
    res->dim = K;
    if (rc == 0 && (!(res->rec = ope_calloc(R * N, sizeof *res->rec, err)) ||
                    !(res->theta = ope_calloc(R * K, sizeof *res->theta, err))))
        rc = -1;
    *jstar = copg_optimum(b, NULL);
    for (size_t r = 0; rc == 0 && r < R; r++) {
        struct copg_data *d = NULL;
        struct copg_result *cr = NULL;
        if (copg_sample(b, co->pairs, seed + r, &d, err) < 0 ||
            copg_train(b, d, &o, &cr, err) < 0) {
            copg_data_free(d);
            rc = -1;
            break;
        }
        for (size_t k = 0; k < N && k < (size_t)cr->n_records; k++)
            res->rec[r * N + k] = (struct pg_record){ cr->rec[k].objective, cr->rec[k].grad_norm,
                                                      (double)co->pairs, { NAN, NAN } };
        for (size_t a = 0; a < K; a++)
            res->theta[r * K + a] = log(fmax(cr->policy[a], 1e-300));
        copg_result_free(cr);
        copg_data_free(d);
    }
    copg_bandit_free(b);
    if (rc < 0)
        pg_result_release(res);
    return rc;
}
