/* ope/cmd_info.c: `ope info DATA`: what ope sees in a log before anything is
 * estimated: kind and size, the role of every column, propensity and reward
 * summaries, per-policy importance-weight diagnostics, context columns, warnings.
 * The report is built as sections of cells and then drawn as a table, JSON or CSV. */
#include "config.h"
#include "ope/cmd.h"

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/blog.h"
#include "datasets/blog_stream.h"
#include "datasets/csv.h"
#include "datasets/logrange.h"
#include "datasets/roles.h"
#include "datasets/tlog.h"
#include "datasets/tlog_stream.h"
#include "estimators/diag.h"
#include "ope/base/csvout.h"
#include "ope/base/json.h"
#include "ope/app/loadcli.h"
#include "ope/app/output.h"
#include "ope/base/strbuf.h"
#include "ope/base/utf8.h"
#include "ope/base/sum.h"

#define INFO_MAX_COLS 5

struct cell {
    char *s;        /* text (for strings, and numbers in the table) */
    double x;
    int num;        /* 1: a number (x), JSON without quotes */
};

/* A section: key-value pairs (kv) or a table with a header. */
struct section {
    const char *key;        /* JSON key and CSV section name */
    const char *title;      /* table heading */
    int kv;
    size_t ncol;
    const char *head[INFO_MAX_COLS];
    size_t nrow, cap;
    struct cell *cells;     /* [nrow * ncol] */
};

struct report {
    struct section sec[8];
    size_t nsec;
    struct section warnings;    /* drawn last */
    int failed;
};

static struct section *sec_new(struct report *rp, const char *key, const char *title,
                               int kv, size_t ncol, ...)
{
    struct section *s = &rp->sec[rp->nsec++];
    memset(s, 0, sizeof *s);
    s->key = key, s->title = title, s->kv = kv, s->ncol = ncol;
    va_list ap;
    va_start(ap, ncol);
    for (size_t c = 0; c < ncol; c++)
        s->head[c] = va_arg(ap, const char *);
    va_end(ap);
    return s;
}

static struct cell *sec_cell(struct report *rp, struct section *s, size_t col)
{
    if (col == 0) {
        if (s->nrow == s->cap) {
            size_t nc = s->cap ? 2 * s->cap : 16;
            struct cell *c = realloc(s->cells, nc * s->ncol * sizeof *c);
            if (!c) {
                rp->failed = 1;
                return NULL;
            }
            s->cells = c, s->cap = nc;
        }
        memset(&s->cells[s->nrow * s->ncol], 0, s->ncol * sizeof *s->cells);
        s->nrow++;
    }
    return &s->cells[(s->nrow - 1) * s->ncol + col];
}

static void put_str(struct report *rp, struct section *s, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put_str(struct report *rp, struct section *s, size_t col, const char *fmt, ...)
{
    struct cell *c = sec_cell(rp, s, col);
    if (!c)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&c->s, fmt, ap) < 0) {
        c->s = NULL;
        rp->failed = 1;
    }
    va_end(ap);
}

static void put_num(struct report *rp, struct section *s, size_t col, double x)
{
    struct cell *c = sec_cell(rp, s, col);
    if (!c)
        return;
    c->num = 1, c->x = x;
    int whole = isfinite(x) && fabs(x) < 1e15 && x == floor(x);
    if (asprintf(&c->s, whole ? "%.0f" : isfinite(x) ? "%.6g" : "-", x) < 0) {
        c->s = NULL;
        rp->failed = 1;
    }
}

/* A key-value row. */
static void kv_num(struct report *rp, struct section *s, const char *k, double x)
{
    put_str(rp, s, 0, "%s", k);
    put_num(rp, s, 1, x);
}

static void kv_str(struct report *rp, struct section *s, const char *k, const char *v)
{
    put_str(rp, s, 0, "%s", k);
    put_str(rp, s, 1, "%s", v);
}

static void warn(struct report *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct report *rp, const char *fmt, ...)
{
    struct cell *c = sec_cell(rp, &rp->warnings, 0);
    if (!c)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&c->s, fmt, ap) < 0) {
        c->s = NULL;
        rp->failed = 1;
    }
    va_end(ap);
}

static void report_release(struct report *rp)
{
    for (size_t k = 0; k <= rp->nsec; k++) {
        struct section *s = k < rp->nsec ? &rp->sec[k] : &rp->warnings;
        for (size_t i = 0; i < s->nrow * s->ncol; i++)
            free(s->cells[i].s);
        free(s->cells);
    }
}

/* ---- what is computed ---------------------------------------------------- */

struct stats { double min, max, mean; size_t argmin; };

static struct stats stats_of(const double *x, size_t n)
{
    struct stats st = { INFINITY, -INFINITY, NAN, 0 };
    struct ope_sum k;
    ope_sum_init(&k);
    for (size_t i = 0; i < n; i++) {
        if (x[i] < st.min)
            st.min = x[i], st.argmin = i;
        if (x[i] > st.max)
            st.max = x[i];
        ope_sum_add(&k, x[i]);
    }
    if (n)
        st.mean = ope_sum_value(&k) / (double)n;
    return st;
}

static double mean_inverse(const double *p, size_t n)
{
    struct ope_sum k;
    ope_sum_init(&k);
    for (size_t i = 0; i < n; i++)
        ope_sum_add(&k, 1.0 / p[i]);
    return n ? ope_sum_value(&k) / (double)n : NAN;
}

/* A policy's row: mean, effective sample size and maximum of its weights w, the mass
 * on unlogged actions, and the warnings of estimators/diag.h -- the ones `ope eval`,
 * the TUI and the reports give for the same log. */
