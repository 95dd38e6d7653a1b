/* datasets/blog_load.c: blog_load, the bandit CSV loader: the header's roles
 * (roles.c), then every row into growing columns (plain lines in parallel,
 * blog_span.c), then the log: policy and model matrices at each row's position,
 * context columns numeric or categorical, and every check of formats.md. */
#include "config.h"
#include "datasets/blog_loader.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/tlog.h"
#include "ope/base/json.h"

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

/* Every column to capacity nc (> L->cap). */
static int loader_grow_to(struct loader *L, size_t nc, struct ope_error *err)
{
    if (GROW(L->action, nc, err) || GROW(L->reward, nc, err) || GROW(L->pscore, nc, err) ||
        GROW(L->line, nc, err) || (L->offset && GROW(L->offset, nc, err)))
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

static int loader_grow(struct loader *L, struct ope_error *err)
{
    return loader_grow_to(L, L->cap ? L->cap * 2 : 4096, err);
}

int blog_loader_reserve_exact(struct loader *L, size_t rows, struct ope_error *err)
{
    return rows <= L->cap ? 0 : loader_grow_to(L, rows, err);
}

int blog_loader_reserve(struct loader *L, size_t rows, struct ope_error *err)
{
    /* The capacity doubling would reach, in one step: a stream's batch of 65,536
     * rows grown from 4096 copied every column four times over. */
    if (rows <= L->cap)
        return 0;
    size_t nc = L->cap ? L->cap * 2 : 4096;
    while (nc < rows)
        nc *= 2;
    return loader_grow_to(L, nc, err);
}

int blog_loader_setup(struct loader *L, struct ope_error *err)
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
    /* The reward model squares the context values (its normal equations): past 1e100
     * they would overflow there, far from the row; refuse them here, named. */
    if (rc == 0 && !(fabs(v) <= ROLES_REWARD_MAX))
        return roles_bad_value(&L->r, j, f, "a number of magnitude at most 1e100 or a "
                               "category name (rescale the column: the reward model squares "
                               "it)", err);
    if (!c->categorical && rc == 0) {
        L->val[j][L->n] = v;
        return 0;
    }
    if (L->frozen)              /* levels are shared: only the serial reading adds them */
        return BLOG_LOADER_SERIAL;
    if (!c->categorical) {
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

int blog_loader_read_row(struct loader *L, const struct csv_field *f, struct ope_error *err)
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
            if (roles_double(r, j, &f[j], -ROLES_REWARD_MAX, ROLES_REWARD_MAX, 0,
                             ROLES_REWARD_WHAT, &L->reward[i], err) < 0)
                return -1;
            break;
        case K_PSCORE:
            if (roles_double(r, j, &f[j], 0.0, 1.0, 1, "a probability in (0, 1]",
                             &L->pscore[i], err) < 0)
                return -1;
            break;
        case K_POS:
            if (roles_long(r, j, &f[j], 0, 1000000L, "a slot index: an integer from 0 to 1000000",
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
            if (roles_double(r, j, &f[j], -ROLES_REWARD_MAX, ROLES_REWARD_MAX, 0,
                             ROLES_REWARD_WHAT, &L->val[j][i], err) < 0)
                return -1;
            break;
        case K_CTX: {
            int rc = read_context(L, j, &f[j], err);
            if (rc < 0)
                return rc;
            break;
        }
        }
    }
    return 0;
}

void blog_loader_release(struct loader *L)
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
    free(L->offset);
    free(L->rows_of.start);
    roles_release(&L->r);
}

/* One record read with csv_next (one that holds quotes, or is very long). */
static int read_record(struct loader *L, struct csv_reader *csv, const struct csv_field *f,
                       size_t nf, struct ope_error *err)
{
    if (roles_blank_record(f, nf))
        return 0;
    size_t line = csv_record_line(csv);
    if (roles_check_width(&L->r, f, nf, line, err) < 0)
        return -1;
    if (L->n == L->cap && loader_grow(L, err) < 0)
        return -1;
    L->line[L->n] = line;
    if (L->offset)
        L->offset[L->n] = csv_record_offset(csv);
    if (blog_loader_read_row(L, f, err) < 0)
        return -1;
    L->n++;
    return 0;
}

/* Bytes of plain lines taken at once (several parallel tasks' worth). */
#define SPAN_BYTES ((size_t)8 << 20)

static int use_spans = 1;

