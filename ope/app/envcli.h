/* ope/app/envcli.h: the command-line options that name a built-in environment and
 * its settings (--env, --param KEY=VALUE or a bare KEY=VALUE word, --horizon), shared
 * by every command that runs or samples one (`ope explore`, `ope train ALGO --env`,
 * `ope gen mdp`, `ope select --env`, `ope train --env` for exact values). */
#ifndef OPE_APP_ENVCLI_H
#define OPE_APP_ENVCLI_H

#include <getopt.h>
#include <stddef.h>
#include "ope/base/error.h"

struct mdp;

#define ENVCLI_MAX_KV 32

struct envcli {
    const char *env;                /* --env NAME; NULL when not given */
    const char *kv[ENVCLI_MAX_KV];  /* the parameters, in order (later ones win) */
    size_t n_kv;
    long horizon;                   /* --horizon H; 0: the environment's */
    const char *given;              /* the last of --param/--horizon given, or NULL */
};

/* getopt_long codes of the group (above any short option character). */
enum { ENVCLI_ENV = 0x4e00, ENVCLI_PARAM, ENVCLI_HORIZON };

/* Entries to splice into a command's struct option table (before its {0} end). */
#define ENVCLI_OPTIONS \
    { "env", required_argument, NULL, ENVCLI_ENV }, \
    { "param", required_argument, NULL, ENVCLI_PARAM }, \
    { "horizon", required_argument, NULL, ENVCLI_HORIZON }

/* Help text of the group (ends with a newline). */
#define ENVCLI_HELP \
"Environment:\n" \
"  --env ENV             riverswim, chain, gridworld or dirichlet (ope gen mdp\n" \
"                        --list shows them with their parameters)\n" \
"  --param KEY=VALUE     an environment parameter (repeatable)\n" \
"  --horizon H           episode length (default: the environment's)\n"

void envcli_init(struct envcli *e);

/* Apply option opt with argument arg. Returns 1 when opt is an environment option and
 * was applied, 0 when it is not one, -1 on a bad value (err filled, OPE_EUSAGE). */
int envcli_option(struct envcli *e, int opt, const char *arg, struct ope_error *err);

/* Add one KEY=VALUE parameter (a --param value, or a bare word of a command that
 * takes them). 0, or -1 (OPE_EUSAGE) when it has no '=' or there are too many. */
int envcli_param(struct envcli *e, const char *kv, struct ope_error *err);

/* Build the environment with discount gamma (its defaults, then the parameters in
 * order, then the horizon). NULL with err filled on an unknown name or a bad value. */
struct mdp *envcli_build(const struct envcli *e, double gamma, struct ope_error *err);

#endif
