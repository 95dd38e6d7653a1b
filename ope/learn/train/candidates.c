/* ope/learn/train/candidates.c: softmax variants of a learned policy at several
 * temperatures (--candidates T1,T2,...), so one `ope train` run yields a candidate set
 * for selection: pi_T(a|s) = softmax(score(s, .) / T), T = 0 the greedy policy. For
 * FQI / CE-VI the score is Q (T in Q's units); for BC and PRDC it is the log-policy /
 * logits, so T = 1 is the learned policy itself and T -> 0 its mode. */
#include "config.h"
#include "ope/learn/train/train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int train_parse_temperatures(const char *s, double *T, int max, struct ope_error *err)
{
    int n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno || !isfinite(v) || v < 0 || (*end && *end != ','))
            return ope_fail(err, OPE_EUSAGE, "--candidates: expected temperatures >= 0 "
                            "separated by commas (e.g. 0,0.1,1), got '%s'", s);
        if (n == max)
            return ope_fail(err, OPE_EUSAGE, "--candidates: at most %d temperatures", max);
        T[n++] = v;
        p = *end ? end + 1 : end;
        if (*end && !*p)
            return ope_fail(err, OPE_EUSAGE, "--candidates: trailing comma in '%s'", s);
    }
    if (n == 0)
        return ope_fail(err, OPE_EUSAGE, "--candidates: no temperature given");
    return n;
}

void train_temperature_suffix(double T, char *buf, size_t n)
{
    char num[40];
    snprintf(num, sizeof num, "%.6g", T);
    for (char *c = num; *c; c++)
        if (*c == '.')
            *c = 'p';
        else if (*c == '+' || *c == '-')
            *c = *c == '-' ? 'm' : 'P';
    snprintf(buf, n, "t%s", num);
}
