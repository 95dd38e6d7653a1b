/* ope/app/evalcli.c: the evaluation driver shared by every command that evaluates a
 * log (see evalcli.h): options into settings (evalset.h), load, evaluate, and the
 * written result. */
#include "config.h"
#include "ope/app/evalcli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/blog.h"
#include "datasets/blog_stream.h"
#include "datasets/csv.h"
#include "datasets/input.h"
#include "datasets/logrange.h"
#include "datasets/tlog.h"
#include "datasets/tlog_stream.h"
#include "estimators/accum.h"
#include "estimators/ci.h"
#include "estimators/estimator.h"
#include "estimators/evaluate_stream.h"
#include "estimators/evaluate_traj_stream.h"
#include "ope/app/cli.h"
#include "ope/app/loadcli.h"
#include "ope/app/output.h"
#include "ope/base/comm.h"
#include "ope/base/outfile.h"
#include "ope/base/progress.h"
#include "ope/base/strbuf.h"
#include "ope/app/render.h"
#include "ope/app/shardcli.h"
#include "ope/app/trajshare.h"
#include "ope/base/sha256.h"
#include "ope/base/utf8.h"

int evalcli_write(const struct res_eval *r, int f, const struct outcli *out,
                  struct ope_error *err)
{
    return evalcli_write_views(r, f, 0, 0, out, err);
}

int evalcli_write_views(const struct res_eval *r, int f, int lift, int matrix,
                        const struct outcli *out, struct ope_error *err)
{
    struct strbuf sb = STRBUF_INIT;
    if ((lift || matrix) && f == OUT_TABLE) {
        /* The table, then the lift table and the differences' table as asked. */
        render_table(r, &sb);
        if (lift)
            render_lift_table(r, &sb);
        if (matrix)
            render_diff_table(r, &sb);
    } else if (matrix && f == OUT_CSV) {
        /* The differences' CSV twin: its own rows, so the estimates' CSV keeps its shape. */
        render_diff_csv(r, &sb);
    } else {
        render_eval(r, (enum out_format)f, &sb);
    }
    int rc = strbuf_failed(&sb) ? ope_fail_oom(err) : outcli_write(out, &sb, err);
    strbuf_release(&sb);
    return rc;
}

/* --policy NAME (a policy of the log) or --policy NAME=FILE (a tabular policy file,
 * added to a trajectory log once it is loaded). */
static int policy_option(struct evalcli *c, const char *arg, struct ope_error *err)
{
    size_t k = c->set.n_policies;
    const char *eq = strchr(arg, '=');
    const char *name = arg;
    if (eq) {
        size_t len = (size_t)(eq - arg);
        if (len == 0 || !eq[1])
            return ope_fail(err, OPE_EUSAGE, "--policy %s: expected NAME or NAME=FILE", arg);
        if (len >= EVALCLI_NAME_MAX || !isalpha((unsigned char)arg[0])
            || strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
               != len)
            return ope_fail(err, OPE_EUSAGE, "--policy %s: NAME must be a letter then letters, "
                            "digits, _ or - (at most %d characters), as in pi.NAME.A columns",
                            arg, EVALCLI_NAME_MAX - 1);
        memcpy(c->policy_name[k], arg, len);
        c->policy_name[k][len] = '\0';
        name = c->policy_name[k];
    }
    for (size_t i = 0; i < k; i++)
        if (strcmp(c->set.policies[i], name) == 0)
            return ope_fail(err, OPE_EUSAGE, "--policy %s given twice", name);
    c->set.policy_file[k] = eq ? eq + 1 : NULL;
    c->set.policies[c->set.n_policies++] = name;
    return 1;
}

size_t evalcli_n_policy_files(const struct evalcli *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->set.n_policies; i++)
        n += c->set.policy_file[i] != NULL;
    return n;
}

int evalcli_add_policy_files(const struct evalcli *c, struct tlog *log, struct ope_error *err)
{
    for (size_t i = 0; i < c->set.n_policies; i++)
        if (c->set.policy_file[i]
            && tlog_add_policy_file(log, c->set.policies[i], c->set.policy_file[i], err) < 0)
            return -1;
    return 0;
}

int evalcli_no_policy_files(const struct evalcli *c, const char *where, struct ope_error *err)
{
    for (size_t i = 0; i < c->set.n_policies; i++)
        if (c->set.policy_file[i])
            return ope_fail(err, OPE_EUSAGE, "--policy %s=%s: a policy file gives pi(a|s) by "
                            "the state of a trajectory log; it does not apply to %s (give the "
                            "policy as pi.%s.ACTION columns)", c->set.policies[i],
                            c->set.policy_file[i], where, c->set.policies[i]);
    return 0;
}

int evalcli_group_option(struct evalcli *c, struct outcli *out, int opt, const char *arg,
                         struct ope_error *err)
{
    if (opt == '?')
        return 0;
    int rc = evalcli_option(c, opt, arg, err);
    if (rc == 0)
        rc = loadcli_option(&c->lo, opt, arg, err);
    if (rc == 0)
        rc = outcli_option(out, opt, arg, err);
    return rc;
}

int evalcli_option(struct evalcli *c, int opt, const char *arg, struct ope_error *err)
{
    long v;
    double d;
    switch (opt) {
    case EVALCLI_POLICY:
        if (c->set.n_policies == EVALCLI_MAX_POLICIES)
            return ope_fail(err, OPE_EUSAGE, "at most %d --policy options",
                            EVALCLI_MAX_POLICIES);
        return policy_option(c, arg, err);
    case EVALCLI_ESTIMATORS:
        /* "" meant every estimator while ",,," was refused: an empty list given on
         * the command line is refused either way (leaving the option out means all). */
        if (arg[strspn(arg, ", \t")] == '\0')
            return ope_fail(err, OPE_EUSAGE, "--estimators: the list is empty (leave "
                            "--estimators out for every estimator)");
        return eval_settings_set_estimators(&c->set, arg, err) == 0 ? 1 : -1;
    case EVALCLI_CI: {
        int m = ci_method_parse(arg);
        if (m < 0)
            return ope_fail(err, OPE_EUSAGE, "--ci: unknown method '%s' (bootstrap, t, "
                            "hoeffding, bernstein, cs, none)", arg);
        c->set.ci = m;
        return 1;
    }
    case EVALCLI_ALPHA:
        if (cli_value_double(arg, 1e-12, 0.999999, &d) != 0)
            return ope_fail(err, OPE_EUSAGE, "--alpha expects a number from 1e-12 to 0.999999, "
                            "got '%s'", arg);
        c->set.alpha = d;
        return 1;
    case EVALCLI_N_BOOT:
        if (cli_value_long(arg, 10, 10000000, &v) != 0)
            return ope_fail(err, OPE_EUSAGE, "--n-boot expects an integer from 10 to 10000000, "
                            "got '%s'", arg);
        c->set.n_boot = (int)v;
        return 1;
    case EVALCLI_SEED: {
        /* Digits only, and no wrap-around: strtoull clamps 2^64 to 2^64 - 1. */
        char *end;
        errno = 0;
        unsigned long long s = strtoull(arg, &end, 10);
        if (!*arg || *end || strspn(arg, "0123456789") != strlen(arg) || errno == ERANGE)
            return ope_fail(err, OPE_EUSAGE, "--seed expects a whole number from 0 to 2^64-1, "
                            "got '%s'", arg);
        c->set.seed = s;
        return 1;
    }
    case EVALCLI_REWARD_MODEL: {
        enum rm_kind k;
        if (rm_kind_parse(arg, &k) != 0)
            return ope_fail(err, OPE_EUSAGE, "--reward-model: expected auto, ridge or "
                            "logistic, got '%s'", arg);
        c->set.reward_model = (int)k;
        return 1;
    }
    case EVALCLI_FOLDS:
        if (cli_value_long(arg, 1, 100, &v) != 0)
            return ope_fail(err, OPE_EUSAGE, "--folds expects an integer from 1 to 100, got "
                            "'%s'", arg);
        c->set.folds = (int)v;
        c->set.folds_given = 1;
        return 1;
    case EVALCLI_LAMBDA:
        if (cli_value_double(arg, 0, 1e12, &d) != 0)
            return ope_fail(err, OPE_EUSAGE, "--model-lambda expects a number >= 0, got '%s'",
                            arg);
        c->set.model_lambda = d;
        return 1;
    case EVALCLI_THREADS:
        if (cli_value_long(arg, 0, 1024, &v) != 0)
            return ope_fail(err, OPE_EUSAGE, "--threads expects an integer from 0 to 1024, got "
                            "'%s'", arg);
        c->set.threads = (int)v;
        c->lo.threads = (int)v;
        return 1;
    case EVALCLI_GAMMA:
        if (cli_value_double(arg, 0, 1, &d) != 0)
            return ope_fail(err, OPE_EUSAGE, "--gamma expects a number in [0, 1], got '%s'", arg);
        c->set.gamma = d;
        return 1;
    case EVALCLI_RISK:
        if (c->no_risk)
            return ope_fail(err, OPE_EUSAGE, "--risk: %s", c->no_risk);
        c->set.risk = 1;
        if (arg && cli_value_double(arg, 1e-6, 1, &d) != 0)
            return ope_fail(err, OPE_EUSAGE, "--risk=ALPHA expects a number in [1e-6, 1] (the "
                            "share of the lowest returns CVaR averages), got '%s'", arg);
        if (arg)
            c->set.risk_alpha = d;
        return 1;
    case EVALCLI_TRUTH:
        c->set.truth_path = arg;
        return 1;
    case EVALCLI_VALUE_MODEL:
        c->set.value_model = arg;
        return 1;
    case EVALCLI_BOUNDS: {
        char *end;
        double a = strtod(arg, &end);
        if (end == arg || *end != ',')
            return ope_fail(err, OPE_EUSAGE, "--bounds expects A,B (e.g. 0,100), got '%s'", arg);
        const char *bs = end + 1;
        double b = strtod(bs, &end);
        if (end == bs || *end)
            return ope_fail(err, OPE_EUSAGE, "--bounds expects A,B (e.g. 0,100), got '%s'", arg);
        if (!(b > a) || !isfinite(a) || !isfinite(b))
            return ope_fail(err, OPE_EUSAGE, "--bounds expects finite A,B with A < B, got "
                            "'%s'", arg);
        c->set.bound_lo = a;
        c->set.bound_hi = b;
        return 1;
    }
    case EVALCLI_BY:
        if (!arg[0] || strlen(arg) >= sizeof c->set.by)
            return ope_fail(err, OPE_EUSAGE, "--by expects a column name of 1 to %zu bytes",
                            sizeof c->set.by - 1);
        snprintf(c->set.by, sizeof c->set.by, "%s", arg);
        return 1;
    case EVALCLI_BINS:
        if (cli_value_long(arg, 2, 64, &v) != 0)
            return ope_fail(err, OPE_EUSAGE, "--bins expects an integer from 2 to 64, got '%s'",
                            arg);
        c->set.bins = (int)v;
        return 1;
    default:
        return 0;
    }
}

