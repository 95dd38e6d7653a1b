/* datasets/tlog.c: logged trajectories in memory: allocation, the trajectory CSV
 * loader (contiguous episodes, steps 0,1,2,... without gaps, every rule checked with
 * file:line:column messages; runs of plain lines are read in parallel, tlog_span.c)
 * and the on-policy mean return. */
#include "config.h"
#include "datasets/tlog.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "datasets/blog.h"
#include "datasets/csv.h"
#include "datasets/roles.h"
#include "datasets/tlog_loader.h"
#include "ope/base/sum.h"

struct tlog *tlog_new(size_t n_episodes, const int *ep_len, int n_actions, int n_states,
                      size_t n_policies, struct ope_error *err)
{
    if (n_actions <= 0 || n_states < 0) {
        ope_fail(err, OPE_ESOFTWARE, "tlog_new: %d actions, %d states", n_actions, n_states);
        return NULL;
    }
    struct tlog *t = ope_calloc(1, sizeof *t, err);
    if (!t)
        return NULL;
    t->n_actions = n_actions;
    t->n_states = n_states;
    t->gamma = 1.0;
    t->n_episodes = n_episodes;
    if (!(t->ep_start = ope_calloc(n_episodes + 1, sizeof *t->ep_start, err)))
        goto fail;
    for (size_t e = 0; e < n_episodes; e++) {
        if (ep_len[e] < 0) {
            ope_fail(err, OPE_ESOFTWARE, "tlog_new: episode %zu has length %d", e, ep_len[e]);
            goto fail;
        }
        t->ep_start[e + 1] = t->ep_start[e] + (size_t)ep_len[e];
        if (ep_len[e] > t->horizon)
            t->horizon = ep_len[e];
    }
    size_t n = t->n_steps = t->ep_start[n_episodes];
    if (!(t->action = ope_calloc(n, sizeof *t->action, err)) ||
        !(t->reward = ope_calloc(n, sizeof *t->reward, err)) ||
        !(t->pscore = ope_calloc(n, sizeof *t->pscore, err)) ||
        (n_states > 0 && !(t->state = ope_calloc(n, sizeof *t->state, err))))
        goto fail;
    if (n_policies) {
        if (!(t->policy = ope_calloc(n_policies, sizeof *t->policy, err)))
            goto fail;
        t->n_policies = n_policies;
        for (size_t p = 0; p < n_policies; p++)
            if (!(t->policy[p].prob = blog_matrix_new(n_actions, n, err)))
                goto fail;
    }
    return t;
fail:
    tlog_free(t);
    return NULL;
}

int tlog_policy_index(const struct tlog *t, const char *name)
{
    for (size_t p = 0; t && name && p < t->n_policies; p++)
        if (t->policy[p].name && strcmp(t->policy[p].name, name) == 0)
            return (int)p;
    return -1;
}

double tlog_mean_return(const struct tlog *t, double gamma)
{
    if (!t || t->n_episodes == 0)
        return NAN;
    struct ope_sum all;
    ope_sum_init(&all);
    for (size_t e = 0; e < t->n_episodes; e++) {
        struct ope_sum g;
        double disc = 1.0;
        ope_sum_init(&g);
        for (size_t i = t->ep_start[e]; i < t->ep_start[e + 1]; i++) {
            ope_sum_add(&g, disc * t->reward[i]);
            disc *= gamma;
        }
        ope_sum_add(&all, ope_sum_value(&g));
    }
    return ope_sum_value(&all) / (double)t->n_episodes;
}

void tlog_free(struct tlog *t)
{
    if (!t)
        return;
    free(t->path);
    free(t->ep_start);
    for (size_t e = 0; t->ep_id && e < t->n_episodes; e++)
        free(t->ep_id[e]);
    free(t->ep_id);
    free(t->state);
    free(t->action);
    free(t->reward);
    free(t->pscore);
    free(t->done);
    free(t->line);
    for (size_t k = 0; k < t->n_features; k++) {
        if (t->feature_name)
            free(t->feature_name[k]);
        if (t->feature)
            free(t->feature[k]);
    }
    free(t->feature_name);
    free(t->feature);
    for (size_t p = 0; t->policy && p < t->n_policies; p++) {
        free(t->policy[p].name);
        blog_matrix_free(t->policy[p].prob, t->n_actions);
    }
    free(t->policy);
    free(t);
}
int log_header_is_trajectory(const char *const *names, size_t n, const struct load_opts *o)
{
    return roles_header_is_trajectory(names, n, o);
}

