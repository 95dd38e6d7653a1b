/* t/0333-blog-span.c: the bandit loader reads runs of plain lines in parallel
 * (blog_span.c); the log it builds, or the first error it reports, must be exactly
 * what reading record by record with csv_next gives. Files of a few MB (several
 * parallel parts per run, several runs) with blank lines, CRLF, a last line without
 * a line end, quoted records in between, positions, a context column that turns
 * categorical late, and bad values in early and late rows. */
#include "config.h"
#include "t/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/blog.h"
#include "datasets/blog_loader.h"
#include "ope/base/rng.h"

static char dir[] = "/tmp/ope-t0333-XXXXXX";

/* How each generated file differs from a plain numeric log. */
struct shape {
    size_t rows;
    int crlf, blank_every, quote_every, positions, no_final_newline;
    size_t categorical_at;      /* row where x1 becomes a word (0: never) */
    size_t bad_at[2];           /* rows with pscore 0 (0: none) */
};

static const char *write_log(const char *name, const struct shape *sh, uint64_t seed)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        bail_out("cannot write %s", path);
    struct ope_rng g;
    ope_rng_init(&g, seed, OPE_RNG_TEST, 3);
    const char *eol = sh->crlf ? "\r\n" : "\n";
    fprintf(f, "action,reward,pscore,%sx0,x1,q.0,q.1,q.2,pi.a.0,pi.a.1,pi.a.2,pi.b.0,pi.b.1,"
            "pi.b.2%s", sh->positions ? "position," : "", eol);
    for (size_t i = 1; i <= sh->rows; i++) {
        if (sh->blank_every && i % sh->blank_every == 0)
            fputs(eol, f);
        double p = 0.05 + 0.9 * ope_rng_uniform(&g), u = ope_rng_uniform(&g);
        int q = sh->quote_every && i % sh->quote_every == 0;
        fprintf(f, "%d,%d,%s%.17g%s,", (int)(ope_rng_u64(&g) % 3), u < 0.4,
                q ? "\"" : "", sh->bad_at[0] == i || sh->bad_at[1] == i ? 0.0 : p, q ? "\"" : "");
        if (sh->positions) {    /* the lowest and highest slots only in late rows */
            int late = i > sh->rows / 3 * 2, pos = 1 + (int)(ope_rng_u64(&g) % 4);
            fprintf(f, "%d,", late && i % 7 == 0 ? 5 : late && i % 11 == 0 ? 0 : pos);
        }
        if (sh->categorical_at && i >= sh->categorical_at && i % 3 == 0)
            fprintf(f, "%.6g,w%d,", ope_rng_normal(&g), (int)(ope_rng_u64(&g) % 5));
        else
            fprintf(f, "%.6g,%.17g,", ope_rng_normal(&g), ope_rng_normal(&g));
        fprintf(f, "%.17g,%.17g,%.17g,", ope_rng_uniform(&g), ope_rng_uniform(&g),
                ope_rng_uniform(&g));
        fprintf(f, "0.25,0.25,0.5,0.5,0,0.5%s",
                sh->no_final_newline && i == sh->rows ? "" : eol);
    }
    fclose(f);
    return path;
}

static int same_doubles(const double *a, const double *b, size_t n)
{
    return (!a && !b) || (a && b && memcmp(a, b, n * sizeof *a) == 0);
}

static int same_matrix(double **a, double **b, int A, size_t n)
{
    if (!a || !b)
        return !a && !b;
    for (int k = 0; k < A; k++)
        if (!same_doubles(a[k], b[k], n))
            return 0;
    return 1;
}