void blog_loader_use_spans(int on)
{
    use_spans = on;
}

/* The first lines of the run sp that hold at most room rows (blank lines hold none)
 * go to *head, the others to *tail (tail->len 0 when every line fits). */
static void cut_span(const struct csv_span *sp, size_t room, struct csv_span *head,
                     struct csv_span *tail)
{
    const char *p = sp->p, *e = sp->p + sp->len;
    size_t rows = 0, lines = 0;
    while (p < e && rows < room) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *end = nl ? nl : e;
        rows += !(end == p || (end == p + 1 && *p == '\r'));
        lines++;
        p = nl ? nl + 1 : e;
    }
    *head = *sp;
    head->len = (size_t)(p - sp->p);
    tail->p = sp->p + head->len;
    tail->len = sp->len - head->len;
    tail->line = sp->line + lines;
    tail->offset = sp->offset + head->len;
}

/* The next run of plain lines: what the loader kept of the last (L->rest), else the
 * reader's next (csv_next_span: 2 when the next record is csv_next's to read). */
static int next_run(struct loader *L, struct csv_reader *csv, struct csv_span *sp,
                    struct ope_error *err)
{
    if (L->rest.len) {
        *sp = L->rest;
        L->rest.len = 0;
        return 1;
    }
    return use_spans ? csv_next_span(csv, SPAN_BYTES, sp, err) : 2;
}

/* Read the records after the header into the loader's columns until it holds limit
 * rows or the input ends: runs of plain lines through blog_loader_read_span, the
 * other records one by one, in file order. A run cut at the limit keeps its other
 * lines in L->rest for the next call (nothing else may read csv meanwhile). */
int blog_loader_read_rows(struct loader *L, struct csv_reader *csv, size_t limit,
                          struct ope_error *err)
{
    for (;;) {
        if (L->n >= limit)
            return 1;
        struct csv_span sp;
        int rc = next_run(L, csv, &sp, err);
        if (rc == 1 && limit != (size_t)-1 && limit - L->n < sp.len) {
            struct csv_span head;
            cut_span(&sp, limit - L->n, &head, &L->rest);
            sp = head;
        }
        if (rc == 1 && blog_loader_read_span(L, &sp, err) < 0)
            return -1;
        if (rc == 2) {
            const struct csv_field *f;
            size_t nf;
            rc = csv_next(csv, &f, &nf, err);
            if (rc == 1 && (csv_rows_note(&L->rows_of, csv, L->row0 + L->n, err) < 0 ||
                            read_record(L, csv, f, nf, err) < 0))
                return -1;
        }
        if (rc < 0)
            return -1;
        if (rc == 0)
            return 0;
    }
}

/* One row met by blog_loader_skip_rows at offset on line: 1 when the skip stops
 * before it, 0 when it is passed over, -1 with err (mark failed). */
struct skip {
    size_t every, *row;
    uint64_t past, *prev;
    int have_prev;
    int (*mark)(void *ctx, size_t row, size_t offset, size_t line, struct ope_error *err);
    void *ctx;
};

static int skip_row(struct skip *k, size_t offset, size_t line, struct ope_error *err)
{
    size_t i = *k->row;
    if (i % k->every == 0 && i > 0 && k->have_prev && *k->prev >= k->past)
        return 1;
    if (i % k->every == 0 && k->mark(k->ctx, i, offset, line, err) < 0)
        return -1;
    *k->prev = offset;
    k->have_prev = 1;
    ++*k->row;
    return 0;
}

int blog_loader_skip_rows(struct loader *L, struct csv_reader *csv, size_t every,
                          uint64_t past, size_t *row, uint64_t *prev,
                          int (*mark)(void *ctx, size_t row, size_t offset, size_t line,
                                      struct ope_error *err),
                          void *ctx, struct ope_error *err)
{
    struct skip k = { every ? every : 1, row, past, prev, 0, mark, ctx };
    for (;;) {
        struct csv_span sp;
        int rc = next_run(L, csv, &sp, err);
        if (rc == 1) {
            const char *p = sp.p, *e = sp.p + sp.len;
            for (size_t line = sp.line; p < e; line++) {
                const char *nl = memchr(p, '\n', (size_t)(e - p));
                const char *end = nl ? nl : e;
                int got = end == p || (end == p + 1 && *p == '\r') ? 0
                        : skip_row(&k, sp.offset + (size_t)(p - sp.p), line, err);
                if (got < 0)
                    return -1;
                if (got == 1) {
                    L->rest.p = (char *)p;
                    L->rest.len = (size_t)(e - p);
                    L->rest.line = line;
                    L->rest.offset = sp.offset + (size_t)(p - sp.p);
                    return 1;
                }
                p = nl ? nl + 1 : e;
            }
            continue;
        }
        if (rc == 2) {
            const struct csv_field *f;
            size_t nf;
            rc = csv_next(csv, &f, &nf, err);
            if (rc == 1 && !roles_blank_record(f, nf)) {
                int got = skip_row(&k, csv_record_offset(csv), csv_record_line(csv), err);
                if (got < 0)
                    return -1;
                if (got == 1) {
                    csv_unget(csv);
                    return 1;
                }
            }
        }
        if (rc <= 0)
            return rc;
    }
}

