/* ope/app/render.c: table, JSON and CSV renderings of an evaluation result. */
#include "config.h"
#include "ope/app/render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/csvout.h"
#include "ope/base/json.h"
#include "ope/base/utf8.h"

static void num(struct strbuf *sb, double v, int width)
{
    char buf[48];
    if (isnan(v))
        snprintf(buf, sizeof buf, "-");
    else
        snprintf(buf, sizeof buf, "%.6g", v);
    strbuf_printf(sb, "%*s", width, buf);
}

/* A warning of the table: it may quote a name from the data, whose control bytes are
 * shown as \xNN (a warning stays one line, and no escape sequence reaches a terminal). */
static void warning_line(struct strbuf *sb, const char *indent, const char *w)
{
    size_t n = strlen(w), size = 4 * n + 1;
    char *buf = malloc(size);
    strbuf_printf(sb, "%swarning: %s\n", indent, buf ? utf8_printable(w, n, buf, size) : "?");
    free(buf);
}

void render_table(const struct res_eval *r, struct strbuf *sb)
{
    int traj = strcmp(r->kind, "bandit") != 0;
    strbuf_printf(sb, "%s: %zu rows, %d actions, %s log; logged policy's observed mean %s "
                  "%.6g", r->path ? r->path : "(log)", r->rows, r->n_actions, r->kind,
                  traj ? "return" : "reward", r->behavior_observed);
    if (!isnan(r->behavior_exact))
        strbuf_printf(sb, ", exact value %.6g", r->behavior_exact);
    strbuf_putc(sb, '\n');
    if (strcmp(r->ci, "none") == 0)
        strbuf_printf(sb, "no intervals\n");
    else if (strcmp(r->ci, "bootstrap") == 0)
        strbuf_printf(sb, "%.4g%% bootstrap percentile intervals, B = %d, seed %llu\n",
                      100 * (1 - r->alpha), r->n_boot, (unsigned long long)r->seed);
    else
        strbuf_printf(sb, "%.4g%% %s intervals\n", 100 * (1 - r->alpha), r->ci);
    if (r->model.kind[0]) {
        if (isnan(r->model.heldout_error))
            strbuf_printf(sb, "%s model: %s\n",
                          strcmp(r->kind, "bandit") == 0 ? "reward" : "value", r->model.kind);
        else
            strbuf_printf(sb, "reward model: %s, %d-fold cross-fitted, held-out %s %.6g\n",
                          r->model.kind, r->model.folds, r->model.error_name,
                          r->model.heldout_error);
    }
    int label_w = 9;
    for (size_t p = 0; p < r->n_policies; p++)
        for (size_t e = 0; e < r->pol[p].n_estimates; e++) {
            int l = (int)strlen(r->pol[p].est[e].label);
            label_w = l > label_w ? l : label_w;
        }
    for (size_t p = 0; p < r->n_policies; p++) {
        const struct res_policy *pol = &r->pol[p];
        int truth = !isnan(pol->truth);
        char nm[512];           /* a name from the data: control bytes as \xNN */
        strbuf_printf(sb, "\npolicy %s", utf8_printable(pol->name, strlen(pol->name), nm,
                                                         sizeof nm));
        if (truth)
            strbuf_printf(sb, "  (ground truth %.6g)", pol->truth);
        strbuf_printf(sb, "\n  %-*s %12s %12s %12s", label_w, "estimator", "value", "lower",
                      "upper");
        if (truth)
            strbuf_printf(sb, " %9s", "rel.err");
        strbuf_printf(sb, " %10s %10s %9s\n", "ESS", "max w", "mean w");
        for (size_t e = 0; e < pol->n_estimates; e++) {
            const struct res_estimate *x = &pol->est[e];
            strbuf_printf(sb, "  %-*s ", label_w, x->label);
            num(sb, x->value, 12);
            strbuf_putc(sb, ' ');
            num(sb, x->lower, 12);
            strbuf_putc(sb, ' ');
            num(sb, x->upper, 12);
            if (truth) {
                char rel[32];
                if (isnan(x->rel_error))
                    snprintf(rel, sizeof rel, "-");
                else if (100 * x->rel_error < 1e6)
                    snprintf(rel, sizeof rel, "%.2f%%", 100 * x->rel_error);
                else        /* a huge error stays in its column, with its sign */
                    snprintf(rel, sizeof rel, "%.3g%%", 100 * x->rel_error);
                strbuf_printf(sb, " %9s", rel);
            }
            strbuf_putc(sb, ' ');
            num(sb, x->ess, 10);
            strbuf_putc(sb, ' ');
            num(sb, x->max_weight, 10);
            strbuf_putc(sb, ' ');
            num(sb, x->mean_weight, 9);
            strbuf_putc(sb, '\n');
        }
        if (pol->n_risk) {
            strbuf_printf(sb, "  return distribution (CVaR at alpha %.3g):\n  %-9s %12s %12s %12s %12s\n",
                          pol->risk[0].cvar_alpha, "cdf", "mean", "variance", "CVaR", "IQR");
            for (size_t k = 0; k < pol->n_risk; k++) {
                const struct res_risk *x = &pol->risk[k];
                strbuf_printf(sb, "  %-9s", x->method);
                num(sb, x->mean, 13);
                num(sb, x->var, 13);
                num(sb, x->cvar, 13);
                num(sb, x->iqr, 13);
                strbuf_putc(sb, '\n');
            }
        }
        for (size_t w = 0; w < pol->n_warnings; w++)
            warning_line(sb, "  ", pol->warnings[w]);
    }
    for (size_t w = 0; w < r->n_warnings; w++)
        warning_line(sb, "", r->warnings[w]);
    if (r->segments)
        render_segments_table(r, sb);
}

