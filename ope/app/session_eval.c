/* ope/app/session_eval.c: opening logs into a session and evaluating them with the
 * session's settings (the parts of the session that know about estimators). */
#include "config.h"
#include "ope/app/session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/tlog.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"
#include "estimators/evaluate_traj.h"
#include "ope/app/demo.h"
#include "ope/base/sha256.h"

int session_open(struct session *s, const char *path, const struct load_opts *lo,
                 struct ope_error *err)
{
    struct load_opts o = *lo;
    int traj = log_file_is_trajectory(path, &o, err);
    if (traj < 0)
        return -1;
    if (traj) {
        s->tlog = tlog_load(path, &o, err);
        if (!s->tlog)
            return -1;
    } else {
        o.want_policies = 1;
        s->log = blog_load(path, &o, err);
        if (!s->log)
            return -1;
    }
    s->path = ope_strdup(path, err);
    const char *base = strrchr(path, '/');
    s->title = ope_strdup(base ? base + 1 : path, err);
    return s->path && s->title ? 0 : -1;
}

int session_open_demo(struct session *s, struct ope_error *err)
{
    double ctr, half;
    size_t rows;
    if (demo_campaign("men", &s->log, &ctr, &half, &rows, err) != 0)
        return -1;
    s->path = ope_strdup(s->log->path ? s->log->path : "obd/random/men/men.csv", err);
    s->title = ope_strdup("demo: Open Bandit Dataset, men campaign", err);
    s->reference_value = ctr;
    snprintf(s->reference_label, sizeof s->reference_label, "BTS observed CTR (+-%.4f)", half);
    char note[1024];
    snprintf(note, sizeof note,
             "The built-in demo: the Open Bandit Dataset (ZOZOTOWN; Saito et al. 2021).\n"
             "The log is the uniform-random policy's; the policy 'bts' is Bernoulli Thompson\n"
             "Sampling, its probabilities the frequency of each item at each position in\n"
             "BTS's own log. BTS actually obtained a click rate of %.5f (95%% CI %.5f to\n"
             "%.5f, %zu rows): compare the Estimates view with it. ~50 clicks in 10,000\n"
             "rows make every interval wide.", ctr, ctr - half, ctr + half, rows);
    s->note = ope_strdup(note, err);
    return s->path && s->title && s->note ? 0 : -1;
}

int session_check_settings(const struct session *s, const struct session_settings *set,
                           struct ope_error *err)
{
    if (!s->log && !s->tlog)
        return ope_fail(err, OPE_EUSAGE, "no log is open");
    struct est_spec *spec = NULL;
    size_t n = 0;
    if (est_spec_list(set->estimators, s->log ? EST_BANDIT : EST_TRAJ, &spec, &n, err) != 0)
        return -1;
    free(spec);
    if (ci_method_parse(set->ci) < 0)
        return ope_fail(err, OPE_EUSAGE, "unknown interval method '%s'", set->ci);
    return 0;
}

int session_eval_into(const struct session *s, const struct session_settings *set,
                      struct ope_progress *progress, struct res_eval **out,
                      struct ope_error *err)
{
    struct est_spec *spec = NULL;
    size_t n = 0;
    if (est_spec_list(set->estimators, s->log ? EST_BANDIT : EST_TRAJ, &spec, &n, err) != 0)
        return -1;
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = n;
    o.alpha = set->alpha;
    o.ci = ci_method_parse(set->ci);
    o.n_boot = set->n_boot;
    o.seed = set->seed;
    o.threads = set->threads;
    o.model.seed = set->seed;
    o.model.folds = set->folds;
    o.model.threads = set->threads;
    rm_kind_parse(set->reward_model, &o.model.kind);
    o.progress = progress;
    *out = s->log ? eval_bandit(s->log, &o, err) : eval_traj(s->tlog, &o, err);
    free(spec);
    if (*out && s->path) {
        struct ope_error ignored = { 0 };    /* the digest is informative only */
        if (sha256_file_hex(s->path, (*out)->sha256, &ignored) != 0)
            (*out)->sha256[0] = '\0';
    }
    return *out ? 0 : -1;
}
