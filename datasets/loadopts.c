/* datasets/loadopts.c: column-role options and their defaults. */
#include "config.h"
#include "datasets/loadopts.h"

#include <string.h>

static const char *const role_names[ROLE_COUNT] = {
    "action", "reward", "pscore", "position", "episode", "step", "state", "done"
};

void load_opts_init(struct load_opts *o)
{
    memset(o, 0, sizeof *o);
    o->sep = ',';
    o->position_base = -1;
}

const char *log_role_name(enum log_role r)
{
    return (unsigned)r < ROLE_COUNT ? role_names[r] : "?";
}

const char *log_role_default_column(enum log_role r)
{
    return log_role_name(r);    /* every default column is named after its role */
}

int load_opts_map(struct load_opts *o, const char *arg, struct ope_error *err)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return ope_fail(err, OPE_EUSAGE,
                        "--map expects ROLE=COLUMN (e.g. --map reward=click), got '%s'", arg);
    size_t n = (size_t)(eq - arg);
    for (int r = 0; r < ROLE_COUNT; r++) {
        if (strlen(role_names[r]) == n && strncmp(role_names[r], arg, n) == 0) {
            o->role_column[r] = eq + 1;
            return 0;
        }
    }
    return ope_fail(err, OPE_EUSAGE,
                    "--map: unknown role '%.*s'; roles are action, reward, pscore, position, "
                    "episode, step, state, done (patterns: --policy-columns, --qhat-columns, "
                    "--context-columns, --truth-columns)", (int)n, arg);
}

const char *load_opts_column(const struct load_opts *o, enum log_role r)
{
    return o->role_column[r] ? o->role_column[r] : log_role_default_column(r);
}
