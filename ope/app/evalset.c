/* ope/app/evalset.c: evaluation settings into the engine's options, and the one
 * evaluation of a loaded log with them (see evalset.h), shared by the commands and
 * the workbench. */
#include "config.h"
#include "ope/app/evalset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/blog.h"
#include "datasets/tlog.h"
#include "datasets/truth.h"
#include "estimators/cdf.h"
#include "estimators/ci.h"
#include "estimators/estimator.h"
#include "estimators/evaluate_stream.h"
#include "estimators/evaluate_traj_stream.h"
#include "estimators/rmodel.h"
#include "estimators/segments.h"
#include "estimators/trajret.h"
#include "estimators/vmodel.h"
#include "ope/base/utf8.h"

void eval_settings_init(struct eval_settings *set)
{
    memset(set, 0, sizeof *set);
    struct eval_opts o;
    eval_opts_init(&o);
    set->ci = o.ci;
    set->alpha = o.alpha;
    set->n_boot = o.n_boot;
    set->seed = o.seed;
    set->threads = o.threads;
    set->bound_lo = o.bound_lo;
    set->bound_hi = o.bound_hi;
    set->reward_model = (int)o.model.kind;
    set->folds = o.model.folds;
    set->model_lambda = o.model.lambda;
    set->gamma = NAN;
    set->risk_alpha = 0.1;
    set->matrix_k = o.matrix_k;
}

int eval_settings_set_estimators(struct eval_settings *set, const char *list,
                                 struct ope_error *err)
{
    size_t n = strlen(list);
    if (n >= sizeof set->estimators)
        return ope_fail(err, OPE_EUSAGE, "--estimators: the list has %zu characters, at most "
                        "%zu", n, sizeof set->estimators - 1);
    memcpy(set->estimators, list, n + 1);
    return 0;
}

int eval_settings_to_opts(const struct eval_settings *set, struct eval_opts *eo,
                          struct traj_opts *to, struct ope_error *err)
{
    eval_opts_init(eo);
    eo->policies = set->n_policies ? set->policies : NULL;
    eo->n_policies = set->n_policies;
    eo->alpha = set->alpha;
    eo->ci = set->ci;
    eo->n_boot = set->n_boot;
    eo->seed = set->seed;
    eo->threads = set->threads;
    eo->bound_lo = set->bound_lo;
    eo->bound_hi = set->bound_hi;
    eo->against = set->against;
    eo->matrix_k = set->matrix_k;
    /* One seed for the bootstrap and the folds, one thread count for both. */
    eo->model.kind = (enum rm_kind)set->reward_model;
    eo->model.folds = set->folds;
    eo->model.lambda = set->model_lambda;
    eo->model.seed = set->seed;
    eo->model.threads = set->threads;
    eo->model.max_bytes = set->model_bytes;
    if (!to)
        return 0;
    traj_opts_init(to);
    to->gamma = set->gamma;
    int vk = set->value_model ? vm_kind_parse(set->value_model) : to->vm.kind;
    if (vk < 0)
        return ope_fail(err, OPE_EUSAGE, "--value-model: expected fqe, linear-fqe, lstd, td or "
                        "gtd2, got '%s'", set->value_model);
    to->vm.kind = vk;
    to->vm.max_bytes = set->model_bytes;
    return 0;
}

int eval_settings_check(const struct eval_settings *set, int traj, struct ope_error *err)
{
    struct est_spec *spec = NULL;
    size_t n = 0;
    if (est_spec_list(set->estimators, traj ? EST_TRAJ : EST_BANDIT, &spec, &n, err) != 0)
        return -1;
    free(spec);
    if (set->ci < CI_NONE || set->ci > CI_CS)
        return ope_fail(err, OPE_EUSAGE, "unknown interval method %d", set->ci);
    if (!traj) {
        struct truth tf = { 0 };
        int rc = set->truth_path ? truth_load(set->truth_path, &tf, err) : 0;
        truth_release(&tf);
        return rc;
    }
    struct eval_opts eo;
    struct traj_opts to;
    if (eval_settings_to_opts(set, &eo, &to, err) != 0)
        return -1;
    struct truth tf = { 0 };
    int rc = set->truth_path ? truth_load(set->truth_path, &tf, err) : 0;
    truth_release(&tf);
    return rc;
}

