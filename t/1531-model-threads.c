/* t/1531-model-threads.c: the reward model's held-out error is formed on threads (one
 * term per row, then their compensated sum in row order), so it must be exactly the
 * serial definition, on any number of threads. The log has more rows than one task
 * takes (65536), so the terms are split among tasks, and three threads split them
 * unevenly. Definition (written out here, independently of rmodel.c): the mean over
 * rows of the log-loss -(r log p + (1 - r) log1p(-p)) of the prediction p = q̂(x_i,
 * a_i) clipped to [1e-15, 1 - 1e-15] (logistic), or of (r - p)^2 (ridge). */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <string.h>

#include "datasets/gen_bandit.h"
#include "estimators/rmodel.h"
#include "ope/base/sum.h"

static double defined_error(const struct blog *lg, double **q, int logistic)
{
    struct ope_sum s;
    ope_sum_init(&s);
    for (size_t i = 0; i < lg->n; i++) {
        double r = lg->reward[i], p = q[lg->action[i]][i];
        if (logistic) {
            p = fmin(fmax(p, 1e-15), 1.0 - 1e-15);
            ope_sum_add(&s, -(r * log(p) + (1.0 - r) * log1p(-p)));
        } else {
            ope_sum_add(&s, (r - p) * (r - p));
        }
    }
    return ope_sum_value(&s) / (double)lg->n;
}

static void one_kind(int binary)
{
    struct gen_bandit_opts go;
    gen_bandit_opts_init(&go);
    go.rows = 140001;       /* three tasks: 65536 + 65536 + 8929 rows */
    go.actions = 3;
    go.dim = 2;
    go.binary = binary;
    go.policies = "softmax:1";
    go.seed = 31;
    struct ope_error err = { 0 };
    struct blog *log = gen_bandit(&go, &err);
    if (!log)
        bail_out("%s", err.msg);
    const char *kind = binary ? "logistic" : "ridge";
    double e[3];
    double **q[3];
    int same_q = 1;
    for (int t = 0; t < 3; t++) {
        struct rm_opts o;
        rm_opts_init(&o);
        o.threads = t + 1;
        struct res_model rep;
        q[t] = rm_crossfit(log, &o, &rep, &err);
        if (!q[t])
            bail_out("%s", err.msg);
        e[t] = rep.heldout_error;
        ok(strcmp(rep.kind, kind) == 0, "%s: the model is %s", kind, rep.kind);
        for (int a = 0; t && a < log->n_actions; a++)
            same_q &= memcmp(q[t][a], q[0][a], log->n * sizeof **q[0]) == 0;
    }
    double want = defined_error(log, q[0], binary);
    ok(memcmp(&e[0], &want, sizeof want) == 0, "%s: held-out error on 1 thread is the "
       "definition bit for bit (%.17g, want %.17g)", kind, e[0], want);
    ok(memcmp(&e[1], &want, sizeof want) == 0 && memcmp(&e[2], &want, sizeof want) == 0,
       "%s: the same bits on 2 and 3 threads (%.17g, %.17g)", kind, e[1], e[2]);
    ok(same_q, "%s: the same predictions on 1, 2 and 3 threads", kind);
    for (int t = 0; t < 3; t++)
        blog_matrix_free(q[t], log->n_actions);
    blog_free(log);
}

int main(void)
{
    plan_no_plan();
    one_kind(1);
    one_kind(0);
    return done_testing();
}
