/* viz/tui_views.c: the TUI's views, one class each (htop-style): Data, Estimates,
 * Chart, Selection, Learn, Help. A view rebuilds its model from the session when a
 * log is loaded or a result arrives, and draws that model; it never computes. */
#include "config.h"
#include "viz/tui.h"
#include "viz/tui_extra.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/diag.h"
#include "ope/base/json.h"

/* A number for a table cell: "-" for NAN, else 6 significant digits. */
static void fmt_num(char *buf, size_t n, double v)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.6g", v);
}

/* ---- Data ---------------------------------------------------------------------- */

/* A trajectory log's value model: which one, with what discount, and which of the
 * estimators shown use it (a value model is fitted on the whole log: no folds and no
 * held-out error, which the bandit reward model's line shows). */
static void value_model_lines(struct tui *t, const struct res_eval *r, char ***L, size_t *n)
{
    static const struct { const char *kind, *what; } words[] = {
        { "fqe", "fitted Q evaluation" }, { "lstd", "least-squares temporal difference" },
        { "td", "temporal-difference learning" }, { "gtd2", "gradient TD (GTD2)" },
        { "linear-fqe", "fitted Q evaluation, linear in the state features" },
    };
    tui_linef(L, n, "# Value model");
    if (!r->model.kind[0]) {
        tui_linef(L, n, "  none needed by the chosen estimators");
        return;
    }
    const char *what = NULL;
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (strcmp(words[k].kind, r->model.kind) == 0)
            what = words[k].what;
    char used[256] = "";
    size_t ul = 0;
    const struct res_policy *pol = r->n_policies ? &r->pol[0] : NULL;
    for (size_t k = 0; pol && k < pol->n_estimates && ul < sizeof used; k++) {
        const struct est_desc *d = est_find(pol->est[k].estimator, EST_TRAJ);
        const char *name = pol->est[k].label ? pol->est[k].label : pol->est[k].estimator;
        if (d && d->needs_model)
            ul += (size_t)snprintf(used + ul, sizeof used - ul, "%s%s", ul ? ", " : "", name);
    }
    tui_linef_wrap(L, n, t->pane_cols, 2, "  %s%s%s%s, discount %g, fitted on the whole log "
                   "(no cross-fitting, so no held-out error)", r->model.kind,
                   what ? " (" : "", what ? what : "", what ? ")" : "", r->gamma);
    if (used[0])
        tui_linef_wrap(L, n, t->pane_cols, 2, "  used by %s; --value-model or r changes it",
                       used);
}

static void data_rebuild(struct tui *t)
{
    struct session *s = t->s;
    tui_lines_free(&t->data_lines, &t->n_data_lines);
    char ***L = &t->data_lines;
    size_t *n = &t->n_data_lines;
    tui_linef(L, n, "# %s", s->path ? s->path : "(no file)");
    if (s->note) {
        const char *p = s->note;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            tui_linef(L, n, "%.*s", (int)len, p);
            p += len + (nl != NULL);
        }
        tui_linef(L, n, "%s", "");
    }
    if (s->log) {
        tui_extra_data_lines(s, L, n);
    } else if (s->tlog) {
        tui_extra_tlog_lines(s, L, n);
    }
    if (s->res) {
        const struct res_eval *r = s->res;
        tui_linef(L, n, "%s", "");
        if (r->episodes)
            value_model_lines(t, r, L, n);
        else
            tui_linef(L, n, "# Reward model");
        if (r->episodes)
            ;
        else if (r->model.kind[0])
            tui_linef(L, n, "  %s, %d folds, held-out %s %.6g", r->model.kind, r->model.folds,
                      r->model.error_name[0] ? r->model.error_name : "error",
                      r->model.heldout_error);
        else
            tui_linef(L, n, "  none needed by the chosen estimators");
        if (r->n_warnings) {
            tui_linef(L, n, "%s", "");
            tui_linef(L, n, "# Warnings");
            for (size_t w = 0; w < r->n_warnings; w++)
                tui_linef(L, n, "warning: %s", r->warnings[w]);
        }
        for (size_t p = 0; p < r->n_policies; p++)
            for (size_t w = 0; w < r->pol[p].n_warnings; w++)
                tui_linef(L, n, "warning: %s: %s", r->pol[p].name, r->pol[p].warnings[w]);
    }
}

static void data_draw(struct tui *t, WINDOW *w, int rows, int cols)
{
    tui_draw_text(t, w, t->data_lines, t->n_data_lines, rows, cols);
}

/* ---- Estimates ------------------------------------------------------------------- */

/* The Estimates table: policy and estimator (frozen), then with t->est_lift the lift
 * over the logged policy (or --against's policy) with its paired interval and the
 * relative lift, then the value, its interval and the diagnostics. */
