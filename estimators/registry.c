/* estimators/registry.c: the table of estimators and the parser of spec strings
 * such as "switch-dr:tau=50". A new estimator is one file plus one line in
 * estimators/local.mk (OPE_ESTIMATORS), from which the table is generated. */
#include "config.h"
#include "estimators/estimator.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/closest.h"
#include "ope/base/json.h"

/* The list is generated from OPE_ESTIMATORS in estimators/local.mk. */
#define OPE_ESTIMATOR(d) extern const struct est_desc d;
#include "estimators/registry.inc"
#undef OPE_ESTIMATOR

const struct est_desc *const est_registry[] = {
#define OPE_ESTIMATOR(d) &d,
#include "estimators/registry.inc"
#undef OPE_ESTIMATOR
    NULL
};

const struct est_desc *est_find(const char *name, enum est_kind kind)
{
    for (size_t i = 0; est_registry[i]; i++)
        if (est_registry[i]->kind == kind && strcmp(est_registry[i]->name, name) == 0)
            return est_registry[i];
    return NULL;
}

double est_combine_mean(const double *sums, double n)
{
    return n > 0 ? sums[0] / n : NAN;
}

double est_contrib_mean(const double *ti, const double *sums, double n)
{
    (void)sums;
    (void)n;
    return ti[0];
}

void est_names(enum est_kind kind, unsigned flags, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; est_registry[i] && len < n; i++) {
        const struct est_desc *d = est_registry[i];
        if (d->kind != kind || ((flags & EST_NAMES_MODEL) && !d->needs_model))
            continue;
        len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "", d->name);
        for (size_t k = 0; (flags & EST_NAMES_PARAMS) && k < d->n_params && len < n; k++) {
            char num[40];
            if (isinf(d->param[k].def))
                snprintf(num, sizeof num, "inf");
            else
                ope_format_double(num, sizeof num, d->param[k].def);
            len += (size_t)snprintf(buf + len, n - len, "[:%s=%s]", d->param[k].name, num);
        }
    }
}

static void make_label(struct est_spec *s)
{
    const struct est_desc *d = s->d;
    size_t len = (size_t)snprintf(s->label, sizeof s->label, "%s", d->name);
    char sep = ':';
    size_t jl = (size_t)snprintf(s->params_json, sizeof s->params_json, "{");
    for (size_t k = 0; k < d->n_params; k++) {
        char num[40];
        if (isinf(s->param[k]))
            snprintf(num, sizeof num, "inf");
        else
            ope_format_double(num, sizeof num, s->param[k]);
        if (!isinf(s->param[k]) && len < sizeof s->label) {
            len += (size_t)snprintf(s->label + len, sizeof s->label - len, "%c%s=%s", sep,
                                    d->param[k].name, num);
            sep = ',';
        }
        /* Infinite parameters ("no clipping") are left out, as in the label. */
        if (!isinf(s->param[k]) && jl < sizeof s->params_json)
            jl += (size_t)snprintf(s->params_json + jl, sizeof s->params_json - jl,
                                   "%s\"%s\":%s", jl > 1 ? "," : "", d->param[k].name, num);
    }
    if (jl < sizeof s->params_json)
        snprintf(s->params_json + jl, sizeof s->params_json - jl, "}");
}