static void weight_row(struct report *rp, struct section *s, const char *name,
                       const struct diag_weights *dw, double unsupported, enum diag_unit unit)
{
    struct diag_warnings msgs;
    put_str(rp, s, 0, "%s", name);
    put_num(rp, s, 1, dw->mean);
    put_num(rp, s, 2, dw->ess);
    put_num(rp, s, 3, dw->max);
    put_num(rp, s, 4, unsupported);
    diag_policy_warnings(dw, unsupported, unit, &msgs);
    for (size_t k = 0; k < msgs.n; k++)
        warn(rp, "policy '%s': %s", name, msgs.text[k]);
}

static void common_summary(struct report *rp, struct section *s, const double *pscore,
                           const double *reward, const size_t *line, size_t n)
{
    struct stats p = stats_of(pscore, n), r = stats_of(reward, n);
    kv_num(rp, s, "pscore_min", p.min);
    kv_num(rp, s, "pscore_max", p.max);
    kv_num(rp, s, "pscore_mean", p.mean);
    kv_num(rp, s, "inverse_pscore_mean", mean_inverse(pscore, n));
    kv_num(rp, s, "reward_mean", r.mean);
    kv_num(rp, s, "reward_min", r.min);
    kv_num(rp, s, "reward_max", r.max);
    if (p.min < 1e-3)
        warn(rp, "smallest pscore is %g (line %zu): importance weights can reach %.3g",
             p.min, line ? line[p.argmin] : p.argmin + 2, 1.0 / p.min);
}

static void columns_section(struct report *rp, char *const *names, char *const *roles,
                            size_t n)
{
    struct section *s = sec_new(rp, "columns", "Columns", 0, 3, "index", "column", "role");
    size_t ignored = 0;
    for (size_t j = 0; j < n; j++) {
        put_num(rp, s, 0, (double)(j + 1));
        put_str(rp, s, 1, "%s", names[j]);
        put_str(rp, s, 2, "%s", roles[j]);
        ignored += strncmp(roles[j], "ignored", 7) == 0;
    }
    if (ignored)
        warn(rp, "%zu of %zu columns are ignored (see the roles above; --map and the "
             "--*-columns patterns bring them in)", ignored, n);
}

/* ---- a bandit log's numbers, window by window ------------------------------------
 * Every number of the bandit report is a running accumulation over the rows in
 * order (min, max, compensated sums, counts, the weights' diag_acc), so feeding the
 * consecutive windows of a streamed log (datasets/blog_stream.h) gives the bits the
 * whole log gives; the whole log is fed as one window. Two things need a whole-log
 * fact first and so a second reading: the probability on never-logged actions (the
 * support) and the first row whose weight overflows (the largest reward); each is
 * read again only when it can be non-zero or fail. */

struct run_stats {
    double min, max;
    size_t argmin_line;
    struct ope_sum k;
};

struct info_acc {
    size_t n;
    struct run_stats p, r;
    struct ope_sum inv;         /* sum of 1/pscore */
    size_t A, L, P;
    double *total, *rsum;       /* [A] rows and reward sum per action */
    struct diag_support sup;
    struct diag_acc *w;         /* [P] importance weights */
    double *maxw;               /* [P] largest weight */
    struct ope_sum *un;         /* [P] probability on unseen actions */
    double rmax;                /* largest |reward|, at least 1 */
    int range_p;                /* first policy whose weights overflow, or -1 */
    int range_failed;
    struct ope_error range_err;
};

static void run_init(struct run_stats *st)
{
    st->min = INFINITY, st->max = -INFINITY, st->argmin_line = 0;
    ope_sum_init(&st->k);
}

static void run_add(struct run_stats *st, const double *x, const size_t *line, size_t first,
                    size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (x[i] < st->min)
            st->min = x[i], st->argmin_line = line ? line[i] : first + i + 2;
        if (x[i] > st->max)
            st->max = x[i];
        ope_sum_add(&st->k, x[i]);
    }
}

static int acc_init(struct info_acc *a, const struct blog *b, struct ope_error *err)
{
    memset(a, 0, sizeof *a);
    run_init(&a->p);
    run_init(&a->r);
    ope_sum_init(&a->inv);
    a->A = (size_t)b->n_actions;
    a->L = (size_t)(b->n_positions > 0 ? b->n_positions : 1);
    a->P = b->n_policies;
    a->rmax = 1.0;
    a->range_p = -1;
    struct blog none = { .n_actions = b->n_actions, .n_positions = b->n_positions };
    if (!(a->total = ope_calloc(a->A, sizeof *a->total, err)) ||
        !(a->rsum = ope_calloc(a->A, sizeof *a->rsum, err)) ||
        !(a->w = ope_calloc(a->P + 1, sizeof *a->w, err)) ||
        !(a->maxw = ope_calloc(a->P + 1, sizeof *a->maxw, err)) ||
        !(a->un = ope_calloc(a->P + 1, sizeof *a->un, err)) ||
        diag_support_blog(&a->sup, &none, err) != 0)
        return -1;
    for (size_t p = 0; p < a->P; p++) {
        diag_acc_init(&a->w[p]);
        ope_sum_init(&a->un[p]);
    }
    return 0;
}

static void acc_release(struct info_acc *a)
{
    free(a->total);
    free(a->rsum);
    free(a->w);
    free(a->maxw);
    free(a->un);
    diag_support_release(&a->sup);
}