void evalcli_init(struct evalcli *c)
{
    memset(c, 0, sizeof *c);
    eval_settings_init(&c->set);
    load_opts_init(&c->lo);
    /* The reward model's normal equations within the machine's memory. */
    c->set.model_bytes = loadcli_model_budget();
}

/* The input's SHA-256 once it has been read: a regular file by its path (the loader
 * did not hash it), anything else from the bytes the reader saw. */
static int input_digest(struct csv_reader *csv, const char *path, char out[65],
                        struct ope_error *err)
{
    if (csv_is_regular(csv))
        return sha256_file_hex(path, out, err);
    if (csv_digest(csv, out) != 0)
        out[0] = '\0';
    return 0;
}

/* Load PATH and evaluate it. The input is opened once (a pipe or FIFO cannot be
 * opened twice): its header says which kind of log it is, then the same reader
 * loads it. For a regular file holding a bandit log the SHA-256 is computed on a
 * second thread while the log loads and evaluates. */
struct res_eval *evalcli_run(struct evalcli *c, const char *path, struct ope_error *err)
{
    return evalcli_run_files(c, &path, 1, err);
}

/* The inputs as the command line gave them, space-separated (malloc'd), or NULL with
 * err. */
static char *joined_paths(const char *const *paths, size_t n, struct ope_error *err)
{
    struct strbuf sb = STRBUF_INIT;
    for (size_t k = 0; k < n; k++) {
        if (k)
            strbuf_putc(&sb, ' ');
        strbuf_puts(&sb, paths[k]);
    }
    char *joined = strbuf_failed(&sb) ? NULL : strbuf_detach(&sb);
    strbuf_release(&sb);
    if (!joined)
        ope_fail_oom(err);
    return joined;
}

/* Name several inputs in the result as the command line gave them. */
static int name_inputs(struct res_eval *r, const char *const *paths, size_t n,
                       struct ope_error *err)
{
    char *joined = joined_paths(paths, n, err);
    if (!joined)
        return -1;
    free(r->path);
    r->path = joined;
    return 0;
}

/* The warnings of how a log was read (the last n of r's: a streamed log's estimators
 * left out, an input copied to a temporary file), on standard error: the selection's
 * table and JSON (ope select, ope plan) show the estimators it has, not why others
 * are missing. path names the log when there are several (else NULL). Said by rank 0 alone under mpirun (the
 * ranks hold the same result, and a later rank's standard error is kept for its own
 * failure). */
void evalcli_say_read_warnings(const char *cmd, const struct res_eval *r, size_t n,
                               const char *path)
{
    if (comm_rank() > 0 || n == 0)
        return;
    char nm[512] = "", w[2048];
    if (path && strcmp(path, "-") == 0)
        path = "standard input";
    if (path)
        utf8_printable(path, strlen(path), nm, sizeof nm);
    ope_progress_stderr_done();     /* a warning does not run into the bar */
    size_t k0 = r->n_warnings - (n < r->n_warnings ? n : r->n_warnings);
    for (size_t k = k0; k < r->n_warnings; k++)
        fprintf(stderr, "ope %s: warning: %s%s%s\n", cmd, nm, path ? ": " : "",
                utf8_printable(r->warnings[k], strlen(r->warnings[k]), w, sizeof w));
}

int evalcli_read_warnings(struct res_eval *r, const char *left, const char *spilled,
                          const char *dir)
{
    int added = 0;
    size_t tp = strlen(EVALCLI_TRAJ_LEFT);
    if (left && strncmp(left, EVALCLI_TRAJ_LEFT, tp) == 0) {
        if (res_warn(r, NULL, "%s left out: they fit models on the whole trajectory log, "
                     "which one shard does not hold; name them with --estimators and give "
                     "the shards --model-state FIT, with which they fit the models together "
                     "(ope help merge)", left + tp) != 0)
            return -1;
        added++;
    } else if (left && left[0]) {
        if (res_warn(r, NULL, "%s left out: they fit a reward model, which a shard "
                     "alone cannot (the fit needs the whole log's sums before any row is "
                     "evaluated); the shards fit it together in rounds with --model-state "
                     "(ope help merge), or give the log qhat.* columns, or evaluate the "
                     "whole log in one run (--stream or mpirun fit the model in passes "
                     "over the log)", left) != 0)
            return -1;
        added++;
    }
    if (spilled && spilled[0]) {
        if (res_warn(r, NULL, "%s can be read only once: it was copied to a temporary file "
                     "%s%s as it was read, to be read again (give the log as a file's "
                     "path to spare the copy)", spilled, dir ? "in " : "in its run's ",
                     dir ? dir : "$TMPDIR") != 0)
            return -1;
        added++;
    }
    return added;
}

/* The options that are for trajectory logs, refused on the bandit log path (said, not
 * silently ignored), whether it is read whole or in windows. */
static int bandit_refuse(const struct evalcli *c, const char *path, struct ope_error *err)
{
    if (c->set.risk)
        return ope_fail(err, OPE_EUSAGE, "--risk: return distributions are for trajectory "
                        "logs; %s is a bandit log (drop --risk)", path);
    if (!isnan(c->set.gamma) || c->set.value_model)
        return ope_fail(err, OPE_EUSAGE, "%s: the discount and the value model are for "
                        "trajectory logs; %s is a bandit log (drop it)",
                        !isnan(c->set.gamma) ? "--gamma" : "--value-model", path);
    char where[600];
    snprintf(where, sizeof where, "%s, a bandit log", path);
    return evalcli_no_policy_files(c, where, err);
}

