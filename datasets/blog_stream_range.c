/* datasets/blog_stream_range.c: the row marks of blog_stream_range.h, and
 * blog_stream_part, the ranges of a log shared out on the grid (blog_stream.h). One
 * mark per BLOG_STREAM_GRID rows: O(rows / 4096) memory. */
#include "config.h"
#include "datasets/blog_stream_range.h"
#include "datasets/blog_stream.h"

#include <stdlib.h>

int blog_marks_add(struct blog_marks *k, size_t input, size_t offset, size_t line,
                   struct ope_error *err)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 64;
        struct blog_mark *m = ope_realloc(k->m, cap * sizeof *m, err);
        if (!m)
            return -1;
        k->m = m;
        k->cap = cap;
    }
    k->m[k->n++] = (struct blog_mark){ input, offset, line };
    return 0;
}

int blog_marks_note(struct blog_marks *k, const struct loader *L, struct ope_error *err)
{
    size_t g = (L->row0 + BLOG_STREAM_GRID - 1) / BLOG_STREAM_GRID * BLOG_STREAM_GRID;
    for (; g < L->row0 + L->n; g += BLOG_STREAM_GRID) {
        /* Its input: the last to begin at or before it (an input without rows begins
         * where the next one does, csv_rows_note). */
        size_t in = 0;
        while (in + 1 < L->rows_of.n && L->rows_of.start[in + 1] <= g)
            in++;
        if (blog_marks_add(k, in, L->offset[g - L->row0], L->line[g - L->row0], err) < 0)
            return -1;
    }
    return 0;
}

int blog_marks_seek(const struct blog_marks *k, struct csv_reader *csv, size_t row,
                    size_t *input, struct ope_error *err)
{
    size_t i = row / BLOG_STREAM_GRID - k->first;
    if (row % BLOG_STREAM_GRID || row / BLOG_STREAM_GRID < k->first || i >= k->n)
        return ope_fail(err, OPE_ESOFTWARE, "blog_marks_seek: row %zu of %zu marks from %zu",
                        row, k->n, k->first);
    *input = k->m[i].input;
    return csv_seek(csv, k->m[i].input, k->m[i].offset, k->m[i].line, err);
}

void blog_marks_release(struct blog_marks *k)
{
    free(k->m);
    k->m = NULL;
    k->n = k->cap = k->first = 0;
}

void blog_stream_part(size_t rows, size_t parts, size_t k, size_t *row_lo, size_t *row_hi)
{
    /* Whole chunks of the grid, some parts one more when they do not share out
     * evenly: part k gets chunks [k C / parts, (k + 1) C / parts) (floors). */
    size_t chunks = (rows + BLOG_STREAM_GRID - 1) / BLOG_STREAM_GRID;
    size_t a = parts ? k * chunks / parts : 0, b = parts ? (k + 1) * chunks / parts : 0;
    if (k >= parts)
        a = b = chunks;
    *row_lo = a * BLOG_STREAM_GRID < rows ? a * BLOG_STREAM_GRID : rows;
    *row_hi = b * BLOG_STREAM_GRID < rows ? b * BLOG_STREAM_GRID : rows;
}
