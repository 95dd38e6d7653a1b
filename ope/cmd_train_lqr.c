/* ope/cmd_train_lqr.c: `ope train prdc-lqr`: PRDC's continuous special case on the
 * 1-D discounted LQR (ope/learn/train/prdc_lqr.c), the demo training.md asks for: offline
 * data of mixed quality, PRDC at several beta next to behaviour cloning and the
 * unregularised improvement, each with its exact return (Lyapunov equation), its gap
 * to the Riccati optimum and its mean nearest-neighbour distance to the data. */
#include "config.h"
#include "ope/cmd_train_lqr.h"
#include "ope/cmd.h"
#include "ope/app/output.h"
#include "ope/base/json.h"
#include "ope/base/rng.h"
#include "ope/base/strbuf.h"
#include "ope/learn/train/train.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BETAS 16

struct lqr_cli {
    struct lqr L;
    double betas[MAX_BETAS];
    int n_betas;
    long episodes, steps, iterations;
    double alpha, step, good_share;
    uint64_t seed;
    struct outcli out;          /* the result: --format, -o (extension rule), -o - */
    enum out_format format;
};

struct lqr_data {
    size_t n;
    double *x, *u, *r, *x1;
};

/* Mixed-quality offline data: each episode is run by the optimal gain k* (share
 * good_share of the episodes) or by the poor gain 0 (no control), with action noise
 * N(0, 0.1^2); x0 ~ N(0, x0_sd^2). Stream (seed, TRAIN, episode): reproducible and
 * independent of everything else. */
static int sample(const struct lqr_cli *c, double kstar, struct lqr_data *d, struct ope_error *err)
{
    d->n = (size_t)c->episodes * (size_t)c->steps;
    d->x = ope_malloc(4 * d->n * sizeof *d->x, err);
    if (!d->x)
        return -1;
    d->u = d->x + d->n;
    d->r = d->u + d->n;
    d->x1 = d->r + d->n;
    const struct lqr *L = &c->L;
    for (long e = 0, i = 0; e < c->episodes; e++) {
        struct ope_rng g;
        ope_rng_init(&g, c->seed, OPE_RNG_TRAIN, (uint64_t)e);
        double k = ope_rng_uniform(&g) < c->good_share ? kstar : 0.0;
        double s = L->x0_sd * ope_rng_normal(&g);
        for (long t = 0; t < c->steps; t++, i++) {
            d->x[i] = s;
            d->u[i] = k * s + 0.1 * ope_rng_normal(&g);
            d->r[i] = -(L->q * s * s + L->r * d->u[i] * d->u[i]);
            d->x1[i] = s = L->a * s + L->b * d->u[i] + L->sigma * ope_rng_normal(&g);
        }
    }
    return 0;
}

struct row {
    char method[32];
    double beta, k, value, nn;
};

