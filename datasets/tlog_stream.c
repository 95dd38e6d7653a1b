/* datasets/tlog_stream.c: a trajectory CSV log in windows of whole episodes (see the
 * header). The rows are read by tlog_load's own loader (tlog_loader.h), in its runs of
 * plain lines, into arrays that hold the episodes not yet handed out; a window's
 * columns point into them, and the next call moves the rows after it to the front. */
#include "config.h"
#include "datasets/tlog_stream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"
#include "datasets/roles.h"
#include "datasets/tlog_loader.h"

/* State ids index the consumer's tables (support, per state and action); without the
 * whole log's rows to weigh them against, ids are capped here. */
#define STREAM_MAX_STATES ((long)1 << 20)

struct tlog_stream {
    struct csv_reader *csv;
    struct tloader L;
    size_t window;
    int A, eof;
    size_t given;               /* episodes of the loader handed out in the last window */
    size_t first;               /* the log's index of the loader's first episode */
    int horizon;                /* the longest episode handed out so far */
    long max_state;             /* the largest state id of the rows handed out so far */
    struct tlog w;
    struct tlog_policy *pol;    /* [n_policies] the window's */
    double *zeros;              /* [zcap] an action without a column */
    size_t zcap;
    size_t *pcol;               /* [n_policies * A] the column of (policy, action), or -1 */
    char **fname;               /* [n_features] */
};

static const char *spath(const struct tlog_stream *s)
{
    return csv_name(s->csv);
}

struct tlog_stream *tlog_stream_open(struct csv_reader *csv, const struct load_opts *o,
                                     size_t window, struct ope_error *err)
{
    struct tlog_stream *s = ope_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    s->csv = csv;
    s->window = window ? window : 1;
    s->max_state = -1;
    s->L.o = o;
    s->L.windows = 1;
    if (tlog_loader_begin(&s->L, csv, err) != 0)
        goto fail;
    const struct roles *r = &s->L.r;
    /* The actions: --n-actions, else the policy columns'; a log without them (ope
     * info) counts the actions read so far. */
    s->A = o->n_actions > 0 ? o->n_actions : r->max_action + 1;
    if (r->max_action >= s->A) {
        ope_fail(err, OPE_EDATA, "%s:1: a policy column is for action %d but --n-actions is %d",
                 spath(s), r->max_action, s->A);
        goto fail;
    }
    size_t P = r->n_policies, A = (size_t)s->A;
    if (!(s->pol = ope_calloc(P, sizeof *s->pol, err)) ||
        !(s->pcol = ope_malloc(P * A * sizeof *s->pcol, err)) ||
        !(s->fname = ope_calloc(r->n_feature + 1, sizeof *s->fname, err)))
        goto fail;
    for (size_t k = 0; k < P * A; k++)
        s->pcol[k] = (size_t)-1;
    size_t nf = 0;
    for (size_t j = 0; j < r->n_cols; j++) {
        if (r->col[j].use == USE_POLICY)
            s->pcol[(size_t)r->col[j].policy * A + (size_t)r->col[j].action] = j;
        else if (r->col[j].use == USE_FEATURE)
            s->fname[nf++] = r->name[j];
    }
    for (size_t p = 0; p < P; p++) {
        s->pol[p].name = r->policy_name[p];
        if (!(s->pol[p].prob = ope_calloc(A, sizeof *s->pol[p].prob, err)))
            goto fail;
    }
    if (!(s->w.feature = ope_calloc(nf + 1, sizeof *s->w.feature, err)))
        goto fail;
    s->w.path = (char *)csv_input_name(csv, 0);
    s->w.n_actions = s->A;
    s->w.n_policies = P;
    s->w.policy = s->pol;
    s->w.n_features = nf;
    s->w.feature_name = s->fname;
    s->w.gamma = 1.0;
    return s;
fail:
    tlog_stream_close(s);
    return NULL;
}

