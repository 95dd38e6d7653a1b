/* datasets/blog.c: the bandit log in memory: allocation, release and the small
 * summaries every command needs (policy lookup, ground truth, mean reward). The CSV
 * loader is in blog_load.c. */
#include "config.h"
#include "datasets/blog.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/sum.h"

double **blog_matrix_new(int n_actions, size_t n, struct ope_error *err)
{
    if (n_actions <= 0) {
        ope_fail(err, OPE_ESOFTWARE, "blog_matrix_new: %d actions", n_actions);
        return NULL;
    }
    double **m = ope_calloc((size_t)n_actions, sizeof *m, err);
    if (!m)
        return NULL;
    /* Zeroed by hand, not calloc'd: every row is written (a probability, a
     * prediction), and ope_malloc gives a large column whole huge pages (bigmem.h),
     * which calloc's mapping at any address does not. */
    for (int a = 0; a < n_actions; a++) {
        m[a] = n <= SIZE_MAX / sizeof **m ? ope_malloc(n * sizeof **m, err) : NULL;
        if (m[a])
            memset(m[a], 0, n * sizeof **m);
        else
            ope_fail_oom(err);
        if (!m[a]) {
            blog_matrix_free(m, n_actions);
            return NULL;
        }
    }
    return m;
}

void blog_matrix_free(double **m, int n_actions)
{
    if (!m)
        return;
    for (int a = 0; a < n_actions; a++)
        free(m[a]);
    free(m);
}

struct blog *blog_new(size_t n, int n_actions, int n_positions, size_t n_policies,
                      struct ope_error *err)
{
    if (n_actions <= 0 || n_positions <= 0) {
        ope_fail(err, OPE_ESOFTWARE, "blog_new: %d actions, %d positions",
                 n_actions, n_positions);
        return NULL;
    }
    struct blog *b = ope_calloc(1, sizeof *b, err);
    if (!b)
        return NULL;
    b->n = n;
    b->n_actions = n_actions;
    b->n_positions = n_positions;
    b->action = ope_calloc(n, sizeof *b->action, err);
    b->reward = ope_calloc(n, sizeof *b->reward, err);
    b->pscore = ope_calloc(n, sizeof *b->pscore, err);
    if (!b->action || !b->reward || !b->pscore)
        goto fail;
    if (n_positions > 1 && !(b->position = ope_calloc(n, sizeof *b->position, err)))
        goto fail;
    if (n_policies > 0) {
        b->policy = ope_calloc(n_policies, sizeof *b->policy, err);
        if (!b->policy)
            goto fail;
        b->n_policies = n_policies;
        for (size_t p = 0; p < n_policies; p++)
            if (!(b->policy[p].prob = blog_matrix_new(n_actions, n, err)))
                goto fail;
    }
    return b;
fail:
    blog_free(b);
    return NULL;
}

int blog_policy_index(const struct blog *b, const char *name)
{
    for (size_t p = 0; b && name && p < b->n_policies; p++)
        if (b->policy[p].name && strcmp(b->policy[p].name, name) == 0)
            return (int)p;
    return -1;
}

double blog_policy_truth(const struct blog *b, size_t p)
{
    if (!b || !b->q || p >= b->n_policies || b->n == 0)
        return NAN;
    double **prob = b->policy[p].prob;
    struct ope_sum k;
    ope_sum_init(&k);
    for (size_t i = 0; i < b->n; i++)
        for (int a = 0; a < b->n_actions; a++)
            ope_sum_add(&k, prob[a][i] * b->q[a][i]);
    return ope_sum_value(&k) / (double)b->n;
}

double blog_mean_reward(const struct blog *b)
{
    if (!b || b->n == 0)
        return NAN;
    return ope_sum_array(b->reward, b->n) / (double)b->n;
}

static void free_strings(char **s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

void blog_free(struct blog *b)
{
    if (!b)
        return;
    free(b->path);
    free(b->action);
    free(b->reward);
    free(b->pscore);
    free(b->position);
    free(b->line);
    free_strings(b->num_ctx_name, b->n_num_ctx);
    if (b->num_ctx)
        for (size_t j = 0; j < b->n_num_ctx; j++)
            free(b->num_ctx[j]);
    free(b->num_ctx);
    for (size_t j = 0; b->cat_ctx && j < b->n_cat_ctx; j++) {
        free(b->cat_ctx[j].name);
        free(b->cat_ctx[j].code);
        free_strings(b->cat_ctx[j].levels, b->cat_ctx[j].n_levels);
    }
    free(b->cat_ctx);
    for (size_t p = 0; b->policy && p < b->n_policies; p++) {
        free(b->policy[p].name);
        blog_matrix_free(b->policy[p].prob, b->n_actions);
    }
    free(b->policy);
    blog_matrix_free(b->qhat, b->n_actions);
    blog_matrix_free(b->q, b->n_actions);
    free_strings(b->columns, b->n_columns);
    free_strings(b->column_role, b->n_columns);
    free(b);
}