int est_spec_parse(const char *s, enum est_kind kind, struct est_spec *out,
                   struct ope_error *err)
{
    char buf[256];
    if (strlen(s) >= sizeof buf)
        return ope_fail(err, OPE_EUSAGE, "estimator spec too long: '%.40s...'", s);
    snprintf(buf, sizeof buf, "%s", s);
    char *colon = strchr(buf, ':');
    if (colon)
        *colon = '\0';
    const struct est_desc *d = est_find(buf, kind);
    if (!d) {
        char names[512];
        est_names(kind, 0, names, sizeof names);
        const char *of_kind[64];
        size_t n = 0;
        for (size_t i = 0; est_registry[i] && n < 64; i++)
            if (est_registry[i]->kind == kind)
                of_kind[n++] = est_registry[i]->name;
        const char *near = ope_closest(buf, of_kind, n);
        if (near)
            return ope_fail(err, OPE_EUSAGE, "unknown estimator '%s'; did you mean '%s'? (the %s "
                            "estimators are: %s)", buf, near,
                            kind == EST_BANDIT ? "bandit" : "trajectory", names);
        return ope_fail(err, OPE_EUSAGE, "unknown estimator '%s'; the %s estimators are: %s",
                        buf, kind == EST_BANDIT ? "bandit" : "trajectory", names);
    }
    memset(out, 0, sizeof *out);
    out->d = d;
    for (size_t k = 0; k < d->n_params; k++)
        out->param[k] = d->param[k].def;
    char *p = colon ? colon + 1 : NULL;
    int given[EST_MAX_PARAMS] = { 0 };
    while (p && *p) {
        char *next = strchr(p, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(p, '=');
        if (!eq)
            return ope_fail(err, OPE_EUSAGE, "estimator '%s': expected NAME=VALUE, got '%s' "
                            "(e.g. %s:%s=100)", d->name, p, d->name,
                            d->n_params ? d->param[0].name : "clip");
        *eq = '\0';
        size_t k = 0;
        while (k < d->n_params && strcmp(d->param[k].name, p) != 0)
            k++;
        if (k == d->n_params) {
            if (d->n_params == 0)
                return ope_fail(err, OPE_EUSAGE, "estimator '%s' takes no parameters, got '%s'",
                                d->name, p);
            return ope_fail(err, OPE_EUSAGE, "estimator '%s' has no parameter '%s' (it has: %s%s%s)",
                            d->name, p, d->param[0].name, d->n_params > 1 ? ", " : "",
                            d->n_params > 1 ? d->param[1].name : "");
        }
        if (given[k]++)
            return ope_fail(err, OPE_EUSAGE, "estimator '%s': %s given twice", d->name, p);
        char *end;
        double v = strtod(eq + 1, &end);
        if (end == eq + 1 || *end || isnan(v) || v < d->param[k].lo || v > d->param[k].hi)
            return ope_fail(err, OPE_EUSAGE, "estimator '%s': %s must be a number in [%g, %g], "
                            "got '%s'", d->name, p, d->param[k].lo, d->param[k].hi, eq + 1);
        out->param[k] = v;
        p = next;
    }
    make_label(out);
    return 0;
}

int est_spec_list(const char *list, enum est_kind kind, struct est_spec **out, size_t *n,
                  struct ope_error *err)
{
    size_t cap = 0;
    for (size_t i = 0; est_registry[i]; i++)
        cap++;
    if (list)
        for (const char *p = list; *p; p++)
            cap += *p == ',';
    struct est_spec *specs = ope_calloc(cap + 1, sizeof *specs, err);
    if (!specs)
        return -1;
    size_t k = 0;
    if (!list || !*list) {
        for (size_t i = 0; est_registry[i]; i++)
            if (est_registry[i]->kind == kind)
                est_spec_parse(est_registry[i]->name, kind, &specs[k++], err);
    } else {
        /* Split on commas that start a new estimator: "dr:clip=5,tau=3" has a
         * parameter list, so a piece with '=' and no ':' continues the previous. */
        char *copy = ope_strdup(list, err);
        if (!copy) {
            free(specs);
            return -1;
        }
        char cur[256] = "";
        char *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save);; tok = strtok_r(NULL, ",", &save)) {
            int cont = tok && strchr(tok, '=') && !strchr(tok, ':') && cur[0];
            /* A spec that does not fit is refused, never cut: a cut number would be
             * another number. */
            if (tok && strlen(cur) + 1 + strlen(tok) >= sizeof cur) {
                ope_fail(err, OPE_EUSAGE, "estimator spec too long: '%.40s...' (at most %zu "
                         "characters)", cont ? cur : tok, sizeof cur - 1);
                free(copy);     /* after the message: tok points into it */
                free(specs);
                return -1;
            }
            if (cont) {
                size_t l = strlen(cur);
                snprintf(cur + l, sizeof cur - l, ",%s", tok);
                continue;
            }
            if (cur[0]) {
                if (est_spec_parse(cur, kind, &specs[k], err) != 0) {
                    free(copy);
                    free(specs);
                    return -1;
                }
                for (size_t j = 0; j < k; j++)
                    if (strcmp(specs[j].label, specs[k].label) == 0) {
                        free(copy);
                        free(specs);
                        return ope_fail(err, OPE_EUSAGE, "estimator '%s' listed twice", cur);
                    }
                k++;
            }
            if (!tok)
                break;
            while (*tok == ' ')
                tok++;
            snprintf(cur, sizeof cur, "%s", tok);
        }
        free(copy);
        if (k == 0) {
            free(specs);
            return ope_fail(err, OPE_EUSAGE, "--estimators: the list is empty");
        }
    }
    *out = specs;
    *n = k;
    return 0;
}
