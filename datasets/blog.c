/* datasets/blog.c: the bandit log in memory: allocation, release, the small
 * summaries every command needs (policy lookup, ground truth, mean reward), and
 * the CSV loader (blog_load) built on the shared role resolution of roles.c. */
#include "config.h"
#include "datasets/blog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"
#include "datasets/roles.h"
#include "ope/json.h"
#include "ope/sum.h"

double **blog_matrix_new(int n_actions, size_t n, struct ope_error *err)
{
    if (n_actions <= 0) {
        ope_fail(err, OPE_ESOFTWARE, "blog_matrix_new: %d actions", n_actions);
        return NULL;
    }
    double **m = ope_calloc((size_t)n_actions, sizeof *m, err);
    if (!m)
        return NULL;
    for (int a = 0; a < n_actions; a++) {
        m[a] = ope_calloc(n, sizeof **m, err);
        if (!m[a]) {
            blog_matrix_free(m, n_actions);
            return NULL;
        }
    }
    return m;
}

void blog_matrix_free(double **m, int n_actions)
{
    if (!m)
        return;
    for (int a = 0; a < n_actions; a++)
        free(m[a]);
    free(m);
}

struct blog *blog_new(size_t n, int n_actions, int n_positions, size_t n_policies,
                      struct ope_error *err)
{
    if (n_actions <= 0 || n_positions <= 0) {
        ope_fail(err, OPE_ESOFTWARE, "blog_new: %d actions, %d positions",
                 n_actions, n_positions);
        return NULL;
    }
    struct blog *b = ope_calloc(1, sizeof *b, err);
    if (!b)
        return NULL;
    b->n = n;
    b->n_actions = n_actions;
    b->n_positions = n_positions;
    b->action = ope_calloc(n, sizeof *b->action, err);
    b->reward = ope_calloc(n, sizeof *b->reward, err);
    b->pscore = ope_calloc(n, sizeof *b->pscore, err);
    if (!b->action || !b->reward || !b->pscore)
        goto fail;
    if (n_positions > 1 && !(b->position = ope_calloc(n, sizeof *b->position, err)))
        goto fail;
    if (n_policies > 0) {
        b->policy = ope_calloc(n_policies, sizeof *b->policy, err);
        if (!b->policy)
            goto fail;
        b->n_policies = n_policies;
        for (size_t p = 0; p < n_policies; p++)
            if (!(b->policy[p].prob = blog_matrix_new(n_actions, n, err)))
                goto fail;
    }
    return b;
fail:
    blog_free(b);
    return NULL;
}

int blog_policy_index(const struct blog *b, const char *name)
{
    for (size_t p = 0; b && name && p < b->n_policies; p++)
        if (b->policy[p].name && strcmp(b->policy[p].name, name) == 0)
            return (int)p;
    return -1;
}

double blog_policy_truth(const struct blog *b, size_t p)
{
    if (!b || !b->q || p >= b->n_policies || b->n == 0)
        return NAN;
    double **prob = b->policy[p].prob;
    struct ope_sum k;
    ope_sum_init(&k);
    for (size_t i = 0; i < b->n; i++)
        for (int a = 0; a < b->n_actions; a++)
            ope_sum_add(&k, prob[a][i] * b->q[a][i]);
    return ope_sum_value(&k) / (double)b->n;
}

double blog_mean_reward(const struct blog *b)
{
    if (!b || b->n == 0)
        return NAN;
    return ope_sum_array(b->reward, b->n) / (double)b->n;
}