/* Every field of two logs, bit for bit. */
static int same_log(const struct blog *a, const struct blog *b)
{
    size_t n = a->n;
    if (a->n != b->n || a->n_actions != b->n_actions || a->n_positions != b->n_positions ||
        memcmp(a->action, b->action, n * sizeof *a->action) != 0 ||
        !same_doubles(a->reward, b->reward, n) || !same_doubles(a->pscore, b->pscore, n) ||
        memcmp(a->line, b->line, n * sizeof *a->line) != 0 ||
        (!a->position != !b->position) ||
        (a->position && memcmp(a->position, b->position, n * sizeof *a->position) != 0) ||
        a->n_num_ctx != b->n_num_ctx || a->n_cat_ctx != b->n_cat_ctx ||
        a->n_policies != b->n_policies || a->n_columns != b->n_columns ||
        !same_matrix(a->q, b->q, a->n_actions, n) || !same_matrix(a->qhat, b->qhat, a->n_actions, n))
        return 0;
    for (size_t j = 0; j < a->n_num_ctx; j++)
        if (strcmp(a->num_ctx_name[j], b->num_ctx_name[j]) != 0 ||
            !same_doubles(a->num_ctx[j], b->num_ctx[j], n))
            return 0;
    for (size_t j = 0; j < a->n_cat_ctx; j++) {
        const struct blog_catcol *x = &a->cat_ctx[j], *y = &b->cat_ctx[j];
        if (strcmp(x->name, y->name) != 0 || x->n_levels != y->n_levels ||
            memcmp(x->code, y->code, n * sizeof *x->code) != 0)
            return 0;
        for (size_t l = 0; l < x->n_levels; l++)
            if (strcmp(x->levels[l], y->levels[l]) != 0)
                return 0;
    }
    for (size_t p = 0; p < a->n_policies; p++)
        if (strcmp(a->policy[p].name, b->policy[p].name) != 0 ||
            !same_matrix(a->policy[p].prob, b->policy[p].prob, a->n_actions, n))
            return 0;
    for (size_t c = 0; c < a->n_columns; c++)
        if (strcmp(a->columns[c], b->columns[c]) != 0 ||
            strcmp(a->column_role[c], b->column_role[c]) != 0)
            return 0;
    return 1;
}

/* Load with spans and record by record; both logs equal, or both errors equal. */
static void compare(const char *what, const struct shape *sh, uint64_t seed, int want_ok)
{
    const char *path = write_log("log.csv", sh, seed);
    struct load_opts lo;
    load_opts_init(&lo);
    lo.want_policies = 1;
    struct ope_error e1 = { 0 }, e2 = { 0 };
    blog_loader_use_spans(1);
    struct blog *a = blog_load(path, &lo, &e1);
    blog_loader_use_spans(0);
    struct blog *b = blog_load(path, &lo, &e2);
    blog_loader_use_spans(1);
    if (want_ok) {
        ok(a && b && same_log(a, b), "%s: %zu rows, identical logs", what, a ? a->n : 0);
        if (!a || !b)
            diag("%s / %s", e1.msg, e2.msg);
    } else {
        ok(!a && !b && e1.status == e2.status && strcmp(e1.msg, e2.msg) == 0,
           "%s: the same first error", what);
        diag("%s", e1.msg);
    }
    blog_free(a);
    blog_free(b);
    unlink(path);
}

int main(void)
{
    plan_no_plan();
    if (!mkdtemp(dir))
        bail_out("mkdtemp");
    setenv("OPE_THREADS", "3", 1);      /* more workers than cores: any order */
    struct shape plain = { 40000, 0, 0, 0, 0, 0, 0, { 0, 0 } };
    compare("plain numeric log (several runs and parts)", &plain, 1, 1);
    struct shape odd = { 30000, 1, 97, 0, 1, 1, 0, { 0, 0 } };
    compare("CRLF, blank lines, positions, no final line end", &odd, 2, 1);
    struct shape quoted = { 30000, 0, 0, 1777, 0, 0, 0, { 0, 0 } };
    compare("quoted records between runs of plain lines", &quoted, 3, 1);
    struct shape cat = { 40000, 0, 50, 0, 1, 0, 31000, { 0, 0 } };
    compare("a context column turning categorical in a late part", &cat, 4, 1);
    struct shape bad2 = { 40000, 0, 0, 0, 0, 0, 0, { 9000, 36000 } };
    compare("bad pscore in two parts: the first is reported", &bad2, 5, 0);
    struct shape badlate = { 40000, 0, 0, 0, 0, 0, 30000, { 39000, 0 } };
    compare("a late bad value after a categorical switch", &badlate, 6, 0);
    struct shape small = { 3, 0, 0, 0, 0, 1, 0, { 0, 0 } };
    compare("three rows", &small, 7, 1);
    rmdir(dir);
    return done_testing();
}
