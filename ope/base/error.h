/* ope/base/error.h: how errors travel. Library code never prints and never exits: it
 * fills a struct ope_error (an exit status class and a finished message that
 * already names file:line:column) and returns -1; only main() shows it. */
#ifndef OPE_ERROR_H
#define OPE_ERROR_H

#include <stddef.h>

/* Exit statuses, as ../shared/spec/formats.md fixes them (sysexits.h values). */
enum ope_status {
    OPE_OK = 0,
    OPE_EFAIL = 1,          /* generic failure (e.g. a check that did not pass) */
    OPE_EUSAGE = 64,        /* EX_USAGE: bad command line */
    OPE_EDATA = 65,         /* EX_DATAERR: bad input data */
    OPE_ENOINPUT = 66,      /* EX_NOINPUT: input file cannot be opened/read */
    OPE_EUNAVAILABLE = 69,  /* EX_UNAVAILABLE: a needed program (gnuplot) is missing */
    OPE_ESOFTWARE = 70,     /* EX_SOFTWARE: internal error, out of memory */
    OPE_ECANTCREAT = 73,    /* EX_CANTCREAT: output cannot be written */
    OPE_EINTERRUPTED = 130  /* the user cancelled (SIGINT) */
};

#define OPE_ERROR_MSG_MAX 2048

struct ope_error {
    int status;                     /* an enum ope_status; 0 when no error */
    char msg[OPE_ERROR_MSG_MAX];    /* one or more lines, no trailing newline */
};

/* Reset err to "no error". */
void ope_error_clear(struct ope_error *err);

/* Fill err (may be NULL) with status and a printf-style message; returns -1 so that
 * callers can write `return ope_fail(err, OPE_EDATA, "...")`. */
int ope_fail(struct ope_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with more context ("while loading X: ..."); returns -1. */
int ope_error_prefix(struct ope_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The out-of-memory error, used after a failed allocation; returns -1. */
int ope_fail_oom(struct ope_error *err);

/* Allocation helpers that set err on failure and never abort. */
void *ope_malloc(size_t size, struct ope_error *err);
void *ope_calloc(size_t n, size_t size, struct ope_error *err);
void *ope_realloc(void *p, size_t size, struct ope_error *err);
char *ope_strdup(const char *s, struct ope_error *err);
char *ope_strndup(const char *s, size_t n, struct ope_error *err);

/* A short name of a status ("data error", "usage error", ...). */
const char *ope_status_name(int status);

#endif
