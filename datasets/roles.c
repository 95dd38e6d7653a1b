/* datasets/roles.c: header resolution (which column plays which role) and the checked
 * parsing of fields with the messages of formats.md, shared by blog_load and
 * tlog_load. Patterns are PCRE2 with named groups policy, action and position. */
#include "config.h"
#include "datasets/roles.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLES_MAX_ACTION 1000000L   /* largest action index accepted in a column name */

/* One compiled multi-column pattern. */
struct pat {
    pcre2_code *code;
    pcre2_match_data *md;
    int g_policy, g_action, g_position;     /* group numbers, or -1 */
};

static void pat_release(struct pat *p)
{
    pcre2_match_data_free(p->md);
    pcre2_code_free(p->code);
    p->code = NULL;
    p->md = NULL;
}

static int group_number(const pcre2_code *c, const char *name)
{
    int g = pcre2_substring_number_from_name(c, (PCRE2_SPTR)name);
    return g > 0 ? g : -1;
}

/* Compile a pattern given by option opt; need_policy/need_action say which named
 * groups it must have. */
static int pat_compile(struct pat *p, const char *re, const char *opt, int need_policy,
                       int need_action, struct ope_error *err)
{
    int ec;
    PCRE2_SIZE off;
    memset(p, 0, sizeof *p);
    p->code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &off, NULL);
    if (!p->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return ope_fail(err, OPE_EUSAGE, "%s '%s': %s at offset %zu", opt, re,
                        (const char *)msg, (size_t)off);
    }
    p->md = pcre2_match_data_create_from_pattern(p->code, NULL);
    if (!p->md) {
        pat_release(p);
        return ope_fail_oom(err);
    }
    p->g_policy = group_number(p->code, "policy");
    p->g_action = group_number(p->code, "action");
    p->g_position = group_number(p->code, "position");
    if ((need_policy && p->g_policy < 0) || (need_action && p->g_action < 0)) {
        pat_release(p);
        return ope_fail(err, OPE_EUSAGE, "%s '%s': the pattern needs the named group%s %s "
                        "(e.g. (?<action>\\d+))", opt, re, need_policy ? "s" : "",
                        need_policy ? "(?<policy>...) and (?<action>...)" : "(?<action>...)");
    }
    return 0;
}

/* Match name; returns 1 on a match, 0 on none. */
static int pat_match(struct pat *p, const char *name)
{
    if (!p->code)
        return 0;
    return pcre2_match(p->code, (PCRE2_SPTR)name, strlen(name), 0, 0, p->md, NULL) >= 0;
}

/* The text of group g after a match, or NULL when unset. */
static const char *pat_group(struct pat *p, const char *name, int g, size_t *len)
{
    if (g < 0 || (uint32_t)g >= pcre2_get_ovector_count(p->md))
        return NULL;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
    if (ov[2 * g] == PCRE2_UNSET)
        return NULL;
    *len = ov[2 * g + 1] - ov[2 * g];
    return name + ov[2 * g];
}

/* A group holding an index: decimal digits, 0..ROLES_MAX_ACTION. -1 when unset. */
static int group_index(struct pat *p, const char *name, int g, const char *path,
                       const char *what, long *out, struct ope_error *err)
{
    size_t len = 0;
    const char *s = pat_group(p, name, g, &len);
    *out = -1;
    if (!s)
        return 0;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > ROLES_MAX_ACTION)
            return ope_fail(err, OPE_EDATA, "%s:1: column '%s': the %s part '%.*s' is not "
                            "an index from 0 to %ld", path, name, what, (int)len, s,
                            ROLES_MAX_ACTION);
        v = v * 10 + (s[i] - '0');
    }
    if (len == 0 || v > ROLES_MAX_ACTION)
        return ope_fail(err, OPE_EDATA, "%s:1: column '%s': the %s part '%.*s' is not an "
                        "index from 0 to %ld", path, name, what, (int)len, s, ROLES_MAX_ACTION);
    *out = v;
    return 0;
}

const char *roles_quote(const char *s, size_t len, char *buf, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 8 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i >= 48) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c == 0x7f || c >= 0x80)
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
        else if (c == '\'' || c == '\\')
            o += (size_t)snprintf(buf + o, size - o, "\\%c", c);
        else
            buf[o++] = (char)c;
    }
    buf[o] = '\0';
    return buf;
}

/* The header's columns as a list for messages, cut after a dozen. */
static void list_columns(const struct roles *r, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < r->n_cols && o + 64 < size; j++) {
        if (j == 12) {
            snprintf(buf + o, size - o, ", ... (%zu columns)", r->n_cols);
            return;
        }
        char q[80];
        o += (size_t)snprintf(buf + o, size - o, "%s'%s'", j ? ", " : "",
                              roles_quote(r->name[j], strlen(r->name[j]), q, sizeof q));
    }
}