/* Move the rows after the episodes handed out last to the front of the loader. */
static void drop_given(struct tlog_stream *s)
{
    struct tloader *L = &s->L;
    if (!s->given)
        return;
    size_t ne = L->ids.n - L->ep_base, r0 = L->ep_start[s->given], m = L->n - r0;
#define SHIFT(a) do { if (a) memmove((a), (a) + r0, m * sizeof *(a)); } while (0)
    SHIFT(L->state);
    SHIFT(L->action);
    SHIFT(L->reward);
    SHIFT(L->pscore);
    SHIFT(L->done);
    SHIFT(L->line);
    for (size_t j = 0; j < L->r.n_cols; j++)
        SHIFT(L->val[j]);
#undef SHIFT
    for (size_t e = s->given; e < ne; e++)
        L->ep_start[e - s->given] = L->ep_start[e] - r0;
    L->n = m;
    L->ep_base += s->given;
    s->first += s->given;
    s->given = 0;
}

/* The whole-log checks tlog_load makes after reading (tbuild), on rows [0, n): an
 * action past the policy columns, a state id past the cap, probabilities that do not
 * sum to 1. 0, or -1 with err. */
static int check_rows(struct tlog_stream *s, size_t n, struct ope_error *err)
{
    const struct tloader *L = &s->L;
    const struct roles *r = &L->r;
    size_t A = (size_t)s->A;
    for (size_t i = 0; i < n; i++) {
        if (L->action[i] >= s->A)
            return ope_fail(err, OPE_EDATA, "%s:%zu: action %d, but the policy columns "
                            "(pi.NAME.A) cover actions 0..%d: every logged action needs its "
                            "columns (a wrong action id, or columns missing)", spath(s),
                            L->line[i], L->action[i], r->max_action);
        if (L->state && L->state[i] > s->max_state)
            s->max_state = L->state[i];
        if (L->state && L->state[i] >= STREAM_MAX_STATES)
            return ope_fail(err, OPE_EDATA, "%s:%zu: state id %d; a log read in windows "
                            "(--stream) takes state ids below 2^20: number the states "
                            "densely from 0, or drop --stream", spath(s), L->line[i],
                            L->state[i]);
        for (size_t p = 0; p < r->n_policies; p++) {
            double sum = 0.0;
            for (size_t a = 0; a < A; a++) {
                size_t j = s->pcol[p * A + a];
                sum += j == (size_t)-1 ? 0.0 : L->val[j][i];
            }
            if (fabs(sum - 1.0) > 1e-6)
                return ope_fail(err, OPE_EDATA, "%s:%zu: the probabilities of policy '%s' "
                                "sum to %.9g on this row, expected 1 (within 1e-6); fix its "
                                "pi.%s.* columns", spath(s), L->line[i], r->policy_name[p],
                                sum, r->policy_name[p]);
        }
    }
    return 0;
}

/* Point the window at the loader's first k episodes. 0, or -1 (out of memory). */
static int make_window(struct tlog_stream *s, size_t k, struct ope_error *err)
{
    struct tloader *L = &s->L;
    size_t n = L->ep_start[k], A = (size_t)s->A;
    if (n > s->zcap) {
        free(s->zeros);
        if (!(s->zeros = ope_calloc(n, sizeof *s->zeros, err)))
            return s->zcap = 0, -1;
        s->zcap = n;
    }
    for (size_t e = 0; e < k; e++)
        if ((int)(L->ep_start[e + 1] - L->ep_start[e]) > s->horizon)
            s->horizon = (int)(L->ep_start[e + 1] - L->ep_start[e]);
    struct tlog *w = &s->w;
    w->n_actions = s->A;
    w->n_steps = n;
    w->n_episodes = k;
    w->ep_start = L->ep_start;
    w->horizon = s->horizon;
    /* The rows handed out, not the ones read ahead (their ids are not checked yet). */
    w->n_states = L->state ? (int)s->max_state + 1 : 0;
    w->state = L->state;
    w->action = L->action;
    w->reward = L->reward;
    w->pscore = L->pscore;
    w->done = L->done;
    w->line = L->line;
    size_t nf = 0;
    for (size_t j = 0; j < L->r.n_cols; j++)
        if (L->r.col[j].use == USE_FEATURE)
            w->feature[nf++] = L->val[j];
    for (size_t p = 0; p < L->r.n_policies; p++)
        for (size_t a = 0; a < A; a++) {
            size_t j = s->pcol[p * A + a];
            s->pol[p].prob[a] = j == (size_t)-1 ? s->zeros : L->val[j];
        }
    s->given = k;
    return 0;
}

