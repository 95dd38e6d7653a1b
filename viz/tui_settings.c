/* viz/tui_settings.c: the workbench's settings dialogs, r (alpha, interval, B, seed;
 * for a trajectory log also the discount and the value model) and e (estimators).
 * They edit the session's eval_settings, the ones `ope tui` took from its command
 * line, and start an evaluation with them. */
#include "config.h"
#include "viz/tui_extra.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/tlog.h"
#include "estimators/ci.h"
#include "estimators/vmodel.h"
#include "ope/base/json.h"

/* The prompts of a trajectory log, after the four every log has: its discount and its
 * value model. 1 with *gamma and *vm filled, 0 when cancelled or refused (said on the
 * status line). A discount left at the log's own stays unset (NAN), as on the
 * command line without --gamma; likewise fqe without --value-model. */
static int traj_dialog(struct tui *t, double *gamma, const char **vm)
{
    const struct session *s = t->s;
    char buf[64], *end;
    double log_gamma = s->tlog->gamma;
    /* The shortest digits that read back as the number: a prompt accepted unchanged
     * gives the same discount (0.9 shows as 0.9, not 0.90000000000000002). */
    ope_format_double(buf, sizeof buf, isnan(s->set.gamma) ? log_gamma : s->set.gamma);
    if (!tui_prompt(t, "discount gamma (0 to 1):", buf, sizeof buf))
        return 0;
    double g = strtod(buf, &end);
    if (*end || !buf[0] || !(g >= 0 && g <= 1)) {
        tui_message(t, 1, "gamma must be a number in [0, 1], got '%s'", buf);
        return 0;
    }
    *gamma = isnan(s->set.gamma) && g == log_gamma ? NAN : g;
    snprintf(buf, sizeof buf, "%s", s->set.value_model ? s->set.value_model : "fqe");
    if (!tui_prompt(t, "value model (fqe, linear-fqe, lstd, td, gtd2):", buf, sizeof buf))
        return 0;
    int k = vm_kind_parse(buf);
    if (k < 0) {
        tui_message(t, 1, "unknown value model '%s' (fqe, linear-fqe, lstd, td, gtd2)", buf);
        return 0;
    }
    /* vm_kind_name's strings are static: the settings may point at them. */
    *vm = k == VM_FQE && !s->set.value_model ? NULL : vm_kind_name(k);
    return 1;
}

void tui_settings_dialog(struct tui *t)
{
    struct session *s = t->s;
    char buf[256];
    snprintf(buf, sizeof buf, "%g", s->set.alpha);
    if (!tui_prompt(t, "alpha (interval level 1 - alpha):", buf, sizeof buf))
        return;
    char *end;
    double a = strtod(buf, &end);
    if (*end || !(a > 0 && a < 1)) {
        tui_message(t, 1, "alpha must be in (0, 1), got '%s'", buf);
        return;
    }
    snprintf(buf, sizeof buf, "%s", ci_method_name((enum ci_method)s->set.ci));
    if (!tui_prompt(t, "interval (bootstrap, t, hoeffding, bernstein, cs, none):", buf, sizeof buf))
        return;
    int ci = ci_method_parse(buf);
    if (ci < 0) {
        tui_message(t, 1, "unknown interval method '%s'", buf);
        return;
    }
    snprintf(buf, sizeof buf, "%d", s->set.n_boot);
    if (!tui_prompt(t, "bootstrap replicates B:", buf, sizeof buf))
        return;
    long b = strtol(buf, &end, 10);
    if (*end || b < 10 || b > 1000000) {
        tui_message(t, 1, "B must be an integer in [10, 1000000], got '%s'", buf);
        return;
    }
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)s->set.seed);
    if (!tui_prompt(t, "seed:", buf, sizeof buf))
        return;
    unsigned long long seed = strtoull(buf, &end, 10);
    if (*end || !buf[0]) {
        tui_message(t, 1, "the seed must be a non-negative integer, got '%s'", buf);
        return;
    }
    double gamma = s->set.gamma;
    const char *vm = s->set.value_model;
    if (s->tlog && !traj_dialog(t, &gamma, &vm))
        return;
    /* Every answer is valid: only now do the settings change. */
    s->set.alpha = a;
    s->set.ci = ci;
    s->set.n_boot = (int)b;
    s->set.seed = seed;
    s->set.gamma = gamma;
    s->set.value_model = vm;
    struct ope_error err = { 0 };
    if (session_start(s, &err) != 0)
        tui_message(t, 1, "%s", err.msg);
}

void tui_estimators_dialog(struct tui *t)
{
    struct session *s = t->s;
    char buf[sizeof s->set.estimators], old[sizeof s->set.estimators];
    snprintf(buf, sizeof buf, "%s", s->set.estimators);
    if (!tui_prompt(t, "estimators (comma list, e.g. ipw,snipw,dr:clip=100; empty = all):", buf,
                    sizeof buf))
        return;
    memcpy(old, s->set.estimators, sizeof old);
    memcpy(s->set.estimators, buf, sizeof buf);
    struct ope_error err = { 0 };
    if (session_start(s, &err) != 0) {
        memcpy(s->set.estimators, old, sizeof old);
        tui_message(t, 1, "%s", err.msg);
    }
}
