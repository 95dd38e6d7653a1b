/* viz/tui.c: the TUI's main loop: layout (tab bar, pane, status line), global keys,
 * the status-line prompt, polling the session's worker, and the shared drawing of
 * grids and text. The views themselves live in viz/tui_views.c. */
#include "config.h"
#include "viz/tui.h"
#include "viz/tui_extra.h"
#include "ope/base/utf8.h"

#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SIGINT/SIGTERM/SIGHUP ask the loop to stop, so the terminal is always restored by
 * endwin() on the normal path (the loop polls every 100 ms). */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* A fatal exit elsewhere (exit() from a library is never done, but be safe) still
 * restores the terminal. */
static void restore_terminal(void)
{
    if (!isendwin())
        endwin();
}

void tui_message(struct tui *t, int is_error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->status, sizeof t->status, fmt, ap);
    va_end(ap);
    t->status_is_error = is_error;
    t->dirty = 1;
}

static void set_on(struct tui *t, int pair, int extra)
{
    if (t->colour && pair)
        attron(COLOR_PAIR(pair));
    if (extra)
        attron(extra);
}

static void set_off(struct tui *t, int pair, int extra)
{
    if (t->colour && pair)
        attroff(COLOR_PAIR(pair));
    if (extra)
        attroff(extra);
}

static void wattr(struct tui *t, WINDOW *w, int pair, int extra, int on)
{
    if (t->colour && pair)
        (on ? wattron : wattroff)(w, COLOR_PAIR(pair));
    if (extra)
        (on ? wattron : wattroff)(w, extra);
}

/* Print at most n display cells of s (bytes: the names we show are ASCII or short
 * UTF-8; ncursesw handles the multibyte sequences). Names come from the data, and a
 * control byte in one is shown as \xNN: a newline would end the row and run the rest
 * into the rows below, ESC would start an escape sequence. */
/* Cells the byte at s starts: none for a UTF-8 continuation byte or a combining
 * diacritic (U+0300 to U+036F, lead bytes 0xCC and 0xCD: the hat of q̂), else one
 * (the wide characters of East Asian scripts are not expected in ope's text). */
static int cell_at(const char *s)
{
    unsigned char c = (unsigned char)*s;
    return (c & 0xC0) != 0x80 && c != 0xCC && c != 0xCD;
}

/* Display cells of the bytes [s, s + len). */
static int cells_of(const char *s, size_t len)
{
    int c = 0;
    for (size_t i = 0; i < len; i++)
        c += cell_at(s + i);
    return c;
}

void tui_put(WINDOW *w, const char *s, int n)
{
    if (n <= 0)
        return;
    char buf[2048];
    s = utf8_printable(s, strlen(s), buf, sizeof buf);
    /* n counts cells, waddnstr bytes: a multibyte character must not cut a line short */
    size_t len = 0;
    int used = 0;
    while (s[len] && (used + cell_at(s + len) <= n)) {
        used += cell_at(s + len);
        len++;
    }
    while (s[len] && !cell_at(s + len))
        len++;      /* the rest of the last character and its combining marks */
    waddnstr(w, s, (int)len);
}


/* The columns on screen: the frozen ones, then the others from g->left on (h/l and
 * the left/right arrows move g->left), leaving out those the column picker hid.
 * Returns how many; vis gets their indices, *n_frozen how many of them are frozen. */
static size_t visible_cols(const struct grid *g, size_t *vis, size_t max, size_t *n_frozen)
{
    size_t nc = g->n_cols < max ? g->n_cols : max, k = 0;
    size_t fz = g->frozen < nc ? g->frozen : nc, scroll = 0;
    for (size_t c = fz; c < nc; c++)
        scroll += !g->hidden[c];
    if (g->left >= scroll)      /* one scrolled column stays in view */
        ((struct grid *)g)->left = scroll ? scroll - 1 : 0;
    for (size_t c = 0; c < fz; c++)
        if (!g->hidden[c])
            vis[k++] = c;
    *n_frozen = k;
    size_t skip = g->left;
    for (size_t c = fz; c < nc; c++) {
        if (g->hidden[c])
            continue;
        if (skip) {
            skip--;
            continue;
        }
        vis[k++] = c;
    }
    return k;
}

void tui_grid_keep(const struct grid *old, struct grid *g)
{
    if (!old || !g)
        return;
    if (old->sort_col >= 0 && (size_t)old->sort_col < g->n_cols) {
        grid_sort(g, old->sort_col);
        if (old->sort_desc != g->sort_desc)
            grid_sort(g, old->sort_col);    /* the second call reverses */
    }
    g->left = old->left;
    /* the columns the picker hid, by name: a table that gained a column keeps them */
    size_t shown = 0;
    for (size_t c = 0; c < g->n_cols; c++) {
        for (size_t o = 0; o < old->n_cols; o++)
            if (strcmp(old->head[o], g->head[c]) == 0)
                g->hidden[c] = old->hidden[o];
        shown += !g->hidden[c];
    }
    if (!shown)
        memset(g->hidden, 0, g->n_cols);
}

