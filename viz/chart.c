/* viz/chart.c: the chart builders. Each writes a gnuplot script: style settings, the
 * numbers as inline datablocks (numbers only, so no data line can read as "EOD"), and
 * a plot command whose every title and label comes from gp_quote. */
#include "config.h"
#include "viz/chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/diag.h"
#include "viz/gpesc.h"

/* One style per series, from one table: a colour, a point type and a dash pattern for
 * the file terminals and a letter for the text terminal, all distinct over the first
 * N_STYLE series (more series than the registry has estimators). The colours start
 * with the Okabe & Ito (2008) colour-blind-safe palette and go on with Paul Tol's
 * muted and dark sets; black, grey and pale yellow are kept out because the truth and
 * reference lines (black, grey) must differ from every series and yellow fades on
 * white. Letters leave out I, O and X (read as axis marks and error bars). */
static const struct series_style {
    const char *rgb;
    int pt;                 /* gnuplot point type (file terminals) */
    int dt;                 /* dash type: solid for the first colours, then dashes */
    char glyph;             /* the series' letter in the dumb terminal */
} styles[] = {
    { "#0072B2", 5, 1, 'A' }, { "#D55E00", 7, 1, 'B' }, { "#009E73", 9, 1, 'C' },
    { "#CC79A7", 11, 1, 'D' }, { "#E69F00", 13, 1, 'E' }, { "#56B4E9", 4, 1, 'F' },
    { "#332288", 6, 1, 'G' }, { "#882255", 8, 1, 'H' }, { "#117733", 10, 2, 'J' },
    { "#AA4499", 12, 2, 'K' }, { "#44AA99", 14, 2, 'L' }, { "#999933", 1, 2, 'M' },
    { "#661100", 2, 2, 'N' }, { "#6699CC", 3, 2, 'P' }, { "#DDAA33", 5, 2, 'Q' },
    { "#BB5566", 7, 2, 'R' }, { "#004488", 9, 4, 'S' }, { "#997700", 11, 4, 'T' },
    { "#EE3377", 13, 4, 'U' }, { "#33BBEE", 4, 4, 'V' }, { "#009988", 6, 4, 'W' },
    { "#EE7733", 8, 4, 'Y' }, { "#994455", 10, 4, 'Z' },
};
enum { N_STYLE = sizeof styles / sizeof styles[0] };

/* `set KEY 'text' noenhanced` */
static void set_text(struct strbuf *sb, const char *key, const char *text)
{
    strbuf_printf(sb, "set %s ", key);
    gp_quote(sb, text);
    strbuf_puts(sb, " noenhanced\n");
}

/* Settings every chart shares: the series styles, grid, legend, labels. A script
 * serves both kinds of terminal: gp_render defines OPE_DUMB (and OPE_COLS, OPE_ROWS)
 * for the text terminal, and the parts that differ test it. */
static void prelude(struct strbuf *sb, const struct chart_text *t, const char *title,
                    const char *xlabel, const char *ylabel)
{
    for (int i = 0; i < N_STYLE; i++)
        strbuf_printf(sb, "set linetype %d lc rgb '%s' lw 2 pt %d ps 1.2 dt %d\n", i + 1,
                      styles[i].rgb, styles[i].pt, styles[i].dt);
    /* Grid dots clutter the text terminal. Legends sit outside the data: to the right
     * in files, below in text, each entry "A name" (the series' letter, then its name)
     * rather than gnuplot's sample line. */
    strbuf_printf(sb, "set linetype cycle %d\nset grid lc rgb '#dddddd'\n"
                  "if (exists(\"OPE_DUMB\")) unset grid\nset border 3\n"
                  "if (exists(\"OPE_DUMB\")) { set key below horizontal Left reverse samplen 1 "
                  "noenhanced } else { set key outside right top vertical Left reverse "
                  "noenhanced }\nset tics nomirror noenhanced\n", N_STYLE);
    /* A tick step giving about one tick per three text rows (1, 2 or 5 times a power of
     * ten): gnuplot's own choice ignores the height, and its labels then run together. */
    /* 1.0 * and 2.0: with integer bounds (lo 1, hi 2) and a short chart, gnuplot's
     * integer division made the step 0 and its logarithm undefined. */
    strbuf_puts(sb, "ope_step(lo, hi, rows) = (ope_r = 1.0 * (hi - lo) / ((rows - 9) / 3.0 > 2 ? "
                    "(rows - 9) / 3.0 : 2.0), ope_p = 10**floor(log10(ope_r)), ope_m = ope_r / "
                    "ope_p, (ope_m <= 1 ? 1 : ope_m <= 2 ? 2 : ope_m <= 5 ? 5 : 10) * ope_p)\n");
    set_text(sb, "title", t && t->title ? t->title : title);
    set_text(sb, "xlabel", t && t->xlabel ? t->xlabel : xlabel);
    set_text(sb, "ylabel", t && t->ylabel ? t->ylabel : ylabel);
}

