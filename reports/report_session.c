/* reports/report_session.c: the TUI's report export. The session already holds the
 * log, the result and the settings; the command line shown is the `ope report` call
 * that recomputes the same numbers from the shell. */
#include "config.h"
#include "reports/report_session.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "estimators/ci.h"
#include "estimators/rmodel.h"
#include "ope/base/json.h"
#include "ope/base/sha256.h"
#include "ope/base/strbuf.h"
#include "reports/report.h"

/* `ope report PATH --estimators ... -o FILE` with the settings that produced the
 * session's results (not the ones being edited for the next run). The settings not
 * shown before (policies, bounds, lambda, discount, value model, truth) are named
 * only when given, so the default command line stays as it was. */
static void equivalent_command(const struct session *s, const char *path, struct strbuf *sb)
{
    const struct eval_settings *set = &s->res_set;
    int demo = s->title && strncmp(s->title, "demo:", 5) == 0;
    char alpha[32], boot[32], seed[32], folds[32], lambda[32], bounds[64], gamma[32];
    snprintf(alpha, sizeof alpha, "%g", set->alpha);
    snprintf(boot, sizeof boot, "%d", set->n_boot);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)set->seed);
    snprintf(folds, sizeof folds, "%d", set->folds);
    char lo[32], hi[32];
    ope_format_double(lambda, sizeof lambda, set->model_lambda);
    ope_format_double(lo, sizeof lo, set->bound_lo);
    ope_format_double(hi, sizeof hi, set->bound_hi);
    snprintf(bounds, sizeof bounds, "%s,%s", lo, hi);
    ope_format_double(gamma, sizeof gamma, set->gamma);
    char *args[40 + 2 * EVALSET_MAX_POLICIES];
    int n = 0;
    args[n++] = "ope";
    args[n++] = "report";
    if (demo)
        args[n++] = "--demo";
    else
        args[n++] = s->path ? s->path : "LOG.csv";
    /* --policy NAME=FILE is shown as given (pf[] holds those strings). */
    struct strbuf pf[EVALSET_MAX_POLICIES];
    for (size_t p = 0; p < set->n_policies; p++) {
        strbuf_init(&pf[p]);
        args[n++] = "--policy";
        if (set->policy_file[p]) {
            strbuf_printf(&pf[p], "%s=%s", set->policies[p], set->policy_file[p]);
            args[n++] = strbuf_failed(&pf[p]) ? (char *)set->policies[p] : pf[p].buf;
        } else
            args[n++] = (char *)set->policies[p];
    }
    if (set->estimators[0]) {
        args[n++] = "--estimators";
        args[n++] = (char *)set->estimators;
    }
    args[n++] = "--ci";
    args[n++] = (char *)ci_method_name((enum ci_method)set->ci);
    args[n++] = "--alpha";
    args[n++] = alpha;
    if (!isnan(set->bound_lo)) {
        args[n++] = "--bounds";
        args[n++] = bounds;
    }
    if (set->ci == CI_BOOTSTRAP) {
        args[n++] = "--n-boot";
        args[n++] = boot;
    }
    args[n++] = "--seed";
    args[n++] = seed;
    if (s->log) {
        args[n++] = "--reward-model";
        args[n++] = (char *)rm_kind_name((enum rm_kind)set->reward_model);
        args[n++] = "--folds";
        args[n++] = folds;
        if (set->model_lambda != 1.0) {
            args[n++] = "--model-lambda";
            args[n++] = lambda;
        }
    }
    if (s->tlog && !isnan(set->gamma)) {
        args[n++] = "--gamma";
        args[n++] = gamma;
    }
    if (s->tlog && set->value_model) {
        args[n++] = "--value-model";
        args[n++] = (char *)set->value_model;
    }
    if (s->tlog && set->truth_path) {
        args[n++] = "--truth";
        args[n++] = (char *)set->truth_path;
    }
    args[n++] = "-o";
    args[n++] = (char *)path;
    strbuf_shell_words(sb, n, args);
    for (size_t p = 0; p < set->n_policies; p++)
        strbuf_release(&pf[p]);
}

int report_write_session(const struct session *s, const char *path, char *note, size_t n,
                         struct ope_error *err)
{
    enum report_format f;
    if (report_format_of(path, &f) != 0)
        return ope_fail(err, OPE_EUSAGE, "'%s': a report is .html or .md", path);
    if (!s->res)
        return ope_fail(err, OPE_EUSAGE, "no results to report yet: wait for the evaluation "
                        "to finish (or press r to run one)");
    struct report_in in;
    report_in_init(&in);
    in.r = s->res;
    in.blog = s->log;
    in.tlog = s->tlog;
    char title[300];
    if (s->title) {
        snprintf(title, sizeof title, "Off-policy evaluation report: %s", s->title);
        in.title = title;
    }
    in.note = s->note;
    in.reference = s->reference_value;
    in.reference_label = isfinite(s->reference_value) && s->reference_label[0]
                         ? s->reference_label : NULL;
    if (s->tlog && s->res_set.truth_path) {
        /* The evaluation put the truth file's values in the results; name the file
         * with its digest, as `ope report --truth` does. */
        struct report_input *x = &in.inputs[in.n_inputs++];
        struct ope_error ignored = { 0 };   /* the digest is informative only */
        x->role = "truth file";
        x->path = s->res_set.truth_path;
        if (sha256_file_hex(x->path, x->sha256, &ignored) != 0)
            x->sha256[0] = '\0';
        in.truth_source = "from the truth file";
    }
    struct strbuf cmd = STRBUF_INIT;
    equivalent_command(s, path, &cmd);
    in.cmdline = strbuf_str(&cmd);
    in.cmdline_label = "The same report from the shell (the workbench's settings; load "
                       "options such as --map given to ope tui are not recorded)";
    int rc = report_write(&in, path, 0, note, n, err);
    strbuf_release(&cmd);
    return rc;
}
