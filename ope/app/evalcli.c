/* ope/app/evalcli.c: the evaluation driver shared by every command that evaluates a
 * log and by the workbench (see evalcli.h): options into settings, load, evaluate
 * (bandit or trajectory), return distributions, and the written result. */
#include "config.h"
#include "ope/app/evalcli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/blog.h"
#include "datasets/tlog.h"
#include "datasets/truth.h"
#include "estimators/cdf.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"
#include "estimators/evaluate_traj.h"
#include "ope/app/cli.h"
#include "ope/app/loadcli.h"
#include "ope/app/output.h"
#include "ope/base/outfile.h"
#include "ope/base/progress.h"
#include "ope/app/render.h"
#include "ope/base/sha256.h"

int evalcli_write(const struct res_eval *r, int f, const struct outcli *out,
                  struct ope_error *err)
{
    struct strbuf sb = STRBUF_INIT;
    render_eval(r, (enum out_format)f, &sb);
    int rc = outcli_write(out, &sb, err);
    strbuf_release(&sb);
    return rc;
}

int evalcli_option(struct evalcli *c, int opt, const char *arg, struct ope_error *err)
{
    long v;
    double d;
    switch (opt) {
    case EVALCLI_POLICY:
        if (c->n_policies == EVALCLI_MAX_POLICIES)
            return ope_fail(err, OPE_EUSAGE, "at most %d --policy options",
                            EVALCLI_MAX_POLICIES);
        for (size_t i = 0; i < c->n_policies; i++)
            if (strcmp(c->policies[i], arg) == 0)
                return ope_fail(err, OPE_EUSAGE, "--policy %s given twice", arg);
        c->policies[c->n_policies++] = arg;
        return 1;
    case EVALCLI_ESTIMATORS:
        c->estimators = arg;
        return 1;
    case EVALCLI_CI: {
        int m = ci_method_parse(arg);
        if (m < 0)
            return ope_fail(err, OPE_EUSAGE, "--ci: unknown method '%s' (bootstrap, t, "
                            "hoeffding, bernstein, none)", arg);
        c->eo.ci = m;
        return 1;
    }
    case EVALCLI_ALPHA:
        if (cli_parse_double("eval", "--alpha", arg, 1e-12, 0.999999, &d) != 0)
            return ope_fail(err, OPE_EUSAGE, "--alpha expects a number in (0, 1), got '%s'",
                            arg);
        c->eo.alpha = d;
        return 1;
    case EVALCLI_N_BOOT:
        if (cli_parse_int("eval", "--n-boot", arg, 10, 10000000, &v) != 0)
            return ope_fail(err, OPE_EUSAGE, "--n-boot expects an integer from 10 to 10000000, "
                            "got '%s'", arg);
        c->eo.n_boot = (int)v;
        return 1;
    case EVALCLI_SEED: {
        /* Digits only, and no wrap-around: strtoull clamps 2^64 to 2^64 - 1. */
        char *end;
        errno = 0;
        unsigned long long s = strtoull(arg, &end, 10);
        if (!*arg || *end || strspn(arg, "0123456789") != strlen(arg) || errno == ERANGE)
            return ope_fail(err, OPE_EUSAGE, "--seed expects a whole number from 0 to 2^64-1, "
                            "got '%s'", arg);
        c->eo.seed = s;
        c->eo.model.seed = s;
        return 1;
    }
    case EVALCLI_REWARD_MODEL: {
        enum rm_kind k;
        if (rm_kind_parse(arg, &k) != 0)
            return ope_fail(err, OPE_EUSAGE, "--reward-model: expected auto, ridge or "
                            "logistic, got '%s'", arg);
        c->eo.model.kind = k;
        return 1;
    }
    case EVALCLI_FOLDS:
        if (cli_parse_int("eval", "--folds", arg, 1, 100, &v) != 0)
            return ope_fail(err, OPE_EUSAGE, "--folds expects an integer from 1 to 100, got "
                            "'%s'", arg);
        c->eo.model.folds = (int)v;
        return 1;
    case EVALCLI_LAMBDA:
        if (cli_parse_double("eval", "--model-lambda", arg, 0, 1e12, &d) != 0)
            return ope_fail(err, OPE_EUSAGE, "--model-lambda expects a number >= 0, got '%s'",
                            arg);
        c->eo.model.lambda = d;
        return 1;
    case EVALCLI_THREADS:
        if (cli_parse_int("eval", "--threads", arg, 0, 1024, &v) != 0)
            return ope_fail(err, OPE_EUSAGE, "--threads expects an integer from 0 to 1024, got "
                            "'%s'", arg);
        c->eo.threads = (int)v;
        c->eo.model.threads = (int)v;
        c->lo.threads = (int)v;
        return 1;
    case EVALCLI_GAMMA:
        if (cli_parse_double("eval", "--gamma", arg, 0, 1, &d) != 0)
            return ope_fail(err, OPE_EUSAGE, "--gamma expects a number in [0, 1], got '%s'", arg);
        c->gamma = d;
        return 1;
    case EVALCLI_RISK:
        c->risk = 1;
        if (arg && cli_parse_double("eval", "--risk", arg, 1e-6, 1, &d) != 0)
            return ope_fail(err, OPE_EUSAGE, "--risk=ALPHA expects a number in (0, 1], got '%s'",
                            arg);
        if (arg)
            c->risk_alpha = d;
        return 1;
    case EVALCLI_TRUTH:
        c->truth_path = arg;
        return 1;
    case EVALCLI_VALUE_MODEL:
        c->value_model = arg;
        return 1;
    case EVALCLI_BOUNDS: {
        char *end;
        double a = strtod(arg, &end);
        if (end == arg || *end != ',')
            return ope_fail(err, OPE_EUSAGE, "--bounds expects A,B (e.g. 0,100), got '%s'", arg);
        const char *bs = end + 1;
        double b = strtod(bs, &end);
        if (end == bs || *end || !(b > a) || !isfinite(a) || !isfinite(b))
            return ope_fail(err, OPE_EUSAGE, "--bounds expects A,B with A < B, got '%s'", arg);
        c->eo.bound_lo = a;
        c->eo.bound_hi = b;
        return 1;
    }
    default:
        return 0;
    }
}

