/* datasets/gen_bandit.c: the synthetic bandit generator and the CSV writer of bandit
 * logs (see gen_bandit.h). */
#include "config.h"
#include "datasets/gen_bandit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/bgzf.h"
#include "ope/base/csvout.h"
#include "ope/base/outfile.h"
#include "ope/base/rng.h"
#include "ope/base/softmax.h"
#include "ope/base/strbuf.h"
#include "ope/base/threads.h"

void gen_bandit_opts_init(struct gen_bandit_opts *o)
{
    memset(o, 0, sizeof *o);
    o->rows = 10000;
    o->actions = 5;
    o->dim = 5;
    o->binary = 1;
    o->beta = 1.0;
    o->policies = "greedy,eps:0.2,softmax:2,uniform,softmax:-2";
    o->seed = 12345;
}

enum pol_kind { P_GREEDY, P_UNIFORM, P_EPS, P_SOFTMAX };

struct pol_spec {
    enum pol_kind kind;
    double arg;
    char name[40];
};

/* A policy name that matches formats.md's [A-Za-z][A-Za-z0-9_-]*: "eps0_2". */
static void name_with(char *out, size_t n, const char *stem, double v)
{
    char num[32];
    snprintf(num, sizeof num, "%g", v);
    for (char *p = num; *p; p++)
        if (*p == '.')
            *p = '_';
    snprintf(out, n, "%s%s", stem, num);
}

static int parse_policies(const char *list, struct pol_spec *ps, size_t *np,
                          struct ope_error *err)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == GEN_MAX_POLICIES)
            return ope_fail(err, OPE_EUSAGE, "--policies: at most %d policies", GEN_MAX_POLICIES);
        struct pol_spec *p = &ps[n];
        char *colon = strchr(tok, ':');
        double v = 0;
        if (colon) {
            char *end;
            *colon = '\0';
            v = strtod(colon + 1, &end);
            if (end == colon + 1 || *end || !isfinite(v))
                return ope_fail(err, OPE_EUSAGE, "--policies: '%s' needs a number after ':'", tok);
        }
        if (strcmp(tok, "greedy") == 0 && !colon) {
            p->kind = P_GREEDY;
            snprintf(p->name, sizeof p->name, "greedy");
        } else if (strcmp(tok, "uniform") == 0 && !colon) {
            p->kind = P_UNIFORM;
            snprintf(p->name, sizeof p->name, "uniform");
        } else if (strcmp(tok, "eps") == 0 && colon) {
            if (v < 0 || v > 1)
                return ope_fail(err, OPE_EUSAGE, "--policies: eps:E needs E in [0, 1], got %g", v);
            p->kind = P_EPS;
            name_with(p->name, sizeof p->name, "eps", v);
        } else if (strcmp(tok, "softmax") == 0 && colon) {
            p->kind = P_SOFTMAX;
            name_with(p->name, sizeof p->name, v < 0 ? "anti" : "softmax", fabs(v));
        } else {
            return ope_fail(err, OPE_EUSAGE, "--policies: unknown policy '%s' (greedy, uniform, "
                            "eps:E, softmax:B)", tok);
        }
        p->arg = v;
        for (size_t k = 0; k < n; k++)
            if (strcmp(ps[k].name, p->name) == 0)
                return ope_fail(err, OPE_EUSAGE, "--policies: '%s' listed twice", p->name);
        n++;
    }
    if (n == 0)
        return ope_fail(err, OPE_EUSAGE, "--policies: the list is empty");
    *np = n;
    return 0;
}

/* softmax(beta * z) into p. The scores beta * z go through ope_softmax at
 * temperature 1 rather than z at temperature 1 / beta: beta may be 0 or negative, and
 * (z - max) * beta is not the same rounding as beta * z - max(beta * z). */
static void softmax(const double *z, int A, double beta, double *p)
{
    for (int a = 0; a < A; a++)
        p[a] = beta * z[a];
    ope_softmax(A, p, 1.0, p);
}

static void policy_probs(const struct pol_spec *ps, const double *q, int A, double *p)
{
    int best = 0;
    for (int a = 1; a < A; a++)
        if (q[a] > q[best])
            best = a;
    switch (ps->kind) {
    case P_GREEDY:
        for (int a = 0; a < A; a++)
            p[a] = a == best;
        break;
    case P_UNIFORM:
        for (int a = 0; a < A; a++)
            p[a] = 1.0 / A;
        break;
    case P_EPS:
        for (int a = 0; a < A; a++)
            p[a] = ps->arg / A + (a == best ? 1.0 - ps->arg : 0.0);
        break;
    case P_SOFTMAX:
        softmax(q, A, ps->arg, p);
        break;
    }
}

