/* ope/app/evalcli.h: the evaluation options shared by every command that evaluates
 * (`ope eval`, `ope plot estimates`, `ope report`, `ope select`, `ope tui`): estimators,
 * intervals, reward and value models, discount, truth, threads, with their help text (whose @...-estimators@ markers
 * `ope help` fills from the registry and re-wraps when it prints it: ope/cmd_help.c). */
#ifndef OPE_EVALCLI_H
#define OPE_EVALCLI_H

#include <getopt.h>
#include "datasets/loadopts.h"

#include "ope/app/evalset.h"

struct blog;
struct tlog;
struct traj_returns;

#define EVALCLI_MAX_POLICIES EVALSET_MAX_POLICIES
#define EVALCLI_NAME_MAX 128            /* longest NAME of --policy NAME=FILE, with NUL */

enum {
    EVALCLI_POLICY = 0x4500, EVALCLI_ESTIMATORS, EVALCLI_CI, EVALCLI_ALPHA, EVALCLI_N_BOOT,
    EVALCLI_SEED, EVALCLI_REWARD_MODEL, EVALCLI_FOLDS, EVALCLI_LAMBDA, EVALCLI_THREADS,
    EVALCLI_BOUNDS, EVALCLI_GAMMA, EVALCLI_VALUE_MODEL, EVALCLI_TRUTH, EVALCLI_RISK,
    EVALCLI_BY, EVALCLI_BINS
};

#define EVALCLI_OPTIONS \
    { "policy", required_argument, NULL, EVALCLI_POLICY }, \
    { "estimators", required_argument, NULL, EVALCLI_ESTIMATORS }, \
    { "ci", required_argument, NULL, EVALCLI_CI }, \
    { "alpha", required_argument, NULL, EVALCLI_ALPHA }, \
    { "n-boot", required_argument, NULL, EVALCLI_N_BOOT }, \
    { "seed", required_argument, NULL, EVALCLI_SEED }, \
    { "reward-model", required_argument, NULL, EVALCLI_REWARD_MODEL }, \
    { "folds", required_argument, NULL, EVALCLI_FOLDS }, \
    { "model-lambda", required_argument, NULL, EVALCLI_LAMBDA }, \
    { "threads", required_argument, NULL, EVALCLI_THREADS }, \
    { "bounds", required_argument, NULL, EVALCLI_BOUNDS }, \
    { "gamma", required_argument, NULL, EVALCLI_GAMMA }, \
    { "value-model", required_argument, NULL, EVALCLI_VALUE_MODEL }, \
    { "truth", required_argument, NULL, EVALCLI_TRUTH }, \
    { "risk", optional_argument, NULL, EVALCLI_RISK }

/* Segments (estimators/segments.h): spliced only by the commands that show them
 * (eval, report, tui); evalcli_option applies them. */
#define EVALCLI_SEG_OPTIONS \
    { "by", required_argument, NULL, EVALCLI_BY }, \
    { "bins", required_argument, NULL, EVALCLI_BINS }

#define EVALCLI_SEG_HELP \
"Segments (bandit logs):\n" \
"  --by COLUMN           also estimate every policy per segment of a context\n" \
"                        column: each level of a categorical column (at most 64),\n" \
"                        or each bin of a numeric one (--bins). Intervals are\n" \
"                        simultaneous over the segments: max-t bootstrap with --ci\n" \
"                        bootstrap, Bonferroni (alpha / segments) with t, hoeffding\n" \
"                        and bernstein. The reward model is fitted once on the\n" \
"                        whole log. An estimate whose ESS is below 30 warns that\n" \
"                        its segment is too small to say anything. JSON gets a\n" \
"                        segments object; --format csv one row per segment,\n" \
"                        policy and estimator instead of the estimates\n" \
"  --bins K              cut the numeric --by column into K (2 to 64) equal-count\n" \
"                        bins at its order statistics (tied values share a bin, so\n" \
"                        heavy ties give fewer)\n"

