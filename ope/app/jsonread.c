/* ope/app/jsonread.c: a small recursive-descent JSON parser (RFC 8259) with a depth
 * limit, and the reader of `ope eval --format json` into the result model. Every
 * failure is an OPE_EDATA message with line:column; nothing here can overrun. */
#include "config.h"
#include "ope/app/jsonread.h"
#include "ope/base/outfile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/strbuf.h"

struct jp {
    const char *s, *end, *p;
    const char *name;
    struct ope_error *err;
};

static int jp_fail(struct jp *j, const char *what)
{
    size_t line = 1, col = 1;
    for (const char *q = j->s; q < j->p; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return ope_fail(j->err, OPE_EDATA, "%s:%zu:%zu: %s", j->name, line, col, what);
}

static void skip_ws(struct jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int parse_value(struct jp *j, struct jr_value *v, int depth);

static int hex4(struct jp *j, unsigned *out)
{
    unsigned u = 0;
    for (int i = 0; i < 4; i++, j->p++) {
        if (j->p >= j->end)
            return jp_fail(j, "truncated \\u escape");
        char c = *j->p;
        u <<= 4;
        if (c >= '0' && c <= '9') u |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') u |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') u |= (unsigned)(c - 'A' + 10);
        else return jp_fail(j, "bad hex digit in a \\u escape");
    }
    *out = u;
    return 0;
}

static void put_utf8(struct strbuf *sb, unsigned cp)
{
    char b[4];
    if (cp < 0x80) {
        strbuf_putc(sb, (char)cp);
        return;
    }
    if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 0x3f));
        strbuf_add(sb, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        strbuf_add(sb, b, 3);
    } else {
        b[0] = (char)(0xf0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); b[3] = (char)(0x80 | (cp & 0x3f));
        strbuf_add(sb, b, 4);
    }
}

/* A string starting at the opening quote; the result is malloc'ed. */
static int parse_string(struct jp *j, char **out)
{
    struct strbuf sb = STRBUF_INIT;
    j->p++;
    for (;;) {
        if (j->p >= j->end) {
            strbuf_release(&sb);
            return jp_fail(j, "unterminated string");
        }
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') {
            j->p++;
            break;
        }
        if (c < 0x20) {
            strbuf_release(&sb);
            return jp_fail(j, "control character inside a string");
        }
        if (c != '\\') {
            strbuf_putc(&sb, (char)c);
            j->p++;
            continue;
        }
        if (++j->p >= j->end) {
            strbuf_release(&sb);
            return jp_fail(j, "unterminated string");
        }
        char e = *j->p++;
        char plain = e == '"' ? '"' : e == '\\' ? '\\' : e == '/' ? '/' : e == 'b' ? '\b'
                   : e == 'f' ? '\f' : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : 0;
        if (e == 'u') {
            unsigned u, lo;
            if (hex4(j, &u) != 0) {
                strbuf_release(&sb);
                return -1;
            }
            if (u >= 0xd800 && u <= 0xdbff && j->end - j->p >= 6 && j->p[0] == '\\' &&
                j->p[1] == 'u') {
                j->p += 2;
                if (hex4(j, &lo) != 0) {
                    strbuf_release(&sb);
                    return -1;
                }
                u = (lo >= 0xdc00 && lo <= 0xdfff) ? 0x10000 + ((u - 0xd800) << 10) +
                                                     (lo - 0xdc00) : 0xfffd;
            } else if (u >= 0xd800 && u <= 0xdfff) {
                u = 0xfffd;     /* a lone surrogate: the replacement character */
            }
            put_utf8(&sb, u ? u : 0xfffd);  /* no NUL inside C strings */
        } else if (plain) {
            strbuf_putc(&sb, plain);
        } else {
            strbuf_release(&sb);
            j->p--;
            return jp_fail(j, "unknown escape in a string");
        }
    }
    if (strbuf_failed(&sb)) {
        strbuf_release(&sb);
        return ope_fail_oom(j->err);
    }
    *out = sb.buf ? strbuf_detach(&sb) : strdup("");
    return *out ? 0 : ope_fail_oom(j->err);
}