/* Policy rp's return distributions cr[m] (ok[m], else why[m]) into its results, with
 * a warning for each one the log cannot give and for mass put at the largest return. */
static int fill_risk(const struct eval_settings *set, struct res_eval *r, struct res_policy *rp,
                     struct cdf_result cr[CDF_N_METHODS], const int ok[CDF_N_METHODS],
                     char why[CDF_N_METHODS][256], int said_dr, struct ope_error *err)
{
    if (!(rp->risk = ope_calloc(CDF_N_METHODS, sizeof *rp->risk, err))) {
        for (int m = 0; m < CDF_N_METHODS; m++)
            if (ok[m])
                cdf_result_release(&cr[m]);
        return -1;
    }
    for (int m = 0; m < CDF_N_METHODS; m++) {
        if (!ok[m] && !(m == CDF_DR && said_dr)) {
            /* A distribution this log cannot give: say so and keep the others. */
            res_warn(r, rp, "no %s return distribution: %s",
                     m == CDF_DR ? "doubly robust" : cdf_method_name((enum cdf_method)m),
                     why[m]);
        }
        if (!ok[m])
            continue;
        struct res_risk *k = &rp->risk[rp->n_risk++];
        snprintf(k->method, sizeof k->method, "%s", cdf_method_name((enum cdf_method)m));
        k->mean = cr[m].mean;
        k->var = cr[m].var;
        k->cvar = cr[m].cvar;
        k->iqr = cr[m].iqr;
        k->cvar_alpha = set->risk_alpha;
        k->n_grid = cr[m].n;
        k->grid = cr[m].y;
        k->cdf = cr[m].F;
        /* Mass the CDF did not reach is put at the largest return: say how much,
         * as it moves the mean and the upper tail (estimators/cdf.h). */
        if (cr[m].short_mass > CDF_SHORT_WARN)
            res_warn(r, rp, "the %s return distribution reaches only %.3g: the missing "
                     "%.1f%% of the probability is put at the largest return (%g), which "
                     "biases its mean upward", cdf_method_name((enum cdf_method)m),
                     1 - cr[m].short_mass, 100 * cr[m].short_mass, k->grid[k->n_grid - 1]);
    }
    return 0;
}

/* The discount the estimates used (--gamma, else the log's), so that the
 * distribution's mean and the estimators speak of the same return. */
static double risk_gamma(const struct eval_settings *set, const struct res_eval *r)
{
    return isfinite(r->gamma) ? r->gamma : (isnan(set->gamma) ? 1.0 : set->gamma);
}

/* The return distributions (TIS, self-normalised, doubly robust) of every policy.
 * One that this log cannot give (dr without a tabular state column, sn when every
 * weight is 0) is left out with a warning rather than failing the evaluation. */
static int add_risk(const struct eval_settings *set, const struct tlog *log, struct res_eval *r,
                    struct ope_error *err)
{
    double gamma = risk_gamma(set, r);
    for (size_t p = 0; p < r->n_policies; p++) {
        int idx = tlog_policy_index(log, r->pol[p].name);
        if (idx < 0)
            continue;
        struct cdf_result cr[CDF_N_METHODS];
        int ok[CDF_N_METHODS];
        char why[CDF_N_METHODS][256];
        if (cdf_traj_all(log, (size_t)idx, gamma, set->risk_alpha, cr, ok, why, err) != 0 ||
            fill_risk(set, r, &r->pol[p], cr, ok, why, 0, err) != 0)
            return -1;
    }
    return 0;
}

/* add_risk for a log read in windows, from the returns and weights its pass kept (in
 * the engine's policy order, the results'): tis and sn as in memory, bit for bit; dr
 * fits a model of each state and action's return law from all their rewards, which
 * the windows do not keep. */
