/* ope/app/shardcli.h: a log evaluated in shards by separate processes (issue 17: Slurm
 * job arrays, GNU parallel, a Spark pipe): `ope eval SHARD --save-state S
 * --row-offset R` saves each shard's state, `ope merge S1 S2 ...` evaluates the whole
 * log from them (estimators/evaluate_stream.h says what a state holds and what is
 * refused). The state file is a statefile.h container of kind EVAL_STATE_KIND:
 *
 *   header   "ope eval shard 2", the shard's log (its path as given), its SHA-256,
 *            its first global row and its rows, the largest |reward| and each log
 *            policy's largest weight (the whole log's range check, made by the merge),
 *            the warnings its result would carry (left-out estimators, a spilled pipe);
 *   then the estimators layer's blocks (options, log facts, pass 1, moments).
 *
 * The merge refuses (OPE_EDATA, naming the files) states of other versions or
 * settings, damaged or truncated ones, and shards whose rows do not follow each other
 * from row 0 (a gap, an overlap, a shard given twice). */
#ifndef OPE_SHARDCLI_H
#define OPE_SHARDCLI_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/strbuf.h"

struct eval_settings;
struct res_eval;
struct ope_progress;

/* What the command line knows of a shard, saved before the estimators' blocks. */
struct shard_head {
    char *log;                  /* the shard's log, as given (several: space-separated) */
    char sha256[65];
    uint64_t row0, rows;        /* its first row in the whole log, and its rows */
    int pos_base;               /* its position base (-1: no position column): shards
                                   detect it from their own positions, and must agree */
    double rmax;                /* its largest |reward| (at least 1) */
    size_t n_pol;               /* the log's policies */
    char **names;               /* [n_pol] */
    double *maxw;               /* [n_pol] their largest weight pi / pscore */
    char *left;                 /* estimators left out for want of a model, or "" */
    char *spilled;              /* the input copied to a temporary file, or "" */
    /* A trajectory log's shard: its first and last episode ids as written, or "" (a
     * bandit log's, or ids the loader numbered); and the digests of all its episode
     * ids (SHARD_ID_BYTES each: the first bytes of the id's SHA-256), in ascending
     * order, so the merge finds an episode given in two shards (n_ids 0: a bandit
     * log's). */
    char *id_first, *id_last;
    size_t n_ids;
    unsigned char *ids;
};
#define SHARD_ID_BYTES 16

void shard_head_release(struct shard_head *h);

/* Seal (h, the estimators' blocks in payload, settings) as a state of kind (EVAL_STATE_KIND,
 * or EVAL_FIT_PART_KIND: a pass of the reward model's fit) and write it to path
 * atomically (force: replace an existing regular file). 0, or -1 with err. */
int shard_write(const char *path, int force, const char *kind, const struct shard_head *h,
                const struct strbuf *payload, const char *settings, struct ope_error *err);

/* ---- a reward model fitted in rounds (ope eval --model-state, ope merge --model-state)
 * The fit's state file (kind EVAL_FIT_KIND) is a header -- "ope model state 1" and the
 * shards the fit was begun with (each one's log, SHA-256, first row and rows, in row
 * order) -- then the estimators layer's blocks: the reward model's fit (evaluate_stream.h,
 * eval_fit_merge), the whole log's sums of --ci hoeffding and bernstein
 * (eval_bandit_sums_merge), or the fit then the sums. A trajectory log's models (kind
 * EVAL_TRAJ_FIT_KIND) have the same header, counting episodes, then their blocks
 * (evaluate_traj_stream.h, eval_traj_fit_merge).
 * Every round must be made by those same shards: a part of another shard, or a shard
 * changed since, is refused (OPE_EDATA). */
struct eval_fit;
struct eval_sums;
/* A shard's --model-state: the fit so far at path into *fit and the whole log's sums
 * into *sums (each NULL when the file does not hold it: both when path does not exist
 * yet, the first round), checked to have been begun with this shard (its first row
 * row0, rows and SHA-256; log names it). 0, or -1 with err. */
int shard_fit_open(const char *path, const char *log, uint64_t row0, uint64_t rows,
                   const char *sha256, struct eval_fit **fit, struct eval_sums **sums,
                   struct ope_error *err);

/* A trajectory log's shard given --model-state (evaluate_traj_stream.h: the models of
 * dm, dr, wdr and mis fitted by the shards together, in one round): the fit at path
 * into *fit (NULL when path does not exist yet: the shard saves its part of the
 * models' pass). A bandit log's fit is refused (OPE_EDATA). 0, or -1 with err. */
struct shard_traj_fit;
struct eval_traj_fit;
int shard_traj_fit_open(const char *path, struct shard_traj_fit **fit, struct ope_error *err);
const struct eval_traj_fit *shard_traj_fit_models(const struct shard_traj_fit *fit);
/* Whether the shard (log, its first episode row0, its episodes, sha256) is one the fit
 * was made from, once the shard has been read. 0, or -1 with err (OPE_EDATA). */
int shard_traj_fit_has(const struct shard_traj_fit *fit, const char *log, uint64_t row0,
                       uint64_t episodes, const char *sha256, struct ope_error *err);
/* When the shard could not be evaluated with the fit: whether the fit has a shard at
 * its first episode with other bytes (changed since the fit was made, which is then
 * the error to say, not the pass's). 0, or -1 with err (OPE_EDATA). */
int shard_traj_fit_knows(const struct shard_traj_fit *fit, const char *log, uint64_t row0,
                         const char *sha256, struct ope_error *err);
void shard_traj_fit_close(struct shard_traj_fit *fit);

/* What ope merge did with parts of a pass of the fit. */
struct shard_round {
    int merged;                 /* the states were parts of a pass: model_state written */
    int fitted;                 /* ... and the model is fitted now */
    int traj;                   /* ... a trajectory log's models (1: one round), or
                                 * its sums (2: --ci t, hoeffding, bernstein) */
    size_t passes;              /* the passes the fit holds */
    char label[32];             /* the pass merged ("model: Newton pass 2") */
    int next_sums;              /* the models fitted: the sums round is next (a
                                 * trajectory log's --ci t, hoeffding, bernstein; a
                                 * bandit log's hoeffding, bernstein) */
    int bandit_sums;            /* a bandit log's sums round (--ci hoeffding, bernstein) */
    size_t shards;              /* a trajectory log's round: the shards merged, */
    uint64_t rows;              /* ... and their episodes */
};

/* The whole log's evaluation from the states at paths[0..n-1] (any order: they are
 * put in row order), with set's threads and truth_path (the rest of set is rebuilt
 * from the states). When the states are instead every shard's part of a pass of the
 * reward model's fit, that pass is merged into the fit's state at model_state (read
 * first when it exists, then replaced) and round says so: NULL with round->merged
 * set and no error. NULL with err. */
struct res_eval *shard_merge(const char *const *paths, size_t n, const struct eval_settings *set,
                             const char *model_state, struct shard_round *round,
                             struct ope_progress *progress, struct ope_error *err);

#endif
