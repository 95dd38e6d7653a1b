/* ope/app/select_lesson.c: put the SharpeRatio@k lesson found in a benchmark into words
 * (see the header). Every number in the text is a replicate mean from the summaries;
 * nothing is claimed that the measurements do not show. */
#include "config.h"
#include "ope/app/select_lesson.h"

#include <math.h>

#include "estimators/ops_lesson.h"

/* Standard error of a replicate mean. */
static double se(const struct ops_stat *st)
{
    return st->n > 1 ? st->sd / sqrt((double)st->n) : NAN;
}

/* Why the shortlist of the lower-Sharpe estimator lo is riskier than that of hi at
 * k: the first of worst@k, std@k, best@k that is clearly worse. */
static void reason(const struct ops_topk_stat *hi, const struct ops_topk_stat *lo, size_t k,
                   struct strbuf *sb)
{
    if (lo->worst.mean < hi->worst.mean)
        strbuf_printf(sb, "holds worse policies (worst@%zu %.4g against %.4g)", k,
                      lo->worst.mean, hi->worst.mean);
    else if (lo->std.mean > hi->std.mean)
        strbuf_printf(sb, "is more spread out (std@%zu %.4g against %.4g)", k, lo->std.mean,
                      hi->std.mean);
    else
        strbuf_printf(sb, "gains less over the behaviour policy (best@%zu %.4g against %.4g)",
                      k, lo->best.mean, hi->best.mean);
}

void select_lesson_text(const struct select_rep *s, struct strbuf *sb)
{
    struct ops_lesson L;
    ops_find_lesson(s->sum, s->n_est, 10, 3.0, &L);
    if (!L.found) {
        strbuf_printf(sb, "The lesson: in these %zu datasets no two estimators look alike on "
                      "regret@k or rank correlation while their SharpeRatio@k differs by more "
                      "than 3 standard errors; more replicates (--replicates) or a harder "
                      "environment usually show it.", s->R);
        return;
    }
    const struct ops_summary *a = &s->sum[L.a], *b = &s->sum[L.b];
    const struct ops_stat *ma = L.alike == OPS_ALIKE_REGRET ? &a->regretk : &a->spearman;
    const struct ops_stat *mb = L.alike == OPS_ALIKE_REGRET ? &b->regretk : &b->spearman;
    strbuf_puts(sb, "The lesson: over ");
    strbuf_printf(sb, "%zu datasets %s and %s look alike on ", s->R, s->label[L.a],
                  s->label[L.b]);
    if (L.alike == OPS_ALIKE_REGRET)
        strbuf_printf(sb, "regret@%zu", a->k);
    else
        strbuf_puts(sb, "Spearman's rank correlation");
    strbuf_printf(sb, " (%.4g +- %.2g against %.4g +- %.2g, a difference within one standard "
                  "error), so a conventional comparison calls them equally good at choosing a "
                  "policy to deploy. ", ma->mean, se(ma), mb->mean, se(mb));
    const struct ops_topk_stat *ta = &a->topk[L.k - 1], *tb = &b->topk[L.k - 1];
    strbuf_printf(sb, "Yet their SharpeRatio@%zu differs clearly (%s %.4g, %s %.4g; %.1f "
                  "standard errors apart): the top-%zu shortlist of %s ", L.k, s->label[L.a],
                  ta->sharpe.mean, s->label[L.b], tb->sharpe.mean, L.z, L.k, s->label[L.b]);
    reason(ta, tb, L.k, sb);
    strbuf_puts(sb, ", a deployment risk that regret and rank correlation do not measure.");
}