static int add_risk_returns(const struct eval_settings *set, const struct traj_returns *k,
                            struct res_eval *r, struct ope_error *err)
{
    const char *dr = traj_returns_why_dr(k);
    double *rho = ope_malloc((k->n ? k->n : 1) * sizeof *rho, err);
    if (!rho)
        return -1;
    if (res_warn(r, NULL, "no doubly robust return distribution: %s", dr) != 0) {
        free(rho);
        return ope_fail_oom(err);
    }
    for (size_t p = 0; p < r->n_policies && p < k->P; p++) {
        struct cdf_result cr[CDF_N_METHODS];
        int ok[CDF_N_METHODS];
        char why[CDF_N_METHODS][256];
        traj_returns_weights(k, p, rho);
        if (cdf_returns_all(k->G, rho, k->n, set->risk_alpha, dr, cr, ok, why, err) != 0 ||
            fill_risk(set, r, &r->pol[p], cr, ok, why, 1, err) != 0) {
            free(rho);
            return -1;
        }
    }
    free(rho);
    return 0;
}

/* A truth file naming a policy the log does not hold was silently half-used: say
 * which names matched nothing (a typo would otherwise look like "no ground truth"). */
/* Whether name is among names[0..n-1]. */
static int among(const char *const *names, size_t n, const char *name)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(names[k], name) == 0)
            return 1;
    return 0;
}

/* The policies of the log: of blog, of tlog, or (a log read in windows, both NULL)
 * names[0..n_names-1]. */
static int warn_unknown_truth(struct res_eval *r, const struct truth *tf, const char *path,
                              const struct blog *blog, const struct tlog *tlog,
                              const char *const *names, size_t n_names, struct ope_error *err)
{
    for (size_t i = 0; i < tf->n; i++) {
        int known = blog ? blog_policy_index(blog, tf->name[i]) >= 0
                    : tlog ? tlog_policy_index(tlog, tf->name[i]) >= 0
                           : among(names, n_names, tf->name[i]);
        if (known)
            continue;
        char nm[256];
        if (res_warn(r, NULL, "--truth %s names policy '%s', which the log does not have; "
                     "its value is not used", path,
                     utf8_printable(tf->name[i], strlen(tf->name[i]), nm, sizeof nm)) != 0)
            return ope_fail_oom(err);
    }
    return 0;
}

/* A trajectory log: the discount, the value model, and the truth file's values per
 * evaluated policy in the order the engine reports them (the chosen policies, else
 * every policy of the log). */
static struct res_eval *run_traj(const struct eval_settings *set, const struct eval_opts *eo,
                                 struct traj_opts *to, const struct tlog *log,
                                 struct ope_error *err)
{
    struct truth tf = { 0 };
    tf.behavior = NAN;
    double *tv = NULL;
    struct res_eval *r = NULL;
    if (set->truth_path && truth_load(set->truth_path, &tf, err) != 0)
        goto out;
    if (set->truth_path) {
        size_t np = set->n_policies ? set->n_policies : log->n_policies;
        if (!(tv = ope_calloc(np ? np : 1, sizeof *tv, err)))
            goto out;
        for (size_t p = 0; p < np; p++)
            tv[p] = truth_of(&tf, set->n_policies ? set->policies[p] : log->policy[p].name);
        to->truth = tv;
    }
    r = eval_traj_ex(log, eo, to, err);
    if (r && set->truth_path && !isnan(tf.behavior))
        r->behavior_value = r->behavior_exact = tf.behavior;
    if (r && set->truth_path && warn_unknown_truth(r, &tf, set->truth_path, NULL, log, NULL, 0, err)) {
        res_eval_free(r);
        r = NULL;
    }
    if (r && set->risk && add_risk(set, log, r, err) != 0) {
        res_eval_free(r);
        r = NULL;
    }
out:
    free(tv);
    truth_release(&tf);
    return r;
}

/* The truth file tf (read from path) applied to a result: each named policy's value
 * and its estimates' relative errors, the behaviour value, and a warning for names
 * the log (blog, or names[0..n_names-1]) does not have. 0, or -1 with err. */
static int truth_apply(struct res_eval *r, const struct truth *tf, const char *path,
                       const struct blog *blog, const char *const *names, size_t n_names,
                       struct ope_error *err)
{
    for (size_t p = 0; p < r->n_policies; p++) {
        struct res_policy *rp = &r->pol[p];
        double t = truth_of(tf, rp->name);
        if (isnan(t))
            continue;
        rp->truth = t;
        for (size_t e = 0; e < rp->n_estimates; e++) {
            struct res_estimate *x = &rp->est[e];
            x->rel_error = t != 0 && !isnan(x->value) ? fabs(x->value - t) / fabs(t) : NAN;
        }
    }
    if (!isnan(tf->behavior))
        r->behavior_value = r->behavior_exact = tf->behavior;
    return warn_unknown_truth(r, tf, path, blog, NULL, names, n_names, err);
}

