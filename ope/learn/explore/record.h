/* ope/learn/explore/record.h: a set of exploration runs as one result: n_algs
 * algorithms x R runs x K episodes of xpl_record, with the threshold and seeds they
 * ran under. `ope explore` holds its runs this way and writes them as the
 * per-episode record CSV (one row per episode, below); the reader of a saved record
 * (ope/app/resultread.h) gives the same struct back, and the regret and value
 * charts (viz/chart_explore.h) draw it. */
#ifndef OPE_EXPLORE_RECORD_H
#define OPE_EXPLORE_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/strbuf.h"
#include "ope/learn/explore/run.h"

struct xpl_runs {
    size_t n_algs;
    long R, K;                  /* runs per algorithm, episodes per run */
    const char **name;          /* [n_algs] the algorithms' names */
    uint64_t seed;              /* run r used seed + r */
    double threshold;           /* (1 - alpha) V^b: the line the runs had to stay above
                                 * (NAN when unknown) */
    int offline;                /* the baseline was learned offline (xpl_offline):
                                 * the three values below are known */
    double vb_learned;          /* V-underbar^b, what threshold was built from */
    double vb_exact;            /* the exact value of the learned baseline policy */
    double threshold_exact;     /* (1 - alpha) vb_exact */
    struct xpl_record *rec;     /* [(a R + r) K + k], xpl_run_many's layout */
};

/* The record for algorithm a, run r, episode k (0-based). */
static inline const struct xpl_record *xpl_runs_at(const struct xpl_runs *x, size_t a,
                                                   long r, long k)
{
    return &x->rec[((a * (size_t)x->R) + (size_t)r) * (size_t)x->K + (size_t)k];
}

/* The header of the per-episode record: episode,run,seed,algorithm,mix,optimistic,
 * value,value_realised,lower,threshold,violated,violated_realised,regret, and with an
 * offline baseline baseline,vb_learned,vb_exact,threshold_exact,violated_exact. */
void xpl_runs_csv_header(const struct xpl_runs *x, struct strbuf *sb);

/* The row of algorithm a, run r, episode k (episode k + 1 in the file). Numbers have
 * the shortest digits that read back exactly, except mix (10 significant digits);
 * an undefined lower bound is an empty cell. */
void xpl_runs_csv_row(const struct xpl_runs *x, size_t a, long r, long k, struct strbuf *sb);

/* One algorithm's runs in a few numbers: the mean and standard deviation over runs of
 * the regret at K, episodes violating (expected value, realised branch, and against
 * the exact baseline value), runs with a violation, and the mean rho_k / eps_k. */
struct xpl_summary {
    double regret_mean;
    double regret_sd;           /* sample sd (R - 1 divisor) by Welford's update, so runs
                                 * with equal regret give exactly 0; NaN when R = 1 */
    double mix_mean;
    long viol, viol_real, viol_exact, runs_viol;
};

/* Summarise R runs of K episodes, rec[r K + k] (one algorithm's block of a set). */
void xpl_summarise(const struct xpl_record *rec, long R, long K, struct xpl_summary *s);

/* Free what a reader allocated (the names and the records) and zero x; a set that
 * views someone else's arrays is never released. NULL or zeroed: a no-op. */
void xpl_runs_release(struct xpl_runs *x);

#endif
