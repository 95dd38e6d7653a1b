/* fuzz/truth_fuzz.c: libFuzzer harness for the ground-truth file reader (truth_load,
 * header policy,value), reached through a file as `--truth PATH` reaches it.
 * Oracles: what it accepts has finite values, non-empty distinct names, a finite or
 * absent behaviour value, and truth_of finds every name. Built into `make check`
 * with fuzz/replay.c (t/0151); `make fuzz` / `make fuzz-smoke` run it under
 * libFuzzer. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/truth.h"
#include "fuzz/fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ope_error err = { 0 };
    struct truth t;
    if (truth_load(fuzz_tmp_write(data, size, "truth.csv"), &t, &err) != 0) {
        if (t.n != 0 || t.name || t.value)
            abort();                /* a failed load must leave *t empty */
        return 0;
    }
    if (!(isnan(t.behavior) || isfinite(t.behavior)))
        abort();
    for (size_t k = 0; k < t.n; k++) {
        if (!t.name[k][0] || strcmp(t.name[k], "behavior") == 0 || !isfinite(t.value[k]))
            abort();
        double v = truth_of(&t, t.name[k]);
        if (memcmp(&v, &t.value[k], sizeof v) != 0)
            abort();                /* a duplicate name shadows this one */
    }
    truth_release(&t);
    truth_release(&t);
    return 0;
}
