/* t/0335-csvout.c: the shared CSV cell writer (ope/base/csvout.c), which every CSV
 * that ope writes now goes through: RFC 4180 quoting only where needed, a chosen
 * separator, forced quoting for copied fields, bytes past a NUL, and the two number
 * formats (shortest round-trip; the "%.15g else %.17g" of the MDP and policy files). */
#include "config.h"
#include "t/tap.h"
#include "ope/base/csvout.h"

#include <math.h>

/* The cell written for s (length len) with separator sep and force, as a string. */
static const char *field(const char *s, size_t len, char sep, int force)
{
    static struct strbuf sb = STRBUF_INIT;
    strbuf_reset(&sb);
    csvout_field(&sb, s, len, sep, force);
    return strbuf_str(&sb);
}

static const char *cell(const char *s)
{
    static struct strbuf sb = STRBUF_INIT;
    strbuf_reset(&sb);
    csvout_cell(&sb, s);
    return strbuf_str(&sb);
}

static const char *number(double x)
{
    static struct strbuf sb = STRBUF_INIT;
    strbuf_reset(&sb);
    csvout_number(&sb, x);
    return strbuf_str(&sb);
}

static const char *g1517(double x)
{
    static char buf[40];
    csvout_format_g15_17(buf, sizeof buf, x);
    return buf;
}

int main(void)
{
    plan(16);
    /* RFC 4180: a field with a comma, a quote or a line break is quoted, inner quotes
     * doubled; anything else is written as it is. */
    is_string(cell("plain"), "plain", "a plain cell is written as it is");
    is_string(cell(""), "", "an empty cell stays empty");
    is_string(cell("a,b"), "\"a,b\"", "a comma is quoted");
    is_string(cell("say \"hi\""), "\"say \"\"hi\"\"\"", "quotes are doubled inside quotes");
    is_string(cell("two\nlines"), "\"two\nlines\"", "a line feed is quoted");
    is_string(cell("cr\r"), "\"cr\r\"", "a carriage return is quoted");
    /* The general field: the separator decides, a comma is plain under tabs. */
    is_string(field("a,b", 3, '\t', 0), "a,b", "with tab separators a comma needs no quotes");
    is_string(field("a\tb", 3, '\t', 0), "\"a\tb\"", "... but a tab does");
    is_string(field("x", 1, ',', 1), "\"x\"", "force quotes a field that was quoted in the input");
    /* Length, not NUL, ends the field: "a\0," is three bytes and holds a comma. */
    struct strbuf sb = STRBUF_INIT;
    csvout_field(&sb, "a\0,", 3, ',', 0);
    ok(sb.len == 5 && sb.buf[0] == '"' && sb.buf[2] == '\0' && sb.buf[3] == ',',
       "a field is its len bytes, NUL included");
    strbuf_release(&sb);
    /* Numbers: shortest round trip, NaN an empty cell, infinities spelled out. */
    is_string(number(0.1), ",0.1", "0.1 with its separator");
    is_string(number(NAN), ",", "NaN is an empty cell");
    is_string(number(-INFINITY), ",-inf", "-inf");
    /* "%.15g" when it reads back, else "%.17g": 0.3 + 0.6 = 0.8999999999999999 needs
     * 16 digits, so this format writes 17 ("0.89999999999999991"); -0 keeps its sign. */
    is_string(g1517(0.25), "0.25", "g15_17: 0.25");
    is_string(g1517(0.3 + 0.6), "0.89999999999999991", "g15_17: 16 significant digits become 17");
    is_string(g1517(-0.0), "-0", "g15_17: -0 stays -0");
    return done_testing();
}
