/* ope/app/resultread.c: the readers of saved exploration runs, training curves and
 * selection top-k curves (see resultread.h). Each reads the rows into a list first,
 * then checks the result is whole (every cell exactly once) before laying it out as
 * the computation does, so a hostile row count cannot make it allocate more than the
 * file holds. */
#include "config.h"
#include "ope/app/resultread.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"

/* Most distinct algorithm or estimator names in one file: names are looked up by a
 * linear search, and no command writes more than a few. */
#define RR_MAX_NAMES 64

/* ---- shared helpers ------------------------------------------------------------- */

/* A growable array of items of one size. */
struct rr_vec {
    char *p;
    size_t n, cap, size;
};

static void *vec_push(struct rr_vec *v, struct ope_error *err)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 1024;
        char *p = ope_realloc(v->p, cap * v->size, err);
        if (!p)
            return NULL;
        v->p = p;
        v->cap = cap;
    }
    return v->p + v->size * v->n++;
}

/* Names in order of first appearance. */
struct rr_names {
    char **s;
    size_t n;
};

static void names_free(struct rr_names *nm)
{
    for (size_t i = 0; i < nm->n; i++)
        free(nm->s[i]);
    free(nm->s);
    nm->s = NULL;
    nm->n = 0;
}

/* The index of name f (added when new); -1 with err past RR_MAX_NAMES or on OOM. */
static long names_index(struct rr_names *nm, const struct csv_field *f, const char *what,
                        const char *path, struct ope_error *err)
{
    /* Names are C strings from here on: a NUL byte would cut one short and could
     * merge two curves; an empty one leaves a legend entry blank. */
    if (f->len == 0 || memchr(f->s, '\0', f->len))
        return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: %s name among the %s; expected a "
                        "non-empty name", path, f->line, f->col,
                        f->len ? "a NUL byte in a" : "an empty", what);
    for (size_t i = 0; i < nm->n; i++)
        if (strcmp(nm->s[i], f->s) == 0)
            return (long)i;
    if (nm->n == RR_MAX_NAMES)
        return ope_fail(err, OPE_EDATA, "%s:%zu: more than %d %s", path, f->line,
                        RR_MAX_NAMES, what);
    if (!nm->s && !(nm->s = ope_calloc(RR_MAX_NAMES, sizeof *nm->s, err)))
        return -1;
    if (!(nm->s[nm->n] = strdup(f->s)))
        return ope_fail_oom(err);
    return (long)nm->n++;
}

/* Open path and find the wanted columns of its header (col[j] = -1 when missing);
 * the first n_req are required. what: the kind of file, for messages. */
static struct csv_reader *open_header(const char *path, const char *const *want, int n_want,
                                      int n_req, int *col, const char *what,
                                      struct ope_error *err)
{
    struct csv_reader *r = csv_open(path, ',', err);
    if (!r)
        return NULL;
    const struct csv_field *f;
    size_t n;
    int got = csv_next(r, &f, &n, err);
    if (got == 0)
        ope_fail(err, OPE_EDATA, "%s: empty file, expected %s", path, what);
    for (int j = 0; got == 1 && j < n_want; j++) {
        col[j] = -1;
        for (size_t c = 0; c < n; c++)
            if (strcmp(f[c].s, want[j]) == 0)
                col[j] = (int)c;
        if (col[j] < 0 && j < n_req) {
            ope_fail(err, OPE_EDATA, "%s:1: no column '%s': expected %s", path, want[j], what);
            got = -1;
        }
    }
    if (got != 1) {
        csv_close(r);
        return NULL;
    }
    return r;
}

/* The next data record, skipping blank lines, with every found column present:
 * 1, 0 at the end, -1 with err. */
static int next_row(struct csv_reader *r, const char *path, const int *col, int n_col,
                    const struct csv_field **f, struct ope_error *err)
{
    size_t n;
    int got;
    while ((got = csv_next(r, f, &n, err)) == 1 && n == 1 && (*f)[0].len == 0)
        ;
    for (int j = 0; got == 1 && j < n_col; j++)
        if (col[j] >= 0 && (size_t)col[j] >= n)
            return ope_fail(err, OPE_EDATA, "%s:%zu: %zu fields, too few", path,
                            csv_record_line(r), n);
    return got;
}

