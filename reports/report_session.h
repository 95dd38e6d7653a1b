/* reports/report_session.h: a report of a workbench session (the TUI's export): the
 * session's latest result, its log, settings and story, through reports/report.h. */
#ifndef REPORTS_REPORT_SESSION_H
#define REPORTS_REPORT_SESSION_H

#include <stddef.h>
#include "ope/app/session.h"

/* Write the session's latest finished result as a report to path (.html or .md),
 * never replacing an existing file. note gets the line for the status bar. Errors:
 * OPE_EUSAGE when there is no result yet or the name is not .html/.md, OPE_ECANTCREAT
 * when the file cannot be written. Runs on the UI thread (the worker never touches
 * s->res). */
int report_write_session(const struct session *s, const char *path, char *note, size_t n,
                         struct ope_error *err);

#endif
