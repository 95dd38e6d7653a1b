/* viz/grid.c: the table model behind every TUI table (see grid.h). */
#include "config.h"
#include "viz/grid.h"

#include "ope/base/csvout.h"
#include "ope/base/outfile.h"
#include "ope/base/utf8.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *dup_str(const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

struct grid *grid_new(size_t n_cols, const char *const *head)
{
    struct grid *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->n_cols = n_cols;
    g->sort_col = -1;
    g->head = calloc(n_cols, sizeof *g->head);
    g->right = calloc(n_cols, 1);
    g->hidden = calloc(n_cols ? n_cols : 1, 1);
    if (!g->head || !g->right || !g->hidden) {
        grid_free(g);
        return NULL;
    }
    for (size_t c = 0; c < n_cols; c++)
        if (!(g->head[c] = dup_str(head[c]))) {
            grid_free(g);
            return NULL;
        }
    return g;
}

static int grow(struct grid *g)
{
    size_t cap = g->cap ? 2 * g->cap : 16;
    char ***cell = realloc(g->cell, cap * sizeof *cell);
    if (!cell)
        return -1;
    g->cell = cell;
    unsigned char *mark = realloc(g->mark, cap);
    if (!mark)
        return -1;
    g->mark = mark;
    size_t *order = realloc(g->order, cap * sizeof *order);
    if (!order)
        return -1;
    g->order = order;
    g->cap = cap;
    return 0;
}

int grid_add(struct grid *g, const char *const *cells)
{
    if (g->n_rows == g->cap && grow(g) != 0)
        return -1;
    char **row = calloc(g->n_cols ? g->n_cols : 1, sizeof *row);
    if (!row)
        return -1;
    for (size_t c = 0; c < g->n_cols; c++)
        if (!(row[c] = dup_str(cells[c]))) {
            for (size_t k = 0; k < c; k++)
                free(row[k]);
            free(row);
            return -1;
        }
    g->cell[g->n_rows] = row;
    g->mark[g->n_rows] = 0;
    g->order[g->n_rows] = g->n_rows;
    g->n_rows++;
    return 0;
}

