/* ope/app/decision.c: the decision an evaluation supports (see the header). */
#include "config.h"
#include "ope/app/decision.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/evaluate.h"
#include "ope/base/json.h"
#include "ope/base/strbuf.h"

long decision_best_of(const struct res_eval *r, size_t e)
{
    long best = -1;
    for (size_t p = 0; p < r->n_policies; p++) {
        if (e >= r->pol[p].n_estimates || !isfinite(r->pol[p].est[e].value))
            continue;
        if (best < 0 || r->pol[p].est[e].value > r->pol[best].est[e].value)
            best = (long)p;
    }
    return best;
}

size_t decision_votes(const struct res_eval *r, size_t E, size_t *votes)
{
    size_t voters = 0;
    memset(votes, 0, r->n_policies * sizeof *votes);
    for (size_t e = 0; e < E; e++) {
        long p = decision_best_of(r, e);
        if (p >= 0) {
            votes[p]++;
            voters++;
        }
    }
    return voters;
}

/* The estimator the decision is read from: dr when evaluated (doubly robust: the
 * default of `ope gate`), else the first with a finite lift. */
static long decider(const struct res_policy *pol)
{
    for (size_t e = 0; e < pol->n_estimates; e++)
        if (strcmp(pol->est[e].estimator, "dr") == 0 && isfinite(pol->est[e].lift))
            return (long)e;
    for (size_t e = 0; e < pol->n_estimates; e++)
        if (isfinite(pol->est[e].lift))
            return (long)e;
    return -1;
}

int decision_of(const struct res_eval *r, struct decision *d)
{
    memset(d, 0, sizeof *d);
    d->policy = d->est = -1;
    d->need = NAN;
    if (r->n_policies == 0 || strcmp(r->ci, "none") == 0)
        return 0;
    size_t E = r->pol[0].n_estimates;
    size_t *votes = malloc(r->n_policies * sizeof *votes);
    if (!votes)
        return -1;
    decision_votes(r, E, votes);
    size_t top = 0;
    for (size_t p = 1; p < r->n_policies; p++)
        top = votes[p] > votes[top] ? p : top;
    free(votes);
    const struct res_policy *pol = &r->pol[top];
    long e = decider(pol);
    if (e < 0)
        return 0;
    d->policy = (long)top;
    d->est = e;
    for (size_t k = 0; k < pol->n_estimates; k++) {
        const struct res_estimate *y = &pol->est[k];
        if (!isfinite(y->lift_lower) || !isfinite(y->lift_upper))
            continue;
        d->with_ci++;
        d->above += y->lift_lower > 0;
        d->below += y->lift_upper < 0;
    }
    const struct res_estimate *x = &pol->est[e];
    if (isfinite(x->lift_lower) && x->lift_lower > 0) {
        d->verdict = DECISION_PASS;
    } else if (isfinite(x->lift_upper) && x->lift_upper < 0) {
        d->verdict = DECISION_FAIL;
    } else if (isfinite(x->lift_lower) && isfinite(x->lift_upper) && x->lift != 0) {
        /* Half-width h at N units; it scales as 1/sqrt(N), so the interval leaves 0
         * when h sqrt(N / N') < |lift|: N' = N (h / lift)^2. */
        double h = (x->lift_upper - x->lift_lower) / 2;
        double N = (double)(strcmp(r->kind, "bandit") != 0 ? r->episodes : r->rows);
        d->verdict = DECISION_OPEN;
        d->need = N * (h / x->lift) * (h / x->lift);
    } else if (isfinite(x->lift_lower) && isfinite(x->lift_upper)) {
        d->verdict = DECISION_ZERO;
    } else {
        d->verdict = DECISION_NO_CI;
    }
    return 0;
}

void decision_gate_cmd(const struct res_eval *r, const struct decision *d, struct strbuf *sb)
{
    const struct res_policy *pol = &r->pol[d->policy];
    const struct res_estimate *x = &pol->est[d->est];
    struct eval_opts def;
    eval_opts_init(&def);
    int traj = strcmp(r->kind, "bandit") != 0, boot = strcmp(r->ci, "bootstrap") == 0;
    char alpha[32], gamma[32], n_boot[16], seed[24];
    ope_format_double(alpha, sizeof alpha, r->alpha / 2);
    ope_format_double(gamma, sizeof gamma, r->gamma);
    snprintf(n_boot, sizeof n_boot, "%d", r->n_boot);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
    char *a[16];
    int n = 0;
    a[n++] = (char *)"ope", a[n++] = (char *)"gate", a[n++] = (char *)"LOG";
    a[n++] = (char *)"--policy", a[n++] = pol->name;
    a[n++] = (char *)"--estimator", a[n++] = (char *)x->estimator;
    a[n++] = (char *)"--alpha", a[n++] = alpha;
    if (traj && r->gamma != 1.0)
        a[n++] = (char *)"--gamma", a[n++] = gamma;
    if (traj && r->model.kind[0] && strcmp(r->model.kind, "fqe") != 0)
        a[n++] = (char *)"--value-model", a[n++] = (char *)r->model.kind;
    if (!boot)
        a[n++] = (char *)"--ci", a[n++] = (char *)r->ci;
    if (boot && r->n_boot != def.n_boot)
        a[n++] = (char *)"--n-boot", a[n++] = n_boot;
    if (r->seed != def.seed)
        a[n++] = (char *)"--seed", a[n++] = seed;
    strbuf_shell_words(sb, n, a);
}