/* Cell flags: an empty cell reads as NaN; infinities and nan are accepted. */
enum { CELL_EMPTY = 1, CELL_NONFINITE = 2 };

/* The number in cell c of row f (NaN when the column is missing). */
static int cell_number(const char *path, const struct csv_field *f, int c, const char *name,
                       int flags, double *out, struct ope_error *err)
{
    *out = NAN;
    if (c < 0 || (f[c].len == 0 && (flags & CELL_EMPTY)))
        return 0;
    int rc = csv_parse_double(f[c].s, f[c].len, out);
    if (rc == -2 && (flags & CELL_NONFINITE)) {
        *out = strtod(f[c].s, NULL);    /* inf, -inf, nan, or an overflow */
        return 0;
    }
    if (rc != 0)
        return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column '%s': saw '%.20s', expected a "
                        "%snumber", path, f[c].line, f[c].col, name, f[c].s,
                        flags & CELL_NONFINITE ? "" : "finite ");
    return 0;
}

/* The integer in cell c of row f, in [lo, hi] (dflt when the column is missing). */
static int cell_long(const char *path, const struct csv_field *f, int c, const char *name,
                     long lo, long hi, long dflt, long *out, struct ope_error *err)
{
    *out = dflt;
    if (c >= 0 && csv_parse_long(f[c].s, f[c].len, lo, hi, out) != 0)
        return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column '%s': saw '%.20s', expected "
                        "%ld..%ld", path, f[c].line, f[c].col, name, f[c].s, lo, hi);
    return 0;
}

/* An unsigned 64-bit seed in cell c (0 when the column is missing). */
static int cell_seed(const char *path, const struct csv_field *f, int c, uint64_t *out,
                     struct ope_error *err)
{
    *out = 0;
    if (c < 0)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(f[c].s, &end, 10);
    if (f[c].len == 0 || f[c].s[0] < '0' || f[c].s[0] > '9' || *end || errno)
        return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column 'seed': saw '%.20s', expected "
                        "0..%llu", path, f[c].line, f[c].col, f[c].s, (unsigned long long)
                        UINT64_MAX);
    *out = (uint64_t)v;
    return 0;
}

/* The marks of a layout's cells already filled: a cell filled twice is an error at
 * the second row's line. */
static unsigned char *claim_new(size_t cells, struct ope_error *err)
{
    return ope_calloc(cells ? cells : 1, 1, err);
}

/* ---- exploration runs ----------------------------------------------------------- */

enum { X_EP, X_RUN, X_ALG, X_VALUE, X_REGRET, X_SEED, X_MIX, X_OPT, X_VREAL, X_LOWER,
       X_THR, X_VIOL, X_VIOLR, X_VBL, X_VBE, X_THRE, X_VIOLE, X_N };
static const char *const xpl_cols[X_N] = {
    "episode", "run", "algorithm", "value", "regret", "seed", "mix", "optimistic",
    "value_realised", "lower", "threshold", "violated", "violated_realised", "vb_learned",
    "vb_exact", "threshold_exact", "violated_exact"
};
#define XPL_WHAT "an `ope explore -o` run file (episode,run,seed,algorithm,mix,optimistic," \
    "value,value_realised,lower,threshold,violated,violated_realised,regret)"

struct xrow {
    size_t a, line;
    long run, ep;
    struct xpl_record rec;
};