void render_lift_table(const struct res_eval *r, struct strbuf *sb)
{
    int label_w = 9;
    for (size_t p = 0; p < r->n_policies; p++)
        for (size_t e = 0; e < r->pol[p].n_estimates; e++) {
            int l = (int)strlen(r->pol[p].est[e].label);
            label_w = l > label_w ? l : label_w;
        }
    for (size_t p = 0; p < r->n_policies; p++) {
        const struct res_policy *pol = &r->pol[p];
        char nm[512], an[512];      /* names from the data: control bytes as \xNN */
        utf8_printable(pol->name, strlen(pol->name), nm, sizeof nm);
        if (r->against) {
            strbuf_printf(sb, "\npolicy %s: lift over policy %s (its estimate by the same "
                          "estimator), paired intervals\n", nm,
                          utf8_printable(r->against, strlen(r->against), an, sizeof an));
        } else {
            /* V(pi_b) as the lift used it: the observed value, which a truth file does
             * not replace (r->behavior_value then holds the exact one). */
            double vb = NAN;
            for (size_t e = 0; isnan(vb) && e < pol->n_estimates; e++)
                if (!isnan(pol->est[e].lift))
                    vb = pol->est[e].value - pol->est[e].lift;
            strbuf_printf(sb, "\npolicy %s: lift over the logged policy (observed value "
                          "%.6g), paired intervals\n", nm, vb);
        }
        strbuf_printf(sb, "  %-*s %12s %12s %12s %9s\n", label_w, "estimator", "lift", "lower",
                      "upper", "relative");
        for (size_t e = 0; e < pol->n_estimates; e++) {
            const struct res_estimate *x = &pol->est[e];
            char rel[32];
            if (isnan(x->relative_lift))
                snprintf(rel, sizeof rel, "-");
            else
                snprintf(rel, sizeof rel, "%+.2f%%", 100 * x->relative_lift);
            strbuf_printf(sb, "  %-*s ", label_w, x->label);
            num(sb, x->lift, 12);
            strbuf_putc(sb, ' ');
            num(sb, x->lift_lower, 12);
            strbuf_putc(sb, ' ');
            num(sb, x->lift_upper, 12);
            strbuf_printf(sb, " %9s\n", rel);
        }
    }
}