void tui_draw_grid(struct tui *t, WINDOW *w, struct grid *g, int rows, int cols)
{
    int width[64];
    size_t vis[64], nfz;
    size_t nv = visible_cols(g, vis, 64, &nfz);
    for (size_t k = 0; k < nv; k++) {
        width[k] = grid_width(g, vis[k], 40);
        /* while `s` asks for a column, the headers carry their numbers: "3 value" */
        int numbered = t->number_cols ? (int)strlen(g->head[vis[k]]) + 1 + (vis[k] >= 9) + 1 : 0;
        if (numbered > width[k])
            width[k] = numbered;
    }
    /* header, clipped at the pane's edge (a cell printed past it would wrap) */
    wmove(w, 0, 0);
    wattr(t, w, TUI_C_TITLE, A_BOLD, 1);
    int x = 0;
    size_t hk = 0;
    for (; hk < nv && x < cols; hk++) {
        size_t c = vis[hk];
        char head[64], cellbuf[128];
        const char *arrow = (int)c == g->sort_col ? (g->sort_desc ? "v" : "^") : "";
        char hesc[64];
        if (t->number_cols)
            snprintf(head, sizeof head, "%zu %s%s", c + 1,
                     utf8_printable(g->head[c], strlen(g->head[c]), hesc, sizeof hesc), arrow);
        else
            snprintf(head, sizeof head, "%s%s",
                     utf8_printable(g->head[c], strlen(g->head[c]), hesc, sizeof hesc), arrow);
        snprintf(cellbuf, sizeof cellbuf, g->right[c] ? "%*.*s" : "%-*.*s", width[hk],
                 width[hk], head);
        wmove(w, 0, x);
        tui_put(w, cellbuf, cols - x);
        /* '<' where columns are hidden by horizontal scrolling */
        if (g->left && hk + 1 == nfz && hk + 1 < nv && x + width[hk] < cols)
            mvwaddch(w, 0, x + width[hk], '<');
        x += width[hk] + 2;
    }
    if ((hk < nv || x - 2 > cols) && cols > 0)   /* more to the right: l or the right arrow */
        mvwaddch(w, 0, cols - 1, '>');
    wattr(t, w, TUI_C_TITLE, A_BOLD, 0);
    int body = rows - 1;
    if (body < 1)
        return;
    if (g->cur >= g->n_rows && g->n_rows)
        g->cur = g->n_rows - 1;
    if (g->cur < g->top)
        g->top = g->cur;
    if (g->cur >= g->top + (size_t)body)
        g->top = g->cur - (size_t)body + 1;
    for (int r = 0; r < body; r++) {
        size_t d = g->top + (size_t)r;
        if (d >= g->n_rows)
            break;
        size_t row = g->order[d];
        int pair = g->mark[row] == 1 ? TUI_C_GOOD : g->mark[row] == 2 ? TUI_C_WARN : 0;
        int sel = d == g->cur;
        if (sel)
            wattr(t, w, TUI_C_CURSOR, A_REVERSE, 1);
        else
            wattr(t, w, pair, 0, 1);
        wmove(w, r + 1, 0);
        if (sel)
            for (int k = 0; k < cols; k++)
                waddch(w, ' ');
        x = 0;
        for (size_t k = 0; k < nv && x < cols; k++) {
            size_t c = vis[k];
            char cellbuf[256], esc[256];
            const char *cell = g->cell[row][c];
            snprintf(cellbuf, sizeof cellbuf, g->right[c] ? "%*.*s" : "%-*.*s", width[k],
                     width[k], utf8_printable(cell, strlen(cell), esc, sizeof esc));
            wmove(w, r + 1, x);
            tui_put(w, cellbuf, cols - x);
            x += width[k] + 2;
        }
        if (sel)
            wattr(t, w, TUI_C_CURSOR, A_REVERSE, 0);
        else
            wattr(t, w, pair, 0, 0);
    }
}