int log_fields_are_trajectory(const struct csv_field *f, size_t n, const struct load_opts *o,
                              struct ope_error *err)
{
    const char **names = ope_calloc(n ? n : 1, sizeof *names, err);
    if (!names)
        return -1;
    for (size_t j = 0; j < n; j++)
        names[j] = f[j].s;
    int res = log_header_is_trajectory(names, n, o);
    free(names);
    return res;
}

int log_csv_is_trajectory(struct csv_reader *csv, const struct load_opts *o,
                          struct ope_error *err)
{
    const struct csv_field *f;
    size_t n;
    int rc = csv_next(csv, &f, &n, err), res = -1;
    if (rc == 0)
        ope_fail(err, OPE_EDATA, "%s: the file is empty; expected a header line naming the "
                 "columns", csv_name(csv));
    if (rc == 1 && (res = log_fields_are_trajectory(f, n, o, err)) >= 0)
        csv_unget(csv);
    return res;
}

/* ---- the loader ------------------------------------------------------------ */

static int tgrow(void *pp, size_t size, struct ope_error *err)
{
    void **p = pp;
    void *q = ope_realloc(*p, size, err);
    if (!q)
        return 1;
    *p = q;
    return 0;
}

#define TGROW(p, cap, err) tgrow(&(p), (cap) * sizeof *(p), (err))

static int tloader_grow(struct tloader *L, struct ope_error *err)
{
    size_t nc = L->cap ? L->cap * 2 : 4096;
    if (TGROW(L->action, nc, err) || TGROW(L->reward, nc, err) || TGROW(L->pscore, nc, err) ||
        TGROW(L->line, nc, err) || TGROW(L->ep_start, nc + 1, err))
        return -1;
    if (L->r.single[ROLE_STATE] >= 0 && TGROW(L->state, nc, err))
        return -1;
    if (L->r.single[ROLE_DONE] >= 0 && TGROW(L->done, nc, err))
        return -1;
    for (size_t j = 0; j < L->r.n_cols; j++)
        if (L->val[j] && TGROW(L->val[j], nc, err))
            return -1;
    L->cap = nc;
    return 0;
}

int tlog_loader_reserve(struct tloader *L, size_t rows, struct ope_error *err)
{
    while (L->cap < rows)
        if (tloader_grow(L, err) < 0)
            return -1;
    return 0;
}

int tlog_loader_step(const struct tloader *L, const struct csv_field *f, long *step,
                     struct ope_error *err)
{
    const struct roles *r = &L->r;
    size_t je = (size_t)r->single[ROLE_EPISODE], js = (size_t)r->single[ROLE_STEP];
    if (f[je].len == 0)
        return roles_bad_value(r, je, &f[je], "an episode id", err);
    return roles_long(r, js, &f[js], 0, 100000000L,
                      "a step number: an integer from 0 to 100000000", step, err);
}

/* Episode and step of row i: a new id starts an episode at step 0; an id seen before
 * is a non-contiguous episode; within an episode steps go up by one. */