static void free_strings(char **s, size_t n)
{
    if (!s)
        return;
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

void blog_free(struct blog *b)
{
    if (!b)
        return;
    free(b->path);
    free(b->action);
    free(b->reward);
    free(b->pscore);
    free(b->position);
    free(b->line);
    free_strings(b->num_ctx_name, b->n_num_ctx);
    if (b->num_ctx)
        for (size_t j = 0; j < b->n_num_ctx; j++)
            free(b->num_ctx[j]);
    free(b->num_ctx);
    for (size_t j = 0; b->cat_ctx && j < b->n_cat_ctx; j++) {
        free(b->cat_ctx[j].name);
        free(b->cat_ctx[j].code);
        free_strings(b->cat_ctx[j].levels, b->cat_ctx[j].n_levels);
    }
    free(b->cat_ctx);
    for (size_t p = 0; b->policy && p < b->n_policies; p++) {
        free(b->policy[p].name);
        blog_matrix_free(b->policy[p].prob, b->n_actions);
    }
    free(b->policy);
    blog_matrix_free(b->qhat, b->n_actions);
    blog_matrix_free(b->q, b->n_actions);
    free_strings(b->columns, b->n_columns);
    free_strings(b->column_role, b->n_columns);
    free(b);
}
/* ---- the loader ------------------------------------------------------------ */

enum slot_kind { K_SKIP, K_ACTION, K_REWARD, K_PSCORE, K_POS, K_PROB, K_REAL, K_CTX };

/* A context column while loading: numeric until a field does not read as a number,
 * then categorical (earlier numbers become levels by their shortest spelling). */
struct ctxcol {
    int categorical;
    int *code;
    struct roles_levels lv;
};

struct loader {
    struct roles r;
    const struct load_opts *o;
    unsigned char *kind;        /* [n_cols] enum slot_kind */
    size_t n, cap;
    int *action;
    double *reward, *pscore;
    int *pos;                   /* raw positions as written */
    size_t *line;
    double **val;               /* [n_cols] numeric storage of K_PROB/K_REAL/K_CTX */
    struct ctxcol *ctx;         /* [n_cols] */
    long max_action, min_pos, max_pos;
};

/* Resize the array *pp (any element type) to size bytes, keeping it on failure. */
static int grow(void *pp, size_t size, struct ope_error *err)
{
    void **p = pp;
    void *q = ope_realloc(*p, size, err);
    if (!q)
        return 1;
    *p = q;
    return 0;
}

#define GROW(p, cap, err) grow(&(p), (cap) * sizeof *(p), (err))

static int loader_grow(struct loader *L, struct ope_error *err)
{
    size_t nc = L->cap ? L->cap * 2 : 4096;
    if (GROW(L->action, nc, err) || GROW(L->reward, nc, err) || GROW(L->pscore, nc, err) ||
        GROW(L->line, nc, err))
        return -1;
    if (L->r.single[ROLE_POSITION] >= 0 && GROW(L->pos, nc, err))
        return -1;
    for (size_t j = 0; j < L->r.n_cols; j++) {
        if (L->val[j] && GROW(L->val[j], nc, err))
            return -1;
        if (L->ctx[j].code && GROW(L->ctx[j].code, nc, err))
            return -1;
    }
    L->cap = nc;
    return 0;
}

static int loader_setup(struct loader *L, struct ope_error *err)
{
    size_t m = L->r.n_cols;
    if (!(L->kind = ope_calloc(m, 1, err)) || !(L->val = ope_calloc(m, sizeof *L->val, err)) ||
        !(L->ctx = ope_calloc(m, sizeof *L->ctx, err)))
        return -1;
    for (size_t j = 0; j < m; j++) {
        const struct roles_col *c = &L->r.col[j];
        switch (c->use) {
        case USE_SINGLE:
            L->kind[j] = c->role == ROLE_ACTION ? K_ACTION : c->role == ROLE_REWARD ? K_REWARD
                       : c->role == ROLE_PSCORE ? K_PSCORE : K_POS;
            break;
        case USE_POLICY: L->kind[j] = K_PROB; break;
        case USE_QHAT: case USE_TRUTH: L->kind[j] = K_REAL; break;
        case USE_CONTEXT: L->kind[j] = K_CTX; break;
        default: L->kind[j] = K_SKIP; break;
        }
        if (L->kind[j] >= K_PROB && !(L->val[j] = ope_malloc(sizeof(double), err)))
            return -1;
    }
    L->max_action = -1;
    L->min_pos = -1;
    L->max_pos = -1;
    return 0;
}

/* Switch context column j to categorical at row i (numbers so far become levels). */
static int ctx_to_categorical(struct loader *L, size_t j, struct ope_error *err)
{
    struct ctxcol *c = &L->ctx[j];
    if (!(c->code = ope_malloc(L->cap * sizeof *c->code, err)))
        return -1;
    c->categorical = 1;
    for (size_t k = 0; k < L->n; k++) {
        char buf[40];
        ope_format_double(buf, sizeof buf, L->val[j][k]);
        if ((c->code[k] = roles_levels_code(&c->lv, buf, strlen(buf), err)) < 0)
            return -1;
    }
    free(L->val[j]);
    L->val[j] = NULL;
    return 0;
}

static int read_context(struct loader *L, size_t j, const struct csv_field *f,
                        struct ope_error *err)
{
    struct ctxcol *c = &L->ctx[j];
    double v;
    int rc = csv_parse_double(f->s, f->len, &v);
    if (f->len == 0 || rc == -2)
        return roles_bad_value(&L->r, j, f, "a finite number or a category name", err);
    if (!c->categorical) {
        if (rc == 0) {
            L->val[j][L->n] = v;
            return 0;
        }
        if (ctx_to_categorical(L, j, err) < 0)
            return -1;
    }
    int code;
    if (rc == 0) {
        char buf[40];
        ope_format_double(buf, sizeof buf, v);
        code = roles_levels_code(&c->lv, buf, strlen(buf), err);
    } else {
        code = roles_levels_code(&c->lv, f->s, f->len, err);
    }
    if (code < 0)
        return -1;
    c->code[L->n] = code;
    return 0;
}

static int read_row(struct loader *L, const struct csv_field *f, struct ope_error *err)
{
    const struct roles *r = &L->r;
    size_t i = L->n;
    long hi = L->o->n_actions > 0 ? L->o->n_actions - 1 : 1000000L;
    char what[96];
    for (size_t j = 0; j < r->n_cols; j++) {
        long lv;
        switch (L->kind[j]) {
        case K_SKIP:
            break;
        case K_ACTION:
            if (csv_parse_long(f[j].s, f[j].len, 0, hi, &lv) != 0) {
                if (L->o->n_actions > 0)
                    snprintf(what, sizeof what, "an action from 0 to %ld (--n-actions %d)",
                             hi, L->o->n_actions);
                else
                    snprintf(what, sizeof what, "an action: an integer from 0 to %ld", hi);
                return roles_bad_value(r, j, &f[j], what, err);
            }
            L->action[i] = (int)lv;
            if (lv > L->max_action)
                L->max_action = lv;
            break;
        case K_REWARD:
            if (roles_double(r, j, &f[j], -HUGE_VAL, HUGE_VAL, 0, "a finite number",
                             &L->reward[i], err) < 0)
                return -1;
            break;
        case K_PSCORE:
            if (roles_double(r, j, &f[j], 0.0, 1.0, 1, "a probability in (0, 1]",
                             &L->pscore[i], err) < 0)
                return -1;
            break;
        case K_POS:
            if (roles_long(r, j, &f[j], 0, 1000000L, "a slot index: an integer >= 0",
                           &lv, err) < 0)
                return -1;
            L->pos[i] = (int)lv;
            if (L->min_pos < 0 || lv < L->min_pos)
                L->min_pos = lv;
            if (lv > L->max_pos)
                L->max_pos = lv;
            break;
        case K_PROB:
            if (roles_double(r, j, &f[j], 0.0, 1.0, 0, "a probability in [0, 1]",
                             &L->val[j][i], err) < 0)
                return -1;
            break;
        case K_REAL:
            if (roles_double(r, j, &f[j], -HUGE_VAL, HUGE_VAL, 0, "a finite number",
                             &L->val[j][i], err) < 0)
                return -1;
            break;
        case K_CTX:
            if (read_context(L, j, &f[j], err) < 0)
                return -1;
            break;
        }
    }
    return 0;
}

static void loader_release(struct loader *L)
{
    for (size_t j = 0; j < L->r.n_cols; j++) {
        if (L->val)
            free(L->val[j]);
        if (L->ctx) {
            free(L->ctx[j].code);
            roles_levels_release(&L->ctx[j].lv);
        }
    }
    free(L->val);
    free(L->ctx);
    free(L->kind);
    free(L->action);
    free(L->reward);
    free(L->pscore);
    free(L->pos);
    free(L->line);
    roles_release(&L->r);
}

/* Read every record after the header into the loader's columns. */
static int read_rows(struct loader *L, struct csv_reader *csv, struct ope_error *err)
{
    const struct csv_field *f;
    size_t nf;
    int rc;
    while ((rc = csv_next(csv, &f, &nf, err)) == 1) {
        if (roles_blank_record(f, nf))
            continue;
        size_t line = csv_record_line(csv);
        if (roles_check_width(&L->r, f, nf, line, err) < 0)
            return -1;
        if (L->n == L->cap && loader_grow(L, err) < 0)
            return -1;
        L->line[L->n] = line;
        if (read_row(L, f, err) < 0)
            return -1;
        L->n++;
    }
    if (rc < 0)
        return -1;
    if (L->n == 0)
        return ope_fail(err, OPE_EDATA, "%s: no data rows after the header; a log needs at "
                        "least one row", L->r.path);
    return 0;
}

/* lut[pos * A + a] = the column giving action a at 0-based position pos, or -1.
 * Columns without @position serve every position; @position columns override. */
static int *column_lut(const struct loader *L, enum roles_use use, int policy, int A,
                       int npos, int base, struct ope_error *err)
{
    int *lut = ope_malloc((size_t)npos * (size_t)A * sizeof *lut, err);
    if (!lut)
        return NULL;
    for (size_t k = 0; k < (size_t)npos * (size_t)A; k++)
        lut[k] = -1;
    for (int pass = 0; pass < 2; pass++)
        for (size_t j = 0; j < L->r.n_cols; j++) {
            const struct roles_col *c = &L->r.col[j];
            if (c->use != use || (use == USE_POLICY && c->policy != policy) ||
                (pass == 0) != (c->position < 0))
                continue;
            for (int p = 0; p < npos; p++)
                if (c->position < 0 || c->position - base == p)
                    lut[p * A + c->action] = (int)j;
        }
    return lut;
}

/* Fill an [A][n] matrix from the columns of one role, at each row's position. */
static double **gather(const struct loader *L, enum roles_use use, int policy,
                       struct blog *b, int base, struct ope_error *err)
{
    int A = b->n_actions, npos = b->n_positions;
    int *lut = column_lut(L, use, policy, A, npos, base, err);
    double **m = lut ? blog_matrix_new(A, b->n, err) : NULL;
    if (!m)
        goto fail;
    for (size_t i = 0; i < b->n; i++) {
        int p = b->position ? b->position[i] : 0;
        double sum = 0.0;
        for (int a = 0; a < A; a++) {
            int c = lut[p * A + a];
            if (c >= 0) {
                m[a][i] = L->val[c][i];
                sum += m[a][i];
            } else if (use != USE_POLICY) {
                const char *role = use == USE_QHAT ? "qhat" : "q";
                char at[40] = "";
                if (b->position)
                    snprintf(at, sizeof at, " at position %d", p + base);
                ope_fail(err, OPE_EDATA, "%s:%zu: no %s column for action %d%s (the log "
                         "has actions 0..%d); add the column %s.%d or drop the %s columns",
                         L->r.path, L->line[i], role, a, at, A - 1, role, a, role);
                goto fail;
            }
        }
        if (use == USE_POLICY && fabs(sum - 1.0) > 1e-6) {
            ope_fail(err, OPE_EDATA, "%s:%zu: the probabilities of policy '%s' sum to %.9g "
                     "on this row%s, expected 1 (within 1e-6); fix its pi.%s.* columns",
                     L->r.path, L->line[i], L->r.policy_name[policy], sum,
                     b->position ? " (at its position)" : "", L->r.policy_name[policy]);
            goto fail;
        }
    }
    free(lut);
    return m;
fail:
    free(lut);
    blog_matrix_free(m, A);
    return NULL;
}

/* Decide the position base, check the rows, and convert positions to 0-based. */
static int finish_positions(struct loader *L, struct blog *b, int *base,
                            struct ope_error *err)
{
    int pj = L->r.single[ROLE_POSITION];
    *base = 0;
    if (pj < 0) {
        for (size_t j = 0; j < L->r.n_cols; j++)
            if (L->r.col[j].position >= 0)
                return ope_fail(err, OPE_EDATA, "%s:1: column '%s' names a position but "
                                "the log has no position column; add one or map it with "
                                "--map position=COLUMN", L->r.path, L->r.name[j]);
        return 0;
    }
    *base = L->o->position_base >= 0 ? L->o->position_base : (L->min_pos == 0 ? 0 : 1);
    for (size_t i = 0; i < L->n; i++)
        if (L->pos[i] < *base)
            return ope_fail(err, OPE_EDATA, "%s:%zu: column '%s': saw position %d below the "
                            "position base %d; use --position-base 0 for 0-based slots",
                            L->r.path, L->line[i], L->r.name[pj], L->pos[i], *base);
    b->n_positions = (int)(L->max_pos - *base + 1);
    for (size_t i = 0; i < L->n; i++)
        L->pos[i] -= *base;
    b->position = L->pos;
    L->pos = NULL;
    return 0;
}

static int finish_context(struct loader *L, struct blog *b, struct ope_error *err)
{
    size_t nn = 0, nc = 0;
    for (size_t j = 0; j < L->r.n_cols; j++)
        if (L->kind[j] == K_CTX)
            L->ctx[j].categorical ? nc++ : nn++;
    if ((nn && (!(b->num_ctx = ope_calloc(nn, sizeof *b->num_ctx, err)) ||
                !(b->num_ctx_name = ope_calloc(nn, sizeof *b->num_ctx_name, err)))) ||
        (nc && !(b->cat_ctx = ope_calloc(nc, sizeof *b->cat_ctx, err))))
        return -1;
    for (size_t j = 0; j < L->r.n_cols; j++) {
        if (L->kind[j] != K_CTX)
            continue;
        struct ctxcol *c = &L->ctx[j];
        if (!c->categorical) {
            b->num_ctx[b->n_num_ctx] = L->val[j];
            L->val[j] = NULL;
            if (!(b->num_ctx_name[b->n_num_ctx++] = ope_strdup(L->r.name[j], err)))
                return -1;
        } else {
            struct blog_catcol *cc = &b->cat_ctx[b->n_cat_ctx++];
            cc->code = c->code;
            c->code = NULL;
            cc->n_levels = c->lv.n;
            cc->levels = c->lv.level;
            c->lv.level = NULL;
            c->lv.n = 0;
            if (!(cc->name = ope_strdup(L->r.name[j], err)))
                return -1;
        }
    }
    return 0;
}

/* The role of every column, for `info`; context columns say numeric/categorical. */
static int finish_columns(struct loader *L, struct blog *b, struct ope_error *err)
{
    size_t m = L->r.n_cols;
    if (!(b->column_role = ope_calloc(m, sizeof *b->column_role, err)))
        return -1;
    for (size_t j = 0; j < m; j++) {
        char buf[64];
        if (L->kind[j] == K_CTX) {
            if (L->ctx[j].categorical)
                snprintf(buf, sizeof buf, "context (categorical, %zu levels)", L->ctx[j].lv.n);
            else
                snprintf(buf, sizeof buf, "context (numeric)");
            b->column_role[j] = ope_strdup(buf, err);
        } else {
            b->column_role[j] = roles_describe(&L->r, j);
        }
        if (!b->column_role[j]) {
            b->n_columns = m;
            return ope_fail_oom(err);
        }
    }
    b->n_columns = m;
    if (!(b->columns = ope_calloc(m, sizeof *b->columns, err)))
        return -1;
    for (size_t j = 0; j < m; j++)
        if (!(b->columns[j] = ope_strdup(L->r.name[j], err)))
            return -1;
    return 0;
}

static int n_actions_of(const struct loader *L, struct ope_error *err)
{
    long A = L->max_action > L->r.max_action ? L->max_action : L->r.max_action;
    if (L->o->n_actions > 0) {
        for (size_t j = 0; j < L->r.n_cols; j++)
            if (L->r.col[j].use >= USE_POLICY && L->r.col[j].use <= USE_TRUTH &&
                L->r.col[j].action >= L->o->n_actions)
                return ope_fail(err, OPE_EDATA, "%s:1: column '%s' is for action %d but "
                                "--n-actions is %d (actions 0..%d)", L->r.path,
                                L->r.name[j], L->r.col[j].action, L->o->n_actions,
                                L->o->n_actions - 1);
        return L->o->n_actions;
    }
    return (int)A + 1;
}

static struct blog *build(struct loader *L, const char *path, struct ope_error *err)
{
    int A = n_actions_of(L, err), base;
    if (A <= 0)
        return NULL;
    struct blog *b = blog_new(0, A, 1, 0, err);
    if (!b)
        return NULL;
    free(b->action);
    free(b->reward);
    free(b->pscore);
    b->n = L->n;
    b->action = L->action, L->action = NULL;
    b->reward = L->reward, L->reward = NULL;
    b->pscore = L->pscore, L->pscore = NULL;
    b->line = L->line;          /* owned by b; L->line stays for gather's messages */
    if (!(b->path = ope_strdup(path, err)) || finish_positions(L, b, &base, err) < 0)
        goto fail;
    if (L->r.n_policies) {
        if (!(b->policy = ope_calloc(L->r.n_policies, sizeof *b->policy, err)))
            goto fail;
        for (size_t p = 0; p < L->r.n_policies; p++) {
            b->n_policies = p + 1;
            if (!(b->policy[p].name = ope_strdup(L->r.policy_name[p], err)) ||
                !(b->policy[p].prob = gather(L, USE_POLICY, (int)p, b, base, err)))
                goto fail;
        }
    }
    if ((L->r.n_qhat && !(b->qhat = gather(L, USE_QHAT, -1, b, base, err))) ||
        (L->r.n_truth && !(b->q = gather(L, USE_TRUTH, -1, b, base, err))) ||
        finish_columns(L, b, err) < 0 || finish_context(L, b, err) < 0)
        goto fail;
    L->line = NULL;
    return b;
fail:
    L->line = NULL;
    blog_free(b);
    return NULL;
}

struct blog *blog_load(const char *path, const struct load_opts *o, struct ope_error *err)
{
    struct loader L;
    memset(&L, 0, sizeof L);
    L.o = o;
    struct csv_reader *csv = csv_open(path, o->sep, err);
    if (!csv)
        return NULL;
    const struct csv_field *hdr;
    size_t nh;
    struct blog *b = NULL;
    int rc = csv_next(csv, &hdr, &nh, err);
    if (rc == 0)
        ope_fail(err, OPE_EDATA, "%s: the file is empty; expected a header line naming the "
                 "columns (action,reward,pscore,...)", path);
    if (rc == 1 && roles_resolve(&L.r, hdr, nh, o, 0, path, err) == 0) {
        if (o->want_policies && L.r.n_policies == 0)
            ope_fail(err, OPE_EDATA, "%s:1: no evaluation policy columns (pi.NAME.ACTION, "
                     "or --policy-columns PATTERN) in the header", path);
        else if (loader_setup(&L, err) == 0 && read_rows(&L, csv, err) == 0)
            b = build(&L, path, err);
    }
    csv_close(csv);
    loader_release(&L);
    return b;
}
