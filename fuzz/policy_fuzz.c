/* fuzz/policy_fuzz.c: libFuzzer harness for the tabular policy file reader
 * (policy_read, formats.md "Tabular policy file"), reached through a file as
 * `--policy file:PATH` reaches it. The first byte picks the sizes the caller demands
 * (0 = whatever the file says). Oracles: a policy it accepts passes policy_check,
 * and policy_format's text reads back to the same probabilities bit for bit. Built
 * into `make check` with fuzz/replay.c (t/0151); `make fuzz` / `make fuzz-smoke` run
 * it under libFuzzer. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/policy.h"
#include "fuzz/fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int want_s = data[0] & 3, want_a = (data[0] >> 2) & 3;
    struct ope_error err = { 0 };
    struct policy *pi = policy_read(fuzz_tmp_write(data + 1, size - 1, "policy.csv"),
                                    want_s, want_a, &err);
    if (!pi)
        return 0;
    if (policy_check(pi, &err) != 0 || (want_s && pi->n_states != want_s) ||
        (want_a && pi->n_actions != want_a))
        abort();                    /* accepted a policy the reader's rules refuse */
    struct strbuf sb = STRBUF_INIT;
    policy_format(pi, &sb);
    if (strbuf_failed(&sb))
        abort();
    struct policy *back = policy_read(fuzz_tmp_write(sb.buf, sb.len, "policy.csv"), 0, 0, &err);
    if (!back || back->n_states != pi->n_states || back->n_actions != pi->n_actions ||
        memcmp(back->p, pi->p, (size_t)pi->n_states * (size_t)pi->n_actions * sizeof *pi->p))
        abort();                    /* the written file does not read back the same */
    strbuf_release(&sb);
    policy_free(back);
    policy_free(pi);
    return 0;
}