/* The first reading: rows [first, first + b->n) of the log. */
static void acc_window(struct info_acc *a, const struct blog *b, size_t first)
{
    run_add(&a->p, b->pscore, b->line, first, b->n);
    run_add(&a->r, b->reward, b->line, first, b->n);
    for (size_t i = 0; i < b->n; i++) {
        size_t act = (size_t)b->action[i], pos = b->position ? (size_t)b->position[i] : 0;
        ope_sum_add(&a->inv, 1.0 / b->pscore[i]);
        a->total[act] += 1;
        a->rsum[act] += b->reward[i];
        a->rmax = fmax(a->rmax, fabs(b->reward[i]));
        a->sup.seen[pos * a->A + act] = 1;
    }
    for (size_t p = 0; p < a->P; p++) {
        double **prob = b->policy[p].prob;
        for (size_t i = 0; i < b->n; i++) {
            double w = prob[b->action[i]][i] / b->pscore[i];
            diag_acc_add(&a->w[p], w);
            if (w > a->maxw[p])
                a->maxw[p] = w;
        }
    }
    a->n += b->n;
}

/* After the first reading: is a second one needed, for the unseen actions' mass (some
 * action never logged at some position) or for the overflow's row? */
static int acc_need_unsupported(const struct info_acc *a)
{
    for (size_t k = 0; a->P && k < a->L * a->A; k++)
        if (!a->sup.seen[k])
            return 1;
    return 0;
}

static int acc_need_range(struct info_acc *a)
{
    /* w * rmax rounds monotonically in w: the largest weight passes iff all do. */
    double lim = logrange_term_max(a->n);
    for (size_t p = 0; p < a->P && a->range_p < 0; p++)
        if (!(a->maxw[p] * a->rmax <= lim))
            a->range_p = (int)p;
    return a->range_p >= 0;
}

/* The second reading. */
static void acc_window2(struct info_acc *a, const struct blog *b, int unsup, int range)
{
    for (size_t p = 0; unsup && p < a->P; p++)
        diag_unsupported_blog_add(&a->sup, b, p, &a->un[p]);
    if (range && !a->range_failed &&
        blog_check_range_policy(b, (size_t)a->range_p, a->rmax, a->n, &a->range_err) != 0)
        a->range_failed = 1;
}

static void common_summary_acc(struct report *rp, struct section *s, const struct info_acc *a)
{
    double n = (double)a->n;
    kv_num(rp, s, "pscore_min", a->p.min);
    kv_num(rp, s, "pscore_max", a->p.max);
    kv_num(rp, s, "pscore_mean", a->n ? ope_sum_value(&a->p.k) / n : NAN);
    kv_num(rp, s, "inverse_pscore_mean", a->n ? ope_sum_value(&a->inv) / n : NAN);
    kv_num(rp, s, "reward_mean", a->n ? ope_sum_value(&a->r.k) / n : NAN);
    kv_num(rp, s, "reward_min", a->r.min);
    kv_num(rp, s, "reward_max", a->r.max);
    if (a->p.min < 1e-3)
        warn(rp, "smallest pscore is %g (line %zu): importance weights can reach %.3g",
             a->p.min, a->p.argmin_line, 1.0 / a->p.min);
}

/* The report of a bandit log from its accumulated numbers; b gives the whole-log facts
 * (names, columns, levels: a window of a streamed log has the whole log's). */
static void bandit_report_acc(struct report *rp, const struct blog *b, struct info_acc *a)
{
    struct section *s = sec_new(rp, "summary", "Summary", 1, 2, "field", "value");
    kv_str(rp, s, "file", b->path);
    kv_str(rp, s, "kind", "bandit");
    kv_num(rp, s, "rows", (double)a->n);
    kv_num(rp, s, "actions", b->n_actions);
    kv_num(rp, s, "positions", b->n_positions);
    kv_num(rp, s, "policies", (double)b->n_policies);
    kv_num(rp, s, "context_columns", (double)(b->n_num_ctx + b->n_cat_ctx));
    kv_str(rp, s, "reward_model_columns", b->qhat ? "yes" : "no");
    kv_str(rp, s, "true_reward_columns", b->q ? "yes" : "no");
    common_summary_acc(rp, s, a);
    columns_section(rp, b->columns, b->column_role, b->n_columns);

    /* How often each action was logged, with its mean reward: actions never logged
     * are invisible to every weight-based estimator. */
    struct section *as = sec_new(rp, "actions", "Actions (logged frequency)", 0, 4, "action",
                                 "rows", "share", "mean_reward");
    size_t never = 0;
    for (size_t k = 0; k < a->A; k++) {
        put_num(rp, as, 0, (double)k);
        put_num(rp, as, 1, a->total[k]);
        put_num(rp, as, 2, a->n ? a->total[k] / (double)a->n : 0);
        if (a->total[k] > 0)
            put_num(rp, as, 3, a->rsum[k] / a->total[k]);
        else
            put_str(rp, as, 3, "-");
        never += a->total[k] == 0;
    }
    if (never)
        warn(rp, "%zu of %zu actions never appear in the log", never, a->A);

    struct section *ps = sec_new(rp, "policies", "Policies (weights pi(a_i|x_i) / pscore_i)",
                                 0, 5, "policy", "mean_weight", "ess", "max_weight",
                                 "unsupported_mass");
    for (size_t p = 0; p < b->n_policies; p++) {
        struct diag_weights dw;
        diag_acc_result(&a->w[p], &dw);
        weight_row(rp, ps, b->policy[p].name, &dw,
                   a->n ? ope_sum_value(&a->un[p]) / (double)a->n : NAN, DIAG_ROWS);
    }
    /* Weights past what a double can sum show as "-" above: say why, and that `ope
     * eval` refuses the log. */
    if (a->range_failed)
        warn(rp, "%s; `ope eval` refuses this log", a->range_err.msg);
    if (b->n_policies == 0)
        warn(rp, "no evaluation policy columns (pi.NAME.ACTION): `ope eval` needs them "
             "or a policy given another way");

    struct section *cs = sec_new(rp, "context", "Context columns", 0, 3, "column", "type",
                                 "levels");
    for (size_t j = 0; j < b->n_num_ctx; j++) {
        put_str(rp, cs, 0, "%s", b->num_ctx_name[j]);
        put_str(rp, cs, 1, "numeric");
        put_str(rp, cs, 2, "-");
    }
    for (size_t j = 0; j < b->n_cat_ctx; j++) {
        put_str(rp, cs, 0, "%s", b->cat_ctx[j].name);
        put_str(rp, cs, 1, "categorical");
        put_num(rp, cs, 2, (double)b->cat_ctx[j].n_levels);
        if (a->n > 1 && b->cat_ctx[j].n_levels == a->n)
            warn(rp, "context column '%s' has a different value on every row: as a "
                 "category it tells the reward model nothing", b->cat_ctx[j].name);
    }
}

