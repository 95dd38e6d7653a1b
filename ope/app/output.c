/* ope/app/output.c: the format table, the --format / -o extension rule and the writer
 * of rendered results (see output.h). */
#include "config.h"
#include "ope/app/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ope/base/comm.h"
#include "ope/base/outfile.h"
#include "ope/base/progress.h"
#include "ope/base/utf8.h"

const struct out_format_desc out_formats[OUT_N_FORMATS] = {
    [OUT_TABLE] = { "table", NULL },
    [OUT_JSON] = { "json", ".json" },
    [OUT_CSV] = { "csv", ".csv" },
};

int out_format_parse(const char *name, enum out_format *f)
{
    for (int i = 0; i < OUT_N_FORMATS; i++)
        if (strcmp(name, out_formats[i].name) == 0) {
            *f = (enum out_format)i;
            return 0;
        }
    return -1;
}

enum out_format out_format_of_path(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    for (int i = 0; i < OUT_N_FORMATS; i++) {
        const char *e = out_formats[i].ext;
        size_t m = e ? strlen(e) : 0;
        /* Case-insensitive: "RESULT.JSON" is as clear as "result.json". */
        if (e && n > m && strcasecmp(path + n - m, e) == 0)
            return (enum out_format)i;
    }
    return OUT_TABLE;
}

void out_format_list(unsigned has, struct strbuf *sb)
{
    int total = 0, k = 0;
    for (int i = 0; i < OUT_N_FORMATS; i++)
        total += (has & OUT_HAS(i)) != 0;
    for (int i = 0; i < OUT_N_FORMATS; i++) {
        if (!(has & OUT_HAS(i)))
            continue;
        if (k)
            strbuf_puts(sb, k + 1 == total ? " or " : ", ");
        strbuf_puts(sb, out_formats[i].name);
        k++;
    }
}

void outcli_init(struct outcli *o)
{
    memset(o, 0, sizeof *o);
    o->format = -1;
}

int outcli_option(struct outcli *o, int opt, const char *arg, struct ope_error *err)
{
    enum out_format f;
    switch (opt) {
    case OUTCLI_FORMAT:
        if (out_format_parse(arg, &f) != 0) {
            struct strbuf sb = STRBUF_INIT;
            out_format_list(OUT_ALL, &sb);
            ope_fail(err, OPE_EUSAGE, "--format: expected %s, got '%s'", strbuf_str(&sb), arg);
            strbuf_release(&sb);
            return -1;
        }
        o->format = (int)f;
        return 1;
    case OUTCLI_OUTPUT:
        o->path = arg;
        return 1;
    case OUTCLI_FORCE:
        o->force = 1;
        return 1;
    case OUTCLI_QUIET:
        o->quiet = 1;
        return 1;
    default:
        return 0;
    }
}

int outcli_to_stdout(const struct outcli *o)
{
    return !o->path || ope_outfile_is_stdout(o->path);
}

/* A format the kind lacks: name the kind and the formats it has. */
static int refuse(unsigned has, const char *what, enum out_format f, const char *why,
                  struct ope_error *err)
{
    struct strbuf sb = STRBUF_INIT;
    out_format_list(has, &sb);
    ope_fail(err, OPE_EUSAGE, "%s has no %s format (%s): it is written as %s", what,
             out_formats[f].name, why, strbuf_str(&sb));
    strbuf_release(&sb);
    return -1;
}

static enum out_format first_of(unsigned has)
{
    for (int i = 0; i < OUT_N_FORMATS; i++)
        if (has & OUT_HAS(i))
            return (enum out_format)i;
    return OUT_TABLE;
}

int outcli_format_flag(const struct outcli *o, unsigned has, const char *what,
                       enum out_format *f, struct ope_error *err)
{
    if (o->format < 0) {
        *f = first_of(has);
        return 0;
    }
    *f = (enum out_format)o->format;
    return has & OUT_HAS(*f) ? 0 : refuse(has, what, *f, "--format", err);
}

int outcli_format(const struct outcli *o, unsigned has, const char *what,
                  enum out_format *f, struct ope_error *err)
{
    if (o->format >= 0 || outcli_to_stdout(o))
        return outcli_format_flag(o, has, what, f, err);
    *f = out_format_of_path(o->path);
    if (has & OUT_HAS(*f))
        return 0;
    /* An extension that names a format the kind lacks is refused; any other name
     * takes the kind's own format. */
    if (out_formats[*f].ext)
        return refuse(has, what, *f, "-o extension", err);
    *f = first_of(has);
    return 0;
}

int outcli_check(const struct outcli *o, struct ope_error *err)
{
    return outcli_to_stdout(o) ? 0 : ope_outfile_check(o->path, o->force, err);
}

int outcli_write(const struct outcli *o, const struct strbuf *sb, struct ope_error *err)
{
    if (strbuf_failed(sb))
        return ope_fail_oom(err);
    /* Across MPI ranks every rank holds the same result; rank 0 writes it. */
    if (comm_rank() > 0)
        return 0;
    if (!outcli_to_stdout(o))
        return ope_write_file_atomic(o->path, strbuf_str(sb), sb->len, o->force, err);
    /* On a terminal, a CSV cell (or anything else) from the data must not start an
     * escape sequence: control bytes but newlines and tabs are shown as \xNN, as ls
     * shows control characters in names. A pipe or a file gets the bytes as they are. */
    const char *text = strbuf_str(sb);
    size_t len = sb->len;
    char *shown = NULL;
    if (isatty(STDOUT_FILENO) && (shown = malloc(4 * len + 1)) != NULL) {
        text = utf8_printable_lines(text, len, shown, 4 * len + 1);
        len = strlen(text);
    }
    size_t w = fwrite(text, 1, len, stdout);
    free(shown);
    if (w != len)
        return ope_fail(err, OPE_ECANTCREAT, "cannot write to standard output");
    return 0;
}

struct ope_progress *outcli_progress(const struct outcli *o)
{
    struct ope_progress *p = ope_progress_cli();
    if (o->quiet)
        p->report = NULL;       /* quiet, but Ctrl-C still stops the run */
    return p;
}
