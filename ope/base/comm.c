/* ope/base/comm.c: comm.h alone, or over MPI (HAVE_MPI). Agreement is built on the
 * allgather: every rank sends its status and message, and every rank reads the same
 * verdict from the same bytes. */
#include "config.h"
#include "ope/base/comm.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_MPI
#include <mpi.h>
#endif

static int rank_, size_ = 1, node_size_ = 1, joined;

/* Whether the environment says mpirun started this process with several ranks
 * (Open MPI's variable, and PMI's of other launchers). */
static long launched_ranks(void)
{
    const char *v = getenv("OMPI_COMM_WORLD_SIZE");
    if (!v)
        v = getenv("PMI_SIZE");
    return v ? strtol(v, NULL, 10) : 0;
}

int comm_have_mpi(void)
{
#ifdef HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

int comm_start(int *argc, char ***argv, struct ope_error *err)
{
    long n = launched_ranks();
#ifdef HAVE_MPI
    if (n >= 1) {
        if (MPI_Init(argc, argv) != MPI_SUCCESS)
            return ope_fail(err, OPE_EUNAVAILABLE, "MPI_Init failed: cannot join the MPI job");
        /* Errors come back as codes, so a rank reports them and the ranks agree. */
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
        /* The ranks that share this machine's memory (MPI-3's shared-memory split). */
        MPI_Comm node;
        if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL,
                                &node) == MPI_SUCCESS) {
            if (MPI_Comm_size(node, &node_size_) != MPI_SUCCESS || node_size_ < 1)
                node_size_ = 1;
            MPI_Comm_free(&node);
        }
        joined = 1;
    }
    return 0;
#else
    (void)argc;
    (void)argv;
    if (n > 1)
        return ope_fail(err, OPE_EUNAVAILABLE, "started by mpirun with %ld ranks, but this ope "
                        "was built without MPI: every rank would do the whole work; rebuild "
                        "with Open MPI (apt-get install libopenmpi-dev; configure --with-mpi) "
                        "or run ope alone", n);
    return 0;
#endif
}

#ifdef HAVE_MPI
/* The wait of comm_end_status in ms: COMM_END_WAIT_S, or the test seam
 * OPE_TEST_COMM_WAIT_MS (1 to 600000), so that the tests of a rank failing alone do
 * not each spend the full wait. */
static long end_wait_ms(void)
{
    const char *s = getenv("OPE_TEST_COMM_WAIT_MS");
    char *end;
    long v = s && *s ? strtol(s, &end, 10) : 0;
    return s && *s && *end == '\0' && v >= 1 && v <= 600000 ? v : COMM_END_WAIT_S * 1000L;
}
#endif

int comm_end_status(int status)
{
#ifdef HAVE_MPI
    long wait_ms = end_wait_ms();
    MPI_Request req;
    if (joined && size_ > 1 && MPI_Ibarrier(MPI_COMM_WORLD, &req) == MPI_SUCCESS) {
        /* Every rank enters this barrier on its way out, whatever its status; a rank
         * that failed and does not see it complete has peers elsewhere (waiting for
         * it in a collective). */
        int done = 0;
        for (long ms = 0; !done; ms++) {
            if (MPI_Test(&req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
                if (status != 0)
                    return -1;
                break;
            }
            if (!done && status != 0 && ms >= wait_ms)
                return -1;
            struct timespec ts = { 0, 1000000 };
            if (!done)
                nanosleep(&ts, NULL);
        }
    }
#else
    (void)status;
#endif
    comm_end();
    return 0;
}

void comm_abort(int status)
{
#ifdef HAVE_MPI
    if (joined)
        MPI_Abort(MPI_COMM_WORLD, status);
#endif
    (void)status;
}

void comm_end(void)
{
#ifdef HAVE_MPI
    if (joined)
        MPI_Finalize();
#endif
    joined = 0;
    rank_ = 0;
    size_ = 1;
    node_size_ = 1;
}

int comm_rank(void)
{
    return rank_;
}

int comm_size(void)
{
    return size_;
}

int comm_node_size(void)
{
    return node_size_;
}

int comm_allgather(const void *buf, size_t n, struct strbuf *out, size_t *len,
                   struct ope_error *err)
{
    strbuf_reset(out);
    if (size_ == 1) {
        strbuf_add(out, buf, n);
        len[0] = n;
        return strbuf_failed(out) ? ope_fail_oom(err) : 0;
    }
#ifdef HAVE_MPI
    /* Counts first (MPI counts are ints: a part over 2 GiB is refused), then the bytes. */
    if (n > (size_t)INT32_MAX)
        return ope_fail(err, OPE_ESOFTWARE, "a state of %zu bytes is too large to send "
                        "between MPI ranks", n);
    int mine = (int)n;
    int *cnt = calloc((size_t)size_ * 2, sizeof *cnt);
    if (!cnt)
        return ope_fail_oom(err);
    int *disp = cnt + size_;
    int rc = -1;
    if (MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, MPI_COMM_WORLD) != MPI_SUCCESS) {
        ope_fail(err, OPE_ESOFTWARE, "MPI_Allgather failed");
        goto out;
    }
    size_t total = 0;
    for (int r = 0; r < size_; r++) {
        if (total > (size_t)INT32_MAX) {
            ope_fail(err, OPE_ESOFTWARE, "the ranks' states are too large to gather");
            goto out;
        }
        disp[r] = (int)total;
        len[r] = (size_t)cnt[r];
        total += (size_t)cnt[r];
    }
    if (total > (size_t)INT32_MAX) {
        ope_fail(err, OPE_ESOFTWARE, "the ranks' states are too large to gather");
        goto out;
    }
    /* Straight into out (no copy of what may be 100 MB), and only when every rank has
     * the room: a rank that cannot receive must not leave the others waiting in the
     * Allgatherv. */
    char *all = strbuf_extend(out, total);
    int ok = all != NULL, all_ok = 0;
    if (MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS) {
        ope_fail(err, OPE_ESOFTWARE, "MPI_Allreduce failed");
        goto out;
    }
    if (!all_ok) {
        if (!ok)
            ope_fail_oom(err);
        else
            ope_fail(err, OPE_ESOFTWARE, "another MPI rank is out of memory");
        goto out;
    }
    if (MPI_Allgatherv(buf, mine, MPI_BYTE, all, cnt, disp, MPI_BYTE, MPI_COMM_WORLD) !=
        MPI_SUCCESS) {
        ope_fail(err, OPE_ESOFTWARE, "MPI_Allgatherv failed");
        goto out;
    }
    rc = 0;
out:
    free(cnt);
    return rc;
#else
    return ope_fail(err, OPE_ESOFTWARE, "several ranks without MPI");
#endif
}