void tui_draw_text(struct tui *t, WINDOW *w, char *const *lines, size_t n, int rows, int cols)
{
    if (n > (size_t)rows && t->text_top > n - (size_t)rows)
        t->text_top = n - (size_t)rows;
    if (n <= (size_t)rows)
        t->text_top = 0;
    for (int r = 0; r < rows; r++) {
        size_t i = t->text_top + (size_t)r;
        if (i >= n)
            break;
        const char *s = lines[i];
        int heading = s[0] == '#';
        if (heading) {
            s++;
            while (*s == ' ')
                s++;
            wattr(t, w, TUI_C_TITLE, A_BOLD, 1);
        }
        int warn = strncmp(s, "warning", 7) == 0 || strncmp(s, "  warning", 9) == 0;
        if (warn)
            wattr(t, w, TUI_C_WARN, 0, 1);
        wmove(w, r, 0);
        tui_put(w, s, cols);
        if (warn)
            wattr(t, w, TUI_C_WARN, 0, 0);
        if (heading)
            wattr(t, w, TUI_C_TITLE, A_BOLD, 0);
    }
}

int tui_grid_key(struct tui *t, struct grid *g, int ch, int rows)
{
    (void)t;
    size_t page = rows > 2 ? (size_t)rows - 2 : 1;
    switch (ch) {
    case KEY_DOWN: case 'j':
        if (g->cur + 1 < g->n_rows)
            g->cur++;
        return 1;
    case KEY_UP: case 'k':
        if (g->cur > 0)
            g->cur--;
        return 1;
    case KEY_NPAGE: case ' ':
        g->cur = g->cur + page < g->n_rows ? g->cur + page : (g->n_rows ? g->n_rows - 1 : 0);
        return 1;
    case KEY_PPAGE:
        g->cur = g->cur > page ? g->cur - page : 0;
        return 1;
    case KEY_HOME: case 'g':
        g->cur = 0;
        return 1;
    case KEY_END: case 'G':
        g->cur = g->n_rows ? g->n_rows - 1 : 0;
        return 1;
    case KEY_LEFT: case 'h':
        if (g->left)
            g->left--;
        return 1;
    case KEY_RIGHT: case 'l':
        if (g->frozen + g->left + 1 < g->n_cols)
            g->left++;
        return 1;
    default:
        return 0;
    }
}

/* Bytes still missing from the UTF-8 character that ends buf[0..len) (0: it is whole). */
static size_t prompt_open(const char *buf, size_t len)
{
    size_t i = len, cont = 0;
    while (i && ((unsigned char)buf[i - 1] & 0xC0) == 0x80 && cont < 3) {
        i--;
        cont++;
    }
    if (!i)
        return 0;
    unsigned char lead = (unsigned char)buf[i - 1];
    size_t need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
    return need > cont ? need - cont : 0;
}

/* Whether byte ch may join the prompt's buffer of n bytes: a character goes in whole
 * or not at all, so a full buffer never ends with half of one, and a continuation
 * byte whose lead was refused is refused too (bytes that are not UTF-8 still go in). */
static int prompt_fits(const char *buf, size_t len, size_t n, int ch)
{
    size_t open = prompt_open(buf, len);
    if ((ch & 0xC0) == 0x80)
        return open > 0 && len + 1 < n;
    size_t need = ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC0 ? 2 : 1;
    return len + need < n;
}

int tui_prompt(struct tui *t, const char *question, char *buf, size_t n)
{
    size_t len = strlen(buf);
    /* A pre-filled value is a suggestion: the first printable key replaces it, while
     * Backspace (or any other editing key) keeps it for editing. */
    int fresh = len > 0;
    curs_set(1);
    timeout(-1);
    int done = 0, ok = 0;
    while (!done) {
        int y = LINES - 1;
        move(y, 0);
        clrtoeol();
        /* The question and the value share one line: the question is clipped only as
         * far as the value needs (it keeps at least half the line: a choice such as
         * "interval (bootstrap, t, hoeffding, bernstein, cs, none)" was cut at half
         * the line even with room to spare), and a long value shows its end (where
         * the typing happens); nothing may wrap. */
        int qw = cells_of(question, strlen(question));
        int keep = cells_of(buf, len) + 1;
        if (keep < 12)
            keep = 12;
        if (keep > COLS / 2)
            keep = COLS / 2;
        if (qw > COLS - 2 - keep)
            qw = COLS - 2 - keep;
        if (qw < 0)
            qw = 0;
        set_on(t, TUI_C_STATUS, A_BOLD);
        tui_put(stdscr, question, qw);
        set_off(t, TUI_C_STATUS, A_BOLD);
        int room = COLS - qw - 2;
        if (room > 0) {
            addch(' ');
            const char *from = (int)len > room ? buf + len - (size_t)room : buf;
            while (from > buf && ((unsigned char)*from & 0xC0) == 0x80)
                from++;         /* start at a character, not inside one */
            tui_put(stdscr, from, room);
        }
        refresh();
        int ch = getch();
        if (ch == KEY_RESIZE)
            continue;
        if (fresh && ch >= 32 && ch < 256 && ch != 127) {
            len = 0;
            buf[0] = '\0';
        }
        fresh = 0;
        switch (ch) {
        case 21:        /* Ctrl-U: clear the line */
            len = 0;
            buf[0] = '\0';
            break;
        case '\n': case '\r': case KEY_ENTER:
            done = ok = 1;
            break;
        case 27:
            done = 1;
            break;
        case KEY_BACKSPACE: case 127: case 8:
            /* A whole character: its continuation bytes and its lead byte (one byte
             * at a time left a lone lead byte, shown and parsed as \xNN). */
            while (len && ((unsigned char)buf[len - 1] & 0xC0) == 0x80)
                len--;
            if (len)
                len--;
            buf[len] = '\0';
            break;
        default:
            if (ch >= 32 && ch < 256 && ch != 127 && prompt_fits(buf, len, n, ch)) {
                buf[len++] = (char)ch;
                buf[len] = '\0';
            }
        }
    }
    curs_set(0);
    timeout(100);
    t->dirty = 1;       /* the prompt drew over the status line */
    return ok;
}