/* The y tick step of the text terminal for data in lo..hi. */
static void dumb_yticks(struct strbuf *sb, double lo, double hi)
{
    if (isfinite(lo) && isfinite(hi) && hi > lo)
        strbuf_printf(sb, "if (exists(\"OPE_DUMB\")) set ytics ope_step(%.17g, %.17g, "
                      "OPE_ROWS)\n", lo, hi);
}

/* Widen [*lo, *hi] to hold v when it is finite. */
static void span(double v, double *lo, double *hi)
{
    if (isfinite(v)) {
        *lo = v < *lo ? v : *lo;
        *hi = v > *hi ? v : *hi;
    }
}

/* `pt 'A'`: series k's letter for the text terminal. */
static void glyph_pt(struct strbuf *sb, size_t k)
{
    strbuf_printf(sb, "pt '%c'", styles[k % N_STYLE].glyph);
}

/* The frame of an empty chart with a message in it. */
static void nothing_to_draw(struct strbuf *sb, const char *why)
{
    strbuf_puts(sb, "unset logscale\nset label ");
    gp_quote(sb, why);
    strbuf_puts(sb, " at graph 0.5, graph 0.5 center noenhanced\nplot [0:1][0:1] NaN notitle\n");
}

static int finite3(double a, double b, double c) { return isfinite(a) && isfinite(b) && isfinite(c); }

void chart_estimates(const struct res_eval *r, long policy, double reference,
                     const char *reference_label, struct strbuf *sb)
{
    chart_estimates_text(r, policy, reference, reference_label, NULL, sb);
}

