/* estimators/mistab.c: tabular MIS's statistics, gathered, merged and solved
 * (mistab.h). */
#include "config.h"
#include "estimators/mistab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/accum.h"
#include "ope/base/statefile.h"

static size_t blk(size_t cap)
{
    return cap * cap + 3 * cap;
}

double mis_tab_bytes(size_t P, size_t R, size_t S, int T)
{
    return (double)P * (double)R * ((double)T * ((double)S * (double)S + 3.0 * (double)S) + 1.0) *
           sizeof(double);
}

size_t mis_tab_bound_size(size_t S, int T)
{
    return (size_t)T * blk(S) + 1;
}

void mis_tab_bind(struct mis_tab *t, size_t S, int T, double *mem)
{
    memset(t, 0, sizeof *t);
    t->P = t->R = 1, t->bound = 1;
    t->S = t->cap = S;
    t->T = t->tcap = T;
    t->x = mem;
    t->mass = mem + (size_t)T * blk(S);
    memset(mem, 0, mis_tab_bound_size(S, T) * sizeof *mem);
}

void mis_tab_release(struct mis_tab *t)
{
    if (!t->bound)
        free(t->x), free(t->mass);
    t->x = t->mass = NULL;
    t->S = t->cap = 0;
    t->T = t->tcap = 0;
}

/* Lay the tables out for cap states and tcap steps, what they hold moved over. */
static int relayout(struct mis_tab *t, size_t cap, int tcap, struct ope_error *err)
{
    double need = mis_tab_bytes(t->P, t->R, cap, tcap);
    if ((double)tcap * (double)cap * (double)cap > (double)MIS_TAB_MAX_CELLS)
        return ope_fail(err, OPE_EDATA, "mis on a log read in windows keeps a dense state x "
                        "next-state table per step, at most %zu cells; %zu state(s) (the "
                        "largest state id + 1) and %d step(s) make %.0f: evaluate the log in "
                        "memory, which estimates the ratios from its episodes instead",
                        MIS_TAB_MAX_CELLS, cap, tcap, (double)tcap * (double)cap * (double)cap);
    if (t->max_bytes && need > (double)t->max_bytes) {
        char each[160] = "";
        if (t->R > 1)
            snprintf(each, sizeof each, ", and for each of the %zu bootstrap resamples (mis "
                     "re-estimates its ratios on each)", t->R - 1);
        return ope_fail(err, OPE_EDATA, "mis on a log read in windows keeps a state x "
                        "next-state table per step and policy for the log%s: %zu state(s), "
                        "%d step(s) and %zu policies need %.1f MB, past the memory budget of "
                        "%.1f MB (and longer episodes or larger state ids later in the log "
                        "need more: the steps and states so far); %sevaluate the log in "
                        "memory", each, cap, tcap, t->P,
                        need / 1048576.0, (double)t->max_bytes / 1048576.0,
                        t->R > 1 ? "use fewer replicates (--n-boot), --ci t, or " : "");
    }
    size_t nb = blk(cap), ob = blk(t->cap), PR = t->P * t->R, n = PR * (size_t)tcap * nb;
    if (t->x && cap == t->cap) {
        /* Steps only: each step's blocks stay where they are, the new ones go after
         * them (realloc moves the pages of a large table, it does not copy them). */
        size_t old = PR * (size_t)t->tcap * nb;
        double *x = ope_realloc(t->x, (n + 1) * sizeof *x, err);
        if (!x)
            return -1;
        if (n > old)        /* from the old end (its spare number) to the new one's */
            memset(x + old, 0, (n + 1 - old) * sizeof *x);
        t->x = x;
        t->tcap = tcap;
        return 0;
    }
    double *x = ope_calloc(n + 1, sizeof *x, err);
    if (!x)
        return -1;
    /* What the tables hold lies within the states and steps seen, which the new layout
     * holds (it may be smaller than the old one in a dimension grown ahead). */
    size_t c = t->S;
    for (int u = 0; t->x && u < t->T; u++)
        for (size_t pr = 0; pr < PR; pr++) {
            const double *o = t->x + ((size_t)u * PR + pr) * ob;
            double *d = x + ((size_t)u * PR + pr) * nb;
            for (size_t s = 0; s < c; s++)
                memcpy(d + s * cap, o + s * t->cap, c * sizeof *d);
            memcpy(d + cap * cap, o + t->cap * t->cap, c * sizeof *d);
            memcpy(d + cap * cap + cap, o + t->cap * t->cap + t->cap, 2 * c * sizeof *d);
        }
    free(t->x);
    t->x = x;
    t->cap = cap;
    t->tcap = tcap;
    return 0;
}

