/* reports/report_session.c: the TUI's report export. The session already holds the
 * log, the result and the settings; the command line shown is the `ope report` call
 * that recomputes the same numbers from the shell. */
#include "config.h"
#include "reports/report_session.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ope/base/strbuf.h"
#include "reports/report.h"

/* `ope report PATH --estimators ... -o FILE` with the settings that produced the
 * session's results (not the ones being edited for the next run). */
static void equivalent_command(const struct session *s, const char *path, struct strbuf *sb)
{
    int demo = s->title && strncmp(s->title, "demo:", 5) == 0;
    char alpha[32], boot[32], seed[32], folds[32];
    snprintf(alpha, sizeof alpha, "%g", s->res_set.alpha);
    snprintf(boot, sizeof boot, "%d", s->res_set.n_boot);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)s->res_set.seed);
    snprintf(folds, sizeof folds, "%d", s->res_set.folds);
    char *args[20];
    int n = 0;
    args[n++] = "ope";
    args[n++] = "report";
    if (demo)
        args[n++] = "--demo";
    else
        args[n++] = s->path ? s->path : "LOG.csv";
    if (s->res_set.estimators[0]) {
        args[n++] = "--estimators";
        args[n++] = (char *)s->res_set.estimators;
    }
    args[n++] = "--ci";
    args[n++] = (char *)s->res_set.ci;
    args[n++] = "--alpha";
    args[n++] = alpha;
    if (strcmp(s->res_set.ci, "bootstrap") == 0) {
        args[n++] = "--n-boot";
        args[n++] = boot;
    }
    args[n++] = "--seed";
    args[n++] = seed;
    if (s->log) {
        args[n++] = "--reward-model";
        args[n++] = (char *)s->res_set.reward_model;
        args[n++] = "--folds";
        args[n++] = folds;
    }
    args[n++] = "-o";
    args[n++] = (char *)path;
    report_quote_args(sb, n, args);
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
    struct strbuf cmd = STRBUF_INIT;
    equivalent_command(s, path, &cmd);
    in.cmdline = strbuf_str(&cmd);
    in.cmdline_label = "The same report from the shell (the workbench's settings; load "
                       "options such as --map given to ope tui are not recorded)";
    int rc = report_write(&in, path, 0, note, n, err);
    strbuf_release(&cmd);
    return rc;
}