/* One row of a run file into *w; the run's constants into x from the first row. */
static int xpl_row(const char *path, const struct csv_field *f, const int *col,
                   struct rr_names *nm, struct xrow *w, struct xpl_runs *x, int first,
                   struct ope_error *err)
{
    long a, v[5];
    double thr, vb[3];
    uint64_t seed;
    struct xpl_record *e = &w->rec;
    if ((a = names_index(nm, &f[col[X_ALG]], "algorithms", path, err)) < 0 ||
        cell_long(path, f, col[X_EP], "episode", 1, 100000000, 0, &w->ep, err) ||
        cell_long(path, f, col[X_RUN], "run", 0, 99999, 0, &w->run, err) ||
        cell_number(path, f, col[X_VALUE], "value", 0, &e->value, err) ||
        cell_number(path, f, col[X_REGRET], "regret", 0, &e->regret, err) ||
        cell_seed(path, f, col[X_SEED], &seed, err) ||
        cell_number(path, f, col[X_MIX], "mix", CELL_EMPTY, &e->mix, err) ||
        cell_long(path, f, col[X_OPT], "optimistic", 0, 1000000000, 0, &v[0], err) ||
        cell_number(path, f, col[X_VREAL], "value_realised", CELL_EMPTY, &e->value_real,
                    err) ||
        cell_number(path, f, col[X_LOWER], "lower", CELL_EMPTY, &e->lower, err) ||
        cell_number(path, f, col[X_THR], "threshold", CELL_EMPTY, &thr, err) ||
        cell_long(path, f, col[X_VIOL], "violated", 0, 1, 0, &v[1], err) ||
        cell_long(path, f, col[X_VIOLR], "violated_realised", 0, 1, 0, &v[2], err) ||
        cell_number(path, f, col[X_VBL], "vb_learned", CELL_EMPTY, &vb[0], err) ||
        cell_number(path, f, col[X_VBE], "vb_exact", CELL_EMPTY, &vb[1], err) ||
        cell_number(path, f, col[X_THRE], "threshold_exact", CELL_EMPTY, &vb[2], err) ||
        cell_long(path, f, col[X_VIOLE], "violated_exact", 0, 1, v[1], &v[3], err))
        return -1;
    w->a = (size_t)a;
    e->optimistic = (int)v[0];
    e->violated = (unsigned char)v[1];
    e->violated_real = (unsigned char)v[2];
    e->violated_exact = (unsigned char)v[3];
    if (first) {
        x->seed = col[X_SEED] >= 0 ? seed - (uint64_t)w->run : 0;
        x->vb_learned = vb[0];
        x->vb_exact = vb[1];
        x->threshold_exact = vb[2];
    }
    if (isnan(x->threshold))
        x->threshold = thr;
    return 0;
}

/* Lay the rows out as xpl_run_many does; the result must be whole. */
static int xpl_layout(const char *path, const struct rr_vec *rows, struct xpl_runs *x,
                      struct ope_error *err)
{
    const struct xrow *w = (const struct xrow *)rows->p;
    for (size_t i = 0; i < rows->n; i++) {
        x->R = w[i].run + 1 > x->R ? w[i].run + 1 : x->R;
        x->K = w[i].ep > x->K ? w[i].ep : x->K;
    }
    size_t cells = x->n_algs * (size_t)x->R * (size_t)x->K;
    if (cells != rows->n)
        return ope_fail(err, OPE_EDATA, "%s: not a whole run record: %zu algorithm(s) x %ld "
                        "run(s) x %ld episode(s) make %zu rows, the file has %zu (every "
                        "algorithm needs runs 0..R-1, each with episodes 1..K)", path,
                        x->n_algs, x->R, x->K, cells, rows->n);
    unsigned char *taken = claim_new(cells, err);
    if (!taken || !(x->rec = ope_malloc(cells * sizeof *x->rec, err))) {
        free(taken);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < rows->n && rc == 0; i++) {
        size_t s = (w[i].a * (size_t)x->R + (size_t)w[i].run) * (size_t)x->K +
                   (size_t)w[i].ep - 1;
        if (taken[s])
            rc = ope_fail(err, OPE_EDATA, "%s:%zu: algorithm %s, run %ld, episode %ld "
                          "appears twice", path, w[i].line, x->name[w[i].a], w[i].run,
                          w[i].ep);
        taken[s] = 1;
        x->rec[s] = w[i].rec;
    }
    free(taken);
    return rc;
}

