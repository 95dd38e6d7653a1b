/* fuzz/numparse_fuzz.c: libFuzzer oracle for csv_parse_double: whatever the input,
 * a success must equal strtod bit for bit, and a string of the documented grammar
 * ([+-] digits [. digits] [(e|E) [+-] digits], spaces or tabs around) must parse
 * (or be rejected as out of range exactly where strtod overflows). Built into `make
 * check` with fuzz/replay.c (t/0150); `make fuzz` runs libFuzzer, or by hand (from
 * the source tree, _build holding config.h):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -I_build \
 *     fuzz/numparse_fuzz.c datasets/csvnum.c -o numparse_fuzz -lm &&
 *   ./numparse_fuzz -max_total_time=60 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int digits(const char *s, size_t *i, size_t n)
{
    size_t k = *i;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9')
        (*i)++;
    return *i > k;
}

/* Does s[0, n) match the grammar (after trimming spaces and tabs)? */
static int in_grammar(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    int any = digits(s, &i, n);
    if (i < n && s[i] == '.') {
        i++;
        any |= digits(s, &i, n);
    }
    if (!any)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (!digits(s, &i, n))
            return 0;
    }
    return i == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 400)
        return 0;
    const char *s = (const char *)data;
    double v;
    int rc = csv_parse_double(s, size, &v);
    int gram = in_grammar(s, size);
    if ((gram && rc == -1) || (!gram && rc == 0))
        abort();                    /* refused inside the grammar, or accepted outside */
    if (!gram)
        return 0;
    char buf[512];
    memcpy(buf, s, size);
    buf[size] = '\0';
    double want = strtod(buf, NULL);
    if (rc == -2 ? isfinite(want) : memcmp(&v, &want, sizeof v) != 0)
        abort();                    /* not strtod's value */
    return 0;
}
