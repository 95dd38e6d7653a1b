/* viz/chart.c: gnuplot scripts for the charts of chart.h. Data travel in inline
 * datablocks holding numbers only; names travel as quoted tic labels and titles. */
#include "config.h"
#include "viz/chart.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz/gp.h"

static void num(struct strbuf *sb, double v)
{
    if (isnan(v) || isinf(v))
        strbuf_puts(sb, " NaN");
    else
        strbuf_printf(sb, " %.10g", v);
}

void chart_estimates(const struct res_eval *r, long policy, double reference,
                     const char *reference_label, struct strbuf *sb)
{
    size_t p0 = policy < 0 ? 0 : (size_t)policy;
    size_t p1 = policy < 0 ? r->n_policies : (size_t)policy + 1;
    strbuf_puts(sb, "$est << EOD\n");
    size_t x = 0;
    for (size_t p = p0; p < p1; p++) {
        for (size_t e = 0; e < r->pol[p].n_estimates; e++, x++) {
            const struct res_estimate *s = &r->pol[p].est[e];
            strbuf_printf(sb, "%zu", x);
            num(sb, s->value);
            num(sb, isnan(s->lower) ? s->value : s->lower);
            num(sb, isnan(s->upper) ? s->value : s->upper);
            num(sb, r->pol[p].truth);
            strbuf_putc(sb, '\n');
        }
        x++;    /* a gap between policies */
    }
    strbuf_puts(sb, "EOD\n");
    strbuf_puts(sb, "set title ");
    char title[256];
    if (policy >= 0)
        snprintf(title, sizeof title, "Estimates of policy %s (%.3g%% %s intervals)",
                 r->pol[p0].name, 100 * (1 - r->alpha), r->ci);
    else
        snprintf(title, sizeof title, "Estimates per policy (%.3g%% %s intervals)",
                 100 * (1 - r->alpha), r->ci);
    gp_quote(sb, title);
    strbuf_puts(sb, " noenhanced\nset xtics rotate by -45 noenhanced\nset xtics (");
    x = 0;
    int first = 1;
    for (size_t p = p0; p < p1; p++) {
        for (size_t e = 0; e < r->pol[p].n_estimates; e++, x++) {
            char label[200];
            if (p1 - p0 > 1)
                snprintf(label, sizeof label, "%s %s", r->pol[p].name, r->pol[p].est[e].label);
            else
                snprintf(label, sizeof label, "%s", r->pol[p].est[e].label);
            if (!first)
                strbuf_puts(sb, ", ");
            gp_quote(sb, label);
            strbuf_printf(sb, " %zu", x);
            first = 0;
        }
        x++;
    }
    strbuf_printf(sb, ")\nset xrange [-1:%zu]\nset grid ytics\nset key top left noenhanced\n"
                  "set ylabel 'value'\n", x);
    strbuf_puts(sb, "plot $est using 1:2:3:4 with yerrorbars pt 7 lc rgb '#0072B2' "
                    "title 'estimate and interval', "
                    "$est using 1:5 with points pt 2 ps 1.5 lc rgb '#D55E00' title 'ground truth'");
    if (!isnan(reference)) {
        strbuf_printf(sb, ", %.10g with lines dt 2 lc rgb '#009E73' title ", reference);
        gp_quote(sb, reference_label ? reference_label : "reference");
    }
    strbuf_putc(sb, '\n');
}

void chart_sample_size(const char *const *names, size_t n_series, const double *sizes,
                       size_t m, const double *value, const double *lower,
                       const double *upper, double truth, const char *title,
                       struct strbuf *sb)
{
    static const char *const colours[] = { "#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                           "#E69F00", "#56B4E9" };
    for (size_t s = 0; s < n_series; s++) {
        strbuf_printf(sb, "$s%zu << EOD\n", s);
        for (size_t k = 0; k < m; k++) {
            strbuf_printf(sb, "%.10g", sizes[k]);
            num(sb, value[s * m + k]);
            num(sb, lower[s * m + k]);
            num(sb, upper[s * m + k]);
            strbuf_putc(sb, '\n');
        }
        strbuf_puts(sb, "EOD\n");
    }
    strbuf_puts(sb, "set title ");
    gp_quote(sb, title);
    strbuf_puts(sb, " noenhanced\nset logscale x\nset xlabel 'rows used (n)'\n"
                    "set ylabel 'estimate'\nset key top right noenhanced\nset grid\nplot ");
    for (size_t s = 0; s < n_series; s++) {
        strbuf_printf(sb, "%s$s%zu using 1:2:3:4 with yerrorlines lc rgb '%s' title ",
                      s ? ", " : "", s, colours[s % 6]);
        gp_quote(sb, names[s]);
    }
    if (!isnan(truth))
        strbuf_printf(sb, ", %.10g with lines dt 2 lc rgb 'black' title 'truth'", truth);
    strbuf_putc(sb, '\n');
}

void chart_weights(const double *w, size_t n, const char *title, struct strbuf *sb)
{
    /* 24 log-spaced bins between the smallest positive weight and the largest. */
    double lo = INFINITY, hi = 0;
    size_t zeros = 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i] <= 0) {
            zeros++;
            continue;
        }
        lo = w[i] < lo ? w[i] : lo;
        hi = w[i] > hi ? w[i] : hi;
    }
    enum { BINS = 24 };
    size_t count[BINS] = { 0 };
    double l0 = isinf(lo) ? 0 : log10(lo), l1 = hi > 0 ? log10(hi) : 1;
    if (l1 <= l0)
        l1 = l0 + 1;
    for (size_t i = 0; i < n; i++) {
        if (w[i] <= 0)
            continue;
        int b = (int)((log10(w[i]) - l0) / (l1 - l0) * BINS);
        count[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]++;
    }
    strbuf_puts(sb, "$w << EOD\n");
    for (int b = 0; b < BINS; b++)
        strbuf_printf(sb, "%.10g %zu\n", pow(10, l0 + (b + 0.5) * (l1 - l0) / BINS), count[b]);
    strbuf_puts(sb, "EOD\nset title ");
    char full[300];
    snprintf(full, sizeof full, "%s (%zu rows, %zu with weight 0)", title, n, zeros);
    gp_quote(sb, full);
    strbuf_puts(sb, " noenhanced\nset logscale x\nset xlabel 'importance weight pi_e/pi_b'\n"
                    "set ylabel 'rows'\nset style fill solid 0.6\nset boxwidth 0.8 relative\n"
                    "set key off\nplot $w using 1:2 with boxes lc rgb '#0072B2'\n");
}