int tlog_loader_episode(struct tloader *L, const struct csv_field *fe,
                        const struct csv_field *fs, long step, struct ope_error *err)
{
    const struct roles *r = &L->r;
    size_t je = (size_t)r->single[ROLE_EPISODE], js = (size_t)r->single[ROLE_STEP];
    size_t ne = L->ids.n;
    int same = ne > 0 && L->ids.len[ne - 1] == fe->len &&
               memcmp(L->ids.level[ne - 1], fe->s, fe->len) == 0;
    char q[128], h[128];
    if (same) {
        if (step != L->step + 1)
            return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column '%s': saw step %ld after step "
                            "%ld of episode '%s', expected %ld; steps of an episode go 0, 1, "
                            "2, ... without gaps", r->path, fs->line, fs->col, r->name[js],
                            step, L->step, roles_quote(fe->s, fe->len, q, sizeof q),
                            L->step + 1);
        if (L->done_line)
            return ope_fail(err, OPE_EDATA, "%s:%zu: episode '%s' goes on after done=1 on "
                            "line %zu; done marks the last step of an episode", r->path,
                            fs->line, roles_quote(fe->s, fe->len, q, sizeof q), L->done_line);
    } else {
        int code = roles_levels_code(&L->ids, fe->s, fe->len, err);
        if (code < 0)
            return -1;
        if ((size_t)code < ne) {
            /* Where it began: its file named once reading is past the first. */
            size_t line = L->windows ? L->ep_at[code].line : L->line[L->ep_start[code]];
            const char *file = L->windows ? (csv_input_index(L->csv) > 0
                                             ? csv_input_name(L->csv, L->ep_at[code].input)
                                             : NULL)
                             : L->rows_of.n > 1
                             ? csv_rows_name(&L->rows_of, L->csv, L->ep_start[code]) : NULL;
            return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column '%s': episode '%s' appears "
                            "again after other episodes (it started on line %zu%s%s); the rows of "
                            "an episode must be contiguous: sort the file by episode, then "
                            "step", r->path, fe->line, fe->col, r->name[je],
                            roles_quote(fe->s, fe->len, q, sizeof q), line,
                            file ? " of " : "", file ? file : "");
        }
        /* Every id kept has its first line, even one refused below (an MPI rank's
         * ids are compared with the other ranks' after a failure too). */
        if (L->windows) {
            if (ne >= L->ep_at_cap) {
                size_t nc = L->ep_at_cap ? 2 * L->ep_at_cap : 4096;
                if (TGROW(L->ep_at, nc, err))
                    return -1;
                L->ep_at_cap = nc;
            }
            L->ep_at[ne] = (struct tlog_ep_at){ L->line[L->n], csv_input_index(L->csv),
                                                fe->col };
        }
        if (step != 0)
            return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column '%s': episode '%s' starts at "
                            "step %ld, expected 0; %s", r->path, fs->line, fs->col,
                            r->name[js], roles_quote(fe->s, fe->len, q, sizeof q), step,
                            roles_hint(r, js, h, sizeof h));
        L->ep_start[ne - L->ep_base] = L->n;
    }
    L->step = step;
    L->done_line = 0;
    return 0;
}

/* csv_parse_double through the memo m (NULL: none): the same result. A memo that
 * finds fewer than half of 256 fields stops being asked (values that do not repeat
 * would only pay for the lookups). */
static int memo_double(struct tlog_memo *m, const char *s, size_t len, double *out)
{
    if (!m || len < 8 || len > 24 || (m->tries >= 256 && 2 * m->hits < m->tries))
        return csv_parse_double(s, len, out);
    uint64_t head, mid = 0, tail;
    memcpy(&head, s, 8);
    memcpy(&tail, s + len - 8, 8);
    if (len > 16)
        memcpy(&mid, s + 8, 8);
    size_t h = (size_t)(((head * UINT64_C(0x9e3779b97f4a7c15)) ^
                         (tail * UINT64_C(0xc2b2ae3d27d4eb4f)) ^ len) >> 58) % TLOG_MEMO_SLOTS;
    m->tries++;
    if (m->len[h] == len && m->head[h] == head && m->tail[h] == tail && m->mid[h] == mid) {
        m->hits++;
        *out = m->v[h];
        return 0;
    }
    int rc = csv_parse_double(s, len, out);
    if (rc == 0) {
        m->len[h] = len;
        m->head[h] = head, m->mid[h] = mid, m->tail[h] = tail;
        m->v[h] = *out;
    }
    return rc;
}

