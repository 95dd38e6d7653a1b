/* fuzz/state_fuzz.c: libFuzzer harness for the state container (ope/base/statefile.h)
 * and the accumulator's bytes in it (acc_get), behind `ope merge`. The input is tried
 * twice: as a whole state file (sf_open_bytes: magic, version, lengths, SHA-256), and
 * sealed as the payload of a valid container, so the payload reader sees arbitrary
 * bytes past the checksum. Oracles: a state that opens reads back only within its
 * payload (sf_done's verdict agrees with the cursor), and a read-back accumulator
 * re-serialises to the bytes it was read from. Built into `make check` with
 * fuzz/replay.c (t/0152). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/accum.h"
#include "ope/base/statefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_acc(struct sf_state *st)
{
    /* The shape comes from the caller in ope merge (the settings); here from the
     * first two bytes, kept small. */
    if (st->n < 2)
        return;
    size_t K = st->data[0] % 5, B = st->data[1] % 9;
    struct ope_error err = { 0 };
    struct acc_state a;
    size_t start = st->off;
    if (acc_get(st, &a, K, B, &err) != 0)
        return;
    struct strbuf sb = STRBUF_INIT;
    acc_put(&sb, &a);
    if (!strbuf_failed(&sb) &&
        (sb.len != st->off - start || memcmp(sb.buf, st->data + start, sb.len) != 0))
        abort();                    /* what was read is not what it writes */
    strbuf_release(&sb);
    acc_release(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ope_error err = { 0 };
    struct sf_state st;
    if (sf_open_bytes(&st, data, size, "fuzz.state", NULL, &err) == 0) {
        if (!st.kind || !st.settings)
            abort();
        read_acc(&st);
        if (st.off > st.n)
            abort();
        sf_close(&st);
    }
    /* The same bytes as a payload behind a valid checksum. */
    struct strbuf pay = STRBUF_INIT, sealed = STRBUF_INIT;
    strbuf_add(&pay, (const char *)data, size);
    if (sf_seal(&sealed, "fuzz", "k=v\n", &pay, &err) == 0 &&
        sf_open_bytes(&st, sealed.buf, sealed.len, "fuzz.state", "fuzz", &err) == 0) {
        if (st.n != size)
            abort();
        st.off = 2;
        read_acc(&st);
        (void)sf_done(&st, &err);
        sf_close(&st);
    }
    strbuf_release(&pay);
    strbuf_release(&sealed);
    return 0;
}