struct blog *gen_bandit(const struct gen_bandit_opts *o, struct ope_error *err)
{
    struct pol_spec ps[GEN_MAX_POLICIES];
    size_t np = 0;
    if (o->rows < 1 || o->actions < 2 || o->dim < 1) {
        ope_fail(err, OPE_EUSAGE, "gen bandit needs rows >= 1, actions >= 2, contexts >= 1");
        return NULL;
    }
    if (parse_policies(o->policies, ps, &np, err) != 0)
        return NULL;
    int A = o->actions, d = o->dim;
    size_t n = o->rows;
    struct blog *b = blog_new(n, A, 1, np, err);
    if (!b)
        return NULL;
    double *theta = ope_calloc((size_t)(2 * A * d + A), sizeof *theta, err);
    double *z = ope_calloc((size_t)(4 * A + d), sizeof *z, err);
    b->q = blog_matrix_new(A, n, err);
    b->num_ctx = ope_calloc((size_t)d, sizeof *b->num_ctx, err);
    b->num_ctx_name = ope_calloc((size_t)d, sizeof *b->num_ctx_name, err);
    if (!theta || !z || !b->q || !b->num_ctx || !b->num_ctx_name)
        goto fail;
    b->n_num_ctx = (size_t)d;
    for (int j = 0; j < d; j++) {
        char name[16];
        snprintf(name, sizeof name, "x%d", j);
        if (!(b->num_ctx[j] = ope_calloc(n, sizeof **b->num_ctx, err)) ||
            !(b->num_ctx_name[j] = ope_strdup(name, err)))
            goto fail;
    }
    for (size_t p = 0; p < np; p++)
        if (!(b->policy[p].name = ope_strdup(ps[p].name, err)))
            goto fail;
    /* The reward function: theta_a, phi_a ~ N(0, 1/d), b_a ~ N(0, 0.25). */
    struct ope_rng rng;
    ope_rng_init(&rng, o->seed, OPE_RNG_GENERATE, UINT64_MAX);
    double sd = 1.0 / sqrt((double)d);
    for (int k = 0; k < 2 * A * d; k++)
        theta[k] = sd * ope_rng_normal(&rng);
    for (int a = 0; a < A; a++)
        theta[2 * A * d + a] = 0.5 * ope_rng_normal(&rng);
    double *q = z, *pb = z + A, *pe = z + 2 * A, *x = z + 4 * A;
    for (size_t i = 0; i < n; i++) {
        struct ope_rng rr;
        ope_rng_init(&rr, o->seed, OPE_RNG_GENERATE, i);
        for (int j = 0; j < d; j++) {
            x[j] = ope_rng_normal(&rr);
            b->num_ctx[j][i] = x[j];
        }
        for (int a = 0; a < A; a++) {
            const double *th = theta + (size_t)a * (size_t)d;
            const double *ph = theta + (size_t)(A + a) * (size_t)d;
            double u = 0, v = 0;
            for (int j = 0; j < d; j++) {
                u += th[j] * x[j];
                v += ph[j] * x[j];
            }
            double zz = o->nonlinear ? sin(2.0 * u) + cos(2.0 * v) : u;
            zz += theta[2 * A * d + a];
            q[a] = o->binary ? 1.0 / (1.0 + exp(-zz)) : zz;
            b->q[a][i] = q[a];
        }
        softmax(q, A, o->beta, pb);
        int a = ope_rng_discrete(&rr, pb, A);
        b->action[i] = a;
        b->pscore[i] = pb[a];
        if (o->binary)
            b->reward[i] = ope_rng_uniform(&rr) < q[a] ? 1.0 : 0.0;
        else
            b->reward[i] = q[a] + ope_rng_normal(&rr);
        for (size_t p = 0; p < np; p++) {
            policy_probs(&ps[p], q, A, pe);
            for (int k = 0; k < A; k++)
                b->policy[p].prob[k][i] = pe[k];
        }
    }
    free(theta);
    free(z);
    return b;
fail:
    free(theta);
    free(z);
    blog_free(b);
    return NULL;
}

/* Formatting the numbers (shortest round-trip decimals: printf and strtod) is nearly
 * all of the time, so rows are formatted in parallel: a batch of tasks of
 * WRITE_TASK_ROWS rows each formats into its own buffer, and the buffers are written
 * in task order, so the file is the same bytes whatever the number of threads. A file
 * named *.gz is written as BGZF (bgzf.h), each task compressing its own rows into
 * members of their own, so in parallel too and the same bytes alike. */
enum { WRITE_TASK_ROWS = 4096, WRITE_BATCH_TASKS = 16 };

struct write_ctx {
    const struct blog *b;
    size_t first;                   /* the batch's first row */
    struct strbuf sb[WRITE_BATCH_TASKS];
    int bgzf;                       /* compress each task's rows (zb) */
    struct strbuf zb[WRITE_BATCH_TASKS];
    int failed[WRITE_BATCH_TASKS];
};

/* The buffer of task t to write: its rows, or their BGZF members. */
static const struct strbuf *task_out(const struct write_ctx *c, size_t t)
{
    return c->bgzf ? &c->zb[t] : &c->sb[t];
}