void render_diff_table(const struct res_eval *r, struct strbuf *sb)
{
    int lw = 9, pw = 6;
    for (size_t d = 0; d < r->n_diffs; d++) {
        const struct res_diff *x = &r->diffs[d];
        int l = (int)strlen(r->pol[x->a].est[x->e].label);
        int a = (int)strlen(r->pol[x->a].name), b = (int)strlen(r->pol[x->b].name);
        lw = l > lw ? l : lw;
        pw = a > pw ? a : pw;
        pw = b > pw ? b : pw;
    }
    strbuf_printf(sb, "\ndifferences among each estimator's top %zu: V(a) - V(b), a ranked above "
                  "b, paired intervals\n", r->matrix_k);
    if (!r->n_diffs) {
        strbuf_puts(sb, "  (fewer than two evaluated policies with an estimate)\n");
        return;
    }
    strbuf_printf(sb, "  %-*s %-*s %-*s %12s %12s %12s\n", lw, "estimator", pw, "a", pw, "b",
                  "diff", "lower", "upper");
    for (size_t d = 0; d < r->n_diffs; d++) {
        const struct res_diff *x = &r->diffs[d];
        char a[512], b[512];    /* names from the data: control bytes as \xNN */
        strbuf_printf(sb, "  %-*s %-*s %-*s ", lw, r->pol[x->a].est[x->e].label, pw,
                      utf8_printable(r->pol[x->a].name, strlen(r->pol[x->a].name), a, sizeof a),
                      pw,
                      utf8_printable(r->pol[x->b].name, strlen(r->pol[x->b].name), b, sizeof b));
        num(sb, x->diff, 12);
        strbuf_putc(sb, ' ');
        num(sb, x->lower, 12);
        strbuf_putc(sb, ' ');
        num(sb, x->upper, 12);
        strbuf_putc(sb, '\n');
    }
}

void render_diff_csv(const struct res_eval *r, struct strbuf *sb)
{
    strbuf_puts(sb, "estimator,params,a,b,diff,lower,upper\n");
    for (size_t d = 0; d < r->n_diffs; d++) {
        const struct res_diff *x = &r->diffs[d];
        const struct res_estimate *e = &r->pol[x->a].est[x->e];
        csvout_cell(sb, e->estimator);
        strbuf_putc(sb, ',');
        csvout_cell(sb, e->params_json);
        strbuf_putc(sb, ',');
        csvout_cell(sb, r->pol[x->a].name);
        strbuf_putc(sb, ',');
        csvout_cell(sb, r->pol[x->b].name);
        csvout_number(sb, x->diff);
        csvout_number(sb, x->lower);
        csvout_number(sb, x->upper);
        strbuf_putc(sb, '\n');
    }
}

static void key(struct strbuf *sb, const char *k)
{
    json_string(sb, k);
    strbuf_putc(sb, ':');
}

static void warnings_json(struct strbuf *sb, char **w, size_t n)
{
    strbuf_putc(sb, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_putc(sb, ',');
        json_string(sb, w[i]);
    }
    strbuf_putc(sb, ']');
}

void render_diff_json(const struct res_eval *r, struct strbuf *sb)
{
    strbuf_putc(sb, '[');
    for (size_t d = 0; d < r->n_diffs; d++) {
        const struct res_diff *x = &r->diffs[d];
        const struct res_estimate *e = &r->pol[x->a].est[x->e];
        strbuf_puts(sb, d ? ",\n  {" : "\n  {");
        key(sb, "estimator");
        json_string(sb, e->estimator);
        strbuf_puts(sb, ",\"label\":");
        json_string(sb, e->label);
        strbuf_puts(sb, ",\"a\":");
        json_string(sb, r->pol[x->a].name);
        strbuf_puts(sb, ",\"b\":");
        json_string(sb, r->pol[x->b].name);
        strbuf_puts(sb, ",\"diff\":");
        json_number(sb, x->diff);
        strbuf_puts(sb, ",\"ci\":{\"lower\":");
        json_number(sb, x->lower);
        strbuf_puts(sb, ",\"upper\":");
        json_number(sb, x->upper);
        strbuf_puts(sb, "}}");
    }
    strbuf_putc(sb, ']');
}

