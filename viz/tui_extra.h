/* viz/tui_extra.h: the views and helpers that live in their own files. */
#ifndef VIZ_TUI_EXTRA_H
#define VIZ_TUI_EXTRA_H

#include "viz/tui.h"

/* Summary lines of a bandit / trajectory log for the Data view (viz/tui_data.c). */
void tui_extra_data_lines(const struct session *s, char ***lines, size_t *n);
void tui_extra_tlog_lines(const struct session *s, char ***lines, size_t *n);

/* The Learn view's estimators: every registry entry, in registry order (viz/tui_learn.c). */
struct est_desc;
size_t tui_learn_count(void);
const struct est_desc *tui_learn_at(size_t k);   /* NULL past the end */
/* The lines the Learn view shows for estimator k before any experiment: its title,
 * the list of all estimators with k in brackets, and its teaching card. */
void tui_learn_card(size_t k, char ***lines, size_t *n);

/* The dialogs of r (alpha, interval, B, seed; for a trajectory log also the discount
 * and the value model) and e (estimators): they edit the session's settings and start
 * an evaluation with them (viz/tui_settings.c). */
void tui_settings_dialog(struct tui *t);
void tui_estimators_dialog(struct tui *t);

/* Free the finished results of the experiment views (at exit). */
void tui_learn_free(struct tui *t);
void tui_explore_free(struct tui *t);
void tui_train_free(struct tui *t);

extern const struct tui_view tui_view_chart;      /* viz/tui_chart.c */
extern const struct tui_view tui_view_selection;  /* viz/tui_select.c */
extern const struct tui_view tui_view_learn;      /* viz/tui_learn.c */
extern const struct tui_view tui_view_explore;    /* viz/tui_explore.c */
extern const struct tui_view tui_view_train;      /* viz/tui_train.c */
extern const struct tui_view tui_view_segments;   /* viz/tui_segments.c */

#endif