/* Load the log csv reads (named by paths[0..n-1]) and evaluate it; closes csv. */
static struct res_eval *run_csv(struct evalcli *c, struct csv_reader *csv,
                                const char *const *paths, size_t n, struct ope_error *err)
{
    const char *path = paths[0];
    struct res_eval *r = NULL;
    int traj = log_csv_is_trajectory(csv, &c->lo, err);
    if (traj == 1 && c->bandit_only)
        traj = ope_fail(err, OPE_EUSAGE, "%s: %s is a trajectory log; %s reads bandit logs "
                        "(its looks fall on row counts, which would cut episodes, and its "
                        "confidence sequences are of ipw and dr)", c->bandit_only, path,
                        c->bandit_only);
    if (traj == 0 && bandit_refuse(c, path, err) != 0)
        traj = -1;
    if (traj < 0) {
        csv_close(csv);
        return NULL;
    }
    /* Policy files stand in for pi.* columns: with one, the log may have none. */
    c->lo.want_policies = evalcli_n_policy_files(c) == 0;
    struct sha256_job job = { &path, 1, "", { 0 }, 0 };
    pthread_t th;
    int hashing = csv_is_regular(csv) && pthread_create(&th, NULL, sha256_job_run, &job) == 0;
    if (traj == 1) {
        /* As for a bandit log below: a regular file is hashed on a second thread
         * while the log loads and evaluates. */
        struct tlog *log = tlog_load_csv(csv, &c->lo, err);
        if (log && (evalcli_add_policy_files(c, log, err) != 0
                    || tlog_check_range(log, err) != 0)) {
            tlog_free(log);
            log = NULL;
        }
        if (log && !hashing && input_digest(csv, path, job.hex, err) != 0) {
            tlog_free(log);
            log = NULL;
        }
        csv_close(csv);
        if (!log) {
            if (hashing)
                pthread_join(th, NULL);
            return NULL;
        }
        r = eval_settings_run(&c->set, NULL, log, c->progress, err);
        if (r && eval_settings_traj_stateless(&c->set, log))
            c->read_warnings++;     /* what the default list left out: said by select */
        if (hashing) {
            pthread_join(th, NULL);
            if (r && job.rc != 0) {
                *err = job.err;
                res_eval_free(r);
                r = NULL;
            }
        }
        if (r)
            memcpy(r->sha256, job.hex, sizeof r->sha256);
        if (r && n > 1 && name_inputs(r, paths, n, err) != 0) {
            res_eval_free(r);
            r = NULL;
        }
        if (r && c->keep_tlog)
            *c->keep_tlog = log;
        else
            tlog_free(log);
        return r;
    }
    struct blog *log = blog_load_csv(csv, &c->lo, err);
    if (log && blog_check_range(log, err) != 0) {
        blog_free(log);
        log = NULL;
    }
    if (log && !csv_is_regular(csv) && csv_digest(csv, job.hex) != 0)
        job.hex[0] = '\0';
    csv_close(csv);
    if (!log) {
        if (hashing)
            pthread_join(th, NULL);
        return NULL;
    }
    r = eval_settings_run(&c->set, log, NULL, c->progress, err);
    if (hashing) {
        pthread_join(th, NULL);
        if (r && job.rc != 0) {
            *err = job.err;
            res_eval_free(r);
            r = NULL;
        }
    }
    if (r)
        memcpy(r->sha256, job.hex, sizeof r->sha256);
    if (r && n > 1 && name_inputs(r, paths, n, err) != 0) {
        res_eval_free(r);
        r = NULL;
    }
    if (r && c->keep_blog)
        *c->keep_blog = log;
    else
        blog_free(log);
    return r;
}

/* ---- a log read in windows (--stream, or larger than --memory-limit) -------------- */

/* Rows per window of a streamed evaluation: a multiple of the accumulator's chunk
 * (accum.h), large enough that a window's tasks keep both threads busy. */
#define STREAM_WINDOW (16 * ACC_CHUNK)

/* The window's rows: STREAM_WINDOW, or a test's (OPE_TEST_WINDOW, a multiple of
 * ACC_CHUNK: t/0394 gives small shards several windows). */
static size_t stream_window(void)
{
    const char *t = getenv("OPE_TEST_WINDOW");
    unsigned long long v = t && *t ? strtoull(t, NULL, 10) : 0;
    return v && v % ACC_CHUNK == 0 && v <= STREAM_WINDOW ? (size_t)v : STREAM_WINDOW;
}
/* A rank's share of a log starts on the accumulator's chunks. */
_Static_assert(BLOG_STREAM_GRID == ACC_CHUNK, "the stream's range grid is the chunk");

/* The windows handed to the engine, with blog_check_range made on the way: the
 * engine's first pass notes the largest |reward| and each policy's largest weight;
 * at its end a weight past the limit (which blog_load's caller refuses before any
 * estimate) fails the pass with the message naming the row, found by one more pass
 * over that policy, as in memory (the first policy that fails, its first row). */
struct stream_win {
    struct blog_stream *bs;
    int checked;                /* the range check is done (after the first pass) */
    size_t n, n_pol;
    double rmax;                /* largest |reward|, at least 1 */
    double *maxw;               /* [n_pol] largest pi(a_i|x_i) / pscore_i */
    size_t lo, hi;              /* the rows read: this rank's share of the log */
    size_t total;               /* the log's rows */
    size_t offset;              /* --row-offset: the file's row 0 in the whole log */
    char copy_failed[OPE_ERROR_MSG_MAX];    /* why the model's copy failed a read, or "" */
};

/* eng_windows.copy_failed: kept, for run_stream to add among the warnings of how the
 * log was read. */
static void stream_copy_failed(void *ctx, const char *msg)
{
    struct stream_win *sw = ctx;
    snprintf(sw->copy_failed, sizeof sw->copy_failed, "%s", msg);
}

static int stream_range_fail(struct stream_win *sw, struct ope_error *err)
{
    /* Each rank checks its own rows against the limit of the whole log's rows. */
    size_t n = sw->total;
    double lim = logrange_term_max(n);
    size_t p = 0;
    while (p < sw->n_pol && sw->maxw[p] * sw->rmax <= lim)
        p++;
    if (p == sw->n_pol)
        return 0;
    if (blog_stream_rewind(sw->bs, err) != 0)
        return -1;
    const struct blog *w = NULL;
    size_t first;
    int rc;
    while ((rc = blog_stream_next(sw->bs, &w, &first, err)) == 1)
        if (blog_check_range_policy(w, p, sw->rmax, n, err) != 0)
            return -1;
    /* Across ranks the row may be another rank's (the lowest that finds one has the
     * log's first); alone it is not reached unless the log changed. */
    if (rc < 0 || comm_size() > 1)
        return rc < 0 ? -1 : 0;
    return ope_fail(err, OPE_EDATA, "%s: the log changed while it was read (a weight)",
                    w && w->path ? w->path : "(log)");
}

/* After the engine's first pass (eng_windows.pass1_done): the range check over the
 * whole log, the ranks' largest weights and rewards taken together. */
static int stream_pass1_done(void *ctx, struct ope_error *err)
{
    struct stream_win *sw = ctx;
    sw->checked = 1;
    int rc = 0;
    if (comm_size() > 1) {
        size_t m = sw->n_pol + 1, *len = ope_calloc((size_t)comm_size(), sizeof *len, err);
        double *mine = ope_calloc(m, sizeof *mine, err);
        struct strbuf all = STRBUF_INIT;
        rc = comm_agree(len && mine ? 0 : -1, err);
        if (rc == 0) {
            mine[0] = sw->rmax;
            memcpy(mine + 1, sw->maxw, sw->n_pol * sizeof *mine);
            rc = comm_allgather(mine, m * sizeof *mine, &all, len, err);
        }
        for (int r = 0; rc == 0 && r < comm_size(); r++) {
            const double *v = (const double *)(const void *)(all.buf + (size_t)r * m *
                                                             sizeof *v);
            double x;
            memcpy(&x, v, sizeof x);
            sw->rmax = fmax(sw->rmax, x);
            for (size_t p = 0; p < sw->n_pol; p++) {
                memcpy(&x, v + 1 + p, sizeof x);
                sw->maxw[p] = isnan(x) ? INFINITY : fmax(sw->maxw[p], x);
            }
        }
        strbuf_release(&all);
        free(len);
        free(mine);
        if (rc != 0)
            return -1;
    }
    rc = stream_range_fail(sw, err);
    return comm_size() > 1 ? comm_agree(rc, err) : rc;
}