static int parse_number(struct jp *j, struct jr_value *v)
{
    const char *q = j->p;
    if (q < j->end && *q == '-')
        q++;
    if (q >= j->end || *q < '0' || *q > '9')
        return jp_fail(j, "expected a value");
    if (*q == '0')
        q++;
    else
        while (q < j->end && *q >= '0' && *q <= '9') q++;
    if (q < j->end && *q == '.') {
        q++;
        if (q >= j->end || *q < '0' || *q > '9')
            return jp_fail(j, "expected digits after '.'");
        while (q < j->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < j->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < j->end && (*q == '+' || *q == '-')) q++;
        if (q >= j->end || *q < '0' || *q > '9')
            return jp_fail(j, "expected digits in the exponent");
        while (q < j->end && *q >= '0' && *q <= '9') q++;
    }
    char buf[64];
    size_t n = (size_t)(q - j->p);
    if (n >= sizeof buf)
        return jp_fail(j, "number too long");
    memcpy(buf, j->p, n);
    buf[n] = '\0';
    v->type = JR_NUMBER;
    v->num = strtod(buf, NULL);     /* overflow gives +-HUGE_VAL: kept, checked by users */
    j->p = q;
    return 0;
}

/* Array or object: items separated by commas; objects have "key": before each. */
static int parse_container(struct jp *j, struct jr_value *v, int depth, int obj)
{
    char close = obj ? '}' : ']';
    size_t cap = 0;
    v->type = obj ? JR_OBJECT : JR_ARRAY;
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 0;
    }
    for (;;) {
        if (v->n == cap) {
            cap = cap ? 2 * cap : 4;
            struct jr_value *it = realloc(v->item, cap * sizeof *it);
            if (it)
                v->item = it;
            char **k = obj ? realloc(v->key, cap * sizeof *k) : NULL;
            if (k)
                v->key = k;
            if (!it || (obj && !k))
                return ope_fail_oom(j->err);
        }
        struct jr_value *it = &v->item[v->n];
        memset(it, 0, sizeof *it);
        if (obj) {
            skip_ws(j);
            if (j->p >= j->end || *j->p != '"')
                return jp_fail(j, "expected a string key in an object");
            if (parse_string(j, &v->key[v->n]) != 0)
                return -1;
            skip_ws(j);
            if (j->p >= j->end || *j->p != ':') {
                free(v->key[v->n]);
                return jp_fail(j, "expected ':' after an object key");
            }
            j->p++;
        }
        v->n++;                         /* counted now so that jr_free sees it */
        if (parse_value(j, it, depth + 1) != 0)
            return -1;
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return 0;
        }
        return jp_fail(j, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_value(struct jp *j, struct jr_value *v, int depth)
{
    if (depth > JR_MAX_DEPTH)
        return jp_fail(j, "nested too deeply");
    skip_ws(j);
    if (j->p >= j->end)
        return jp_fail(j, "unexpected end of input");
    static const struct { const char *word; enum jr_type t; } lit[] = {
        { "null", JR_NULL }, { "true", JR_TRUE }, { "false", JR_FALSE }
    };
    switch (*j->p) {
    case '{':
        return parse_container(j, v, depth, 1);
    case '[':
        return parse_container(j, v, depth, 0);
    case '"':
        v->type = JR_STRING;
        return parse_string(j, &v->str);
    default:
        for (size_t i = 0; i < 3; i++) {
            size_t n = strlen(lit[i].word);
            if ((size_t)(j->end - j->p) >= n && memcmp(j->p, lit[i].word, n) == 0) {
                v->type = lit[i].t;
                j->p += n;
                return 0;
            }
        }
        return parse_number(j, v);
    }
}

static void jr_release(struct jr_value *v)
{
    for (size_t i = 0; i < v->n; i++) {
        jr_release(&v->item[i]);
        if (v->key)
            free(v->key[i]);
    }
    free(v->item);
    free(v->key);
    free(v->str);
}

void jr_free(struct jr_value *v)
{
    if (!v)
        return;
    jr_release(v);
    free(v);
}

struct jr_value *jr_parse(const char *text, size_t len, const char *name,
                          struct ope_error *err)
{
    struct jp j = { text, text + len, text, name ? name : "JSON", err };
    struct jr_value *v = ope_calloc(1, sizeof *v, err);
    if (!v)
        return NULL;
    if (parse_value(&j, v, 0) == 0) {
        skip_ws(&j);
        if (j.p == j.end)
            return v;
        jp_fail(&j, "unexpected text after the JSON value");
    }
    jr_free(v);
    return NULL;
}

const struct jr_value *jr_get(const struct jr_value *v, const char *key)
{
    if (!v || v->type != JR_OBJECT)
        return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->key[i], key) == 0)
            return &v->item[i];
    return NULL;
}

double jr_num(const struct jr_value *v)
{
    return v && v->type == JR_NUMBER ? v->num : NAN;
}

const char *jr_str(const struct jr_value *v)
{
    return v && v->type == JR_STRING ? v->str : NULL;
}