static void render(const struct lqr_cli *c, const struct row *rows, int n, double kstar,
                   double vstar, size_t N, struct strbuf *sb)
{
    if (c->format == OUT_CSV) {
        strbuf_puts(sb, "method,beta,gain,value,gap,mean_nn_distance\n");
        for (int i = 0; i < n; i++)
            strbuf_printf(sb, "%s,%.17g,%.17g,%.17g,%.17g,%.17g\n", rows[i].method, rows[i].beta,
                          rows[i].k, rows[i].value, vstar - rows[i].value, rows[i].nn);
        return;
    }
    if (c->format == OUT_JSON) {
        strbuf_printf(sb, "{\"tool\":\"ope\",\"version\":\"%s\",\"task\":\"lqr\",\"lqr\":{",
                      PACKAGE_VERSION);
        const char *k[] = { "a", "b", "q", "r", "sigma", "gamma", "x0_sd" };
        double v[] = { c->L.a, c->L.b, c->L.q, c->L.r, c->L.sigma, c->L.gamma, c->L.x0_sd };
        for (int i = 0; i < 7; i++) {
            strbuf_printf(sb, "%s\"%s\":", i ? "," : "", k[i]);
            json_number(sb, v[i]);
        }
        strbuf_printf(sb, "},\"transitions\":%zu,\"seed\":%llu,\"optimal_gain\":", N,
                      (unsigned long long)c->seed);
        json_number(sb, kstar);
        strbuf_puts(sb, ",\"optimal_value\":");
        json_number(sb, vstar);
        strbuf_puts(sb, ",\"methods\":[");
        for (int i = 0; i < n; i++) {
            strbuf_printf(sb, "%s\n {\"method\":", i ? "," : "");
            json_string(sb, rows[i].method);
            const char *f[] = { "beta", "gain", "value", "gap", "mean_nn_distance" };
            double x[] = { rows[i].beta, rows[i].k, rows[i].value, vstar - rows[i].value,
                           rows[i].nn };
            for (int j = 0; j < 5; j++) {
                strbuf_printf(sb, ",\"%s\":", f[j]);
                json_number(sb, x[j]);
            }
            strbuf_putc(sb, '}');
        }
        strbuf_puts(sb, "]}\n");
        return;
    }
    strbuf_printf(sb, "PRDC on a 1-D LQR: x' = %g x + %g u + N(0, %g^2), reward -(%g x^2 + %g u^2),"
                  " gamma %g\n", c->L.a, c->L.b, c->L.sigma, c->L.q, c->L.r, c->L.gamma);
    strbuf_printf(sb, "offline data: %zu transitions, %ld episodes of %ld steps; %.0f%% of the "
                  "episodes run the optimal gain, the rest no control (gain 0); action noise "
                  "0.1; seed %llu\n", N, c->episodes, c->steps, 100.0 * c->good_share,
                  (unsigned long long)c->seed);
    strbuf_printf(sb, "optimal gain %.4f (Riccati), exact value %.6g\n\n", kstar, vstar);
    strbuf_printf(sb, "%-16s %6s %9s %12s %10s %12s\n", "method", "beta", "gain", "true value",
                  "gap", "mean NN dist");
    for (int i = 0; i < n; i++) {
        char beta[16] = "-";
        if (!isnan(rows[i].beta))
            snprintf(beta, sizeof beta, "%g", rows[i].beta);
        strbuf_printf(sb, "%-16s %6s %9.4f %12.6g %10.4g %12.4g\n", rows[i].method, beta,
                      rows[i].k, rows[i].value, vstar - rows[i].value, rows[i].nn);
    }
    strbuf_puts(sb, "\nTrue values are exact (Lyapunov equation); the NN distance is the mean "
                "distance of\n(beta x, k x) to the nearest (beta x_i, u_i) of the data "
                "(k-d tree), at each row's beta.\n");
}

static int run(struct lqr_cli *c, struct ope_error *err)
{
    double vstar, kstar = lqr_optimal_gain(&c->L, &vstar);
    struct lqr_data d = { 0 };
    if (sample(c, kstar, &d, err) < 0)
        return -1;
    struct row rows[MAX_BETAS + 3];
    int n = 0, rc = 0;
    double sxu = 0, sxx = 0;
    for (size_t i = 0; i < d.n; i++) {
        sxu += d.x[i] * d.u[i];
        sxx += d.x[i] * d.x[i];
    }
    /* Behaviour cloning: the least-squares gain of u on x. Its NN distance at beta 2. */
    struct prdc_lqr_result res;
    rc = prdc_lqr(&c->L, d.x, d.u, d.r, d.x1, d.n, 2.0, c->alpha, 1, 0, 0.0, &res, err);
    if (rc == 0) {
        rows[n] = (struct row){ "behaviour clone", 2.0, sxx > 0 ? sxu / sxx : 0.0, 0, res.mean_nn_dist };
        rows[n].value = lqr_value(&c->L, rows[n].k);
        n++;
    }
    for (int b = 0; b < c->n_betas && rc == 0; b++) {
        rc = prdc_lqr(&c->L, d.x, d.u, d.r, d.x1, d.n, c->betas[b], c->alpha, 1, c->iterations,
                      c->step, &res, err);
        if (rc == 0)
            rows[n++] = (struct row){ "prdc", c->betas[b], res.k, res.value, res.mean_nn_dist };
    }
    if (rc == 0) {
        rc = prdc_lqr(&c->L, d.x, d.u, d.r, d.x1, d.n, 2.0, c->alpha, 0, c->iterations, c->step,
                      &res, err);
        if (rc == 0)
            rows[n++] = (struct row){ "unregularised", 2.0, res.k, res.value, res.mean_nn_dist };
    }
    if (rc == 0) {
        struct strbuf sb = STRBUF_INIT;
        render(c, rows, n, kstar, vstar, d.n, &sb);
        rc = outcli_write(&c->out, &sb, err);
        strbuf_release(&sb);
    }
    free(d.x);
    return rc;
}