int mis_tab_init(struct mis_tab *t, size_t P, size_t R, size_t max_bytes,
                 struct ope_error *err)
{
    memset(t, 0, sizeof *t);
    t->P = P, t->R = R, t->max_bytes = max_bytes;
    if (!(t->mass = ope_calloc(P * R + 1, sizeof *t->mass, err)))
        return -1;
    return relayout(t, 1, 1, err);
}

/* Room for S states and T steps, the states growing by a quarter (the tables grow as
 * their square); an empty table (a merge's first part, a log's first episode) takes
 * exactly S. */
static int grow(struct mis_tab *t, size_t S, int T, struct ope_error *err)
{
    if (S <= t->cap && T <= t->tcap)
        return 0;
    if (t->bound)
        return ope_fail(err, OPE_ESOFTWARE, "mis_tab: past the bound states or steps");
    size_t cap = t->S == 0 && S > t->cap ? S : t->cap;
    int tcap = T > t->tcap ? T : t->tcap;   /* steps: exactly (relayout adds them in place) */
    while (cap < S)
        cap += cap / 4 + 1;
    /* Growing ahead past the budget or the cells when what is needed fits: take just
     * what is needed (the states and steps seen, and these), in both dimensions. */
    if ((t->max_bytes && mis_tab_bytes(t->P, t->R, cap, tcap) > (double)t->max_bytes) ||
        (double)tcap * (double)cap * (double)cap > (double)MIS_TAB_MAX_CELLS) {
        cap = S > t->S ? S : t->S;
        tcap = T > t->T ? T : t->T;
        cap = cap ? cap : 1, tcap = tcap ? tcap : 1;
    }
    return relayout(t, cap, tcap, err);
}

static double *block(const struct mis_tab *t, size_t p, size_t r, int u)
{
    return t->x + (((size_t)u * t->P + p) * t->R + r) * blk(t->cap);
}

/* x[0..1] += v as a compensated sum (its sum and compensation). */
static void sum_add(double *x, double v)
{
    struct ope_sum k = { x[0], x[1] };
    ope_sum_add(&k, v);
    x[0] = k.s, x[1] = k.c;
}

int mis_tab_prepare(struct mis_tab *t, const struct tlog *w, size_t e, struct ope_error *err)
{
    size_t b = w->ep_start[e], end = w->ep_start[e + 1];
    if (end == b)
        return 0;
    if (!w->state)
        return ope_fail(err, OPE_EDATA, "mis needs a tabular state column (state); this log "
                        "has only state features: use pdis instead (or dr with --value-model "
                        "linear-fqe or lstd, which take features)");
    int len = (int)(end - b);
    if (grow(t, (size_t)w->n_states, len, err) != 0)
        return -1;
    t->S = (size_t)w->n_states > t->S ? (size_t)w->n_states : t->S;
    t->T = len > t->T ? len : t->T;
    return 0;
}

