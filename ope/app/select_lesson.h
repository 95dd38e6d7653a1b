/* ope/app/select_lesson.h: the two sentences `ope select --demo` ends with: which two
 * estimators a conventional metric cannot tell apart while SharpeRatio@k can, and why,
 * written from the measured summaries (estimators/ops_lesson.h finds the pair). */
#ifndef OPE_SELECT_LESSON_H
#define OPE_SELECT_LESSON_H

#include "ope/app/select_render.h"
#include "ope/base/strbuf.h"

/* Write the explanation for the summaries of s (s->lesson is ignored) into sb: the
 * pair found with kmax = min(M, 10) and z_min = 3, or, when no pair qualifies, a
 * sentence saying so and what to try. */
void select_lesson_text(const struct select_rep *s, struct strbuf *sb);

#endif
