/* t/0100-csv.c: the CSV reader: RFC 4180 quoting, line ends, BOM, separators,
 * positions for messages, every error, and number parsing bit-identical to strtod. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"
#include "ope/base/rng.h"

/* Read all records of a buffer; returns the records as "f1|f2|..." lines joined by
 * '\n' (or the error message prefixed "ERR "). */
static char *read_all(const char *buf, size_t len, char sep)
{
    static char out[8192];
    struct ope_error err = { 0 };
    struct csv_reader *r = csv_open_mem(buf, len, "mem.csv", sep, &err);
    const struct csv_field *f;
    size_t n;
    int rc;
    out[0] = '\0';
    while ((rc = csv_next(r, &f, &n, &err)) == 1) {
        for (size_t k = 0; k < n; k++) {
            strcat(out, f[k].s);
            strcat(out, k + 1 < n ? "|" : "\n");
        }
    }
    if (rc < 0) {
        strcat(out, "ERR ");
        strcat(out, err.msg);
    }
    csv_close(r);
    return out;
}

static void positions(void)
{
    const char *s = "a,bb,\"c\nd\",e\r\n1,,3\n";
    struct ope_error err = { 0 };
    struct csv_reader *r = csv_open_mem(s, strlen(s), "p.csv", ',', &err);
    const struct csv_field *f;
    size_t n;
    ok(csv_next(r, &f, &n, &err) == 1 && n == 4, "first record has 4 fields");
    is_int((long long)f[1].col, 3, "field 2 starts at column 3");
    is_int((long long)f[2].col, 6, "quoted field starts at column 6");
    ok(f[2].quoted && strcmp(f[2].s, "c\nd") == 0, "embedded newline kept");
    is_int((long long)f[3].line, 2, "the field after the embedded newline is on line 2");
    is_int((long long)csv_record_line(r), 1, "record line 1");
    ok(csv_next(r, &f, &n, &err) == 1 && n == 3, "second record");
    is_int((long long)f[0].line, 3, "second record starts on line 3");
    ok(f[1].len == 0 && !f[1].quoted, "empty field");
    is_int((long long)f[2].col, 4, "column of the third field");
    ok(csv_next(r, &f, &n, &err) == 0, "end of input");
    csv_close(r);
}

static void numbers(void)
{
    double v;
    ok(csv_parse_double("1.5", 3, &v) == 0 && v == 1.5, "1.5");
    ok(csv_parse_double(" -2e-3 ", 7, &v) == 0 && v == -2e-3, "spaces and exponent");
    ok(csv_parse_double("1e400", 5, &v) == -2, "overflow is rejected like inf");
    ok(csv_parse_double("nan", 3, &v) == -2, "nan rejected (-2)");
    ok(csv_parse_double("-Infinity", 9, &v) == -2, "-Infinity rejected (-2)");
    ok(csv_parse_double("abc", 3, &v) == -1, "not a number (-1)");
    ok(csv_parse_double("", 0, &v) == -1, "empty is not a number");
    ok(csv_parse_double("0x10", 4, &v) == -1, "hex is not accepted");
    ok(csv_parse_double("1.", 2, &v) == 0 && v == 1.0, "'1.' is 1");
    ok(csv_parse_double(".5", 2, &v) == 0 && v == 0.5, "'.5' is 0.5");
    ok(csv_parse_double("1e", 2, &v) == -1, "dangling exponent");
    ok(csv_parse_double("1.2.3", 5, &v) == -1, "two points");
    ok(csv_parse_double("4.9e-324", 8, &v) == 0 && v > 0, "smallest subnormal");
    /* Bit-identical to strtod on 200,000 random decimal strings of varied shapes
     * (the fast path and the fallback both). */
    struct ope_rng rng;
    ope_rng_init(&rng, 1, OPE_RNG_TEST, 0);
    int same = 1;
    char buf[64];
    for (int k = 0; k < 200000 && same; k++) {
        double x = (ope_rng_uniform(&rng) - 0.5) * pow(10.0, (double)ope_rng_below(&rng, 40) - 20);
        int prec = 1 + (int)ope_rng_below(&rng, 18);
        int len = ope_rng_below(&rng, 2) ? snprintf(buf, sizeof buf, "%.*g", prec, x)
                                         : snprintf(buf, sizeof buf, "%.*f", prec % 12, x);
        double got;
        if (csv_parse_double(buf, (size_t)len, &got) != 0 || got != strtod(buf, NULL)) {
            same = 0;
            diag("differs on '%s'", buf);
        }
    }
    ok(same, "200,000 random numbers parse exactly as strtod");
    /* The extended-precision path: 16 to 19 significant digits, including the
     * shortest round-trip form of random doubles (the generator's output), and values
     * near halfway points (a double plus half an ulp, printed with 19 digits). */
    same = 1;
    for (int k = 0; k < 300000 && same; k++) {
        double x = ope_rng_uniform(&rng) * pow(10.0, (double)ope_rng_below(&rng, 30) - 15);
        int prec = 16 + (int)ope_rng_below(&rng, 4);
        int len;
        if (k % 3 == 2) {
            /* 19 digits of the exact midpoint between x and the next double. */
            long double mid = ((long double)x + (long double)nextafter(x, INFINITY)) / 2;
            len = snprintf(buf, sizeof buf, "%.19Lg", mid);
        } else {
            len = snprintf(buf, sizeof buf, "%.*g", prec, x);
        }
        double got;
        if (csv_parse_double(buf, (size_t)len, &got) != 0 || got != strtod(buf, NULL)) {
            same = 0;
            diag("differs on '%s'", buf);
        }
    }
    ok(same, "300,000 numbers with 16-19 digits parse exactly as strtod");
    long l;
    ok(csv_parse_long("42", 2, 0, 100, &l) == 0 && l == 42, "integer");
    ok(csv_parse_long("-3", 2, -5, 5, &l) == 0 && l == -3, "negative integer");
    ok(csv_parse_long("2.0", 3, 0, 9, &l) == -1, "2.0 is not an integer");
    ok(csv_parse_long("10", 2, 0, 9, &l) == -2, "out of range");
    ok(csv_parse_long("99999999999999999999", 20, 0, 9, &l) == -2, "overflow");
}

