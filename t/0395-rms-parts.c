/* t/0395-rms-parts.c: a process's part of the reward model's means pass
 * (rmstream.h: rms_put_pass, rms_merge_part), as MPI ranks exchange and shards save
 * (ope eval --save-state --model-state). A part is read as untrusted input: its
 * SHA-256 (in the state around it) catches accidents only, so counts that no rows
 * can have must be refused as damage (a resealed part whose training-row count per
 * model was set to 0 went through and moved dm's se by 4%). What rows give, derived
 * by hand: every row trains the K - 1 folds it is not in, so the folds' training rows
 * sum to n (K - 1); a fold's rows are its models' (one per action), counted twice
 * (as a double n_a and as rows); binary rewards sum to a whole number of ones, at
 * most the rows, and their compensated sum is that number exactly. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "t/tap.h"
#include "datasets/blog.h"
#include "estimators/rmstream.h"
#include "ope/base/statefile.h"
#include "ope/base/strbuf.h"

enum { N = 60, A = 2, K = 3 };

/* The part's layout (rms_put_pass, the means' pass, one numeric context, no
 * categorical column): stage, shaped, 4 shape words, rows, binary, have_bad,
 * bad_line, bad_value; then per fold its rows and reward sum (8 + 16); then per
 * (fold, action) model n_a, k_a, rows and reward sum (8 + 8 + 8 + 16). */
#define AT_MROWS(k) (88 + 24 * (size_t)(k))
#define AT_MODEL(t) (88 + 24 * K + 40 * (size_t)(t))

static double get_f64(const unsigned char *p)
{
    double x;
    memcpy(&x, p, sizeof x);        /* little-endian on the machines ope runs on */
    return x;
}

static void put_f64(unsigned char *p, double x)
{
    memcpy(p, &x, sizeof x);
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

static void put_u64(unsigned char *p, uint64_t x)
{
    memcpy(p, &x, sizeof x);
}

/* Merge part[0..n) into a fresh model: 0, or -1 with err. */
static int merge_one(const struct rm_opts *o, const unsigned char *part, size_t n,
                     struct ope_error *err)
{
    size_t pol = 0;
    struct rms *m = rms_new(o, A, &pol, 0, NULL, RMS_SHARD, err);
    if (!m)
        return -1;
    struct sf_state st;
    sf_cursor(&st, part, n, "part", "test");
    rms_reset_pass(m);
    int rc = rms_merge_part(m, &st, err);
    if (rc == 0)
        rc = rms_pass_done(m, err);
    rms_free(m);
    return rc;
}

int main(void)
{
    plan_no_plan();
    struct ope_error err = { 0 };
    struct blog *b = blog_new(N, A, 1, 0, &err);
    b->n_num_ctx = 1;
    b->num_ctx_name = calloc(1, sizeof *b->num_ctx_name);
    b->num_ctx_name[0] = strdup("x0");
    b->num_ctx = calloc(1, sizeof *b->num_ctx);
    b->num_ctx[0] = calloc(N, sizeof **b->num_ctx);
    for (size_t i = 0; i < N; i++) {
        b->action[i] = (int)(i % A);
        b->reward[i] = (i * 7) % 3 == 0 ? 1.0 : 0.0;
        b->pscore[i] = 0.5;
        b->num_ctx[0][i] = (double)(i % 5) - 2.0;
    }
    struct rm_opts o;
    rm_opts_init(&o);
    o.folds = K;
    size_t pol = 0;
    struct rms *m = rms_new(&o, A, &pol, 0, NULL, RMS_SHARD, &err);
    ok(m && rms_pass_is_means(m), "a model of the means' pass");
    ok(m && rms_next_pass(m) && rms_window(m, b, 0, &err) == 0, "its pass over the log");
    struct strbuf sb = STRBUF_INIT;
    rms_put_pass(m, &sb);
    size_t n = sb.len;
    unsigned char *part = malloc(n), *bad = malloc(n);
    memcpy(part, sb.buf, n);

    /* The layout is the one the offsets assume (a change of layout fails here). */
    uint64_t sum_k = 0;
    for (int k = 0; k < K; k++)
        sum_k += get_u64(part + AT_MROWS(k));
    ok(get_u64(part) == 0 && get_u64(part + 8) == 1 && get_u64(part + 48) == N &&
           sum_k == (uint64_t)N * (K - 1) &&
           get_f64(part + AT_MODEL(0)) == (double)get_u64(part + AT_MODEL(0) + 16),
       "the part's layout is the one this test rewrites (%llu rows, %llu trained)",
       (unsigned long long)get_u64(part + 48), (unsigned long long)sum_k);

    ok(merge_one(&o, part, n, &err) == 0, "the part as made merges and closes the pass");

    struct {
        const char *what;
        size_t at;
        int f64;
        double by;
    } cases[] = {
        { "a model's n_a set apart from its rows", AT_MODEL(0), 1, -1.0 },
        { "a model's rows set apart from its n_a", AT_MODEL(1) + 16, 0, 1.0 },
        { "ones of a binary reward not a whole number", AT_MODEL(2) + 8, 1, 0.5 },
        { "more ones than rows", AT_MODEL(3) + 8, 1, 1000.0 },
        { "a fold's rows not its models'", AT_MROWS(1), 0, 1.0 },
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        memcpy(bad, part, n);
        unsigned char *p = bad + cases[c].at;
        if (cases[c].f64)
            put_f64(p, get_f64(p) + cases[c].by);
        else
            put_u64(p, get_u64(p) + (uint64_t)cases[c].by);
        memset(&err, 0, sizeof err);
        int rc = merge_one(&o, bad, n, &err);
        ok(rc == -1 && err.status == OPE_EDATA, "%s: refused as damage", cases[c].what);
        like(err.msg, "damaged state", "... saying so");
    }
    /* Consistent per fold, but one row too many trained: fold 0 and its first model one
     * row more (n_a, rows and the fold's count alike). */
    memcpy(bad, part, n);
    put_u64(bad + AT_MROWS(0), get_u64(bad + AT_MROWS(0)) + 1);
    put_u64(bad + AT_MODEL(0) + 16, get_u64(bad + AT_MODEL(0) + 16) + 1);
    put_f64(bad + AT_MODEL(0), get_f64(bad + AT_MODEL(0)) + 1.0);
    memset(&err, 0, sizeof err);
    ok(merge_one(&o, bad, n, &err) == -1 && err.status == OPE_EDATA,
       "the folds training more rows than n (K - 1): refused");

    strbuf_release(&sb);
    free(part);
    free(bad);
    rms_free(m);
    blog_free(b);
    return done_testing();
}
