/* bench/bench_csv.c: CSV throughput on a 1,000,000-row x 30-column numeric file
 * (generated once into $TMPDIR): read every record and parse every field as a
 * double, as the loaders do. Prints MB/s (issue 2's target: >= 200 MB/s). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "datasets/csv.h"
#include "ope/base/rng.h"

int main(void)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[512];
    snprintf(path, sizeof path, "%s/ope-bench-csv30.csv", dir);
    struct stat st;
    if (stat(path, &st) != 0) {
        FILE *f = fopen(path, "w");
        if (!f)
            return 1;
        struct ope_rng rng;
        ope_rng_init(&rng, 1, OPE_RNG_TEST, 0);
        for (int c = 0; c < 30; c++)
            fprintf(f, "%sc%d", c ? "," : "", c);
        fputc('\n', f);
        for (int i = 0; i < 1000000; i++)
            for (int c = 0; c < 30; c++)
                fprintf(f, "%.6f%c", 100 * ope_rng_uniform(&rng) - 50, c == 29 ? '\n' : ',');
        fclose(f);
        stat(path, &st);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct ope_error err = { 0 };
    struct csv_reader *r = csv_open(path, ',', &err);
    const struct csv_field *fl;
    size_t n, rows = 0, bad = 0;
    double sum = 0;
    while (csv_next(r, &fl, &n, &err) == 1) {
        rows++;
        for (size_t k = 0; k < n; k++) {
            double v;
            if (csv_parse_double(fl[k].s, fl[k].len, &v) == 0)
                sum += v;
            else
                bad++;
        }
    }
    csv_close(r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("csv: %zu records, %.0f MB in %.2f s: %.0f MB/s (checksum %.6g, %zu non-numbers)\n",
           rows, (double)st.st_size / 1e6, s, (double)st.st_size / 1e6 / s, sum, bad);
    return 0;
}