static int missing_role(const struct roles *r, enum log_role role, const struct load_opts *o,
                        const char *extra, struct ope_error *err)
{
    char cols[1024];
    list_columns(r, cols, sizeof cols);
    const char *name = load_opts_column(o, role);
    return ope_fail(err, OPE_EDATA, "%s:1: no column '%s' for the %s role%s%s; the header "
                    "has %s; name the right one with --map %s=COLUMN", r->path, name,
                    log_role_name(role), o->role_column[role] ? " (from --map)" : "",
                    extra ? extra : "", cols, log_role_name(role));
}

/* A hash of the names seen so far (the levels of roles_levels): linear in the number
 * of columns, where comparing every pair took 49 s on 200,000 columns. */
static int check_duplicates(const struct roles *r, struct ope_error *err)
{
    struct roles_levels lv;
    memset(&lv, 0, sizeof lv);
    /* A carriage return inside a header name: lines that end in CR alone (an old Mac
     * file), so the whole file reads as one line; say that, not what follows from it. */
    for (size_t k = 0; k < r->n_cols; k++)
        if (strchr(r->name[k], '\r'))
            return ope_fail(err, OPE_EDATA, "%s:1: a carriage return inside column %zu's "
                            "name: the lines end in CR alone (not LF or CR LF), so the file "
                            "reads as one line; convert them (tr '\\r' '\\n' < IN > OUT)",
                            r->path, k + 1);
    size_t *first = ope_malloc((r->n_cols ? r->n_cols : 1) * sizeof *first, err);
    int rc = first ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < r->n_cols; k++) {
        if (!r->name[k][0])
            continue;       /* unnamed columns (an index column) may repeat */
        size_t before = lv.n;
        int code = roles_levels_code(&lv, r->name[k], strlen(r->name[k]), err);
        if (code < 0)
            rc = -1;
        else if (lv.n > before)
            first[code] = k;
        else {
            char q[256], *end;
            /* A number named twice is a data row read as the header: a part of a log cut
             * by split (or tail) lost it, which renaming would not mend. */
            (void)strtod(r->name[k], &end);
            int numeric = end != r->name[k] && *end == '\0';
            rc = ope_fail(err, OPE_EDATA, "%s:1: column name '%s' appears twice (columns %zu "
                          "and %zu); %s", r->path,
                          roles_quote(r->name[k], strlen(r->name[k]), q, sizeof q),
                          first[code] + 1, k + 1,
                          numeric ? "the first line holds numbers: is the header missing? "
                                    "(a log cut with split keeps it in the first part only: "
                                    "put the header line first in every part)"
                                  : "rename one so roles are unambiguous");
        }
    }
    free(first);
    roles_levels_release(&lv);
    return rc;
}

static int add_policy(struct roles *r, const char *s, size_t len, struct ope_error *err)
{
    for (size_t p = 0; p < r->n_policies; p++)
        if (strlen(r->policy_name[p]) == len && memcmp(r->policy_name[p], s, len) == 0)
            return (int)p;
    char **np = ope_realloc(r->policy_name, (r->n_policies + 1) * sizeof *np, err);
    if (!np)
        return -1;
    r->policy_name = np;
    if (!(np[r->n_policies] = ope_strndup(s, len, err)))
        return -1;
    return (int)r->n_policies++;
}

/* Classify column j by the multi-column patterns (pats: policy, qhat, truth, ctx). */
static int classify(struct roles *r, size_t j, struct pat *pats, struct ope_error *err)
{
    static const enum roles_use uses[4] = { USE_POLICY, USE_QHAT, USE_TRUTH, USE_CONTEXT };
    const char *nm = r->name[j];
    struct roles_col *c = &r->col[j];
    for (int k = 0; k < 4; k++) {
        struct pat *p = &pats[k];
        if (!pat_match(p, nm))
            continue;
        c->use = uses[k];
        if (k == 3) {
            if (r->trajectory)
                c->use = USE_FEATURE, r->n_feature++;
            else
                r->n_context++;
            return 0;
        }
        long a, pos;
        if (group_index(p, nm, p->g_action, r->path, "action", &a, err) < 0 ||
            group_index(p, nm, p->g_position, r->path, "position", &pos, err) < 0)
            return -1;
        if (a < 0)
            return ope_fail(err, OPE_EUSAGE, "column '%s' matched a pattern whose "
                            "(?<action>...) group did not take part", nm);
        if (pos >= 0 && r->trajectory)
            return ope_fail(err, OPE_EDATA, "%s:1: column '%s': a trajectory log has no "
                            "positions; drop the '@%ld' suffix", r->path, nm, pos);
        c->action = (int)a;
        c->position = pos;
        if (c->action > r->max_action)
            r->max_action = c->action;
        if (k == 0) {
            size_t len = 0;
            const char *s = pat_group(p, nm, p->g_policy, &len);
            if (!s || len == 0)
                return ope_fail(err, OPE_EUSAGE, "column '%s' matched --policy-columns "
                                "but its (?<policy>...) group is empty", nm);
            if ((c->policy = add_policy(r, s, len, err)) < 0)
                return -1;
            r->n_policy_cols++;
        } else if (k == 1) {
            r->n_qhat++;
        } else {
            r->n_truth++;
        }
        return 0;
    }
    return 0;
}