static void bandit_report(struct report *rp, const struct blog *b)
{
    struct info_acc a;
    struct ope_error err;
    if (acc_init(&a, b, &err) != 0) {
        acc_release(&a);
        rp->failed = 1;
        return;
    }
    acc_window(&a, b, 0);
    int unsup = acc_need_unsupported(&a), range = acc_need_range(&a);
    if (unsup || range)
        acc_window2(&a, b, unsup, range);
    bandit_report_acc(rp, b, &a);
    acc_release(&a);
}

/* The same report of a log read in windows: one reading, and a second when the
 * unseen actions' mass or an overflowing weight needs it. 0, or -1 with err. */
static int bandit_report_stream(struct report *rp, struct blog_stream *st,
                                struct ope_error *err)
{
    const struct blog *w;
    size_t first;
    int rc = blog_stream_next(st, &w, &first, err);
    if (rc <= 0)
        return rc < 0 ? -1 : ope_fail(err, OPE_ESOFTWARE, "the stream has no rows");
    struct info_acc a;
    if (acc_init(&a, w, err) != 0) {
        acc_release(&a);
        return -1;
    }
    do
        acc_window(&a, w, first);
    while ((rc = blog_stream_next(st, &w, &first, err)) == 1);
    int unsup = acc_need_unsupported(&a), range = rc == 0 && acc_need_range(&a);
    if (rc == 0 && (unsup || range)) {
        if (blog_stream_rewind(st, err) != 0)
            rc = -1;
        while (rc == 0 && (rc = blog_stream_next(st, &w, &first, err)) == 1) {
            acc_window2(&a, w, unsup, range);
            rc = 0;
        }
    }
    if (rc == 0)
        bandit_report_acc(rp, w, &a);
    acc_release(&a);
    return rc;
}

/* The roles of a trajectory log's columns (the tlog does not keep its header: f, n
 * is the copy taken when the log was opened, which is read only once). */
static void traj_columns(struct report *rp, const char *path, const struct csv_field *f,
                         size_t n, const struct load_opts *o)
{
    struct ope_error err;
    struct roles r;
    ope_error_clear(&err);
    memset(&r, 0, sizeof r);
    if (f && roles_resolve(&r, f, n, o, 1, path, &err) == 0) {
        char **roles = calloc(n, sizeof *roles);
        for (size_t j = 0; roles && j < n; j++)
            roles[j] = roles_describe(&r, j);
        for (size_t j = 0; roles && j < n; j++)
            if (!roles[j])
                rp->failed = 1;
        if (roles && !rp->failed)
            columns_section(rp, r.name, roles, n);
        for (size_t j = 0; roles && j < n; j++)
            free(roles[j]);
        free(roles);
    }
    if (!f)
        rp->failed = 1;
    roles_release(&r);
}

static void header_free(struct csv_field *f, size_t n)
{
    for (size_t j = 0; f && j < n; j++)
        free((char *)f[j].s);
    free(f);
}

/* A copy of the header record the reader holds (csv_next, then csv_unget): its
 * fields, each string its own allocation. NULL when out of memory. */
static struct csv_field *header_copy(struct csv_reader *csv, size_t *n, struct ope_error *err)
{
    const struct csv_field *f;
    if (csv_next(csv, &f, n, err) != 1)
        return NULL;
    csv_unget(csv);
    struct csv_field *c = calloc(*n ? *n : 1, sizeof *c);
    for (size_t j = 0; c && j < *n; j++) {
        c[j] = f[j];
        if (!(c[j].s = strdup(f[j].s))) {
            header_free(c, j);
            return NULL;
        }
    }
    return c;
}


static void traj_report(struct report *rp, const struct tlog *t, const struct csv_field *hdr,
                        size_t nh, const struct load_opts *o)
{
    struct section *s = sec_new(rp, "summary", "Summary", 1, 2, "field", "value");
    size_t terminated = 0;
    for (size_t e = 0; t->done && e < t->n_episodes; e++)
        terminated += t->ep_start[e + 1] > t->ep_start[e] && t->done[t->ep_start[e + 1] - 1];
    kv_str(rp, s, "file", t->path);
    kv_str(rp, s, "kind", "trajectories");
    kv_num(rp, s, "rows", (double)t->n_steps);
    kv_num(rp, s, "episodes", (double)t->n_episodes);
    kv_num(rp, s, "horizon", t->horizon);
    kv_num(rp, s, "mean_episode_length", (double)t->n_steps / (double)t->n_episodes);
    kv_num(rp, s, "terminated_episodes", (double)terminated);
    kv_num(rp, s, "actions", t->n_actions);
    kv_num(rp, s, "states", t->n_states);
    kv_num(rp, s, "state_features", (double)t->n_features);
    kv_num(rp, s, "policies", (double)t->n_policies);
    kv_num(rp, s, "mean_return", tlog_mean_return(t, 1.0));
    common_summary(rp, s, t->pscore, t->reward, t->line, t->n_steps);
    traj_columns(rp, t->path, hdr, nh, o);

    struct section *ps = sec_new(rp, "policies", "Policies (episode weights: product over "
                                 "steps of pi(a_t|s_t) / pscore_t)", 0, 5, "policy",
                                 "mean_weight", "ess", "max_weight", "unsupported_mass");
    double *wt = malloc((t->n_episodes ? t->n_episodes : 1) * sizeof *wt);
    struct diag_support sup = { NULL, 0, 0 };
    struct ope_error err;
    if (!wt || diag_support_tlog(&sup, t, &err) != 0) {
        free(wt);
        rp->failed = 1;
        return;
    }
    for (size_t p = 0; p < t->n_policies; p++) {
        struct diag_weights dw;
        diag_episode_weights(t, p, wt);
        diag_weights_of(wt, t->n_episodes, &dw);
        weight_row(rp, ps, t->policy[p].name, &dw, diag_unsupported_tlog(&sup, t, p),
                   DIAG_TRAJECTORIES);
    }
    diag_support_release(&sup);
    free(wt);
    if (tlog_check_range(t, &err) != 0)
        warn(rp, "%s; `ope eval` refuses this log", err.msg);
    /* A policy file is looked up by the tabular state: recommend it only when there is one. */
    if (t->n_policies == 0)
        warn(rp, t->state ? "no evaluation policy columns (pi.NAME.ACTION): `ope eval` needs "
             "them or a tabular policy file, --policy NAME=FILE"
             : "no evaluation policy columns (pi.NAME.ACTION): `ope eval` needs them");
}