int rr_load_explore(const char *path, struct xpl_runs *out, struct ope_error *err)
{
    int col[X_N];
    memset(out, 0, sizeof *out);
    struct csv_reader *r = open_header(path, xpl_cols, X_N, X_SEED, col, XPL_WHAT, err);
    if (!r)
        return -1;
    struct rr_vec rows = { NULL, 0, 0, sizeof(struct xrow) };
    struct rr_names nm = { NULL, 0 };
    const struct csv_field *f;
    int got;
    out->threshold = out->vb_learned = out->vb_exact = out->threshold_exact = NAN;
    out->offline = col[X_VBL] >= 0;
    while ((got = next_row(r, path, col, X_N, &f, err)) == 1) {
        struct xrow *w = vec_push(&rows, err);
        if (!w || xpl_row(path, f, col, &nm, w, out, rows.n == 1, err) != 0) {
            got = -1;
            break;
        }
        w->line = csv_record_line(r);
    }
    csv_close(r);
    if (got == 0 && rows.n == 0)
        got = ope_fail(err, OPE_EDATA, "%s: no episodes", path);
    out->n_algs = nm.n;
    out->name = (const char **)nm.s;
    if (got == 0)
        got = xpl_layout(path, &rows, out, err);
    free(rows.p);
    if (got != 0) {
        xpl_runs_release(out);
        return -1;
    }
    return 0;
}

/* ---- training curves -------------------------------------------------------------- */

enum { C_ALG, C_RUN, C_IT, C_VAL, C_SAMP, C_GRAD, C_N };
static const char *const curve_cols[C_N] = {
    "algorithm", "run", "iteration", "true_value", "samples", "grad_norm"
};
#define CURVE_WHAT "the curve file of `ope train ALGO --env` (algorithm,run,iteration," \
    "true_value,grad_norm,samples)"

struct crow {
    size_t a, line;
    long run, it;
    struct pg_record rec;
};

static int curve_row(const char *path, const struct csv_field *f, const int *col,
                     struct rr_names *nm, struct crow *w, struct ope_error *err)
{
    long a = names_index(nm, &f[col[C_ALG]], "algorithms", path, err);
    if (a < 0 ||
        cell_long(path, f, col[C_RUN], "run", 0, 99999, 0, &w->run, err) ||
        cell_long(path, f, col[C_IT], "iteration", 0, 1000000000, 0, &w->it, err) ||
        cell_number(path, f, col[C_VAL], "true_value", 0, &w->rec.value, err) ||
        cell_number(path, f, col[C_SAMP], "samples", 0, &w->rec.samples, err) ||
        cell_number(path, f, col[C_GRAD], "grad_norm", CELL_EMPTY, &w->rec.grad_norm, err))
        return -1;
    if (strlen(nm->s[a]) >= sizeof ((struct pg_result *)0)->label)
        return ope_fail(err, OPE_EDATA, "%s:%zu: algorithm name '%.40s...' is longer than "
                        "%zu bytes", path, f[col[C_ALG]].line, nm->s[a],
                        sizeof ((struct pg_result *)0)->label - 1);
    w->a = (size_t)a;
    w->rec.aux[0] = w->rec.aux[1] = NAN;
    return 0;
}

