/* fuzz/ingest_fuzz.c: libFuzzer harness for `ope ingest` (ingest_file): the input's
 * first line is the PCRE2 pattern, the rest the raw log, read from a file as the
 * command reads it. Small match and depth limits (PCRE2's own, which ingest sets)
 * keep a pathological pattern from taking longer than a few milliseconds per line;
 * libFuzzer's -timeout, and the replay driver's alarm, turn a hang into a finding.
 * Oracle: the CSV it writes reads back with the CSV reader, one record per matched
 * line plus the header, every record as wide as the header. Built into `make check`
 * with fuzz/replay.c (t/0152); `make fuzz` / `make fuzz-smoke` run it under
 * libFuzzer. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"
#include "datasets/ingest.h"
#include "fuzz/fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int collect(void *ctx, const char *buf, size_t len, struct ope_error *err)
{
    (void)err;
    strbuf_add(ctx, buf, len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 2048)
        return 0;
    const uint8_t *nl = memchr(data + 1, '\n', size - 1);
    size_t plen = nl ? (size_t)(nl - data - 1) : size - 1;
    char *pattern = malloc(plen + 1);
    if (!pattern)
        abort();
    memcpy(pattern, data + 1, plen);
    pattern[plen] = '\0';
    const uint8_t *log = nl ? nl + 1 : data + size;
    struct ingest_opts o;
    ingest_opts_init(&o);
    o.pattern = pattern;
    o.match_limit = 10000;
    o.depth_limit = 1000;
    o.use_jit = data[0] & 1;
    struct strbuf out = STRBUF_INIT;
    struct ingest_stats st;
    struct ope_error err = { 0 };
    const char *path = fuzz_tmp_write(log, (size_t)(data + size - log), "raw.log");
    if (ingest_file(path, &o, collect, &out, &st, &err) == 0) {
        if (strbuf_failed(&out) || st.rows == 0 || st.rows + st.unmatched != st.lines)
            abort();
        struct csv_reader *r = csv_open_mem(out.buf, out.len, "out", ',', &err);
        if (!r)
            abort();
        const struct csv_field *f;
        size_t n, width = 0, records = 0;
        int rc;
        while ((rc = csv_next(r, &f, &n, &err)) == 1) {
            if (records++ == 0)
                width = n;
            else if (n != width)
                abort();            /* a row not as wide as the header */
        }
        if (rc != 0 || records != st.rows + 1)
            abort();                /* ingest wrote CSV its own reader cannot read */
        csv_close(r);
    }
    strbuf_release(&out);
    free(pattern);
    return 0;
}
