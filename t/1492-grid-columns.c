/* t/1492-grid-columns.c: the column picker's model (viz/grid.h): which columns a list
 * such as "1-3,7" shows, the refusals that change nothing (a number outside 1..n, a
 * backwards range, a word, a list that leaves no column), the empty list and "all"
 * showing every column, the list the picker suggests back, and the CSV export of the
 * shown columns alone. */
#include "config.h"
#include "t/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viz/grid.h"

/* The hidden flags as a string of 0/1, column 1 first. */
static const char *flags(const struct grid *g)
{
    static char buf[64];
    for (size_t c = 0; c < g->n_cols; c++)
        buf[c] = g->hidden[c] ? '1' : '0';
    buf[g->n_cols] = '\0';
    return buf;
}

int main(void)
{
    plan_no_plan();
    static const char *const head[] = { "a", "b", "c", "d", "e", "f", "g", "h" };
    struct grid *g = grid_new(8, head);
    if (!g)
        bail_out("grid_new");
    char why[160], list[64];

    is_string(flags(g), "00000000", "a new grid shows every column");
    grid_shown_list(g, list, sizeof list);
    is_string(list, "1-8", "... suggested back as 1-8");

    /* "1-3,7": columns 1, 2, 3 and 7 shown; 4, 5, 6 and 8 hidden. */
    is_int(grid_show_cols(g, "1-3,7", why, sizeof why), 0, "1-3,7 is a list");
    is_string(flags(g), "00011101", "1-3,7 hides 4, 5, 6 and 8");
    grid_shown_list(g, list, sizeof list);
    is_string(list, "1-3,7", "... and is suggested back as typed");

    /* Spaces separate as commas do; repeated and overlapping items are one column. */
    is_int(grid_show_cols(g, " 2 4,4 3-4", why, sizeof why), 0, "spaces and repeats");
    is_string(flags(g), "10001111", "2 4,4 3-4 shows 2, 3 and 4");
    grid_shown_list(g, list, sizeof list);
    is_string(list, "2-4", "... suggested back as the run 2-4");

    /* Refusals leave the columns as they were and name the item. */
    static const struct { const char *list, *why; } bad[] = {
        { "3,9", "'9' is not a column (1-8" },
        { "0", "'0' is not a column" },
        { "5-2", "'5-2' is not a column" },
        { "2-", "'2-' is not a column" },
        { "x", "'x' is not a column" },
        { "1,2;3", "'2;3' is not a column" },
        { ",", "no column chosen" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        why[0] = '\0';
        is_int(grid_show_cols(g, bad[k].list, why, sizeof why), -1, "'%s' is refused", bad[k].list);
        like(why, bad[k].why, "'%s': the reason names it", bad[k].list);
        is_string(flags(g), "10001111", "'%s': nothing changed", bad[k].list);
    }

    /* The CSV export has the shown columns alone, in their order. */
    static const char *const r1[] = { "1", "2", "3", "4", "5", "6", "7", "8" };
    grid_add(g, r1);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        bail_out("open_memstream");
    is_int(grid_write_csv(g, mem), 0, "the CSV is written");
    fclose(mem);
    is_string(buf, "b,c,d\n2,3,4\n", "the CSV holds columns 2, 3 and 4 only");
    free(buf);

    /* Empty (or blank) and "all" show every column again. */
    is_int(grid_show_cols(g, "", why, sizeof why), 0, "an empty list");
    is_string(flags(g), "00000000", "an empty list shows every column");
    grid_show_cols(g, "8", why, sizeof why);
    is_string(flags(g), "11111110", "8 alone");
    grid_shown_list(g, list, sizeof list);
    is_string(list, "8", "... suggested back as 8");
    is_int(grid_show_cols(g, "  ", why, sizeof why), 0, "a blank list");
    is_string(flags(g), "00000000", "a blank list shows every column");
    grid_show_cols(g, "1", why, sizeof why);
    is_int(grid_show_cols(g, "ALL", why, sizeof why), 0, "ALL");
    is_string(flags(g), "00000000", "all (any case) shows every column");
    grid_free(g);
    return done_testing();
}