int tlog_loader_columns(struct tloader *L, const struct csv_field *f, struct ope_error *err)
{
    const struct roles *r = &L->r;
    size_t i = L->n;
    long lv, hi = L->o->n_actions > 0 ? L->o->n_actions - 1 : 1000000L;
    for (size_t j = 0; j < r->n_cols; j++) {
        const struct roles_col *c = &r->col[j];
        const struct csv_field *x = &f[j];
        if (c->use == USE_POLICY) {
            /* roles_double's test, with the memo. */
            double v;
            if (memo_double(L->memo ? &L->memo[j] : NULL, x->s, x->len, &v) != 0 ||
                v < 0.0 || v > 1.0)
                return roles_bad_value(r, j, x, "a probability in [0, 1]", err);
            L->val[j][i] = v;
            continue;
        }
        if (c->use == USE_FEATURE) {
            if (roles_double(r, j, x, -HUGE_VAL, HUGE_VAL, 0, "a finite number",
                             &L->val[j][i], err) < 0)
                return -1;
            continue;
        }
        if (c->use != USE_SINGLE)
            continue;
        switch (c->role) {
        case ROLE_ACTION:
            if (roles_long(r, j, x, 0, hi, L->o->n_actions > 0 ? "an action below --n-actions"
                           : "an action: an integer from 0 to 1000000", &lv, err) < 0)
                return -1;
            L->action[i] = (int)lv;
            if (lv > L->max_action)
                L->max_action = lv;
            break;
        case ROLE_STATE:
            if (roles_long(r, j, x, 0, 100000000L, "a state id: an integer from 0 to 100000000", &lv, err) < 0)
                return -1;
            L->state[i] = (int)lv;
            if (lv > L->max_state)
                L->max_state = lv;
            break;
        case ROLE_REWARD:
            if (roles_double(r, j, x, -ROLES_REWARD_MAX, ROLES_REWARD_MAX, 0,
                             ROLES_REWARD_WHAT, &L->reward[i], err) < 0)
                return -1;
            break;
        case ROLE_PSCORE: {
            double v;
            if (memo_double(L->memo ? &L->memo[j] : NULL, x->s, x->len, &v) != 0 ||
                v <= 0.0 || v > 1.0)
                return roles_bad_value(r, j, x, "a probability in (0, 1]", err);
            L->pscore[i] = v;
            break;
        }
        case ROLE_DONE:
            if (roles_long(r, j, x, 0, 1, "0 or 1", &lv, err) < 0)
                return -1;
            L->done[i] = (unsigned char)lv;
            break;
        default:
            break;
        }
    }
    return 0;
}

/* One row read in order: its episode against the rows before, then its columns; a
 * done=1 row ends its episode for the next row's check. */
static int tread_row(struct tloader *L, const struct csv_field *f, struct ope_error *err)
{
    long step;
    const struct roles *r = &L->r;
    if (tlog_loader_step(L, f, &step, err) < 0 ||
        tlog_loader_episode(L, &f[r->single[ROLE_EPISODE]], &f[r->single[ROLE_STEP]], step,
                            err) < 0 ||
        tlog_loader_columns(L, f, err) < 0)
        return -1;
    if (L->done && L->done[L->n])
        L->done_line = f[r->single[ROLE_DONE]].line;
    return 0;
}

void tlog_loader_release(struct tloader *L)
{
    free(L->rows_of.start);
    for (size_t j = 0; L->val && j < L->r.n_cols; j++)
        free(L->val[j]);
    free(L->val);
    free(L->state);
    free(L->action);
    free(L->reward);
    free(L->pscore);
    free(L->done);
    free(L->line);
    free(L->ep_start);
    free(L->ep_at);
    roles_levels_release(&L->ids);
    roles_release(&L->r);
}

/* One record read with csv_next (one that holds quotes, or is very long). */
static int tread_record(struct tloader *L, struct csv_reader *csv, const struct csv_field *f,
                        size_t nf, struct ope_error *err)
{
    if (roles_blank_record(f, nf))
        return 0;
    if (roles_check_width(&L->r, f, nf, csv_record_line(csv), err) < 0)
        return -1;
    if (L->n == L->cap && tloader_grow(L, err) < 0)
        return -1;
    L->line[L->n] = csv_record_line(csv);
    if (tread_row(L, f, err) < 0)
        return -1;
    L->n++;
    return 0;
}

/* Bytes of plain lines taken at once (several parallel tasks' worth). */
#define SPAN_BYTES ((size_t)8 << 20)

static int use_spans = 1;

void tlog_loader_use_spans(int on)
{
    use_spans = on;
}

int tlog_loader_more(struct tloader *L, struct csv_reader *csv, struct ope_error *err)
{
    struct csv_span sp;
    int rc = use_spans ? csv_next_span(csv, SPAN_BYTES, &sp, err) : 2;
    if (rc == 1 && tlog_loader_read_span(L, &sp, err) < 0)
        return -1;
    if (rc == 2) {
        const struct csv_field *f;
        size_t nf;
        rc = csv_next(csv, &f, &nf, err);
        if (rc == 1 && ((!L->windows && csv_rows_note(&L->rows_of, csv, L->n, err) < 0) ||
                        tread_record(L, csv, f, nf, err) < 0))
            return -1;
    }
    return rc < 0 ? -1 : rc > 0;
}

