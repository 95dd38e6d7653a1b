/* ope/app/select_gen.h: the generated datasets of `ope select --replicates R`: bandit
 * logs from `ope gen bandit` (truth from their q.* columns), or trajectory logs from a
 * built-in environment with the graded candidates of `ope gen mdp` (truth and J(pi_b)
 * exact, by dynamic programming). Replicate i uses seed S + i, so runs reproduce. */
#ifndef OPE_SELECT_GEN_H
#define OPE_SELECT_GEN_H

#include <stddef.h>
#include <stdint.h>
#include "datasets/candidates.h"
#include "datasets/gen_bandit.h"
#include "estimators/result.h"
#include "ope/app/evalcli.h"

#define SELECT_GEN_MAX_KV 32

struct mdp;
struct policy;
struct sampler;

struct select_gen {
    /* Options. env == NULL: bandit logs from go (go.seed is the first seed). */
    struct gen_bandit_opts go;
    const char *env;
    const char *kv[SELECT_GEN_MAX_KV];  /* KEY=VALUE environment parameters */
    size_t n_kv;
    const char *behavior;               /* policy spec (default eps:0.3) */
    size_t episodes, candidates;        /* defaults 200 and 20 */
    long horizon;                       /* 0: the environment's */
    /* Prepared by select_gen_prepare (trajectory logs). */
    struct mdp *m;
    struct policy *b, **cand;
    char (*names)[CAND_NAME_MAX];
    struct sampler *smp;
    double *truth;                      /* [candidates] exact values */
    double Jb;                          /* exact value of the behaviour policy */
};

/* Defaults: bandit logs of 2000 rows with seed 1; env NULL. */
void select_gen_init(struct select_gen *g);

/* Build the environment, behaviour and candidates, and their exact values (gamma is
 * the discount of the values and logs; NAN means 1). No-op for bandit logs. Usage
 * errors (unknown environment, bad parameter or behaviour) are OPE_EUSAGE. */
int select_gen_prepare(struct select_gen *g, double gamma, struct ope_error *err);

/* Generate replicate i (seed go.seed + i) and evaluate it with c's estimators and
 * options. The result carries each candidate's truth and, for trajectory logs, the
 * exact J(pi_b) as behavior_value. */
struct res_eval *select_gen_eval(struct select_gen *g, struct evalcli *c, size_t i,
                                 struct ope_error *err);

/* "generated ... logs: ope gen ... --seed S..S+R-1" for the output's header. */
void select_gen_describe(const struct select_gen *g, size_t R, char *buf, size_t n);

/* Free what prepare made (the options are the caller's). */
void select_gen_release(struct select_gen *g);

#endif