#define EVALCLI_HELP \
"Evaluation:\n" \
"  --policy NAME         evaluate only this policy (repeatable; default: all)\n" \
"  --policy NAME=FILE    trajectory logs: evaluate the tabular policy file FILE\n" \
"                        (state,p.0,...) as policy NAME, looked up by each\n" \
"                        step's state; with other --policy options, every one\n" \
"                        named is evaluated, in order\n" \
"  --estimators LIST     comma list of estimators with optional parameters, e.g.\n" \
"                        ipw:clip=100,snipw,dr,switch-dr:tau=50 (default: all):\n" \
"                        @bandit-estimators@;\n" \
"                        'ope help estimators' describes each one; on a\n" \
"                        trajectory log without a state column the default\n" \
"                        leaves out what needs one (mis; dm, dr, wdr with fqe)\n" \
"  --ci METHOD           bootstrap (default), t, hoeffding, bernstein, cs\n" \
"                        (a confidence sequence: valid at every look; ipw\n" \
"                        and dr of bandit logs) or none\n" \
"  --alpha A             interval level 1 - A (default 0.05)\n" \
"  --n-boot B            bootstrap replicates (default 1000)\n" \
"  --seed S              seed of the bootstrap and the model folds (default 12345)\n" \
"  --bounds A,B          range of the per-row contributions for hoeffding,\n" \
"                        bernstein and cs (default: the observed range, with a\n" \
"                        warning; cs: from the largest weight and the rewards)\n" \
"  --reward-model M      auto (default: logistic for 0/1 rewards, else ridge),\n" \
"                        ridge or logistic; used by @bandit-model-estimators@ " \
"when the log has no qhat.* columns\n" \
"  --folds K             cross-fitting folds of the reward model (default 3)\n" \
"  --model-lambda L      L2 penalty of the reward model (default 1). Above 0 a\n" \
"                        categorical context may have any number of levels (from\n" \
"                        256, its one-hot block is eliminated exactly: time and\n" \
"                        memory grow linearly with them); at 0 the model takes\n" \
"                        at most 4,000 feature columns\n" \
"  --threads N           worker threads (default: all CPUs; results never depend\n" \
"                        on it)\n" \
"Trajectory logs (episode/step columns) take the trajectory estimators instead:\n" \
"                        @trajectory-estimators@ (dm is fitted Q evaluation); " \
"episodes shorter than the longest are padded with their last weight and reward 0 " \
"(the SCOPE-RL convention)\n" \
"  --gamma G             discount for trajectory logs (default 1)\n" \
"  --value-model M       value model of @trajectory-model-estimators@: fqe " \
"(tabular, default), linear-fqe (per step), lstd, td, gtd2 (linear in the s* features, " \
"or in a one-hot of the state when the log has none; lstd, td and gtd2 " \
"are stationary: one model for every step, and at --gamma 1 they need episodes that end in " \
"the absorbing state)\n" \
"  --truth FILE          ground truth (policy,value; e.g. from ope gen mdp --truth)\n" \
"                        shown with the relative error; on a bandit log it wins\n" \
"                        over the q.* columns\n" \
"  --risk[=ALPHA]        also estimate each policy's return distribution (TIS,\n" \
"                        self-normalised and doubly robust CDFs; dr needs a state\n" \
"                        column): mean, variance, CVaR_ALPHA (default 0.1) and\n" \
"                        interquartile range; JSON carries the CDF\n"

/* What --stream does to an evaluation, and what mpirun does, after LOADCLI_STREAM_HELP
 * (eval, select). */