int main(void)
{
    plan_no_plan();
    is_string(read_all("a,b\n1,2\n", strlen("a,b\n1,2\n"), ','), "a|b\n1|2\n", "plain");
    is_string(read_all("a,b\r\n1,2\r\n", strlen("a,b\r\n1,2\r\n"), ','), "a|b\n1|2\n", "CRLF");
    is_string(read_all("a,b\n1,2", strlen("a,b\n1,2"), ','), "a|b\n1|2\n", "no final newline");
    is_string(read_all("\xEF\xBB\xBF" "a,b\n", strlen("\xEF\xBB\xBF" "a,b\n"), ','), "a|b\n", "BOM skipped");
    is_string(read_all("\"x,y\",\"he said \"\"hi\"\"\"\n", strlen("\"x,y\",\"he said \"\"hi\"\"\"\n"), ','), "x,y|he said \"hi\"\n",
              "quoted separator and doubled quotes");
    is_string(read_all("a;b;c\n", strlen("a;b;c\n"), ';'), "a|b|c\n", "semicolon separator");
    is_string(read_all("a\tb\n", strlen("a\tb\n"), '\t'), "a|b\n", "tab separator");
    is_string(read_all("a,,\n", strlen("a,,\n"), ','), "a||\n", "trailing empty fields");
    is_string(read_all("a\n\nb\n", strlen("a\n\nb\n"), ','), "a\n\nb\n", "a blank line is a record of one empty field");
    is_string(read_all("\"\"\n", strlen("\"\"\n"), ','), "\n", "an empty quoted field");
    is_string(read_all("\"a\r\nb\"\n", strlen("\"a\r\nb\"\n"), ','), "a\r\nb\n", "CRLF inside quotes kept");
    like(read_all("a,\"bc\n", strlen("a,\"bc\n"), ','), "mem.csv:1:3: a quoted field is never closed",
         "unterminated quote: file:line:col");
    like(read_all("a,b\"c\n", strlen("a,b\"c\n"), ','), "mem.csv:1:4: saw '\"' inside an unquoted field",
         "quote inside an unquoted field");
    like(read_all("x\n\"a\"b\n", strlen("x\n\"a\"b\n"), ','), "mem.csv:2:4: saw 'b' after a closing quote",
         "character after a closing quote");
    positions();
    numbers();
    /* A record longer than the read block (1 MB) crosses refills intact. */
    {
        size_t n = 3u << 20;
        char *big = malloc(n + 8);
        memset(big, 'z', n);
        memcpy(big + n, ",1\n", 3);
        FILE *f = tmpfile();
        fwrite(big, 1, n + 3, f);
        fflush(f);
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fileno(f));
        struct ope_error err = { 0 };
        struct csv_reader *r = csv_open(path, ',', &err);
        const struct csv_field *fl;
        size_t nf;
        ok(r && csv_next(r, &fl, &nf, &err) == 1 && nf == 2 && fl[0].len == n &&
           strcmp(fl[1].s, "1") == 0, "a 3 MB field read from a file across refills");
        csv_close(r);
        fclose(f);
        free(big);
    }
    {
        struct ope_error err = { 0 };
        ok(csv_open("/nonexistent/x.csv", ',', &err) == NULL && err.status == OPE_ENOINPUT,
           "a missing file is OPE_ENOINPUT");
        like(err.msg, "/nonexistent/x.csv", "and the message names it");
    }
    return done_testing();
}