/* The same report from a trajectory log read in windows of episodes (tlog_stream.h),
 * in one pass: every number is a running accumulation in the log's order (the
 * summary's, the episode weights' diag_acc), so they are the whole log's bits, but for
 * the unsupported mass, summed per (state, action) instead of per row (to rounding),
 * and the weights' range check, made from the largest weight and return once the
 * episodes are counted (it names the policy, not the episode). 0, or -1 with err. */
static int traj_report_stream(struct report *rp, struct csv_reader *csv,
                              const struct csv_field *hdr, size_t nh,
                              const struct load_opts *o, struct ope_error *err)
{
    struct tlog_stream *ts = tlog_stream_open(csv, o, 16384, err);
    if (!ts)
        return -1;
    size_t P = tlog_stream_policies(ts), A = (size_t)tlog_stream_actions(ts);
    size_t steps = 0, episodes = 0, terminated = 0, n_ctx = 0, cap = 0, features = 0;
    int horizon = 0, states = 0;
    struct run_stats ps, rs;
    struct ope_sum inv, ret;
    run_init(&ps), run_init(&rs), ope_sum_init(&inv), ope_sum_init(&ret);
    struct diag_acc *wacc = ope_calloc(P + 1, sizeof *wacc, err);
    double *rho_max = ope_calloc(P + 1, sizeof *rho_max, err), *wt = NULL, gmax = 1.0;
    unsigned char *seen = NULL;
    struct ope_sum *mass = NULL;
    int rc = wacc && rho_max ? 0 : -1;
    for (size_t p = 0; rc == 0 && p < P; p++)
        diag_acc_init(&wacc[p]);
    const char *path = csv_input_name(csv, 0);
    for (;;) {
        const struct tlog *w;
        size_t first;
        if (rc != 0 || (rc = tlog_stream_next(ts, &w, &first, err)) <= 0)
            break;
        rc = 0;
        A = (size_t)w->n_actions;       /* grows without policy columns (P = 0) */
        size_t need = w->n_states > 0 ? (size_t)w->n_states : 1;
        if (P && need > n_ctx) {         /* the support's tables grow with the states seen */
            unsigned char *s2 = ope_calloc(need * A + 1, 1, err);
            struct ope_sum *m2 = ope_calloc(P * need * A + 1, sizeof *m2, err);
            if (!s2 || !m2) {
                free(s2), free(m2);
                rc = -1;
                break;
            }
            if (n_ctx)
                memcpy(s2, seen, n_ctx * A);
            for (size_t p = 0; n_ctx && p < P; p++)
                memcpy(m2 + p * need * A, mass + p * n_ctx * A, n_ctx * A * sizeof *m2);
            free(seen), free(mass);
            seen = s2, mass = m2, n_ctx = need;
        }
        if (w->n_episodes > cap) {
            free(wt);
            if (!(wt = ope_malloc(w->n_episodes * sizeof *wt, err))) {
                rc = -1;
                break;
            }
            cap = w->n_episodes;
        }
        run_add(&ps, w->pscore, w->line, 0, w->n_steps);
        run_add(&rs, w->reward, w->line, 0, w->n_steps);
        for (size_t i = 0; i < w->n_steps; i++) {
            ope_sum_add(&inv, 1.0 / w->pscore[i]);
            if (P)
                seen[(w->state ? (size_t)w->state[i] : 0) * A + (size_t)w->action[i]] = 1;
        }
        for (size_t e = 0; e < w->n_episodes; e++) {
            size_t a = w->ep_start[e], b = w->ep_start[e + 1];
            struct ope_sum g;
            double ga = 0.0;
            ope_sum_init(&g);
            for (size_t i = a; i < b; i++) {
                ope_sum_add(&g, w->reward[i]);
                ga += fabs(w->reward[i]);
            }
            ope_sum_add(&ret, ope_sum_value(&g));
            gmax = fmax(gmax, ga);
            terminated += w->done && b > a && w->done[b - 1];
        }
        for (size_t p = 0; p < P; p++) {
            double **prob = w->policy[p].prob;
            diag_episode_weights(w, p, wt);
            for (size_t e = 0; e < w->n_episodes; e++) {
                diag_acc_add(&wacc[p], wt[e]);
                double r = 1.0;
                for (size_t j = w->ep_start[e]; j < w->ep_start[e + 1] && r > 0.0; j++) {
                    r *= prob[w->action[j]][j] / w->pscore[j];
                    rho_max[p] = fmax(rho_max[p], r);
                }
            }
            for (size_t i = 0; i < w->n_steps; i++) {
                struct ope_sum *m = mass + (p * n_ctx + (w->state ? (size_t)w->state[i] : 0)) * A;
                for (size_t a = 0; a < A; a++)
                    ope_sum_add(&m[a], prob[a][i]);
            }
        }
        steps += w->n_steps;
        episodes += w->n_episodes;
        horizon = w->horizon;
        states = w->state ? w->n_states : 0;
        features = w->n_features;
    }
    if (rc == 0) {
        struct section *s = sec_new(rp, "summary", "Summary", 1, 2, "field", "value");
        kv_str(rp, s, "file", path);
        kv_str(rp, s, "kind", "trajectories");
        kv_num(rp, s, "rows", (double)steps);
        kv_num(rp, s, "episodes", (double)episodes);
        kv_num(rp, s, "horizon", horizon);
        kv_num(rp, s, "mean_episode_length", (double)steps / (double)episodes);
        kv_num(rp, s, "terminated_episodes", (double)terminated);
        kv_num(rp, s, "actions", (double)A);
        kv_num(rp, s, "states", states);
        kv_num(rp, s, "state_features", (double)features);
        kv_num(rp, s, "policies", (double)P);
        kv_num(rp, s, "mean_return", ope_sum_value(&ret) / (double)episodes);
        struct info_acc a;
        memset(&a, 0, sizeof a);
        a.n = steps, a.p = ps, a.r = rs, a.inv = inv;
        common_summary_acc(rp, s, &a);
        traj_columns(rp, path, hdr, nh, o);
        struct section *pt = sec_new(rp, "policies", "Policies (episode weights: product over "
                                     "steps of pi(a_t|s_t) / pscore_t)", 0, 5, "policy",
                                     "mean_weight", "ess", "max_weight", "unsupported_mass");
        double lim = logrange_term_max(episodes) / gmax;
        for (size_t p = 0; p < P; p++) {
            struct diag_weights dw;
            struct ope_sum u;
            ope_sum_init(&u);
            for (size_t c = 0; c < n_ctx * A; c++)
                if (!seen[c])
                    ope_sum_add(&u, ope_sum_value(&mass[p * n_ctx * A + c]));
            diag_acc_result(&wacc[p], &dw);
            weight_row(rp, pt, tlog_stream_policy_name(ts, p), &dw,
                       ope_sum_value(&u) / (double)steps, DIAG_TRAJECTORIES);
            if (!(rho_max[p] <= lim))
                warn(rp, "%s: policy '%s': a trajectory weight reaches %.3g, which with "
                     "returns up to %g passes %.3g, past which the sums over %zu episodes "
                     "overflow double precision; `ope eval` refuses this log", path,
                     tlog_stream_policy_name(ts, p), rho_max[p], gmax, lim, episodes);
        }
        if (P == 0)
            warn(rp, states ? "no evaluation policy columns (pi.NAME.ACTION): `ope eval` needs "
                 "them or a tabular policy file, --policy NAME=FILE"
                 : "no evaluation policy columns (pi.NAME.ACTION): `ope eval` needs them");
    }
    free(wacc), free(rho_max), free(wt), free(seen), free(mass);
    tlog_stream_close(ts);
    return rc < 0 ? -1 : 0;
}

