/* t/0600-gp.c: the gnuplot module: gp_quote on hostile strings (and gnuplot reading
 * each literal back unchanged), a dumb chart, gnuplot errors, a gnuplot killed
 * mid-session or hanging (an error, no crash, no zombie), a missing gnuplot (69), and
 * file output through a temporary file (no leftovers, no `|command` file names). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t/tap.h"
#include "viz/gp.h"

static char *quoted(const char *s)
{
    static char buf[512];
    char *q = gp_quote_dup(s);
    snprintf(buf, sizeof buf, "%s", q ? q : "(oom)");
    free(q);
    return buf;
}

static void test_quote(void)
{
    is_string(quoted("abc"), "'abc'", "a plain name is single-quoted");
    is_string(quoted(NULL), "''", "NULL quotes as the empty string");
    /* each ' becomes  ' . "'" . '  (close the literal, join the constant "'", reopen) */
    is_string(quoted("it's"), "'it' . \"'\" . 's'", "a quote is joined on as \"'\"");
    is_string(quoted("'x"), "'' . \"'\" . 'x'", "a leading quote is not doubled");
    is_string(quoted("x'; system('touch p'); '"),
              "'x' . \"'\" . '; system(' . \"'\" . 'touch p' . \"'\" . '); ' . \"'\" . ''",
              "a quote-breaking name stays inside single-quoted literals");
    is_string(quoted("a\nb\tc\rd\x1b[0m\x7f"), "'a b c d [0m '",
              "newline, tab, CR, ESC and DEL become spaces (one line, no escapes)");
    is_string(quoted("`touch x` @m {/Symbol a}^2_3 & ~ \\n"),
              "'`touch x` @m {/Symbol a}^2_3 & ~ \\n'",
              "backquotes, @, markup and backslashes pass through (inert in single quotes)");
    is_string(quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82"),
              "'caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82'", "valid UTF-8 is kept");
    is_string(quoted("a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82"),
              "'a?b?" "?c?" "?" "?d?" "?'",
              "invalid UTF-8 (stray byte, overlong, surrogate, truncated) becomes ?");
}

/* gnuplot prints back exactly the sanitised text of each literal. */
static void test_roundtrip(struct gp *g)
{
    static const char *const in[] = {
        "x'; system('touch /tmp/ope-0600-pwned'); '", "`touch /tmp/ope-0600-pwned`",
        "@x {/Symbol a} EOD", "two\nlines", "back\\slash \"dq\"",
        /* gnuplot 5.4 misread these when ' was doubled ('''x', 'a''''b', '''''') */
        "'x", "a''b", "''", "x'", "'''quoted' ''title''",
    };
    static const char *const want[] = {
        "x'; system('touch /tmp/ope-0600-pwned'); '", "`touch /tmp/ope-0600-pwned`",
        "@x {/Symbol a} EOD", "two lines", "back\\slash \"dq\"",
        "'x", "a''b", "''", "x'", "'''quoted' ''title''",
    };
    unlink("/tmp/ope-0600-pwned");
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        struct strbuf sb = STRBUF_INIT;
        strbuf_puts(&sb, "x = 1\nset print '-'\nprint ");
        gp_quote(&sb, in[i]);
        strbuf_putc(&sb, '\n');
        char *out = NULL;
        struct ope_error err = { 0 };
        int rc = gp_exec(g, strbuf_str(&sb), &out, &err);
        if (out && *out)
            out[strlen(out) - 1] = '\0';        /* print's newline */
        ok(rc == 0 && out && strcmp(out, want[i]) == 0, "gnuplot reads literal %zu back "
           "unchanged (got [%s]%s)", i, out ? out : "", rc ? err.msg : "");
        free(out);
        strbuf_release(&sb);
    }
    ok(access("/tmp/ope-0600-pwned", F_OK) != 0, "no literal ran a command");
}

static int no_leftovers(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".ope-") != NULL;
    if (d)
        closedir(d);
    return n == 0;
}