static int stream_next(void *ctx, const struct blog **w, size_t *first, struct ope_error *err)
{
    struct stream_win *sw = ctx;
    int rc = blog_stream_next(sw->bs, w, first, err);
    if (rc == 1)
        *first += sw->offset;
    if (sw->checked)
        return rc;
    if (rc == 1) {
        const struct blog *b = *w;
        sw->n += b->n;
        for (size_t i = 0; i < b->n; i++)
            sw->rmax = fmax(sw->rmax, fabs(b->reward[i]));
        for (size_t p = 0; p < sw->n_pol && p < b->n_policies; p++)
            for (size_t i = 0; i < b->n; i++) {
                double x = b->policy[p].prob[b->action[i]][i] / b->pscore[i];
                /* NaN (not expected: both were checked when read) fails the check. */
                sw->maxw[p] = isnan(x) ? INFINITY : fmax(sw->maxw[p], x);
            }
    }
    return rc;
}

static int stream_rewind(void *ctx, struct ope_error *err)
{
    struct stream_win *sw = ctx;
    /* A pass cut short restarts the count (the engine always reads whole passes). */
    if (!sw->checked) {
        sw->n = 0;
        sw->rmax = 1.0;
        for (size_t p = 0; p < sw->n_pol; p++)
            sw->maxw[p] = 0.0;
    }
    return blog_stream_rewind(sw->bs, err);
}

/* Estimators were not chosen and the log has no qhat.* columns: every bandit
 * estimator that needs no reward model, and the names of those left out into left. */
static int model_free_estimators(struct evalcli *c, char *left, size_t n_left,
                                 struct ope_error *err)
{
    struct strbuf list = STRBUF_INIT;
    left[0] = '\0';
    for (size_t k = 0; est_registry[k]; k++) {
        const struct est_desc *d = est_registry[k];
        if (d->kind != EST_BANDIT)
            continue;
        if (d->needs_model) {
            size_t l = strlen(left);
            snprintf(left + l, n_left - l, "%s%s", l ? ", " : "", d->name);
        } else {
            strbuf_printf(&list, "%s%s", list.len ? "," : "", d->name);
        }
    }
    int rc = strbuf_failed(&list) ? ope_fail_oom(err)
             : eval_settings_set_estimators(&c->set, strbuf_str(&list), err);
    strbuf_release(&list);
    return rc;
}

/* The first of the inputs that the stream copied (not a regular file), as messages
 * name it: of several, the first one need not be it. */
static const char *spilled_name(const char *const *paths, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        struct stat st;
        if (strcmp(paths[k], "-") == 0)
            return "standard input";
        if (stat(paths[k], &st) == 0 && !S_ISREG(st.st_mode))
            return paths[k];
    }
    return paths[0];
}

int evalcli_ranks_files(const struct evalcli *c, const char *const *paths, size_t n,
                        struct ope_error *err)
{
    if (comm_size() == 1)
        return 0;
    /* The log's files, then the truth file (read by every rank too). */
    for (size_t k = 0; k <= n; k++) {
        const char *p = k < n ? paths[k] : c->set.truth_path;
        struct stat st;
        if (!p)
            continue;
        int is_stdin = strcmp(p, "-") == 0;
        if (is_stdin || (stat(p, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)))
            return ope_fail(err, OPE_EUSAGE, "%s%s: under mpirun every rank reads the %s for "
                            "itself, so it must be a regular file (%s): save it to a file "
                            "first, or run without mpirun", k < n ? "" : "--truth ",
                            is_stdin ? "standard input" : p, k < n ? "log" : "truth file",
                            is_stdin ? "standard input reaches rank 0 alone"
                                     : "the ranks would share out a pipe's bytes among them");
    }
    return 0;
}

/* Across ranks, the logs that do not split: the inputs every rank reads must be
 * regular files (evalcli_ranks_files). 0, or -1 with err (the same on every rank that
 * sees the same files). */
static int ranks_refuse(const struct evalcli *c, const char *const *paths, size_t n,
                        struct ope_error *err)
{
    return evalcli_ranks_files(c, paths, n, err);
}

/* Open the stream of a streamed evaluation and read its first window (the log's
 * policies and whether it has q-hat). 1, 0 (read the log whole instead), 2 (a
 * trajectory log from a pipe, handed back: blog_stream_trajectory), or -1 with err. */
static int stream_open(struct evalcli *c, const char *const *paths, size_t n,
                       struct blog_stream **bs, const struct blog **w,
                       struct ope_error *err)
{
    if ((c->keep_blog || c->keep_tlog) && (!c->keep_if_whole || comm_size() > 1)) {
        if (c->lo.stream || comm_size() > 1)
            return ope_fail(err, OPE_EUSAGE, "%s: this command keeps the whole log for what "
                            "it shows after the estimates: %s", comm_size() > 1 ? "mpirun" : "--stream",
                            comm_size() > 1 ? "run it without mpirun" : "drop --stream");
        return 0;
    }
    const char *path = paths[0];
    if (comm_size() > 1 && ranks_refuse(c, paths, n, err) != 0)
        return -1;
    if (comm_size() > 1 && c->set.by[0])
        return ope_fail(err, OPE_EUSAGE, "--by %s: segments are evaluated from their rows "
                        "gathered in memory, in one process: run it without mpirun (or drop "
                        "--by)", c->set.by);
    int kind = loadcli_stream_kind(&c->lo, path, "is read", err);
    if (kind < 0 || (kind == 0 && comm_size() == 1))
        return kind;
    /* Across ranks every log is streamed; one a rank cannot sniff fails when opened. */
    int sniffed = kind == 1;
    /* A regular file is known to be a bandit log here; a pipe once its header has been
     * read (the stream's first pass refuses a trajectory log). */
    if (sniffed && bandit_refuse(c, path, err) != 0)
        return -1;
    /* Streamed because the log is past the memory limit, not because it was asked:
     * say so, and how to read it whole. */
    if (c->set.by[0] && !c->lo.stream && comm_size() == 1)
        return ope_fail(err, OPE_EUSAGE, "--by %s: %s is past --memory-limit (%.4g MB), "
                        "so it is read in windows, and segments are evaluated from their "
                        "rows gathered in memory: raise --memory-limit to read it whole (or "
                        "drop --by)", c->set.by, path,
                        (double)loadcli_memory_limit(&c->lo) / 1048576.0);
    if (eval_stream_refuse(c->set.by[0] ? c->set.by : NULL, 0, err) != 0)
        return -1;
    c->lo.want_policies = 1;
    /* A pipe's trajectory log is handed back once its header is read (2). */
    c->lo.stream_handoff = comm_size() == 1;
    *bs = blog_stream_open_progress(paths, n, &c->lo, stream_window(), c->progress, err);
    c->lo.stream_handoff = 0;
    if (!*bs)
        return -1;
    if (blog_stream_trajectory_kind(*bs))
        return 2;
    if (!sniffed && bandit_refuse(c, path, err) != 0)
        return -1;
    /* Across ranks the first window, which says the log's policies and columns, is the
     * rank's own first: read back from what its share of the first pass kept, not the
     * log's first rows parsed again (a compressed log decompressed again up to them). */
    if (comm_size() > 1) {
        size_t lo, hi;
        blog_stream_share(*bs, &lo, &hi);
        if (hi > lo && blog_stream_set_range(*bs, lo, hi, err) != 0)
            return -1;
    }
    size_t first;
    int rc = blog_stream_next(*bs, w, &first, err);
    if (rc == 0)
        return ope_fail(err, OPE_EDATA, "%s: no rows after the header", path);
    return rc;
}

/* The log's SHA-256 as the result names it: from the stream (standard input, a pipe,
 * several inputs), else of its one file by its path. 0, or -1 with err. */
static int log_digest(const struct blog_stream *bs, const char *const *paths, size_t n,
                      char hex[65], struct ope_error *err)
{
    if (blog_stream_digest(bs, hex) == 0 || n != 1)
        return 0;
    /* Hashed by its path after the passes: the file must still be the one they read
     * (checked after the hashing, so a change during it is seen too). */
    if (sha256_file_hex(paths[0], hex, err) != 0 || blog_stream_unchanged(bs, err) != 0) {
        hex[0] = '\0';
        return -1;
    }
    return 0;
}

