/* viz/chart.h: chart builders. Each turns results (the shared result model, or plain
 * arrays) into a gnuplot script appended to a strbuf — numbers in inline datablocks,
 * every name through gp_quote and drawn `noenhanced` — which gp_render (or the
 * one-shot gp_run) draws in a text pane or a file, so the TUI, `ope plot` and the
 * reports draw the same charts. Every series takes its style from one table (23
 * entries, more than the registry has estimators): a colour, point type and dash
 * pattern in files, a letter in the `dumb` text terminal, where the legend reads
 * "A name"; the truth and reference lines differ from every series. One script serves
 * both kinds of terminal (gp_render tells it which). Legends sit outside the data
 * (right in files, below in text); axes span the data. A chart with nothing
 * finite to draw says so in its frame instead of failing. */
#ifndef VIZ_CHART_H
#define VIZ_CHART_H

#include <stddef.h>
#include "estimators/result.h"
#include "ope/base/strbuf.h"

/* One curve: n points (x[i], y[i]) with an optional band lo[i]..hi[i] (both NULL for
 * none). Non-finite points are left out. */
struct chart_series {
    const char *name;           /* legend entry (any text: it is escaped) */
    size_t n;
    const double *x, *y;
    const double *lo, *hi;
};

/* Title and axis labels; NULL fields get the chart's default. dumb: 1 when drawing
 * for the text terminal, where a chart may draw fewer points (the script itself
 * switches bands to sparse error bars there). */
struct chart_text {
    const char *title, *xlabel, *ylabel;
    int dumb;
};

/* (a) Estimates with interval bars: one group per policy, one colour per estimator,
 * the ground truth as a dashed black bar over the group when known, and an optional
 * reference value (e.g. the logged policy's mean reward) as a dotted line (NAN: none).
 * policy < 0: every policy, else only that one. */
void chart_estimates(const struct res_eval *r, long policy, double reference,
                     const char *reference_label, struct strbuf *sb);

/* chart_estimates with its title and axis labels from t (NULL, or NULL fields: the
 * defaults); the segments chart draws segments as the groups through it. */
void chart_estimates_text(const struct res_eval *r, long policy, double reference,
                          const char *reference_label, const struct chart_text *t,
                          struct strbuf *sb);

/* (a') The segments of r (ope eval --by; r->segments not NULL) for estimator e: one
 * group per segment, one colour per policy, each bar its simultaneous interval
 * (viz/chart_segments.c). */
void chart_segments(const struct res_eval *r, size_t e, struct strbuf *sb);

/* (c) Estimate against sample size (teaching: why importance sampling explodes): for
 * each of n_series estimators, value / lower / upper at sizes[0..m-1], stored as
 * value[s * m + k]; truth NAN if unknown. lower/upper may be NULL. */
void chart_sample_size(const char *const *names, size_t n_series, const double *sizes,
                       size_t m, const double *value, const double *lower,
                       const double *upper, double truth, const char *title,
                       struct strbuf *sb);

/* (b) Histogram of importance weights with logarithmic bins; zero, negative and
 * non-finite weights are counted in the title (not drawn), a dashed line marks w = 1. */
void chart_weights(const double *w, size_t n, const char *title, struct strbuf *sb);

/* (c') The same sample-size chart from series (x = n on a log axis, band = spread
 * over repetitions), with the truth as a line when finite. */
void chart_vs_n(const struct chart_series *s, size_t ns, double truth,
                const struct chart_text *t, struct strbuf *sb);

/* (d) Return CDFs, one step curve per policy (x = return, y = F in [0, 1]). */
void chart_cdf(const struct chart_series *s, size_t ns, const struct chart_text *t,
               struct strbuf *sb);

/* (e) Top-k curves of a selection metric, one line per estimator (x = k). */
void chart_topk(const struct chart_series *s, size_t ns, const struct chart_text *t,
                struct strbuf *sb);

/* (f) Regret or per-episode value curves: mean lines with seed bands. */
void chart_curves(const struct chart_series *s, size_t ns, const struct chart_text *t,
                  struct strbuf *sb);

#endif