static void est_rebuild(struct tui *t)
{
    static const char *const head[] = {
        "policy", "estimator", "lift", "lift lo", "lift hi", "rel.lift", "value", "lower",
        "upper", "truth", "rel.err", "ESS", "max w", "mean w"
    };
    /* Without the lift, its four columns are left out of the same list. */
    size_t skip = t->est_lift ? 0 : 4, nc = 14 - skip;
    const char *hd[14];
    hd[0] = head[0];
    hd[1] = head[1];
    for (size_t c = 2; c < nc; c++)
        hd[c] = head[c + skip];
    struct grid *old = t->est_grid;
    t->est_grid = grid_new(nc, hd);
    struct grid *g = t->est_grid;
    if (!g) {
        grid_free(old);
        return;
    }
    for (size_t c = 2; c < nc; c++)
        g->right[c] = 1;
    g->frozen = 2;      /* policy and estimator stay while h/l scroll the numbers */
    const struct res_eval *r = t->s->res;
    for (size_t p = 0; r && p < r->n_policies; p++) {
        const struct res_policy *pol = &r->pol[p];
        for (size_t k = 0; k < pol->n_estimates; k++) {
            const struct res_estimate *e = &pol->est[k];
            char v[32], lo[32], hi[32], tr[32], re[32], ess[32], mw[32], mean[32];
            char li[32], llo[32], lhi[32], rl[32];
            fmt_num(v, sizeof v, e->value);
            fmt_num(lo, sizeof lo, e->lower);
            fmt_num(hi, sizeof hi, e->upper);
            fmt_num(tr, sizeof tr, pol->truth);
            if (isnan(e->rel_error))
                snprintf(re, sizeof re, "-");
            else
                snprintf(re, sizeof re, "%.2f%%", 100 * e->rel_error);
            fmt_num(ess, sizeof ess, e->ess);
            fmt_num(mw, sizeof mw, e->max_weight);
            fmt_num(mean, sizeof mean, e->mean_weight);
            fmt_num(li, sizeof li, e->lift);
            fmt_num(llo, sizeof llo, e->lift_lower);
            fmt_num(lhi, sizeof lhi, e->lift_upper);
            if (isnan(e->relative_lift))
                snprintf(rl, sizeof rl, "-");
            else
                snprintf(rl, sizeof rl, "%+.2f%%", 100 * e->relative_lift);
            const char *all[] = { pol->name, e->label ? e->label : e->estimator, li, llo, lhi,
                                  rl, v, lo, hi, tr, re, ess, mw, mean };
            const char *cells[14];
            cells[0] = all[0];
            cells[1] = all[1];
            for (size_t c = 2; c < nc; c++)
                cells[c] = all[c + skip];
            if (grid_add(g, cells) != 0)
                break;
            /* Highlight estimates whose weights are degenerate, by the rule of the
             * poor-overlap warning (ESS counts trajectories in a trajectory log). */
            if (diag_ess_poor(e->ess, r->episodes ? r->episodes : r->rows))
                g->mark[g->n_rows - 1] = 2;
        }
    }
    /* a re-run (r, e) keeps the sort and the scroll the user chose; L changes the
     * columns, so only the cursor row carries over then */
    if (old && old->n_cols == g->n_cols)
        tui_grid_keep(old, g);
    else if (old)
        g->cur = old->cur < g->n_rows ? old->cur : 0;
    grid_free(old);
}

/* L: the lift's columns first, or gone. */
static int est_key(struct tui *t, int ch)
{
    if (ch != 'L')
        return 0;
    t->est_lift = !t->est_lift;
    est_rebuild(t);
    if (t->est_lift)
        tui_message(t, 0, "lift over the %s policy, paired intervals (L hides it)",
                    t->s->res && t->s->res->against ? t->s->res->against : "logged");
    else
        tui_message(t, 0, "lift hidden (L shows it)");
    return 1;
}

static void est_draw(struct tui *t, WINDOW *w, int rows, int cols)
{
    if (!t->s->res) {
        mvwprintw(w, 1, 2, "No results yet%s.",
                  session_busy(t->s, NULL, NULL, 0) ? ": the evaluation is running" :
                  " (press r to run)");
        return;
    }
    const struct res_eval *r = t->s->res;
    char line[256], what[128];
    /* A trajectory log's numbers depend on the discount and the value model too. */
    if (r->episodes)
        snprintf(what, sizeof what, "%zu episodes, gamma %g, value model %s", r->episodes,
                 r->gamma, r->model.kind[0] ? r->model.kind : "-");
    else
        snprintf(what, sizeof what, "%zu rows", r->rows);
    if (r->ci[0] && strcmp(r->ci, "none") != 0)
        snprintf(line, sizeof line, "%s, %s interval at level %.3g%s", what, r->ci,
                 1 - r->alpha, strcmp(r->ci, "bootstrap") == 0 ? " (percentile)" : "");
    else
        snprintf(line, sizeof line, "%s, no intervals", what);
    if (!isnan(t->s->reference_value)) {
        size_t l = strlen(line);
        snprintf(line + l, sizeof line - l, "  %s: %.6g", t->s->reference_label,
                 t->s->reference_value);
    }
    /* one row, clipped: a longer line would wrap onto the table's header */
    wmove(w, 0, 0);
    tui_put(w, line, cols);
    WINDOW *sub = derwin(w, rows - 1, cols, 1, 0);
    if (!sub)
        return;
    tui_draw_grid(t, sub, t->est_grid, rows - 1, cols);
    delwin(sub);
}