/* ---- drawing ---------------------------------------------------------------- */

/* A cell for the terminal: names come from the data, and a control byte in one (ESC
 * sets the window title or clears the screen) is shown as \xNN. buf has 4*len+1. */
static const char *term_text(const char *s, char *buf, size_t size)
{
    return utf8_printable(s, strlen(s), buf, size);
}

static size_t term_len(const char *s)
{
    size_t n = strlen(s);
    char *buf = malloc(4 * n + 1);
    if (!buf)
        return n;
    size_t l = strlen(term_text(s, buf, 4 * n + 1));
    free(buf);
    return l;
}

static void draw_table(struct strbuf *sb, const struct report *rp)
{
    for (size_t k = 0; k <= rp->nsec; k++) {
        const struct section *s = k < rp->nsec ? &rp->sec[k] : &rp->warnings;
        if (s->nrow == 0 && s == &rp->warnings)
            continue;
        size_t wid[INFO_MAX_COLS] = { 0 };
        for (size_t c = 0; c < s->ncol; c++) {
            wid[c] = s->kv ? 0 : strlen(s->head[c]);
            for (size_t i = 0; i < s->nrow; i++) {
                size_t l = term_len(s->cells[i * s->ncol + c].s);
                if (l > wid[c])
                    wid[c] = l;
            }
        }
        strbuf_printf(sb, "%s%s\n", k ? "\n" : "", s->title);
        if (s->nrow == 0) {
            strbuf_puts(sb, "  (none)\n");
            continue;
        }
        int head = !s->kv && s->ncol > 1;
        for (size_t i = head ? (size_t)-1 : 0; i == (size_t)-1 || i < s->nrow; i++) {
            strbuf_puts(sb, s->ncol == 1 ? " -" : " ");
            for (size_t c = 0; c < s->ncol; c++) {
                const struct cell *x = i == (size_t)-1 ? NULL : &s->cells[i * s->ncol + c];
                const char *raw = x ? x->s : s->head[c];
                size_t tn = 4 * strlen(raw) + 1;
                char *tb = malloc(tn);
                const char *txt = tb ? term_text(raw, tb, tn) : "?";
                int right = !s->kv && (x ? x->num : (c > 0 && s->cells[c].num));
                if (c + 1 == s->ncol && !right)
                    strbuf_printf(sb, " %s", txt);
                else
                    strbuf_printf(sb, right ? " %*s" : " %-*s", (int)wid[c], txt);
                free(tb);
            }
            strbuf_puts(sb, "\n");
        }
    }
}