int tlog_stream_next(struct tlog_stream *s, const struct tlog **w, size_t *first,
                     struct ope_error *err)
{
    struct tloader *L = &s->L;
    drop_given(s);
    /* Read until the loader holds a window of whole episodes: the last episode it
     * holds may go on, until a later one starts or the input ends. */
    while (!s->eof && (L->ids.n - L->ep_base < s->window + 1)) {
        int rc = tlog_loader_more(L, s->csv, err);
        if (rc < 0)
            return -1;
        s->eof = rc == 0;
    }
    size_t held = L->ids.n - L->ep_base;
    size_t k = s->eof ? held : held - 1;
    if (k > s->window)
        k = s->window;
    if (k == 0) {
        if (s->first == 0 && L->ids.n == 0)
            return ope_fail(err, OPE_EDATA, "%s: no data rows after the header; a log needs "
                            "at least one step", spath(s));
        return 0;
    }
    L->ep_start[held] = L->n;
    /* Without policy columns (and --n-actions), the actions read so far. */
    if (L->r.n_policies == 0 && L->o->n_actions <= 0 && L->max_action + 1 > s->A)
        s->A = (int)L->max_action + 1;
    if (check_rows(s, L->ep_start[k], err) != 0 || make_window(s, k, err) != 0)
        return -1;
    *w = &s->w;
    *first = s->first;
    return 1;
}

size_t tlog_stream_policies(const struct tlog_stream *s)
{
    return s->L.r.n_policies;
}

const char *tlog_stream_policy_name(const struct tlog_stream *s, size_t p)
{
    return s->L.r.policy_name[p];
}

int tlog_stream_actions(const struct tlog_stream *s)
{
    return s->A;
}

int tlog_stream_has_state(const struct tlog_stream *s)
{
    return s->L.r.single[ROLE_STATE] >= 0;
}

size_t tlog_stream_episode_column(const struct tlog_stream *s)
{
    return (size_t)s->L.r.single[ROLE_EPISODE];
}

const char *tlog_stream_episode_name(const struct tlog_stream *s)
{
    return s->L.r.name[s->L.r.single[ROLE_EPISODE]];
}

size_t tlog_stream_n_read(const struct tlog_stream *s)
{
    /* (An id whose line could not be kept, out of memory, is not counted.) */
    return s->L.ids.n < s->L.ep_at_cap ? s->L.ids.n : s->L.ep_at_cap;
}

const char *tlog_stream_episode_id(const struct tlog_stream *s, size_t k, size_t *len,
                                   size_t *line)
{
    *len = s->L.ids.len[k];
    *line = s->L.ep_at[k].line;
    return s->L.ids.level[k];
}

size_t tlog_stream_episode_input(const struct tlog_stream *s, size_t k, size_t *col)
{
    *col = s->L.ep_at[k].col;
    return s->L.ep_at[k].input;
}

void tlog_stream_close(struct tlog_stream *s)
{
    if (!s)
        return;
    for (size_t p = 0; s->pol && p < s->L.r.n_policies; p++)
        free(s->pol[p].prob);
    free(s->pol);
    free(s->pcol);
    free(s->fname);
    free(s->zeros);
    free(s->w.feature);
    tlog_loader_release(&s->L);
    free(s);
}
