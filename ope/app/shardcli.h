/* ope/app/shardcli.h: a log evaluated in shards by separate processes (issue 17: Slurm
 * job arrays, GNU parallel, a Spark pipe): `ope eval SHARD --save-state S
 * --row-offset R` saves each shard's state, `ope merge S1 S2 ...` evaluates the whole
 * log from them (estimators/evaluate_stream.h says what a state holds and what is
 * refused). The state file is a statefile.h container of kind EVAL_STATE_KIND:
 *
 *   header   "ope eval shard 1", the shard's log (its path as given), its SHA-256,
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
    double rmax;                /* its largest |reward| (at least 1) */
    size_t n_pol;               /* the log's policies */
    char **names;               /* [n_pol] */
    double *maxw;               /* [n_pol] their largest weight pi / pscore */
    char *left;                 /* estimators left out for want of a model, or "" */
    char *spilled;              /* the input copied to a temporary file, or "" */
};

void shard_head_release(struct shard_head *h);

/* Seal (h, the estimators' blocks in payload, settings) and write them to path
 * atomically (force: replace an existing regular file). 0, or -1 with err. */
int shard_write(const char *path, int force, const struct shard_head *h,
                const struct strbuf *payload, const char *settings, struct ope_error *err);

/* The whole log's evaluation from the states at paths[0..n-1] (any order: they are
 * put in row order), with set's threads and truth_path (the rest of set is rebuilt
 * from the states). NULL with err. */
struct res_eval *shard_merge(const char *const *paths, size_t n, const struct eval_settings *set,
                             struct ope_progress *progress, struct ope_error *err);

#endif
