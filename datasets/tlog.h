/* datasets/tlog.h: logged trajectories in memory, one entry per step, column-major,
 * episodes contiguous. Built by the loader (tlog_load), the MDP sampler, or by hand. */
#ifndef DATASETS_TLOG_H
#define DATASETS_TLOG_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/loadopts.h"

struct tlog_policy {
    char *name;
    double **prob;          /* [n_actions][n_steps] pi_e(a | state of this step) */
};

struct tlog {
    char *path;
    size_t n_steps;         /* rows */
    size_t n_episodes;
    size_t *ep_start;       /* [n_episodes + 1] first row of each episode; last = n_steps */
    char **ep_id;           /* [n_episodes] episode ids as written (NULL when generated) */
    int horizon;            /* longest episode length (T) */
    int n_actions;          /* A */
    int n_states;           /* S (0 when there is no tabular state column) */
    int *state;             /* [n_steps] tabular state or NULL */
    int *action;            /* [n_steps] */
    double *reward;         /* [n_steps] */
    double *pscore;         /* [n_steps] */
    unsigned char *done;    /* [n_steps] or NULL */
    size_t *line;           /* [n_steps] source lines, or NULL */
    size_t n_features;      /* continuous state features s0.. */
    char **feature_name;
    double **feature;       /* [n_features][n_steps] */
    size_t n_policies;
    struct tlog_policy *policy;
    double gamma;           /* discount used for on-policy values (default 1) */
};

/* Allocate a log of n_episodes episodes of the given lengths (ep_len[e]); state is
 * allocated when n_states > 0. */
struct tlog *tlog_new(size_t n_episodes, const int *ep_len, int n_actions, int n_states,
                      size_t n_policies, struct ope_error *err);

/* Read a trajectory CSV (formats.md): episodes contiguous, steps 0,1,2.. without
 * gaps, every rule checked with file:line:column messages. */
struct tlog *tlog_load(const char *path, const struct load_opts *o, struct ope_error *err);

/* The same from an open reader (its header not yet read, or handed back with
 * csv_unget); csv_name(csv) names the input in messages. The reader stays open. */
struct csv_reader;
struct tlog *tlog_load_csv(struct csv_reader *csv, const struct load_opts *o,
                           struct ope_error *err);

/* Does this header (already split) look like a trajectory log (has episode and step
 * columns after --map)? */
int log_header_is_trajectory(const char *const *names, size_t n, const struct load_opts *o);

/* The same on a header as the CSV reader gives it: 1 trajectory, 0 bandit, -1 (out
 * of memory, with err). */
struct csv_field;
int log_fields_are_trajectory(const struct csv_field *f, size_t n, const struct load_opts *o,
                              struct ope_error *err);

/* Sniff the header of an open reader: 1 trajectory, 0 bandit, -1 error. The reader
 * gets its header back (csv_unget), so a pipe or FIFO is read once: sniff, then
 * blog_load_csv or tlog_load_csv. */
int log_csv_is_trajectory(struct csv_reader *csv, const struct load_opts *o,
                          struct ope_error *err);

int tlog_policy_index(const struct tlog *t, const char *name);

/* Add the evaluation policy NAME whose pi(a|s) is the tabular policy pi (read from
 * FILE, named in messages), looked up by each step's state: what pi.NAME.* columns
 * holding pi's rows would give. Refuses (OPE_EDATA) a log without a state column, a
 * policy with another number of actions than the log, and a step whose state the
 * policy has no row for (naming the log's line and the state); a name the log
 * already has is a usage error. */
struct policy;
int tlog_add_policy(struct tlog *t, const char *name, const struct policy *pi,
                    const char *file, struct ope_error *err);

/* policy_read FILE (formats.md, "Tabular policy file"; its errors name file:line:column)
 * and tlog_add_policy it as NAME. */
int tlog_add_policy_file(struct tlog *t, const char *name, const char *file,
                         struct ope_error *err);

/* On-policy value: mean over episodes of sum_t gamma^t r_t. */
double tlog_mean_return(const struct tlog *t, double gamma);

void tlog_free(struct tlog *t);

#endif
