/* t/jsonclose.c: whether two JSON texts are the same but for rounding in their
 * numbers: `jsonclose A B [REL]` exits 0 when every byte outside numbers is equal and
 * every pair of numbers agrees to REL relative (default 1e-12; numbers below 1e-300 in
 * both count as equal), else 1 with the first difference on standard error. Numbers
 * inside strings are compared as text. For the tests of runs that may differ by
 * rounding alone (a log split across MPI ranks, t/0379). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap + 1);
    size_t got;
    while (b && (got = fread(b + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *nb = realloc(b, 2 * cap + 1);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (b)
        b[len] = '\0';
    *n = len;
    return b;
}

static int number_start(const char *s, size_t i, int in_str)
{
    return !in_str && (isdigit((unsigned char)s[i]) || s[i] == '-');
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: jsonclose A B [REL]\n");
        return 2;
    }
    double rel = argc > 3 ? strtod(argv[3], NULL) : 1e-12;
    size_t na, nb;
    char *a = slurp(argv[1], &na), *b = slurp(argv[2], &nb);
    if (!a || !b) {
        fprintf(stderr, "jsonclose: cannot read %s\n", a ? argv[2] : argv[1]);
        return 2;
    }
    size_t i = 0, j = 0, numbers = 0;
    int in_str = 0, esc = 0;
    while (i < na && j < nb) {
        char *ea = a + i, *eb = b + j;
        double x = 0.0, y = 0.0;
        if (number_start(a, i, in_str) && number_start(b, j, in_str)) {
            x = strtod(a + i, &ea);
            y = strtod(b + j, &eb);
        }
        /* (a '-' that starts no number, as in an error's "--option", is a character) */
        if (ea > a + i && eb > b + j) {
            double scale = fmax(fabs(x), fabs(y));
            if (!(x == y || (scale < 1e-300) || fabs(x - y) <= rel * scale)) {
                fprintf(stderr, "jsonclose: byte %zu: %.*s against %.*s (relative %.3g > "
                        "%.3g)\n", i, (int)(ea - (a + i)), a + i, (int)(eb - (b + j)), b + j,
                        fabs(x - y) / scale, rel);
                return 1;
            }
            numbers++;
            i = (size_t)(ea - a);
            j = (size_t)(eb - b);
            continue;
        }
        if (a[i] != b[j]) {
            fprintf(stderr, "jsonclose: byte %zu: '%.40s' against '%.40s'\n", i, a + i, b + j);
            return 1;
        }
        if (in_str) {
            if (esc)
                esc = 0;
            else if (a[i] == '\\')
                esc = 1;
            else if (a[i] == '"')
                in_str = 0;
        } else if (a[i] == '"') {
            in_str = 1;
        }
        i++;
        j++;
    }
    if (i != na || j != nb) {
        fprintf(stderr, "jsonclose: one text ends first (byte %zu of %zu, %zu of %zu)\n", i,
                na, j, nb);
        return 1;
    }
    if (!numbers) {
        fprintf(stderr, "jsonclose: no numbers compared\n");
        return 1;
    }
    free(a);
    free(b);
    return 0;
}