/* A copy of the string member `key` of o, or of `dflt` when it is absent. */
static int dup_member(const struct jr_value *o, const char *key, const char *dflt,
                      char **out, struct ope_error *err)
{
    const char *s = jr_str(jr_get(o, key));
    *out = s || dflt ? ope_strdup(s ? s : dflt, err) : NULL;
    return *out || !(s || dflt) ? 0 : -1;
}

/* One element of a policy's "estimates" array. */
static int read_estimate(const struct jr_value *x, struct res_estimate *e, size_t n_policies,
                         const char *where, struct ope_error *err)
{
    const char *est = jr_str(jr_get(x, "estimator"));
    if (!est)
        return ope_fail(err, OPE_EDATA, "%s: an estimate has no \"estimator\" string", where);
    if (dup_member(x, "estimator", NULL, &e->estimator, err) != 0 ||
        dup_member(x, "label", est, &e->label, err) != 0)
        return -1;
    const struct jr_value *ci = jr_get(x, "ci"), *d = jr_get(x, "diagnostics");
    e->value = jr_num(jr_get(x, "value"));
    e->lower = jr_num(jr_get(ci, "lower"));
    e->upper = jr_num(jr_get(ci, "upper"));
    e->se = jr_num(jr_get(x, "se"));
    e->ess = jr_num(jr_get(d, "ess"));
    e->max_weight = jr_num(jr_get(d, "max_weight"));
    e->mean_weight = jr_num(jr_get(d, "mean_weight"));
    e->rel_error = jr_num(jr_get(x, "relative_error"));
    /* Absent in evaluations saved before the lift existed: NAN. */
    const struct jr_value *lc = jr_get(x, "lift_ci");
    e->lift = jr_num(jr_get(x, "lift"));
    e->lift_lower = jr_num(jr_get(lc, "lower"));
    e->lift_upper = jr_num(jr_get(lc, "upper"));
    e->relative_lift = jr_num(jr_get(x, "relative_lift"));
    /* Rank probabilities: only in bootstrap evaluations, one per policy. */
    const struct jr_value *pt = jr_get(x, "p_top");
    if (pt && pt->type == JR_ARRAY && pt->n == n_policies && n_policies) {
        if (!(e->p_top = ope_malloc(n_policies * sizeof *e->p_top, err)))
            return -1;
        for (size_t k = 0; k < n_policies; k++)
            e->p_top[k] = jr_num(&pt->item[k]);
    }
    return 0;
}

/* The "segments" object of `ope eval --by` (formats.md), for r's policies and
 * estimators: every segment must list them all, in r's order. */
static int read_segments(const struct jr_value *g, struct res_eval *r, const char *name,
                         struct ope_error *err)
{
    const struct jr_value *segs = jr_get(g, "segments");
    size_t P = r->n_policies, E = P ? r->pol[0].n_estimates : 0;
    if (!jr_str(jr_get(g, "column")) || !segs || segs->type != JR_ARRAY)
        return ope_fail(err, OPE_EDATA, "%s: \"segments\" needs a \"column\" string and a "
                        "\"segments\" array", name);
    struct res_segments *rs = ope_calloc(1, sizeof *rs, err);
    if (!rs)
        return -1;
    r->segments = rs;
    rs->n_policies = P;
    rs->n_estimates = E;
    double bins = jr_num(jr_get(g, "bins"));
    rs->bins = bins >= 0 && bins <= 1e6 ? (int)bins : 0;
    rs->min_ess = jr_num(jr_get(g, "min_ess"));
    const char *m = jr_str(jr_get(g, "method"));
    snprintf(rs->method, sizeof rs->method, "%s", m ? m : "");
    if (dup_member(g, "column", NULL, &rs->column, err) != 0 ||
        !(rs->seg = ope_calloc(segs->n + 1, sizeof *rs->seg, err)))
        return -1;
    for (size_t s = 0; s < segs->n; s++) {
        const struct jr_value *x = &segs->item[s], *pols = jr_get(x, "policies");
        struct res_segment *y = &rs->seg[s];
        rs->n_seg = s + 1;
        if (!jr_str(jr_get(x, "label")) || !pols || pols->type != JR_ARRAY || pols->n != P)
            return ope_fail(err, OPE_EDATA, "%s: segments[%zu] needs a \"label\" and the %zu "
                            "policies of the evaluation", name, s, P);
        double rows = jr_num(jr_get(x, "rows"));
        y->rows = rows >= 0 && rows < 1e18 ? (size_t)rows : 0;
        y->lo = jr_num(jr_get(x, "lo"));
        y->hi = jr_num(jr_get(x, "hi"));
        if (dup_member(x, "label", NULL, &y->label, err) != 0 ||
            !(y->ess = ope_malloc((P + 1) * sizeof *y->ess, err)) ||
            !(y->truth = ope_malloc((P + 1) * sizeof *y->truth, err)) ||
            !(y->est = ope_calloc(P * E + 1, sizeof *y->est, err)))
            return -1;
        for (size_t p = 0; p < P; p++) {
            const struct jr_value *q = &pols->item[p], *ests = jr_get(q, "estimates");
            y->ess[p] = jr_num(jr_get(q, "ess"));
            y->truth[p] = jr_num(jr_get(q, "ground_truth"));
            if (!ests || ests->type != JR_ARRAY || ests->n != E)
                return ope_fail(err, OPE_EDATA, "%s: segments[%zu].policies[%zu] needs the "
                                "%zu estimates of the evaluation", name, s, p, E);
            for (size_t e = 0; e < E; e++) {
                const struct jr_value *v = &ests->item[e], *ci = jr_get(v, "ci");
                struct res_seg_est *z = &y->est[p * E + e];
                z->value = jr_num(jr_get(v, "value"));
                z->lower = jr_num(jr_get(ci, "lower"));
                z->upper = jr_num(jr_get(ci, "upper"));
                z->ess = jr_num(jr_get(v, "ess"));
                if (jr_str(jr_get(v, "warning")) &&
                    dup_member(v, "warning", NULL, &z->warning, err) != 0)
                    return -1;
            }
        }
    }
    return 0;
}

