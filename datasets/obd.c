/* datasets/obd.c: the BTS policy of the Open Bandit Dataset from its logs (obd.h). */
#include "config.h"
#include "datasets/obd.h"

#include <stdlib.h>
#include <string.h>

int obd_attach_bts(struct blog *r, const struct blog *bts, struct ope_error *err)
{
    int A = r->n_actions;
    int L = r->n_positions > 0 ? r->n_positions : 1;
    if (bts->n_actions > A)
        return ope_fail(err, OPE_EDATA, "the BTS log has %d items, the random log %d: not the "
                        "same campaign?", bts->n_actions, A);
    double *count = ope_calloc((size_t)A * (size_t)L, sizeof *count, err);
    double *total = ope_calloc((size_t)L, sizeof *total, err);
    struct blog_policy *grown = NULL;
    if (!count || !total)
        goto fail;
    for (size_t i = 0; i < bts->n; i++) {
        int pos = bts->position ? bts->position[i] : 0;
        if (pos >= L)
            continue;
        count[(size_t)pos * (size_t)A + (size_t)bts->action[i]] += 1;
        total[pos] += 1;
    }
    for (int pos = 0; pos < L; pos++)
        if (total[pos] == 0) {
            ope_fail(err, OPE_EDATA, "the BTS log has no row at position %d", pos);
            goto fail;
        }
    grown = realloc(r->policy, (r->n_policies + 1) * sizeof *grown);
    if (!grown) {
        ope_fail_oom(err);
        goto fail;
    }
    r->policy = grown;
    struct blog_policy *p = &r->policy[r->n_policies];
    p->name = ope_strdup("bts", err);
    p->prob = blog_matrix_new(A, r->n, err);
    if (!p->name || !p->prob) {
        free(p->name);
        blog_matrix_free(p->prob, A);
        goto fail;
    }
    r->n_policies++;
    for (size_t i = 0; i < r->n; i++) {
        int pos = r->position ? r->position[i] : 0;
        for (int a = 0; a < A; a++)
            p->prob[a][i] = count[(size_t)pos * (size_t)A + (size_t)a] / total[pos];
    }
    free(count);
    free(total);
    return 0;
fail:
    free(count);
    free(total);
    return -1;
}

int obd_load_campaign(const char *random_path, const char *bts_path, struct blog **random_log,
                      struct blog **bts_log, struct ope_error *err)
{
    struct load_opts lo;
    load_opts_init(&lo);
    lo.role_column[ROLE_ACTION] = "item_id";
    lo.role_column[ROLE_REWARD] = "click";
    lo.role_column[ROLE_PSCORE] = "propensity_score";
    lo.context_pattern = "^user_feature_\\d+$";
    *random_log = blog_load(random_path, &lo, err);
    if (!*random_log)
        return -1;
    lo.n_actions = (*random_log)->n_actions;
    *bts_log = blog_load(bts_path, &lo, err);
    if (!*bts_log) {
        blog_free(*random_log);
        *random_log = NULL;
        return -1;
    }
    return 0;
}
