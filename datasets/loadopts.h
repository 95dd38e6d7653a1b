/* datasets/loadopts.h: how a log's columns are found, shared by every loader and set
 * from the command line (--sep, --map ROLE=COLUMN, --*-columns patterns,
 * --position-base, --n-actions). Defaults are those of ../shared/spec/formats.md. */
#ifndef DATASETS_LOADOPTS_H
#define DATASETS_LOADOPTS_H

#include "ope/base/error.h"

/* Single-column roles, found by name. */
enum log_role {
    ROLE_ACTION, ROLE_REWARD, ROLE_PSCORE, ROLE_POSITION,
    ROLE_EPISODE, ROLE_STEP, ROLE_STATE, ROLE_DONE,
    ROLE_COUNT
};

/* Default patterns of the multi-column roles (formats.md). */
#define LOG_DEFAULT_POLICY_PATTERN \
    "^pi\\.(?<policy>[A-Za-z][A-Za-z0-9_-]*)\\.(?<action>\\d+)(?:@(?<position>\\d+))?$"
#define LOG_DEFAULT_QHAT_PATTERN "^qhat\\.(?<action>\\d+)(?:@(?<position>\\d+))?$"
#define LOG_DEFAULT_TRUTH_PATTERN "^q\\.(?<action>\\d+)(?:@(?<position>\\d+))?$"
#define LOG_DEFAULT_CONTEXT_PATTERN "^x\\d+$"
#define LOG_DEFAULT_STATE_FEATURE_PATTERN "^s\\d+$"

#define LOG_MAX_MAPS 16

struct load_opts {
    char sep;                           /* field separator, default ',' */
    const char *role_column[ROLE_COUNT];/* column name per role (NULL: default name) */
    const char *policy_pattern;         /* NULL: default */
    const char *qhat_pattern;
    const char *truth_pattern;
    const char *context_pattern;
    const char *state_feature_pattern;
    int position_base;                  /* -1: detect (0 if any position is 0, else 1) */
    int n_actions;                      /* 0: infer as max+1 over actions and policy columns */
    int want_policies;                  /* 1: policy columns are required (eval) */
    int threads;                        /* parsing threads; 0: ope_default_threads() */
    int stream;                         /* --stream: read the log in windows */
    /* blog_stream_open hands a trajectory log back (blog_stream_trajectory) instead of
     * refusing it: a pipe's header is read once, by whichever stream reads it. */
    int stream_handoff;
    unsigned long long memory_limit;    /* --memory-limit bytes; 0: a quarter of RAM */
    /* --reparse: a streamed log's later passes parse it again instead of reading back
     * the first pass's parsed rows (blog_stream_cache.h). */
    int reparse;
};

/* Defaults of formats.md. */
void load_opts_init(struct load_opts *o);

/* Name of a role as used by --map ("action", "reward", ...), and its default column. */
const char *log_role_name(enum log_role r);
const char *log_role_default_column(enum log_role r);

/* Apply one --map ROLE=COLUMN argument (arg is kept by pointer, not copied).
 * Usage error (OPE_EUSAGE) for an unknown role or a missing '='. */
int load_opts_map(struct load_opts *o, const char *arg, struct ope_error *err);

/* The column name of a role after --map. */
const char *load_opts_column(const struct load_opts *o, enum log_role r);

#endif