void mis_tab_count(struct mis_tab *t, const struct tlog *w, size_t e, size_t p, const double *wr,
                   const double *m, size_t r0, size_t r1)
{
    size_t b = w->ep_start[e], end = w->ep_start[e + 1], cap = t->cap;
    for (size_t r = r0; r < r1; r++) {
        double mr = m[r];
        if (mr == 0.0)
            continue;
        t->mass[p * t->R + r] += mr;
        for (size_t j = b; j < end; j++) {
            double *x = block(t, p, r, (int)(j - b));
            size_t s = (size_t)w->state[j];
            x[cap * cap + s] += mr;
            sum_add(x + cap * cap + cap + 2 * s, mr * wr[j] * w->reward[j]);
            if (j > b)
                x[(size_t)w->state[j - 1] * cap + s] += mr * wr[j - 1];
        }
    }
}

int mis_tab_add(struct mis_tab *t, const struct tlog *w, size_t e, size_t p, const double *wr,
                const double *m, struct ope_error *err)
{
    if (mis_tab_prepare(t, w, e, err) != 0)
        return -1;
    mis_tab_count(t, w, e, p, wr, m, 0, t->R);
    return 0;
}

struct count_ctx {
    struct mis_tab *t;
    const struct tlog *w;
    const double *wr;
    size_t stride;
};

static void count_one(void *arg, size_t e, size_t p, const double *m, size_t r0, size_t r1)
{
    const struct count_ctx *x = arg;
    mis_tab_count(x->t, x->w, e, p, x->wr + p * x->stride, m, r0, r1);
}

int mis_tab_count_window(struct mis_tab *t, const struct tlog *w, const double *wr,
                         size_t stride, uint64_t first, uint64_t seed, int threads,
                         struct ope_error *err)
{
    struct count_ctx x = { t, w, wr, stride };
    return acc_count_copies(w->n_episodes, t->P, t->R, first, seed, threads, count_one, &x,
                            err);
}

int mis_tab_merge(struct mis_tab *a, const struct mis_tab *b, struct ope_error *err)
{
    if (a->P != b->P || a->R != b->R)
        return ope_fail(err, OPE_ESOFTWARE, "mis_tab_merge: tables of other shapes");
    if (grow(a, b->S, b->T, err) != 0)
        return -1;
    a->S = b->S > a->S ? b->S : a->S;
    a->T = b->T > a->T ? b->T : a->T;
    size_t ca = a->cap, cb = b->cap;
    for (size_t p = 0; p < a->P; p++)
        for (size_t r = 0; r < a->R; r++) {
            a->mass[p * a->R + r] += b->mass[p * b->R + r];
            for (int u = 0; u < b->T; u++) {
                double *x = block(a, p, r, u);
                const double *y = block(b, p, r, u);
                for (size_t s = 0; s < b->S; s++) {
                    for (size_t s2 = 0; s2 < b->S; s2++)
                        x[s * ca + s2] += y[s * cb + s2];
                    x[ca * ca + s] += y[cb * cb + s];
                    struct ope_sum k = { x[ca * ca + ca + 2 * s], x[ca * ca + ca + 2 * s + 1] };
                    struct ope_sum l = { y[cb * cb + cb + 2 * s], y[cb * cb + cb + 2 * s + 1] };
                    ope_sum_merge(&k, &l);
                    x[ca * ca + ca + 2 * s] = k.s, x[ca * ca + ca + 2 * s + 1] = k.c;
                }
            }
        }
    return 0;
}

/* The transition counts M of a step are mostly zero (a state leads to few others):
 * each row goes as words of 64 cells, a word's bits marking the cells whose bits are
 * not all zero (-0.0 goes as a value), followed by those cells' values. */
#define MIS_WORD_CELLS 64

static size_t row_words(size_t S)
{
    return (S + MIS_WORD_CELLS - 1) / MIS_WORD_CELLS;
}

/* Whether put_row sends a cell: every one but +0.0 (-0.0 goes as a value). */
static int cell_sent(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u != 0;
}

