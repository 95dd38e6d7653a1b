/* datasets/policy.c: tabular policies: construction from Q* (greedy, softmax,
 * epsilon-greedy), mixtures, the spec-string parser behind --behavior, and the
 * policy file reader and writer of formats.md. */
#include "config.h"
#include "datasets/policy.h"
#include "datasets/mdp.h"
#include "datasets/csv.h"
#include "ope/base/csvout.h"
#include "ope/base/outfile.h"
#include "ope/base/softmax.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct policy *policy_new(int n_states, int n_actions, struct ope_error *err)
{
    if (n_states < 1 || n_actions < 1) {
        ope_fail(err, OPE_EUSAGE, "a policy needs S >= 1 and A >= 1 (got %d, %d)", n_states, n_actions);
        return NULL;
    }
    struct policy *pi = ope_calloc(1, sizeof *pi, err);
    if (!pi)
        return NULL;
    pi->n_states = n_states;
    pi->n_actions = n_actions;
    pi->p = ope_calloc((size_t)n_states * (size_t)n_actions, sizeof *pi->p, err);
    if (!pi->p) {
        free(pi);
        return NULL;
    }
    return pi;
}

void policy_free(struct policy *pi)
{
    if (!pi)
        return;
    free(pi->p);
    free(pi);
}

void policy_set_uniform(struct policy *pi)
{
    size_t n = (size_t)pi->n_states * (size_t)pi->n_actions;
    for (size_t i = 0; i < n; i++)
        pi->p[i] = 1.0 / pi->n_actions;
}

void policy_set_greedy(struct policy *pi, const double *Q, int sign)
{
    int A = pi->n_actions;
    double sg = sign < 0 ? -1.0 : 1.0;
    for (int s = 0; s < pi->n_states; s++) {
        const double *q = Q + (size_t)s * A;
        double *p = pi->p + (size_t)s * A;
        double best = sg * q[0];
        for (int a = 1; a < A; a++)
            best = fmax(best, sg * q[a]);
        double tol = 1e-9 * (1.0 + fabs(best));
        int n = 0;
        for (int a = 0; a < A; a++)
            n += sg * q[a] >= best - tol;
        for (int a = 0; a < A; a++)
            p[a] = sg * q[a] >= best - tol ? 1.0 / n : 0.0;
    }
}

void policy_set_softmax(struct policy *pi, const double *Q, double tau)
{
    int A = pi->n_actions;
    for (int s = 0; s < pi->n_states; s++)
        ope_softmax(A, Q + (size_t)s * A, tau, pi->p + (size_t)s * A);
}

/* out = wa * a + wb * b; both weights given so that eps:0.3 really weighs 0.3. */
static void mix2(struct policy *out, double wa, const struct policy *a, double wb,
                 const struct policy *b)
{
    size_t n = (size_t)out->n_states * (size_t)out->n_actions;
    for (size_t i = 0; i < n; i++)
        out->p[i] = wa * a->p[i] + wb * b->p[i];
}

void policy_set_mix(struct policy *out, double w, const struct policy *a,
                    const struct policy *b)
{
    mix2(out, w, a, 1.0 - w, b);
}

int policy_check(const struct policy *pi, struct ope_error *err)
{
    int A = pi->n_actions;
    for (int s = 0; s < pi->n_states; s++) {
        double sum = 0.0;
        for (int a = 0; a < A; a++) {
            double p = pi->p[(size_t)s * A + a];
            if (!(p >= 0.0 && p <= 1.0))
                return ope_fail(err, OPE_EDATA, "policy: pi(%d|%d) = %g is not in [0, 1]", a, s, p);
            sum += p;
        }
        if (fabs(sum - 1.0) > POLICY_SUM_TOL)
            return ope_fail(err, OPE_EDATA, "policy: the probabilities of state %d sum to %.9g, not 1",
                            s, sum);
    }
    return 0;
}

/* A whole string as a double in [lo, hi]; 0 or -1. */
static int spec_number(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || !(v >= lo && v <= hi))
        return -1;
    if (*end != '\0' && *end != ':')
        return -1;
    *out = v;
    return 0;
}

#define SPEC_HELP "expected optimal, anti, uniform, softmax:TAU, eps:E, mix:W, mix:W:SPEC or file:PATH"

static struct policy *spec_build(const struct mdp *m, const char *spec, const double *Q,
                                 int depth, struct ope_error *err);

