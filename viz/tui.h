/* viz/tui.h: the ncurses workbench. One screen: a tab bar of views, the active
 * view, and a status line (file, settings, progress, hints). Views are a table of
 * classes (viz/tui_views.c), htop-style: the main loop never knows what it draws.
 * Long computations run on the session's worker thread; the loop polls it. */
#ifndef VIZ_TUI_H
#define VIZ_TUI_H

#include <curses.h>
#include "ope/app/session.h"
#include "viz/grid.h"
#include "viz/tui_job.h"

struct tui;
struct tui_learn_res;
struct tui_explore_res;
struct tui_train_res;

/* A view: draws itself into a pane and handles its own keys. */
struct tui_view {
    const char *name;           /* tab label: "Estimates" */
    const char *keys_help;      /* its own keys, one "key  what" per line */
    /* (Re)build the view's model from the session (after load or a new result). */
    void (*rebuild)(struct tui *t);
    void (*draw)(struct tui *t, WINDOW *w, int rows, int cols);
    /* Handle a key; return 1 when consumed. */
    int (*key)(struct tui *t, int ch);
    /* The table shown (for search, sort and `x` export), or NULL. */
    struct grid *(*grid)(struct tui *t);
    /* For the Help view, which is written from this table: what the view shows
     * (lines after the first continue it), and the command that gives the same
     * from a script (NULL: none). */
    const char *summary;
    const char *twin;
    int is_help;                /* the view `?` and F1 open */
};

enum { TUI_MAX_VIEWS = 10, TUI_MAX_TEXT = 400 };

/* A chart at the end of a view's lines, kept as its gnuplot script so that it can be
 * drawn again at the pane's new size after a resize (viz/tui_chart.c). */
struct tui_live_chart {
    char *script;               /* NULL: the lines end with no chart */
    size_t at;                  /* index of the chart's first line */
    int rows_off, min_rows;     /* chart rows: pane rows - rows_off, at least min_rows */
    int indent;
    int rows, cols;             /* pane size it was drawn for */
};

struct tui {
    struct session *s;
    const struct tui_view *const *views;
    int n_views, cur;
    int colour;                 /* colours on (terminal has them, NO_COLOR unset) */
    char status[1024];          /* one-shot message shown in the status line */
    int status_is_error;
    char search[128];
    int quit;
    int pane_rows, pane_cols;
    /* Per-view state, owned here so views stay stateless functions. */
    struct grid *data_grid, *est_grid, *sel_grid, *seg_grid;
    int est_lift;               /* Estimates: the lift's columns first (key L) */
    char **data_lines;          /* the Data view's summary */
    size_t n_data_lines;
    char **explore_lines;       /* the Explore view's summary and chart */
    size_t n_explore_lines;
    int explore_value_view;
    char **sel_lines;           /* the Selection view's notes */
    size_t n_sel_lines;
    char **chart_lines;         /* gnuplot dumb output of the Chart view */
    size_t n_chart_lines;
    int chart_rows, chart_cols; /* size it was rendered for */
    char **learn_lines;
    size_t n_learn_lines;
    char **train_lines;         /* the Train view's summary and chart (viz/tui_train.c) */
    size_t n_train_lines;
    int train_setup;
    struct tui_live_chart learn_chart, explore_chart, train_chart;
    /* The experiments of Learn, Explore and Train run as this job, one at a time;
     * their latest finished results stay here (a cancelled run keeps them). */
    struct tui_job job;
    struct tui_learn_res *learn_res;
    struct tui_explore_res *explore_res;
    struct tui_train_res *train_res;
    size_t text_top;            /* scroll position of text views */
    int number_cols;            /* grid headers carry their column numbers (`s` asks) */
    int learn_cols;             /* width the Learn view's prose was wrapped at */
    const struct tui_report_hook *report;
    int dirty;                  /* the screen must be drawn again (viz/tui.c's loop) */
};

/* The whole-session report behind `x` (a name ending in .html or .md), supplied by the
 * caller so the workbench does not depend on the report writers above it. */