static void put_row(struct strbuf *sb, const double *x, size_t S)
{
    for (size_t s0 = 0; s0 < S; s0 += MIS_WORD_CELLS) {
        size_t s1 = s0 + MIS_WORD_CELLS < S ? s0 + MIS_WORD_CELLS : S;
        uint64_t bits = 0;
        for (size_t s2 = s0; s2 < s1; s2++)
            bits |= (uint64_t)cell_sent(x[s2]) << (s2 - s0);
        sf_put_u64(sb, bits);
        for (size_t s2 = s0; s2 < s1; s2++)
            if (bits >> (s2 - s0) & 1)
                sf_put_f64(sb, x[s2]);
    }
}

/* x[0..S) += a row put_row wrote (+= 0.0 where it holds none, as a merge of the
 * tables adds); a bit past the row's cells is damage. */
static void add_row(struct sf_state *st, double *x, size_t S)
{
    for (size_t s0 = 0; s0 < S && !st->bad; s0 += MIS_WORD_CELLS) {
        size_t s1 = s0 + MIS_WORD_CELLS < S ? s0 + MIS_WORD_CELLS : S;
        uint64_t bits = sf_get_u64(st);
        if (s1 - s0 < MIS_WORD_CELLS && bits >> (s1 - s0)) {
            st->bad = 1;
            return;
        }
        for (size_t s2 = s0; s2 < s1; s2++)
            x[s2] += bits >> (s2 - s0) & 1 ? sf_get_f64(st) : 0.0;
    }
}

double mis_tab_wire_bytes(const struct mis_tab *t)
{
    size_t c = t->cap, S = t->S;
    double cells = 0.0;         /* the cells put_row sends, over every row */
    for (size_t p = 0; p < t->P; p++)
        for (size_t r = 0; r < t->R; r++)
            for (int u = 0; u < t->T; u++) {
                const double *x = block(t, p, r, u);
                for (size_t s = 0; s < S; s++)
                    for (size_t s2 = 0; s2 < S; s2++)
                        cells += cell_sent(x[s * c + s2]);
            }
    double rows = (double)t->P * (double)t->R * (double)t->T * (double)S;
    return 8.0 * (2.0 + (double)t->P * (double)t->R + cells +
                  rows * ((double)row_words(S) + 3.0));
}

void mis_tab_put(const struct mis_tab *t, struct strbuf *sb)
{
    size_t c = t->cap, S = t->S;
    sf_put_u64(sb, S);
    sf_put_u64(sb, (uint64_t)t->T);
    for (size_t p = 0; p < t->P; p++)
        for (size_t r = 0; r < t->R; r++) {
            sf_put_f64(sb, t->mass[p * t->R + r]);
            for (int u = 0; u < t->T; u++) {
                const double *x = block(t, p, r, u);
                for (size_t s = 0; s < S; s++) {
                    put_row(sb, x + s * c, S);
                    sf_put_f64(sb, x[c * c + s]);
                    sf_put_f64(sb, x[c * c + c + 2 * s]);
                    sf_put_f64(sb, x[c * c + c + 2 * s + 1]);
                }
            }
        }
}

