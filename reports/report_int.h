/* reports/report_int.h: internal to reports/: what a report computes before it
 * writes anything (log summaries, selection metrics, return distributions, charts),
 * and the section writers that read it. */
#ifndef REPORTS_REPORT_INT_H
#define REPORTS_REPORT_INT_H

#include <stddef.h>
#include "estimators/cdf.h"
#include "estimators/ops.h"
#include "reports/report.h"
#include "reports/report_doc.h"

struct gp;

/* Raw importance weights of one policy (bandit: per row, pi_e(a_i|x_i) / p_i;
 * trajectories: per trajectory, rho_{i,T-1}). */
struct report_weights {
    int known;                  /* 0: the policy is not in the log */
    double mean, max, ess, zero;    /* zero: share of weights equal to 0 */
};

/* What the data section shows about the log (reports/report_data.c). */
struct report_data {
    int have;                   /* 0: no log given (only r's summary) */
    int traj;
    size_t n;                   /* rows (bandit) or steps */
    size_t episodes;
    int n_actions, n_positions, n_states, horizon;
    size_t n_num_ctx, n_cat_ctx, n_features;
    int has_qhat, has_q;
    double p_min, p_mean, p_max, inv_p_mean;
    double r_min, r_mean, r_max;
    int r_binary;
    size_t *count;              /* [n_actions] how often each action was logged */
    double len_min, len_mean, len_max;
    size_t n_done;              /* episodes that ended in a terminal state */
    double *G;                  /* [episodes] discounted returns of the log */
    double g_min, g_mean, g_max;
    struct report_weights *w;   /* [r->n_policies] */
};

int report_data_compute(const struct report_in *in, struct report_data *d,
                        struct ope_error *err);
void report_data_release(struct report_data *d);

/* Selection metrics of every estimator (reports/report_select.c). */
struct report_sel {
    int shown;                  /* at least two candidates */
    size_t M, E;
    double *truth;              /* [M] when every candidate has one, else NULL */
    double J, tau;
    struct ops_result *ops;     /* [E] */
    char why_no_truth[300];
};

int report_sel_compute(const struct report_in *in, struct report_sel *s, struct ope_error *err);
void report_sel_release(struct report_sel *s);

/* Return distributions (reports/report_risk.c): for each policy the CDFs of
 * `ope eval --risk` (report_risk_methods), and the logged returns' own CDF. */
#define REPORT_RISK_MAX CDF_N_METHODS
struct report_risk_pol {
    int ok[REPORT_RISK_MAX];    /* per method: estimated */
    struct cdf_result cdf[REPORT_RISK_MAX];
    char why[300];              /* the first method that failed, and why */
};

struct report_risk {
    int shown;
    size_t n_methods;
    size_t n;                   /* r->n_policies */
    struct report_risk_pol *pol;
    int logged_ok;
    struct cdf_result logged;
    char why_all[300];          /* a method no policy has, and why (said once), or "" */
};

int report_risk_compute(const struct report_in *in, const struct report_data *d,
                        struct report_risk *k, struct ope_error *err);
void report_risk_release(struct report_risk *k);
/* The name of method m ("tis", "sn", "dr"), and the method drawn for a policy (-1: none). */
const char *report_risk_method_name(size_t m);
int report_risk_drawn(const struct report_risk_pol *rp, size_t n_methods);

enum { REPORT_CHART_ESTIMATES, REPORT_CHART_SHARPE, REPORT_CHART_CDF, REPORT_CHART_SEGMENTS,
       REPORT_N_CHARTS };

/* Everything the sections read. */
struct report_ctx {
    const struct report_in *in;
    const struct res_eval *r;
    struct report_data data;
    struct report_sel sel;
    struct report_risk risk;
    struct report_chart chart[REPORT_N_CHARTS];
    int wanted[REPORT_N_CHARTS];    /* the chart belongs in this report */
    char gnuplot[64];           /* version used, "" when none */
    char charts_note[300];      /* why there are no charts, "" when there are */
    const double *truth;        /* [n_policies] (in->truth or r's), or NULL */
    double J;                   /* J(pi_b) used throughout */
    const char *J_label;        /* what J is: the exact value, or the observed mean */
    const char *path;           /* the report's own path */
};

/* Charts (reports/report_chart.c): build each wanted chart's script and render it
 * to SVG with one gnuplot; failures become the chart's `why` (and `status`). */
void report_charts_render(struct report_ctx *c);
void report_charts_release(struct report_ctx *c);
/* Turn gnuplot's SVG output into an element safe to inline: the XML prolog dropped,
 * ids prefixed with "c<seq>-" (several charts in one page), and anything active
 * (script, event handlers, foreign objects, external references) refused. NULL with
 * why filled when refused. Exposed for the tests. */
char *report_svg_inline(const char *svg, int seq, char *why, size_t n);

/* Sections, in reading order. */
void report_sec_summary(struct report_doc *d, const struct report_ctx *c);     /* report_summary.c */
void report_sec_data(struct report_doc *d, const struct report_ctx *c);        /* report_sections.c */
void report_sec_estimates(struct report_doc *d, const struct report_ctx *c);   /* report_sections.c */
void report_sec_selection(struct report_doc *d, const struct report_ctx *c);   /* report_select.c */
void report_sec_segments(struct report_doc *d, const struct report_ctx *c);    /* report_segments.c */
void report_sec_risk(struct report_doc *d, const struct report_ctx *c);        /* report_risk.c */
void report_sec_methods(struct report_doc *d, const struct report_ctx *c);     /* report_methods.c */
void report_sec_repro(struct report_doc *d, const struct report_ctx *c);       /* report_methods.c */

/* Interval label: "95% bootstrap" / "no" */
void report_ci_label(const struct res_eval *r, char *buf, size_t n);

#endif