void chart_estimates_text(const struct res_eval *r, long policy, double reference,
                          const char *reference_label, const struct chart_text *t,
                          struct strbuf *sb)
{
    size_t p0 = policy < 0 ? 0 : (size_t)policy;
    size_t p1 = policy < 0 ? r->n_policies : (size_t)policy + 1;
    if (p1 > r->n_policies)
        p0 = p1 = 0;
    size_t E = 0;
    for (size_t p = p0; p < p1; p++)
        E = r->pol[p].n_estimates > E ? r->pol[p].n_estimates : E;
    struct strbuf title = STRBUF_INIT;     /* the whole name, however long */
    char ivl[64];
    if (strcmp(r->ci, "none") == 0 || !r->ci[0])
        snprintf(ivl, sizeof ivl, "no intervals");
    else
        snprintf(ivl, sizeof ivl, "%.3g%% %s intervals", 100 * (1 - r->alpha), r->ci);
    if (t && t->title)
        strbuf_puts(&title, t->title);
    else if (policy >= 0 && p1 > p0)
        strbuf_printf(&title, "Estimates of policy %s, %s", r->pol[p0].name, ivl);
    else
        strbuf_printf(&title, "Estimated policy values, %s", ivl);
    prelude(sb, NULL, strbuf_str(&title), t && t->xlabel ? t->xlabel : "evaluation policy",
            t && t->ylabel ? t->ylabel : "estimated value");
    if (strbuf_failed(&title))
        sb->failed = 1;
    strbuf_release(&title);
    /* Estimator e of the k-th drawn policy sits at k + offset(e) inside the group. */
    double width = E ? 0.8 / (double)E : 0.8;
    size_t drawn = 0;
    for (size_t e = 0; e < E; e++) {
        strbuf_printf(sb, "$est%zu << EOD\n", e);
        for (size_t p = p0; p < p1; p++) {
            if (e >= r->pol[p].n_estimates)
                continue;
            const struct res_estimate *x = &r->pol[p].est[e];
            if (!isfinite(x->value))
                continue;
            int ci = isfinite(x->lower) && isfinite(x->upper);
            strbuf_printf(sb, "%.17g %.17g %.17g %.17g\n",
                          (double)(p - p0) + ((double)e - (E - 1) / 2.0) * width, x->value,
                          ci ? x->lower : x->value, ci ? x->upper : x->value);
            drawn++;
        }
        strbuf_puts(sb, "EOD\n");
    }
    if (drawn == 0) {
        nothing_to_draw(sb, "no finite estimate to draw");
        return;
    }
    int truth = 0;
    strbuf_puts(sb, "$truth << EOD\n");
    for (size_t p = p0; p < p1; p++) {
        if (!isfinite(r->pol[p].truth))
            continue;
        truth = 1;
        double c = (double)(p - p0);
        strbuf_printf(sb, "%.17g %.17g\n%.17g %.17g\n\n", c - 0.45, r->pol[p].truth,
                      c + 0.45, r->pol[p].truth);
    }
    strbuf_puts(sb, "EOD\n");
    double ylo = INFINITY, yhi = -INFINITY;
    size_t longest = 0;
    for (size_t p = p0; p < p1; p++) {
        size_t len = strlen(r->pol[p].name);
        longest = len > longest ? len : longest;
        span(r->pol[p].truth, &ylo, &yhi);
        for (size_t e = 0; e < r->pol[p].n_estimates; e++) {
            span(r->pol[p].est[e].value, &ylo, &yhi);
            span(r->pol[p].est[e].lower, &ylo, &yhi);
            span(r->pol[p].est[e].upper, &ylo, &yhi);
        }
    }
    span(reference, &ylo, &yhi);
    dumb_yticks(sb, ylo, yhi);
    size_t np = p1 - p0;
    strbuf_puts(sb, "set xtics (");
    for (size_t p = p0; p < p1; p++) {
        gp_quote_tic(sb, r->pol[p].name);
        strbuf_printf(sb, " %zu%s", p - p0, p + 1 < p1 ? ", " : "");
    }
    /* Policy names that would run into each other: slanted in files (about 7 pixels a
     * character on a plot some 600 pixels wide; down to the right, where the legend's
     * column leaves room, not left off the canvas); in text, where nothing turns, every
     * other name goes one row lower. */
    strbuf_printf(sb, ")\nif (!exists(\"OPE_DUMB\") && %zu > 80) set xtics rotate by -30 left\n",
                  np * (longest + 2));
    if (np > 1) {
        strbuf_printf(sb, "if (exists(\"OPE_DUMB\") && (OPE_COLS - 12.0) / %zu < %zu) {\n"
                      "set xtics (", np, longest + 2);
        for (size_t p = p0; p < p1; p++)
            strbuf_printf(sb, "'' %zu%s", p - p0, p + 1 < p1 ? ", " : "");
        strbuf_puts(sb, ")\n");
        for (size_t p = p0; p < p1; p++) {
            strbuf_printf(sb, "set label %zu ", p - p0 + 1);
            gp_quote(sb, r->pol[p].name);
            strbuf_printf(sb, " at first %zu, graph 0 center offset 0, %d noenhanced\n",
                          p - p0, (p - p0) % 2 ? -2 : -1);
        }
        strbuf_puts(sb, "set xlabel offset 0, -1\n}\n");
    }
    strbuf_printf(sb, "set xrange [-0.6:%g]\nset offsets 0, 0, graph 0.05, graph 0.05\n"
                  "set grid noxtics ytics\n", (double)np - 0.4);
    /* Files: coloured bars with markers. Text: the truth a line of '=' and the
     * reference one of '&' (pen characters no estimator uses) drawn first, then the
     * bars dotted, then each estimator's letter at its estimates, on top of the rest;
     * the legend entries of the lines are points, so each reads "= name" too. */
    strbuf_puts(sb, "if (exists(\"OPE_DUMB\")) {\nunset grid\nset bars 0\nplot ");
    if (isfinite(reference))
        strbuf_printf(sb, "%.17g with lines lt 6 notitle, ", reference);
    if (truth)
        strbuf_puts(sb, "$truth using 1:2 with lines lt 7 notitle, ");
    for (size_t e = 0; e < E; e++) {
        strbuf_printf(sb, "$est%zu using 1:2:3:4 with yerrorbars lt 0 ", e);
        glyph_pt(sb, e);
        strbuf_puts(sb, " notitle, ");
    }
    for (size_t e = 0; e < E; e++) {
        const struct res_estimate *x = &r->pol[p0].est[e < r->pol[p0].n_estimates ? e : 0];
        strbuf_printf(sb, "$est%zu using 1:2 with points ", e);
        glyph_pt(sb, e);
        strbuf_puts(sb, " title ");
        gp_quote(sb, x->label ? x->label : x->estimator);
        strbuf_puts(sb, " noenhanced, ");
    }
    if (truth)
        strbuf_puts(sb, "NaN with points pt '=' title 'ground truth', ");
    if (isfinite(reference)) {
        strbuf_puts(sb, "NaN with points pt '&' title ");
        gp_quote(sb, reference_label ? reference_label : "reference");
        strbuf_puts(sb, " noenhanced, ");
    }
    strbuf_puts(sb, "NaN notitle\n} else {\nplot ");
    for (size_t e = 0; e < E; e++) {
        const struct res_estimate *x = &r->pol[p0].est[e < r->pol[p0].n_estimates ? e : 0];
        strbuf_printf(sb, "$est%zu using 1:2:3:4 with yerrorbars ls %zu title ", e,
                      e % N_STYLE + 1);
        gp_quote(sb, x->label ? x->label : x->estimator);
        strbuf_puts(sb, " noenhanced, ");
    }
    if (truth)
        strbuf_puts(sb, "$truth using 1:2 with lines lc rgb '#000000' lw 3 dt 2 "
                        "title 'ground truth', ");
    if (isfinite(reference)) {
        strbuf_printf(sb, "%.17g with lines lc rgb '#888888' lw 1 dt 3 title ", reference);
        gp_quote(sb, reference_label ? reference_label : "reference");
        strbuf_puts(sb, " noenhanced, ");
    }
    strbuf_puts(sb, "NaN notitle\n}\n");
}

