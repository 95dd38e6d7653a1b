/* ope/learn/pg/run.c: R seeded runs of a policy-gradient algorithm in parallel (one task
 * per run, each writing its own slots, so results never depend on the thread
 * count), the final-value summary, and the learning-curve CSV. */
#include "config.h"
#include "ope/learn/pg/pg.h"
#include "ope/base/csvout.h"
#include "ope/base/json.h"
#include "ope/base/threads.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run_ctx {
    const struct pg_problem *pb;
    const struct pg_algo *algo;
    uint64_t seed;
    struct pg_result *res;
    int *rc;
    struct ope_error *errs;
};

static void run_task(void *vctx, size_t r)
{
    struct run_ctx *c = vctx;
    struct pg_result *res = c->res;
    c->rc[r] = c->algo->run(c->pb, c->seed + r, res->theta + r * res->dim,
                            res->rec + r * (size_t)(res->n_iter + 1), &c->errs[r]);
}

int pg_run_many(const struct pg_problem *pb, const struct pg_algo *algo, uint64_t seed,
                int runs, int threads, struct pg_result *res, struct ope_error *err)
{
    memset(res, 0, sizeof *res);
    res->algo = algo;
    snprintf(res->label, sizeof res->label, "%s", algo->name);
    res->n_runs = runs;
    res->n_iter = pb->p->iterations;
    res->dim = pb->pol->dim;
    size_t R = (size_t)runs, K = (size_t)res->n_iter + 1;
    res->rec = ope_calloc(R * K, sizeof *res->rec, err);
    res->theta = res->rec ? ope_calloc(R * res->dim, sizeof *res->theta, err) : NULL;
    int *rc = res->theta ? ope_calloc(R, sizeof *rc, err) : NULL;
    struct ope_error *errs = rc ? ope_calloc(R, sizeof *errs, err) : NULL;
    if (!errs) {
        free(rc);
        pg_result_release(res);
        return -1;
    }
    for (size_t r = 0; r < R; r++)
        rc[r] = -1;     /* a task never started (cancelled) counts as failed */
    struct run_ctx c = { pb, algo, seed, res, rc, errs };
    int st = ope_parallel_for(R, threads, run_task, &c, NULL, NULL);
    int out = 0;
    for (size_t r = 0; r < R && out == 0; r++)
        if (rc[r] != 0) {
            if (errs[r].status)
                *err = errs[r];
            else
                ope_fail(err, OPE_EINTERRUPTED, "interrupted");
            out = -1;
        }
    if (out == 0 && st != 0)
        out = ope_fail(err, OPE_EINTERRUPTED, "interrupted");
    free(rc);
    free(errs);
    if (out < 0)
        pg_result_release(res);
    return out;
}

void pg_result_release(struct pg_result *res)
{
    free(res->rec);
    free(res->theta);
    res->rec = NULL;
    res->theta = NULL;
}

void pg_result_final(const struct pg_result *res, double *mean, double *sd, double *samples)
{
    size_t K = (size_t)res->n_iter + 1;
    double m = 0.0, q = 0.0;
    /* Welford's update: stable for any number of runs. */
    for (int r = 0; r < res->n_runs; r++) {
        double x = res->rec[(size_t)r * K + K - 1].value, dx = x - m;
        m += dx / (r + 1);
        q += dx * (x - m);
    }
    *mean = m;
    *sd = res->n_runs > 1 ? sqrt(q / (res->n_runs - 1)) : 0.0;
    *samples = res->n_runs > 0 ? res->rec[K - 1].samples : 0.0;
}

void pg_curves_format(const struct pg_result *res, int header, struct strbuf *sb)
{
    if (header)
        strbuf_puts(sb, "algorithm,run,iteration,true_value,grad_norm,samples\n");
    size_t K = (size_t)res->n_iter + 1;
    for (int r = 0; r < res->n_runs; r++)
        for (size_t k = 0; k < K; k++) {
            const struct pg_record *x = &res->rec[(size_t)r * K + k];
            csvout_cell(sb, res->label);
            strbuf_printf(sb, ",%d,%zu", r, k);
            csvout_number(sb, x->value);
            /* Row 0 is the initial policy: no gradient was estimated (empty cell). */
            csvout_number(sb, k == 0 ? NAN : x->grad_norm);
            csvout_number(sb, x->samples);
            strbuf_putc(sb, '\n');
        }
}
