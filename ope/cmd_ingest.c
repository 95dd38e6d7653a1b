/* ope/cmd_ingest.c: `ope ingest --regex PATTERN FILE`: raw text logs to the bandit CSV
 * (datasets/ingest.c), with the unmatched lines counted and the first few shown. */
#include "config.h"
#include "ope/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/ingest.h"
#include "ope/app/output.h"
#include "ope/base/outfile.h"
#include "ope/base/utf8.h"

static int to_file(void *ctx, const char *buf, size_t len, struct ope_error *err)
{
    return ope_outfile_write(ctx, buf, len, err);
}

/* On a terminal the cells of the raw log show control bytes as \xNN (a line of it
 * must not set the window title); a pipe gets them as they are. */
static int to_stdout(void *ctx, const char *buf, size_t len, struct ope_error *err)
{
    (void)ctx;
    char *shown = len && isatty(STDOUT_FILENO) ? malloc(4 * len + 1) : NULL;
    if (shown) {
        buf = utf8_printable_lines(buf, len, shown, 4 * len + 1);
        len = strlen(buf);
    }
    int bad = len && fwrite(buf, 1, len, stdout) != len;
    free(shown);
    if (bad)
        return ope_fail(err, OPE_ECANTCREAT, "error writing standard output");
    return 0;
}

static int ingest_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        { "regex", required_argument, NULL, 'r' },
        { "output", required_argument, NULL, 'o' },
        { "force", no_argument, NULL, 'F' },
        { "match-limit", required_argument, NULL, 'm' },
        { "depth-limit", required_argument, NULL, 'd' },
        { "no-jit", no_argument, NULL, 'J' },
        { "quiet", no_argument, NULL, 'q' },
        { NULL, 0, NULL, 0 }
    };
    struct ingest_opts o;
    ingest_opts_init(&o);
    const char *out = NULL;
    int force = 0, quiet = 0, c;
    long v;
    while ((c = cli_getopt("ingest", argc, argv, "r:o:q", opts)) != -1) {
        switch (c) {
        case 'r':
            o.pattern = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'F':
            force = 1;
            break;
        case 'm':
            if (cli_parse_int("ingest", "--match-limit", optarg, 1, 4000000000L, &v))
                return OPE_EUSAGE;
            o.match_limit = (uint32_t)v;
            break;
        case 'd':
            if (cli_parse_int("ingest", "--depth-limit", optarg, 1, 4000000000L, &v))
                return OPE_EUSAGE;
            o.depth_limit = (uint32_t)v;
            break;
        case 'J':
            o.use_jit = 0;
            break;
        case 'q':
            quiet = 1;
            break;
        default:
            return OPE_EUSAGE;
        }
    }
    if (!o.pattern)
        return cli_usage("ingest", "give the pattern with --regex PATTERN");
    if (optind + 1 != argc)
        return cli_usage("ingest", "which file? ope ingest --regex PATTERN FILE");
    struct ope_error err = { 0 };
    enum out_format fmt;
    if (out && outcli_format(&(struct outcli){ .path = out, .format = -1 }, OUT_HAS(OUT_CSV),
                             "a bandit log", &fmt, &err) != 0)
        return cli_usage("ingest", "%s", err.msg);
    if (out && ope_outfile_same_file(out, argv[optind]))
        return cli_usage("ingest", "-o %s names the file being read; write the CSV "
                         "elsewhere (the raw log would be lost)", out);
    struct ope_outfile *f = NULL;
    if (out && ope_outfile_is_stdout(out))
        out = NULL;             /* -o -: standard output, as without -o */
    if (out && !(f = ope_outfile_open(out, force, &err)))
        return cli_error(&err);
    struct ingest_stats st;
    int rc = ingest_file(argv[optind], &o, f ? to_file : to_stdout, f, &st, &err);
    if (rc == 0 && f)
        rc = ope_outfile_commit(f, &err);
    else if (f)
        ope_outfile_abort(f);
    if (rc != 0)
        return cli_error(&err);
    if (quiet)
        return 0;
    fprintf(stderr, "ope ingest: %zu row%s from %zu line%s; %zu line%s did not match%s\n",
            st.rows, st.rows == 1 ? "" : "s", st.lines, st.lines == 1 ? "" : "s",
            st.unmatched, st.unmatched == 1 ? "" : "s", st.unmatched ? ":" : "");
    for (size_t k = 0; k < st.unmatched && k < INGEST_MAX_REPORTED; k++)
        fprintf(stderr, "  %s:%zu: %s\n", argv[optind], st.unmatched_line[k], st.unmatched_text[k]);
    if (st.unmatched > INGEST_MAX_REPORTED)
        fprintf(stderr, "  ... and %zu more\n", st.unmatched - INGEST_MAX_REPORTED);
    return 0;
}

const struct cmd_entry cmd_ingest_entry = {
    "ingest", "ope ingest --regex PATTERN FILE [-o OUT.csv]",
    "turn raw text log lines into a bandit CSV with a PCRE2 pattern",
    "Every line of FILE that matches PATTERN becomes a row; the pattern's named groups\n"
    "are the columns, in group order. PCRE2 group names cannot contain '.', so write\n"
    "'__' for it: (?<pi__bts__0>...) becomes the column pi.bts.0. The groups action,\n"
    "reward and pscore are required (formats.md). Lines that do not match are counted\n"
    "and the first five are shown with their line numbers on standard error.\n\n"
    "  -r, --regex PATTERN    PCRE2 pattern (UTF-8) with named groups\n"
    "  -o, --output FILE      write the CSV to FILE (atomically) instead of stdout\n"
    "                         (-o - is standard output)\n"
    "      --force            replace an existing FILE\n"
    "  -q, --quiet            no counts or unmatched lines on standard error\n"
    "      --match-limit N    PCRE2 match limit (default 1000000)\n"
    "      --depth-limit N    PCRE2 depth limit (default 10000)\n"
    "      --no-jit           do not use the PCRE2 JIT compiler\n\n"
    "A pattern that does not compile is a usage error (64) showing PCRE2's message\n"
    "and a caret at the offset; a line that exhausts the limits (catastrophic\n"
    "backtracking), a line longer than 64 MB, a captured action, reward or pscore\n"
    "that the bandit log's rules refuse (formats.md), and an input where no line\n"
    "matches are data errors (65) naming the line; the other columns are checked\n"
    "when the log is read. A failed read is an error, never taken for the end: 66, or\n"
    "70 when it fails for want of memory (a line too long for the memory given).\n\n"
    "Example:\n"
    "  ope ingest --regex 'item=(?<action>\\d+) click=(?<reward>[01]) p=(?<pscore>[0-9.]+)'\n"
    "      server.log -o log.csv\n",
    ingest_exec,
    NULL
};
