/* ope/app/evalset.h: the evaluation settings, and the one path from them to an
 * evaluation. The command line (evalcli.h) and the workbench's session (session.h)
 * both fill a struct eval_settings and evaluate through eval_settings_run, so a
 * setting one of them offers is a setting both can give. */
#ifndef OPE_EVALSET_H
#define OPE_EVALSET_H

#include <stddef.h>
#include <stdint.h>

#include "ope/base/error.h"
#include "ope/base/progress.h"
#include "estimators/evaluate.h"
#include "estimators/evaluate_traj.h"
#include "estimators/result.h"

struct blog;
struct tlog;

#define EVALSET_MAX_POLICIES 64

/* Plain values, so that a copy is a snapshot the worker thread can read while the
 * UI edits the original. The estimators are held in the struct (the workbench edits
 * them); the other strings are never edited in place and point at storage that
 * outlives every copy (argv, or static names such as vm_kind_name's). */
struct eval_settings {
    char estimators[1024];      /* comma list of estimator specs; "" = all of the log's kind */
    int ci;                     /* enum ci_method (ope select: -1 until it decides) */
    double alpha;               /* interval level 1 - alpha */
    int n_boot;                 /* bootstrap replicates */
    uint64_t seed;              /* bootstrap and reward-model folds */
    int threads;                /* 0 = all CPUs; never changes the results */
    double bound_lo, bound_hi;  /* contribution range of hoeffding/bernstein; NAN = observed */
    int reward_model;           /* enum rm_kind */
    int folds;                  /* cross-fitting folds of the reward model */
    int folds_given;            /* folds was asked for (--folds); otherwise a log with
                                   fewer rows than the default 3 is cross-fitted with
                                   one fold per row instead of being refused */
    double model_lambda;        /* L2 penalty of the reward model */
    unsigned long long model_bytes; /* the reward model's memory budget (rm_opts.max_bytes:
                                   ope sets loadcli_model_budget); 0 = none */
    double gamma;               /* trajectory logs: discount; NAN = the log's */
    const char *value_model;    /* trajectory logs: fqe, lstd, ...; NULL = fqe. Checked
                                   when a trajectory log is evaluated, as bandit logs
                                   ignore it */
    const char *truth_path;     /* trajectory logs: exact values (policy,value); NULL = none */
    int risk;                   /* trajectory logs: also the return distributions */
    int traj_all;               /* a trajectory log read in windows runs, without
                                   --estimators, the in-memory default list (dm, dr, wdr
                                   and mis too) and not only tis, pdis, wtis and wpdis: a
                                   shard whose models the shards fit together
                                   (--model-state) on a log with a state column */
    double risk_alpha;          /* their CVaR level */
    const char *policies[EVALSET_MAX_POLICIES];    /* evaluate only these; none = all */
    /* --policy NAME=FILE: the tabular policy file of policies[i], added to a trajectory
     * log once loaded (evalcli.h); NULL for a policy of the log's columns. */
    const char *policy_file[EVALSET_MAX_POLICIES];
    size_t n_policies;
    const char *against;        /* the lift's baseline policy; NULL = the logged one */
    /* --by COLUMN [--bins K]: also every policy per segment of a context column
     * (estimators/segments.h); "" = none. Bandit logs only. Held in the struct: the
     * workbench's Segments view edits it. */
    char by[128];
    int bins;
    size_t matrix_k;            /* the differences among each estimator's top K (3) */
};

/* The defaults of `ope eval`: every estimator, bootstrap, alpha 0.05, B 1000, seed
 * 12345, reward model auto with 3 folds and lambda 1, the log's gamma, fqe. */
void eval_settings_init(struct eval_settings *set);

/* Set the estimator list; OPE_EUSAGE when it does not fit in the settings. */
int eval_settings_set_estimators(struct eval_settings *set, const char *list,
                                 struct ope_error *err);

/* The engine's options of set (spec, progress: none; policies point into set, so set
 * must outlive eo) and, when to is not NULL, the trajectory options (gamma and value
 * model; truth: none). OPE_EUSAGE when to is asked for and the value model is unknown. */
int eval_settings_to_opts(const struct eval_settings *set, struct eval_opts *eo,
                          struct traj_opts *to, struct ope_error *err);

/* Check what the evaluation of a log of this kind (traj: 1 for a trajectory log) would
 * refuse, without evaluating: the estimators, the value model, the truth file. */
int eval_settings_check(const struct eval_settings *set, int traj, struct ope_error *err);

/* Whether set runs the default list on a trajectory log without a state column, which
 * eval_settings_run then cuts to what applies, with a warning that says what it left
 * out (a command that shows no log-level warnings says it itself). */
struct tlog;
int eval_settings_traj_stateless(const struct eval_settings *set, const struct tlog *log);

/* Evaluate a loaded log, bandit (blog) or trajectories (tlog; the other NULL), with
 * set: its kind's estimators, and for trajectory logs the discount, value model, the
 * truth file's exact values (truth and relative error; its behaviour value) and, with
 * risk, the return distributions. progress may be NULL. The SHA-256 of the input is
 * the caller's. NULL with err filled on failure (OPE_EINTERRUPTED when cancelled). */
struct res_eval *eval_settings_run(const struct eval_settings *set, const struct blog *blog,
                                   const struct tlog *tlog, struct ope_progress *progress,
                                   struct ope_error *err);

/* The same for a bandit log read in windows (estimators/evaluate_stream.h: ope eval
 * --stream) whose policies are names[0..n_names-1] (for --truth's check): every
 * setting but --by (refused, OPE_EUSAGE), and no estimator that fits a reward model
 * unless the log has qhat.* columns. */
