/* t/tap.h: a small TAP producer for the C tests (plan, ok, is_int, is_double with a
 * tolerance, diag, skip, done). Output goes to stdout; automake's tap-driver and
 * prove both read it. */
#ifndef T_TAP_H
#define T_TAP_H

#include <stddef.h>

void plan(int n);               /* print "1..n" first */
void plan_no_plan(void);        /* print the plan at done_testing() */
void plan_skip_all(const char *why);
int ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int is_int(long long got, long long want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* |got - want| <= tol (absolute); NaN never passes unless both are NaN. */
int is_double(double got, double want, double tol, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Relative tolerance: |got - want| <= tol * max(1, |want|). */
int is_double_rel(double got, double want, double tol, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int is_string(const char *got, const char *want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* got contains needle. */
int like(const char *got, const char *needle, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void skip(int n, const char *why);
void bail_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the plan if deferred; returns the exit status (0 when all passed). */
int done_testing(void);

/* Path of a test data file: $OPE_SRCDIR/t/data/NAME (or ./t/data/NAME). Static buffer. */
const char *tap_data_path(const char *name);

#endif