/* Width of the tab bar when the names of the views other than the current one are
 * cut to k characters (the current one is always whole), with or without " ope ". */
static int tabs_width(const struct tui *t, size_t k, int brand)
{
    int w = brand ? 5 : 0;
    for (int v = 0; v < t->n_views; v++) {
        size_t len = strlen(t->views[v]->name);
        w += 4 + (int)(v == t->cur || len < k ? len : k);
    }
    return w;
}

/* One row, never wrapped: full names when they fit, else the other views' names cut
 * as little as needed ("5 Lea"), down to their numbers alone. */
static void draw_tabs(struct tui *t)
{
    move(0, 0);
    set_on(t, TUI_C_STATUS, 0);
    for (int c = 0; c < COLS; c++)
        addch(' ');
    size_t k = 0;
    for (int v = 0; v < t->n_views; v++)
        if (strlen(t->views[v]->name) > k)
            k = strlen(t->views[v]->name);
    int brand = 1;
    while (k > 0 && tabs_width(t, k, brand) > COLS)
        k--;
    if (tabs_width(t, k, brand) > COLS)
        brand = 0;
    move(0, 0);
    int x = 0;
    if (brand) {
        set_on(t, 0, A_BOLD);
        tui_put(stdscr, " ope ", COLS);
        set_off(t, 0, A_BOLD);
        x = 5;
    }
    for (int v = 0; v < t->n_views && x < COLS; v++) {
        char tab[64];
        int cut = v == t->cur ? 63 : (int)k;
        int len = snprintf(tab, sizeof tab, " %d%s%.*s ", v + 1, cut ? " " : "", cut,
                           t->views[v]->name);
        if (v == t->cur)
            set_on(t, 0, A_REVERSE | A_BOLD);
        move(0, x);
        tui_put(stdscr, tab, COLS - x);
        if (v == t->cur)
            set_off(t, 0, A_REVERSE | A_BOLD);
        x += len;
    }
    set_off(t, TUI_C_STATUS, 0);
}

static void draw_status(struct tui *t)
{
    struct session *s = t->s;
    int y = LINES - 1;
    move(y, 0);
    set_on(t, TUI_C_STATUS, 0);
    for (int c = 0; c < COLS; c++)
        addch(' ');
    /* The keys that get help and leave stay at the right end whatever the message;
     * the message is clipped before them (text printed past the edge would wrap). */
    static const char hint[] = " ?: help  q: quit ";
    int hw = (int)sizeof hint - 1;
    if (hw > COLS)
        hw = COLS;
    int room = COLS - hw;
    double frac;
    char label[64], text[1400];
    move(y, 0);
    if (session_busy(s, &frac, label, sizeof label) ||
        tui_job_busy(&t->job, &frac, label, sizeof label)) {
        int barw = 20, fill = (int)(frac * barw + 0.5);
        char bar[24];
        for (int k = 0; k < barw; k++)
            bar[k] = k < fill ? '#' : '.';
        bar[barw] = '\0';
        /* an error (a refused key, say) follows the bar until the next key */
        snprintf(text, sizeof text, " %s [%s] %3.0f%%  c: cancel%s%s", label, bar, 100 * frac,
                 t->status[0] && t->status_is_error ? "  " : "",
                 t->status[0] && t->status_is_error ? t->status : "");
        tui_put(stdscr, text, room);
    } else if (t->status[0]) {
        if (t->status_is_error)
            set_on(t, TUI_C_ERR, A_BOLD);
        snprintf(text, sizeof text, " %s", t->status);
        /* A message wider than its room (a refusal that names a long path first, say)
         * continues upwards over the bottom of the pane until the next key, at most
         * half the pane, rather than losing its reason at the edge. */
        char **ml = NULL;
        size_t nm = 0, most = LINES > 5 ? (size_t)(LINES - 2) / 2 : 1;
        if (room > 8 && cells_of(text, strlen(text)) > room)
            tui_linef_wrap(&ml, &nm, room, 1, "%s", text);
        if (nm > 1) {
            size_t shown = nm < most ? nm : most;
            for (size_t i = 0; i < shown; i++) {
                move(y - (int)(shown - 1 - i), 0);
                if (i + 1 < shown)
                    for (int c = 0; c < COLS; c++)
                        addch(' ');
                move(y - (int)(shown - 1 - i), 0);
                tui_put(stdscr, ml[i], room);
            }
        } else {
            tui_put(stdscr, text, room);
        }
        tui_lines_free(&ml, &nm);
        if (t->status_is_error)
            set_off(t, TUI_C_ERR, A_BOLD);
    } else {
        char set[160];
        session_describe_settings(s, set, sizeof set);
        snprintf(text, sizeof text, " %s | %s |", s->title ? s->title : "", set);
        tui_put(stdscr, text, room);
    }
    move(y, COLS - hw);
    tui_put(stdscr, hint + (int)sizeof hint - 1 - hw, hw);
    set_off(t, TUI_C_STATUS, 0);
}