void evalcli_init(struct evalcli *c)
{
    memset(c, 0, sizeof *c);
    eval_opts_init(&c->eo);
    c->gamma = NAN;
    c->risk_alpha = 0.1;
    load_opts_init(&c->lo);
}

struct sha_job {
    const char *path;
    char hex[65];
    struct ope_error err;
    int rc;
};

static void *sha_thread(void *arg)
{
    struct sha_job *j = arg;
    j->rc = sha256_file_hex(j->path, j->hex, &j->err);
    return NULL;
}

/* --risk: the TIS, self-normalised and doubly robust return distributions of every
 * policy. One that this log cannot give (dr without a tabular state column, sn when
 * every weight is 0) is left out with a warning rather than failing the evaluation. */
static int evalcli_risk(const struct evalcli *c, const struct tlog *log, struct res_eval *r,
                        struct ope_error *err)
{
    /* The discount the estimates used (--gamma, else the log's), so that the
     * distribution's mean and the estimators speak of the same return. */
    double gamma = isfinite(r->gamma) ? r->gamma : (isnan(c->gamma) ? 1.0 : c->gamma);
    for (size_t p = 0; p < r->n_policies; p++) {
        int idx = tlog_policy_index(log, r->pol[p].name);
        if (idx < 0)
            continue;
        struct res_policy *rp = &r->pol[p];
        struct cdf_result cr[CDF_N_METHODS];
        int ok[CDF_N_METHODS];
        char why[CDF_N_METHODS][256];
        if (!(rp->risk = ope_calloc(CDF_N_METHODS, sizeof *rp->risk, err)) ||
            cdf_traj_all(log, (size_t)idx, gamma, c->risk_alpha, cr, ok, why, err) != 0)
            return -1;
        for (int m = 0; m < CDF_N_METHODS; m++) {
            if (!ok[m]) {
                /* A distribution this log cannot give: say so and keep the others. */
                res_warn(r, rp, "no %s return distribution: %s",
                         m == CDF_DR ? "doubly robust" : cdf_method_name((enum cdf_method)m),
                         why[m]);
                continue;
            }
            struct res_risk *k = &rp->risk[rp->n_risk++];
            snprintf(k->method, sizeof k->method, "%s", cdf_method_name((enum cdf_method)m));
            k->mean = cr[m].mean;
            k->var = cr[m].var;
            k->cvar = cr[m].cvar;
            k->iqr = cr[m].iqr;
            k->cvar_alpha = c->risk_alpha;
            k->n_grid = cr[m].n;
            k->grid = cr[m].y;
            k->cdf = cr[m].F;
        }
    }
    return 0;
}

