/* ope/app/session_eval.c: opening logs into a session and evaluating them with the
 * session's settings (the parts of the session that know about evaluation). */
#include "config.h"
#include "ope/app/session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/blog.h"
#include "datasets/csv.h"
#include "datasets/logrange.h"
#include "datasets/tlog.h"
#include "ope/app/demo.h"
#include "ope/base/sha256.h"

int session_open(struct session *s, const char *path, const struct load_opts *lo,
                 struct ope_error *err)
{
    return session_open_progress(s, path, lo, NULL, err);
}

int session_open_progress(struct session *s, const char *path, const struct load_opts *lo,
                          struct ope_progress *progress, struct ope_error *err)
{
    /* One reader for the sniff and the load, so `-`, a FIFO or <(...) is read once;
     * an input that is not a regular file is hashed as it is read, since its path
     * cannot be read again for the digest. */
    struct load_opts o = *lo;
    struct csv_reader *csv = csv_open(path, o.sep, err);
    if (!csv)
        return -1;
    csv_set_progress(csv, progress);
    int traj = log_csv_is_trajectory(csv, &o, err);
    if (traj == 1) {
        s->tlog = tlog_load_csv(csv, &o, err);
    } else if (traj == 0) {
        o.want_policies = 1;
        s->log = blog_load_csv(csv, &o, err);
    }
    if ((s->tlog || s->log) && !csv_is_regular(csv) && csv_digest(csv, s->sha256) != 0)
        s->sha256[0] = '\0';
    s->sha256_known = !csv_is_regular(csv);
    csv_close(csv);
    if (!s->tlog && !s->log)
        return -1;
    /* Weights past what a double can sum: a data error, as in `ope eval`. */
    if (s->tlog ? tlog_check_range(s->tlog, err) != 0 : blog_check_range(s->log, err) != 0)
        return -1;
    s->path = ope_strdup(path, err);
    const char *base = strrchr(path, '/');
    s->title = ope_strdup(base ? base + 1 : path, err);
    return s->path && s->title ? 0 : -1;
}

int session_open_demo(struct session *s, const char *campaign, struct ope_error *err)
{
    double ctr, half;
    size_t rows;
    if (!campaign)
        campaign = "men";
    if (strcmp(campaign, "men") != 0 && strcmp(campaign, "women") != 0)
        return ope_fail(err, OPE_EUSAGE, "--demo=%s: the demo's campaigns are men and women",
                        campaign);
    if (demo_campaign(campaign, &s->log, &ctr, &half, &rows, err) != 0)
        return -1;
    char fallback[64], title[64];
    snprintf(fallback, sizeof fallback, "obd/random/%s/%s.csv", campaign, campaign);
    snprintf(title, sizeof title, "demo: Open Bandit Dataset, %s campaign", campaign);
    s->path = ope_strdup(s->log->path ? s->log->path : fallback, err);
    s->title = ope_strdup(title, err);
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

int session_check_settings(const struct session *s, const struct eval_settings *set,
                           struct ope_error *err)
{
    if (!s->log && !s->tlog)
        return ope_fail(err, OPE_EUSAGE, "no log is open");
    return eval_settings_check(set, s->tlog != NULL, err);
}

/* The evaluation `ope eval` does with the same settings (eval_settings_run), on the
 * log the session holds; the digest names the file when it can be read. */
int session_eval_into(const struct session *s, const struct eval_settings *set,
                      struct ope_progress *progress, struct res_eval **out,
                      struct ope_error *err)
{
    *out = eval_settings_run(set, s->log, s->tlog, progress, err);
    if (*out && s->path) {
        struct ope_error ignored = { 0 };    /* the digest is informative only */
        if (s->sha256_known)
            memcpy((*out)->sha256, s->sha256, sizeof (*out)->sha256);
        else if (sha256_file_hex(s->path, (*out)->sha256, &ignored) != 0)
            (*out)->sha256[0] = '\0';
    }
    return *out ? 0 : -1;
}