/* The states of a merge (ope merge), for run_bandit. */
struct merge_in {
    struct sf_state *const *states;
    const uint64_t *rows;
    size_t n;
    const struct eval_sums *sums;
};

/* A bandit log with --truth: the file's values are the ground truth of the policies it
 * names (over the q.* columns' mean when the log has both: the file says what the
 * user holds true), with the relative errors recomputed; its `behavior` row is the
 * behaviour value. A bandit log in memory (log), read in windows (win, log NULL;
 * names[0..n_names-1]: its policies), or the merge of shards' states (mg, with win
 * for its checks). */
static struct res_eval *run_bandit(const struct eval_settings *set, const struct eval_opts *eo,
                                   const struct blog *log, const struct eng_windows *win,
                                   const struct merge_in *mg,
                                   const char *const *names, size_t n_names,
                                   struct ope_error *err)
{
    struct truth tf = { 0 };
    tf.behavior = NAN;
    if (set->truth_path && truth_load(set->truth_path, &tf, err) != 0)
        return NULL;
    struct res_eval *r = mg ? eval_bandit_merge(win, mg->states, mg->rows, mg->n, eo, mg->sums,
                                                err)
                         : win ? eval_bandit_stream(win, eo, err)
                         : set->by[0] ? seg_eval_bandit(log, eo, set->by, set->bins, err)
                                      : eval_bandit(log, eo, err);
    if (r && set->truth_path &&
        truth_apply(r, &tf, set->truth_path, log, names, n_names, err) != 0) {
        res_eval_free(r);
        r = NULL;
    }
    truth_release(&tf);
    return r;
}

struct res_eval *eval_settings_run(const struct eval_settings *set, const struct blog *blog,
                                   const struct tlog *tlog, struct ope_progress *progress,
                                   struct ope_error *err)
{
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    if (tlog && set->by[0]) {
        ope_fail(err, OPE_EUSAGE, "%s: --by %s: segments are for bandit logs; this is a "
                 "trajectory log (evaluate each part's episodes as a log of its own)",
                 tlog->path ? tlog->path : "log", set->by);
        return NULL;
    }
    if (!set->by[0] && set->bins) {
        ope_fail(err, OPE_EUSAGE, "--bins %d: give --by COLUMN too", set->bins);
        return NULL;
    }
    /* The default list on a log without a state column: mis, and dm, dr and wdr with
     * tabular FQE, need one, so they are left out (said below) rather than failing
     * the estimators that apply. */
    const char *list = set->estimators, *left = NULL;
    if (tlog && eval_settings_traj_stateless(set, tlog)) {
        int vk = set->value_model ? vm_kind_parse(set->value_model) : VM_FQE;
        int lin = vk != VM_FQE && tlog->n_features > 0;
        list = lin ? EVALSET_TRAJ_WEIGHTED ",dm,dr,wdr" : EVALSET_TRAJ_WEIGHTED;
        left = lin ? "mis left out of the default list: it needs a tabular state column"
                   : "dm, dr, wdr and mis left out of the default list: mis needs a tabular "
                     "state column, and so does the value model fqe; for dm, dr and wdr on "
                     "the s* features give --value-model linear-fqe or lstd";
    }
    if (est_spec_list(list, tlog ? EST_TRAJ : EST_BANDIT, &spec, &n_spec, err) != 0)
        return NULL;
    struct eval_opts eo;
    struct traj_opts to;
    struct res_eval *r = NULL;
    if (eval_settings_to_opts(set, &eo, tlog ? &to : NULL, err) == 0) {
        eo.spec = spec;
        eo.n_spec = n_spec;
        eo.progress = progress;
        if (!set->folds_given && blog && blog->n > 0 && (size_t)eo.model.folds > blog->n)
            eo.model.folds = (int)blog->n;  /* the default, not a request: fit what fits */
        r = tlog ? run_traj(set, &eo, &to, tlog, err) : run_bandit(set, &eo, blog, NULL, NULL, NULL, 0, err);
    }
    free(spec);
    if (r && left && res_warn(r, NULL, "%s", left) != 0) {
        res_eval_free(r);
        ope_fail_oom(err);
        return NULL;
    }
    return r;
}

