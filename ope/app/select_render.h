/* ope/app/select_render.h: the output of `ope select`: one dataset (formats.md's JSON,
 * the table, the per-k CSV) or several (LOG LOG ... or --replicates R: each metric
 * averaged over the datasets with its spread, the paper's benchmark). */
#ifndef OPE_SELECT_RENDER_H
#define OPE_SELECT_RENDER_H

#include <stddef.h>
#include "estimators/ops.h"
#include "estimators/result.h"
#include "ope/base/strbuf.h"
#include "ope/app/output.h"

/* One dataset: its evaluation, the truth and each estimator's metrics. */
struct selection {
    const struct res_eval *r;
    const double *truth;        /* [M] or NULL */
    double J;
    double tau;
    size_t n_est;
    struct ops_result *ops;     /* [n_est] */
    int matrix;                 /* --matrix: the table shows the differences among each
                                   estimator's top candidates (r->diffs), and CSV is
                                   their CSV twin; JSON always carries them */
};

/* The selection table, the per-k tables and the estimates, then the notes. */
void select_table(const struct selection *s, struct strbuf *sb);

/* JSON exactly as formats.md (`ope select --format json`); +inf Sharpe is null with
 * its note. */
void select_json(const struct selection *s, struct strbuf *sb);

/* The per-k curves, one row per (estimator, k), for `ope plot sharpe`. */
void select_csv(const struct selection *s, struct strbuf *sb);

/* The safe ranking of estimator e: the policies by the lower bound of their interval,
 * descending (ops_rank_by), into ranking[n_policies]. Returns 0 when there is none:
 * no intervals (--ci none), no candidate with a lower bound for this estimator, or no
 * memory; else 1. */
int select_safe_ranking(const struct res_eval *r, size_t e, size_t *ranking);

/* P(policy p is among the k best by estimator e) over the bootstrap replicates; k = 1
 * is P(best). NAN without replicates (--ci other than bootstrap). */
double select_p_top(const struct res_eval *r, size_t p, size_t e, size_t k);

/* One or two sentences on estimator e's choice: which policy the point ranking
 * (point_first) and the safe ranking (safe[0]) choose and, when they differ, why (the
 * width of the intervals, and P(best) with replicates). For the table and the report. */
void select_safe_explain(const struct res_eval *r, size_t e, size_t point_first,
                         const size_t *safe, struct strbuf *sb);

/* Several datasets. */
struct select_rep {
    size_t R, M, n_est;
    const char *source;             /* "3 logs" or "5 generated bandit logs ..." */
    char *const *policy;            /* [M] candidate names */
    char *const *label;             /* [n_est] estimator labels */
    struct ops_stat J;              /* J(pi_b) over the datasets */
    double relative_safety;         /* tau = relative_safety * J of each dataset */
    int has_truth;
    const struct ops_summary *sum;  /* [n_est] */
    const size_t *chosen;           /* [n_est * M]: datasets where candidate p ranked first */
    const char *lesson;             /* `ope select --demo`'s explanation, or NULL */
};

/* The summary table: mean (sd) of every metric per estimator, the top-k curves. */
void select_rep_table(const struct select_rep *s, struct strbuf *sb);

/* JSON: the shape of formats.md's `ope select` output with each metric an object
 * {"mean", "sd", "n"} and "replicates": R at the top. */
void select_rep_json(const struct select_rep *s, struct strbuf *sb);

/* The per-k CSV of the single-dataset output (means), plus a *_sd column per metric. */
void select_rep_csv(const struct select_rep *s, struct strbuf *sb);

/* The writer of format f, for one dataset and for several (the commands' entry points). */
void select_render(const struct selection *s, enum out_format f, struct strbuf *sb);
void select_rep_render(const struct select_rep *s, enum out_format f, struct strbuf *sb);

#endif