/* The index of the policy named s, or of the estimate labelled s (of the first policy),
 * or -1. */
static long policy_of(const struct res_eval *r, const char *s)
{
    for (size_t p = 0; s && p < r->n_policies; p++)
        if (r->pol[p].name && strcmp(r->pol[p].name, s) == 0)
            return (long)p;
    return -1;
}

static long estimate_of(const struct res_eval *r, const char *s)
{
    for (size_t e = 0; s && r->n_policies && e < r->pol[0].n_estimates; e++)
        if (r->pol[0].est[e].label && strcmp(r->pol[0].est[e].label, s) == 0)
            return (long)e;
    return -1;
}

/* settings.matrix_k and the differences (written since they exist; older files have
 * none): an entry naming a policy or an estimate the file does not have is dropped. */
static int read_diffs(const struct jr_value *root, struct res_eval *r, struct ope_error *err)
{
    double k = jr_num(jr_get(jr_get(root, "settings"), "matrix_k"));
    r->matrix_k = k >= 0 && k < 1e9 ? (size_t)k : 0;
    const struct jr_value *d = jr_get(root, "differences");
    if (!d || d->type != JR_ARRAY || d->n == 0)
        return 0;
    if (!(r->diffs = calloc(d->n, sizeof *r->diffs)))
        return ope_fail_oom(err);
    for (size_t i = 0; i < d->n; i++) {
        const struct jr_value *x = &d->item[i], *ci = jr_get(x, "ci");
        long a = policy_of(r, jr_str(jr_get(x, "a"))), b = policy_of(r, jr_str(jr_get(x, "b")));
        long e = estimate_of(r, jr_str(jr_get(x, "label")));
        if (a < 0 || b < 0 || e < 0)
            continue;
        struct res_diff *y = &r->diffs[r->n_diffs++];
        y->a = (size_t)a, y->b = (size_t)b, y->e = (size_t)e;
        y->diff = jr_num(jr_get(x, "diff"));
        y->lower = jr_num(jr_get(ci, "lower"));
        y->upper = jr_num(jr_get(ci, "upper"));
    }
    return 0;
}