#define EVALCLI_STREAM_HELP \
"  A streamed evaluation reads the log three times (its checks, the sums, the\n" \
"  statistics; a fourth for t, hoeffding and bernstein intervals of --matrix),\n" \
"  parsing it once (the later passes read back the parsed rows; --reparse), and\n" \
"  gives the in-memory results: estimates and bootstrap intervals bit for bit, se\n" \
"  and t intervals to 1e-12. Without qhat.* columns it first fits the reward model\n" \
"  in passes of its own, the in-memory fit's to 1e-12: means and spread of the\n" \
"  contexts, then normal equations (ridge: one pass; logistic: one per Newton step,\n" \
"  usually 5 to 10, a step halving one more), then the held-out error; the first\n" \
"  copies the model's columns\n" \
"  to a temporary file in $TMPDIR that the others read, but for dm's gradient,\n" \
"  which reads the log again. --by is refused.\n" \
"  Across processes or machines (Open MPI): mpirun -np N ope eval|select LOG ...\n" \
"  streams each rank's share of the rows (whole chunks of 4096, reached by a\n" \
"  seek; a BGZF .gz (bgzip's) or a .zst of frames that record their size is\n" \
"  split by its members, each rank decompressing only its own; any other .gz\n" \
"  or .zst is decompressed by each rank up to the end of its share, parsing\n" \
"  only the share, so later ranks take fewer rows; ope eval's bandit log of\n" \
"  several files is shared out by whole files, by size, each rank's rows\n" \
"  kept from its first pass for its later passes; a trajectory log: below)\n" \
"  and merges the ranks' sums after each pass (the reward model's too): the same\n" \
"  results (to 1e-12), written by rank 0 alone; every rank must read the same log\n" \
"  (a regular file, as the --truth file: not standard input or a pipe) and run\n" \
"  the same options. --ci cs (on a bandit log) and --follow are refused there.\n" \
"  A trajectory log streams in one pass, in windows of whole episodes (standard\n" \
"  input, FIFOs and .gz as they come, nothing copied), for tis, pdis, wtis and\n" \
"  wpdis with --ci bootstrap or none: the in-memory results (estimates and\n" \
"  their intervals bit for bit, se and the lift's intervals to 1e-12). --ci t,\n" \
"  hoeffding and bernstein read it\n" \
"  once more (the contributions given the whole log's sums, and the differences\n" \
"  of --matrix; a pipe is copied to $TMPDIR as it comes, and that is said); a\n" \
"  shard's take a round for the whole log's sums (--model-state: ope help merge).\n" \
"  dm, dr, wdr and mis (named with --estimators; a tabular state\n" \
"  column, --value-model fqe) take a pass before the others that fits their\n" \
"  models from counts; dm's and mis's bootstrap refits them on every resample from\n" \
"  per-resample counts (refused past the memory budget, saying how much; --ci t\n" \
"  needs none): the in-memory results to 1e-12; in a shard only with\n" \
"  --model-state FIT (the shards fit the models in a round; ope help merge).\n" \
"  With --risk, ope eval keeps every episode's return and weights (16 + 8 x\n" \
"  policies bytes each): the tis and sn distributions bit for bit, dr left out\n" \
"  (said); not in a shard. The value models linear-fqe and lstd stream from sums\n" \
"  gathered in the models' pass (the in-memory fit's); td and gtd2 read the log\n" \
"  once and keep what their 200 epochs read in a scratch file in $TMPDIR (the\n" \
"  in-memory fit; under mpirun the ranks pass the iteration on in every epoch;\n" \
"  refused in a shard, 64); --policy NAME=FILE is refused (64). Under mpirun the\n" \
"  ranks share a log of plain files out by byte ranges of whole episodes (ope\n" \
"  eval's log of several files too: a range may span files), each rank's first\n" \
"  episode found by counting the episodes of the ranges before it; an episode id\n" \
"  that comes back in a later range is found across ranks. A compressed log is\n" \
"  read whole by every rank, which folds every N-th window. Its shards (ope help\n" \
"  merge) hold whole episodes.\n"

/* The options of the group go into set (and --threads into lo too); the run's
 * progress and what to do with the loaded log are the command's. */
/* How a trajectory log's shard names the estimators it left out (struct shard_head's
 * left, evalcli.saved_left): this prefix, then the names (evalcli_read_warnings and ope
 * eval word it as such). */
#define EVALCLI_TRAJ_LEFT "trajectory:"

struct evalcli {
    struct eval_settings set;
    struct load_opts lo;
    struct ope_progress *progress;  /* may be NULL */
    /* When set, evalcli_run hands over the log it loaded (on success) instead of
     * freeing it: one of them is set, the other stays NULL (`ope report`). */
    struct blog **keep_blog;
    struct tlog **keep_tlog;
    /* With keep_*: the log is kept only when it is read whole; one past --memory-limit
     * or with --stream is streamed and not kept (both stay NULL; `ope report`). Under
     * mpirun such a command is still refused. */
    int keep_if_whole;
    /* When set (initialised; the caller releases it), a trajectory log read in windows
     * keeps every episode's return and the evaluated policies' weights there
     * (trajret.h: `ope report`'s return distributions without the log). */
    struct traj_returns *keep_returns;
    /* When set, --risk is a usage error, and this says why (a command that shows no
     * return distributions, which a log read in windows would keep the returns for). */
    const char *no_risk;
    /* When set (`--follow`, `gate --sequential`), a trajectory log is a usage error
     * naming this option: its looks at row counts would cut episodes in two, and
     * confidence sequences are for bandit logs. */
    const char *bandit_only;
    /* --policy NAME=FILE: set.policies[i] points at policy_name[i] and
     * set.policy_file[i] at FILE. */
    char policy_name[EVALCLI_MAX_POLICIES][EVALCLI_NAME_MAX];
    /* ope eval --save-state FILE [--row-offset N]: the log is a shard whose first row
     * is row N of the whole log; evalcli_save_files writes its state to FILE
     * (shardcli.h), replacing a regular file only with save_force. */
    const char *save_state;
    size_t row_offset;
    int save_force;
    size_t saved_rows;          /* out: the shard's rows (episodes: saved_episodes) */
    /* (saved_left of a trajectory log's shard begins with EVALCLI_TRAJ_LEFT.) */
    int saved_episodes;         /* out: a trajectory log's shard, of saved_rows episodes */
    /* --model-state FILE: a reward model the shards fit together in rounds (shardcli.h);
     * saved_pass (out) is then the pass whose part was saved, 0 for the evaluation. */
    const char *model_state;
    size_t saved_pass;
    int saved_fit;              /* out: the evaluation's state used the fitted model */
    int saved_sums;             /* out: a trajectory log's shard saved its part of the
                                 * sums round (--ci t, hoeffding, bernstein) */
    /* out: how many of the last result's warnings, its last ones, say how the log was
     * read (streamed: the estimators left out, an input copied to a temporary file):
     * ope select, whose output has no place for them, says them on standard error. */
    size_t read_warnings;
    char saved_left[512];       /* out: estimators left out for want of a model, or "" */
};

