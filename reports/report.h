/* reports/report.h: report files (`ope report`, the TUI's export): one evaluation
 * result (the shared result model) and what the caller knows about it, written as a
 * self-contained HTML file or as Markdown with its charts as SVG files next to it.
 * Sections: summary, data, estimates, selection, risk (trajectory logs), methods,
 * reproducibility. Every output file is written atomically (ope/base/outfile.h). */
#ifndef REPORTS_REPORT_H
#define REPORTS_REPORT_H

#include <stddef.h>
#include "datasets/blog.h"
#include "datasets/tlog.h"
#include "estimators/ops.h"
#include "estimators/result.h"

struct traj_returns;
#include "ope/base/error.h"

enum report_format { REPORT_HTML, REPORT_MD };

/* Another file the results depend on (truth file, the demo's second log). */
struct report_input {
    const char *role;           /* "truth file", "BTS log (policy bts)" */
    const char *path;
    char sha256[65];            /* "" when unknown */
};

#define REPORT_MAX_INPUTS 4

struct report_in {
    const struct res_eval *r;   /* the evaluation (required) */
    /* The same log r was computed from, for the data section and the return
     * distributions; both NULL: those parts say the log was not available. */
    const struct blog *blog;
    const struct tlog *tlog;
    /* Why both are NULL, for the data section ("it was read in windows ..."), or
     * NULL: not said. */
    const char *no_log;
    /* A trajectory log read in windows: every episode's return and the weights of r's
     * policies, in r's order (trajret.h), for the return distributions (tis and sn;
     * dr needs the log), or NULL. */
    const struct traj_returns *returns;
    const char *title;          /* NULL: "Off-policy evaluation: BASENAME" */
    const char *note;           /* a paragraph of context (the demo's story), or NULL */
    double reference;           /* an outside value to compare with (NAN: none) */
    const char *reference_label;    /* "BTS's observed click rate" */
    double reference_half;      /* its 95% half-width, or NAN */
    /* True values of r's policies, in r's order (a --truth file); NULL: r's own
     * ground truth (q.* columns, exact values), when every policy has one. */
    const double *truth;
    const char *truth_source;   /* how the truth was obtained, for the text */
    double behavior_truth;      /* J(pi_b) from the truth file, or NAN (then r's) */
    struct ops_opts ops;        /* selection settings (ops_opts_init) */
    double risk_alpha;          /* CVaR level of the return distributions (0.1) */
    const char *cmdline;        /* the exact command line, or NULL */
    const char *cmdline_label;  /* NULL: "Command line" */
    struct report_input inputs[REPORT_MAX_INPUTS];
    size_t n_inputs;
    int no_charts;              /* 1: leave the charts out (no gnuplot started) */
};

/* Defaults: everything empty, reference NAN, ops_opts_init, risk_alpha 0.1. */
void report_in_init(struct report_in *in);

/* The format for an output path by its extension (.html, .htm, .md, .markdown; any
 * case; "-", standard output, is HTML): 0, or -1 when the extension is none of them. */
int report_format_of(const char *path, enum report_format *f);

/* Check that the report (and, for Markdown, each chart file it may write) can be
 * written: ope_outfile_check on each. OPE_EUSAGE for a bad extension. */
int report_check_paths(const char *path, int force, struct ope_error *err);

/* Write the report. On success note (when not NULL) says what was written and
 * anything the reader should know (e.g. "no charts: gnuplot is not installed").
 * On failure nothing new is left on disk (temporary files removed, chart files this
 * call wrote removed again) and err says why: OPE_ECANTCREAT (73) for an output
 * that cannot be written or exists without force, OPE_EUSAGE for a bad name. */
int report_write(const struct report_in *in, const char *path, int force, char *note,
                 size_t note_size, struct ope_error *err);

/* The same report into memory (the document only; Markdown chart files are not
 * written): for tests. *out is malloc'ed. */
int report_render(const struct report_in *in, enum report_format f, const char *chart_base,
                  char **out, size_t *len, char *note, size_t note_size,
                  struct ope_error *err);

/* The current date and time in UTC as ISO 8601 ("2024-05-01T12:00:00Z"), or the
 * value of $OPE_REPORT_DATE when set (reproducible tests). */
void report_date(char *buf, size_t n);

#endif
