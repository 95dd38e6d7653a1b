/* fuzz/csv_fuzz.c: libFuzzer harness for the CSV reader and the number parsers.
 * Built into `make check` with fuzz/replay.c (t/0150); the libFuzzer campaign is
 * `make fuzz`, or by hand (clang from Debian's clang package):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -I_build \
 *     fuzz/csv_fuzz.c datasets/csv.c datasets/csvnum.c ope/base/error.c -o csv_fuzz -lm && \
 *     ./csv_fuzz -max_total_time=60
 * (_build holds config.h; run from the source tree). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "datasets/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    struct ope_error err = { 0 };
    char sep = (char)(data[0] % 3 == 0 ? ',' : data[0] % 3 == 1 ? ';' : '\t');
    struct csv_reader *r = csv_open_mem((const char *)data + 1, size - 1, "fuzz", sep, &err);
    if (!r)
        return 0;
    const struct csv_field *f;
    size_t n;
    while (csv_next(r, &f, &n, &err) == 1)
        for (size_t k = 0; k < n; k++) {
            double v;
            long l;
            csv_parse_double(f[k].s, f[k].len, &v);
            csv_parse_long(f[k].s, f[k].len, -1000, 1000, &l);
        }
    csv_close(r);
    return 0;
}