/* Across ranks: whether every rank read the same log, by its rows and its SHA-256 (a
 * rank given another file, or a file that differs on its machine, would be merged
 * into nonsense). 0, or -1 with err on every rank. */
struct log_id {
    uint64_t rows;
    char hex[72];
};

static int ranks_same_log(size_t rows, const char *unit, const char *hex, const char *path,
                          struct ope_error *err)
{
    struct log_id mine;
    memset(&mine, 0, sizeof mine);
    mine.rows = rows;
    snprintf(mine.hex, sizeof mine.hex, "%s", hex);
    size_t *len = ope_calloc((size_t)comm_size(), sizeof *len, err);
    struct strbuf all = STRBUF_INIT;
    int rc = comm_agree(len ? 0 : -1, err);
    if (rc == 0)
        rc = comm_allgather(&mine, sizeof mine, &all, len, err);
    for (int r = 1; rc == 0 && r < comm_size(); r++) {
        struct log_id v, v0;
        memcpy(&v0, all.buf, sizeof v0);
        memcpy(&v, all.buf + (size_t)r * sizeof v, sizeof v);
        rc = ranks_other_log(path, r, v.rows, v0.rows, unit, v.hex, v0.hex, err);
    }
    strbuf_release(&all);
    free(len);
    return rc;
}

/* --save-state: the shard's header (what the command line knows of it) and the
 * estimators' blocks written to c->save_state. 0, or -1 with err. */
static int save_write(struct evalcli *c, const char *const *paths, size_t n,
                      const struct blog_stream *bs, const struct stream_win *sw, char **names,
                      const char *left, int part, const char *hex,
                      const struct strbuf *state, const struct strbuf *settings,
                      struct ope_error *err)
{
    struct shard_head h;
    memset(&h, 0, sizeof h);
    if (strbuf_failed(settings))
        return ope_fail_oom(err);
    if (!(h.log = joined_paths(paths, n, err)))
        return -1;
    /* The digest the fit's check took already (hex), else read now: one reading less
     * in every round of a fit. */
    int rc = 0;
    if (hex[0])
        memcpy(h.sha256, hex, sizeof h.sha256);
    else
        rc = log_digest(bs, paths, n, h.sha256, err);
    h.row0 = sw->offset;
    h.rows = sw->n;
    h.pos_base = blog_stream_position_base(bs);
    h.rmax = sw->rmax;
    h.n_pol = sw->n_pol;
    h.names = names;
    h.maxw = sw->maxw;
    h.left = (char *)left;
    h.spilled = (char *)(blog_stream_spilled(bs) ? spilled_name(paths, n) : "");
    if (rc == 0)
        rc = shard_write(c->save_state, c->save_force, part == 1 ? EVAL_FIT_PART_KIND
                         : part == 3 ? EVAL_SUMS_PART_KIND : EVAL_STATE_KIND, &h, state,
                         strbuf_str(settings), err);
    c->saved_rows = sw->n;
    snprintf(c->saved_left, sizeof c->saved_left, "%s", left);
    free(h.log);
    return rc;
}

static int run_traj_stream(struct evalcli *c, struct csv_reader *csv, struct blog_stream *bs,
                           const char *const *paths, size_t n, struct res_eval **out,
                           struct ope_error *err);

static int run_stream(struct evalcli *c, const char *const *paths, size_t n,
                      struct res_eval **out, struct ope_error *err)
{
    *out = NULL;
    const char *path = paths[0];
    struct blog_stream *bs = NULL;
    const struct blog *w = NULL;
    int rc = stream_open(c, paths, n, &bs, &w, err);
    if (rc == 2) {
        /* A trajectory log from a pipe: read in windows of episodes, as it comes, and
         * copied as it is read when the intervals read it again. */
        int again = eval_settings_traj_rereads(&c->set) && !c->save_state;
        struct csv_reader *csv = blog_stream_trajectory(bs, again);
        rc = run_traj_stream(c, csv, again ? bs : NULL, paths, n, out, err);
        blog_stream_close(bs);
        return rc == 0 ? 1 : -1;
    }
    char hex[65] = "";
    /* Across ranks, every rank has opened the log (or none goes on), the same one. */
    if (comm_size() > 1 &&
        (comm_agree(rc < 0 ? -1 : log_digest(bs, paths, n, hex, err), err) != 0 ||
         ranks_same_log(blog_stream_rows(bs), "rows", hex, path, err) != 0))
        rc = -1;
    if (rc <= 0) {
        blog_stream_close(bs);
        return rc;
    }
    char **names = NULL;
    size_t n_names = 0;
    int has_qhat = 0;
    if (rc == 1) {
        has_qhat = w->qhat != NULL;
        n_names = w->n_policies;
        names = ope_calloc(n_names + 1, sizeof *names, err);
        for (size_t k = 0; names && k < n_names; k++)
            if (!(names[k] = ope_strdup(w->policy[k].name, err)))
                rc = -1;
        if (!names)
            rc = -1;
    }
    char left[512] = "";
    struct eval_settings keep = c->set;
    /* One process or the ranks of an MPI job fit the reward model in passes
     * (rmstream.h); shards fit it together in rounds (--model-state), and without it a
     * shard leaves the model's estimators out unless asked for them. */
    if (rc == 1 && !has_qhat && !c->set.estimators[0] && c->save_state && !c->model_state
        && model_free_estimators(c, left, sizeof left, err) != 0)
        rc = -1;
    /* --model-state: the fit so far, begun with this shard (NULL: the first round), and
     * the whole log's sums of --ci hoeffding and bernstein (NULL: not found yet). */
    struct eval_fit *fit = NULL;
    struct eval_sums *sums = NULL;
    int wants_sums = c->set.ci == CI_HOEFFDING || c->set.ci == CI_BERNSTEIN;
    if (rc == 1 && c->model_state && (!has_qhat || wants_sums)) {
        char *log = joined_paths(paths, n, err);
        if (!log || log_digest(bs, paths, n, hex, err) != 0 ||
            shard_fit_open(c->model_state, log, c->row_offset, blog_stream_rows(bs), hex, &fit,
                           &sums, err) != 0)
            rc = -1;
        free(log);
        /* (the model's estimators read qhat.* columns when the log has them) */
        if (has_qhat) {
            eval_fit_free(fit);
            fit = NULL;
        }
        if (!wants_sums) {
            eval_sums_free(sums);
            sums = NULL;
        }
    }
    /* (across ranks the range set below starts the pass) */
    if (rc == 1 && comm_size() == 1 && blog_stream_rewind(bs, err) != 0)
        rc = -1;
    size_t total = blog_stream_rows(bs);
    struct stream_win sw = { bs, 0, 0, n_names, 1.0, NULL, 0, total, total, c->row_offset,
                             "" };
    if (rc == 1 && n_names && !(sw.maxw = ope_calloc(n_names, sizeof *sw.maxw, err)))
        rc = -1;
    /* Across ranks, this rank's share of the rows: whole chunks of the accumulator
     * (accum.h; BLOG_STREAM_GRID is ACC_CHUNK), read back from what the first pass kept
     * of it, or from its first row by a seek. */
    if (rc == 1 && comm_size() > 1) {
        blog_stream_share(bs, &sw.lo, &sw.hi);
        if (blog_stream_set_range(bs, sw.lo, sw.hi, err) != 0)
            rc = -1;
    }
    /* Across ranks, every rank is ready for the engine's passes: one that failed above
     * must not leave the others waiting in them (it stops them all with its message). */
    if (comm_size() > 1 && comm_agree(rc == 1 ? 0 : -1, err) != 0)
        rc = -1;
    struct strbuf state = STRBUF_INIT, settings = STRBUF_INIT;
    int part = 0;
    if (rc == 1) {
        struct eng_windows win = { &sw, stream_next, stream_rewind, path, sw.lo + sw.offset,
                                   stream_pass1_done, stream_copy_failed };
        if (!c->save_state)
            *out = eval_settings_run_stream(&c->set, &win, (const char *const *)names,
                                            n_names, c->progress, err);
        else if (eval_settings_save_stream(&c->set, &win, c->model_state != NULL, fit, sums,
                                           c->progress, &state, &settings, &part, err) != 0 ||
                 save_write(c, paths, n, bs, &sw, names, left, part, hex, &state, &settings,
                            err) != 0)
            rc = -1;
        c->saved_pass = part == 1 ? (fit ? eval_fit_passes(fit) : 0) + 1 : 0;
        c->saved_sums = part == 3;
        c->saved_fit = part == 2 || part == 4;
    }
    eval_fit_free(fit);
    eval_sums_free(sums);
    strbuf_release(&state);
    strbuf_release(&settings);
    free(sw.maxw);
    c->set = keep;
    if (*out && !hex[0] && log_digest(bs, paths, n, hex, err) != 0) {
        res_eval_free(*out);
        *out = NULL;
    }
    if (*out) {
        memcpy((*out)->sha256, hex, sizeof (*out)->sha256);
        int bad = n > 1 && name_inputs(*out, paths, n, err) != 0;
        int added = bad ? 0 : evalcli_read_warnings(*out, left, blog_stream_spilled(bs)
                                                               ? spilled_name(paths, n) : NULL,
                                                    blog_stream_spill_dir());
        const char *why = blog_stream_cache_failed(bs);
        if (!bad && added >= 0 && why)
            added = res_warn(*out, NULL, "%s: the passes parsed the log again from there",
                             why) != 0 ? -1 : added + 1;
        if (!bad && added >= 0 && sw.copy_failed[0])
            added = res_warn(*out, NULL, "%s: its passes read the log again from there",
                             sw.copy_failed) != 0 ? -1 : added + 1;
        bad = bad || added < 0;
        c->read_warnings += added > 0 ? (size_t)added : 0;
        if (bad) {
            res_eval_free(*out);
            *out = NULL;
            ope_fail_oom(err);
        }
    }
    for (size_t k = 0; names && k < n_names; k++)
        free(names[k]);
    free(names);
    blog_stream_close(bs);
    return rc < 0 ? -1 : 1;
}

