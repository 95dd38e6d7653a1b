/* viz/gp_render.c: rendering a chart script with a running gnuplot: the terminal
 * line (with the png fallback), the output file (a temporary file next to the
 * target, then ope/base/outfile.h), and the one-shot helpers the TUI uses. */
#include "config.h"
#include "viz/gp.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ope/base/outfile.h"

const char *gp_term_name(enum gp_term t)
{
    static const char *const names[] = { "dumb", "svg", "png", "pdf" };
    return (unsigned)t < 4 ? names[t] : "?";
}

int gp_term_from_path(const char *path, enum gp_term *t)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return -1;
    if (strcasecmp(dot, ".svg") == 0)
        *t = GP_SVG;
    else if (strcasecmp(dot, ".png") == 0)
        *t = GP_PNG;
    else if (strcasecmp(dot, ".pdf") == 0)
        *t = GP_PDF;
    else
        return -1;
    return 0;
}

/* The `set terminal` line for o (with its fallback note). */
static int terminal_line(struct gp *g, struct gp_out *o, struct strbuf *sb,
                         struct ope_error *err)
{
    int w = o->width, h = o->height;
    if (o->term == GP_DUMB) {
        w = w <= 0 ? 80 : w < 20 ? 20 : w > 1000 ? 1000 : w;
        h = h <= 0 ? 25 : h < 8 ? 8 : h > 500 ? 500 : h;
        /* The size, for charts that fit their ticks and labels to it (viz/chart.c). */
        strbuf_printf(sb, "set terminal dumb size %d,%d noenhanced %s\nOPE_COLS = %d\n"
                      "OPE_ROWS = %d\n", w, h, o->ansi ? "ansi" : "mono", w, h);
        return 0;
    }
    w = w <= 0 ? 800 : w < 100 ? 100 : w > 10000 ? 10000 : w;
    h = h <= 0 ? 500 : h < 100 ? 100 : h > 10000 ? 10000 : h;
    switch (o->term) {
    case GP_SVG:
        if (!gp_has_terminal(g, "svg"))
            break;
        strbuf_printf(sb, "set terminal svg size %d,%d noenhanced font 'sans,12' "
                      "background rgb 'white'\n", w, h);
        return 0;
    case GP_PNG:
        if (gp_has_terminal(g, "pngcairo")) {
            strbuf_printf(sb, "set terminal pngcairo size %d,%d noenhanced font 'sans,10' "
                          "background rgb 'white'\n", w, h);
            return 0;
        }
        if (!gp_has_terminal(g, "png"))
            break;
        snprintf(o->note, sizeof o->note, "this gnuplot has no pngcairo terminal: drawn "
                 "with the plainer libgd png terminal");
        strbuf_printf(sb, "set terminal png size %d,%d noenhanced truecolor\n", w, h);
        return 0;
    case GP_PDF:
        if (!gp_has_terminal(g, "pdfcairo"))
            break;
        strbuf_printf(sb, "set terminal pdfcairo size %.2fin,%.2fin noenhanced "
                      "font 'sans,10'\n", w / 100.0, h / 100.0);
        return 0;
    default:
        break;
    }
    return ope_fail(err, OPE_EUNAVAILABLE, "this gnuplot (%s) has no %s terminal; write "
                    "an .svg file instead, or install gnuplot-nox", gp_path(g),
                    o->term == GP_PNG ? "pngcairo or png" : o->term == GP_PDF ? "pdfcairo"
                                                                               : "svg");
}

/* A temporary file next to `path` for gnuplot to write, always as an absolute name:
 * gnuplot keeps the working directory it started in (ours may have changed since),
 * and a leading '/' keeps `set output` from reading it as `|command` or `~user`. */
static char *temp_next_to(const char *path, int *lock_fd, struct ope_error *err)
{
    const char *slash = strrchr(path, '/');
    struct strbuf sb = STRBUF_INIT;
    if (path[0] != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) {
            ope_fail(err, OPE_ECANTCREAT, "cannot write %s: the current directory is "
                     "unknown (%s)", path, strerror(errno));
            return NULL;
        }
        strbuf_puts(&sb, strcmp(cwd, "/") ? cwd : "");
        strbuf_putc(&sb, '/');
    }
    if (slash)
        strbuf_add(&sb, path, (size_t)(slash - path) + 1);
    if (strbuf_failed(&sb)) {
        strbuf_release(&sb);
        ope_fail_oom(err);
        return NULL;
    }
    /* Named and locked as ope's own temporary files, so that a run killed outright
     * leaves one the next run removes (ope_outfile_temp_for). */
    char *tmp = ope_outfile_temp_for(strbuf_str(&sb), path, lock_fd, err);
    strbuf_release(&sb);
    return tmp;
}

/* Read a whole file (the rendered chart). */
static int slurp(const char *path, char **buf, size_t *n, struct ope_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ope_fail(err, OPE_ESOFTWARE, "cannot read gnuplot's output %s: %s", path,
                        strerror(errno));
    struct strbuf sb = STRBUF_INIT;
    char tmp[65536];
    ssize_t r;
    while ((r = read(fd, tmp, sizeof tmp)) > 0)
        strbuf_add(&sb, tmp, (size_t)r);
    int e = errno;
    close(fd);
    if (r < 0 || strbuf_failed(&sb)) {
        strbuf_release(&sb);
        return r < 0 ? ope_fail(err, OPE_ESOFTWARE, "reading %s: %s", path, strerror(e))
                     : ope_fail_oom(err);
    }
    *n = sb.len;
    *buf = strbuf_detach(&sb);
    return 0;
}

/* Whether a rendered file is whole. gnuplot writes through stdio and says nothing when
 * a write fails (a full disk), so a file cut short is told by its end: an SVG closes
 * its root element, a PDF ends with %%EOF, a PNG with its IEND chunk. */
