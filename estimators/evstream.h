/* estimators/evstream.h: the state of the streamed bandit source and its passes,
 * shared by evaluate_stream.c (the source and pass 1) and evstream_stats.c (passes 2
 * and 3). Internal to the estimators layer; the interface is evaluate_stream.h. */
#ifndef ESTIMATORS_EVSTREAM_H
#define ESTIMATORS_EVSTREAM_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/blog.h"
#include "estimators/ci.h"
#include "estimators/diag.h"
#include "estimators/engine.h"
#include "estimators/evaluate_stream.h"
#include "estimators/evbandit.h"

#define EVS_WHY 160     /* sizeof eng_est.why */

struct ssrc {
    const struct eng_windows *win;
    size_t row0;                /* the global row of this process's first row */
    size_t local_rows;          /* this process's rows (pass 1) */
    /* What the first window says of the log. */
    size_t n_policies;
    char **names;
    int n_actions, has_qhat, has_q;
    /* Pass 1. */
    double *wmax;               /* [n_pol] --ci cs: the largest weight each policy allows */
    double rmin, rmax, rlo, rhi;
    struct diag_support support;
    size_t *col, base_col;      /* the accumulator's columns (evboot's layout) */
    int *applies;               /* [n_pol * n_spec] */
    char *why;                  /* [n_pol * n_spec][EVS_WHY] */
    double *app_acc;            /* [n_pol * n_spec][EST_APPLIES_ACC] */
    /* One window's rows. */
    struct evb_pol_in *pin;     /* [n_pol] */
    struct est_bandit_in *in;   /* [n_pol] */
    size_t *rowid;              /* [window] */
    size_t rowid_cap;
};

/* Per (policy, estimator) in pass 2. */
struct sest {
    struct ci_stats_acc c, lift;
    struct ci_cs cs, cs_lift;
    struct diag_acc wacc;
};

/* Per policy in pass 2. */
struct spol {
    struct ope_sum truth, unsup;
    struct diag_acc w;
};

/* ---- across the ranks of an MPI job (evstream_share.c) ------------------------------
 * Each rank folds the windows of its own rows; at the end of each pass the ranks agree
 * on its outcome (rc: this rank's, 0 or -1 with err) and, with several ranks, exchange
 * their pass states and merge them in rank order -- the rows' order -- so every rank
 * holds the whole log's state and goes on as one process would. Every rank calls each
 * of these once per pass, whatever happened, so none waits in a collective another
 * never reaches. Alone each is only rc. 0, or -1 with err (the lowest failing rank's). */
struct acc_state;
/* What the log's first window says (s_open: policies, actions, qhat and q columns),
 * from the first rank that has rows: rc is this rank's (1: read from its first window,
 * 0: it has no rows, -1 with err). 1, 0 (no rank has rows) or -1 with err. */
int evs_share_open(struct ssrc *s, int rc, struct ope_error *err);
int evs_share_pass1(struct eng *g, int rc, struct acc_state *st, struct ope_sum *rsum,
                    size_t *rows, struct ope_error *err);
int evs_share_pass2(struct eng *g, int rc, struct sest *t, struct spol *tp,
                    struct ope_error *err);
int evs_share_diff(struct eng *g, int rc, struct ci_stats_acc *q, size_t n_d,
                   struct ope_error *err);
/* What a streamed evaluation cannot do across ranks (OPE_EUSAGE), for s_check. */
int evs_share_refuse(const struct eng *g, struct ope_error *err);

/* The log's path for messages ("log" when it has none). */
const char *evs_path(const struct eng *g);

/* The policies' row vectors over window w (whose row 0 is the log's row first), in
 * the source's pin/in; evs_window_release frees them. 0, or -1 with err. */
int evs_window_prepare(struct eng *g, const struct blog *w, size_t first,
                       struct ope_error *err);
void evs_window_release(struct eng *g);

/* The next window of a pass, checked to continue the *rows read so far on a chunk
 * boundary with the first window's actions and policies (cancellation too). 1, 0 (the
 * pass is over) or -1 with err. */
int evs_next_window(struct eng *g, const struct blog **w, size_t *first, size_t *rows,
                    struct ope_error *err);
/* Start a pass. 0, or -1 with err. */
int evs_rewind(struct eng *g, struct ope_error *err);

/* Pass 2: given the finished sums x and what pass 1 found (applies, ranges, support),
 * es[p * n_spec + e] and ps[p] as the in-memory est_stats and pol_stats leave them,
 * with the values. 0, or -1 with err. */
int evs_pass2(struct eng *g, const struct eng_sums *x, struct eng_res *es,
              struct eng_pol *ps, struct ope_error *err);

/* Pass 3: eng_kind.diff_stats. */
int evs_diff_stats(struct eng *g, const struct eng_sums *x, const struct res_diff *d,
                   size_t n_d, struct ci_stats *st, struct ope_error *err);

#endif
