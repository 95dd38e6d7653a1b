/* ope/base/closest.c: the suggestion behind every "did you mean" (see the header). */
#include "config.h"
#include "ope/base/closest.h"

#include <string.h>

/* Edit distance (insertions, deletions, substitutions, adjacent swaps) of two short
 * words; names longer than 63 bytes count as far from everything. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 63 || m > 63)
        return (size_t)-1;
    size_t d[64][64];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

/* Equal once '-' and '_' are left out of both. */
static int same_but_dashes(const char *a, const char *b)
{
    for (;;) {
        while (*a == '-' || *a == '_')
            a++;
        while (*b == '-' || *b == '_')
            b++;
        if (*a != *b)
            return 0;
        if (!*a)
            return 1;
        a++;
        b++;
    }
}

const char *ope_closest(const char *typed, const char *const *names, size_t n)
{
    size_t len = strlen(typed), best_d = (size_t)-1;
    const char *best = NULL;
    if (len == 0)
        return NULL;
    /* A name the typed word begins (an abbreviation) is the likeliest meaning. */
    for (size_t i = 0; i < n; i++)
        if (strncmp(names[i], typed, len) == 0 && (!best || strlen(names[i]) < strlen(best)))
            best = names[i];
    if (best)
        return best;
    /* A name that differs only by its dashes or underscores ("sgdr", "sg_dr": "sg-dr"). */
    for (size_t i = 0; i < n; i++)
        if (same_but_dashes(typed, names[i]))
            return names[i];
    /* Else a typo: at most one edit in four letters, and at least one allowed. */
    size_t limit = len / 4 + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(typed, names[i]);
        if (d <= limit && d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best;
}

