/* datasets/env.c: the environment registry and its parameter handling (defaults,
 * key=value parsing with range checks), shared by the CLI and the tests. */
#include "config.h"
#include "datasets/env.h"
#include "datasets/mdp.h"
#include "ope/base/closest.h"

#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct env_desc *const env_registry[] = {
    &env_riverswim, &env_chain, &env_gridworld, &env_dirichlet, NULL
};

const struct env_desc *env_find(const char *name)
{
    for (size_t i = 0; env_registry[i]; i++)
        if (strcmp(env_registry[i]->name, name) == 0)
            return env_registry[i];
    return NULL;
}

int env_unknown(const char *name, struct ope_error *err)
{
    const char *names[32];
    size_t n = 0;
    for (size_t i = 0; env_registry[i] && n < 32; i++)
        names[n++] = env_registry[i]->name;
    const char *near = ope_closest(name, names, n);
    if (near)
        return ope_fail(err, OPE_EUSAGE, "unknown environment '%s'; did you mean '%s'? (ope gen "
                        "mdp --list lists them)", name, near);
    return ope_fail(err, OPE_EUSAGE, "unknown environment '%s' (ope gen mdp --list lists them)",
                    name);
}

size_t env_n_params(const struct env_desc *d)
{
    size_t n = 0;
    while (d->params[n].name)
        n++;
    return n;
}

void env_defaults(const struct env_desc *d, double *v)
{
    for (size_t i = 0; d->params[i].name; i++)
        v[i] = d->params[i].def;
}

int env_set_param(const struct env_desc *d, double *v, const char *kv, struct ope_error *err)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return ope_fail(err, OPE_EUSAGE, "%s: parameter '%s' is not of the form key=value", d->name, kv);
    size_t klen = (size_t)(eq - kv);
    for (size_t i = 0; d->params[i].name; i++) {
        const struct env_param *p = &d->params[i];
        if (strlen(p->name) != klen || strncmp(p->name, kv, klen) != 0)
            continue;
        char *end;
        errno = 0;
        double x = strtod(eq + 1, &end);
        if (end == eq + 1 || *end || errno || !isfinite(x) || x < p->lo || x > p->hi
            || (p->integer && x != floor(x)))
            return ope_fail(err, OPE_EUSAGE, "%s: parameter %s='%s': expected %s in [%g, %g]",
                            d->name, p->name, eq + 1, p->integer ? "an integer" : "a number",
                            p->lo, p->hi);
        v[i] = x;
        return 0;
    }
    return ope_fail(err, OPE_EUSAGE, "%s has no parameter '%.*s' (see ope gen mdp --list)",
                    d->name, (int)klen, kv);
}

/* "chain n=10000 actions=64 seed=1 reward=1": which MDP a message is about. */
static void describe(const struct env_desc *d, const double *v, char *buf, size_t size)
{
    size_t len = (size_t)snprintf(buf, size, "%s", d->name);
    for (size_t i = 0; d->params[i].name && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, " %s=%.15g", d->params[i].name, v[i]);
}

struct mdp *env_build(const struct env_desc *d, const double *v, int horizon, double gamma,
                      struct ope_error *err)
{
    char what[512];
    describe(d, v, what, sizeof what);
    int S, A, rsas;
    d->shape(v, &S, &A, &rsas);
    if (mdp_check_size(S, A, rsas, err) < 0) {
        ope_error_prefix(err, "%s: ", what);
        return NULL;
    }
    struct mdp *m = d->build(v, err);
    if (!m) {
        if (err && err->status == OPE_ESOFTWARE) {
            char nb[32];
            ope_error_prefix(err, "%s (S=%d, A=%d: %s of dense tables): ", what, S, A,
                             mdp_bytes_text(mdp_table_bytes(S, A, rsas), nb, sizeof nb));
        }
        return NULL;
    }
    m->horizon = horizon > 0 ? horizon : d->default_horizon;
    m->gamma = gamma;
    if (mdp_finalize(m, err) < 0) {
        mdp_free(m);
        return NULL;
    }
    return m;
}

struct mdp *env_build_named(const char *name, const char *const *kv, size_t n, int horizon,
                            double gamma, struct ope_error *err)
{
    const struct env_desc *d = env_find(name);
    if (!d) {
        env_unknown(name, err);
        return NULL;
    }
    double v[ENV_MAX_PARAMS];
    env_defaults(d, v);
    for (size_t i = 0; i < n; i++)
        if (env_set_param(d, v, kv[i], err) < 0)
            return NULL;
    return env_build(d, v, horizon, gamma, err);
}
