/* fuzz/json_fuzz.c: libFuzzer harness for the JSON reader behind `ope plot estimates
 * --from-json` (jr_parse, then jr_read_eval into the result model, as jr_load_eval
 * does after reading the file). The bytes are handed over with their exact length and
 * no terminating NUL, so a read past the end is caught by ASan. Oracles: a parsed
 * tree is well formed (arrays and objects hold n items, objects n keys) and its depth
 * stays within JR_MAX_DEPTH. Built into `make check` with fuzz/replay.c (t/0152);
 * `make fuzz` / `make fuzz-smoke` run it under libFuzzer. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "estimators/result.h"
#include "ope/app/jsonread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct jr_value *v, int depth)
{
    if (depth > JR_MAX_DEPTH + 1)
        abort();                    /* the depth limit did not hold */
    if (v->type == JR_STRING && !v->str)
        abort();
    if (v->type != JR_ARRAY && v->type != JR_OBJECT)
        return;
    if (v->n && !v->item)
        abort();
    for (size_t k = 0; k < v->n; k++) {
        if (v->type == JR_OBJECT && (!v->key || !v->key[k] || jr_get(v, v->key[k]) == NULL))
            abort();
        walk(&v->item[k], depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ope_error err = { 0 };
    struct jr_value *root = jr_parse((const char *)data, size, "fuzz.json", &err);
    if (!root)
        return 0;
    walk(root, 0);
    struct res_eval *r = jr_read_eval(root, "fuzz.json", &err);
    res_eval_free(r);
    jr_free(root);
    return 0;
}