void render_json(const struct res_eval *r, struct strbuf *sb)
{
    strbuf_puts(sb, "{");
    key(sb, "tool");
    json_string(sb, "ope");
    strbuf_putc(sb, ',');
    key(sb, "version");
    json_string(sb, PACKAGE_VERSION);
    strbuf_puts(sb, ",\n ");
    key(sb, "input");
    strbuf_putc(sb, '{');
    key(sb, "path");
    json_string(sb, r->path ? r->path : "");
    strbuf_putc(sb, ',');
    key(sb, "sha256");
    json_string(sb, r->sha256);
    strbuf_printf(sb, ",\"rows\":%zu,", r->rows);
    key(sb, "kind");
    json_string(sb, r->kind);
    strbuf_printf(sb, ",\"n_actions\":%d,\"gamma\":", r->n_actions);
    json_number(sb, r->gamma);
    if (r->episodes)
        strbuf_printf(sb, ",\"episodes\":%zu", r->episodes);
    strbuf_puts(sb, ",\"behavior_value\":");
    json_number(sb, r->behavior_value);
    strbuf_puts(sb, ",\"behavior_observed\":");
    json_number(sb, r->behavior_observed);
    strbuf_puts(sb, ",\"behavior_exact\":");
    json_number(sb, r->behavior_exact);
    strbuf_puts(sb, "},\n ");
    key(sb, "settings");
    strbuf_puts(sb, "{\"alpha\":");
    json_number(sb, r->alpha);
    strbuf_puts(sb, ",\"ci\":");
    json_string(sb, r->ci);
    strbuf_printf(sb, ",\"n_bootstrap\":%d,\"seed\":%llu,\"lift_against\":", r->n_boot,
                  (unsigned long long)r->seed);
    json_string(sb, r->against ? r->against : "logged");
    strbuf_printf(sb, ",\"matrix_k\":%zu}", r->matrix_k);
    strbuf_puts(sb, ",\n ");
    key(sb, "model");
    strbuf_puts(sb, "{\"kind\":");
    if (r->model.kind[0])
        json_string(sb, r->model.kind);
    else
        strbuf_puts(sb, "null");
    strbuf_printf(sb, ",\"folds\":%d,\"heldout_error\":", r->model.folds);
    json_number(sb, r->model.heldout_error);
    strbuf_puts(sb, ",\"error\":");
    if (r->model.error_name[0])
        json_string(sb, r->model.error_name);
    else
        strbuf_puts(sb, "null");
    strbuf_puts(sb, "},\n ");
    key(sb, "policies");
    strbuf_puts(sb, "[");
    for (size_t p = 0; p < r->n_policies; p++) {
        const struct res_policy *pol = &r->pol[p];
        strbuf_puts(sb, p ? ",\n  {" : "\n  {");
        key(sb, "name");
        json_string(sb, pol->name);
        strbuf_puts(sb, ",\"ground_truth\":");
        json_number(sb, pol->truth);
        strbuf_puts(sb, ",\"unsupported_mass\":");
        json_number(sb, pol->unsupported);
        strbuf_puts(sb, ",\"warnings\":");
        warnings_json(sb, pol->warnings, pol->n_warnings);
        strbuf_puts(sb, ",\n   \"estimates\":[");
        for (size_t e = 0; e < pol->n_estimates; e++) {
            const struct res_estimate *x = &pol->est[e];
            strbuf_puts(sb, e ? ",\n    {" : "\n    {");
            key(sb, "estimator");
            json_string(sb, x->estimator);
            strbuf_puts(sb, ",\"label\":");
            json_string(sb, x->label);
            strbuf_printf(sb, ",\"params\":%s,\"value\":", x->params_json);
            json_number(sb, x->value);
            strbuf_puts(sb, ",\"ci\":{\"lower\":");
            json_number(sb, x->lower);
            strbuf_puts(sb, ",\"upper\":");
            json_number(sb, x->upper);
            strbuf_puts(sb, "},");
            if (x->ci_warning) {
                /* Only when set, so the estimates of honest intervals keep their keys. */
                strbuf_puts(sb, "\"ci_warning\":");
                json_string(sb, x->ci_warning);
                strbuf_puts(sb, ",");
            }
            strbuf_puts(sb, "\"se\":");
            json_number(sb, x->se);
            strbuf_puts(sb, ",\"diagnostics\":{\"ess\":");
            json_number(sb, x->ess);
            strbuf_puts(sb, ",\"max_weight\":");
            json_number(sb, x->max_weight);
            strbuf_puts(sb, ",\"mean_weight\":");
            json_number(sb, x->mean_weight);
            strbuf_puts(sb, "},\"relative_error\":");
            json_number(sb, x->rel_error);
            strbuf_puts(sb, ",\"lift\":");
            json_number(sb, x->lift);
            strbuf_puts(sb, ",\"lift_ci\":{\"lower\":");
            json_number(sb, x->lift_lower);
            strbuf_puts(sb, ",\"upper\":");
            json_number(sb, x->lift_upper);
            strbuf_puts(sb, "},\"relative_lift\":");
            json_number(sb, x->relative_lift);
            if (x->p_top) {
                /* Only with bootstrap replicates (--ci bootstrap): formats.md. */
                strbuf_puts(sb, ",\"p_best\":");
                json_number(sb, x->p_top[0]);
                strbuf_puts(sb, ",\"p_top\":[");
                for (size_t k = 0; k < r->n_policies; k++) {
                    strbuf_puts(sb, k ? "," : "");
                    json_number(sb, x->p_top[k]);
                }
                strbuf_putc(sb, ']');
            }
            strbuf_puts(sb, "}");
        }
        strbuf_puts(sb, "]");
        if (pol->n_risk) {
            strbuf_puts(sb, ",\n   \"risk\":[");
            for (size_t k = 0; k < pol->n_risk; k++) {
                const struct res_risk *x = &pol->risk[k];
                strbuf_puts(sb, k ? ",{" : "{");
                key(sb, "method");
                json_string(sb, x->method);
                strbuf_puts(sb, ",\"mean\":");
                json_number(sb, x->mean);
                strbuf_puts(sb, ",\"variance\":");
                json_number(sb, x->var);
                strbuf_puts(sb, ",\"cvar\":");
                json_number(sb, x->cvar);
                strbuf_puts(sb, ",\"cvar_alpha\":");
                json_number(sb, x->cvar_alpha);
                strbuf_puts(sb, ",\"iqr\":");
                json_number(sb, x->iqr);
                strbuf_puts(sb, ",\"cdf\":{\"y\":[");
                for (size_t g = 0; g < x->n_grid; g++) {
                    if (g)
                        strbuf_putc(sb, ',');
                    json_number(sb, x->grid[g]);
                }
                strbuf_puts(sb, "],\"F\":[");
                for (size_t g = 0; g < x->n_grid; g++) {
                    if (g)
                        strbuf_putc(sb, ',');
                    json_number(sb, x->cdf[g]);
                }
                strbuf_puts(sb, "]}}");
            }
            strbuf_puts(sb, "]");
        }
        strbuf_puts(sb, "}");
    }
    strbuf_puts(sb, "],\n ");
    if (r->segments) {
        key(sb, "segments");
        render_segments_json(r, sb);
        strbuf_puts(sb, ",\n ");
    }
    key(sb, "differences");
    render_diff_json(r, sb);
    strbuf_puts(sb, ",\n ");
    key(sb, "warnings");
    warnings_json(sb, r->warnings, r->n_warnings);
    strbuf_puts(sb, "}\n");
}