static int regular_trajectory(const struct evalcli *c, const char *const *paths, size_t n);

int evalcli_save_files(struct evalcli *c, const char *const *paths, size_t n,
                       struct ope_error *err)
{
    if (comm_size() > 1)
        return ope_fail(err, OPE_EUSAGE, "--save-state saves one shard's state, for ope merge; "
                        "under mpirun the ranks merge their states themselves: drop "
                        "--save-state, or run each shard without mpirun");
    c->lo.stream = 1;
    struct res_eval *r = NULL;
    /* A trajectory log's shard: its episodes (--row-offset: its first episode). */
    if (regular_trajectory(c, paths, n))
        return run_traj_stream(c, NULL, NULL, paths, n, &r, err);
    int rc = run_stream(c, paths, n, &r, err);
    res_eval_free(r);
    /* An empty part of a job array's split: nothing to merge, and nothing lost. */
    if (rc < 0 && err->status == OPE_EDATA && strstr(err->msg, "no data rows after the header")) {
        size_t l = strlen(err->msg);
        snprintf(err->msg + l, sizeof err->msg - l, "; a shard without rows adds nothing to "
                 "the merge: leave it out (the next shard's --row-offset is the one this "
                 "would have had)");
    }
    /* Read whole: a trajectory log (a bandit log is always streamed with --stream). */
    if (rc == 0)
        return ope_fail(err, OPE_EUSAGE, "%s: --save-state saves the state of a bandit log's "
                        "shard; this is a trajectory log (episode and step columns), which is "
                        "evaluated whole: drop --save-state", paths[0]);
    return rc < 0 ? -1 : 0;
}

/* Episodes per window of a streamed trajectory log: whole chunks of the accumulator
 * (OPE_TEST_WINDOW, in episodes, makes them small for tests). */
static size_t traj_window(void)
{
    const char *t = getenv("OPE_TEST_WINDOW");
    size_t w = t ? (size_t)strtoull(t, NULL, 10) : 0;
    return w && w % ACC_CHUNK == 0 ? w : 4 * ACC_CHUNK;
}

/* The windows of a trajectory log for the evaluation (eng_traj_windows): the first
 * pass's stream and, for the passes after it (--ci t, hoeffding, bernstein), the log's
 * files opened again (the first stream closed: one window's memory at a time). */
struct traj_pass {
    struct evalcli *c;
    const char *const *paths;
    size_t n;
    struct tlog_stream *first;
    struct csv_reader *csv;         /* a later pass's reader and stream */
    struct tlog_stream *again;
    struct in_stamp *st;            /* [n] the files as the first pass found them */
    struct blog_stream *bs;         /* or the stream that handed a pipe over, copying it */
    int rewound;
    const struct traj_share *sh;    /* under MPI: this rank's range, or NULL */
    char **names;                   /* [np] the policies, as the first pass read them */
    size_t np;
    int actions;
};

/* The k-th episode's id as ts read it, malloc'd ("" for ts NULL). NULL with err. */
static char *episode_id(const struct tlog_stream *ts, size_t k, struct ope_error *err)
{
    size_t len = 0, line = 0;
    const char *id = ts ? tlog_stream_episode_id(ts, k, &len, &line) : "";
    char *out = ope_malloc(len + 1, err);
    if (out) {
        memcpy(out, id ? id : "", id ? len : 0);
        out[id ? len : 0] = '\0';
    }
    return out;
}

static int digest_cmp(const void *a, const void *b)
{
    return memcmp(a, b, SHARD_ID_BYTES);
}

/* The digests of the n episode ids ts read (the first SHARD_ID_BYTES of each id's
 * SHA-256), sorted, into h->ids: the merge finds an episode given in two shards by them.
 * 0, or -1 with err. */
static int episode_digests(const struct tlog_stream *ts, size_t n, struct shard_head *h,
                           struct ope_error *err)
{
    h->n_ids = 0;
    if (n == 0)
        return 0;
    if (!(h->ids = ope_malloc(n * SHARD_ID_BYTES, err)))
        return -1;
    for (size_t k = 0; k < n; k++) {
        size_t len = 0, line = 0;
        const char *id = tlog_stream_episode_id(ts, k, &len, &line);
        unsigned char d[32];
        struct sha256 sh;
        sha256_init(&sh);
        sha256_update(&sh, id, len);
        sha256_final(&sh, d);
        memcpy(h->ids + k * SHARD_ID_BYTES, d, SHARD_ID_BYTES);
    }
    qsort(h->ids, n, SHARD_ID_BYTES, digest_cmp);
    h->n_ids = n;
    return 0;
}

static int traj_changed(const char *path, const char *when, struct ope_error *err)
{
    return ope_fail(err, OPE_EDATA, "%s: " EVAL_TRAJ_CHANGED " (%s: its size or "
                    "time); a streamed trajectory log must not change while ope reads it (it "
                    "is read again after a model's pass, or for the intervals' second, and "
                    "under mpirun each rank reads its range after all were found)", path,
                    when);
}

static int traj_next(void *ctx, const struct tlog **w, size_t *first, struct ope_error *err)
{
    struct traj_pass *r = ctx;
    if (r->sh && r->sh->empty)
        return 0;
    int rc = tlog_stream_next(r->again ? r->again : r->first, w, first, err);
    /* A later pass over files is over, or a rank's first over its range: they must
     * still be as the first pass found them (a change while it read them would mix two
     * logs; a rank's range and the log's SHA-256 come from the index taken before). */
    for (size_t k = 0; rc == 0 && (r->rewound || r->sh) && r->st && k < r->n; k++)
        if (!in_stamp_same(r->paths[k], &r->st[k]))
            rc = traj_changed(r->paths[k], r->rewound ? "during a later pass"
                                                      : "while the ranks read it", err);
    return rc;
}

/* The first pass over the ranks' ranges is over: their checks across ranks. */
static int traj_first_done(void *ctx, int rc, struct ope_error *err)
{
    struct traj_pass *r = ctx;
    return traj_share_check(rc, r->first, r->paths, r->n, r->first ?
                            tlog_stream_episode_name(r->first) : "episode", err);
}