int blog_loader_no_rows(const struct loader *L, struct ope_error *err)
{
    return ope_fail(err, OPE_EDATA, "%s: no data rows after the header; a log needs at "
                    "least one row", csv_input_name(L->csv, 0));
}

/* The input row i came from (several files of one log), for messages. */
static const char *row_path(const struct loader *L, size_t i)
{
    return csv_rows_name(&L->rows_of, L->csv, L->row0 + i);
}

/* The message of a row with no qhat (q) column for action a at its position. */
static int fail_missing(const struct loader *L, size_t i, enum roles_use use, int a,
                        int has_pos, int raw_pos, int A, struct ope_error *err)
{
    const char *role = use == USE_QHAT ? "qhat" : "q";
    char at[40] = "";
    if (has_pos)
        snprintf(at, sizeof at, " at position %d", raw_pos);
    return ope_fail(err, OPE_EDATA, "%s:%zu: no %s column for action %d%s (the log "
                    "has actions 0..%d); add the column %s.%d or drop the %s columns",
                    row_path(L, i), L->line[i], role, a, at, A - 1, role, a, role);
}

/* The message of a row whose policy probabilities do not sum to 1. */
static int fail_sum(const struct loader *L, size_t i, int policy, double sum, int has_pos,
                    struct ope_error *err)
{
    return ope_fail(err, OPE_EDATA, "%s:%zu: the probabilities of policy '%s' sum to %.9g "
                    "on this row%s, expected 1 (within 1e-6); fix its pi.%s.* columns",
                    row_path(L, i), L->line[i], L->r.policy_name[policy], sum,
                    has_pos ? " (at its position)" : "", L->r.policy_name[policy]);
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

/* With one position every row takes the same columns: the matrix takes them over
 * (no copy) and only the policy rows' sums are checked. Same results and errors as
 * the general loop. */
static double **gather_one(struct loader *L, enum roles_use use, int policy, struct blog *b,
                           const int *lut, int base, struct ope_error *err)
{
    int A = b->n_actions;
    double **m = ope_calloc((size_t)A, sizeof *m, err);
    if (!m)
        return NULL;
    for (int a = 0; a < A; a++) {
        int c = lut[a];
        if (c >= 0) {
            m[a] = L->val[c];
            L->val[c] = NULL;
        } else if (use != USE_POLICY) {
            fail_missing(L, 0, use, a, b->position != NULL, base, A, err);
            goto fail;
        } else if (!(m[a] = ope_calloc(b->n ? b->n : 1, sizeof **m, err))) {
            goto fail;
        }
    }
    for (size_t i = 0; use == USE_POLICY && i < b->n; i++) {
        double sum = 0.0;
        for (int a = 0; a < A; a++)
            if (lut[a] >= 0)
                sum += m[a][i];
        if (fabs(sum - 1.0) > 1e-6) {
            fail_sum(L, i, policy, sum, b->position != NULL, err);
            goto fail;
        }
    }
    return m;
fail:
    blog_matrix_free(m, A);
    return NULL;
}

/* Fill an [A][n] matrix from the columns of one role, at each row's position. */
static double **gather(struct loader *L, enum roles_use use, int policy,
                       struct blog *b, int base, struct ope_error *err)
{
    int A = b->n_actions, npos = b->n_positions;
    int *lut = column_lut(L, use, policy, A, npos, base, err);
    if (lut && npos == 1) {
        double **m = gather_one(L, use, policy, b, lut, base, err);
        free(lut);
        return m;
    }
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
                fail_missing(L, i, use, a, b->position != NULL, p + base, A, err);
                goto fail;
            }
        }
        if (use == USE_POLICY && fabs(sum - 1.0) > 1e-6) {
            fail_sum(L, i, policy, sum, b->position != NULL, err);
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

int blog_loader_base(const struct loader *L)
{
    if (L->r.single[ROLE_POSITION] < 0)
        return 0;
    return L->o->position_base >= 0 ? L->o->position_base : (L->min_pos == 0 ? 0 : 1);
}

int blog_loader_check_positions(const struct loader *L, int base, struct ope_error *err)
{
    int pj = L->r.single[ROLE_POSITION];
    if (pj < 0) {
        for (size_t j = 0; j < L->r.n_cols; j++)
            if (L->r.col[j].position >= 0)
                return ope_fail(err, OPE_EDATA, "%s:1: column '%s' names a position but "
                                "the log has no position column; add one or map it with "
                                "--map position=COLUMN", csv_input_name(L->csv, 0),
                                L->r.name[j]);
        return 0;
    }
    for (size_t i = 0; i < L->n; i++)
        if (L->pos[i] < base)
            return ope_fail(err, OPE_EDATA, "%s:%zu: column '%s': saw position %d below the "
                            "position base %d; use --position-base 0 for 0-based slots",
                            row_path(L, i), L->line[i], L->r.name[pj], L->pos[i], base);
    return 0;
}

/* Decide the position base, check the rows, and convert positions to 0-based. */
static int finish_positions(struct loader *L, struct blog *b, int *base,
                            struct ope_error *err)
{
    *base = blog_loader_base(L);
    if (blog_loader_check_positions(L, *base, err) < 0)
        return -1;
    if (L->r.single[ROLE_POSITION] < 0)
        return 0;
    b->n_positions = (int)(L->max_pos - *base + 1);
    for (size_t i = 0; i < L->n; i++)
        L->pos[i] -= *base;
    b->position = L->pos;
    L->pos = NULL;
    return 0;
}

int *blog_loader_raw_lut(const struct loader *L, enum roles_use use, int policy, int A,
                         int *rows, struct ope_error *err)
{
    long hp = -1;
    for (size_t j = 0; j < L->r.n_cols; j++)
        if (L->r.col[j].use == use && L->r.col[j].position > hp)
            hp = L->r.col[j].position;
    *rows = (int)hp + 2;
    int *lut = ope_malloc((size_t)*rows * (size_t)A * sizeof *lut, err);
    if (!lut)
        return NULL;
    for (size_t k = 0; k < (size_t)*rows * (size_t)A; k++)
        lut[k] = -1;
    for (int pass = 0; pass < 2; pass++)
        for (size_t j = 0; j < L->r.n_cols; j++) {
            const struct roles_col *c = &L->r.col[j];
            if (c->use != use || (use == USE_POLICY && c->policy != policy) ||
                (pass == 0) != (c->position < 0) || c->action >= A)
                continue;
            for (int p = 0; p < *rows; p++)
                if (c->position < 0 || c->position == p)
                    lut[p * A + c->action] = (int)j;
        }
    return lut;
}

int blog_loader_check_columns(const struct loader *L, enum roles_use use, int policy, int A,
                              struct ope_error *err)
{
    int rows, has_pos = L->r.single[ROLE_POSITION] >= 0;
    int *lut = blog_loader_raw_lut(L, use, policy, A, &rows, err);
    if (!lut)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < L->n && rc == 0; i++) {
        int raw = has_pos ? L->pos[i] : 0;
        const int *row = lut + (size_t)(raw < rows - 1 ? raw : rows - 1) * (size_t)A;
        double sum = 0.0;
        for (int a = 0; a < A; a++) {
            if (row[a] >= 0) {
                sum += L->val[row[a]][i];
            } else if (use != USE_POLICY) {
                rc = fail_missing(L, i, use, a, has_pos, raw, A, err);
                break;
            }
        }
        if (rc == 0 && use == USE_POLICY && fabs(sum - 1.0) > 1e-6)
            rc = fail_sum(L, i, policy, sum, has_pos, err);
    }
    free(lut);
    return rc;
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
int blog_loader_columns(const struct loader *L, struct blog *b, struct ope_error *err)
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

int blog_loader_n_actions(const struct loader *L, struct ope_error *err)
{
    long A = L->max_action > L->r.max_action ? L->max_action : L->r.max_action;
    if (L->o->n_actions > 0) {
        for (size_t j = 0; j < L->r.n_cols; j++)
            if (L->r.col[j].use >= USE_POLICY && L->r.col[j].use <= USE_TRUTH &&
                L->r.col[j].action >= L->o->n_actions)
                return ope_fail(err, OPE_EDATA, "%s:1: column '%s' is for action %d but "
                                "--n-actions is %d (actions 0..%d)", csv_input_name(L->csv, 0),
                                L->r.name[j], L->r.col[j].action, L->o->n_actions,
                                L->o->n_actions - 1);
        return L->o->n_actions;
    }
    /* Per-action columns (pi.*, qhat.*, q.*) say how many actions there are: a logged
     * action past them has no probability, and would make every per-action table as
     * wide as that id (one id of 1000000 in a small log once took 20 GB). */
    if (L->r.max_action >= 0 && L->max_action > L->r.max_action &&
        (L->r.n_policies || L->r.n_qhat || L->r.n_truth))
        for (size_t i = 0; i < L->n; i++)
            if (L->action[i] > L->r.max_action)
                return ope_fail(err, OPE_EDATA, "%s:%zu: action %d, but the per-action "
                                "columns (pi.NAME.A, qhat.A, q.A) cover actions 0..%d: every "
                                "logged action needs its columns (a wrong action id, or "
                                "columns missing)", row_path(L, i),
                                L->line ? L->line[i] : i + 2, L->action[i],
                                L->r.max_action);
    return (int)A + 1;
}

static struct blog *build(struct loader *L, const char *path, struct ope_error *err)
{
    int A = blog_loader_n_actions(L, err), base;
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
        blog_loader_columns(L, b, err) < 0 || finish_context(L, b, err) < 0)
        goto fail;
    L->line = NULL;
    return b;
fail:
    L->line = NULL;
    blog_free(b);
    return NULL;
}