int mis_tab_add_put(struct mis_tab *t, struct sf_state *st, struct ope_error *err)
{
    /* Counts that do not fit the bytes left are damage: they must not size the tables
     * (a state's row takes at least its words and its three numbers). */
    uint64_t S = sf_get_count(st, 0, sf_room(st, 8));
    uint64_t T = sf_get_count(st, 0, INT32_MAX);
    /* (steps without states, or states without steps: the bytes would not bound the
     * tables' steps, each a block of every state laid out) */
    if (!st->bad && ((double)t->P * (double)t->R * (double)T * (double)S *
                             (double)(row_words((size_t)S) + 3) > (double)sf_room(st, 8) ||
                     (S == 0) != (T == 0)))
        st->bad = 1;
    if (st->bad)
        return sf_done(st, err);
    if (grow(t, (size_t)S, (int)T, err) != 0)
        return -1;
    t->S = (size_t)S > t->S ? (size_t)S : t->S;
    t->T = (int)T > t->T ? (int)T : t->T;
    size_t c = t->cap;
    /* mis_tab_merge's sums, in its order, from the bytes. */
    for (size_t p = 0; p < t->P && !st->bad; p++)
        for (size_t r = 0; r < t->R && !st->bad; r++) {
            t->mass[p * t->R + r] += sf_get_f64(st);
            for (int u = 0; u < (int)T && !st->bad; u++) {
                double *x = block(t, p, r, u);
                for (size_t s = 0; s < S && !st->bad; s++) {
                    add_row(st, x + s * c, (size_t)S);
                    x[c * c + s] += sf_get_f64(st);
                    struct ope_sum k = { x[c * c + c + 2 * s], x[c * c + c + 2 * s + 1] };
                    struct ope_sum l;
                    l.s = sf_get_f64(st);
                    l.c = sf_get_f64(st);
                    ope_sum_merge(&k, &l);
                    x[c * c + c + 2 * s] = k.s, x[c * c + c + 2 * s + 1] = k.c;
                }
            }
        }
    return st->bad ? sf_done(st, err) : 0;
}

int mis_tab_check(const struct mis_tab *t, uint64_t episodes, uint64_t steps)
{
    size_t S = t->S, c = t->cap;
    /* Every policy's copy 0 counts each episode once, in its state at step 0; the
     * horizon is an episode's steps; counts and ratio-weighted transitions are never
     * negative, and every sum is finite. */
    if (S == 0 || t->T < 1 || (uint64_t)t->T > steps)
        return -1;
    for (size_t p = 0; p < t->P; p++)
        for (size_t r = 0; r < t->R; r++) {
            double m = t->mass[p * t->R + r];
            if (!(m >= 0.0 && m <= 9007199254740992.0) || (r == 0 && m != (double)episodes))
                return -1;
            for (int u = 0; u < t->T; u++) {
                const double *x = block(t, p, r, u);
                double at = 0.0;
                for (size_t s1 = 0; s1 < S; s1++) {
                    double n = x[c * c + s1];
                    if (!(n >= 0.0 && n <= m) || !isfinite(x[c * c + c + 2 * s1]) ||
                        !isfinite(x[c * c + c + 2 * s1 + 1]))
                        return -1;
                    at += n;
                    for (size_t s2 = 0; s2 < S; s2++)
                        if (!(x[s1 * c + s2] >= 0.0 && x[s1 * c + s2] < 1e300))
                            return -1;
                }
                if (u == 0 && at != m)
                    return -1;
            }
        }
    return 0;
}

double mis_tab_solve(const struct mis_tab *t, size_t p, size_t r, double gamma, double *wh,
                     double *scratch)
{
    size_t S = t->S, c = t->cap;
    double mass = t->mass[p * t->R + r];
    double *cur = scratch, *nxt = scratch + S;
    if (!(mass > 0.0))
        return NAN;
    struct ope_sum v;
    ope_sum_init(&v);
    double g = 1.0;
    for (int u = 0; u < t->T; u++) {
        const double *x = block(t, p, r, u);
        for (size_t s2 = 0; s2 < S; s2++) {
            double acc = 0.0, n = x[c * c + s2];
            if (u == 0) {
                acc = n;        /* every episode starts with ratio 1 */
            } else {
                for (size_t s = 0; s < S; s++)
                    acc += cur[s] * x[s * c + s2];
            }
            nxt[s2] = n > 0 ? acc / n : 0.0;
        }
        memcpy(cur, nxt, S * sizeof *cur);
        if (wh)
            memcpy(wh + (size_t)u * S, cur, S * sizeof *cur);
        for (size_t s = 0; s < S; s++)
            ope_sum_add(&v, g * cur[s] * (x[c * c + c + 2 * s] + x[c * c + c + 2 * s + 1]));
        g *= gamma;
    }
    return ope_sum_value(&v) / mass;
}