void chart_weights(const double *w, size_t n, const char *title, struct strbuf *sb)
{
    /* The statistics every other part of ope reports (estimators/diag.h). */
    struct diag_weights dw;
    diag_weights_of(w, n, &dw);
    size_t zeros = dw.n_zero, pos = n - dw.n_bad - dw.n_zero;
    double lo = dw.min_pos, hi = pos ? dw.max : 0.0;
    char xl[400];
    snprintf(xl, sizeof xl, "weight pi_e/pi_b, log scale (%zu rows, %zu zero%s, max %.4g, "
             "ESS %.4g)", n, zeros, dw.n_bad ? ", some invalid" : "", hi, dw.ess);
    struct chart_text t = { title ? title : "Importance weights", xl, NULL, 0 };
    prelude(sb, &t, NULL, NULL, "rows");
    if (pos == 0) {
        nothing_to_draw(sb, "no positive weight: the policy never takes a logged action");
        return;
    }
    /* About sqrt(n) bins, between 5 and 40: detail without ragged noise. */
    double root = sqrt((double)pos);
    int bins = root < 5 ? 5 : root > 40 ? 40 : (int)root;
    size_t count[40] = { 0 };
    double l0 = log10(lo), l1 = log10(hi);
    if (l1 - l0 < 1e-9) {
        l0 -= 0.5;
        l1 += 0.5;
    }
    double step = (l1 - l0) / bins;
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(w[i]) && w[i] > 0.0))
            continue;
        int b = (int)floor((log10(w[i]) - l0) / step);
        count[b < 0 ? 0 : b >= bins ? bins - 1 : b]++;
    }
    strbuf_puts(sb, "$w << EOD\n");
    for (int b = 0; b < bins; b++) {
        double a = pow(10.0, l0 + b * step), c = pow(10.0, l0 + (b + 1) * step);
        strbuf_printf(sb, "%.17g %zu %.17g %.17g\n", sqrt(a * c), count[b], a, c);
    }
    /* The axis spans the bins (gnuplot would round a log axis out to whole decades). */
    strbuf_printf(sb, "EOD\nset xrange [%.17g:%.17g]\n", pow(10.0, l0), pow(10.0, l1));
    strbuf_puts(sb, "set logscale x 10\nset format x '%g'\nset yrange [0:*]\n"
                    "set style fill solid 0.6 border lc rgb '#333333'\n");
    if (pow(10.0, l0) <= 1.0 && pow(10.0, l1) >= 1.0)
        strbuf_puts(sb, "set arrow from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb "
                        "'#000000' lw 1\n");
    /* Under two decades a log axis gets one tick or none: ticks at 1, 2 and 5 times
     * the powers of ten inside the range instead, or at every digit, or (in a narrow
     * range) at five values of two digits spread evenly, whichever first makes three. */
    if (l1 - l0 < 2) {
        static const int coarse[] = { 1, 2, 5 }, fine[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
        struct strbuf tics = STRBUF_INIT;
        int nt = 0;
        for (int pass = 0; pass < 3 && nt < 3; pass++) {
            strbuf_reset(&tics);
            nt = 0;
            if (pass == 2) {
                for (int j = 0; j < 5; j++) {
                    double v = pow(10.0, l0 + (l1 - l0) * (j + 0.5) / 5);
                    double unit = pow(10.0, floor(log10(v)) - 1);
                    v = round(v / unit) * unit;
                    strbuf_printf(&tics, "%s'%g' %.17g", nt++ ? ", " : "", v, v);
                }
                break;
            }
            const int *mult = pass ? fine : coarse;
            for (int k = (int)floor(l0); k <= (int)ceil(l1); k++)
                for (int j = 0; j < (pass ? 9 : 3); j++) {
                    double v = mult[j] * pow(10.0, k);
                    if (log10(v) >= l0 - 1e-9 && log10(v) <= l1 + 1e-9)
                        strbuf_printf(&tics, "%s'%g' %.17g", nt++ ? ", " : "", v, v);
                }
        }
        if (nt)
            strbuf_printf(sb, "set xtics (%s)\n", strbuf_str(&tics));
        strbuf_release(&tics);
    }
    /* In text the legend entry is a point ("* rows per bin"), not a sample of boxes. */
    strbuf_puts(sb, "if (exists(\"OPE_DUMB\")) {\nplot $w using 1:2:3:4:(0):2 with boxxyerror "
                    "ls 1 notitle, NaN with points pt '*' title 'rows per bin'\n} else {\n"
                    "plot $w using 1:2:3:4:(0):2 with boxxyerror ls 1 title 'rows per bin'\n}\n");
}