int blog_loader_header(struct loader *L, struct csv_reader *csv, const struct load_opts *o,
                       struct ope_error *err)
{
    memset(L, 0, sizeof *L);
    L->o = o;
    L->csv = csv;
    const char *path = csv_name(csv);     /* the input being read, for messages */
    const struct csv_field *hdr;
    size_t nh;
    int rc = csv_next(csv, &hdr, &nh, err);
    if (rc == 0)
        return ope_fail(err, OPE_EDATA, "%s: the file is empty; expected a header line "
                        "naming the columns (action,reward,pscore,...)", path);
    if (rc < 0)
        return -1;
    /* Callers that take either kind sniff first (log_csv_is_trajectory); here a
     * trajectory log would be read as bandit rows, so it is refused, whatever the
     * input. */
    int traj = log_fields_are_trajectory(hdr, nh, o, err);
    if (traj > 0)
        return ope_fail(err, OPE_EDATA, "%s:1: this is a trajectory log (its header has the "
                        "episode and step columns), and this reads bandit logs", path);
    if (traj < 0 || roles_resolve(&L->r, hdr, nh, o, 0, path, err) < 0)
        return -1;
    if (o->want_policies && L->r.n_policies == 0)
        return ope_fail(err, OPE_EDATA, "%s:1: no evaluation policy columns (pi.NAME.ACTION, "
                        "or --policy-columns PATTERN) in the header", path);
    return blog_loader_setup(L, err);
}

struct blog *blog_load_csv(struct csv_reader *csv, const struct load_opts *o,
                           struct ope_error *err)
{
    struct loader L;
    struct blog *b = NULL;
    if (blog_loader_header(&L, csv, o, err) == 0) {
        /* The input's size, when known, says about how many rows (csv_size: a plain
         * regular file's or memory's; 0 for a compressed file, several files, a pipe). */
        L.size_hint = csv_size(csv);
        int rc = blog_loader_read_rows(&L, csv, (size_t)-1, err);
        if (rc == 0 && L.n == 0)
            blog_loader_no_rows(&L, err);
        else if (rc == 0)
            b = build(&L, csv_input_name(csv, 0), err);
    }
    blog_loader_release(&L);
    return b;
}

struct blog *blog_load(const char *path, const struct load_opts *o, struct ope_error *err)
{
    struct csv_reader *csv = csv_open(path, o->sep, err);
    if (!csv)
        return NULL;
    struct blog *b = blog_load_csv(csv, o, err);
    csv_close(csv);
    return b;
}