static int compile_all(struct pat *pats, const struct load_opts *o, int trajectory,
                       struct ope_error *err)
{
    memset(pats, 0, 4 * sizeof *pats);
    if (pat_compile(&pats[0], o->policy_pattern ? o->policy_pattern
                    : LOG_DEFAULT_POLICY_PATTERN, "--policy-columns", 1, 1, err) < 0)
        return -1;
    if (!trajectory) {
        if (pat_compile(&pats[1], o->qhat_pattern ? o->qhat_pattern
                        : LOG_DEFAULT_QHAT_PATTERN, "--qhat-columns", 0, 1, err) < 0 ||
            pat_compile(&pats[2], o->truth_pattern ? o->truth_pattern
                        : LOG_DEFAULT_TRUTH_PATTERN, "--truth-columns", 0, 1, err) < 0 ||
            pat_compile(&pats[3], o->context_pattern ? o->context_pattern
                        : LOG_DEFAULT_CONTEXT_PATTERN, "--context-columns", 0, 0, err) < 0)
            return -1;
    } else if (pat_compile(&pats[3], o->state_feature_pattern ? o->state_feature_pattern
                           : LOG_DEFAULT_STATE_FEATURE_PATTERN, "--context-columns", 0, 0,
                           err) < 0) {
        return -1;
    }
    return 0;
}

static int check_required(struct roles *r, const struct load_opts *o, struct ope_error *err)
{
    static const enum log_role bandit_req[] = { ROLE_ACTION, ROLE_REWARD, ROLE_PSCORE };
    static const enum log_role traj_req[] = { ROLE_EPISODE, ROLE_STEP, ROLE_ACTION,
                                              ROLE_REWARD, ROLE_PSCORE };
    const enum log_role *req = r->trajectory ? traj_req : bandit_req;
    size_t nreq = r->trajectory ? 5 : 3;
    for (size_t k = 0; k < nreq; k++)
        if (r->single[req[k]] < 0)
            return missing_role(r, req[k], o, NULL, err);
    if (r->trajectory && r->single[ROLE_STATE] < 0 && r->n_feature == 0)
        return missing_role(r, ROLE_STATE, o, " and no state feature columns (s0, s1, ...)",
                            err);
    /* An optional role the user named with --map must exist too. */
    for (int k = 0; k < ROLE_COUNT; k++)
        if (o->role_column[k] && r->single[k] < 0 &&
            (r->trajectory || (k != ROLE_EPISODE && k != ROLE_STEP && k != ROLE_STATE &&
                               k != ROLE_DONE)))
            return missing_role(r, (enum log_role)k, o, NULL, err);
    return 0;
}