static int output_whole(enum gp_term t, const char *buf, size_t n)
{
    static const char png_end[] = "IEND\xae\x42\x60\x82";
    while (t != GP_PNG && n > 0 && strchr(" \t\r\n", buf[n - 1]))
        n--;
    switch (t) {
    case GP_SVG:
        return n >= 6 && memcmp(buf + n - 6, "</svg>", 6) == 0;
    case GP_PDF:
        return n >= 5 && memcmp(buf + n - 5, "%%EOF", 5) == 0;
    case GP_PNG:
        return n >= 8 && memcmp(buf + n - 8, png_end, 8) == 0;
    default:
        return n > 0;
    }
}

/* The test seam of ope/base/outfile.c (OPE_TEST_WRITE_LIMIT: the disk is full after
 * that many bytes) applied to gnuplot's file too, which ope does not write itself: a
 * longer file is cut there, as gnuplot's own writes would have been. */
static void test_write_limit(const char *tmp)
{
    const char *lim = getenv("OPE_TEST_WRITE_LIMIT");
    struct stat st;
    if (lim && *lim && stat(tmp, &st) == 0 && (uintmax_t)st.st_size > strtoumax(lim, NULL, 10))
        (void)truncate(tmp, (off_t)strtoumax(lim, NULL, 10));
}

/* Copy gnuplot's temporary output into place atomically, once it is known whole. A
 * file cut short is an output failure (73), like any other write ope makes. */
static int place(const char *tmp, struct gp_out *o, struct ope_error *err)
{
    char *buf = NULL;
    size_t n = 0;
    test_write_limit(tmp);
    int rc = slurp(tmp, &buf, &n, err);
    if (rc == 0 && !output_whole(o->term, buf, n))
        rc = ope_fail(err, OPE_ECANTCREAT, "%s: cannot write the chart: gnuplot's %s file "
                      "next to it stopped after %zu bytes (is the disk full?)", o->path,
                      gp_term_name(o->term), n);
    if (rc == 0)
        rc = ope_write_file_atomic(o->path, buf, n, o->force, err);
    free(buf);
    return rc;
}

int gp_render(struct gp *g, struct gp_out *o, const char *script, struct ope_error *err)
{
    o->text = NULL;
    o->note[0] = '\0';
    if (o->term != GP_DUMB && !o->path)
        return ope_fail(err, OPE_EUSAGE, "a %s chart needs an output file",
                        gp_term_name(o->term));
    struct strbuf sb = STRBUF_INIT;
    char *tmp = NULL;
    int lock_fd = -1;
    strbuf_puts(&sb, "reset session\n");
    if (terminal_line(g, o, &sb, err) != 0 ||
        (o->term != GP_DUMB && (ope_outfile_check(o->path, o->force, err) != 0 ||
                                !(tmp = temp_next_to(o->path, &lock_fd, err))))) {
        strbuf_release(&sb);
        return -1;
    }
    strbuf_puts(&sb, "set output");
    if (tmp) {
        strbuf_putc(&sb, ' ');
        gp_quote(&sb, tmp);
    }
    strbuf_puts(&sb, tmp ? "\nset encoding utf8\n" : "\nset encoding utf8\nOPE_DUMB = 1\n");
    strbuf_puts(&sb, script);
    strbuf_puts(&sb, "\nunset output\n");
    char *text = NULL;
    int rc = strbuf_failed(&sb) ? ope_fail_oom(err) : gp_exec(g, strbuf_str(&sb), &text, err);
    strbuf_release(&sb);
    /* gnuplot failing to open its file is the output's fault, not the script's */
    if (rc != 0 && tmp && strstr(err->msg, "cannot open file"))
        ope_fail(err, OPE_ECANTCREAT, "%s: cannot write the chart: gnuplot cannot open "
                 "its file next to it", o->path);
    if (rc == 0 && !tmp) {
        size_t skip = strspn(text, "\f\n");
        memmove(text, text + skip, strlen(text + skip) + 1);
        o->text = text;
        text = NULL;
    } else if (rc == 0) {
        rc = place(tmp, o, err);
    }
    free(text);
    if (tmp) {
        unlink(tmp);
        ope_outfile_track(tmp, 0);
        free(tmp);
    }
    if (lock_fd >= 0)
        close(lock_fd);
    return rc;
}

const char *gp_program(void)
{
    static char buf[4096];
    if (gp_locate(buf, sizeof buf, NULL) != 0)
        snprintf(buf, sizeof buf, "gnuplot");
    return buf;
}

int gp_available(void)
{
    char buf[4096];
    return gp_locate(buf, sizeof buf, NULL) == 0;
}

const char *gp_term_for_path(const char *path)
{
    enum gp_term t;
    return gp_term_from_path(path, &t) == 0 ? gp_term_name(t) : NULL;
}

int gp_run(const char *script, const char *term, int width, int height, const char *path,
           int force, char **text, struct ope_error *err)
{
    struct gp_out o = { GP_DUMB, width, height, 0, path, force, NULL, "" };
    if (text)
        *text = NULL;
    if (strcmp(term, "svg") == 0)
        o.term = GP_SVG;
    else if (strcmp(term, "png") == 0)
        o.term = GP_PNG;
    else if (strcmp(term, "pdf") == 0)
        o.term = GP_PDF;
    else if (strcmp(term, "dumb") != 0)
        return ope_fail(err, OPE_EUSAGE, "unknown chart terminal '%s'", term);
    struct gp *g = gp_open(err);
    if (!g)
        return -1;
    int rc = gp_render(g, &o, script, err);
    gp_close(g);
    if (rc == 0 && text)
        *text = o.text;
    else
        free(o.text);
    return rc;
}