struct eng_windows;
/* Evaluate a trajectory log read in windows (estimators/evaluate_traj_stream.h) with
 * set: its estimators (default: the ones a stream takes, tis,pdis,wtis,wpdis), the
 * discount and the truth file. Refused (OPE_EUSAGE): --by, --risk, and what
 * eval_traj_stream_refuse refuses. */
struct eng_traj_windows;
/* The estimators a trajectory log read in windows leaves out of the default list, and
 * the ones it runs (also the default on a log without a state column). */
#define EVALSET_TRAJ_LEFT "dm, dr, wdr and mis"
#define EVALSET_TRAJ_WEIGHTED "tis,pdis,wtis,wpdis"
/* Whether set's trajectory evaluation streams past the memory limit: its estimators
 * are named (the default list holds the model's) and stream. 1, or 0 with err. */
int eval_settings_traj_streams(const struct eval_settings *set, struct ope_error *err);
/* Whether set's streamed trajectory evaluation reads the log more than once
 * (eval_traj_stream_rereads): a pipe is then copied as it is first read. */
int eval_settings_traj_rereads(const struct eval_settings *set);
/* keep: when not NULL (initialised, the caller's to release), every episode's return
 * and the evaluated policies' weights are kept there too (`ope report`'s return
 * distributions, trajret.h), --risk or not. */
struct traj_returns;
struct res_eval *eval_settings_run_traj_stream(const struct eval_settings *set,
                                               const struct eng_traj_windows *win,
                                               struct ope_progress *progress,
                                               struct traj_returns *keep,
                                               struct ope_error *err);
/* A trajectory log's shard saved (estimators/evaluate_traj_stream.h,
 * eval_traj_stream_save: fit_rounds, fit and *part as there): its state, settings and
 * episodes. Refused as above, and --truth (it is the merge's). */
struct strbuf;
struct eval_traj_fit;
int eval_settings_save_traj_stream(const struct eval_settings *set,
                                   const struct eng_traj_windows *win,
                                   struct ope_progress *progress, int fit_rounds,
                                   const struct eval_traj_fit *fit, struct strbuf *state,
                                   struct strbuf *settings, size_t *episodes, int *part,
                                   struct ope_error *err);
/* The whole trajectory log from its shards' states (eval_traj_merge; fit: the models'
 * fit they were evaluated with, or NULL), with set's truth file applied
 * (names[0..n_names-1]: the log's policies). */
struct sf_state;
struct res_eval *eval_settings_run_traj_merge(const struct eval_settings *set,
                                              struct sf_state *const *states,
                                              const uint64_t *episodes, size_t n,
                                              const char *const *names, size_t n_names,
                                              const struct eval_traj_fit *fit,
                                              struct ope_progress *progress,
                                              struct ope_error *err);
/* The models' fit from the shards' parts of the models' pass (eval_traj_fit_merge),
 * its blocks into out. 0, or -1 with err. */
int eval_settings_traj_fit_merge(const struct eval_settings *set, struct sf_state *const *parts,
                                 const uint64_t *episodes, size_t n, struct strbuf *out,
                                 struct ope_error *err);
/* The fit with the whole log's sums from the shards' parts of the sums round
 * (eval_traj_sums_merge; fit: the models' fit they were evaluated with, or NULL), its
 * blocks into out. 0, or -1 with err. */
int eval_settings_traj_sums_merge(const struct eval_settings *set,
                                  struct sf_state *const *parts, const uint64_t *episodes,
                                  size_t n, const struct eval_traj_fit *fit,
                                  struct strbuf *out, struct ope_error *err);

struct res_eval *eval_settings_run_stream(const struct eval_settings *set,
                                          const struct eng_windows *win,
                                          const char *const *names, size_t n_names,
                                          struct ope_progress *progress, struct ope_error *err);

/* ope eval --save-state: the state of a shard of a log read in windows (win.row0 its
 * first row in the whole log) into state, and the settings its merge checks into
 * settings (estimators/evaluate_stream.h: eval_bandit_stream_save; with fit_rounds,
 * --model-state, the fit so far fit, the whole log's sums (--ci hoeffding, bernstein;
 * NULL: not found yet), and *part: 1 the state is the shard's part of the fit's next
 * pass, 2 the evaluation's with the fitted model, 0 one that needed none, 3 the part of
 * the sums round, 4 the contributions at the sums). --truth is refused (OPE_EUSAGE: it
 * is the merge's). 0, or -1 with err. */
struct strbuf;
struct eval_fit;
struct eval_sums;
int eval_settings_save_stream(const struct eval_settings *set, const struct eng_windows *win,
                              int fit_rounds, const struct eval_fit *fit,
                              const struct eval_sums *sums, struct ope_progress *progress,
                              struct strbuf *state, struct strbuf *settings, int *part,
                              struct ope_error *err);

/* ope merge: the evaluation of the whole log from its shards' states (in row order,
 * each cursor past its options; rows[k] the rows state k's header says; sums: the
 * whole log's sums their contributions were saved at, or NULL), with set rebuilt from
 * those options (and --truth applied as for a log). */
struct sf_state;
struct res_eval *eval_settings_run_merge(const struct eval_settings *set,
                                         const struct eng_windows *win,
                                         struct sf_state *const *states,
                                         const uint64_t *rows, size_t n,
                                         const struct eval_sums *sums,
                                         struct ope_progress *progress, struct ope_error *err);
/* The sums round of a bandit log's shards (eval_bandit_sums_merge): the parts merged,
 * the block appended to out. 0, or -1 with err. */
int eval_settings_bandit_sums_merge(const struct eval_settings *set,
                                    const struct eng_windows *win,
                                    struct sf_state *const *parts, const uint64_t *rows,
                                    size_t n, struct strbuf *out, struct ope_error *err);

#endif
