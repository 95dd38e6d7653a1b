/* datasets/blog.h: a logged bandit feedback data set in memory, column-major
 * ("struct of arrays") so estimator loops stream through memory. Built by the
 * loader (blog_load), by the generator, or by hand in tests (blog_new). */
#ifndef DATASETS_BLOG_H
#define DATASETS_BLOG_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/loadopts.h"

/* A categorical (string) context column: integer codes 0..n_levels-1 per row. */
struct blog_catcol {
    char *name;
    int *code;          /* [n] */
    size_t n_levels;
    char **levels;      /* [n_levels] the strings, in order of first appearance */
};

/* An evaluation policy: prob[a][i] = pi_e(a | x_i, position_i) — looked up at the
 * row's own position when the columns carry @position. */
struct blog_policy {
    char *name;
    double **prob;      /* [n_actions][n] */
};

struct blog {
    char *path;             /* where it came from (for messages); may be NULL */
    size_t n;               /* rows */
    int n_actions;          /* A */
    int n_positions;        /* L: 1 when there is no position column */
    int *action;            /* [n] 0..A-1 */
    double *reward;         /* [n] */
    double *pscore;         /* [n] in (0, 1] */
    int *position;          /* [n] 0..L-1 (0-based after --position-base); NULL if none */
    size_t *line;           /* [n] source line of each row, or NULL */

    size_t n_num_ctx;       /* numeric context columns */
    char **num_ctx_name;    /* [n_num_ctx] */
    double **num_ctx;       /* [n_num_ctx][n] */
    size_t n_cat_ctx;       /* categorical context columns */
    struct blog_catcol *cat_ctx;

    size_t n_policies;
    struct blog_policy *policy;

    double **qhat;          /* [n_actions][n] user-supplied reward model, or NULL */
    double **q;             /* [n_actions][n] true expected reward, or NULL */

    char **columns;         /* [n_columns] header names as read, for `info` */
    size_t n_columns;
    char **column_role;     /* [n_columns] role description ("action", "policy bts", ...) */
};

/* Allocate an empty log of n rows, A actions, L positions (L > 1 allocates
 * position[]) and n_policies policies (their names NULL; prob arrays zeroed).
 * qhat and q are not allocated. */
struct blog *blog_new(size_t n, int n_actions, int n_positions, size_t n_policies,
                      struct ope_error *err);

/* Allocate an [A][n] matrix of zeros as used by prob, qhat and q. */
double **blog_matrix_new(int n_actions, size_t n, struct ope_error *err);
void blog_matrix_free(double **m, int n_actions);

/* Read a bandit CSV as formats.md defines, applying every validation rule.
 * Errors: OPE_ENOINPUT (cannot read), OPE_EDATA (bad data, with file:line:column),
 * OPE_EUSAGE (bad pattern or --map). */
struct blog *blog_load(const char *path, const struct load_opts *o, struct ope_error *err);

/* The same from an open reader (its header not yet read, or handed back with
 * csv_unget); csv_name(csv) names the input in messages. The reader stays open. */
struct csv_reader;
struct blog *blog_load_csv(struct csv_reader *csv, const struct load_opts *o,
                           struct ope_error *err);

/* Index of a policy by name, or -1. */
int blog_policy_index(const struct blog *b, const char *name);

/* Ground truth of policy p when q is known: mean over rows of sum_a pi(a|x_i) q(x_i,a)
 * (compensated sum). Returns NAN when q is NULL. */
double blog_policy_truth(const struct blog *b, size_t p);

/* On-policy value of the behaviour policy: the mean reward. */
double blog_mean_reward(const struct blog *b);

void blog_free(struct blog *b);

#endif