/* Size each algorithm's result from its rows, then place the rows. */
static int curve_layout(const char *path, const struct rr_vec *rows, struct pg_result *res,
                        size_t n, struct ope_error *err)
{
    const struct crow *w = (const struct crow *)rows->p;
    size_t *count = ope_calloc(n, sizeof *count, err);
    if (!count)
        return -1;
    for (size_t i = 0; i < rows->n; i++) {
        struct pg_result *q = &res[w[i].a];
        q->n_runs = (int)w[i].run + 1 > q->n_runs ? (int)w[i].run + 1 : q->n_runs;
        q->n_iter = w[i].it > q->n_iter ? w[i].it : q->n_iter;
        count[w[i].a]++;
    }
    int rc = 0;
    unsigned char *taken = NULL;
    for (size_t a = 0; a < n && rc == 0; a++) {
        size_t cells = (size_t)res[a].n_runs * ((size_t)res[a].n_iter + 1);
        if (cells != count[a])
            rc = ope_fail(err, OPE_EDATA, "%s: algorithm %s: not whole curves: %d run(s) x "
                          "%ld iteration(s) make %zu rows, the file has %zu (every run needs "
                          "iterations 0..N)", path, res[a].label, res[a].n_runs,
                          res[a].n_iter + 1, cells, count[a]);
        else if (!(res[a].rec = ope_malloc(cells * sizeof *res[a].rec, err)))
            rc = -1;
    }
    size_t total = rows->n;
    if (rc == 0 && !(taken = claim_new(total, err)))
        rc = -1;
    /* A row's place in the concatenation of every algorithm's records. */
    size_t *base = rc == 0 ? ope_calloc(n, sizeof *base, err) : NULL;
    if (rc == 0 && !base)
        rc = -1;
    for (size_t a = 1; rc == 0 && a < n; a++)
        base[a] = base[a - 1] + count[a - 1];
    for (size_t i = 0; i < rows->n && rc == 0; i++) {
        struct pg_result *q = &res[w[i].a];
        size_t s = (size_t)w[i].run * ((size_t)q->n_iter + 1) + (size_t)w[i].it;
        if (taken[base[w[i].a] + s])
            rc = ope_fail(err, OPE_EDATA, "%s:%zu: algorithm %s, run %ld, iteration %ld "
                          "appears twice", path, w[i].line, q->label, w[i].run, w[i].it);
        taken[base[w[i].a] + s] = 1;
        q->rec[s] = w[i].rec;
    }
    free(base);
    free(taken);
    free(count);
    return rc;
}

int rr_load_curves(const char *path, struct pg_result **res, size_t *n, struct ope_error *err)
{
    int col[C_N];
    *res = NULL;
    *n = 0;
    struct csv_reader *r = open_header(path, curve_cols, C_N, C_GRAD, col, CURVE_WHAT, err);
    if (!r)
        return -1;
    struct rr_vec rows = { NULL, 0, 0, sizeof(struct crow) };
    struct rr_names nm = { NULL, 0 };
    const struct csv_field *f;
    int got;
    while ((got = next_row(r, path, col, C_N, &f, err)) == 1) {
        struct crow *w = vec_push(&rows, err);
        if (!w || curve_row(path, f, col, &nm, w, err) != 0) {
            got = -1;
            break;
        }
        w->line = csv_record_line(r);
    }
    csv_close(r);
    if (got == 0 && rows.n == 0)
        got = ope_fail(err, OPE_EDATA, "%s: no rows", path);
    struct pg_result *q = got == 0 ? ope_calloc(nm.n, sizeof *q, err) : NULL;
    if (got == 0 && !q)
        got = -1;
    for (size_t a = 0; got == 0 && a < nm.n; a++) {
        snprintf(q[a].label, sizeof q[a].label, "%s", nm.s[a]);
        q[a].algo = pg_find(nm.s[a]);
    }
    if (got == 0)
        got = curve_layout(path, &rows, q, nm.n, err);
    free(rows.p);
    if (got != 0) {
        rr_curves_free(q, nm.n);
        names_free(&nm);
        return -1;
    }
    *res = q;
    *n = nm.n;
    names_free(&nm);
    return 0;
}

void rr_curves_free(struct pg_result *res, size_t n)
{
    for (size_t a = 0; res && a < n; a++)
        pg_result_release(&res[a]);
    free(res);
}

/* ---- selection top-k curves ------------------------------------------------------- */

enum { S_EST, S_K, S_BEST, S_WORST, S_MEAN, S_STD, S_VIOL, S_SHARPE, S_N };
static const char *const sel_cols[S_N] = {
    "estimator", "k", "best", "worst", "mean", "std", "safety_violation_rate", "sharpe_ratio"
};
#define SEL_WHAT "the per-k CSV of `ope select --format csv` (estimator,k,best,worst,mean," \
    "std,safety_violation_rate,sharpe_ratio,...)"