static void draw_json(struct strbuf *sb, const struct report *rp)
{
    strbuf_printf(sb, "{\"tool\": \"ope\", \"version\": \"%s\"", PACKAGE_VERSION);
    for (size_t k = 0; k <= rp->nsec; k++) {
        const struct section *s = k < rp->nsec ? &rp->sec[k] : &rp->warnings;
        strbuf_puts(sb, ",\n  ");
        json_string(sb, s->key);
        strbuf_puts(sb, s->kv ? ": {" : ": [");
        for (size_t i = 0; i < s->nrow; i++) {
            const struct cell *row = &s->cells[i * s->ncol];
            strbuf_puts(sb, i ? ",\n    " : "\n    ");
            if (!s->kv && s->ncol > 1)
                strbuf_puts(sb, "{");
            for (size_t c = 0; c < s->ncol; c++) {
                if (s->kv && c == 0) {
                    json_string(sb, row[0].s);
                    strbuf_puts(sb, ": ");
                    continue;
                }
                if (!s->kv && s->ncol > 1) {
                    strbuf_puts(sb, c ? ", " : "");
                    json_string(sb, s->head[c]);
                    strbuf_puts(sb, ": ");
                }
                if (row[c].num)
                    json_number(sb, row[c].x);
                else
                    json_string(sb, row[c].s);
            }
            if (!s->kv && s->ncol > 1)
                strbuf_puts(sb, "}");
        }
        strbuf_puts(sb, s->nrow ? "\n  " : "");
        strbuf_puts(sb, s->kv ? "}" : "]");
    }
    strbuf_puts(sb, "\n}\n");
}

/* One line per value: section,item,key,value (item is the row's first cell). */
static void draw_csv(struct strbuf *sb, const struct report *rp)
{
    strbuf_puts(sb, "section,item,key,value\n");
    for (size_t k = 0; k <= rp->nsec; k++) {
        const struct section *s = k < rp->nsec ? &rp->sec[k] : &rp->warnings;
        for (size_t i = 0; i < s->nrow; i++) {
            const struct cell *row = &s->cells[i * s->ncol];
            for (size_t c = s->ncol > 1; c < s->ncol; c++) {
                char num[40];
                strbuf_printf(sb, "%s,", s->key);
                if (s->kv || s->ncol == 1)
                    strbuf_puts(sb, "");
                else
                    csvout_cell(sb, row[0].s);
                strbuf_puts(sb, ",");
                csvout_cell(sb, s->kv ? row[0].s : s->head[c]);
                strbuf_puts(sb, ",");
                if (row[c].num)
                    ope_format_double(num, sizeof num, row[c].x);
                csvout_cell(sb, row[c].num ? (isfinite(row[c].x) ? num : "") : row[c].s);
                strbuf_puts(sb, "\n");
            }
        }
    }
}

/* ---- the command -------------------------------------------------------------- */

/* Window of a streamed log: the accumulator's chunk (ACC_CHUNK). */
#define INFO_WINDOW 4096

/* ope info with --stream, or on an input larger than --memory-limit: the log is read
 * in windows (*streamed = 1), a trajectory log's of whole episodes in one pass (one
 * from a pipe is handed over by the bandit stream once its header is read); anything
 * the sniff cannot open is left to the whole-log reading (*streamed = 0). 0, or -1
 * with err. */
static int info_stream(struct report *rp, const char *path, struct load_opts *o,
                       const struct outcli *out, int *streamed, struct ope_error *err)
{
    *streamed = 0;
    struct stat st;
    int regular = strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
    struct csv_reader *csv = NULL;
    if (regular) {
        struct ope_error e = { 0 };
        csv = csv_open(path, o->sep, &e);
        int traj = csv ? log_csv_is_trajectory(csv, o, &e) : -1;
        if (traj < 0) {
            csv_close(csv);
            return 0;
        }
        if (traj == 0) {
            csv_close(csv);
            csv = NULL;
        }
    }
    struct blog_stream *bs = NULL;
    if (!csv) {
        o->stream_handoff = 1;
        bs = blog_stream_open(&path, 1, o, INFO_WINDOW, err);
        o->stream_handoff = 0;
        if (!bs)
            return -1;
        csv = blog_stream_trajectory(bs, 0);
    }
    if (csv) {
        blog_stream_close(bs);
        size_t nh = 0;
        struct csv_field *hdr = header_copy(csv, &nh, err);
        int rc = hdr ? traj_report_stream(rp, csv, hdr, nh, o, err) : -1;
        header_free(hdr, nh);
        csv_close(csv);
        *streamed = 1;
        return rc;
    }
    if (blog_stream_spilled(bs) && !out->quiet)
        fprintf(stderr, "ope info: note: %s can be read only once: it was copied to a "
                "temporary file in %s as it was read, to be read again (give the log as a "
                "file's path to spare the copy)\n",
                strcmp(path, "-") == 0 ? "standard input" : path, blog_stream_spill_dir());
    int rc = bandit_report_stream(rp, bs, err);
    blog_stream_close(bs);
    *streamed = 1;
    return rc;
}



