/* datasets/env.h: the registry of built-in tabular environments (environments.md).
 * Each environment is one file (datasets/env_*.c) exporting a descriptor: a name, a
 * description, its parameters (defaults and ranges) and a builder returning an MDP.
 * The CLI (`ope gen mdp --list`), the help text and the tests enumerate the table. */
#ifndef DATASETS_ENV_H
#define DATASETS_ENV_H

#include <stddef.h>
#include "ope/base/error.h"

struct mdp;

#define ENV_MAX_PARAMS 12

struct env_param {
    const char *name;       /* "n": set with --param n=8 */
    double def;             /* default */
    double lo, hi;          /* accepted range, inclusive */
    int integer;            /* the value must be a whole number */
    const char *help;       /* one line */
};

struct env_desc {
    const char *name;       /* "riverswim": the command-line name */
    const char *title;      /* "RiverSwim (Strehl & Littman 2008)" */
    const char *description;/* a few lines: dynamics, rewards, start */
    int default_horizon;    /* H when --horizon is not given */
    const struct env_param *params; /* terminated by a NULL name */
    /* Build the MDP from parameter values v[i] (in params order, already checked);
     * the caller then sets horizon and gamma and calls mdp_finalize. */
    struct mdp *(*build)(const double *v, struct ope_error *err);
    /* The interval [*lo, *hi] holding the return (the sum of an episode's rewards) of
     * every policy, for values v and horizon H, known from the environment's structure
     * alone: what a learner may assume a priori (`ope explore` scales its confidence
     * bonuses by it). Infinite when rewards are unbounded; NULL: nothing is known. */
    void (*return_range)(const double *v, int horizon, double *lo, double *hi);
    /* The size of the MDP build would make from v: S, A, and whether it also has the
     * r(s,a,s') table, so that env_build can refuse one past MDP_MAX_TABLE_BYTES
     * before allocating anything. */
    void (*shape)(const double *v, int *n_states, int *n_actions, int *with_rsas);
};

extern const struct env_desc env_riverswim, env_chain, env_gridworld, env_dirichlet;

/* All environments, NULL-terminated. */
extern const struct env_desc *const env_registry[];

/* The environment called name, or NULL. */
const struct env_desc *env_find(const char *name);

/* Fill err with "unknown environment 'NAME'", a suggestion when one is close, and
 * where the list is (OPE_EUSAGE); returns -1. */
int env_unknown(const char *name, struct ope_error *err);

/* Number of parameters of d. */
size_t env_n_params(const struct env_desc *d);

/* Fill v[] with the defaults. */
void env_defaults(const struct env_desc *d, double *v);

/* Apply one "key=value" setting to v[] (usage error naming the parameter, the value
 * and the range on failure). */
int env_set_param(const struct env_desc *d, double *v, const char *kv, struct ope_error *err);

/* Build and finalize the environment with values v, horizon H (<= 0: the default) and
 * discount gamma. An MDP whose dense tables would pass MDP_MAX_TABLE_BYTES is refused
 * first (OPE_EUSAGE, naming the environment, its parameters, the bytes and the limit);
 * a failure while building names the environment and its parameters too. */
struct mdp *env_build(const struct env_desc *d, const double *v, int horizon, double gamma,
                      struct ope_error *err);

/* Convenience for tests: build by name with "k=v" settings (n of them). */
struct mdp *env_build_named(const char *name, const char *const *kv, size_t n, int horizon,
                            double gamma, struct ope_error *err);

#endif