/* OPE_TUI_FRAMES=FILE: after each redraw the file says how many whole frames and
 * status lines alone were drawn, so a test can see that an idle workbench draws
 * nothing (its screen would not tell: ncurses sends only what changed). */
static unsigned long n_frames, n_status_draws;

static void count_draw(int whole)
{
    static const char *path;
    static int looked;
    if (!looked) {
        path = getenv("OPE_TUI_FRAMES");
        looked = 1;
    }
    if (whole)
        n_frames++;
    else
        n_status_draws++;
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "frames %lu\nstatus %lu\n", n_frames, n_status_draws);
        fclose(f);
    }
}

/* The whole screen: tab bar, the current view's pane, status line. */
static void draw_frame(struct tui *t)
{
    const struct tui_view *v = t->views[t->cur];
    erase();
    draw_tabs(t);
    t->pane_rows = LINES - 2;
    t->pane_cols = COLS;
    WINDOW *pane = subwin(stdscr, t->pane_rows > 1 ? t->pane_rows : 1, COLS, 1, 0);
    if (pane) {
        v->draw(t, pane, t->pane_rows, t->pane_cols);
        delwin(pane);
    }
    draw_status(t);
    refresh();
    t->dirty = 0;
    count_draw(1);
}

/* `s`: ask for a column with the headers numbered on screen while the prompt is up. */
static void sort_prompt(struct tui *t, struct grid *g)
{
    char col[16] = "";
    char q[128];
    snprintf(q, sizeof q, "sort by column (1-%zu, 0 = input order):", g->n_cols);
    t->number_cols = 1;
    draw_frame(t);
    t->number_cols = 0;
    if (tui_prompt(t, q, col, sizeof col))
        grid_sort(g, atoi(col) - 1);
}

/* `C`: ask which columns to show, every header numbered while the prompt is up (the
 * hidden ones too, so that they can be chosen again); empty shows them all. */
static void columns_prompt(struct tui *t, struct grid *g)
{
    char list[128], q[128], why[160];
    grid_shown_list(g, list, sizeof list);
    snprintf(q, sizeof q, "columns (1-%zu; empty: all):", g->n_cols);
    unsigned char *was = malloc(g->n_cols ? g->n_cols : 1);
    size_t left = g->left;
    if (was) {
        memcpy(was, g->hidden, g->n_cols);
        memset(g->hidden, 0, g->n_cols);
    }
    t->number_cols = 1;
    draw_frame(t);
    t->number_cols = 0;
    if (was) {
        memcpy(g->hidden, was, g->n_cols);
        free(was);
    }
    g->left = left;
    if (!tui_prompt(t, q, list, sizeof list))
        return;
    if (grid_show_cols(g, list, why, sizeof why) != 0) {
        tui_message(t, 1, "%s", why);
        return;
    }
    g->left = 0;
    size_t shown = 0;
    for (size_t c = 0; c < g->n_cols; c++)
        shown += !g->hidden[c];
    if (shown == g->n_cols)
        tui_message(t, 0, "every column shown");
    else
        tui_message(t, 0, "%zu of %zu columns shown (C, then an empty line: all)", shown,
                    g->n_cols);
}

static void rebuild_all(struct tui *t)
{
    for (int v = 0; v < t->n_views; v++)
        if (t->views[v]->rebuild)
            t->views[v]->rebuild(t);
}

