/* ope/app/envcli.c: parsing of the shared environment options (see envcli.h). */
#include "config.h"
#include "ope/app/envcli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/env.h"

void envcli_init(struct envcli *e)
{
    memset(e, 0, sizeof *e);
}

int envcli_param(struct envcli *e, const char *kv, struct ope_error *err)
{
    if (!strchr(kv, '=') || e->n_kv == ENVCLI_MAX_KV)
        return ope_fail(err, OPE_EUSAGE, "--param: expected KEY=VALUE (at most %d), got '%s'",
                        ENVCLI_MAX_KV, kv);
    e->kv[e->n_kv++] = kv;
    return 0;
}

int envcli_option(struct envcli *e, int opt, const char *arg, struct ope_error *err)
{
    char *end;
    long v;
    switch (opt) {
    case ENVCLI_ENV:
        e->env = arg;
        return 1;
    case ENVCLI_PARAM:
        e->given = "--param";
        return envcli_param(e, arg, err) < 0 ? -1 : 1;
    case ENVCLI_HORIZON:
        e->given = "--horizon";
        errno = 0;
        v = strtol(arg, &end, 10);
        if (errno || end == arg || *end || v < 1 || v > 1000000)
            return ope_fail(err, OPE_EUSAGE, "--horizon expects an integer from 1 to 1000000, "
                            "got '%s'", arg);
        e->horizon = v;
        return 1;
    default:
        return 0;
    }
}

struct mdp *envcli_build(const struct envcli *e, double gamma, struct ope_error *err)
{
    return env_build_named(e->env, e->kv, e->n_kv, (int)e->horizon, gamma, err);
}
