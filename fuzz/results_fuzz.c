/* fuzz/results_fuzz.c: libFuzzer harness for the readers of saved results that
 * `ope plot` draws from (ope/app/resultread.h): the exploration record
 * (rr_load_explore), learning curves (rr_load_curves) and top-k curves
 * (rr_load_select), reached through a file as the command reaches them; the first
 * byte picks the reader. Oracle: whatever a reader accepts is as large as it says
 * (every record is read, so ASan sees a short array) and names every curve. Built
 * into `make check` with fuzz/replay.c (t/0152); `make fuzz` / `make fuzz-smoke` run
 * it under libFuzzer. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "ope/app/resultread.h"
#include "fuzz/fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile double sink;

static void explore(const char *path)
{
    struct ope_error err = { 0 };
    struct xpl_runs x = { 0 };
    if (rr_load_explore(path, &x, &err) != 0)
        return;
    if (x.n_algs == 0 || x.R <= 0 || x.K <= 0)
        abort();
    for (size_t a = 0; a < x.n_algs; a++) {
        if (!x.name[a])
            abort();
        for (long r = 0; r < x.R; r++)
            for (long k = 0; k < x.K; k++)
                sink += xpl_runs_at(&x, a, r, k)->regret;
    }
    xpl_runs_release(&x);
}

static void curves(const char *path)
{
    struct ope_error err = { 0 };
    struct pg_result *res = NULL;
    size_t n = 0;
    if (rr_load_curves(path, &res, &n, &err) != 0)
        return;
    if (n == 0)
        abort();
    for (size_t c = 0; c < n; c++) {
        if (res[c].n_runs <= 0 || res[c].n_iter < 0 || !res[c].label[0])
            abort();
        for (size_t i = 0; i < (size_t)res[c].n_runs * (size_t)(res[c].n_iter + 1); i++)
            sink += res[c].rec[i].value;
    }
    rr_curves_free(res, n);
}

static void select_curves(const char *path)
{
    struct ope_error err = { 0 };
    struct ops_curves c = { 0 };
    if (rr_load_select(path, &c, &err) != 0)
        return;
    if (c.n == 0 || c.M == 0)
        abort();
    for (size_t e = 0; e < c.n; e++) {
        if (!c.curve[e].label)
            abort();
        for (size_t k = 0; k < c.M; k++)
            sink += c.curve[e].topk[k].mean;
    }
    ops_curves_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *path = fuzz_tmp_write(data + 1, size - 1, "result.csv");
    switch (data[0] % 3) {
    case 0: explore(path); break;
    case 1: curves(path); break;
    default: select_curves(path);
    }
    return 0;
}