/* The log from its start again, if its files are as they were (size, time, header). */
static int traj_rewind(void *ctx, struct ope_error *err)
{
    struct traj_pass *r = ctx;
    for (size_t k = 0; !r->bs && k < r->n; k++)
        if (!in_stamp_same(r->paths[k], &r->st[k]))
            return traj_changed(r->paths[k], "before a later pass", err);
    tlog_stream_close(r->first);
    tlog_stream_close(r->again);
    csv_close(r->csv);
    r->first = r->again = NULL;
    r->rewound = 1;
    /* (the first pass took the digest: a later one does not hash the files again) */
    r->csv = r->bs ? blog_stream_trajectory_again(r->bs, err)
                   : csv_open_again(r->paths, r->paths, r->n, r->c->lo.sep, err);
    if (!r->csv)
        return -1;
    csv_set_progress(r->csv, r->c->progress);
    if (!(r->again = tlog_stream_open(r->csv, &r->c->lo, traj_window(), err)) ||
        (r->sh && traj_share_apply(r->csv, r->sh, err) != 0))
        return -1;
    int same = tlog_stream_policies(r->again) == r->np &&
               tlog_stream_actions(r->again) == r->actions;
    for (size_t p = 0; same && p < r->np; p++)
        same = strcmp(tlog_stream_policy_name(r->again, p), r->names[p]) == 0;
    if (!same)
        return ope_fail(err, OPE_EDATA, "%s: " EVAL_TRAJ_CHANGED " (its header); "
                        "a streamed trajectory log is read again (after a model's pass, or "
                        "for the intervals' second) and must not change meanwhile", r->paths[0]);
    return 0;
}

/* Whether paths[0..n-1], all regular files, hold a trajectory log: 1, 0 (a bandit log,
 * or an input that is a pipe or standard input: the bandit stream reads it), -1 with
 * err. A later file that is missing or a directory does not make it a bandit log: the
 * trajectory reader says it cannot open it, as one reader does. */
static int regular_trajectory(const struct evalcli *c, const char *const *paths, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        struct stat st;
        if (strcmp(paths[k], "-") == 0)
            return 0;
        if (stat(paths[k], &st) != 0 || S_ISDIR(st.st_mode)) {
            if (k == 0)
                return 0;
        } else if (!S_ISREG(st.st_mode)) {
            return 0;
        }
    }
    struct ope_error e = { 0 };
    struct csv_reader *csv = csv_open(paths[0], c->lo.sep, &e);
    int traj = csv ? log_csv_is_trajectory(csv, &c->lo, &e) : 0;
    csv_close(csv);
    return traj == 1;
}

/* A trajectory log read in windows of episodes, in one pass (ope eval --stream, or a
 * log past the memory limit whose estimators a stream takes, or under mpirun); with
 * --save-state, the shard's state saved instead (*out NULL). csv: the log's reader
 * (closed here), or NULL to open paths. 0, or -1 with err. */
