/* ope/app/monitor.c: the updates of `ope eval --follow` (monitor.h). */
#include "config.h"
#include "ope/app/monitor.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "ope/base/json.h"

static void num(struct strbuf *sb, const char *key, double x)
{
    strbuf_printf(sb, ",\"%s\":", key);
    json_number(sb, x);
}

static void render_json_look(const struct res_eval *r, size_t rows, int final,
                             struct strbuf *sb)
{
    strbuf_printf(sb, "{\"rows\":%zu,\"final\":%s,\"ci\":", rows, final ? "true" : "false");
    json_string(sb, r->ci);
    num(sb, "alpha", r->alpha);
    num(sb, "behavior_value", r->behavior_value);
    strbuf_puts(sb, ",\"estimates\":[");
    int first = 1;
    for (size_t p = 0; p < r->n_policies; p++)
        for (size_t e = 0; e < r->pol[p].n_estimates; e++) {
            const struct res_estimate *x = &r->pol[p].est[e];
            strbuf_puts(sb, first ? "{\"policy\":" : ",{\"policy\":");
            first = 0;
            json_string(sb, r->pol[p].name);
            strbuf_puts(sb, ",\"estimator\":");
            json_string(sb, x->label);
            num(sb, "value", x->value);
            num(sb, "lower", x->lower);
            num(sb, "upper", x->upper);
            num(sb, "lift", x->lift);
            num(sb, "lift_lower", x->lift_lower);
            num(sb, "lift_upper", x->lift_upper);
            strbuf_putc(sb, '}');
        }
    strbuf_putc(sb, ']');
    if (final) {
        strbuf_puts(sb, ",\"warnings\":[");
        size_t k = 0;
        for (size_t w = 0; w < r->n_warnings; w++, k++) {
            strbuf_puts(sb, k ? "," : "");
            json_string(sb, r->warnings[w]);
        }
        for (size_t p = 0; p < r->n_policies; p++)
            for (size_t w = 0; w < r->pol[p].n_warnings; w++, k++) {
                /* One flat list: the policy's name says whose warning it is, as in
                 * the table's "warning: NAME: ..." lines. */
                struct strbuf one = STRBUF_INIT;
                strbuf_printf(&one, "%s: %s", r->pol[p].name, r->pol[p].warnings[w]);
                strbuf_puts(sb, k ? "," : "");
                json_string(sb, strbuf_failed(&one) ? r->pol[p].warnings[w] : strbuf_str(&one));
                strbuf_release(&one);
            }
        strbuf_putc(sb, ']');
    }
    strbuf_puts(sb, "}\n");
}

static void render_warnings(const struct res_eval *r, struct strbuf *sb);

void monitor_render(const struct res_eval *r, enum out_format f, size_t rows, int final,
                    int header, struct strbuf *sb)
{
    if (f == OUT_JSON) {
        render_json_look(r, rows, final, sb);
        return;
    }
    if (header)
        strbuf_printf(sb, "%8s  %-12s %-12s %10s %10s %10s %10s %10s %10s\n", "rows", "policy",
                      "estimator", "value", "lower", "upper", "lift", "lift_lo", "lift_hi");
    for (size_t p = 0; p < r->n_policies; p++)
        for (size_t e = 0; e < r->pol[p].n_estimates; e++) {
            const struct res_estimate *x = &r->pol[p].est[e];
            const double v[6] = { x->value, x->lower, x->upper, x->lift, x->lift_lower,
                                  x->lift_upper };
            strbuf_printf(sb, "%8zu  %-12s %-12s", rows, r->pol[p].name, x->label);
            /* An undefined value or a missing interval is '-', as in ope eval's table. */
            for (int k = 0; k < 6; k++) {
                if (isfinite(v[k]))
                    strbuf_printf(sb, " %10.4g", v[k]);
                else
                    strbuf_printf(sb, " %10s", "-");
            }
            strbuf_putc(sb, '\n');
        }
    if (final)
        render_warnings(r, sb);
}

/* The table's closing lines: the final result's warnings. */
static void render_warnings(const struct res_eval *r, struct strbuf *sb)
{
    for (size_t w = 0; w < r->n_warnings; w++)
        strbuf_printf(sb, "warning: %s\n", r->warnings[w]);
    for (size_t p = 0; p < r->n_policies; p++)
        for (size_t w = 0; w < r->pol[p].n_warnings; w++)
            strbuf_printf(sb, "warning: %s: %s\n", r->pol[p].name, r->pol[p].warnings[w]);
}

int monitor_look(void *ctx, const char *buf, size_t len, size_t rows, int final,
                 struct ope_error *err)
{
    struct monitor *m = ctx;
    /* The final look of data that ended right after an update: the same rows, so the
     * same result; only the closing words are new. */
    if (!(final && m->last && rows == m->shown_rows)) {
        struct res_eval *r = evalcli_run_mem(m->c, buf, len, m->name, err);
        if (!r)
            return -1;
        res_eval_free(m->last);
        m->last = r;
    }
    struct strbuf sb = STRBUF_INIT;
    if (final && rows == m->shown_rows && m->format == OUT_TABLE) {
        render_warnings(m->last, &sb);      /* the lines are out already */
    } else {
        monitor_render(m->last, m->format, rows, final, m->shown_rows == 0, &sb);
    }
    m->shown_rows = rows;
    int rc = 0;
    if (strbuf_failed(&sb))
        rc = ope_fail_oom(err);
    else if (errno = 0, fputs(strbuf_str(&sb), m->out) == EOF || fflush(m->out) != 0) {
        m->reader_gone = errno == EPIPE;
        rc = ope_fail(err, OPE_ECANTCREAT, "standard output: cannot write the update");
    }
    strbuf_release(&sb);
    return rc;
}

void monitor_release(struct monitor *m)
{
    res_eval_free(m->last);
    m->last = NULL;
}
