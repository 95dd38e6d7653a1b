/* estimators/result.c: allocation and warnings of the shared result model. */
#include "config.h"
#include "estimators/result.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void estimate_init(struct res_estimate *e)
{
    e->estimator = e->label = e->params_json = NULL;
    e->value = e->lower = e->upper = e->se = NAN;
    e->lift = e->lift_lower = e->lift_upper = e->relative_lift = NAN;
    e->ess = e->max_weight = e->mean_weight = e->rel_error = NAN;
    e->ci_warning = NULL;
    e->p_top = NULL;
}

struct res_eval *res_eval_new(size_t n_policies, size_t n_estimates)
{
    struct res_eval *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->gamma = 1.0;
    r->behavior_value = r->behavior_observed = r->behavior_exact = NAN;
    r->alpha = 0.05;
    r->model.heldout_error = NAN;
    r->kind = "bandit";
    r->pol = calloc(n_policies ? n_policies : 1, sizeof *r->pol);
    if (!r->pol) {
        free(r);
        return NULL;
    }
    r->n_policies = n_policies;
    for (size_t p = 0; p < n_policies; p++) {
        struct res_policy *pol = &r->pol[p];
        pol->truth = NAN;
        pol->unsupported = NAN;
        pol->ess = NAN;
        pol->est = calloc(n_estimates ? n_estimates : 1, sizeof *pol->est);
        if (!pol->est) {
            res_eval_free(r);
            return NULL;
        }
        pol->n_estimates = n_estimates;
        for (size_t k = 0; k < n_estimates; k++)
            estimate_init(&pol->est[k]);
    }
    return r;
}

int res_warn(struct res_eval *r, struct res_policy *pol, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char ***list = pol ? &pol->warnings : &r->warnings;
    size_t *n = pol ? &pol->n_warnings : &r->n_warnings;
    char **grown = realloc(*list, (*n + 1) * sizeof **list);
    if (!grown)
        return -1;
    *list = grown;
    char *copy = malloc(strlen(buf) + 1);
    if (!copy)
        return -1;
    strcpy(copy, buf);
    grown[(*n)++] = copy;
    return 0;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void res_segments_free(struct res_segments *s)
{
    if (!s)
        return;
    for (size_t k = 0; s->seg && k < s->n_seg; k++) {
        struct res_segment *g = &s->seg[k];
        free(g->label);
        free(g->ess);
        free(g->truth);
        for (size_t j = 0; g->est && j < s->n_policies * s->n_estimates; j++)
            free(g->est[j].warning);
        free(g->est);
    }
    free(s->seg);
    free(s->column);
    free(s);
}

void res_eval_free(struct res_eval *r)
{
    if (!r)
        return;
    for (size_t p = 0; p < r->n_policies; p++) {
        struct res_policy *pol = &r->pol[p];
        for (size_t k = 0; k < pol->n_estimates; k++) {
            free(pol->est[k].estimator);
            free(pol->est[k].label);
            free(pol->est[k].params_json);
            free(pol->est[k].p_top);
        }
        free(pol->est);
        free(pol->name);
        for (size_t k = 0; k < pol->n_risk; k++) {
            free(pol->risk[k].grid);
            free(pol->risk[k].cdf);
        }
        free(pol->risk);
        free_list(pol->warnings, pol->n_warnings);
    }
    free(r->pol);
    free(r->path);
    free(r->against);
    free(r->diffs);
    free_list(r->warnings, r->n_warnings);
    res_segments_free(r->segments);
    free(r);
}