/* Export the current view's table as CSV to a file the user names; a name ending in
 * .html or .md (the default in views without a table) writes the whole session as a
 * report instead (through the report hook the command gave tui_run). */
static void export_view(struct tui *t, const struct tui_view *v)
{
    struct grid *g = v->grid ? v->grid(t) : NULL;
    char path[512] = "ope-report.html";
    if (g)
        snprintf(path, sizeof path, "ope-%s.csv", v->name);
    for (char *p = path; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!tui_prompt(t, g ? "export (.csv: this table; .html/.md: report of the session):"
                         : "export a report of the session (.html or .md):", path, sizeof path) ||
        !path[0])
        return;
    struct ope_error err = { 0 };
    if (t->report && (t->report->is_report(path) || !g)) {
        char note[600];
        if (t->report->write(t->s, path, note, sizeof note, &err) == 0)
            tui_message(t, 0, "%s", note);
        else
            tui_message(t, 1, "%s", err.msg);
        return;
    }
    if (!g) {
        tui_message(t, 1, "this view has no table to export");
        return;
    }
    if (grid_export_csv(path, g, &err) == 0)
        tui_message(t, 0, "wrote %s (%zu rows)", path, g->n_rows);
    else
        tui_message(t, 1, "%s", err.msg);
}

static void handle_search(struct tui *t, const struct tui_view *v, int again)
{
    struct grid *g = v->grid ? v->grid(t) : NULL;
    if (!g) {
        tui_message(t, 1, "nothing to search in this view");
        return;
    }
    if (!again && !tui_prompt(t, "search:", t->search, sizeof t->search))
        return;
    if (!grid_search(g, t->search))
        tui_message(t, 1, "'%s' not found", t->search);
}

static void init_colours(struct tui *t)
{
    const char *no = getenv("NO_COLOR");
    t->colour = has_colors() && !(no && *no);
    if (!t->colour)
        return;
    start_color();
    use_default_colors();
    init_pair(TUI_C_TITLE, COLOR_CYAN, -1);
    init_pair(TUI_C_CURSOR, COLOR_BLACK, COLOR_CYAN);
    init_pair(TUI_C_GOOD, COLOR_GREEN, -1);
    init_pair(TUI_C_WARN, COLOR_YELLOW, -1);
    init_pair(TUI_C_ERR, COLOR_RED, -1);
    init_pair(TUI_C_DIM, COLOR_BLUE, -1);
    init_pair(TUI_C_STATUS, COLOR_BLACK, COLOR_WHITE);
}

