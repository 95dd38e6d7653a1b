/* datasets/roles.h: shared by the bandit and trajectory loaders: which header column
 * plays which role (single roles by name after --map, multi-column roles by PCRE2
 * patterns with named groups), and the checked parsing of one field into a number
 * with the file:line:column message formats.md asks for. */
#ifndef DATASETS_ROLES_H
#define DATASETS_ROLES_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/csv.h"
#include "datasets/loadopts.h"

/* What a header column is used for. */
enum roles_use {
    USE_NONE,       /* not recognised: ignored (kept for `info`) */
    USE_SINGLE,     /* a single role (action, reward, ...) */
    USE_POLICY,     /* pi.NAME.A[@P] */
    USE_QHAT,       /* qhat.A[@P] */
    USE_TRUTH,      /* q.A[@P] */
    USE_CONTEXT,    /* x0, x1, ... (bandit) */
    USE_FEATURE     /* s0, s1, ... (trajectories) */
};

struct roles_col {
    enum roles_use use;
    int role;       /* USE_SINGLE: an enum log_role */
    int policy;     /* USE_POLICY: index into roles.policy_name */
    int action;     /* USE_POLICY/QHAT/TRUTH: the action index in the name */
    long position;  /* @position as written in the name, or -1 */
};

struct roles {
    const char *path;       /* for messages (not owned) */
    int trajectory;         /* resolved for a trajectory log */
    size_t n_cols;
    char **name;            /* [n_cols] header names as read */
    struct roles_col *col;  /* [n_cols] */
    int single[ROLE_COUNT]; /* column of each single role, or -1 */
    size_t n_policies;
    char **policy_name;     /* [n_policies] in order of first column */
    int max_action;         /* largest action index in a column name, -1 if none */
    size_t n_qhat, n_truth, n_context, n_feature, n_policy_cols;
};

/* Resolve a header. Errors: OPE_EUSAGE for a pattern that does not compile (PCRE2's
 * message and offset) or lacks its named groups, a --map naming a column that is
 * absent; OPE_EDATA for a duplicated column name or a missing required role. */
int roles_resolve(struct roles *r, const struct csv_field *hdr, size_t n,
                  const struct load_opts *o, int trajectory, const char *path,
                  struct ope_error *err);

/* Free the insides of r (r itself is the caller's). Safe on a zeroed struct. */
void roles_release(struct roles *r);

/* A description of column j's role for `info` ("pscore", "policy bts, action 3 @1",
 * "ignored"); malloc'ed, NULL on OOM. */
char *roles_describe(const struct roles *r, size_t j);

/* Does the header of names[0..n) have episode and step columns (after --map)? */
int roles_header_is_trajectory(const char *const *names, size_t n, const struct load_opts *o);

/* The hint that ends a bad-value message for column j ("fix the column or map another
 * one with --map pscore=COLUMN"). */
const char *roles_hint(const struct roles *r, size_t j, char *buf, size_t size);

/* Fail with "FILE:LINE:COL: column 'NAME': saw 'VALUE', expected WHAT; HINT".
 * Returns -1. */
int roles_bad_value(const struct roles *r, size_t j, const struct csv_field *f,
                    const char *what, struct ope_error *err);

/* Parse field f of column j as a finite number in [lo, hi] (lo excluded when
 * lo_open); what is the expectation for the message. 0 or -1 with err. */
/* The largest reward magnitude a log may hold (rewards, q.* and qhat.* columns).
 * An estimate is a sum of n weighted rewards and its interval a sum of their squares:
 * with |r| <= 1e100 the squares stay below 1e200, so no sum of a log that fits in
 * memory overflows a double (1e308) through the rewards; a larger value is refused with
 * its file:line:column rather than turned into an infinite or NaN estimate. */
#define ROLES_REWARD_MAX 1e100
#define ROLES_REWARD_WHAT "a finite number of magnitude at most 1e100 (rescale larger " \
    "rewards: their sums and squares would overflow)"

int roles_double(const struct roles *r, size_t j, const struct csv_field *f,
                 double lo, double hi, int lo_open, const char *what, double *out,
                 struct ope_error *err);

/* Parse field f of column j as an integer in [lo, hi]. 0 or -1 with err. */
int roles_long(const struct roles *r, size_t j, const struct csv_field *f,
               long lo, long hi, const char *what, long *out, struct ope_error *err);

/* Check a data record's field count against the header. 0 or -1 with err. */
int roles_check_width(const struct roles *r, const struct csv_field *f, size_t n,
                      size_t line, struct ope_error *err);

/* Is this record a blank line (one empty unquoted field)? Blank lines are skipped. */
int roles_blank_record(const struct csv_field *f, size_t n);

/* The distinct strings of a categorical column, in order of first appearance, with
 * a hash index so that adding a value is O(1). */
struct roles_levels {
    size_t n;           /* levels so far */
    char **level;       /* [n] NUL-terminated copies */
    size_t *len;        /* [n] */
    size_t cap;         /* allocated entries of level/len */
    int *slot;          /* hash table of level indices, -1 empty */
    size_t n_slots;     /* a power of two, at least 2n */
};

/* The code of s[0..len) (adding it as a new level if unseen), or -1 on OOM. */
int roles_levels_code(struct roles_levels *lv, const char *s, size_t len,
                      struct ope_error *err);

/* Free the hash index and, unless the caller took them (set lv->level = NULL), the
 * level strings. */
void roles_levels_release(struct roles_levels *lv);

/* Write s into buf for a message: non-printable bytes as \xNN, cut at ~48 bytes. */
const char *roles_quote(const char *s, size_t len, char *buf, size_t size);

#endif
