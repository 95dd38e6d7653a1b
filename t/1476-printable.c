/* t/1476-printable.c: the terminal escaping of names from the data (ope/base/utf8.h):
 * utf8_printable (one line: every control byte as \xNN), utf8_printable_lines (a
 * message: newlines and tabs kept) and utf8_printable_len (the width of the escaped
 * text, which the workbench's columns are laid out with). */
#include "config.h"

#include <string.h>

#include "ope/base/utf8.h"
#include "t/tap.h"

static const char *p1(const char *s)
{
    static char buf[256];
    return utf8_printable(s, strlen(s), buf, sizeof buf);
}

static const char *pl(const char *s)
{
    static char buf[256];
    return utf8_printable_lines(s, strlen(s), buf, sizeof buf);
}

int main(void)
{
    plan(12);
    /* ESC ] 0 ; t BEL sets the window title; ESC [ 2 J clears the screen */
    is_string(p1("\x1b]0;t\x07 x"), "\\x1b]0;t\\x07 x", "ESC and BEL as \\xNN");
    is_string(p1("two\nlines\tand\rCR"), "two\\x0alines\\x09and\\x0dCR",
              "one line: newline, tab and CR escaped");
    is_string(pl("two\nlines\tand\rCR\x1b[2J"), "two\nlines\tand\\x0dCR\\x1b[2J",
              "a message keeps its newlines and tabs, not CR or ESC");
    /* U+0085 (NEL, C1) is c2 85; U+00E9 is c3 a9; ff is never UTF-8 */
    is_string(p1("a\xc2\x85" "b\x7f" "c\xff"), "a\\xc2\\x85b\\x7fc\\xff",
              "C1 controls, DEL and invalid bytes escaped byte by byte");
    is_string(p1("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac", "UTF-8 kept");
    is_string(pl("caf\xc3\xa9\n"), "caf\xc3\xa9\n", "UTF-8 kept in a message");
    /* lengths: each escaped byte counts 4, kept bytes 1 each */
    is_int((long long)utf8_printable_len("abc", 3), 3, "plain text: its length");
    is_int((long long)utf8_printable_len("a\nb", 3), 6, "one control byte adds 3 (a\\x0ab)");
    is_int((long long)utf8_printable_len("\x1b]0;t\x07", 6), 12, "ESC ] 0 ; t BEL: 4+4+4");
    is_int((long long)utf8_printable_len("caf\xc3\xa9", 5), 5, "UTF-8 counts its bytes");
    const char *s = "x\x1b[2Jy\xff\xc2\x85";
    is_int((long long)utf8_printable_len(s, strlen(s)), (long long)strlen(p1(s)),
           "the length is that of the escaped text");
    /* a buffer too small cuts at an escape's boundary, never inside one */
    char small[8];
    is_string(utf8_printable("ab\x1b" "cd", 5, small, sizeof small), "ab\\x1b",
              "cut short at a boundary, NUL-terminated");
    return done_testing();
}