static int info_exec(int argc, char **argv)
{
    static const struct option longopts[] = {
        LOADCLI_OPTIONS,
        LOADCLI_STREAM_OPTIONS,
        OUTCLI_OPTIONS,
        { 0, 0, 0, 0 }
    };
    struct load_opts o;
    struct ope_error err;
    struct outcli out;
    enum out_format format;
    int c;
    load_opts_init(&o);
    outcli_init(&out);
    ope_error_clear(&err);
    while ((c = cli_getopt("info", argc, argv, OUTCLI_SHORT, longopts)) != -1) {
        int rc = c == '?' ? 0 : loadcli_option(&o, c, optarg, &err);
        if (rc == 0 && c != '?')
            rc = outcli_option(&out, c, optarg, &err);
        if (rc < 0)
            return cli_usage("info", "%s", err.msg);
        if (rc == 0)
            return OPE_EUSAGE;
    }
    if (outcli_format(&out, OUT_ALL, "an info summary", &format, &err) != 0)
        return cli_usage("info", "%s", err.msg);
    if (optind + 1 != argc)
        return cli_usage("info", optind == argc ? "give one DATA file"
                         : "give one DATA file (got %d arguments)", argc - optind);
    if (outcli_check(&out, &err) != 0)
        return cli_error(&err);
    const char *path = argv[optind];
    struct report rp;
    memset(&rp, 0, sizeof rp);
    rp.warnings.key = "warnings", rp.warnings.title = "Warnings", rp.warnings.ncol = 1;
    rp.warnings.head[0] = "warning";
    struct blog *b = NULL;
    struct tlog *t = NULL;
    size_t nh = 0;
    struct csv_field *hdr = NULL;
    int streamed = 0;
    if (loadcli_stream_wanted(&o, &path, 1)) {
        int rc = info_stream(&rp, path, &o, &out, &streamed, &err);
        if (rc < 0) {
            report_release(&rp);
            return cli_error(&err);
        }
    }
    if (!streamed) {
        /* Opened once, so standard input, a FIFO or <(...) is read like a file, and
         * the header says which kind of log it is. */
        struct csv_reader *csv = csv_open(path, o.sep, &err);
        int traj = csv ? log_csv_is_trajectory(csv, &o, &err) : -1;
        hdr = traj == 1 ? header_copy(csv, &nh, &err) : NULL;
        if (traj < 0 || (traj == 1 && !hdr && err.status)) {
            csv_close(csv);
            report_release(&rp);
            return cli_error(&err);
        }
        if (traj ? !(t = tlog_load_csv(csv, &o, &err)) : !(b = blog_load_csv(csv, &o, &err))) {
            csv_close(csv);
            header_free(hdr, nh);
            report_release(&rp);
            return cli_error(&err);
        }
        csv_close(csv);
        if (traj)
            traj_report(&rp, t, hdr, nh, &o);
        else
            bandit_report(&rp, b);
    }
    struct strbuf sb = STRBUF_INIT;
    static void (*const writer[OUT_N_FORMATS])(struct strbuf *, const struct report *) = {
        [OUT_TABLE] = draw_table, [OUT_JSON] = draw_json, [OUT_CSV] = draw_csv,
    };
    writer[format](&sb, &rp);
    int status = 0;
    if (rp.failed || strbuf_failed(&sb))
        status = cli_error((ope_fail_oom(&err), &err));
    else if (outcli_write(&out, &sb, &err) != 0 || fflush(stdout) != 0)
        status = cli_error(err.status ? &err : (ope_fail(&err, OPE_ECANTCREAT, "cannot write "
                                                         "to standard output"), &err));
    strbuf_release(&sb);
    report_release(&rp);
    blog_free(b);
    tlog_free(t);
    header_free(hdr, nh);
    return status;
}

const struct cmd_entry cmd_info_entry = {
    "info", "ope info DATA [options]",
    "describe a log: size, column roles, propensities, policy weights",
    "Reads DATA (a bandit log, or a trajectory log when it has episode and step\n"
    "columns) with every check that `ope eval` applies, and reports what ope sees:\n"
    "  - kind, rows (and episodes, horizon), actions, positions;\n"
    "  - every column with its role ('ignored' when no role matched);\n"
    "  - propensities: min, max, mean pscore, and the mean of 1/pscore (about A,\n"
    "    the number of actions, for uniform logging);\n"
    "  - reward mean, min, max (and mean return for trajectories);\n"
    "  - for each evaluation policy, its importance weights w_i = pi(a_i|x_i) /\n"
    "    pscore_i (the product over an episode's steps for trajectories): mean\n"
    "    weight (about 1 when pscore is right and the policy stays in the\n"
    "    logger's support), effective sample size (sum w)^2 / sum w^2, max weight,\n"
    "    and the share of its probability on actions never logged in that\n"
    "    context (position, or state for trajectories);\n"
    "  - context columns, numeric or categorical with their number of levels;\n"
    "  - warnings (tiny propensities, ignored columns, ...), and for each policy\n"
    "    the warnings `ope eval` gives: effective sample size under 1% of the\n"
    "    rows or episodes (poor overlap), else under 100 (few effective samples:\n"
    "    intervals tend to cover less than their level), mean weight more than\n"
    "    0.1 and 3 standard errors from 1,\n"
    "    probability on actions never logged in that context.\n"
    "With -f csv: one line per value (section,item,key,value).\n"
    "\n"
    OUTCLI_HELP
    LOADCLI_HELP
    "\n"
    LOADCLI_STREAM_HELP
    "The report is the same, read window by window (a second reading when some\n"
    "action is never logged at some position, for the probability on it); a\n"
    "trajectory log is read whole (--stream refuses it).\n"
    "\n"
    "Exit status: 0 ok; 64 usage error (bad option, pattern that does not compile);\n"
    "65 the data break a rule (the message names file:line:column, the column, the\n"
    "value seen and what was expected); 66 the file cannot be read.\n"
    "\n"
    "Example (the shipped Open Bandit Dataset sample):\n"
    "  ope info data/obd/random/men/men.csv --map action=item_id \\\n"
    "      --map reward=click --map pscore=propensity_score \\\n"
    "      --context-columns '^user_feature_\\d+$'\n",
    info_exec,
    NULL
};
