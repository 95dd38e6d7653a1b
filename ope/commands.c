/* ope/commands.c: the list of subcommands. A new command is one file plus one line. */
#include "config.h"
#include "ope/cmd.h"
#include "ope/base/closest.h"

#include <string.h>

extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_info_entry;
extern const struct cmd_entry cmd_ingest_entry;
extern const struct cmd_entry cmd_eval_entry;
extern const struct cmd_entry cmd_merge_entry;
extern const struct cmd_entry cmd_gate_entry;
extern const struct cmd_entry cmd_plan_entry;
extern const struct cmd_entry cmd_gen_entry;
extern const struct cmd_entry cmd_tui_entry;
extern const struct cmd_entry cmd_plot_entry;
extern const struct cmd_entry cmd_demo_entry;
extern const struct cmd_entry cmd_explore_entry;
extern const struct cmd_entry cmd_select_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_train_entry;

const struct cmd_entry *const ope_commands[] = {
    &cmd_help_entry,
    &cmd_info_entry,
    &cmd_eval_entry,
    &cmd_merge_entry,
    &cmd_gate_entry,
    &cmd_plan_entry,
    &cmd_gen_entry,
    &cmd_ingest_entry,
    &cmd_tui_entry,
    &cmd_plot_entry,
    &cmd_demo_entry,
    &cmd_select_entry,
    &cmd_report_entry,
    &cmd_explore_entry,
    &cmd_train_entry,
    NULL
};

const struct cmd_entry *cmd_find(const char *name)
{
    for (size_t i = 0; ope_commands[i]; i++)
        if (strcmp(ope_commands[i]->name, name) == 0)
            return ope_commands[i];
    return NULL;
}

const char *cmd_closest(const char *typed)
{
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; ope_commands[i] && n < 64; i++)
        names[n++] = ope_commands[i]->name;
    return ope_closest(typed, names, n);
}