int eval_settings_traj_stateless(const struct eval_settings *set, const struct tlog *log)
{
    return !set->estimators[0] && (!log->state || log->n_states <= 0);
}

/* The estimator specs and options of set for a streamed bandit evaluation (*spec to
 * free). 0, or -1 with err. */
static int stream_opts(const struct eval_settings *set, struct ope_progress *progress,
                       struct est_spec **spec, struct eval_opts *eo, struct ope_error *err)
{
    size_t n_spec = 0;
    *spec = NULL;
    if (eval_stream_refuse(set->by[0] ? set->by : NULL, 0, err) != 0)
        return -1;
    if (set->bins)              /* as eval_settings_run says it (--by is refused above) */
        return ope_fail(err, OPE_EUSAGE, "--bins %d: give --by COLUMN too", set->bins);
    if (est_spec_list(set->estimators, EST_BANDIT, spec, &n_spec, err) != 0 ||
        eval_settings_to_opts(set, eo, NULL, err) != 0)
        return -1;
    eo->spec = *spec;
    eo->n_spec = n_spec;
    eo->progress = progress;
    /* The rows are known after the fit's first pass: it applies this rule itself. */
    eo->model.folds_up_to_rows = !set->folds_given;
    return 0;
}

struct res_eval *eval_settings_run_stream(const struct eval_settings *set,
                                          const struct eng_windows *win,
                                          const char *const *names, size_t n_names,
                                          struct ope_progress *progress, struct ope_error *err)
{
    struct est_spec *spec;
    struct eval_opts eo;
    struct res_eval *r = NULL;
    if (stream_opts(set, progress, &spec, &eo, err) == 0)
        r = run_bandit(set, &eo, NULL, win, NULL, names, n_names, err);
    free(spec);
    return r;
}

/* The estimators of a streamed trajectory evaluation: the ones given, else those a
 * stream takes. */
static const char *traj_stream_estimators(const struct eval_settings *set)
{
    return set->estimators[0] ? set->estimators : set->traj_all ? "" : EVALSET_TRAJ_WEIGHTED;
}

int eval_settings_traj_streams(const struct eval_settings *set, struct ope_error *err)
{
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    struct eval_opts eo;
    /* The default list holds estimators that fit a model: not streamed unasked. */
    struct traj_opts to;
    int ok = set->estimators[0] && !set->by[0] &&
             est_spec_list(traj_stream_estimators(set), EST_TRAJ, &spec, &n_spec, err) == 0 &&
             eval_settings_to_opts(set, &eo, &to, err) == 0;
    if (ok) {
        eo.spec = spec;
        eo.n_spec = n_spec;
        ok = eval_traj_stream_refuse(&eo, &to, 0, err) == 0;
    }
    free(spec);
    return ok;
}

int eval_settings_traj_rereads(const struct eval_settings *set)
{
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    struct eval_opts eo;
    struct ope_error err = { 0 };
    int again = set->ci == CI_T || set->ci == CI_HOEFFDING || set->ci == CI_BERNSTEIN;
    if (est_spec_list(traj_stream_estimators(set), EST_TRAJ, &spec, &n_spec, &err) == 0 &&
        eval_settings_to_opts(set, &eo, NULL, &err) == 0) {
        eo.spec = spec;
        eo.n_spec = n_spec;
        again = eval_traj_stream_rereads(&eo);
    }
    free(spec);
    return again;
}

/* The options of a streamed trajectory evaluation (*spec to free). 0, or -1 with err. */
static int traj_stream_opts(const struct eval_settings *set, const char *path,
                            struct ope_progress *progress, struct est_spec **spec,
                            struct eval_opts *eo, struct traj_opts *to, struct ope_error *err)
{
    size_t n_spec = 0;
    *spec = NULL;
    if (set->by[0])
        return ope_fail(err, OPE_EUSAGE, "%s: --by %s: segments are for bandit logs; this is "
                        "a trajectory log (evaluate each part's episodes as a log of its own)",
                        path, set->by);
    if (est_spec_list(traj_stream_estimators(set), EST_TRAJ, spec, &n_spec, err) != 0 ||
        eval_settings_to_opts(set, eo, to, err) != 0)
        return -1;
    eo->spec = *spec;
    eo->n_spec = n_spec;
    eo->progress = progress;
    return 0;
}

