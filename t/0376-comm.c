/* t/0376-comm.c: the collectives of ope/base/comm.h, alone (as make check runs it) and
 * as N ranks of an MPI job (t/0377 runs it under mpirun -np 3). Every rank checks, and
 * rank 0 prints one TAP line per check that holds on every rank. Expected values:
 * rank r sends r + 1 copies of the byte 'a' + r, so the gathered bytes are
 * "a" "bb" "ccc" ... in rank order, of lengths 1, 2, 3; exscan of v = r + 1 gives
 * before = r (r + 1) / 2 and total = n (n + 1) / 2; when rank 1 fails (n > 1), every
 * rank's agreement is -1 with rank 1's status and message. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/comm.h"
#include "t/tap.h"

static int all_ranks(int mine)
{
    /* A check holds when it holds on every rank: gather the flags. */
    unsigned char f = (unsigned char)(mine != 0);
    struct strbuf all = STRBUF_INIT;
    size_t len[64];
    struct ope_error err = { 0 };
    if (comm_size() > 64 || comm_allgather(&f, 1, &all, len, &err) != 0)
        return 0;
    int ok_all = 1;
    for (int r = 0; r < comm_size(); r++)
        ok_all &= all.buf[r] == 1;
    strbuf_release(&all);
    return ok_all;
}

int main(int argc, char **argv)
{
    struct ope_error err = { 0 };
    if (comm_start(&argc, &argv, &err) != 0) {
        printf("1..0 # SKIP %s\n", err.msg);
        return 0;
    }
    int n = comm_size(), me = comm_rank();
    if (me != 0 && !freopen("/dev/null", "w", stdout))
        return 1;
    plan_no_plan();
    diag("rank %d of %d (built %s MPI)", me, n, comm_have_mpi() ? "with" : "without");
    ok(all_ranks(me >= 0 && me < n), "the ranks are numbered 0..%d", n - 1);

    char mine[64];
    memset(mine, 'a' + me, (size_t)me + 1);
    struct strbuf all = STRBUF_INIT;
    size_t len[64];
    int good = comm_allgather(mine, (size_t)me + 1, &all, len, &err) == 0;
    size_t off = 0;
    for (int r = 0; good && r < n; r++) {
        good &= len[r] == (size_t)r + 1;
        for (int i = 0; good && i <= r; i++)
            good &= all.buf[off + (size_t)i] == 'a' + r;
        off += (size_t)r + 1;
    }
    good &= all.len == off;
    ok(all_ranks(good), "allgather: every rank's bytes, in rank order, with their lengths");
    strbuf_release(&all);

    uint64_t before = 99, total = 99;
    good = comm_exscan_u64((uint64_t)me + 1, &before, &total, &err) == 0 &&
           before == (uint64_t)me * (uint64_t)(me + 1) / 2 &&
           total == (uint64_t)n * (uint64_t)(n + 1) / 2;
    ok(all_ranks(good), "exscan: the sum over the ranks before, and over all");

    ok(all_ranks(comm_agree(0, &err) == 0), "agreement when every rank succeeds");
    if (n > 1) {
        struct ope_error e = { 0 };
        int rc = me == 1 ? ope_fail(&e, OPE_EDATA, "log.csv:7:3: bad byte range") : 0;
        rc = comm_agree(rc, &e);
        ok(all_ranks(rc == -1 && e.status == OPE_EDATA &&
                     strcmp(e.msg, "rank 1: log.csv:7:3: bad byte range") == 0),
           "one rank's failure: every rank stops with its status and message");
    } else {
        struct ope_error e = { 0 };
        ok(comm_agree(ope_fail(&e, OPE_EDATA, "x"), &e) == -1 && strcmp(e.msg, "x") == 0,
           "alone, a failure is its own message");
    }
    int rc = done_testing();
    comm_end();
    return rc;
}
