/* datasets/candidates.c: the graded candidate policies of a tabular MDP (see the
 * header): one knob, the quality q in [-1, 1], gives a set whose true values are
 * ordered and spread, which is what a selection benchmark needs. */
#include "config.h"
#include "datasets/candidates.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "datasets/mdp.h"
#include "datasets/policy.h"

int cand_make_graded(const struct mdp *m, const double *Qstar, size_t M, struct policy **cand,
                     char (*names)[CAND_NAME_MAX], struct ope_error *err)
{
    struct policy *opt = policy_new(m->n_states, m->n_actions, err);
    struct policy *anti = opt ? policy_new(m->n_states, m->n_actions, err) : NULL;
    struct policy *unif = anti ? policy_new(m->n_states, m->n_actions, err) : NULL;
    int rc = unif ? 0 : -1;
    if (unif) {
        policy_set_greedy(opt, Qstar, 1);
        policy_set_greedy(anti, Qstar, -1);
        policy_set_uniform(unif);
    }
    int clash = 0;
    for (size_t k = 0; k < M && rc == 0; k++) {
        double q = M == 1 ? 1.0 : -1.0 + 2.0 * (double)k / (double)(M - 1);
        if (!(cand[k] = policy_new(m->n_states, m->n_actions, err))) {
            rc = -1;
            break;
        }
        policy_set_mix(cand[k], fabs(q), q >= 0 ? opt : anti, unif);
        snprintf(names[k], CAND_NAME_MAX, "%s%ld", q >= 0 ? "mix" : "anti",
                 lround(100.0 * fabs(q)));
        for (size_t j = 0; j < k; j++)
            clash |= strcmp(names[j], names[k]) == 0;
    }
    if (clash)
        for (size_t k = 0; k < M; k++)
            snprintf(names[k], CAND_NAME_MAX, "cand%03zu", k);
    if (rc != 0)
        for (size_t k = 0; k < M; k++) {
            policy_free(cand[k]);
            cand[k] = NULL;
        }
    policy_free(opt);
    policy_free(anti);
    policy_free(unif);
    return rc;
}