/* A trajectory result's ground truth from the truth file (NULL: none), as run_bandit
 * applies it: each named policy's value and its estimates' relative errors, the
 * behaviour value, and a warning for names the log does not have. */
static int traj_truth(struct res_eval *r, const char *truth_path, const char *const *names,
                      size_t n_names, struct ope_error *err)
{
    struct truth tf = { 0 };
    tf.behavior = NAN;
    if (!truth_path)
        return 0;
    int rc = truth_load(truth_path, &tf, err);
    if (rc == 0)
        rc = truth_apply(r, &tf, truth_path, NULL, names, n_names, err);
    truth_release(&tf);
    return rc;
}

/* --risk with shards: their states hold sums, not every episode's return. */
static int risk_shard(const char *path, struct ope_error *err)
{
    return ope_fail(err, OPE_EUSAGE, "%s: --risk: the return distributions sort every "
                    "episode's return, which a shard's state does not hold: evaluate the whole "
                    "log with --stream or under mpirun, or in memory", path);
}

/* The model's estimators a stream left out, said on r. */
static int traj_left(const struct eval_settings *set, struct res_eval *r, struct ope_error *err)
{
    if (set->estimators[0])
        return 0;
    /* A value model asked for, and no estimator to use it: said first. */
    if (set->value_model &&
        res_warn(r, NULL, "--value-model %s is not used: read in windows (--stream, "
                 "mpirun), the default list leaves out dm, dr and wdr, which use it; name "
                 "them, e.g. --estimators " EVALSET_TRAJ_WEIGHTED ",dm,dr,wdr", set->value_model)
        != 0)
        return ope_fail_oom(err);
    if (res_warn(r, NULL, "%s left out: read in windows (--stream, mpirun), the default "
                 "is tis, pdis, wtis and wpdis; name the others with --estimators to run "
                 "them (they fit their models in a pass of their own, and need a tabular "
                 "state column, or s* features with --value-model linear-fqe, lstd, td or "
                 "gtd2)",
                 EVALSET_TRAJ_LEFT) != 0)
        return ope_fail_oom(err);
    return 0;
}

struct res_eval *eval_settings_run_traj_stream(const struct eval_settings *set,
                                               const struct eng_traj_windows *win,
                                               struct ope_progress *progress,
                                               struct traj_returns *keep,
                                               struct ope_error *err)
{
    struct est_spec *spec = NULL;
    struct eval_opts eo;
    struct traj_opts to;
    struct res_eval *r = NULL;
    struct traj_returns own, *k = keep ? keep : &own;
    traj_returns_init(&own, 0, 0, NULL);
    k->max_bytes = set->model_bytes;
    k->path = k->path ? k->path : win->path;
    if (traj_stream_opts(set, win->path ? win->path : "log", progress, &spec, &eo, &to,
                         err) == 0) {
        if (set->risk || keep)
            to.returns = k;             /* for the engine's policies, in its order */
        r = eval_traj_stream(win, &eo, &to, err);
    }
    if (r && (traj_truth(r, set->truth_path, win->names, win->n_policies, err) != 0 ||
              traj_left(set, r, err) != 0 ||
              (set->risk && add_risk_returns(set, k, r, err) != 0))) {
        res_eval_free(r);
        r = NULL;
    }
    traj_returns_release(&own);
    free(spec);
    return r;
}

int eval_settings_save_traj_stream(const struct eval_settings *set,
                                   const struct eng_traj_windows *win,
                                   struct ope_progress *progress, int fit_rounds,
                                   const struct eval_traj_fit *fit, struct strbuf *state,
                                   struct strbuf *settings, size_t *episodes, int *part,
                                   struct ope_error *err)
{
    struct est_spec *spec = NULL;
    struct eval_opts eo;
    struct traj_opts to;
    int rc = traj_stream_opts(set, win->path ? win->path : "log", progress, &spec, &eo, &to,
                              err);
    if (rc == 0 && set->truth_path)
        rc = ope_fail(err, OPE_EUSAGE, "--save-state: --truth is for the result: give it to "
                      "ope merge");
    if (rc == 0 && set->risk)
        rc = risk_shard(win->path ? win->path : "log", err);
    if (rc == 0)
        rc = eval_traj_stream_save(win, &eo, &to, fit_rounds, fit, state, settings, episodes,
                                   part, err);
    free(spec);
    return rc;
}