/* mix:W or mix:W:SPEC. */
static struct policy *spec_mix(const struct mdp *m, const char *arg, const double *Q,
                               int depth, struct ope_error *err)
{
    double w;
    if (spec_number(arg, 0.0, 1.0, &w) < 0) {
        ope_fail(err, OPE_EUSAGE, "policy spec 'mix:%s': the weight must be a number in [0, 1]", arg);
        return NULL;
    }
    const char *rest = strchr(arg, ':');
    struct policy *opt = spec_build(m, "optimal", Q, depth + 1, err);
    struct policy *other = opt ? spec_build(m, rest ? rest + 1 : "uniform", Q, depth + 1, err) : NULL;
    if (other)
        policy_set_mix(other, w, opt, other);
    policy_free(opt);
    return other;
}

static struct policy *spec_build(const struct mdp *m, const char *spec, const double *Q,
                                 int depth, struct ope_error *err)
{
    if (depth > 8) {
        ope_fail(err, OPE_EUSAGE, "policy spec '%s' nests too deeply", spec);
        return NULL;
    }
    if (strncmp(spec, "file:", 5) == 0)
        return policy_read(spec + 5, m->n_states, m->n_actions, err);
    if (strncmp(spec, "mix:", 4) == 0)
        return spec_mix(m, spec + 4, Q, depth, err);
    struct policy *pi = policy_new(m->n_states, m->n_actions, err);
    if (!pi)
        return NULL;
    double x;
    if (strcmp(spec, "uniform") == 0)
        policy_set_uniform(pi);
    else if (strcmp(spec, "optimal") == 0)
        policy_set_greedy(pi, Q, 1);
    else if (strcmp(spec, "anti") == 0)
        policy_set_greedy(pi, Q, -1);
    else if (strncmp(spec, "softmax:", 8) == 0) {
        if (spec_number(spec + 8, 1e-300, HUGE_VAL, &x) < 0 || strchr(spec + 8, ':'))
            goto bad_number;
        policy_set_softmax(pi, Q, x);
    } else if (strncmp(spec, "eps:", 4) == 0) {
        if (spec_number(spec + 4, 0.0, 1.0, &x) < 0 || strchr(spec + 4, ':'))
            goto bad_number;
        struct policy *u = policy_new(m->n_states, m->n_actions, err);
        if (!u)
            goto fail;
        policy_set_uniform(u);
        policy_set_greedy(pi, Q, 1);
        mix2(pi, 1.0 - x, pi, x, u);
        policy_free(u);
    } else {
        ope_fail(err, OPE_EUSAGE, "unknown policy spec '%s' (" SPEC_HELP ")", spec);
        goto fail;
    }
    return pi;
bad_number:
    ope_fail(err, OPE_EUSAGE, "policy spec '%s': bad parameter (softmax needs TAU > 0, eps needs "
             "E in [0, 1])", spec);
fail:
    policy_free(pi);
    return NULL;
}

struct policy *policy_from_spec(const struct mdp *m, const char *spec, const double *Qstar,
                                struct ope_error *err)
{
    double *Q = NULL;
    if (!Qstar) {
        Q = ope_malloc((size_t)m->n_states * (size_t)m->n_actions * sizeof *Q, err);
        if (!Q || mdp_qstar(m, Q, err) < 0) {
            free(Q);
            return NULL;
        }
        Qstar = Q;
    }
    struct policy *pi = spec_build(m, spec, Qstar, 0, err);
    free(Q);
    return pi;
}

void policy_format(const struct policy *pi, struct strbuf *sb)
{
    char num[40];
    strbuf_puts(sb, "state");
    for (int a = 0; a < pi->n_actions; a++)
        strbuf_printf(sb, ",p.%d", a);
    strbuf_putc(sb, '\n');
    for (int s = 0; s < pi->n_states; s++) {
        strbuf_printf(sb, "%d", s);
        for (int a = 0; a < pi->n_actions; a++) {
            csvout_format_g15_17(num, sizeof num, pi->p[(size_t)s * pi->n_actions + a]);
            strbuf_putc(sb, ',');
            strbuf_puts(sb, num);
        }
        strbuf_putc(sb, '\n');
    }
}

int policy_write(const struct policy *pi, const char *path, int force, struct ope_error *err)
{
    struct strbuf sb;
    strbuf_init(&sb);
    policy_format(pi, &sb);
    int rc = strbuf_failed(&sb) ? ope_fail_oom(err)
             : ope_write_file_atomic(path, sb.buf, sb.len, force, err);
    strbuf_release(&sb);
    return rc;
}

