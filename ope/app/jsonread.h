/* ope/app/jsonread.h: a small JSON reader (a tree of values) for the files ope itself
 * writes, such as `ope eval --format json`, and the reader of that evaluation shape
 * into the shared result model, so `ope plot estimates --from-json` draws what an
 * earlier `ope eval` computed. Recursive descent with a depth limit: malformed or
 * hostile input gives an error naming line:column, never a crash. */
#ifndef OPE_APP_JSONREAD_H
#define OPE_APP_JSONREAD_H

#include <stddef.h>
#include "estimators/result.h"
#include "ope/base/error.h"

enum jr_type { JR_NULL, JR_FALSE, JR_TRUE, JR_NUMBER, JR_STRING, JR_ARRAY, JR_OBJECT };

struct jr_value {
    enum jr_type type;
    double num;                 /* JR_NUMBER */
    char *str;                  /* JR_STRING (UTF-8, NUL-terminated; may hold \u0000 cut) */
    size_t n;                   /* JR_ARRAY / JR_OBJECT: number of items */
    struct jr_value *item;      /* [n] */
    char **key;                 /* JR_OBJECT: [n] member names */
};

#define JR_MAX_DEPTH 64

/* Parse text[0..len) (one value, surrounded by whitespace only). `name` is used in
 * messages ("eval.json:3:14: expected ':' after an object key"). NULL with OPE_EDATA
 * on malformed input, deeper nesting than JR_MAX_DEPTH, or out-of-memory. */
struct jr_value *jr_parse(const char *text, size_t len, const char *name,
                          struct ope_error *err);

/* Free a tree (NULL is a no-op). */
void jr_free(struct jr_value *v);

/* Member `key` of an object, or NULL (also when v is not an object). */
const struct jr_value *jr_get(const struct jr_value *v, const char *key);

/* The number at v, or NAN when v is missing, null or not a number. */
double jr_num(const struct jr_value *v);

/* The string at v, or NULL. */
const char *jr_str(const struct jr_value *v);

/* Read the output of `ope eval --format json` (formats.md) into a result model: input
 * path/rows/kind, settings, behaviour value, and per policy its name, ground truth
 * and estimates (estimator, label, value, interval, se, diagnostics), and the
 * segments of `ope eval --by` when it has them. OPE_EDATA with
 * the path of the offending member when the shape is wrong. */
struct res_eval *jr_read_eval(const struct jr_value *root, const char *name,
                              struct ope_error *err);

/* The one reader of a saved evaluation (`ope plot estimates --from-json` and any
 * other): read the file at path (at most 256 MiB), parse it and read it as above. */
struct res_eval *jr_load_eval(const char *path, struct ope_error *err);

#endif
