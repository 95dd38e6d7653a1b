/* ope/app/render.h: the three renderings of an evaluation result (estimators/result.h):
 * an aligned table for people, JSON (formats.md) and CSV for scripts. The TUI and
 * reports use the same result model, so every view shows the same numbers. */
#ifndef OPE_RENDER_H
#define OPE_RENDER_H

#include "estimators/result.h"
#include "ope/base/strbuf.h"
#include "ope/app/output.h"

void render_table(const struct res_eval *r, struct strbuf *sb);
void render_json(const struct res_eval *r, struct strbuf *sb);
/* policy,estimator,params,value,lower,upper (+ truth,se,ess,max_weight,mean_weight). */
void render_csv(const struct res_eval *r, struct strbuf *sb);

/* `ope eval --lift`: per policy, each estimate's lift over the logged policy with its
 * paired interval and the relative lift, as a table to print after render_table. */
void render_lift_table(const struct res_eval *r, struct strbuf *sb);
/* The segments of ope eval --by (r->segments, not NULL; render_seg.c): the table
 * render_table appends, the value of JSON's "segments" key, and the CSV that
 * render_csv writes instead of the estimates when there are segments. */
void render_segments_table(const struct res_eval *r, struct strbuf *sb);
void render_segments_json(const struct res_eval *r, struct strbuf *sb);
void render_segments_csv(const struct res_eval *r, struct strbuf *sb);
/* `ope eval --matrix`: the paired differences among each estimator's top K policies
 * (res_diff) as a table to print after render_table, and their CSV twin
 * (estimator,params,a,b,diff,lower,upper). JSON always carries them (render_json). */
void render_diff_table(const struct res_eval *r, struct strbuf *sb);
void render_diff_csv(const struct res_eval *r, struct strbuf *sb);
/* The JSON array of the differences (formats.md), as render_json and `ope select
 * --format json` write it. */
void render_diff_json(const struct res_eval *r, struct strbuf *sb);
/* The writer of format f (the one entry point the commands use). */
void render_eval(const struct res_eval *r, enum out_format f, struct strbuf *sb);

#endif