struct res_eval *eval_settings_run_traj_merge(const struct eval_settings *set,
                                              struct sf_state *const *states,
                                              const uint64_t *episodes, size_t n,
                                              const char *const *names, size_t n_names,
                                              const struct eval_traj_fit *fit,
                                              struct ope_progress *progress,
                                              struct ope_error *err)
{
    struct est_spec *spec = NULL;
    struct eval_opts eo;
    struct traj_opts to;
    struct res_eval *r = NULL;
    if (traj_stream_opts(set, "the states", progress, &spec, &eo, &to, err) == 0 &&
        (!set->risk || risk_shard("the states", err) == 0))
        r = eval_traj_merge(states, episodes, n, &eo, &to, fit, err);
    if (r && traj_truth(r, set->truth_path, names, n_names, err) != 0) {
        res_eval_free(r);
        r = NULL;
    }
    free(spec);
    return r;
}

int eval_settings_traj_fit_merge(const struct eval_settings *set, struct sf_state *const *parts,
                                 const uint64_t *episodes, size_t n, struct strbuf *out,
                                 struct ope_error *err)
{
    struct est_spec *spec = NULL;
    struct eval_opts eo;
    struct traj_opts to;
    int rc = traj_stream_opts(set, "the states", NULL, &spec, &eo, &to, err);
    if (rc == 0)
        rc = eval_traj_fit_merge(parts, episodes, n, &eo, &to, out, err);
    free(spec);
    return rc;
}

int eval_settings_traj_sums_merge(const struct eval_settings *set,
                                  struct sf_state *const *parts, const uint64_t *episodes,
                                  size_t n, const struct eval_traj_fit *fit,
                                  struct strbuf *out, struct ope_error *err)
{
    struct est_spec *spec = NULL;
    struct eval_opts eo;
    struct traj_opts to;
    int rc = traj_stream_opts(set, "the states", NULL, &spec, &eo, &to, err);
    if (rc == 0)
        rc = eval_traj_sums_merge(parts, episodes, n, &eo, &to, fit, out, err);
    free(spec);
    return rc;
}

int eval_settings_save_stream(const struct eval_settings *set, const struct eng_windows *win,
                              int fit_rounds, const struct eval_fit *fit,
                              const struct eval_sums *sums, struct ope_progress *progress,
                              struct strbuf *state, struct strbuf *settings, int *part,
                              struct ope_error *err)
{
    struct est_spec *spec;
    struct eval_opts eo;
    int rc = stream_opts(set, progress, &spec, &eo, err);
    if (rc == 0 && set->truth_path)
        rc = ope_fail(err, OPE_EUSAGE, "--save-state: --truth is for the result: give it to "
                      "ope merge");
    if (rc == 0)
        rc = eval_bandit_stream_save(win, &eo, fit_rounds, fit, sums, state, settings, part,
                                     err);
    free(spec);
    return rc;
}

struct res_eval *eval_settings_run_merge(const struct eval_settings *set,
                                         const struct eng_windows *win,
                                         struct sf_state *const *states,
                                         const uint64_t *rows, size_t n,
                                         const struct eval_sums *sums,
                                         struct ope_progress *progress, struct ope_error *err)
{
    struct est_spec *spec;
    struct eval_opts eo;
    struct res_eval *r = NULL;
    struct merge_in mg = { states, rows, n, sums };
    if (stream_opts(set, progress, &spec, &eo, err) == 0)
        r = run_bandit(set, &eo, NULL, win, &mg, set->policies, set->n_policies, err);
    free(spec);
    return r;
}

int eval_settings_bandit_sums_merge(const struct eval_settings *set,
                                    const struct eng_windows *win,
                                    struct sf_state *const *parts, const uint64_t *rows,
                                    size_t n, struct strbuf *out, struct ope_error *err)
{
    struct est_spec *spec;
    struct eval_opts eo;
    int rc = stream_opts(set, NULL, &spec, &eo, err);
    if (rc == 0)
        rc = eval_bandit_sums_merge(win, parts, rows, n, &eo, out, err);
    free(spec);
    return rc;
}
