/* t/0200-blog.c: the bandit log loader on hand-made logs in t/data/good: column
 * roles, --map, categorical codes, position detection, n_actions inference, policy
 * probabilities at positions, ground truth; and blog_new/blog_policy_truth by hand. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <string.h>

#include "datasets/blog.h"

static struct blog *load(const char *name, struct load_opts *o, struct ope_error *err)
{
    ope_error_clear(err);
    return blog_load(tap_data_path(name), o, err);
}

static void test_small(void)
{
    struct load_opts o;
    struct ope_error err;
    load_opts_init(&o);
    struct blog *b = load("good/small.csv", &o, &err);
    ok(b != NULL, "small.csv loads (%s)", err.msg);
    if (!b) {
        skip(24, "no log");
        return;
    }
    is_int((long long)b->n, 4, "4 rows");
    is_int(b->n_actions, 3, "A = 3: max action 2 and columns pi.e.0..2, q.0..2");
    is_int(b->n_positions, 1, "no position column: one position");
    ok(b->position == NULL, "no position array");
    is_int(b->action[1], 2, "second row's action");
    is_double(b->pscore[2], 0.25, 0, "third row's pscore");
    is_int((long long)b->line[3], 5, "fourth row is on line 5");
    is_int((long long)b->n_num_ctx, 1, "one numeric context column (x0)");
    is_double(b->num_ctx[0][2], 0.3, 1e-15, "x0 on row 3 reads 3e-1");
    is_int((long long)b->n_cat_ctx, 2, "two categorical context columns (x1, x2)");
    is_string(b->cat_ctx[0].name, "x1", "first categorical column is x1");
    is_int((long long)b->cat_ctx[0].n_levels, 3, "x1 has 3 levels red, blue, green");
    /* codes in order of first appearance: red 0, blue 1, red 0, green 2 */
    ok(b->cat_ctx[0].code[0] == 0 && b->cat_ctx[0].code[1] == 1 &&
       b->cat_ctx[0].code[2] == 0 && b->cat_ctx[0].code[3] == 2, "x1 codes 0 1 0 2");
    is_string(b->cat_ctx[0].levels[2], "green", "x1's third level is green");
    /* x2 = 1, 1.0, abc, 1: numbers are one level by value, so levels "1", "abc" */
    is_int((long long)b->cat_ctx[1].n_levels, 2, "x2 has 2 levels (1 and 1.0 are one)");
    ok(b->cat_ctx[1].code[1] == 0 && b->cat_ctx[1].code[2] == 1 && b->cat_ctx[1].code[3] == 0,
       "x2 codes 0 0 1 0");
    is_int((long long)b->n_policies, 1, "one policy");
    is_int(blog_policy_index(b, "e"), 0, "policy e found by name");
    is_int(blog_policy_index(b, "f"), -1, "policy f is not there");
    is_double(b->policy[0].prob[2][2], 0.5, 0, "pi_e(2 | row 3) = 0.5");
    ok(b->q != NULL && b->qhat == NULL, "q columns read, no qhat");
    /* truth by hand: rows give 1*0.9, .5*.3+.5*.4 = .35, .2*.7+.3*.6+.5*.1 = .37, 1*.5;
     * mean = 2.12 / 4 = 0.53 */
    is_double(blog_policy_truth(b, 0), 0.53, 1e-12, "ground truth of e = 0.53");
    /* mean reward (1 + 0 + 1 + 0.5) / 4 */
    is_double(blog_mean_reward(b), 0.625, 1e-15, "mean reward 0.625");
    is_int((long long)b->n_columns, 14, "14 columns recorded for info");
    ok(b->n_columns == 14 && strcmp(b->column_role[0], "ignored (unnamed)") == 0 &&
       strcmp(b->column_role[13], "ignored") == 0 &&
       strcmp(b->column_role[7], "policy e, action 0") == 0, "column roles described");
    blog_free(b);
}

