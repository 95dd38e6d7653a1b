/* ope/base/error.c: filling struct ope_error, and allocation that reports instead of
 * aborting. */
#include "config.h"
#include "ope/base/error.h"
#include "ope/base/bigmem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ope_error_clear(struct ope_error *err)
{
    if (err) {
        err->status = OPE_OK;
        err->msg[0] = '\0';
    }
}

int ope_fail(struct ope_error *err, int status, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->status = status ? status : OPE_EFAIL;
    return -1;
}

int ope_error_prefix(struct ope_error *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    char head[512], old[OPE_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t hn = strlen(head), on = strlen(old);
    if (hn > sizeof err->msg - 1)
        hn = sizeof err->msg - 1;
    if (on > sizeof err->msg - 1 - hn)
        on = sizeof err->msg - 1 - hn;
    memcpy(err->msg, head, hn);
    memcpy(err->msg + hn, old, on);
    err->msg[hn + on] = '\0';
    if (!err->status)
        err->status = OPE_EFAIL;
    return -1;
}

int ope_fail_oom(struct ope_error *err)
{
    return ope_fail(err, OPE_ESOFTWARE, "out of memory");
}

void *ope_malloc(size_t size, struct ope_error *err)
{
    void *p = ope_bigmem_alloc(size);
    if (!p) {
        p = malloc(size ? size : 1);
        ope_bigmem_advise(p, size);
    }
    if (!p)
        ope_fail_oom(err);
    return p;
}

void *ope_calloc(size_t n, size_t size, struct ope_error *err)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        ope_fail_oom(err);
    else if (size && n <= SIZE_MAX / size)
        ope_bigmem_advise(p, n * size);
    return p;
}

void *ope_realloc(void *p, size_t size, struct ope_error *err)
{
    void *q = ope_bigmem_realloc(p, size);
    if (!q)
        ope_fail_oom(err);
    return q;
}

char *ope_strndup(const char *s, size_t n, struct ope_error *err)
{
    char *d = ope_malloc(n + 1, err);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *ope_strdup(const char *s, struct ope_error *err)
{
    return ope_strndup(s, strlen(s), err);
}

const char *ope_status_name(int status)
{
    switch (status) {
    case OPE_OK: return "ok";
    case OPE_EUSAGE: return "usage error";
    case OPE_EDATA: return "data error";
    case OPE_ENOINPUT: return "cannot read input";
    case OPE_EUNAVAILABLE: return "unavailable";
    case OPE_ESOFTWARE: return "internal error";
    case OPE_ECANTCREAT: return "cannot write output";
    case OPE_EINTERRUPTED: return "interrupted";
    default: return "error";
    }
}
