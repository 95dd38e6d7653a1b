/* ope/learn/explore/record.c: the per-episode record CSV of a set of exploration
 * runs (see record.h); its rows are byte for byte what `ope explore -o` has always
 * written. */
#include "config.h"
#include "ope/learn/explore/record.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/json.h"

void xpl_runs_csv_header(const struct xpl_runs *x, struct strbuf *sb)
{
    strbuf_puts(sb, "episode,run,seed,algorithm,mix,optimistic,value,value_realised,lower,"
                    "threshold,violated,violated_realised,regret");
    strbuf_puts(sb, x->offline ? ",baseline,vb_learned,vb_exact,threshold_exact,"
                                 "violated_exact\n" : "\n");
}

void xpl_runs_csv_row(const struct xpl_runs *x, size_t a, long r, long k, struct strbuf *sb)
{
    const struct xpl_record *e = xpl_runs_at(x, a, r, k);
    char v[5][40];
    ope_format_double(v[0], sizeof v[0], e->value);
    ope_format_double(v[1], sizeof v[1], e->value_real);
    ope_format_double(v[2], sizeof v[2], e->lower);
    ope_format_double(v[3], sizeof v[3], x->threshold);
    ope_format_double(v[4], sizeof v[4], e->regret);
    strbuf_printf(sb, "%ld,%ld,%llu,%s,%.10g,%d,%s,%s,%s,%s,%d,%d,%s", k + 1, r,
                  (unsigned long long)(x->seed + (uint64_t)r), x->name[a], e->mix,
                  e->optimistic, v[0], v[1], isnan(e->lower) ? "" : v[2], v[3], e->violated,
                  e->violated_real, v[4]);
    if (x->offline) {
        char xv[3][40];
        ope_format_double(xv[0], sizeof xv[0], x->vb_learned);
        ope_format_double(xv[1], sizeof xv[1], x->vb_exact);
        ope_format_double(xv[2], sizeof xv[2], x->threshold_exact);
        strbuf_printf(sb, ",offline,%s,%s,%s,%d\n", xv[0], xv[1], xv[2], e->violated_exact);
    } else {
        strbuf_puts(sb, "\n");
    }
}

void xpl_summarise(const struct xpl_record *rec, long R, long K, struct xpl_summary *s)
{
    /* Welford: the one-pass sum of squares (sum2 - sum^2 / R) cancels catastrophically
     * when the regrets are large and close (50 equal baseline regrets of 36,000 gave an
     * sd of 0.000261). The mean shown stays the plain sum / R. */
    double sum = 0.0, mean = 0.0, m2 = 0.0, mix = 0.0;
    memset(s, 0, sizeof *s);
    for (long r = 0; r < R; r++) {
        const struct xpl_record *e = rec + (size_t)r * (size_t)K;
        double g = e[K - 1].regret, d = g - mean;
        long v = 0;
        sum += g;
        mean += d / (double)(r + 1);
        m2 += d * (g - mean);
        for (long k = 0; k < K; k++) {
            v += e[k].violated;
            s->viol_real += e[k].violated_real;
            s->viol_exact += e[k].violated_exact;
            mix += e[k].mix;
        }
        s->viol += v;
        s->runs_viol += v > 0;
    }
    s->regret_mean = sum / (double)R;
    s->regret_sd = R > 1 ? sqrt(fmax(0.0, m2 / (double)(R - 1))) : NAN;
    s->mix_mean = mix / ((double)R * (double)K);
}

void xpl_runs_release(struct xpl_runs *x)
{
    if (!x)
        return;
    for (size_t a = 0; x->name && a < x->n_algs; a++)
        free((char *)x->name[a]);
    free(x->name);
    free(x->rec);
    memset(x, 0, sizeof *x);
}
