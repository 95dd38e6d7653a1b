/* t/0305-registry.c: the estimator registry is whole: every descriptor carries its
 * teaching card, valid defaults and its computation; names are unique per kind; and
 * the TUI's Learn view lists every registry entry and shows its card. The shell
 * twin, t/0306-registry.sh, checks the help, the man page and the report. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/estimator.h"
#include "viz/tui_extra.h"

static int nonempty(const char *s)
{
    return s && *s;
}

/* The descriptor alone: card, parameters, computation. */
static void check_desc(const struct est_desc *d)
{
    const struct est_card *c = &d->card;
    ok(nonempty(d->title) && nonempty(d->formula) && nonempty(d->citation) &&
       nonempty(c->assumes) && nonempty(c->fails) && nonempty(c->discussion) &&
       nonempty(c->reference), "%s: title, formula, citation and a full teaching card", d->name);
    int params_ok = d->n_params <= EST_MAX_PARAMS;
    for (size_t k = 0; params_ok && k < d->n_params; k++)
        params_ok = nonempty(d->param[k].name) && nonempty(d->param[k].help) &&
                    d->param[k].lo <= d->param[k].def && d->param[k].def <= d->param[k].hi;
    ok(params_ok, "%s: every parameter has a name, help and a default inside its range",
       d->name);
    if (d->kind == EST_BANDIT)
        ok(d->n_terms >= 1 && d->n_terms <= EST_MAX_TERMS && d->terms && d->combine &&
           d->contrib, "%s: terms, combine and contrib", d->name);
    ok(est_find(d->name, d->kind) == d, "%s: est_find finds it (its name is unique in its kind)",
       d->name);
    struct est_spec s;
    struct ope_error err = { 0 };
    ok(est_spec_parse(d->name, d->kind, &s, &err) == 0 && s.d == d,
       "%s: its name parses as a spec with the defaults", d->name);
}

/* The Learn view's text for entry k: the header names it, the list brackets it among
 * all the others, and the card lines are the descriptor's. */
static void check_learn(size_t k, const struct est_desc *d)
{
    char **L = NULL;
    size_t n = 0;
    tui_learn_card(k, &L, &n);
    char *all = NULL;
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(L[i]) + 1;
    all = calloc(len + 1, 1);
    for (size_t i = 0; all && i < n; i++) {
        strcat(all, L[i]);
        strcat(all, "\n");
    }
    char want[256];
    snprintf(want, sizeof want, "# %s (%s)", d->title, d->name);
    like(all ? all : "", want, "Learn view, %s: the header names it", d->name);
    snprintf(want, sizeof want, "[%s]", d->name);
    like(all ? all : "", want, "Learn view, %s: the list marks it", d->name);
    int listed = 1;     /* every other entry is in the same list */
    for (size_t r = 0; est_registry[r]; r++) {
        char other[128];
        snprintf(want, sizeof want, " %s", est_registry[r]->name);
        snprintf(other, sizeof other, "[%s]", est_registry[r]->name);
        listed &= all && (strstr(all, want) != NULL || strstr(all, other) != NULL);
    }
    ok(listed, "Learn view, %s: the list names every registry entry", d->name);
    like(all ? all : "", d->card.assumes, "Learn view, %s: its assumptions", d->name);
    like(all ? all : "", d->card.fails, "Learn view, %s: how it fails", d->name);
    free(all);
    tui_lines_free(&L, &n);
}

int main(void)
{
    plan_no_plan();
    size_t n = 0;
    for (; est_registry[n]; n++)
        check_desc(est_registry[n]);
    ok(n > 0, "the registry has %zu estimators", n);
    is_int((long long)tui_learn_count(), (long long)n, "the Learn view lists every registry entry");
    ok(tui_learn_at(n) == NULL, "and nothing past the end");
    for (size_t k = 0; k < n; k++) {
        ok(tui_learn_at(k) == est_registry[k], "Learn view entry %zu is %s, in registry order", k,
           est_registry[k]->name);
        check_learn(k, est_registry[k]);
    }
    /* The names lists of the help come from the registry too. */
    char buf[2048];
    est_names(EST_BANDIT, EST_NAMES_PARAMS, buf, sizeof buf);
    like(buf, "ipw[:clip=inf]", "est_names with parameters: ipw[:clip=inf]");
    like(buf, "switch-dr[:tau=50]", "and switch-dr[:tau=50]");
    est_names(EST_BANDIT, EST_NAMES_MODEL, buf, sizeof buf);
    ok(strstr(buf, "ipw") == NULL && strstr(buf, "dr") != NULL,
       "est_names of the model-based bandit estimators: dr, not ipw (%s)", buf);
    return done_testing();
}
