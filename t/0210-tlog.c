/* t/0210-tlog.c: the trajectory loader on hand-made logs (t/data/good/traj*.csv):
 * episodes, steps, states, done, features, policy columns, the mean return. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <string.h>

#include "datasets/csv.h"
#include "datasets/tlog.h"

/* The kind of a log file, as the commands sniff it: one reader, header handed back. */
static int sniff(const char *path, const struct load_opts *o, struct ope_error *err)
{
    struct csv_reader *csv = csv_open(path, o->sep, err);
    int res = csv ? log_csv_is_trajectory(csv, o, err) : -1;
    csv_close(csv);
    return res;
}

int main(void)
{
    struct load_opts o;
    struct ope_error err;
    plan_no_plan();
    load_opts_init(&o);
    ope_error_clear(&err);
    ok(sniff(tap_data_path("good/traj.csv"), &o, &err) == 1,
       "traj.csv is sniffed as trajectories");
    ok(sniff(tap_data_path("good/small.csv"), &o, &err) == 0,
       "small.csv is a bandit log");
    struct tlog *t = tlog_load(tap_data_path("good/traj.csv"), &o, &err);
    ok(t != NULL, "traj.csv loads (%s)", err.msg);
    if (t) {
        is_int((long long)t->n_steps, 5, "5 steps");
        is_int((long long)t->n_episodes, 2, "2 episodes");
        ok(t->ep_start[0] == 0 && t->ep_start[1] == 2 && t->ep_start[2] == 5,
           "episodes start at rows 0, 2 and the end is 5");
        is_int(t->horizon, 3, "horizon 3");
        is_int(t->n_states, 3, "S = max state 2 + 1");
        is_int(t->n_actions, 2, "A = 2");
        is_string(t->ep_id[1], "b", "second episode id is b");
        ok(t->done && t->done[1] == 1 && t->done[4] == 0, "done read");
        is_int(tlog_policy_index(t, "e"), 0, "policy e");
        is_double(t->policy[0].prob[1][2], 1.0, 0, "pi_e(1 | row 3) = 1");
        is_int((long long)t->line[4], 6, "last row on line 6");
        /* gamma = 1: a returns 0 + 1, b returns 2 + 0 + 1: mean (1 + 3) / 2 = 2 */
        is_double(tlog_mean_return(t, 1.0), 2.0, 1e-15, "mean return, gamma 1");
        /* gamma = 0.5: a: 0 + 0.5 = 0.5; b: 2 + 0 + 0.25 = 2.25; mean 1.375 */
        is_double(tlog_mean_return(t, 0.5), 1.375, 1e-15, "mean return, gamma 0.5");
    }
    tlog_free(t);
    t = tlog_load(tap_data_path("good/traj-features.csv"), &o, &err);
    ok(t != NULL, "traj-features.csv loads without a state column (%s)", err.msg);
    if (t) {
        is_int(t->n_states, 0, "no tabular state");
        ok(t->state == NULL, "state array absent");
        is_int((long long)t->n_features, 2, "two features s0, s1");
        is_double(t->feature[0][2], 1e-3, 0, "s0 on row 3");
        is_int(t->n_actions, 3, "A = 3");
        is_string(t->ep_id[0], "7", "episode ids kept as written");
        ok(t->done == NULL, "no done column");
    }
    tlog_free(t);
    t = tlog_load(tap_data_path("bad/traj-step-gap.csv"), &o, &err);
    ok(t == NULL && err.status == OPE_EDATA, "a step gap is a data error");
    like(err.msg, "traj-step-gap.csv:3:3: column 'step'", "named at line 3, column 3");
    tlog_free(NULL);
    {
        int len[2] = { 2, 3 };
        struct tlog *h = tlog_new(2, len, 2, 4, 1, &err);
        ok(h && h->n_steps == 5 && h->horizon == 3 && h->state && h->ep_start[2] == 5 &&
           h->policy[0].prob[1][4] == 0.0, "tlog_new lays out 2 episodes of 2 and 3 steps");
        tlog_free(h);
    }
    return done_testing();
}