/* Read every record after the header: runs of plain lines through
 * tlog_loader_read_span, the other records one by one, in file order. */
static int tread_rows(struct tloader *L, struct csv_reader *csv, struct ope_error *err)
{
    int rc;
    while ((rc = tlog_loader_more(L, csv, err)) > 0)
        ;
    if (rc < 0)
        return -1;
    if (L->n == 0)
        return ope_fail(err, OPE_EDATA, "%s: no data rows after the header; a log needs at "
                        "least one step", csv_input_name(csv, 0));
    return 0;
}

/* The policies' [A][n] matrices, each row checked to sum to 1. A matrix takes its
 * columns over (no copy: they are most of the log's memory); an action without a
 * column gets zeros. */
static int tbuild_policies(struct tloader *L, struct tlog *t, struct ope_error *err)
{
    int A = t->n_actions;
    for (size_t p = 0; p < L->r.n_policies; p++) {
        struct tlog_policy *tp = &t->policy[p];
        if (!(tp->name = ope_strdup(L->r.policy_name[p], err)) ||
            !(tp->prob = ope_calloc((size_t)A, sizeof *tp->prob, err)))
            return -1;
        for (size_t j = 0; j < L->r.n_cols; j++)
            if (L->r.col[j].use == USE_POLICY && L->r.col[j].policy == (int)p) {
                double **m = &tp->prob[L->r.col[j].action];
                free(*m);       /* a later column of the same action wins, as before */
                *m = L->val[j];
                L->val[j] = NULL;
            }
        for (int a = 0; a < A; a++)
            if (!tp->prob[a] && !(tp->prob[a] = ope_calloc(t->n_steps, sizeof(double), err)))
                return -1;
        for (size_t i = 0; i < t->n_steps; i++) {
            double sum = 0.0;
            for (int a = 0; a < A; a++)
                sum += tp->prob[a][i];
            if (fabs(sum - 1.0) > 1e-6)
                return ope_fail(err, OPE_EDATA, "%s:%zu: the probabilities of policy '%s' "
                                "sum to %.9g on this row, expected 1 (within 1e-6); fix its "
                                "pi.%s.* columns", csv_rows_name(&L->rows_of, L->csv, i),
                                t->line[i], tp->name, sum, tp->name);
        }
    }
    return 0;
}