static void format_rows(void *vctx, size_t task)
{
    struct write_ctx *c = vctx;
    const struct blog *b = c->b;
    struct strbuf *sb = &c->sb[task];
    size_t lo = c->first + task * WRITE_TASK_ROWS;
    size_t hi = lo + WRITE_TASK_ROWS < b->n ? lo + WRITE_TASK_ROWS : b->n;
    int A = b->n_actions;
    strbuf_reset(sb);
    for (size_t i = lo; i < hi; i++) {
        /* Every number is finite here (formats.md), so csvout_number's empty cell for
         * NaN never appears. */
        char id[16];
        int k = (int)sizeof id;
        unsigned v = (unsigned)b->action[i];   /* an action id: 0 <= id < 10000 */
        do
            id[--k] = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        strbuf_add(sb, id + k, sizeof id - (size_t)k);
        csvout_number(sb, b->reward[i]);
        csvout_number(sb, b->pscore[i]);
        if (b->position)
            strbuf_printf(sb, ",%d", b->position[i]);
        for (size_t j = 0; j < b->n_num_ctx; j++)
            csvout_number(sb, b->num_ctx[j][i]);
        for (int a = 0; b->q && a < A; a++)
            csvout_number(sb, b->q[a][i]);
        for (int a = 0; b->qhat && a < A; a++)
            csvout_number(sb, b->qhat[a][i]);
        for (size_t p = 0; p < b->n_policies; p++)
            for (int a = 0; a < A; a++)
                csvout_number(sb, b->policy[p].prob[a][i]);
        strbuf_putc(sb, '\n');
    }
    if (c->bgzf) {
        struct ope_error e = { 0 };
        strbuf_reset(&c->zb[task]);
        c->failed[task] = strbuf_failed(sb) ||
                          bgzf_compress(sb->buf, sb->len, 1, &c->zb[task], &e) != 0;
    }
}

int blog_write_csv(const struct blog *b, const char *path, int force, int threads,
                   struct ope_progress *progress, struct ope_error *err)
{
    struct ope_outfile *f = ope_outfile_open(path, force, err);
    if (!f)
        return -1;
    struct write_ctx *c = ope_calloc(1, sizeof *c, err);
    if (!c) {
        ope_outfile_abort(f);
        return -1;
    }
    c->b = b;
    c->bgzf = !ope_outfile_is_stdout(path) && bgzf_wanted(path);
    for (int t = 0; t < WRITE_BATCH_TASKS; t++) {
        strbuf_init(&c->sb[t]);
        strbuf_init(&c->zb[t]);
    }
    struct strbuf *sb = &c->sb[0];
    int A = b->n_actions;
    strbuf_puts(sb, "action,reward,pscore");
    if (b->position)
        strbuf_puts(sb, ",position");
    for (size_t j = 0; j < b->n_num_ctx; j++)
        strbuf_printf(sb, ",%s", b->num_ctx_name[j]);
    if (b->q)
        for (int a = 0; a < A; a++)
            strbuf_printf(sb, ",q.%d", a);
    if (b->qhat)
        for (int a = 0; a < A; a++)
            strbuf_printf(sb, ",qhat.%d", a);
    for (size_t p = 0; p < b->n_policies; p++)
        for (int a = 0; a < A; a++)
            strbuf_printf(sb, ",pi.%s.%d", b->policy[p].name, a);
    strbuf_putc(sb, '\n');
    int rc = strbuf_failed(sb) ? ope_fail_oom(err) : 0;
    /* (the header a member of its own) */
    if (rc == 0 && c->bgzf)
        rc = bgzf_compress(sb->buf, sb->len, 1, &c->zb[0], err);
    if (rc == 0)
        rc = ope_outfile_write(f, task_out(c, 0)->buf, task_out(c, 0)->len, err);
    const size_t batch_rows = (size_t)WRITE_TASK_ROWS * WRITE_BATCH_TASKS;
    for (size_t first = 0; first < b->n && rc == 0; first += batch_rows) {
        size_t rows = b->n - first < batch_rows ? b->n - first : batch_rows;
        size_t tasks = (rows + WRITE_TASK_ROWS - 1) / WRITE_TASK_ROWS;
        c->first = first;
        if (ope_parallel_for(tasks, threads, format_rows, c, NULL, NULL) != 0
            || ope_progress_cancelled(progress)) {
            rc = ope_fail(err, OPE_EINTERRUPTED, "%s: writing cancelled", path);
            break;
        }
        for (size_t t = 0; t < tasks && rc == 0; t++)
            rc = strbuf_failed(task_out(c, t)) || c->failed[t] ? ope_fail_oom(err)
                 : ope_outfile_write(f, task_out(c, t)->buf, task_out(c, t)->len, err);
        ope_progress_report(progress, (double)(first + rows) / (double)b->n, "writing");
    }
    if (rc == 0 && c->bgzf) {
        strbuf_reset(&c->zb[0]);
        bgzf_end(&c->zb[0]);
        rc = strbuf_failed(&c->zb[0]) ? ope_fail_oom(err)
             : ope_outfile_write(f, c->zb[0].buf, c->zb[0].len, err);
    }
    for (int t = 0; t < WRITE_BATCH_TASKS; t++) {
        strbuf_release(&c->sb[t]);
        strbuf_release(&c->zb[t]);
    }
    free(c);
    if (rc != 0) {
        ope_outfile_abort(f);
        return -1;
    }
    return ope_outfile_commit(f, err);
}