void tui_linef(char ***lines, size_t *n, const char *fmt, ...)
{
    char buf[TUI_MAX_TEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **grown = realloc(*lines, (*n + 1) * sizeof **lines);
    if (!grown)
        return;
    *lines = grown;
    char *copy = strdup(buf);
    if (copy)
        grown[(*n)++] = copy;
}

void tui_linef_wrap(char ***lines, size_t *n, int width, int indent, const char *fmt, ...)
{
    char buf[TUI_MAX_TEXT * 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (indent < 0 || indent > 40)
        indent = 0;
    const char *p = buf;
    int first = 1;
    for (;;) {
        int room = width - (first ? 0 : indent);
        size_t len = strlen(p);
        /* the rest fits (or no width: one line); else cut at the last space that fits */
        size_t cut = len;
        if (width > 0 && room > 8 && cells_of(p, len) > room) {
            size_t fit = 0, last_space = 0;
            while (fit < len && cells_of(p, fit + 1) <= room)
                fit++;
            for (size_t i = 1; i < fit; i++)
                if (p[i] == ' ' && p[i - 1] != ' ')
                    last_space = i;
            cut = last_space ? last_space : fit;
            while (cut < len && !cell_at(p + cut))
                cut++;      /* never inside a character */
        }
        tui_linef(lines, n, "%*s%.*s", first ? 0 : indent, "", (int)cut, p);
        p += cut;
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        first = 0;
    }
}

void tui_lines_free(char ***lines, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free((*lines)[i]);
    free(*lines);
    *lines = NULL;
    *n = 0;
}

/* The load of tui_run_load as a job: its numbers come back through ctx. */
struct load_ctx {
    const struct tui_loader *ld;
    struct session *s;
    int finished, rc;
    struct ope_error err;
};

static int load_work(void *ctx, struct ope_progress *p, struct ope_error *err)
{
    struct load_ctx *c = ctx;
    return c->ld->open(c->ld->ud, c->s, p, err);
}

static void load_done(struct tui *t, void *ctx, int rc, const struct ope_error *err)
{
    (void)t;
    struct load_ctx *c = ctx;
    c->finished = 1;
    c->rc = rc;
    c->err = *err;
}

static const struct tui_job_class load_job = { "loading", load_work, load_done };

/* The loading frame: the log's name and size, a bar of the bytes read (when the size
 * is known) and how to cancel; every line clipped at the width. */
static void draw_loading(struct tui *t, const struct tui_loader *ld)
{
    double frac = 0;
    char label[64] = "loading", line[512];
    tui_job_busy(&t->job, &frac, label, sizeof label);
    erase();
    int y = LINES / 2 - 2 > 0 ? LINES / 2 - 2 : 0;
    if (ld->bytes > 0)
        snprintf(line, sizeof line, " ope: loading %s (%.1f MB)...", ld->name, ld->bytes / 1e6);
    else
        snprintf(line, sizeof line, " ope: loading %s...", ld->name);
    set_on(t, TUI_C_TITLE, A_BOLD);
    move(y, 0);
    tui_put(stdscr, line, COLS);
    set_off(t, TUI_C_TITLE, A_BOLD);
    if (ld->bytes > 0) {
        int barw = COLS - 10 < 40 ? COLS - 10 : 40, fill = (int)(frac * barw + 0.5);
        char bar[48];
        for (int k = 0; k < barw && k < 47; k++)
            bar[k] = k < fill ? '#' : '.';
        bar[barw > 0 ? (barw < 47 ? barw : 47) : 0] = '\0';
        snprintf(line, sizeof line, " [%s] %3.0f%%", bar, 100 * frac);
        move(y + 2, 0);
        tui_put(stdscr, line, COLS);
    }
    snprintf(line, sizeof line, " %s", label);
    move(y + 3, 0);
    tui_put(stdscr, line, COLS);
    move(y + 5, 0);
    tui_put(stdscr, " q, Esc or Ctrl-C cancels", COLS);
    refresh();
}

/* Load the session on the worker with the frame up. 0 when loaded; OPE_EINTERRUPTED
 * when cancelled (by a key or a signal); -1 with err when the load failed. */
static int load_phase(struct tui *t, const struct tui_loader *ld, struct ope_error *err)
{
    struct load_ctx c = { ld, t->s, 0, 0, { 0 } };
    draw_loading(t, ld);
    if (tui_job_start(&t->job, &load_job, &c, err) != 0)
        return -1;
    int cancelled = 0;
    while (!c.finished) {
        if (tui_job_poll(&t->job, t))
            break;
        int ch = getch();
        if (!cancelled && (stop_signal || ch == 'q' || ch == 'c' || ch == 27)) {
            cancelled = 1;
            tui_job_cancel(&t->job);
        }
        draw_loading(t, ld);
    }
    if (cancelled || c.err.status == OPE_EINTERRUPTED)
        return OPE_EINTERRUPTED;
    if (c.rc != 0) {
        *err = c.err;
        return -1;
    }
    return 0;
}

int tui_run(struct session *s, const struct tui_report_hook *report)
{
    struct ope_error err = { 0 };
    return tui_run_load(s, NULL, report, &err);   /* fails only when loading */
}

int tui_run_load(struct session *s, const struct tui_loader *ld,
                 const struct tui_report_hook *report, struct ope_error *lerr)
{
    struct tui t;
    memset(&t, 0, sizeof t);
    t.s = s;
    t.report = report;
    t.views = tui_views;
    while (t.n_views < TUI_MAX_VIEWS && tui_views[t.n_views])
        t.n_views++;
    t.cur = 1;      /* Estimates first: it is what people open ope for */

    if (!initscr())
        return OPE_ESOFTWARE;
    atexit(restore_terminal);
    struct sigaction sa, old_int, old_term, old_hup;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    stop_signal = 0;
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    timeout(100);
    init_colours(&t);

    struct ope_error err = { 0 };
    int loaded = ld ? load_phase(&t, ld, lerr) : 0;
    if (loaded == 0 && !s->res && session_start(s, &err) != 0)
        tui_message(&t, 1, "%s", err.msg);
    if (loaded != 0)
        t.quit = 1;
    else
        rebuild_all(&t);


    /* Draw only what changed: the whole screen after a key, a resize, a finished
     * evaluation or experiment; while one runs, only the status line with its
     * progress; nothing at all while idle. */
    t.dirty = 1;
    while (!t.quit && !stop_signal) {
        if (session_poll(s, &err) == 1) {
            if (err.status)
                tui_message(&t, 1, "%s", err.msg);
            else
                tui_message(&t, 0, "evaluation finished");
            memset(&err, 0, sizeof err);
            rebuild_all(&t);
            t.dirty = 1;
        }
        if (tui_job_poll(&t.job, &t))   /* its done installs the result and says so */
            t.dirty = 1;
        const struct tui_view *v = t.views[t.cur];
        if (t.dirty) {
            draw_frame(&t);
        } else if (session_busy(s, NULL, NULL, 0) || tui_job_busy(&t.job, NULL, NULL, 0)) {
            draw_status(&t);
            refresh();
            count_draw(0);
        }

        int ch = getch();
        if (ch == ERR)
            continue;
        t.dirty = 1;
        if (ch == KEY_RESIZE) {
            t.chart_rows = 0;   /* re-render charts at the new size */
            continue;
        }
        t.status[0] = '\0';
        if (v->key && v->key(&t, ch))
            continue;
        struct grid *g = v->grid ? v->grid(&t) : NULL;
        if (g && tui_grid_key(&t, g, ch, t.pane_rows))
            continue;
        switch (ch) {
        case 'q':
            if (session_busy(s, NULL, NULL, 0))
                session_cancel(s);
            tui_job_cancel(&t.job);
            t.quit = 1;
            break;
        case '\t':
            t.cur = (t.cur + 1) % t.n_views;
            t.text_top = 0;
            break;
        case KEY_BTAB:
            t.cur = (t.cur + t.n_views - 1) % t.n_views;
            t.text_top = 0;
            break;
        case '?': case KEY_F(1):
            for (int h = 0; h < t.n_views; h++)
                if (t.views[h]->is_help)
                    t.cur = h;
            t.text_top = 0;
            break;
        case 'c': case 27:
            if (session_busy(s, NULL, NULL, 0)) {
                session_cancel(s);
                tui_message(&t, 0, "cancelling...");
            }
            if (tui_job_busy(&t.job, NULL, NULL, 0)) {
                tui_job_cancel(&t.job);
                tui_message(&t, 0, "cancelling...");
            }
            break;
        case '/':
            handle_search(&t, v, 0);
            break;
        case 'n':
            handle_search(&t, v, 1);
            break;
        case 's':
            if (g)
                sort_prompt(&t, g);
            break;
        case 'C':
            if (g)
                columns_prompt(&t, g);
            else
                tui_message(&t, 1, "this view has no table");
            break;
        case 'e':
            tui_estimators_dialog(&t);
            break;
        case 'r':
            tui_settings_dialog(&t);
            break;
        case 'x':
            export_view(&t, v);
            break;
        case KEY_DOWN: case 'j':
            t.text_top++;
            break;
        case KEY_UP: case 'k':
            if (t.text_top)
                t.text_top--;
            break;
        case KEY_NPAGE: case ' ':
            t.text_top += (size_t)(t.pane_rows > 2 ? t.pane_rows - 2 : 1);
            break;
        case KEY_HOME: case 'g':
            t.text_top = 0;
            break;
        case KEY_END: case 'G':     /* tui_draw_text clamps to the last page */
            t.text_top = (size_t)-1;
            break;
        case KEY_PPAGE: {
            size_t p = (size_t)(t.pane_rows > 2 ? t.pane_rows - 2 : 1);
            t.text_top = t.text_top > p ? t.text_top - p : 0;
            break;
        }
        default:
            if (ch >= '1' && ch < '1' + t.n_views) {
                t.cur = ch - '1';
                t.text_top = 0;
            }
        }
    }
    endwin();
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    if (stop_signal) {
        session_cancel(s);
        fprintf(stderr, "ope: interrupted (signal %d)\n", (int)stop_signal);
    } else if (loaded == OPE_EINTERRUPTED) {
        fprintf(stderr, "ope: loading cancelled\n");
    }
    session_wait(s);
    tui_job_cancel(&t.job);
    tui_job_wait(&t.job, &t);
    tui_job_release(&t.job);
    tui_learn_free(&t);
    tui_explore_free(&t);
    tui_train_free(&t);
    grid_free(t.data_grid);
    grid_free(t.est_grid);
    grid_free(t.sel_grid);
    grid_free(t.seg_grid);
    tui_lines_free(&t.chart_lines, &t.n_chart_lines);
    tui_lines_free(&t.learn_lines, &t.n_learn_lines);
    tui_lines_free(&t.data_lines, &t.n_data_lines);
    tui_lines_free(&t.sel_lines, &t.n_sel_lines);
    tui_lines_free(&t.explore_lines, &t.n_explore_lines);
    tui_lines_free(&t.train_lines, &t.n_train_lines);
    tui_live_chart_clear(&t.learn_chart);
    tui_live_chart_clear(&t.explore_chart);
    tui_live_chart_clear(&t.train_chart);
    if (loaded != 0)
        return loaded;
    return stop_signal ? OPE_EINTERRUPTED : 0;
}