enum style { ST_BAND, ST_STEPS, ST_POINTS };

/* Shared body of the series charts: one datablock and one or two plot elements per
 * series. Files: a line in the series' colour and dashes, bands as translucent areas.
 * Text: the line in one of the pen characters * # $ %, the series' letter on about a
 * dozen of its points (in the legend too), bands as dotted error bars without caps on
 * a quarter of those points only (and none beyond six series), so they never hide the
 * lines; the horizontal line is of '='.
 * The x axis spans the data (topk keeps its margins around whole k). */
static void series_chart(const struct chart_series *s, size_t ns, enum style st, int logx,
                         double hline, const char *hname, struct strbuf *sb)
{
    size_t drawn = 0;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    size_t *every = calloc(ns ? ns : 1, sizeof *every);
    if (!every) {
        sb->failed = 1;     /* the caller sees strbuf_failed() */
        return;
    }
    for (size_t k = 0; k < ns; k++) {
        int band = s[k].lo && s[k].hi;
        size_t here = 0;
        strbuf_printf(sb, "$s%zu << EOD\n", k);
        for (size_t i = 0; i < s[k].n; i++) {
            double x = s[k].x[i], y = s[k].y[i];
            if (!isfinite(x) || !isfinite(y) || (logx && x <= 0))
                continue;
            double a = band ? s[k].lo[i] : y, b = band ? s[k].hi[i] : y;
            if (!finite3(a, b, 0))
                a = b = y;
            strbuf_printf(sb, "%.17g %.17g %.17g %.17g\n", x, y, a, b);
            span(x, &xlo, &xhi);
            span(y, &ylo, &yhi);
            span(a, &ylo, &yhi);
            span(b, &ylo, &yhi);
            here++;
        }
        strbuf_puts(sb, "EOD\n");
        every[k] = here > 12 ? (here + 11) / 12 : 1;
        drawn += here;
    }
    if (drawn == 0) {
        free(every);
        nothing_to_draw(sb, "no finite point to draw");
        return;
    }
    if (logx)
        strbuf_puts(sb, "set logscale x 10\nset format x '%g'\n");
    if (st != ST_POINTS && xhi > xlo) {
        /* In text the first and last points would fall on the frame and vanish under
         * it: a margin of 2% of the axis there. */
        double pad = logx ? pow(xhi / xlo, 0.02) : 0.02 * (xhi - xlo);
        strbuf_printf(sb, "set xrange [%.17g:%.17g]\nif (exists(\"OPE_DUMB\")) set xrange "
                      "[%.17g:%.17g]\n", xlo, xhi, logx ? xlo / pad : xlo - pad,
                      logx ? xhi * pad : xhi + pad);
    }
    span(hline, &ylo, &yhi);
    if (st != ST_STEPS)
        dumb_yticks(sb, ylo, yhi);
    /* Text: lines (and the horizontal line) first, then the sparse bars, then the
     * letters on top; the legend entries are points ("A name", "= name"). */
    strbuf_puts(sb, "if (exists(\"OPE_DUMB\")) {\nset bars 0\nplot ");
    if (isfinite(hline))
        strbuf_printf(sb, "%.17g with lines lt 7 notitle, ", hline);
    for (size_t k = 0; k < ns; k++)
        strbuf_printf(sb, "$s%zu using 1:2 with %s lt %zu notitle, ", k,
                      st == ST_STEPS ? "steps" : "lines", k % 4 + 1);
    for (size_t k = 0; k < ns; k++) {
        if (!(s[k].lo && s[k].hi) || st == ST_STEPS || ns > 6)
            continue;           /* more bars than that only hide the lines */
        /* every fourth lettered point, neighbours taking turns */
        strbuf_printf(sb, "$s%zu using 1:2:3:4 every %zu::%zu with yerrorbars lt 0 ", k,
                      every[k] * 4, (k % 4) * every[k]);
        glyph_pt(sb, k);
        strbuf_puts(sb, " notitle, ");
    }
    for (size_t k = 0; k < ns; k++) {
        strbuf_printf(sb, "$s%zu using 1:2 every %zu with points ", k, every[k]);
        glyph_pt(sb, k);
        strbuf_puts(sb, " title ");
        gp_quote(sb, s[k].name);
        strbuf_puts(sb, " noenhanced, ");
    }
    if (isfinite(hline)) {
        strbuf_puts(sb, "NaN with points pt '=' title ");
        gp_quote(sb, hname);
        strbuf_puts(sb, " noenhanced, ");
    }
    strbuf_puts(sb, "NaN notitle\n} else {\nplot ");
    for (size_t k = 0; k < ns; k++) {
        size_t ls = k % N_STYLE + 1;
        if (s[k].lo && s[k].hi && st != ST_STEPS)
            strbuf_printf(sb, "$s%zu using 1:3:4 with filledcurves ls %zu fs transparent "
                          "solid 0.18 noborder notitle, ", k, ls);
        if (st == ST_STEPS)
            strbuf_printf(sb, "$s%zu using 1:2 with steps ls %zu title ", k, ls);
        else
            strbuf_printf(sb, "$s%zu using 1:2 with %s ls %zu title ", k,
                          st == ST_POINTS || s[k].n <= 30 ? "linespoints" : "lines", ls);
        gp_quote(sb, s[k].name);
        strbuf_puts(sb, " noenhanced, ");
    }
    if (isfinite(hline)) {
        strbuf_printf(sb, "%.17g with lines lc rgb '#000000' lw 2 dt 2 title ", hline);
        gp_quote(sb, hname);
        strbuf_puts(sb, " noenhanced, ");
    }
    strbuf_puts(sb, "NaN notitle\n}\n");
    free(every);
}