/* A trajectory log: the trajectory estimators, value model and discount. */
static struct res_eval *evalcli_run_traj(struct evalcli *c, const char *path,
                                         struct ope_error *err)
{
    c->lo.want_policies = 1;
    struct tlog *log = tlog_load(path, &c->lo, err);
    if (!log)
        return NULL;
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    struct res_eval *r = NULL;
    if (est_spec_list(c->estimators, EST_TRAJ, &spec, &n_spec, err) == 0) {
        struct traj_opts to;
        traj_opts_init(&to);
        to.gamma = c->gamma;
        int vk = c->value_model ? vm_kind_parse(c->value_model) : to.vm.kind;
        if (vk < 0) {
            ope_fail(err, OPE_EUSAGE, "--value-model: expected fqe, linear-fqe, lstd, td or "
                     "gtd2, got '%s'", c->value_model);
        } else if (c->truth_path && truth_load(c->truth_path, &c->truth, err) != 0) {
            /* err filled */
        } else {
            to.vm.kind = vk;
            c->eo.spec = spec;
            c->eo.n_spec = n_spec;
            c->eo.policies = c->n_policies ? c->policies : NULL;
            c->eo.n_policies = c->n_policies;
            /* Truth per evaluated policy, in the order the engine reports them. */
            size_t np = c->n_policies ? c->n_policies : log->n_policies;
            double *tv = c->truth_path ? ope_calloc(np ? np : 1, sizeof *tv, err) : NULL;
            for (size_t p = 0; tv && p < np; p++)
                tv[p] = truth_of(&c->truth, c->n_policies ? c->policies[p] : log->policy[p].name);
            to.truth = tv;
            if (!c->truth_path || tv)
                r = eval_traj_ex(log, &c->eo, &to, err);
            if (r && c->truth_path && !isnan(c->truth.behavior))
                r->behavior_value = c->truth.behavior;
            if (r && c->risk && evalcli_risk(c, log, r, err) != 0) {
                res_eval_free(r);
                r = NULL;
            }
            free(tv);
            if (r && sha256_file_hex(path, r->sha256, err) != 0) {
                res_eval_free(r);
                r = NULL;
            }
        }
    }
    free(spec);
    c->eo.spec = NULL;
    truth_release(&c->truth);
    if (r && c->keep_tlog)
        *c->keep_tlog = log;
    else
        tlog_free(log);
    return r;
}

/* Load a bandit log and evaluate it with the parsed options. The input's SHA-256 is
 * computed on a second thread while the log loads and evaluates. */
struct res_eval *evalcli_run(struct evalcli *c, const char *path, struct ope_error *err)
{
    int traj = strcmp(path, "-") != 0 ? log_file_is_trajectory(path, &c->lo, err) : 0;
    if (traj < 0)
        return NULL;
    if (traj == 1)
        return evalcli_run_traj(c, path, err);
    c->lo.want_policies = 1;
    struct sha_job job = { path, "", { 0 }, 0 };
    pthread_t th;
    int hashing = strcmp(path, "-") != 0 && pthread_create(&th, NULL, sha_thread, &job) == 0;
    struct blog *log = blog_load(path, &c->lo, err);
    if (!log) {
        if (hashing)
            pthread_join(th, NULL);
        return NULL;
    }
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    struct res_eval *r = NULL;
    if (est_spec_list(c->estimators, EST_BANDIT, &spec, &n_spec, err) == 0) {
        c->eo.spec = spec;
        c->eo.n_spec = n_spec;
        c->eo.policies = c->n_policies ? c->policies : NULL;
        c->eo.n_policies = c->n_policies;
        r = eval_bandit(log, &c->eo, err);
    }
    if (hashing) {
        pthread_join(th, NULL);
        if (r && job.rc != 0) {
            *err = job.err;
            res_eval_free(r);
            r = NULL;
        } else if (r) {
            memcpy(r->sha256, job.hex, sizeof r->sha256);
        }
    }
    free(spec);
    c->eo.spec = NULL;
    if (r && c->keep_blog)
        *c->keep_blog = log;
    else
        blog_free(log);
    return r;
}

