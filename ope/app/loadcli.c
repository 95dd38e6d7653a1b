/* ope/app/loadcli.c: parsing of the shared load options (see loadcli.h). */
#include "config.h"
#include "ope/app/loadcli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse_sep(struct load_opts *o, const char *arg, struct ope_error *err)
{
    if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0)
        o->sep = '\t';
    else if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\n' && arg[0] != '\r')
        o->sep = arg[0];
    else
        return ope_fail(err, OPE_EUSAGE, "--sep expects one character (e.g. ';') or 'tab', "
                        "got '%s'", arg);
    return 0;
}

static int parse_int(const char *opt, const char *arg, long lo, long hi, long *out,
                     struct ope_error *err)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < lo || v > hi)
        return ope_fail(err, OPE_EUSAGE, "%s expects an integer from %ld to %ld, got '%s'",
                        opt, lo, hi, arg);
    *out = v;
    return 0;
}

int loadcli_option(struct load_opts *o, int opt, const char *arg, struct ope_error *err)
{
    long v;
    switch (opt) {
    case LOADCLI_SEP:
        return parse_sep(o, arg, err) < 0 ? -1 : 1;
    case LOADCLI_MAP:
        return load_opts_map(o, arg, err) < 0 ? -1 : 1;
    case LOADCLI_POLICY_COLUMNS:
        o->policy_pattern = arg;
        return 1;
    case LOADCLI_QHAT_COLUMNS:
        o->qhat_pattern = arg;
        return 1;
    case LOADCLI_CONTEXT_COLUMNS:
        o->context_pattern = arg;
        o->state_feature_pattern = arg;
        return 1;
    case LOADCLI_TRUTH_COLUMNS:
        o->truth_pattern = arg;
        return 1;
    case LOADCLI_POSITION_BASE:
        if (parse_int("--position-base", arg, 0, 1, &v, err) < 0)
            return -1;
        o->position_base = (int)v;
        return 1;
    case LOADCLI_N_ACTIONS:
        if (parse_int("--n-actions", arg, 1, 1000000, &v, err) < 0)
            return -1;
        o->n_actions = (int)v;
        return 1;
    case LOADCLI_PRESET:
        if (strcmp(arg, "obd") != 0)
            return ope_fail(err, OPE_EUSAGE, "unknown --preset '%s' (known: obd)", arg);
        /* Only roles the user has not mapped yet: presets never override --map. */
        if (!o->role_column[ROLE_ACTION])
            o->role_column[ROLE_ACTION] = "item_id";
        if (!o->role_column[ROLE_REWARD])
            o->role_column[ROLE_REWARD] = "click";
        if (!o->role_column[ROLE_PSCORE])
            o->role_column[ROLE_PSCORE] = "propensity_score";
        if (!o->context_pattern)
            o->context_pattern = LOADCLI_OBD_CONTEXT;
        return 1;
    default:
        return 0;
    }
}