/* The header must be exactly state,p.0,...,p.{A-1}. Returns A or -1. */
static int read_header(const char *path, const struct csv_field *f, size_t n, int want_a,
                       struct ope_error *err)
{
    if (n < 2 || strcmp(f[0].s, "state") != 0)
        return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column 1 is '%s', expected the header "
                        "state,p.0,p.1,...,p.{A-1} (formats.md: tabular policy file)",
                        path, f[0].line, f[0].col, f[0].s);
    for (size_t i = 1; i < n; i++) {
        char want[32];
        snprintf(want, sizeof want, "p.%zu", i - 1);
        if (strcmp(f[i].s, want) != 0)
            return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: header column %zu is '%s', expected '%s' "
                            "(columns must be p.0, p.1, ... in order)",
                            path, f[i].line, f[i].col, i + 1, f[i].s, want);
    }
    int A = (int)(n - 1);
    if (want_a > 0 && A != want_a)
        return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: the header has %d action columns (p.0..p.%d) "
                        "but the environment has %d actions; write one p.a column per action",
                        path, f[0].line, f[0].col, A, A - 1, want_a);
    return A;
}

/* One data row into rows[] (grown as needed); checks the state id and the numbers. */
static int read_row(const char *path, const struct csv_field *f, size_t n, int A, int want_s,
                    double **rows, size_t **lines, int *cap, int *n_states, struct ope_error *err)
{
    if (n != (size_t)A + 1)
        return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: this row has %zu fields, the header has %d; "
                        "write the state then one probability per action",
                        path, f[0].line, f[0].col, n, A + 1);
    long hi = want_s > 0 ? want_s - 1 : 9999999;
    long s;
    if (csv_parse_long(f[0].s, f[0].len, 0, hi, &s) < 0)
        return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column 'state': value '%s' is not a state id "
                        "in 0..%ld; states are numbered from 0", path, f[0].line, f[0].col, f[0].s, hi);
    if (s >= *cap) {
        int nc = *cap ? *cap : 16;
        while (nc <= s)
            nc *= 2;
        double *r = ope_realloc(*rows, (size_t)nc * (size_t)A * sizeof *r, err);
        if (!r)
            return -1;
        *rows = r;
        size_t *l = ope_realloc(*lines, (size_t)nc * sizeof *l, err);
        if (!l)
            return -1;
        *lines = l;
        memset(l + *cap, 0, (size_t)(nc - *cap) * sizeof *l);
        *cap = nc;
    }
    if ((*lines)[s])
        return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column 'state': state %ld appears again "
                        "(first on line %zu); give each state exactly one row",
                        path, f[0].line, f[0].col, s, (*lines)[s]);
    (*lines)[s] = f[0].line;
    double sum = 0.0;
    for (int a = 0; a < A; a++) {
        const struct csv_field *g = &f[a + 1];
        double p;
        if (csv_parse_double(g->s, g->len, &p) < 0 || !(p >= 0.0 && p <= 1.0))
            return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column 'p.%d': value '%s' is not a "
                            "probability in [0, 1]", path, g->line, g->col, a, g->s);
        (*rows)[(size_t)s * A + a] = p;
        sum += p;
    }
    if (fabs(sum - 1.0) > POLICY_SUM_TOL)
        return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: the probabilities of state %ld sum to %.9g, "
                        "expected 1 within 1e-6; rescale the row", path, f[1].line, f[1].col, s, sum);
    if (s + 1 > *n_states)
        *n_states = (int)s + 1;
    return 0;
}

struct policy *policy_read(const char *path, int want_s, int want_a, struct ope_error *err)
{
    struct csv_reader *r = csv_open(path, ',', err);
    if (!r)
        return NULL;
    const struct csv_field *f;
    size_t n;
    int A = -1, cap = 0, S = 0, rc;
    double *rows = NULL;
    size_t *lines = NULL;
    struct policy *pi = NULL;
    while ((rc = csv_next(r, &f, &n, err)) == 1) {
        if (n == 1 && f[0].len == 0)
            continue;                       /* blank line */
        if (A < 0) {
            if ((A = read_header(path, f, n, want_a, err)) < 0)
                goto out;
        } else if (read_row(path, f, n, A, want_s, &rows, &lines, &cap, &S, err) < 0)
            goto out;
    }
    if (rc < 0)
        goto out;
    if (A < 0) {
        ope_fail(err, OPE_EDATA, "%s:1:1: the file is empty; expected the header "
                 "state,p.0,...,p.{A-1} and one row per state", path);
        goto out;
    }
    if (want_s > 0)
        S = want_s;
    for (int s = 0; s < S; s++)
        if (s >= cap || !lines[s]) {
            ope_fail(err, OPE_EDATA, "%s:%zu:1: column 'state': no row for state %d; the file "
                     "needs one row for each of the %d states", path, csv_record_line(r) + 1, s, S);
            goto out;
        }
    if (S == 0) {
        ope_fail(err, OPE_EDATA, "%s:2:1: no policy rows after the header", path);
        goto out;
    }
    if ((pi = policy_new(S, A, err)))
        memcpy(pi->p, rows, (size_t)S * (size_t)A * sizeof *rows);
out:
    csv_close(r);
    free(rows);
    free(lines);
    return pi;
}