struct tui_report_hook {
    /* 1 when path names a report (.html, .md). */
    int (*is_report)(const char *path);
    /* Write the session's report; note gets the status-bar line. */
    int (*write)(const struct session *s, const char *path, char *note, size_t n,
                 struct ope_error *err);
};

/* Run the TUI on an opened session until the user quits. Returns an exit status.
 * report may be NULL (then `x` exports tables only). */
int tui_run(struct session *s, const struct tui_report_hook *report);

/* What the workbench loads on a worker before its first view (the log of `ope tui
 * LOG`): open fills the session, reporting to progress and stopping once it is
 * cancelled. name and bytes (0: unknown, e.g. a pipe) are for the loading frame. */
struct tui_loader {
    int (*open)(void *ud, struct session *s, struct ope_progress *progress,
                struct ope_error *err);
    void *ud;
    const char *name;
    double bytes;
};

/* tui_run on a session that ld loads first, on the worker, while a loading frame shows
 * the bytes read; q, c, Esc or Ctrl-C cancel the load (status 130). Returns an exit
 * status, or -1 with err filled when the load fails (the terminal is restored by
 * then, for the caller to print err). */
int tui_run_load(struct session *s, const struct tui_loader *ld,
                 const struct tui_report_hook *report, struct ope_error *err);

/* Set the status-line message (printf-style). */
void tui_message(struct tui *t, int is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Ask for a line of input on the status line; returns 1 with buf filled, 0 if
 * cancelled with Esc. */
int tui_prompt(struct tui *t, const char *question, char *buf, size_t n);

/* Draw a grid in a pane with a cursor row; shared by the table views. */
/* Print s at the cursor, at most n cells, control bytes shown as \xNN (text from the
 * data must not end a row or start a terminal escape sequence). */
void tui_put(WINDOW *w, const char *s, int n);

void tui_draw_grid(struct tui *t, WINDOW *w, struct grid *g, int rows, int cols);

/* A table rebuilt with new results keeps what the user set on the old one: its sort
 * (column and direction) and its horizontal scroll. */
void tui_grid_keep(const struct grid *old, struct grid *g);

/* Draw lines of text with scrolling from t->text_top. */
void tui_draw_text(struct tui *t, WINDOW *w, char *const *lines, size_t n, int rows, int cols);

/* Navigation keys shared by grids (arrows, hjkl, PgUp/PgDn, Home/End). 1 if used. */
int tui_grid_key(struct tui *t, struct grid *g, int ch, int rows);

/* Append a printf-formatted line to a growable list of lines. */
void tui_linef(char ***lines, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tui_lines_free(char ***lines, size_t *n);

/* tui_linef for prose: the text is wrapped at spaces to lines of at most width cells,
 * the continuation lines indented by indent spaces (width 0: one line, clipped when
 * drawn). Text views call it again when the width changes. */
void tui_linef_wrap(char ***lines, size_t *n, int width, int indent, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Draw a gnuplot script with the dumb terminal at cols x rows and append its lines
 * (the leading form feed dropped) to lines; if gnuplot fails, one line
 * "(chart: why)" indented by indent spaces (viz/tui_chart.c). */
void tui_chart_lines(const char *script, int cols, int rows, int indent, char ***lines,
                     size_t *n);

/* Append the chart of script to lines (as tui_chart_lines) for a pane of rows x cols,
 * and remember it in c so tui_live_chart_fit can draw it again at another size. */
void tui_live_chart_set(struct tui_live_chart *c, const char *script, int rows_off,
                        int min_rows, int indent, int rows, int cols, char ***lines, size_t *n);
/* Redraw c's chart when the pane is no longer rows x cols (lines after c->at are
 * replaced). Call it from the view's draw. */
void tui_live_chart_fit(struct tui_live_chart *c, int rows, int cols, char ***lines, size_t *n);
/* Forget c's chart (its view's lines are being rebuilt). */
void tui_live_chart_clear(struct tui_live_chart *c);

/* Colour pairs. */
enum { TUI_C_TITLE = 1, TUI_C_CURSOR, TUI_C_GOOD, TUI_C_WARN, TUI_C_ERR, TUI_C_DIM, TUI_C_STATUS };

extern const struct tui_view *const tui_views[];

#endif