static int parse_betas(const char *s, struct lqr_cli *c)
{
    char *end;
    c->n_betas = 0;
    for (const char *p = s;; p = end + 1) {
        double v = strtod(p, &end);
        if (end == p || !(v > 0) || !isfinite(v) || c->n_betas == MAX_BETAS || (*end && *end != ','))
            return -1;
        c->betas[c->n_betas++] = v;
        if (!*end)
            return 0;
    }
}

enum { L_BETAS = 0x4c00, L_EPISODES, L_STEPS, L_ITER, L_ALPHA, L_STEP, L_SEED, L_GOOD };

const struct option train_lqr_options[] = {
    { "betas", required_argument, 0, L_BETAS }, { "episodes", required_argument, 0, L_EPISODES },
    { "steps", required_argument, 0, L_STEPS }, { "iterations", required_argument, 0, L_ITER },
    { "alpha", required_argument, 0, L_ALPHA }, { "step", required_argument, 0, L_STEP },
    { "seed", required_argument, 0, L_SEED }, { "good-share", required_argument, 0, L_GOOD },
    OUTCLI_OPTIONS, { 0, 0, 0, 0 }
};

int train_lqr_main(int argc, char **argv)
{
    struct lqr_cli c = { .L = { .a = 0.9, .b = 0.5, .q = 1.0, .r = 0.5, .sigma = 0.1,
                                .gamma = 0.9, .x0_sd = 1.0 },
                         .betas = { 0.5, 1, 2, 4, 8 }, .n_betas = 5, .episodes = 200, .steps = 10,
                         .iterations = 200, .alpha = 2.5, .step = 0.05, .good_share = 0.5,
                         .seed = 12345 };
    struct ope_error err = { 0 };
    outcli_init(&c.out);
    const char *cmd = "train";
    double d;
    int opt;
    optind = 0;
    while ((opt = cli_getopt(cmd, argc, argv, OUTCLI_SHORT, train_lqr_options)) != -1) {
        int r = opt == '?' ? 0 : outcli_option(&c.out, opt, optarg, &err);
        if (r < 0)
            return cli_usage(cmd, "%s", err.msg);
        if (r == 1)
            continue;
        switch (opt) {
        case L_BETAS:
            if (parse_betas(optarg, &c) < 0)
                return cli_usage(cmd, "--betas: expected up to %d positive numbers separated by "
                                 "commas, got '%s'", MAX_BETAS, optarg);
            break;
        case L_EPISODES:
            if (cli_parse_int(cmd, "--episodes", optarg, 1, 10000000, &c.episodes))
                return OPE_EUSAGE;
            break;
        case L_STEPS:
            if (cli_parse_int(cmd, "--steps", optarg, 1, 100000, &c.steps))
                return OPE_EUSAGE;
            break;
        case L_ITER:
            if (cli_parse_int(cmd, "--iterations", optarg, 0, 1000000, &c.iterations))
                return OPE_EUSAGE;
            break;
        case L_ALPHA:
            if (cli_parse_double(cmd, "--alpha", optarg, 0, 1e6, &c.alpha))
                return OPE_EUSAGE;
            break;
        case L_STEP:
            if (cli_parse_double(cmd, "--step", optarg, 0, 1e3, &c.step))
                return OPE_EUSAGE;
            break;
        case L_GOOD:
            if (cli_parse_double(cmd, "--good-share", optarg, 0, 1, &d))
                return OPE_EUSAGE;
            c.good_share = d;
            break;
        case L_SEED:
            if (cli_parse_seed(cmd, "--seed", optarg, &c.seed))
                return OPE_EUSAGE;
            break;
        default:
            return OPE_EUSAGE;
        }
    }
    /* The one word is prdc-lqr itself (it may stand anywhere among the options). */
    if (optind + 1 < argc)
        return cli_usage(cmd, "prdc-lqr: unexpected argument '%s'",
                         strcmp(argv[optind], "prdc-lqr") ? argv[optind] : argv[optind + 1]);
    if (outcli_format(&c.out, OUT_ALL, "the prdc-lqr table", &c.format, &err) != 0)
        return cli_usage(cmd, "%s", err.msg);
    if (outcli_check(&c.out, &err) != 0)
        return cli_error(&err);
    if ((double)c.episodes * (double)c.steps > 2e7)
        return cli_usage(cmd, "prdc-lqr: at most 20,000,000 transitions (--episodes x --steps)");
    return run(&c, &err) < 0 ? cli_error(&err) : 0;
}
