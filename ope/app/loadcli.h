/* ope/app/loadcli.h: the command-line options that say how a log's columns are read
 * (--sep, --map, --*-columns, --position-base, --n-actions), shared by every command
 * that loads a log (`ope info`, `ope eval`, ...), with their help text. */
#ifndef OPE_LOADCLI_H
#define OPE_LOADCLI_H

#include <getopt.h>
#include "datasets/loadopts.h"
#include "ope/base/error.h"

/* getopt_long codes of the load options (above any short option character). */
enum {
    LOADCLI_SEP = 0x4c00, LOADCLI_MAP, LOADCLI_POLICY_COLUMNS, LOADCLI_QHAT_COLUMNS,
    LOADCLI_CONTEXT_COLUMNS, LOADCLI_TRUTH_COLUMNS, LOADCLI_POSITION_BASE,
    LOADCLI_N_ACTIONS, LOADCLI_PRESET, LOADCLI_STREAM, LOADCLI_MEMORY_LIMIT,
    LOADCLI_REPARSE
};

/* Entries to splice into a command's struct option table (before its {0} end). */
#define LOADCLI_OPTIONS \
    { "sep", required_argument, NULL, LOADCLI_SEP }, \
    { "map", required_argument, NULL, LOADCLI_MAP }, \
    { "policy-columns", required_argument, NULL, LOADCLI_POLICY_COLUMNS }, \
    { "qhat-columns", required_argument, NULL, LOADCLI_QHAT_COLUMNS }, \
    { "context-columns", required_argument, NULL, LOADCLI_CONTEXT_COLUMNS }, \
    { "truth-columns", required_argument, NULL, LOADCLI_TRUTH_COLUMNS }, \
    { "position-base", required_argument, NULL, LOADCLI_POSITION_BASE }, \
    { "n-actions", required_argument, NULL, LOADCLI_N_ACTIONS }, \
    { "preset", required_argument, NULL, LOADCLI_PRESET }

/* Help text of those options, to paste into a command's help (ends with a newline). */
#define LOADCLI_HELP \
"Reading the log (see also ope help formats):\n" \
"  --sep C               field separator: one character, or 'tab' (default ',')\n" \
"  --map ROLE=COLUMN     read ROLE from COLUMN; roles: action, reward, pscore,\n" \
"                        position, episode, step, state, done (repeatable)\n" \
"  --policy-columns RE   PCRE2 pattern of evaluation policy columns, with named\n" \
"                        groups policy, action and optional position (default\n" \
"                        ^pi\\.(?<policy>[A-Za-z][A-Za-z0-9_-]*)\\.(?<action>\\d+)\n" \
"                        (?:@(?<position>\\d+))?$)\n" \
"  --qhat-columns RE     pattern of reward-model columns (default\n" \
"                        ^qhat\\.(?<action>\\d+)(?:@(?<position>\\d+))?$)\n" \
"  --truth-columns RE    pattern of true expected reward columns (default\n" \
"                        ^q\\.(?<action>\\d+)(?:@(?<position>\\d+))?$)\n" \
"  --context-columns RE  pattern of context columns (default ^x\\d+$; for\n" \
"                        trajectories, of state features, default ^s\\d+$)\n" \
"  --position-base 0|1   the first slot's number in the position column (default:\n" \
"                        0 if any position is 0, else 1); @P in column names uses\n" \
"                        the same numbering\n" \
"  --n-actions A         number of actions (default: 1 + the largest action in the\n" \
"                        action column and in policy/qhat/q column names)\n" \
"  --preset obd          the Open Bandit Dataset's column names: action=item_id,\n" \
"                        reward=click, pscore=propensity_score, context =\n" \
"                        user_feature_* (later --map/--*-columns still apply)\n"

/* Reading a log larger than memory in windows (issue 17): only the commands that can
 * stream splice these entries and paste this help (loadcli_option parses them for
 * every command, into o->stream and o->memory_limit). */
#define LOADCLI_STREAM_OPTIONS \
    { "stream", no_argument, NULL, LOADCLI_STREAM }, \
    { "memory-limit", required_argument, NULL, LOADCLI_MEMORY_LIMIT }, \
    { "reparse", no_argument, NULL, LOADCLI_REPARSE }

#define LOADCLI_STREAM_HELP \
"Reading a log larger than memory (a trajectory log in windows of episodes):\n" \
"  --stream              read the log in windows of rows, one pass after another,\n" \
"                        so memory does not grow with its rows (standard input\n" \
"                        or a pipe is copied to a temporary file in $TMPDIR); a\n" \
"                        reward model (no qhat.* columns) is fitted in passes of\n" \
"                        its own, with the in-memory fit's folds and results\n" \
"  --memory-limit N      stream when the input is larger than N bytes (whole; or\n" \
"                        K, M, G, binary, with an optional fraction: 512M, 1.5G,\n" \
"                        rounded down to a byte; a gzip or zstd file counts 4\n" \
"                        times its size; pipes stream only with --stream)\n" \
"                        (default: a quarter of RAM, shared by the mpirun ranks\n" \
"                        on one machine)\n" \
"  --reparse             parse the log again at every pass, instead of reading\n" \
"                        back the rows the first pass parsed, which are kept in\n" \
"                        $TMPDIR (8 bytes a number; none on a tmpfs or a nearly\n" \
"                        full file system)\n"

/* Column patterns of the presets. */
#define LOADCLI_OBD_CONTEXT "^user_feature_\\d+$"

/* Apply option opt with argument arg to o. Returns 1 when opt is a load option and
 * was applied, 0 when opt is not a load option, -1 on a bad value (err filled,
 * OPE_EUSAGE). Arguments are kept by pointer (argv outlives the load). */
int loadcli_option(struct load_opts *o, int opt, const char *arg, struct ope_error *err);

/* Should the log of paths[0..n-1] be read in windows? 1 with --stream, or when the
 * inputs' size (a compressed file counting 4 times its size; standard input, pipes
 * and FIFOs counting 0, their size being unknown) is above loadcli_memory_limit; 0
 * otherwise. */
int loadcli_stream_wanted(const struct load_opts *o, const char *const *paths, size_t n);

/* The kind of a log about to be streamed, told from its header when path is a regular
 * file (a pipe cannot be read twice: the stream's own first pass refuses a trajectory
 * log): 1, a bandit log; 2, not told (a pipe); 0, read it whole (a trajectory log past
 * --memory-limit, or a file the sniff cannot read: the whole-log reading says what is
 * wrong); -1 with err (OPE_EUSAGE) for a trajectory log with --stream, "which
 * <whole_by> whole: drop --stream". */
int loadcli_stream_kind(const struct load_opts *o, const char *path, const char *whole_by,
                        struct ope_error *err);

/* --memory-limit, or a quarter of the physical memory (sysconf), in bytes; under
 * mpirun, that quarter shared by the ranks on this machine (comm_node_size). */
unsigned long long loadcli_memory_limit(const struct load_opts *o);

/* The most a reward model's normal equations may hold (rm_opts.max_bytes): three
 * quarters of the machine's memory, whatever --memory-limit says (a model is not read
 * in windows: its K x A models are held at once), shared by the mpirun ranks on this
 * machine (each holds its own); 0 when unknown (no budget). */
unsigned long long loadcli_model_budget(void);

#endif
