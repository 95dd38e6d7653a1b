/* t/0140-ownership.c: the ownership vocabulary of the tree. Every X_free and every
 * handle's X_close accept NULL and do nothing (like free); every X_release frees the
 * insides of a caller's struct and leaves it empty, so releasing it again, or
 * releasing a zeroed struct, does nothing. A call that crashes ends the test early,
 * which the TAP harness reports as a failure. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/blog.h"
#include "datasets/csv.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"
#include "datasets/truth.h"
#include "estimators/cdf.h"
#include "estimators/ops.h"
#include "estimators/result.h"
#include "ope/learn/explore/ucbvi.h"
#include "ope/learn/pg/copg.h"
#include "ope/learn/pg/props.h"
#include "ope/learn/train/kdtree.h"
#include "ope/learn/train/train.h"
#include "viz/gp.h"
#include "viz/grid.h"
#include "ope/app/jsonread.h"

static void free_null(void)
{
    blog_free(NULL);
    blog_matrix_free(NULL, 3);
    tlog_free(NULL);
    policy_free(NULL);
    mdp_free(NULL);
    sampler_free(NULL);
    csv_close(NULL);
    res_eval_free(NULL);
    kdtree_free(NULL);
    train_model_free(NULL);
    xpl_model_free(NULL);
    copg_bandit_free(NULL);
    copg_data_free(NULL);
    copg_result_free(NULL);
    props_result_free(NULL);
    props_se_curve_free(NULL);
    grid_free(NULL);
    jr_free(NULL);
    gp_close(NULL);
    ok(1, "every X_free and X_close accepts NULL");
}

/* The truth file of formats.md: policy,value with a behavior row. The function that
 * frees its insides used to be named like a heap object's and crashed on NULL. */
static void truth_twice(void)
{
    truth_release(NULL);
    struct truth z;
    memset(&z, 0, sizeof z);
    truth_release(&z);
    ok(z.n == 0 && z.name == NULL && isnan(z.behavior), "releasing a zeroed truth leaves it empty");

    char path[] = "/tmp/ope-t0140-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        skip(3, "no temporary file");
        return;
    }
    fputs("policy,value\na,0.5\nbehavior,0.25\nb,0.75\n", f);
    fclose(f);
    struct truth t;
    struct ope_error err = { 0 };
    int rc = truth_load(path, &t, &err);
    unlink(path);
    /* Two candidates a and b (behavior is kept apart), values as written. */
    ok(rc == 0 && t.n == 2 && t.behavior == 0.25 && truth_of(&t, "b") == 0.75,
       "the truth file loads (%s)", err.msg);
    truth_release(&t);
    ok(t.n == 0 && t.name == NULL && t.value == NULL, "release empties the struct");
    truth_release(&t);
    ok(1, "a second release does nothing");
}

/* The estimators' caller-owned results: freed insides, zeroed pointers. */
static void results_twice(void)
{
    struct ops_result r;
    memset(&r, 0, sizeof r);
    r.ranking = malloc(3 * sizeof *r.ranking);
    ops_result_release(&r);
    ok(r.ranking == NULL && r.topk == NULL, "ops result released");
    ops_result_release(&r);
    struct ops_summary s;
    memset(&s, 0, sizeof s);
    ops_summary_release(&s);
    ok(s.topk == NULL, "a zeroed ops summary releases");
    struct cdf_result c;
    memset(&c, 0, sizeof c);
    c.y = malloc(4 * sizeof *c.y);
    c.n = 4;
    cdf_result_release(&c);
    ok(c.y == NULL && c.F == NULL && c.n == 0, "cdf result released and empty");
    cdf_result_release(&c);
}

int main(void)
{
    plan_no_plan();
    free_null();
    truth_twice();
    results_twice();
    return done_testing();
}