int roles_resolve(struct roles *r, const struct csv_field *hdr, size_t n,
                  const struct load_opts *o, int trajectory, const char *path,
                  struct ope_error *err)
{
    struct pat pats[4];
    memset(r, 0, sizeof *r);
    memset(pats, 0, sizeof pats);
    r->path = path;
    r->trajectory = trajectory;
    r->max_action = -1;
    for (int k = 0; k < ROLE_COUNT; k++)
        r->single[k] = -1;
    if (!(r->name = ope_calloc(n, sizeof *r->name, err)) ||
        !(r->col = ope_calloc(n, sizeof *r->col, err)))
        return -1;
    r->n_cols = n;
    for (size_t j = 0; j < n; j++) {
        /* A NUL byte would cut the name short everywhere it is used (roles, patterns,
         * messages), silently: refuse it here, where both kinds of log pass. */
        const char *nul = memchr(hdr[j].s, '\0', hdr[j].len);
        /* A shard's state (ope eval --save-state) given as a log: say what it is. */
        if (nul && j == 0 && hdr[j].len >= 8 && memcmp(hdr[j].s, "OPESTATE", 8) == 0)
            return ope_fail(err, OPE_EDATA, "%s: a state saved by ope eval --save-state, not "
                            "a log: give the states to ope merge (ope merge S1.state "
                            "S2.state ...)", path);
        if (nul) {
            char q[256];
            return ope_fail(err, OPE_EDATA, "%s:1:%zu: column %zu's name '%s' holds a NUL byte; "
                            "expected a name of printable characters: fix the header (a "
                            "binary or UTF-16 file?)", path, hdr[j].col + (size_t)(nul - hdr[j].s),
                            j + 1, roles_quote(hdr[j].s, hdr[j].len, q, sizeof q));
        }
        if (!(r->name[j] = ope_strndup(hdr[j].s, hdr[j].len, err)))
            return -1;
        r->col[j].position = -1;
    }
    if (check_duplicates(r, err) < 0)
        return -1;
    for (int k = 0; k < ROLE_COUNT; k++) {
        if (!trajectory && (k == ROLE_EPISODE || k == ROLE_STEP || k == ROLE_STATE ||
                            k == ROLE_DONE))
            continue;
        if (trajectory && k == ROLE_POSITION)
            continue;
        const char *want = load_opts_column(o, (enum log_role)k);
        for (size_t j = 0; j < n; j++) {
            if (strcmp(r->name[j], want) != 0)
                continue;
            if (r->col[j].use == USE_SINGLE)
                return ope_fail(err, OPE_EUSAGE, "column '%s' is given two roles, %s and %s; "
                                "check the --map options", want,
                                log_role_name((enum log_role)r->col[j].role),
                                log_role_name((enum log_role)k));
            r->col[j].use = USE_SINGLE;
            r->col[j].role = k;
            r->single[k] = (int)j;
            break;
        }
    }
    int rc = compile_all(pats, o, trajectory, err);
    for (size_t j = 0; rc == 0 && j < n; j++)
        if (r->col[j].use == USE_NONE && r->name[j][0])
            rc = classify(r, j, pats, err);
    for (int k = 0; k < 4; k++)
        pat_release(&pats[k]);
    if (rc < 0)
        return -1;
    return check_required(r, o, err);
}

void roles_release(struct roles *r)
{
    for (size_t j = 0; r->name && j < r->n_cols; j++)
        free(r->name[j]);
    free(r->name);
    free(r->col);
    for (size_t p = 0; p < r->n_policies; p++)
        free(r->policy_name[p]);
    free(r->policy_name);
    memset(r, 0, sizeof *r);
}

char *roles_describe(const struct roles *r, size_t j)
{
    char buf[256], pos[32] = "";
    const struct roles_col *c = &r->col[j];
    if (c->position >= 0)
        snprintf(pos, sizeof pos, " @%ld", c->position);
    switch (c->use) {
    case USE_SINGLE:
        snprintf(buf, sizeof buf, "%s", log_role_name((enum log_role)c->role));
        break;
    case USE_POLICY:
        snprintf(buf, sizeof buf, "policy %s, action %d%s", r->policy_name[c->policy],
                 c->action, pos);
        break;
    case USE_QHAT:
        snprintf(buf, sizeof buf, "reward model, action %d%s", c->action, pos);
        break;
    case USE_TRUTH:
        snprintf(buf, sizeof buf, "true reward, action %d%s", c->action, pos);
        break;
    case USE_CONTEXT:
        snprintf(buf, sizeof buf, "context");
        break;
    case USE_FEATURE:
        snprintf(buf, sizeof buf, "state feature");
        break;
    default:
        snprintf(buf, sizeof buf, "%s", r->name[j][0] ? "ignored" : "ignored (unnamed)");
        break;
    }
    return strdup(buf);
}

int roles_header_is_trajectory(const char *const *names, size_t n, const struct load_opts *o)
{
    const char *ep = load_opts_column(o, ROLE_EPISODE), *st = load_opts_column(o, ROLE_STEP);
    int has_ep = 0, has_st = 0;
    for (size_t j = 0; j < n; j++) {
        has_ep |= strcmp(names[j], ep) == 0;
        has_st |= strcmp(names[j], st) == 0;
    }
    return has_ep && has_st;
}

const char *roles_hint(const struct roles *r, size_t j, char *buf, size_t size)
{
    const struct roles_col *c = &r->col[j];
    static const char *const opt[] = { "", "", "--policy-columns", "--qhat-columns",
                                       "--truth-columns", "--context-columns",
                                       "--context-columns" };
    if (c->use == USE_SINGLE)
        snprintf(buf, size, "fix the column or map another one with --map %s=COLUMN",
                 log_role_name((enum log_role)c->role));
    else
        snprintf(buf, size, "fix the column or leave it out with %s PATTERN", opt[c->use]);
    return buf;
}