void evalcli_init(struct evalcli *c);

/* Under mpirun (0 alone): every rank reads the log's files paths[0..n-1] and the
 * --truth file for itself, so none may be standard input (it reaches rank 0 alone) or
 * a pipe or FIFO (the ranks would share out its bytes). 0, or -1 with err (OPE_EUSAGE,
 * the same on every rank given the same command line). A command that reads the truth
 * file before the log (ope select) calls it first: a rank reading an empty standard
 * input would otherwise fail alone while the others wait for it. */
int evalcli_ranks_files(const struct evalcli *c, const char *const *paths, size_t n,
                        struct ope_error *err);

/* ope eval --save-state: the files paths[0..n-1] (one shard of a log, read in windows)
 * evaluated as far as a shard can be and its state written to c->save_state. 0, or -1
 * with err (OPE_EUSAGE for what a state cannot carry, under mpirun, or a trajectory
 * log). */
int evalcli_save_files(struct evalcli *c, const char *const *paths, size_t n,
                       struct ope_error *err);

/* 1 if opt is an evaluation option (applied), 0 if not, -1 on a bad value. */
int evalcli_option(struct evalcli *c, int opt, const char *arg, struct ope_error *err);

struct outcli;
/* The same over the three groups an evaluating command takes: evaluation, loading
 * (c->lo) and output (out). 0 for '?' (getopt's unknown option). */
int evalcli_group_option(struct evalcli *c, struct outcli *out, int opt, const char *arg,
                         struct ope_error *err);

/* The number of --policy NAME=FILE options. */
size_t evalcli_n_policy_files(const struct evalcli *c);

/* Add every --policy NAME=FILE policy to a loaded trajectory log (tlog_add_policy_file). */
int evalcli_add_policy_files(const struct evalcli *c, struct tlog *log, struct ope_error *err);

/* Refuse --policy NAME=FILE where it cannot apply: a usage error naming WHERE
 * ("a bandit log", "the workbench") when there is one, else 0. */
int evalcli_no_policy_files(const struct evalcli *c, const char *where, struct ope_error *err);

/* Load PATH (a bandit or trajectory log) and evaluate it with c->set
 * (eval_settings_run), with the input's SHA-256. */
struct res_eval *evalcli_run(struct evalcli *c, const char *path, struct ope_error *err);

/* The same for a log held in several files (csv_open_many: the same header in each,
 * rows in the order given); the result names them all, space-separated, and its
 * SHA-256 is that of their bytes one after the other. */
struct res_eval *evalcli_run_files(struct evalcli *c, const char *const *paths, size_t n,
                                   struct ope_error *err);

/* The same for a log held in memory (buf[0..len), header first), named name in
 * messages and in the result: the lines `--follow` has read so far. No SHA-256. */
struct res_eval *evalcli_run_mem(struct evalcli *c, const char *buf, size_t len,
                                 const char *name, struct ope_error *err);

struct outcli;
/* Render in format f (enum out_format) to -o (atomic) or standard output. */
int evalcli_write(const struct res_eval *r, int f, const struct outcli *out,
                  struct ope_error *err);

/* The warnings of how a log was read into r: left, the estimators a streamed run left
 * out for want of a model (or "" / NULL), and spilled, the input copied to a temporary
 * file (or "" / NULL) in directory dir (NULL: by another run, a shard's). The number
 * added, or -1 (out of memory). */
/* The last n of r's warnings (c->read_warnings: how the log was read) on standard error
 * as "ope CMD: warning: [PATH: ]...", by rank 0 alone. */
void evalcli_say_read_warnings(const char *cmd, const struct res_eval *r, size_t n,
                               const char *path);
int evalcli_read_warnings(struct res_eval *r, const char *left, const char *spilled,
                          const char *dir);

/* The same with ope eval's views: --lift adds the lift table and --matrix the
 * differences' table to the table; --matrix with CSV writes the differences' CSV
 * instead of the estimates'; JSON always carries both. */
int evalcli_write_views(const struct res_eval *r, int f, int lift, int matrix,
                        const struct outcli *out, struct ope_error *err);

#endif
