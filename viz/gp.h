/* viz/gp.h: the gnuplot child process. One module owns it: it starts gnuplot with a
 * fixed argument vector (posix_spawn, never a shell), feeds it scripts on stdin,
 * captures stdout and stderr, notices a missing or dying gnuplot (an error, never
 * SIGPIPE or a zombie), and renders a chart script to the `dumb` terminal (text) or
 * to an SVG/PNG/PDF file. Data strings enter scripts only through gp_quote. */
#ifndef VIZ_GP_H
#define VIZ_GP_H

#include <stddef.h>
#include <sys/types.h>
#include "ope/base/error.h"
#include "ope/base/strbuf.h"
#include "viz/gpesc.h"

/* The message of a missing gnuplot (status OPE_EUNAVAILABLE). */
#define GP_MISSING_MSG \
    "gnuplot is not installed; install gnuplot-nox (charts only; everything else works)"

struct gp;

enum gp_term { GP_DUMB, GP_SVG, GP_PNG, GP_PDF };

/* Where and how to render. width/height: characters for dumb, pixels otherwise (PDF:
 * pixels at 100 per inch); 0 picks a default (80x25 text, 800x500 pixels). */
struct gp_out {
    enum gp_term term;
    int width, height;
    int ansi;               /* dumb only: ANSI colours instead of mono characters */
    const char *path;       /* file terminals: the destination (written atomically) */
    int force;              /* replace an existing regular file */
    /* Filled by gp_render: */
    char *text;             /* dumb: the chart (form feed stripped); caller frees */
    char note[160];         /* e.g. a terminal fallback, "" when none */
};

/* The gnuplot program to run: $OPE_GNUPLOT (which must be a path: it contains a
 * '/'), else the configure-time OPE_GNUPLOT_DEFAULT when it is a path, else
 * "gnuplot" found on $PATH. Writes it to buf; OPE_EUNAVAILABLE when there is none. */
int gp_locate(char *buf, size_t n, struct ope_error *err);

/* Start gnuplot (`PROGRAM --default-settings`, in its own process group so terminal
 * signals do not reach it) and check it answers (version >= 5.0, its terminals).
 * NULL with err: OPE_EUNAVAILABLE when gnuplot is missing, does not start or is too
 * old; OPE_ESOFTWARE for a system failure. */
struct gp *gp_open(struct ope_error *err);

/* Quit gnuplot: send `quit`, close its stdin, wait up to 2 s, then kill it; always
 * reaps the child. NULL is a no-op. */
void gp_close(struct gp *g);

/* The child's process id (tests kill it), or -1 once it has been reaped. */
pid_t gp_pid(const struct gp *g);

/* Time limit of one gp_exec/gp_render in milliseconds (default 30000). */
void gp_set_timeout(struct gp *g, int ms);

/* 1 if this gnuplot has the terminal `name` (e.g. "pngcairo"), else 0. */
int gp_has_terminal(const struct gp *g, const char *name);

/* gnuplot's version string ("5.4") and program path. */
const char *gp_version(const struct gp *g);
const char *gp_path(const struct gp *g);

/* Send script (complete lines) and wait until gnuplot has executed it. Its standard
 * output is returned in *out when out is not NULL (malloc'ed). Errors: gnuplot died
 * or timed out (OPE_EUNAVAILABLE; the child is then reaped and the handle is dead),
 * or gnuplot printed an error (OPE_ESOFTWARE, its message included: a script bug). */
int gp_exec(struct gp *g, const char *script, char **out, struct ope_error *err);

/* Render a chart script (everything after `set terminal`/`set output`: settings,
 * datablocks, plot commands; see viz/chart.h) to o. Settings are reset before each
 * chart. For files, gnuplot writes a temporary file in the destination's directory,
 * which then goes into place through ope/base/outfile.h (atomic, force, regular files
 * only). PNG falls back to the libgd `png` terminal when `pngcairo` is missing
 * (o->note says so); a missing pdfcairo is OPE_EUNAVAILABLE. (viz/gp_render.c) */
int gp_render(struct gp *g, struct gp_out *o, const char *script, struct ope_error *err);

/* The terminal for a file name's extension (.svg .png .pdf, any case): 0, or -1. */
int gp_term_from_path(const char *path, enum gp_term *t);

/* "dumb", "svg", "png", "pdf". */
const char *gp_term_name(enum gp_term t);

/* One-shot helpers (start gnuplot, render one chart, quit), for callers that draw
 * rarely (the TUI's Chart view and export). */

/* The program gp_locate finds, or "gnuplot" (static buffer). */
const char *gp_program(void);

/* 1 if a gnuplot program is there to be started. */
int gp_available(void);

/* Render `script` with terminal term ("dumb", "svg", "png" or "pdf") at width x height;
 * dumb text goes to *text (malloc'ed), files to path as gp_render does. */
int gp_run(const char *script, const char *term, int width, int height, const char *path,
           int force, char **text, struct ope_error *err);

/* "svg", "png" or "pdf" for a file name's extension, or NULL. */
const char *gp_term_for_path(const char *path);

#endif