/* A rank's verdict: its status (0: success) and its message. */
struct verdict {
    int32_t status;
    char msg[OPE_ERROR_MSG_MAX];
};

int comm_agree(int rc, struct ope_error *err)
{
    if (size_ == 1)
        return rc;
    struct verdict mine;
    memset(&mine, 0, sizeof mine);
    if (rc != 0) {
        mine.status = err->status ? err->status : OPE_EFAIL;
        memcpy(mine.msg, err->msg, sizeof mine.msg);
        mine.msg[sizeof mine.msg - 1] = '\0';
    }
    struct strbuf all = STRBUF_INIT;
    size_t *len = calloc((size_t)size_, sizeof *len);
    struct ope_error e2 = { 0 };
    if (!len || comm_allgather(&mine, sizeof mine, &all, len, &e2) != 0) {
        free(len);
        strbuf_release(&all);
        if (err && rc == 0)
            *err = e2;
        return -1;
    }
    free(len);
    /* An error every rank holds alike is the job's, found in what the ranks merged (a
     * bad row of the shared first pass, met by one rank, is every rank's error once
     * merged): said as one process says it, not as rank 0's. */
    int alike = 1;
    for (int r = 1; r < size_ && alike; r++) {
        const char *p = all.buf + (size_t)r * sizeof mine;
        alike = memcmp(p, all.buf, sizeof(int32_t)) == 0 &&
                strncmp(p + offsetof(struct verdict, msg),
                        all.buf + offsetof(struct verdict, msg), OPE_ERROR_MSG_MAX) == 0;
    }
    int32_t st0;
    memcpy(&st0, all.buf, sizeof st0);
    if (alike && st0 != 0) {
        ope_fail(err, st0, "%.*s", (int)(OPE_ERROR_MSG_MAX - 1),
                 all.buf + offsetof(struct verdict, msg));
        strbuf_release(&all);
        return -1;
    }
    int out = 0;
    for (int r = 0; r < size_; r++) {
        int32_t st;
        const char *p = all.buf + (size_t)r * sizeof mine;
        memcpy(&st, p, sizeof st);
        if (st == 0)
            continue;
        const char *msg = p + offsetof(struct verdict, msg);
        ope_fail(err, st, "rank %d: %.*s", r, (int)(OPE_ERROR_MSG_MAX - 16), msg);
        out = -1;
        break;
    }
    strbuf_release(&all);
    return out;
}

int comm_exscan_u64(uint64_t v, uint64_t *before, uint64_t *total, struct ope_error *err)
{
    if (size_ == 1) {
        *before = 0;
        *total = v;
        return 0;
    }
    struct strbuf all = STRBUF_INIT;
    size_t *len = calloc((size_t)size_, sizeof *len);
    int rc = len ? comm_allgather(&v, sizeof v, &all, len, err) : ope_fail_oom(err);
    if (rc == 0) {
        uint64_t b = 0, t = 0;
        for (int r = 0; r < size_; r++) {
            uint64_t x;
            memcpy(&x, all.buf + (size_t)r * sizeof x, sizeof x);
            if (r < rank_)
                b += x;
            t += x;
        }
        *before = b;
        *total = t;
    }
    free(len);
    strbuf_release(&all);
    return rc;
}