static void test_files(struct gp *g)
{
    char dir[] = "/tmp/ope-0600-XXXXXX";
    if (!mkdtemp(dir)) {
        skip(6, "no temporary directory");
        return;
    }
    char path[256], cwd[4096];
    snprintf(path, sizeof path, "%s/chart.svg", dir);
    struct gp_out o = { GP_SVG, 400, 300, 0, path, 0, NULL, "" };
    struct ope_error err = { 0 };
    int rc = gp_render(g, &o, "set title 'file test'\nplot x\n", &err);
    struct stat st;
    ok(rc == 0 && stat(path, &st) == 0 && st.st_size > 100, "an SVG file is written (%s)",
       rc ? err.msg : "ok");
    rc = gp_render(g, &o, "plot x\n", &err);
    ok(rc != 0 && err.status == OPE_ECANTCREAT, "an existing file is not replaced without "
       "force (status %d)", err.status);
    o.force = 1;
    ok(gp_render(g, &o, "plot x**2\n", &err) == 0, "with force it is replaced");
    ok(no_leftovers(dir), "no temporary file is left next to the target");
    /* A relative target named like a gnuplot pipe must stay a file name. */
    if (getcwd(cwd, sizeof cwd) && chdir(dir) == 0) {
        struct gp_out p = { GP_SVG, 0, 0, 0, "|touch pwned.svg", 0, NULL, "" };
        rc = gp_render(g, &p, "plot x\n", &err);
        ok(rc == 0 && access("|touch pwned.svg", F_OK) == 0 && access("pwned.svg", F_OK) != 0,
           "a target called '|touch pwned.svg' is a file, not a command");
        ok(chdir(cwd) == 0, "back to the test directory");
    } else {
        skip(2, "cannot enter the temporary directory");
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        diag("could not remove %s", dir);
}

static void test_missing(void)
{
    struct ope_error err = { 0 };
    setenv("OPE_GNUPLOT", "/nonexistent/gnuplot", 1);
    struct gp *g = gp_open(&err);
    ok(!g && err.status == OPE_EUNAVAILABLE, "OPE_GNUPLOT=/nonexistent: status 69 (got %d)",
       err.status);
    like(err.msg, GP_MISSING_MSG, "the message says how to install gnuplot");
    setenv("OPE_GNUPLOT", "gnuplot", 1);
    g = gp_open(&err);
    ok(!g && err.status == OPE_EUNAVAILABLE && strstr(err.msg, "must be a path"),
       "OPE_GNUPLOT must be a path, never looked up or run through a shell");
    setenv("OPE_GNUPLOT", "/bin/false", 1);
    g = gp_open(&err);
    ok(!g && err.status == OPE_EUNAVAILABLE, "a program that exits at once: status 69");
    gp_close(g);
    unsetenv("OPE_GNUPLOT");
}

int main(void)
{
    plan_no_plan();
    signal(SIGPIPE, SIG_DFL);   /* a write to a dead gnuplot must not kill us anyway */
    test_quote();
    test_missing();
    if (!gp_available()) {
        skip(1, "gnuplot is not installed (CI installs gnuplot-nox)");
        return done_testing();
    }
    struct ope_error err = { 0 };
    struct gp *g = gp_open(&err);
    if (!ok(g != NULL, "gnuplot starts (%s)", g ? gp_version(g) : err.msg))
        return done_testing();
    ok(gp_has_terminal(g, "dumb") && gp_has_terminal(g, "svg"), "it has dumb and svg");
    test_roundtrip(g);

    struct gp_out o = { GP_DUMB, 60, 16, 0, NULL, 0, NULL, "" };
    int rc = gp_render(g, &o, "set title 'hello from ope' noenhanced\nplot sin(x)\n", &err);
    ok(rc == 0 && o.text && strstr(o.text, "hello from ope"), "dumb output holds the title");
    ok(o.text && o.text[0] != '\f', "the form feed is stripped");
    free(o.text);

    rc = gp_exec(g, "plot no_such_function(x)\n", NULL, &err);
    ok(rc != 0 && err.status == OPE_ESOFTWARE && strstr(err.msg, "no_such_function"),
       "a gnuplot error is reported with gnuplot's message");
    ok(gp_exec(g, "print 1\n", NULL, &err) == 0, "and the session goes on");
    /* A one-point plot makes gnuplot say "Warning: empty x range [1:1], adjusting":
     * a warning (capital W), not an error, so the chart is drawn. */
    rc = gp_exec(g, "set terminal dumb\nplot '-' using 1:2 with points\n1 2\ne\n", NULL, &err);
    ok(rc == 0, "gnuplot's 'Warning: empty ... range' is not an error (%s)", rc ? err.msg : "ok");

    test_files(g);

    pid_t pid = gp_pid(g);
    kill(pid, SIGKILL);
    usleep(50000);
    rc = gp_render(g, &o, "plot cos(x)\n", &err);
    ok(rc != 0 && err.status == OPE_EUNAVAILABLE, "gnuplot killed mid-session: an error "
       "(status %d: %s)", err.status, err.msg);
    ok(gp_pid(g) == -1 && waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD,
       "the dead child was reaped (no zombie)");
    rc = gp_exec(g, "print 1\n", NULL, &err);
    ok(rc != 0 && err.status == OPE_EUNAVAILABLE, "later calls fail cleanly too");
    gp_close(g);

    g = gp_open(&err);
    if (g) {
        pid = gp_pid(g);
        gp_set_timeout(g, 300);
        rc = gp_exec(g, "pause 30\n", NULL, &err);
        ok(rc != 0 && strstr(err.msg, "did not answer in time"), "a hanging gnuplot times out");
        ok(waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD, "and is killed and reaped");
        gp_close(g);
    }
    g = gp_open(&err);
    pid = g ? gp_pid(g) : -1;
    gp_close(g);
    ok(pid > 0 && kill(pid, 0) < 0 && errno == ESRCH, "gp_close ends and reaps gnuplot");
    return done_testing();
}
