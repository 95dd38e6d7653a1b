/* estimators/vmtd.h: the value models td and gtd2 (vmodel.h), which approach LSTD's
 * fixed point by stochastic approximation: epochs over the log's transitions in order.
 * The log in memory (vm_fit) and a log read in windows (ope eval --stream, issue 17)
 * share one iteration, whose state (each policy's iterate, trace and average) is
 * carried from window to window: the windows of an epoch give exactly the iterates the
 * whole log gives (the same transitions in the same order, the same arithmetic on the
 * same dense rows), however the log is cut (evtraj_td.c feeds it a streamed log's
 * windows, and under MPI hands it from rank to rank). Its memory is one chunk of a
 * window's transitions. */
#ifndef ESTIMATORS_VMTD_H
#define ESTIMATORS_VMTD_H

#include <stddef.h>
#include "datasets/tlog.h"
#include "estimators/vmodel.h"
#include "ope/base/error.h"

/* Parameters up to which td and gtd2 are checked against LSTD's solution below gamma
 * 1 (its LU is (A p)^3 / 3 flops: well under a second here). At gamma 1 the check is
 * always made: there the fixed point may not exist. vm_td_targets: whether a model of
 * d parameters is checked. */
#define VM_TD_CHECK_DIM 1024
int vm_td_targets(double gamma, size_t d);

/* td or gtd2 (o->kind) of policy pol on a log in memory, as vm_fit says. */
int vm_td_fit(const struct tlog *log, size_t pol, double gamma, const struct vm_opts *o,
              double *qa, double *v, struct ope_error *err);

/* LSTD's refusal of the fixed point (lin_tab_solve's, "lstd: ..."), as td or gtd2 (kind)
 * says it: err rewritten. Returns -1. */
int vm_td_target_failed(int kind, struct ope_error *err);

/* Dense rows of transitions: psi = e_a (x) phi(s), psin = gamma sum_a' pi_e(a'|s')
 * e_a' (x) phi(s') (0 at an episode's end), the reward, pi_e(a|s) (the trace's cut) and
 * whether the transition ends its episode. */
struct td_rows {
    size_t m, cap, d;
    double *psi, *psin, *r, *pin;
    unsigned char *end;
};

/* One policy's iteration: the iterate, TD's trace, GTD2's second iterate, and the
 * average of the iterates over the last half of the epochs (Polyak-Ruppert). */
struct td_iter {
    double *cur, *e, *w, *th;
    int navg;
};

/* td or gtd2 of policies pol[0..P-1] fitted from windows. */
struct vm_td {
    struct vm_opts o;
    double gamma;
    size_t A, nf, p, d;         /* actions, s* features (0: one-hot), phi's width, A p */
    int T;                      /* the log's horizon (whose last steps have no outcome) */
    size_t P;
    const size_t *pol;          /* [P] the policies' indices in a window (kept) */
    struct td_iter *it;         /* [P] */
    int epoch;
    size_t m;                   /* transitions of this epoch so far */
    struct td_rows D;           /* a chunk's rows */
};

/* For A actions, nf s* features (0: a one-hot of p states), phi of width p (the whole
 * log's), horizon T (the whole log's), discount gamma. 0, or -1 with err. */
int vm_td_init(struct vm_td *s, const struct vm_opts *o, double gamma, size_t A, size_t nf,
               size_t p, int T, size_t P, const size_t *pol, struct ope_error *err);
void vm_td_release(struct vm_td *s);

/* This epoch's steps over the transitions of window w (the next episodes of the log,
 * in order), for every policy. 0, or -1 with err (OPE_EDATA: a state past the width, a
 * longer episode than the horizon: the log changed). */
int vm_td_window(struct vm_td *s, const struct tlog *w, struct ope_error *err);

/* The epoch is over: its iterates averaged in. 0, or -1 with err when the log has no
 * transition with an outcome (LSTD_NO_OUTCOME). */
int vm_td_epoch_end(struct vm_td *s, struct ope_error *err);

/* Policy q's parameters once the epochs are over (d of them) into th. 0, or -1 with err
 * (OPE_EDATA: they overflowed). */
int vm_td_theta(const struct vm_td *s, size_t q, double *th, struct ope_error *err);

/* What td or gtd2 reached, checked against what the rewards can sum to and, when LSTD's
 * values are known (target), against them: the largest |reward| of the log, and per
 * policy the largest |v|, |v - vl| and |vl| over its rows. */
struct vm_td_check {
    double rmax;
    size_t P;
    int target;
    double *vmax, *diff, *top;  /* [P] */
};
int vm_td_check_init(struct vm_td_check *c, size_t P, int target, struct ope_error *err);
void vm_td_check_release(struct vm_td_check *c);
/* The rows of a log (or window) w: its rewards, once; policy q's values v[] and LSTD's
 * vl[] (ignored without target). */
void vm_td_check_rewards(struct vm_td_check *c, const struct tlog *w);
void vm_td_check_add(struct vm_td_check *c, size_t q, size_t n, const double *v,
                     const double *vl);
/* Policy q (named policy) of model o->kind with discount gamma over the log's horizon
 * T: 0, or -1 with err (OPE_EDATA: diverged, or stopped far from LSTD's values). */
int vm_td_check_verdict(const struct vm_td_check *c, size_t q, const char *policy,
                        const struct vm_opts *o, double gamma, int T, struct ope_error *err);

#endif