void render_csv(const struct res_eval *r, struct strbuf *sb)
{
    if (r->segments) {
        render_segments_csv(r, sb);
        return;
    }
    strbuf_puts(sb, "policy,estimator,params,value,lower,upper,truth,se,ess,max_weight,"
                    "mean_weight,lift,lift_lower,lift_upper,relative_lift,p_best\n");
    for (size_t p = 0; p < r->n_policies; p++) {
        const struct res_policy *pol = &r->pol[p];
        for (size_t e = 0; e < pol->n_estimates; e++) {
            const struct res_estimate *x = &pol->est[e];
            csvout_cell(sb, pol->name);
            strbuf_putc(sb, ',');
            csvout_cell(sb, x->estimator);
            strbuf_putc(sb, ',');
            csvout_cell(sb, x->params_json);
            csvout_number(sb, x->value);
            csvout_number(sb, x->lower);
            csvout_number(sb, x->upper);
            csvout_number(sb, pol->truth);
            csvout_number(sb, x->se);
            csvout_number(sb, x->ess);
            csvout_number(sb, x->max_weight);
            csvout_number(sb, x->mean_weight);
            csvout_number(sb, x->lift);
            csvout_number(sb, x->lift_lower);
            csvout_number(sb, x->lift_upper);
            csvout_number(sb, x->relative_lift);
            csvout_number(sb, x->p_top ? x->p_top[0] : NAN);
            strbuf_putc(sb, '\n');
        }
    }
}

void render_eval(const struct res_eval *r, enum out_format f, struct strbuf *sb)
{
    static void (*const writer[OUT_N_FORMATS])(const struct res_eval *, struct strbuf *) = {
        [OUT_TABLE] = render_table, [OUT_JSON] = render_json, [OUT_CSV] = render_csv,
    };
    writer[f](r, sb);
}