static struct grid *est_grid(struct tui *t)
{
    return t->est_grid;
}

/* ---- Help ------------------------------------------------------------------------ */

/* The Help view: the views and their script twins are written from tui_views, so a
 * new view shows here by being in that table; the keys are fixed text. */
static const char *const help_keys[] = {
    "",
    "# Keys",
    "  arrows, h j k l     move          PgUp PgDn Space   page",
    "  h l  left right     a table: scroll its columns (the first ones stay)",
    "  g / G               first / last  Home End          first / last",
    "  /  n                search, next match  C  columns shown (1-3,7; empty: all)",
    "  L                   Estimates: the lift over the logged policy first, on/off",
    "  s                   sort the table by a column: the headers show their",
    "                      numbers while it asks (again: reverse); r and e keep it",
    "  e                   choose estimators (e.g. ipw,snipw,dr:clip=100) and re-run",
    "  r                   re-run with new settings: alpha, interval method, B, seed",
    "                      (a trajectory log: also the discount gamma, value model)",
    "  c  Esc              cancel a running evaluation or experiment (result kept)",
    "  x                   export the current view: table as CSV, chart as SVG; a",
    "                      name ending in .html or .md: a report of the whole session",
    "  ?  F1               help          q                 quit",
    "  in a prompt         typing replaces the suggested value; Ctrl-U clears,",
    "                      Backspace edits it, Esc cancels",
    NULL
};

/* After the keys of every view: colours and the script twins, then each view's own
 * keys (from tui_views: p in Chart, v in Explore, ... were in no Help before). */
static const char *const help_tail[] = {
    "",
    "# Colours",
    "  Yellow rows: an ESS below 1% of the rows, so a few rows carry the estimate;",
    "  in Segments, below 30: too small to say anything. NO_COLOR=1: no colours.",
    "",
    "# The same from a script",
    NULL
};

/* Built at each draw at the pane's width: the views' summaries are prose and wrap
 * (continuing under their first word); the rest is short fixed text. */
static void help_draw(struct tui *t, WINDOW *w, int rows, int cols)
{
    char **lines = NULL;
    size_t n = 0;
    tui_linef(&lines, &n, "# ope: the off-policy evaluation workbench");
    tui_linef(&lines, &n, "%s", "");
    tui_linef(&lines, &n, "# Views (number keys or Tab / Shift-Tab)");
    for (int v = 0; v < t->n_views; v++) {
        /* the summary's own line breaks are for a wide screen: reflow it */
        char sum[TUI_MAX_TEXT];
        snprintf(sum, sizeof sum, "%s", t->views[v]->summary ? t->views[v]->summary : "");
        for (char *c = sum; *c; c++)
            if (*c == '\n')
                *c = ' ';
        tui_linef_wrap(&lines, &n, cols, 16, "  %d %-11s %s", v + 1, t->views[v]->name, sum);
    }
    for (size_t k = 0; help_keys[k]; k++)
        tui_linef(&lines, &n, "%s", help_keys[k]);
    for (size_t k = 0; help_tail[k]; k++)
        tui_linef(&lines, &n, "%s", help_tail[k]);
    for (int v = 0; v < t->n_views; v++)
        if (t->views[v]->twin)
            tui_linef(&lines, &n, "  %-38s the %s view", t->views[v]->twin, t->views[v]->name);
    tui_linef(&lines, &n, "  %-38s every command", "ope help");
    tui_linef(&lines, &n, "%s", "");
    tui_linef(&lines, &n, "# Keys of one view");
    for (int v = 0; v < t->n_views; v++) {
        const char *k = t->views[v]->keys_help;
        while (k && *k) {
            size_t len = strcspn(k, "\n");
            tui_linef_wrap(&lines, &n, cols, 19, "  %d %-11s %.*s", v + 1, t->views[v]->name,
                           (int)len, k);
            k += len + (k[len] == '\n');
        }
    }
    tui_draw_text(t, w, lines, n, rows, cols);
    tui_lines_free(&lines, &n);
}

/* ---- the table ------------------------------------------------------------------- */

static const struct tui_view view_data = {
    "Data", "", data_rebuild, data_draw, NULL, NULL,
    "the log: rows, actions, columns and their roles, propensities, warnings",
    "ope info LOG --format json", 0
};
static const struct tui_view view_estimates = {
    "Estimates", "L  the lift over the logged policy: its columns first, or hidden",
    est_rebuild, est_draw, est_key, est_grid,
    "estimator x policy with intervals, truth and relative error when known",
    "ope eval LOG --format json|csv", 0
};
static const struct tui_view view_help = {
    "Help", "", NULL, help_draw, NULL, NULL, "this screen", NULL, 1
};

const struct tui_view *const tui_views[] = {
    &view_data,
    &view_estimates,
    &tui_view_chart,
    &tui_view_selection,
    &tui_view_learn,
    &tui_view_explore,
    &view_help,
    &tui_view_train,     /* after Help: the number keys of the views before it stay */
    &tui_view_segments,
    NULL
};