static int run_traj_stream(struct evalcli *c, struct csv_reader *csv, struct blog_stream *bs,
                           const char *const *paths, size_t n, struct res_eval **out,
                           struct ope_error *err)
{
    *out = NULL;
    if (evalcli_n_policy_files(c) > 0) {
        csv_close(csv);
        return ope_fail(err, OPE_EUSAGE, "%s: --policy NAME=FILE is looked up in the whole "
                        "trajectory log; read in windows (--stream, mpirun, --save-state) the "
                        "policies come from its pi.NAME.A columns", paths[0]);
    }
    /* Files (not a reader handed over) can be read again for more passes. */
    struct traj_pass rd = { c, paths, n, NULL, NULL, NULL, NULL, bs, 0, NULL, NULL, 0, 0 };
    /* Under mpirun, plain files: each rank reads its own range of whole episodes. */
    struct traj_share sh;
    memset(&sh, 0, sizeof sh);
    int shared = comm_size() > 1 && !csv && !c->save_state && traj_share_possible(paths, n);
    if (!csv) {
        if (!(rd.st = ope_calloc(n, sizeof *rd.st, err)))
            return -1;
        for (size_t k = 0; k < n; k++)
            if (in_stamp_take(paths[k], &rd.st[k]) != 0) {
                free(rd.st);
                rd.st = NULL;
                break;
            }
    }
    if (!csv && !(csv = csv_open_many(paths, n, c->lo.sep, err))) {
        free(rd.st);
        return -1;
    }
    csv_set_progress(csv, c->progress);
    c->lo.want_policies = 1;
    struct res_eval *r = NULL;
    /* A regular file is hashed on a second thread while it is read, as run_csv does;
     * one shared out among ranks is hashed by its index instead (trajshare.h). */
    struct sha256_job job = { paths, 1, "", { 0 }, 0 };
    pthread_t th;
    int hashing = !shared && csv_is_regular(csv) &&
                  pthread_create(&th, NULL, sha256_job_run, &job) == 0;
    struct tlog_stream *ts = tlog_stream_open(csv, &c->lo, traj_window(), err);
    rd.first = ts;
    size_t np = ts ? tlog_stream_policies(ts) : 0;
    char **names = ts ? ope_calloc(np + 1, sizeof *names, err) : NULL;
    double *maxw = names ? ope_calloc(np + 1, sizeof *maxw, err) : NULL;
    int rc = maxw ? 0 : -1;
    for (size_t p = 0; rc == 0 && p < np; p++)
        if (!(names[p] = ope_strdup(tlog_stream_policy_name(ts, p), err)))
            rc = -1;
    if (rc == 0)
        rd.names = names, rd.np = np, rd.actions = tlog_stream_actions(ts);
    /* Across ranks: every rank has the log open, or none goes on. */
    if (comm_size() > 1 && comm_agree(rc, err) != 0)
        rc = -1;
    /* Every rank must share out the same way (a rank that cannot seek the file reads it
     * whole, and then so does every rank). */
    uint64_t before = 0, sharing = 0;
    if (comm_size() > 1 && comm_exscan_u64((uint64_t)shared, &before, &sharing, err) != 0)
        rc = -1;
    shared = shared && sharing == (uint64_t)comm_size();
    if (shared) {
        /* A log the ranges cannot be found in (a quote that never closes, a bad record)
         * is read whole by every rank instead, whose loader then says what one reader
         * says of it. traj_share_find agrees on its outcome; the seek is this rank's. */
        struct ope_error se = { 0 };
        int src = traj_share_find(rc, paths, n, c->lo.sep,
                                  ts ? tlog_stream_episode_column(ts) : 0, &sh, &se);
        if (src == -1 && rc == 0 && se.status == OPE_EDATA)
            shared = 0;
        else if (src != 0 && rc == 0)
            *err = se, rc = -1;
        if (shared && rc == 0)
            rc = comm_agree(traj_share_apply(csv, &sh, err), err);
        rd.sh = shared ? &sh : NULL;
    }
    if (rc == 0) {
        struct eng_traj_windows win = { &rd, traj_next, csv_input_name(csv, 0),
                                        shared ? sh.before : c->save_state ? c->row_offset : 0,
                                        np, (const char *const *)names, rd.actions,
                                        rd.st || bs ? traj_rewind : NULL, shared,
                                        shared ? traj_first_done : NULL };
        if (!c->save_state) {
            r = eval_settings_run_traj_stream(&c->set, &win, c->progress, c->keep_returns,
                                              err);
            rc = r ? 0 : -1;
            /* The default list's estimators left out: a warning of how the log was read
             * (ope select says it too). */
            if (r && !c->set.estimators[0])
                c->read_warnings++;
        } else {
            struct strbuf state = STRBUF_INIT, settings = STRBUF_INIT;
            size_t episodes = 0;
            struct shard_head h;
            memset(&h, 0, sizeof h);
            /* --model-state: the models' fit so far (NULL: the shard saves its part).
             * Without --estimators the shards then run the in-memory default list, as
             * a bandit log's shards fitting a reward model do (on a log with a state
             * column: the one in memory runs tis, pdis, wtis and wpdis without one). */
            struct shard_traj_fit *fit = NULL;
            int part = 0;
            c->set.traj_all = c->model_state && ts && tlog_stream_has_state(ts);
            rc = c->model_state ? shard_traj_fit_open(c->model_state, &fit, err) : 0;
            if (rc == 0)
                rc = eval_settings_save_traj_stream(&c->set, &win, c->progress,
                                                    c->model_state != NULL,
                                                    shard_traj_fit_models(fit), &state,
                                                    &settings, &episodes, &part, err);
            /* A shard that fails against the fit (a state or an episode its models do
             * not know: "the log changed") may be one changed since the fit was made:
             * its bytes tell, and that is what to say. */
            if (rc != 0 && fit && err->status == OPE_EDATA && hashing &&
                strstr(err->msg, EVAL_TRAJ_CHANGED)) {
                pthread_join(th, NULL);
                hashing = 0;
                char *log = joined_paths(paths, n, err);
                struct ope_error why = { 0 };
                if (log && job.rc == 0 &&
                    shard_traj_fit_knows(fit, log, c->row_offset, job.hex, &why) != 0)
                    *err = why;
                free(log);
            }
            if (rc == 0 && !(h.log = joined_paths(paths, n, err)))
                rc = -1;
            if (rc == 0 && hashing) {
                pthread_join(th, NULL);
                hashing = 0;
                if (job.rc != 0)
                    *err = job.err, rc = -1;
                memcpy(h.sha256, job.hex, sizeof h.sha256);
            } else if (rc == 0) {
                rc = input_digest(csv, paths[0], h.sha256, err);
            }
            /* The shard evaluated with the fit must be one it was made from (its
             * episodes and bytes are known now). */
            if (rc == 0 && (part == 2 || (part == 3 && fit)))
                rc = shard_traj_fit_has(fit, h.log, c->row_offset, episodes, h.sha256, err);
            shard_traj_fit_close(fit);
            if (rc == 0) {
                h.row0 = c->row_offset;
                h.rows = episodes;
                h.pos_base = -1;
                h.rmax = 1.0;
                h.n_pol = np;
                h.names = (char **)names;
                h.maxw = maxw;
                h.left = h.spilled = (char *)"";
                /* Its first and last episode ids as written: the merge sees an
                 * episode at the end of one shard and the start of the next. */
                size_t ne = rd.first ? tlog_stream_n_read(rd.first) : 0;
                if (!(h.id_first = episode_id(ne ? rd.first : NULL, 0, err)) ||
                    !(h.id_last = episode_id(ne ? rd.first : NULL, ne - 1, err)) ||
                    episode_digests(rd.first, ne, &h, err) != 0)
                    rc = -1;
                /* (the reader keeps every id it reads, or fails short of memory) */
                else if (ne != episodes)
                    rc = ope_fail_oom(err);
                /* The default list's model estimators, left out: said now and by the
                 * merge. */
                if (!c->set.estimators[0] && !c->set.traj_all)
                    h.left = (char *)EVALCLI_TRAJ_LEFT EVALSET_TRAJ_LEFT;
                snprintf(c->saved_left, sizeof c->saved_left, "%s", h.left);
                if (rc == 0)
                    rc = shard_write(c->save_state, c->save_force,
                                     part == 1 ? EVAL_TRAJ_FIT_PART_KIND
                                     : part == 3 ? EVAL_TRAJ_SUMS_PART_KIND
                                                 : EVAL_TRAJ_STATE_KIND,
                                     &h, &state, strbuf_str(&settings), err);
            }
            free(h.id_first);
            free(h.id_last);
            free(h.ids);
            c->saved_rows = episodes;
            c->saved_episodes = 1;
            c->saved_pass = part == 1;
            c->saved_sums = part == 3;
            c->saved_fit = part == 2;
            free(h.log);
            strbuf_release(&state);
            strbuf_release(&settings);
        }
    }
    if (hashing) {
        pthread_join(th, NULL);
        if (r && job.rc != 0)
            *err = job.err, rc = -1;
        if (r)
            memcpy(r->sha256, job.hex, sizeof r->sha256);
    } else if (r && shared) {
        memcpy(r->sha256, sh.sha256, sizeof r->sha256);
    } else if (r && input_digest(csv, paths[0], r->sha256, err) != 0) {
        rc = -1;
    }
    /* Under mpirun: a failure after the passes (a rank's truth file) is every rank's, and
     * every rank must have read the same log, by its SHA-256 (each rank's range was
     * merged into every rank's result, so another file would pass unnoticed). */
    if (comm_size() > 1 && !c->save_state) {
        /* A rank that failed says its own failure (agreed already when it was the
         * passes': the single process's words); the others say the lowest's. */
        struct ope_error own = *err;
        int ok = comm_agree(r && rc == 0 ? 0 : -1, err);
        if (ok != 0 && !(r && rc == 0))
            *err = own;
        /* A log shared out was compared before its ranges were read
         * (traj_share_find); one every rank read whole, by the files' sizes (the
         * episodes are the ranks' merged count, the same on every rank whatever each
         * read). */
        uint64_t bytes = 0;
        for (size_t k = 0; rd.st && k < n; k++)
            bytes += (uint64_t)rd.st[k].size;
        if (ok == 0 && !shared)
            ok = ranks_same_log((size_t)bytes, "bytes", r->sha256, paths[0], err);
        if (ok != 0) {
            res_eval_free(r);
            r = NULL;
            rc = -1;
        }
    }
    /* A shard whose first row is not an episode's first step: cut mid-episode. */
    if (rc != 0 && c->save_state && err->status == OPE_EDATA &&
        strstr(err->msg, ":2:") && strstr(err->msg, "starts at step")) {
        size_t l = strlen(err->msg);
        snprintf(err->msg + l, sizeof err->msg - l, "; a trajectory log's shard holds whole "
                 "episodes: cut the log where an episode starts (its step 0)");
    }
    if (r && rc == 0 && n > 1 && name_inputs(r, paths, n, err) != 0)
        rc = -1;
    /* A pipe read again from its copy: said, as the bandit stream says it. */
    if (r && rc == 0 && rd.rewound && bs && blog_stream_spilled(bs)) {
        int added = evalcli_read_warnings(r, NULL, spilled_name(paths, n),
                                          blog_stream_spill_dir());
        if (added < 0)
            rc = ope_fail_oom(err);
        c->read_warnings += added > 0 ? (size_t)added : 0;
    }
    if (rc != 0) {
        res_eval_free(r);
        r = NULL;
    }
    for (size_t p = 0; names && p < np; p++)
        free(names[p]);
    free(names);
    free(maxw);
    tlog_stream_close(rd.again);
    csv_close(rd.csv);
    free(rd.st);
    tlog_stream_close(rd.first);
    csv_close(csv);
    *out = r;
    return rc;
}

struct res_eval *evalcli_run_files(struct evalcli *c, const char *const *paths, size_t n,
                                   struct ope_error *err)
{
    c->read_warnings = 0;
    /* A trajectory log is streamed in one process when asked (--stream), or past the
     * memory limit when its estimators stream (else it is read whole, as before). */
    /* Under mpirun the ranks share it out (run_traj_stream). */
    int keeps = (c->keep_blog || c->keep_tlog) && (!c->keep_if_whole || comm_size() > 1);
    if (!keeps && (comm_size() > 1 || loadcli_stream_wanted(&c->lo, paths, n)) &&
        regular_trajectory(c, paths, n)) {
        struct ope_error e = { 0 };
        struct res_eval *r = NULL;
        /* (--policy NAME=FILE is looked up in the whole log: read whole) */
        if (comm_size() > 1 || c->lo.stream ||
            (eval_settings_traj_streams(&c->set, &e) && evalcli_n_policy_files(c) == 0))
            return run_traj_stream(c, NULL, NULL, paths, n, &r, err) == 0 ? r : NULL;
        struct csv_reader *csv = csv_open_many(paths, n, c->lo.sep, err);
        return csv ? run_csv(c, csv, paths, n, err) : NULL;
    }
    if (comm_size() > 1 || loadcli_stream_wanted(&c->lo, paths, n)) {
        struct res_eval *r = NULL;
        int rc = run_stream(c, paths, n, &r, err);
        if (rc != 0)
            return rc < 0 ? NULL : r;
    }
    struct csv_reader *csv = csv_open_many(paths, n, c->lo.sep, err);
    return csv ? run_csv(c, csv, paths, n, err) : NULL;
}

struct res_eval *evalcli_run_mem(struct evalcli *c, const char *buf, size_t len,
                                 const char *name, struct ope_error *err)
{
    c->read_warnings = 0;
    struct csv_reader *csv = csv_open_mem(buf, len, name, c->lo.sep, err);
    return csv ? run_csv(c, csv, &name, 1, err) : NULL;
}
