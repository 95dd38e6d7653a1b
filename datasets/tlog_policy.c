/* datasets/tlog_policy.c: an evaluation policy of a trajectory log given as a tabular
 * policy file (formats.md, `--policy NAME=FILE`) instead of pi.NAME.* columns: the
 * file's pi(a|s) is looked up by each step's state, giving the same per-step
 * probabilities the columns would hold. */
#include "config.h"
#include "datasets/tlog.h"
#include "datasets/blog.h"
#include "datasets/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where step i of t came from, for messages: "LOG:LINE" or "LOG: row I". */
static void where(const struct tlog *t, size_t i, char *buf, size_t size)
{
    const char *path = t->path ? t->path : "(log)";
    if (t->line)
        snprintf(buf, size, "%s:%zu", path, t->line[i]);
    else
        snprintf(buf, size, "%s: row %zu", path, i + 1);
}

static int check_fit(const struct tlog *t, const char *name, const struct policy *pi,
                     const char *file, struct ope_error *err)
{
    const char *path = t->path ? t->path : "(log)";
    if (!t->state)
        return ope_fail(err, OPE_EDATA, "--policy %s=%s: %s has no state column; a policy file "
                        "gives pi(a|s) by tabular state (give pi.%s.A columns instead)",
                        name, file, path, name);
    if (pi->n_actions != t->n_actions)
        return ope_fail(err, OPE_EDATA, "--policy %s=%s: the file has %d actions (p.0..p.%d) but "
                        "%s has %d; when the log does not show every action, give --n-actions %d",
                        name, file, pi->n_actions, pi->n_actions - 1, path, t->n_actions,
                        pi->n_actions);
    if (tlog_policy_index(t, name) >= 0)
        return ope_fail(err, OPE_EUSAGE, "--policy %s=%s: %s already has a policy '%s' "
                        "(pi.%s.* columns); give the file's policy another name",
                        name, file, path, name, name);
    for (size_t i = 0; i < t->n_steps; i++)
        if (t->state[i] >= pi->n_states) {
            char at[600];
            where(t, i, at, sizeof at);
            return ope_fail(err, OPE_EDATA, "%s: column 'state': state %d is not in the policy "
                            "file %s, which has states 0..%d (one row per state)", at,
                            t->state[i], file, pi->n_states - 1);
        }
    return 0;
}

int tlog_add_policy(struct tlog *t, const char *name, const struct policy *pi,
                    const char *file, struct ope_error *err)
{
    if (check_fit(t, name, pi, file, err) < 0)
        return -1;
    size_t A = (size_t)t->n_actions;
    struct tlog_policy *v = ope_realloc(t->policy, (t->n_policies + 1) * sizeof *v, err);
    if (!v)
        return -1;
    t->policy = v;
    struct tlog_policy np = { ope_strdup(name, err), NULL };
    if (!np.name || !(np.prob = blog_matrix_new(t->n_actions, t->n_steps, err))) {
        free(np.name);
        return -1;
    }
    for (size_t i = 0; i < t->n_steps; i++) {
        const double *row = pi->p + (size_t)t->state[i] * A;
        for (size_t a = 0; a < A; a++)
            np.prob[a][i] = row[a];
    }
    t->policy[t->n_policies++] = np;
    return 0;
}

int tlog_add_policy_file(struct tlog *t, const char *name, const char *file,
                         struct ope_error *err)
{
    struct policy *pi = policy_read(file, 0, 0, err);
    if (!pi)
        return -1;
    int rc = tlog_add_policy(t, name, pi, file, err);
    policy_free(pi);
    return rc;
}
