/* ope/app/select_gen.c: generated datasets for `ope select --replicates` (see the
 * header). The environment, behaviour policy, candidates and their exact values are
 * built once; each replicate only samples a new log, so R replicates cost R samplings
 * and R evaluations. */
#include "config.h"
#include "ope/app/select_gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"
#include "estimators/estimator.h"
#include "estimators/evaluate.h"
#include "estimators/evaluate_traj.h"
#include "estimators/vmodel.h"

void select_gen_init(struct select_gen *g)
{
    memset(g, 0, sizeof *g);
    gen_bandit_opts_init(&g->go);
    g->go.rows = 2000;
    g->go.seed = 1;
    g->behavior = "eps:0.3";
    g->episodes = 200;
    g->candidates = 20;
}

int select_gen_prepare(struct select_gen *g, double gamma, struct ope_error *err)
{
    if (!g->env)
        return 0;
    const struct env_desc *d = env_find(g->env);
    if (!d)
        return env_unknown(g->env, err);
    double v[ENV_MAX_PARAMS];
    env_defaults(d, v);
    for (size_t i = 0; i < g->n_kv; i++)
        if (env_set_param(d, v, g->kv[i], err) < 0) {
            err->status = OPE_EUSAGE;
            return -1;
        }
    g->m = env_build(d, v, (int)g->horizon, isnan(gamma) ? 1.0 : gamma, err);
    if (!g->m)
        return -1;
    size_t SA = (size_t)g->m->n_states * (size_t)g->m->n_actions, M = g->candidates;
    double *Q = ope_malloc(SA * sizeof *Q, err);
    int rc = -1;
    if (!Q || mdp_qstar(g->m, Q, err) < 0)
        goto out;
    if (!(g->b = policy_from_spec(g->m, g->behavior, Q, err)) || policy_check(g->b, err) < 0)
        goto out;
    g->cand = ope_calloc(M ? M : 1, sizeof *g->cand, err);
    g->names = g->cand ? ope_calloc(M ? M : 1, CAND_NAME_MAX, err) : NULL;
    g->truth = g->names ? ope_calloc(M ? M : 1, sizeof *g->truth, err) : NULL;
    if (!g->truth || cand_make_graded(g->m, Q, M, g->cand, g->names, err) < 0)
        goto out;
    g->Jb = mdp_eval_finite(g->m, g->b->p, NULL, NULL, err);
    if (isnan(g->Jb))
        goto out;
    for (size_t k = 0; k < M; k++)
        if (isnan(g->truth[k] = mdp_eval_finite(g->m, g->cand[k]->p, NULL, NULL, err)))
            goto out;
    if (!(g->smp = sampler_new(g->m, g->b, err)))
        goto out;
    rc = 0;
out:
    free(Q);
    return rc;
}

/* A bandit replicate: `ope gen bandit` with seed go.seed + i. */
static struct res_eval *eval_bandit_rep(struct select_gen *g, struct evalcli *c, size_t i,
                                        struct ope_error *err)
{
    struct gen_bandit_opts o = g->go;
    o.seed = g->go.seed + i;
    struct blog *log = gen_bandit(&o, err);
    if (!log)
        return NULL;
    struct res_eval *r = eval_settings_run(&c->set, log, NULL, c->progress, err);
    blog_free(log);
    return r;
}

/* A trajectory replicate: episodes sampled with seed go.seed + i, evaluated with the
 * exact truth attached. */
static struct res_eval *eval_traj_rep(struct select_gen *g, struct evalcli *c, size_t i,
                                      const struct est_spec *spec, size_t n_spec,
                                      struct ope_error *err)
{
    struct eval_opts eo;
    struct traj_opts to;
    if (eval_settings_to_opts(&c->set, &eo, &to, err) != 0)
        return NULL;
    const char *nm[512];
    size_t M = g->candidates < 512 ? g->candidates : 512;
    for (size_t k = 0; k < M; k++)
        nm[k] = g->names[k];
    struct tlog *log = sampler_run(g->smp, g->episodes, g->go.seed + i,
                                   (const struct policy *const *)g->cand, nm, M, c->set.threads,
                                   NULL, err);
    if (!log)
        return NULL;
    struct res_eval *r = NULL;
    size_t np = c->set.n_policies ? c->set.n_policies : M;
    double *tv = ope_calloc(np ? np : 1, sizeof *tv, err);
    if (!tv)
        goto out;
    for (size_t p = 0; p < np; p++) {
        int k = c->set.n_policies ? tlog_policy_index(log, c->set.policies[p]) : (int)p;
        tv[p] = k >= 0 ? g->truth[k] : NAN;
    }
    to.truth = tv;
    eo.spec = spec;
    eo.n_spec = n_spec;
    eo.progress = c->progress;
    r = eval_traj_ex(log, &eo, &to, err);
    if (r)
        r->behavior_value = r->behavior_exact = g->Jb;
out:
    free(tv);
    tlog_free(log);
    return r;
}

struct res_eval *select_gen_eval(struct select_gen *g, struct evalcli *c, size_t i,
                                 struct ope_error *err)
{
    /* The generated logs carry their candidates as columns; a file's policy would have
     * no exact truth here, so it is refused rather than scored without one. */
    if (evalcli_no_policy_files(c, "the generated logs of --replicates", err) != 0)
        return NULL;
    if (!g->env)
        return eval_bandit_rep(g, c, i, err);
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    struct res_eval *r = NULL;
    if (est_spec_list(c->set.estimators, EST_TRAJ, &spec, &n_spec, err) == 0)
        r = eval_traj_rep(g, c, i, spec, n_spec, err);
    free(spec);
    return r;
}

void select_gen_describe(const struct select_gen *g, size_t R, char *buf, size_t n)
{
    unsigned long long s0 = (unsigned long long)g->go.seed, s1 = s0 + R - 1;
    if (!g->env) {
        snprintf(buf, n, "generated bandit logs: ope gen bandit --rows %zu --actions %d "
                 "--seed %llu..%llu", g->go.rows, g->go.actions, s0, s1);
        return;
    }
    int off = snprintf(buf, n, "generated trajectory logs: ope gen mdp %s", g->env);
    for (size_t i = 0; i < g->n_kv && off > 0 && (size_t)off < n; i++)
        off += snprintf(buf + off, n - (size_t)off, " %s", g->kv[i]);
    if (off > 0 && (size_t)off < n)
        snprintf(buf + off, n - (size_t)off, " --behavior %s --episodes %zu --candidates %zu "
                 "--seed %llu..%llu", g->behavior, g->episodes, g->candidates, s0, s1);
}

void select_gen_release(struct select_gen *g)
{
    for (size_t k = 0; g->cand && k < g->candidates; k++)
        policy_free(g->cand[k]);
    free(g->cand);
    free(g->names);
    free(g->truth);
    sampler_free(g->smp);
    policy_free(g->b);
    mdp_free(g->m);
    g->cand = NULL;
    g->names = NULL;
    g->truth = NULL;
    g->smp = NULL;
    g->b = NULL;
    g->m = NULL;
}