static void test_positions(void)
{
    struct load_opts o;
    struct ope_error err;
    load_opts_init(&o);
    struct blog *b = load("good/positions.csv", &o, &err);
    ok(b != NULL, "positions.csv loads (%s)", err.msg);
    if (!b) {
        skip(9, "no log");
        return;
    }
    is_int(b->n_positions, 2, "positions 1, 2 detected as 1-based: L = 2");
    ok(b->position && b->position[0] == 0 && b->position[1] == 1 && b->position[2] == 0,
       "positions stored 0-based: 0 1 0");
    /* row 2 is at position 2: pi.e.0@2 = 0.6, pi.e.1@2 = 0.4 */
    is_double(b->policy[0].prob[0][1], 0.6, 0, "row 2 takes the @2 columns (0.6)");
    is_double(b->policy[0].prob[0][0], 0.2, 0, "row 1 takes the @1 columns (0.2)");
    is_double(b->policy[0].prob[1][2], 0.0, 0, "row 3 @1: pi(1) = 0");
    ok(b->qhat != NULL, "qhat read");
    is_double(b->qhat[1][1], 0.4, 0, "qhat.1 on row 2");
    ok(isnan(blog_policy_truth(b, 0)), "no q columns: truth is NaN");
    blog_free(b);
    o.position_base = 0;
    b = load("good/positions.csv", &o, &err);
    ok(b && b->n_positions == 3 && b->position[1] == 2 && b->policy[0].prob[0][1] == 0.6,
       "--position-base 0: L = 3, @2 columns still serve position 2");
    blog_free(b);
}

static void test_mapped(void)
{
    struct load_opts o;
    struct ope_error err;
    load_opts_init(&o);
    o.sep = ';';
    ok(load_opts_map(&o, "action=item", &err) == 0 && load_opts_map(&o, "reward=click", &err) == 0
       && load_opts_map(&o, "pscore=prop", &err) == 0 && load_opts_map(&o, "position=slot", &err) == 0,
       "--map options accepted");
    struct blog *b = load("good/mapped.csv", &o, &err);
    ok(b != NULL, "mapped.csv loads with --sep ';' and --map (%s)", err.msg);
    if (b) {
        is_int(b->n_actions, 4, "A = max action 3 + 1");
        is_int(b->n_positions, 2, "slot 0 present: 0-based, L = 2");
        is_string(b->columns[4], "quoted; name", "quoted header cell read whole");
    } else {
        skip(3, "no log");
    }
    blog_free(b);
    o.n_actions = 3;
    b = load("good/mapped.csv", &o, &err);
    ok(b == NULL && err.status == OPE_EDATA, "--n-actions 3 with action 3: data error");
    like(err.msg, "mapped.csv:2:1: column 'item'", "the message names line, column and name");
    o.n_actions = 10;
    b = load("good/mapped.csv", &o, &err);
    ok(b && b->n_actions == 10, "--n-actions 10 is kept");
    blog_free(b);
    load_opts_init(&o);
    o.want_policies = 1;
    b = load("good/bom-crlf.csv", &o, &err);
    ok(b == NULL && err.status == OPE_EDATA, "want_policies without pi columns: data error");
    o.want_policies = 0;
    b = load("good/bom-crlf.csv", &o, &err);
    ok(b && b->n == 2 && b->reward[0] == 1.0, "BOM + CRLF log loads: 2 rows");
    blog_free(b);
}

static void test_by_hand(void)
{
    struct ope_error err;
    ope_error_clear(&err);
    struct blog *b = blog_new(2, 2, 1, 1, &err);
    ok(b != NULL, "blog_new");
    if (!b)
        return;
    b->q = blog_matrix_new(2, 2, &err);
    /* pi = (1, 0) on row 1, (0.5, 0.5) on row 2; q = (2, 4) and (6, 8):
     * truth = (2 + (3 + 4)) / 2 = 4.5 */
    b->policy[0].prob[0][0] = 1, b->policy[0].prob[0][1] = 0.5, b->policy[0].prob[1][1] = 0.5;
    b->q[0][0] = 2, b->q[1][0] = 4, b->q[0][1] = 6, b->q[1][1] = 8;
    is_double(blog_policy_truth(b, 0), 4.5, 1e-15, "truth by hand 4.5");
    ok(isnan(blog_policy_truth(b, 1)), "truth of a missing policy is NaN");
    blog_free(b);
    blog_free(NULL);
    ok(blog_new(1, 0, 1, 0, &err) == NULL, "blog_new refuses 0 actions");
}

int main(void)
{
    plan_no_plan();
    test_small();
    test_positions();
    test_mapped();
    test_by_hand();
    return done_testing();
}
