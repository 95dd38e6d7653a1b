/* ope/app/output.h: the one output layer of the command line. One table of output
 * formats (table, JSON, CSV), one parser of `--format` and of the `-o FILE` extension
 * rule, the shared output options (--format, -o, --force, -q) and one writer that
 * puts a rendered result in a file (atomically) or on standard output (`-o -`). */
#ifndef OPE_APP_OUTPUT_H
#define OPE_APP_OUTPUT_H

#include <getopt.h>
#include "ope/base/error.h"
#include "ope/base/strbuf.h"

enum out_format { OUT_TABLE, OUT_JSON, OUT_CSV };
#define OUT_N_FORMATS 3

/* Sets of formats, for what a result kind can be written as. */
#define OUT_HAS(f) (1u << (f))
#define OUT_ALL (OUT_HAS(OUT_TABLE) | OUT_HAS(OUT_JSON) | OUT_HAS(OUT_CSV))

struct out_format_desc {
    const char *name;       /* "json": the --format value */
    const char *ext;        /* ".json": the -o extension that picks it (NULL: any other) */
};

/* The table, indexed by enum out_format. */
extern const struct out_format_desc out_formats[OUT_N_FORMATS];

/* The format called name; 0, or -1 when there is none. */
int out_format_parse(const char *name, enum out_format *f);

/* The -o extension rule: .json is JSON, .csv is CSV, anything else (.txt) a table. */
enum out_format out_format_of_path(const char *path);

/* "table, json or csv": the names of the formats in `has`, for messages and help. */
void out_format_list(unsigned has, struct strbuf *sb);

/* The shared output options of a command. */
struct outcli {
    const char *path;       /* -o FILE; NULL or "-": standard output */
    int format;             /* --format as enum out_format, or -1 when not given */
    int force;              /* --force: replace an existing FILE */
    int quiet;              /* -q: no progress or messages on standard error */
};

enum { OUTCLI_FORMAT = 'f', OUTCLI_OUTPUT = 'o', OUTCLI_QUIET = 'q', OUTCLI_FORCE = 0x4f00 };

/* The short options of the group, to put in a command's getopt string. */
#define OUTCLI_SHORT "f:o:q"

/* Entries to splice into a command's struct option table (before its {0} end). */
#define OUTCLI_OPTIONS \
    { "format", required_argument, NULL, OUTCLI_FORMAT }, \
    { "output", required_argument, NULL, OUTCLI_OUTPUT }, \
    { "force", no_argument, NULL, OUTCLI_FORCE }, \
    { "quiet", no_argument, NULL, OUTCLI_QUIET }

/* Help text of the group for a command whose result -o writes (ends with a newline). */
#define OUTCLI_HELP \
"Output:\n" \
"  -f, --format F        table, json or csv (default: from the -o extension:\n" \
"                        .json, .csv, anything else a table)\n" \
"  -o, --output FILE     write to FILE (atomically) instead of standard output;\n" \
"                        -o - is standard output\n" \
"      --force           replace an existing FILE\n" \
"  -q, --quiet           no progress or messages on standard error\n"

void outcli_init(struct outcli *o);

/* Apply option opt with argument arg. Returns 1 when opt is an output option and was
 * applied, 0 when it is not one, -1 on a bad value (err filled, OPE_EUSAGE). */
int outcli_option(struct outcli *o, int opt, const char *arg, struct ope_error *err);

/* 1 when the result goes to standard output (no -o, or -o -). */
int outcli_to_stdout(const struct outcli *o);

/* The format of a result of a kind that has the formats `has` and is written to -o:
 * --format when given, else the -o extension, else a table (the first format of `has`
 * when it has no table). A format the kind does not have is a usage error naming
 * `what` ("the exploration record"). */
int outcli_format(const struct outcli *o, unsigned has, const char *what,
                  enum out_format *f, struct ope_error *err);

/* The same for a summary printed on standard output while -o holds another file: only
 * --format counts. */
int outcli_format_flag(const struct outcli *o, unsigned has, const char *what,
                       enum out_format *f, struct ope_error *err);

struct ope_progress;
/* The command line's progress object (cancelled by Ctrl-C); with -q it draws nothing. */
struct ope_progress *outcli_progress(const struct outcli *o);

/* Check, before any work, that -o may be written (nothing to check for stdout). */
int outcli_check(const struct outcli *o, struct ope_error *err);

/* Write a rendered result: to -o atomically, or to standard output. */
int outcli_write(const struct outcli *o, const struct strbuf *sb, struct ope_error *err);

#endif