struct res_eval *jr_read_eval(const struct jr_value *root, const char *name,
                              struct ope_error *err)
{
    const struct jr_value *pols = jr_get(root, "policies");
    if (!pols || pols->type != JR_ARRAY || pols->n == 0) {
        ope_fail(err, OPE_EDATA, "%s: expected the output of `ope eval --format json` (an "
                 "object with a non-empty \"policies\" array)", name);
        return NULL;
    }
    size_t emax = 0;
    for (size_t p = 0; p < pols->n; p++) {
        const struct jr_value *ests = jr_get(&pols->item[p], "estimates");
        if (!jr_str(jr_get(&pols->item[p], "name")) || !ests || ests->type != JR_ARRAY) {
            ope_fail(err, OPE_EDATA, "%s: policies[%zu] needs a \"name\" string and an "
                     "\"estimates\" array", name, p);
            return NULL;
        }
        emax = ests->n > emax ? ests->n : emax;
    }
    struct res_eval *r = res_eval_new(pols->n, emax);
    if (!r) {
        ope_fail_oom(err);
        return NULL;
    }
    const struct jr_value *in = jr_get(root, "input"), *set = jr_get(root, "settings");
    const char *kind = jr_str(jr_get(in, "kind"));
    r->kind = kind && strcmp(kind, "trajectories") == 0 ? "trajectories" : "bandit";
    double rows = jr_num(jr_get(in, "rows")), na = jr_num(jr_get(in, "n_actions"));
    r->rows = rows >= 0 && rows < 1e18 ? (size_t)rows : 0;
    r->n_actions = na >= 0 && na < 1e9 ? (int)na : 0;
    double gamma = jr_num(jr_get(in, "gamma")), alpha = jr_num(jr_get(set, "alpha"));
    r->gamma = isfinite(gamma) ? gamma : 1.0;
    r->behavior_value = jr_num(jr_get(in, "behavior_value"));
    /* Written since the two were labelled apart; older files: the value as given. */
    r->behavior_observed = jr_num(jr_get(in, "behavior_observed"));
    r->behavior_exact = jr_num(jr_get(in, "behavior_exact"));
    if (isnan(r->behavior_observed) && isnan(r->behavior_exact))
        r->behavior_observed = r->behavior_value;
    r->alpha = alpha > 0 && alpha < 1 ? alpha : 0.05;
    snprintf(r->ci, sizeof r->ci, "%s", jr_str(jr_get(set, "ci")) ? jr_str(jr_get(set, "ci"))
                                                                   : "");
    const char *against = jr_str(jr_get(set, "lift_against"));
    if (against && strcmp(against, "logged") != 0 && !(r->against = strdup(against))) {
        res_eval_free(r);
        ope_fail_oom(err);
        return NULL;
    }
    double nb = jr_num(jr_get(set, "n_bootstrap"));
    r->n_boot = nb >= 0 && nb < 1e9 ? (int)nb : 0;
    if (dup_member(in, "path", name, &r->path, err) != 0)
        goto fail;
    for (size_t p = 0; p < pols->n; p++) {
        const struct jr_value *jp = &pols->item[p], *ests = jr_get(jp, "estimates");
        struct res_policy *pol = &r->pol[p];
        char where[64];
        snprintf(where, sizeof where, "%s: policies[%zu]", name, p);
        if (dup_member(jp, "name", NULL, &pol->name, err) != 0)
            goto fail;
        pol->truth = jr_num(jr_get(jp, "ground_truth"));
        pol->unsupported = jr_num(jr_get(jp, "unsupported_mass"));
        pol->n_estimates = ests->n;     /* the rest of the emax slots are never read */
        for (size_t e = 0; e < ests->n; e++)
            if (read_estimate(&ests->item[e], &pol->est[e], r->n_policies, where, err) != 0)
                goto fail;
    }
    const struct jr_value *segs = jr_get(root, "segments");
    if (segs && read_segments(segs, r, name, err) != 0)
        goto fail;
    if (read_diffs(root, r, err) != 0)
        goto fail;
    return r;
fail:
    res_eval_free(r);
    return NULL;
}

/* Read a whole (small) file: the JSON of an evaluation. */
static char *read_small_file(const char *path, size_t *n, struct ope_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ope_fail(err, OPE_ENOINPUT, "cannot open %s: %m", path);
        return NULL;
    }
    ope_outfile_note_input_fd(fileno(f));       /* no output may replace it */
    struct strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, f)) > 0 && sb.len < ((size_t)256 << 20))
        strbuf_add(&sb, buf, r);
    int bad = ferror(f) || sb.len >= ((size_t)256 << 20);
    fclose(f);
    if (bad || strbuf_failed(&sb)) {
        strbuf_release(&sb);
        ope_fail(err, OPE_ENOINPUT, "cannot read %s (unreadable, or larger than 256 MiB)",
                 path);
        return NULL;
    }
    *n = sb.len;
    return sb.buf ? strbuf_detach(&sb) : strdup("");
}

struct res_eval *jr_load_eval(const char *path, struct ope_error *err)
{
    size_t n = 0;
    char *text = read_small_file(path, &n, err);
    struct jr_value *root = text ? jr_parse(text, n, path, err) : NULL;
    free(text);
    struct res_eval *r = root ? jr_read_eval(root, path, err) : NULL;
    jr_free(root);
    return r;
}