int roles_bad_value(const struct roles *r, size_t j, const struct csv_field *f,
                    const char *what, struct ope_error *err)
{
    char q[256], h[128], nm[128];
    roles_quote(r->name[j], strlen(r->name[j]), nm, sizeof nm);
    roles_hint(r, j, h, sizeof h);
    if (f->len == 0)
        return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column '%s': saw an empty field, "
                        "expected %s; %s", r->path, f->line, f->col, nm, what, h);
    return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column '%s': saw '%s', expected %s; %s",
                    r->path, f->line, f->col, nm, roles_quote(f->s, f->len, q, sizeof q),
                    what, h);
}

int roles_double(const struct roles *r, size_t j, const struct csv_field *f,
                 double lo, double hi, int lo_open, const char *what, double *out,
                 struct ope_error *err)
{
    double v;
    if (csv_parse_double(f->s, f->len, &v) != 0 || v < lo || v > hi || (lo_open && v == lo))
        return roles_bad_value(r, j, f, what, err);
    *out = v;
    return 0;
}

int roles_long(const struct roles *r, size_t j, const struct csv_field *f,
               long lo, long hi, const char *what, long *out, struct ope_error *err)
{
    if (csv_parse_long(f->s, f->len, lo, hi, out) != 0)
        return roles_bad_value(r, j, f, what, err);
    return 0;
}

int roles_check_width(const struct roles *r, const struct csv_field *f, size_t n,
                      size_t line, struct ope_error *err)
{
    if (n == r->n_cols)
        return 0;
    if (n < r->n_cols)
        return ope_fail(err, OPE_EDATA, "%s:%zu: the row has %zu field%s but the header has "
                        "%zu (column '%s' and after are missing); every row needs one field "
                        "per header column", r->path, line, n, n == 1 ? "" : "s", r->n_cols,
                        r->name[n]);
    return ope_fail(err, OPE_EDATA, "%s:%zu:%zu: the row has %zu fields but the header has "
                    "%zu; quote fields that contain the separator", r->path, line,
                    f[r->n_cols].col, n, r->n_cols);
}

int roles_blank_record(const struct csv_field *f, size_t n)
{
    return n == 1 && f[0].len == 0 && !f[0].quoted;
}

static size_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;        /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 29));
}

static int levels_rehash(struct roles_levels *lv, struct ope_error *err)
{
    size_t ns = lv->n_slots ? lv->n_slots * 2 : 64;
    int *slot = ope_malloc(ns * sizeof *slot, err);
    if (!slot)
        return -1;
    for (size_t k = 0; k < ns; k++)
        slot[k] = -1;
    for (size_t i = 0; i < lv->n; i++) {
        size_t h = hash_bytes(lv->level[i], lv->len[i]) & (ns - 1);
        while (slot[h] >= 0)
            h = (h + 1) & (ns - 1);
        slot[h] = (int)i;
    }
    free(lv->slot);
    lv->slot = slot;
    lv->n_slots = ns;
    return 0;
}

int roles_levels_code(struct roles_levels *lv, const char *s, size_t len,
                      struct ope_error *err)
{
    if (2 * (lv->n + 1) > lv->n_slots && levels_rehash(lv, err) < 0)
        return -1;
    size_t h = hash_bytes(s, len) & (lv->n_slots - 1);
    for (; lv->slot[h] >= 0; h = (h + 1) & (lv->n_slots - 1)) {
        int i = lv->slot[h];
        if (lv->len[i] == len && memcmp(lv->level[i], s, len) == 0)
            return i;
    }
    if (lv->n == lv->cap) {
        size_t nc = lv->cap ? lv->cap * 2 : 16;
        char **l = ope_realloc(lv->level, nc * sizeof *l, err);
        if (!l)
            return -1;
        lv->level = l;
        size_t *ln = ope_realloc(lv->len, nc * sizeof *ln, err);
        if (!ln)
            return -1;
        lv->len = ln;
        lv->cap = nc;
    }
    if (!(lv->level[lv->n] = ope_strndup(s, len, err)))
        return -1;
    lv->len[lv->n] = len;
    lv->slot[h] = (int)lv->n;
    return (int)lv->n++;
}

void roles_levels_release(struct roles_levels *lv)
{
    for (size_t i = 0; lv->level && i < lv->n; i++)
        free(lv->level[i]);
    free(lv->level);
    free(lv->len);
    free(lv->slot);
    memset(lv, 0, sizeof *lv);
}