#define SEL_MAX_K 4096

struct srow {
    size_t e, line;
    long k;
    struct ops_topk t;
};

static int sel_row(const char *path, const struct csv_field *f, const int *col,
                   struct rr_names *nm, struct srow *w, struct ope_error *err)
{
    long e = names_index(nm, &f[col[S_EST]], "estimators", path, err);
    double *v[6] = { &w->t.best, &w->t.worst, &w->t.mean, &w->t.std, &w->t.violation,
                     &w->t.sharpe };
    if (e < 0 || cell_long(path, f, col[S_K], "k", 1, SEL_MAX_K, 0, &w->k, err))
        return -1;
    for (int j = 0; j < 6; j++)
        if (cell_number(path, f, col[S_BEST + j], sel_cols[S_BEST + j],
                        CELL_EMPTY | CELL_NONFINITE, v[j], err))
            return -1;
    w->e = (size_t)e;
    return 0;
}

static int sel_layout(const char *path, const struct rr_vec *rows, struct ops_curves *c,
                      struct ope_error *err)
{
    const struct srow *w = (const struct srow *)rows->p;
    for (size_t i = 0; i < rows->n; i++)
        c->M = (size_t)w[i].k > c->M ? (size_t)w[i].k : c->M;
    unsigned char *taken = claim_new(c->n * c->M, err);
    if (!taken)
        return -1;
    int rc = 0;
    for (size_t e = 0; e < c->n && rc == 0; e++) {
        struct ops_topk *t = ope_malloc(c->M * sizeof *t, err);
        if (!t) {
            rc = -1;
            break;
        }
        for (size_t k = 0; k < c->M; k++)
            t[k] = (struct ops_topk){ NAN, NAN, NAN, NAN, NAN, NAN };
        c->curve[e].topk = t;
    }
    for (size_t i = 0; i < rows->n && rc == 0; i++) {
        size_t s = w[i].e * c->M + (size_t)w[i].k - 1;
        if (taken[s])
            rc = ope_fail(err, OPE_EDATA, "%s:%zu: estimator %s has k = %ld twice", path,
                          w[i].line, c->curve[w[i].e].label, w[i].k);
        taken[s] = 1;
        ((struct ops_topk *)c->curve[w[i].e].topk)[w[i].k - 1] = w[i].t;
    }
    free(taken);
    return rc;
}

int rr_load_select(const char *path, struct ops_curves *out, struct ope_error *err)
{
    int col[S_N];
    memset(out, 0, sizeof *out);
    struct csv_reader *r = open_header(path, sel_cols, S_N, S_N, col, SEL_WHAT, err);
    if (!r)
        return -1;
    struct rr_vec rows = { NULL, 0, 0, sizeof(struct srow) };
    struct rr_names nm = { NULL, 0 };
    const struct csv_field *f;
    int got;
    while ((got = next_row(r, path, col, S_N, &f, err)) == 1) {
        struct srow *w = vec_push(&rows, err);
        if (!w || sel_row(path, f, col, &nm, w, err) != 0) {
            got = -1;
            break;
        }
        w->line = csv_record_line(r);
    }
    csv_close(r);
    if (got == 0 && rows.n == 0)
        got = ope_fail(err, OPE_EDATA, "%s: no rows", path);
    if (got == 0 && !(out->curve = ope_calloc(nm.n, sizeof *out->curve, err)))
        got = -1;
    if (got == 0) {
        out->n = nm.n;
        for (size_t e = 0; e < nm.n; e++) {
            out->curve[e].label = nm.s[e];
            nm.s[e] = NULL;
        }
        got = sel_layout(path, &rows, out, err);
    }
    free(rows.p);
    names_free(&nm);
    if (got != 0) {
        ops_curves_release(out);
        return -1;
    }
    return 0;
}