int grid_addf(struct grid *g, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    const char *cells[64];
    size_t n = 0;
    char *p = buf;
    while (n < g->n_cols && n < 64) {
        cells[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    while (n < g->n_cols && n < 64)
        cells[n++] = "";
    return grid_add(g, cells);
}

/* Parse a cell as a number for sorting; 0 when it is not one. */
static int cell_number(const char *s, double *out)
{
    char *end;
    if (!*s || strcmp(s, "-") == 0)
        return 0;
    *out = strtod(s, &end);
    while (*end == '%' || *end == ' ')
        end++;
    return end != s && *end == '\0';
}

static int compare_rows(const void *pa, const void *pb, void *arg)
{
    const struct grid *g = arg;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    const char *sa = g->cell[a][g->sort_col], *sb = g->cell[b][g->sort_col];
    double xa, xb;
    int na = cell_number(sa, &xa), nb = cell_number(sb, &xb);
    int r;
    if (na && nb)
        r = (xa > xb) - (xa < xb);
    else if (na != nb)
        return na ? -1 : 1;     /* numbers before text and "-", whatever the direction */
    else
        r = strcasecmp(sa, sb);
    if (g->sort_desc)
        r = -r;
    if (r == 0)
        r = (a > b) - (a < b);  /* stable: input order breaks ties */
    return r;
}

void grid_sort(struct grid *g, int c)
{
    for (size_t i = 0; i < g->n_rows; i++)
        g->order[i] = i;
    if (c < 0 || (size_t)c >= g->n_cols) {
        g->sort_col = -1;
        return;
    }
    if (g->sort_col == c)
        g->sort_desc = !g->sort_desc;
    else
        g->sort_desc = g->right[c];     /* numbers: largest first */
    g->sort_col = c;
    qsort_r(g->order, g->n_rows, sizeof *g->order, compare_rows, g);
}

int grid_search(struct grid *g, const char *needle)
{
    if (!needle || !*needle || g->n_rows == 0)
        return 0;
    for (size_t k = 1; k <= g->n_rows; k++) {
        size_t d = (g->cur + k) % g->n_rows;
        char **row = g->cell[g->order[d]];
        for (size_t c = 0; c < g->n_cols; c++) {
            if (strcasestr(row[c], needle)) {
                g->cur = d;
                return 1;
            }
        }
    }
    return 0;
}

int grid_width(const struct grid *g, size_t c, int max)
{
    /* as drawn: a control byte in a name from the data shows as \xNN */
    size_t w = utf8_printable_len(g->head[c], strlen(g->head[c]));
    for (size_t r = 0; r < g->n_rows; r++) {
        size_t n = utf8_printable_len(g->cell[r][c], strlen(g->cell[r][c]));
        if (n > w)
            w = n;
    }
    return w > (size_t)max ? max : (int)w;
}

int grid_show_cols(struct grid *g, const char *list, char *why, size_t n)
{
    while (*list == ' ')
        list++;
    if (!*list || strcasecmp(list, "all") == 0) {
        memset(g->hidden, 0, g->n_cols);
        return 0;
    }
    unsigned char *hide = malloc(g->n_cols ? g->n_cols : 1);
    if (!hide) {
        snprintf(why, n, "out of memory");
        return -1;
    }
    memset(hide, 1, g->n_cols);
    size_t shown = 0;
    const char *p = list;
    for (;;) {
        while (*p == ',' || *p == ' ')
            p++;
        if (!*p)
            break;
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end != p && *end == '-') {
            const char *q = end + 1;
            b = strtol(q, &end, 10);
            if (end == q)
                b = 0;
        }
        if (end == p || a < 1 || b < a || (size_t)b > g->n_cols ||
            (*end && *end != ',' && *end != ' ')) {
            size_t len = strcspn(p, ", ");
            snprintf(why, n, "'%.*s' is not a column (1-%zu, e.g. 1-3,7)", (int)(len ? len : 1),
                     p, g->n_cols);
            free(hide);
            return -1;
        }
        for (long c = a; c <= b; c++) {
            shown += hide[c - 1];
            hide[c - 1] = 0;
        }
        p = end;
    }
    if (!shown) {
        snprintf(why, n, "no column chosen");
        free(hide);
        return -1;
    }
    memcpy(g->hidden, hide, g->n_cols);
    free(hide);
    return 0;
}

void grid_shown_list(const struct grid *g, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t c = 0; c < g->n_cols && len < n; c++) {
        if (g->hidden[c] || (c > 0 && !g->hidden[c - 1]))
            continue;       /* only the first column of each run starts an item */
        size_t e = c;
        while (e + 1 < g->n_cols && !g->hidden[e + 1])
            e++;
        len += (size_t)(e > c ? snprintf(buf + len, n - len, "%s%zu-%zu", len ? "," : "", c + 1, e + 1)
                              : snprintf(buf + len, n - len, "%s%zu", len ? "," : "", c + 1));
    }
}

/* One line of the shown cells, through the shared CSV cell writer. */
static void put_csv_line(struct strbuf *sb, char *const *cells, const struct grid *g)
{
    int first = 1;
    for (size_t c = 0; c < g->n_cols; c++) {
        if (g->hidden[c])
            continue;
        if (!first)
            strbuf_putc(sb, ',');
        csvout_cell(sb, cells[c]);
        first = 0;
    }
    strbuf_putc(sb, '\n');
}

int grid_write_csv(const struct grid *g, FILE *f)
{
    struct strbuf sb = STRBUF_INIT;
    put_csv_line(&sb, g->head, g);
    for (size_t d = 0; d < g->n_rows; d++)
        put_csv_line(&sb, g->cell[g->order[d]], g);
    int bad = strbuf_failed(&sb) || fwrite(sb.buf, 1, sb.len, f) != sb.len;
    strbuf_release(&sb);
    return bad ? -1 : 0;
}

void grid_free(struct grid *g)
{
    if (!g)
        return;
    for (size_t r = 0; r < g->n_rows; r++) {
        for (size_t c = 0; c < g->n_cols; c++)
            free(g->cell[r][c]);
        free(g->cell[r]);
    }
    for (size_t c = 0; c < g->n_cols && g->head; c++)
        free(g->head[c]);
    free(g->head);
    free(g->right);
    free(g->hidden);
    free(g->cell);
    free(g->mark);
    free(g->order);
    free(g);
}

int grid_export_csv(const char *path, const struct grid *g, struct ope_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return ope_fail_oom(err);
    int bad = grid_write_csv(g, mem);
    if (fclose(mem) != 0 || bad) {
        free(buf);
        return ope_fail_oom(err);
    }
    int rc = ope_write_file_atomic(path, buf, len, 0, err);
    free(buf);
    return rc;
}
