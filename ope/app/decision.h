/* ope/app/decision.h: the decision an evaluation supports, worked out once for every
 * place that states it (the report's Summary, the workbench's Selection view): the
 * candidate most estimators rank first, its lift over the logged policy by the
 * deciding estimator (dr when evaluated, as `ope gate`'s default), how many
 * estimators' paired lift intervals lie above or below 0, and what a gate would say or
 * how much more data would settle it. */
#ifndef OPE_APP_DECISION_H
#define OPE_APP_DECISION_H

#include <stddef.h>
#include "estimators/result.h"

enum decision_verdict {
    DECISION_PASS,      /* the lift's lower bound is above 0: a gate would pass */
    DECISION_FAIL,      /* its upper bound is below 0: the logged policy is better */
    DECISION_OPEN,      /* the interval holds 0: `need` units would settle it */
    DECISION_ZERO,      /* the lift is exactly 0: no amount of data would */
    DECISION_NO_CI      /* no interval for the lift */
};

struct decision {
    long policy;            /* r->pol index, or -1: no decision (then nothing else) */
    long est;               /* the deciding estimate's index in the policy's est */
    size_t above, below;    /* estimators whose lift interval lies above / below 0 */
    size_t with_ci;         /* estimators with a finite lift interval */
    enum decision_verdict verdict;
    double need;            /* DECISION_OPEN: rows (episodes) in all, if the lift stays */
};

/* The policy with the highest finite estimate of estimator e (first on ties), or -1. */
long decision_best_of(const struct res_eval *r, size_t e);

/* How many of the E estimators rank each policy first, into votes[n_policies], and
 * how many rank any (returned). */
size_t decision_votes(const struct res_eval *r, size_t E, size_t *votes);

/* The decision r supports; d->policy = -1 when there is none (no policies, no
 * intervals, or no estimate with a lift). 0, or -1 when out of memory. */
int decision_of(const struct res_eval *r, struct decision *d);

/* Append to sb the `ope gate` command that would pass d's policy (d->verdict
 * DECISION_PASS), shell-quoted: its estimator at one-sided alpha / 2, with the
 * settings that made r where they are not eval_opts_init's defaults (--gamma, a
 * --value-model other than fqe, --ci, --n-boot, --seed), so the gate evaluates what r
 * did. The log is "LOG". */
struct strbuf;
void decision_gate_cmd(const struct res_eval *r, const struct decision *d, struct strbuf *sb);

#endif