static struct tlog *tbuild(struct tloader *L, const char *path, struct ope_error *err)
{
    int A = L->o->n_actions > 0 ? L->o->n_actions
          : (int)(L->max_action > L->r.max_action ? L->max_action : L->r.max_action) + 1;
    if (L->r.max_action >= A)
        return ope_fail(err, OPE_EDATA, "%s:1: a policy column is for action %d but "
                        "--n-actions is %d", path, L->r.max_action, A), NULL;
    /* A logged action past the policy columns has no probability, and would make
     * every per-action table as wide as that id (blog_load.c says the same). */
    if (L->o->n_actions <= 0 && L->r.max_action >= 0 && L->max_action > L->r.max_action)
        for (size_t i = 0; i < L->n; i++)
            if (L->action[i] > L->r.max_action)
                return ope_fail(err, OPE_EDATA, "%s:%zu: action %d, but the policy columns "
                                "(pi.NAME.A) cover actions 0..%d: every logged action needs "
                                "its columns (a wrong action id, or columns missing)",
                                csv_rows_name(&L->rows_of, L->csv, i), L->line[i],
                                L->action[i], L->r.max_action), NULL;
    /* State ids index tables (value models, diagnostics) of max_state + 1 entries per
     * action and step: one large id in a short log asked for gigabytes (state
     * 20000000 in 41 rows: 8 GB, 4 minutes). Ids are meant to be dense; past 2^20
     * states and 64 per row, say so and where, instead of trying. */
    if (L->state && L->max_state >= 0) {
        size_t states = (size_t)L->max_state + 1, cap = (size_t)1 << 20;
        if (64 * L->n > cap)
            cap = 64 * L->n;
        if (states > cap) {
            size_t i = 0;
            while (i + 1 < L->n && L->state[i] != L->max_state)
                i++;
            ope_fail(err, OPE_EDATA, "%s:%zu: state id %ld makes tables of %zu states for %zu "
                     "rows (at most %zu: 2^20 or 64 per row); number the states densely "
                     "from 0", L->r.path, L->line[i], L->max_state, states, L->n, cap);
            return NULL;
        }
    }
    struct tlog *t = ope_calloc(1, sizeof *t, err);
    if (!t)
        return NULL;
    size_t ne = L->ids.n;
    t->gamma = 1.0;
    t->n_steps = L->n;
    t->n_episodes = ne;
    t->n_actions = A;
    t->n_states = L->state ? (int)L->max_state + 1 : 0;
    t->ep_start = L->ep_start, L->ep_start = NULL;
    t->ep_start[ne] = L->n;
    for (size_t e = 0; e < ne; e++)
        if ((int)(t->ep_start[e + 1] - t->ep_start[e]) > t->horizon)
            t->horizon = (int)(t->ep_start[e + 1] - t->ep_start[e]);
    t->ep_id = L->ids.level, L->ids.level = NULL, L->ids.n = 0;
    t->state = L->state, L->state = NULL;
    t->action = L->action, L->action = NULL;
    t->reward = L->reward, L->reward = NULL;
    t->pscore = L->pscore, L->pscore = NULL;
    t->done = L->done, L->done = NULL;
    t->line = L->line, L->line = NULL;
    if (!(t->path = ope_strdup(path, err)))
        goto fail;
    if (L->r.n_feature) {
        if (!(t->feature = ope_calloc(L->r.n_feature, sizeof *t->feature, err)) ||
            !(t->feature_name = ope_calloc(L->r.n_feature, sizeof *t->feature_name, err)))
            goto fail;
        for (size_t j = 0; j < L->r.n_cols; j++)
            if (L->r.col[j].use == USE_FEATURE) {
                t->feature[t->n_features] = L->val[j], L->val[j] = NULL;
                if (!(t->feature_name[t->n_features++] = ope_strdup(L->r.name[j], err)))
                    goto fail;
            }
    }
    if (L->r.n_policies) {
        if (!(t->policy = ope_calloc(L->r.n_policies, sizeof *t->policy, err)))
            goto fail;
        t->n_policies = L->r.n_policies;
        if (tbuild_policies(L, t, err) < 0)
            goto fail;
    }
    return t;
fail:
    tlog_free(t);
    return NULL;
}

int tlog_loader_begin(struct tloader *L, struct csv_reader *csv, struct ope_error *err)
{
    const struct load_opts *o = L->o;
    L->csv = csv;
    const char *path = csv_name(csv);     /* the input being read, for messages */
    const struct csv_field *hdr;
    size_t nh;
    int rc = csv_next(csv, &hdr, &nh, err);
    if (rc == 0)
        return ope_fail(err, OPE_EDATA, "%s: the file is empty; expected a header line naming "
                        "the columns (episode,step,state,action,reward,pscore,...)", path);
    if (rc < 0 || roles_resolve(&L->r, hdr, nh, o, 1, path, err) != 0)
        return -1;
    if (o->want_policies && L->r.n_policies == 0)
        return ope_fail(err, OPE_EDATA, "%s:1: no evaluation policy columns (pi.NAME.ACTION, "
                        "or --policy-columns PATTERN) in the header; a tabular policy may "
                        "instead come as a file: --policy NAME=FILE", path);
    if (!(L->val = ope_calloc(L->r.n_cols + 1, sizeof *L->val, err)))
        return -1;
    for (size_t j = 0; j < L->r.n_cols; j++)
        if ((L->r.col[j].use == USE_POLICY || L->r.col[j].use == USE_FEATURE) &&
            !(L->val[j] = ope_malloc(sizeof(double), err)))
            return -1;
    L->max_action = L->max_state = -1;
    return 0;
}

struct tlog *tlog_load_csv(struct csv_reader *csv, const struct load_opts *o,
                           struct ope_error *err)
{
    struct tloader L;
    memset(&L, 0, sizeof L);
    L.o = o;
    struct tlog *t = NULL;
    if (tlog_loader_begin(&L, csv, err) == 0 && tread_rows(&L, csv, err) == 0)
        t = tbuild(&L, csv_input_name(csv, 0), err);
    tlog_loader_release(&L);
    return t;
}

struct tlog *tlog_load(const char *path, const struct load_opts *o, struct ope_error *err)
{
    struct csv_reader *csv = csv_open(path, o->sep, err);
    if (!csv)
        return NULL;
    struct tlog *t = tlog_load_csv(csv, o, err);
    csv_close(csv);
    return t;
}