void chart_sample_size(const char *const *names, size_t n_series, const double *sizes,
                       size_t m, const double *value, const double *lower,
                       const double *upper, double truth, const char *title,
                       struct strbuf *sb)
{
    struct chart_series *s = calloc(n_series ? n_series : 1, sizeof *s);
    if (!s) {
        sb->failed = 1;     /* the caller sees strbuf_failed() */
        return;
    }
    for (size_t k = 0; k < n_series; k++) {
        s[k].name = names[k];
        s[k].n = m;
        s[k].x = sizes;
        s[k].y = value + k * m;
        s[k].lo = lower ? lower + k * m : NULL;
        s[k].hi = upper ? upper + k * m : NULL;
    }
    struct chart_text t = { title, NULL, NULL, 0 };
    chart_vs_n(s, n_series, truth, &t, sb);
    free(s);
}

void chart_vs_n(const struct chart_series *s, size_t ns, double truth,
                const struct chart_text *t, struct strbuf *sb)
{
    prelude(sb, t, "Estimate against sample size (band: spread over repetitions)",
            "sample size n, log scale", "estimate");
    series_chart(s, ns, ST_BAND, 1, truth, "true value", sb);
}

void chart_cdf(const struct chart_series *s, size_t ns, const struct chart_text *t,
               struct strbuf *sb)
{
    prelude(sb, t, "Estimated return CDF per policy", "return", "F(return)");
    strbuf_puts(sb, "set yrange [0:1.05]\n");
    series_chart(s, ns, ST_STEPS, 0, NAN, NULL, sb);
}

void chart_topk(const struct chart_series *s, size_t ns, const struct chart_text *t,
                struct strbuf *sb)
{
    prelude(sb, t, "Top-k policies chosen by each estimator", "k (policies deployed)",
            "metric");
    strbuf_puts(sb, "set xtics 1\nset offsets 0.2, 0.2, 0, 0\n");
    series_chart(s, ns, ST_POINTS, 0, NAN, NULL, sb);
}

void chart_curves(const struct chart_series *s, size_t ns, const struct chart_text *t,
                  struct strbuf *sb)
{
    prelude(sb, t, "Per-episode value (mean over seeds, band: spread over seeds)",
            "episode", "value");
    series_chart(s, ns, ST_BAND, 0, NAN, NULL, sb);
}
