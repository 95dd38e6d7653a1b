/* ope/app/trajshare.c: a trajectory log shared out among MPI ranks at episode
 * boundaries (trajshare.h). */
#include "config.h"
#include "ope/app/trajshare.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/csv.h"
#include "datasets/csvindex.h"
#include "datasets/input.h"
#include "datasets/roles.h"
#include "datasets/tlog_stream.h"
#include "ope/base/comm.h"
#include "ope/base/sha256.h"
#include "ope/base/strbuf.h"

/* Rows between the index's marks: a range begins at most this many rows (and one
 * episode) after its even share. */
#define SHARE_EVERY 4096

int traj_share_possible(const char *const *paths, size_t n)
{
    int plain = n > 0;
    for (size_t k = 0; plain && k < n; k++) {
        struct stat st;
        if (strcmp(paths[k], "-") == 0 || stat(paths[k], &st) != 0 || !S_ISREG(st.st_mode))
            return 0;
        struct ope_error e = { 0 };
        struct in_src *in = in_open(paths[k], NULL, &e);
        plain = in && in_format_of(in) == IN_PLAIN && in_is_regular(in);
        in_close(in);
    }
    return plain;
}

/* The next record that is not blank, into *f / *nf: 1, 0 at the end, -1 with err. */
static int next_row(struct csv_reader *csv, const struct csv_field **f, size_t *nf,
                    struct ope_error *err)
{
    int rc;
    while ((rc = csv_next(csv, f, nf, err)) == 1 && roles_blank_record(*f, *nf))
        ;
    return rc;
}

/* Keep the episode id of a record (the last one seen, to compare the next with). */
struct idbuf {
    char *s;
    size_t len, cap;
    int have;
};

/* Whether f's id differs from the one kept, which it then replaces. A record too
 * short to have the column is no boundary (the loader refuses it where it reads it).
 * 1, 0, or -1 (out of memory). */
static int new_id(struct idbuf *b, const struct csv_field *f, size_t nf, size_t col,
                  struct ope_error *err)
{
    if (nf <= col)
        return 0;
    const struct csv_field *x = &f[col];
    if (b->have && x->len == b->len && memcmp(x->s, b->s, x->len) == 0)
        return 0;
    if (x->len + 1 > b->cap) {
        char *s = ope_realloc(b->s, x->len + 1, err);
        if (!s)
            return -1;
        b->s = s;
        b->cap = x->len + 1;
    }
    memcpy(b->s, x->s, x->len);
    b->len = x->len;
    b->have = 1;
    return 1;
}

/* A reader of the log (paths[0..n-1]) with its header read; it does not hash what it
 * reads (the index took the digest). NULL with err. */
static struct csv_reader *open_past_header(const char *const *paths, size_t n, char sep,
                                           struct ope_error *err)
{
    struct csv_reader *csv = csv_open_again(paths, paths, n, sep, err);
    const struct csv_field *f;
    size_t nf;
    if (csv && csv_next(csv, &f, &nf, err) != 1) {
        if (err->status == 0)
            ope_fail(err, OPE_EDATA, "%s: the log changed while it was read (its header)",
                     paths[0]);
        csv_close(csv);
        return NULL;
    }
    return csv;
}

/* Go to the row at byte offset of input `input`, on line `line`, of a reader whose
 * header was read: coming to a later input checks its header as reading on to it does.
 * 0, or -1 with err (the file is not as the index found it). */
static int seek_row(struct csv_reader *csv, size_t input, size_t offset, size_t line,
                    struct ope_error *err)
{
    if (input > csv_input_index(csv) &&
        csv_set_inputs(csv, input, csv_n_inputs(csv), err) != 0)
        return -1;
    int rc = csv_seek(csv, input, offset, line, err);
    if (rc == 0)
        rc = ope_fail(err, OPE_EDATA, "%s: the log changed while it was read (no row starts "
                      "on line %zu where it did)", csv_input_name(csv, input), line);
    return rc < 0 ? -1 : 0;
}

/* A log's index: every file's, one after the other. */
struct log_index {
    struct csv_index *ix;       /* [n] */
    size_t n, marks;            /* files, and their marks in all */
};

/* The file and mark of the log's g-th mark (g < marks). */
static void mark_at(const struct log_index *li, size_t g, size_t *file, size_t *k)
{
    size_t f = 0;
    while (f + 1 < li->n && g >= li->ix[f].n)
        g -= li->ix[f++].n;
    *file = f;
    *k = g;
}

/* The first row after the log's mark g whose episode differs from the row before: its
 * input, offset and line in *in, *off, *line; *off 0 when the log ends first. 0, or -1
 * with err. */
static int boundary(const char *const *paths, size_t n, char sep, size_t col,
                    const struct log_index *li, size_t g, size_t *in, size_t *off,
                    size_t *line, struct ope_error *err)
{
    *in = *off = *line = 0;
    if (g >= li->marks)
        return 0;
    size_t file, k;
    mark_at(li, g, &file, &k);
    struct csv_reader *csv = open_past_header(paths, n, sep, err);
    if (!csv)
        return -1;
    struct idbuf b = { 0 };
    const struct csv_field *f;
    size_t nf;
    int rc = seek_row(csv, file, (size_t)li->ix[file].off[k], li->ix[file].line[k], err);
    /* The mark's row, then the rows after it until another episode's. */
    int got = rc == 0 ? next_row(csv, &f, &nf, err) : 0;
    if (got == 1 && new_id(&b, f, nf, col, err) < 0)
        got = -1;
    while (got == 1) {
        if ((got = next_row(csv, &f, &nf, err)) != 1)
            break;
        int d = new_id(&b, f, nf, col, err);
        if (d < 0) {
            got = -1;
        } else if (d == 1) {
            *in = csv_input_index(csv);
            *off = csv_record_offset(csv);
            *line = csv_record_line(csv);
            break;
        }
    }
    if (got < 0)
        rc = -1;
    free(b.s);
    csv_close(csv);
    return rc;
}

/* The episodes of sh's range. 0, or -1 with err. */
static int count_range(const char *const *paths, size_t n, char sep, size_t col,
                       struct traj_share *sh, struct ope_error *err)
{
    sh->episodes = 0;
    if (sh->empty)
        return 0;
    struct csv_reader *csv = open_past_header(paths, n, sep, err);
    if (!csv || traj_share_apply(csv, sh, err) != 0) {
        csv_close(csv);
        return -1;
    }
    struct idbuf b = { 0 };
    const struct csv_field *f;
    size_t nf;
    int got;
    while ((got = next_row(csv, &f, &nf, err)) == 1) {
        int d = new_id(&b, f, nf, col, err);
        if (d < 0) {
            got = -1;
            break;
        }
        sh->episodes += (size_t)d;
    }
    free(b.s);
    csv_close(csv);
    return got < 0 ? -1 : 0;
}

int ranks_other_log(const char *path, int r, uint64_t n, uint64_t n0, const char *unit,
                    const char *hex, const char *hex0, struct ope_error *err)
{
    if (n != n0)
        return ope_fail(err, OPE_EDATA, "%s: rank %d reads %llu %s, rank 0 %llu: every MPI "
                        "rank must read the same log (the same file on every machine)", path,
                        r, (unsigned long long)n, unit, (unsigned long long)n0);
    if (strcmp(hex, hex0) != 0)
        return ope_fail(err, OPE_EDATA, "%s: rank %d reads other bytes than rank 0 (the same "
                        "%llu %s, SHA-256 %.12s... against %.12s...): every MPI rank must "
                        "read the same log (the same file on every machine)", path, r,
                        (unsigned long long)n, unit, hex, hex0);
    return 0;
}

/* What each rank tells the others of its range and of the log it read. */
struct pick {
    uint64_t start_in, start, line, empty, size;
    char sha[72];
};

/* Index every file of the log, hashing their bytes in order into hex: one reading. 0,
 * or -1 with err. */
static int index_log(const char *const *paths, size_t n, struct log_index *li, char hex[65],
                     struct ope_error *err)
{
    struct sha256 sha;
    sha256_init(&sha);
    li->n = n;
    li->marks = 0;
    if (!(li->ix = ope_calloc(n, sizeof *li->ix, err)))
        return -1;
    for (size_t k = 0; k < n; k++) {
        if (csv_index_build_hashing(paths[k], SHARE_EVERY, &sha, &li->ix[k], err) != 0)
            return -1;
        if (!li->ix[k].seekable)
            return ope_fail(err, OPE_ESOFTWARE, "%s: not a plain file to share out", paths[k]);
        li->marks += li->ix[k].n;
    }
    sha256_final_hex(&sha, hex);
    return 0;
}

static void log_index_release(struct log_index *li)
{
    for (size_t k = 0; li->ix && k < li->n; k++)
        csv_index_release(&li->ix[k]);
    free(li->ix);
}

int traj_share_find(int rc, const char *const *paths, size_t n, char sep, size_t ep_col,
                    struct traj_share *sh, struct ope_error *err)
{
    int ranks = comm_size(), rank = comm_rank();
    memset(sh, 0, sizeof *sh);
    if (rc != 0)
        return -1;      /* agreed already: every rank stops here */
    struct log_index li;
    memset(&li, 0, sizeof li);
    rc = index_log(paths, n, &li, sh->sha256, err);
    /* Rank 0 begins with the log; rank r at the first new episode after its mark. */
    size_t start_in = 0, start = 0, line = 0;
    if (rc == 0 && rank > 0 &&
        boundary(paths, n, sep, ep_col, &li, li.marks * (size_t)rank / (size_t)ranks,
                 &start_in, &start, &line, err) != 0)
        rc = -1;
    /* With the range's start, what the rank read: its size and digest, which must be
     * rank 0's before any range is read (a range cut from another file's offsets
     * would end inside a row and say so, not that the files differ). */
    struct pick mine;
    memset(&mine, 0, sizeof mine);
    mine.start_in = start_in;
    mine.start = start;
    mine.line = line;
    mine.empty = rank > 0 && start == 0;
    for (size_t k = 0; k < n; k++) {
        struct stat fst;
        mine.size += stat(paths[k], &fst) == 0 ? (uint64_t)fst.st_size : 0;
    }
    memcpy(mine.sha, sh->sha256, sizeof sh->sha256);
    struct strbuf all = STRBUF_INIT;
    size_t *len = ope_calloc((size_t)ranks + 1, sizeof *len, err);
    if (!len)
        rc = -1;
    if (comm_agree(rc, err) != 0 || comm_allgather(&mine, sizeof mine, &all, len, err) != 0) {
        free(len);
        log_index_release(&li);
        strbuf_release(&all);
        return -1;
    }
    /* Starts never go down (a later mark's boundary is at or after an earlier's); the
     * log's end is past every start. */
    struct pick p0, next;
    memcpy(&p0, all.buf, sizeof p0);
    sh->start_in = start_in;
    sh->start = start;
    sh->line = line;
    sh->empty = mine.empty != 0;
    if (rank + 1 < ranks) {
        memcpy(&next, all.buf + (size_t)(rank + 1) * sizeof next, sizeof next);
        if (!next.empty) {
            sh->end_in = (size_t)next.start_in;
            sh->end = (size_t)next.start;
            sh->empty |= rank > 0 && sh->end_in == sh->start_in && sh->end == sh->start;
        }
    }
    /* Every rank sees every rank's size and digest: the same verdict on each. */
    const char *what = n > 1 ? "bytes in all" : "bytes";
    for (int r = 1; rc == 0 && r < ranks; r++) {
        struct pick v;
        memcpy(&v, all.buf + (size_t)r * sizeof v, sizeof v);
        rc = ranks_other_log(paths[0], r, v.size, p0.size, what, v.sha, p0.sha, err);
    }
    free(len);
    strbuf_release(&all);
    log_index_release(&li);
    if (rc != 0)
        return -2;
    rc = count_range(paths, n, sep, ep_col, sh, err);
    uint64_t before = 0, total = 0;
    if (comm_agree(rc, err) != 0 || comm_exscan_u64(sh->episodes, &before, &total, err) != 0)
        return -1;
    sh->before = (size_t)before;
    return 0;
}

int traj_share_apply(struct csv_reader *csv, const struct traj_share *sh,
                     struct ope_error *err)
{
    if (sh->start && seek_row(csv, sh->start_in, sh->start, sh->line, err) != 0)
        return -1;
    if (sh->end)
        csv_set_end_at(csv, sh->end_in, sh->end);
    return 0;
}

/* FNV-1a, 64 bits: ids that share a hash are compared exactly afterwards. */
static uint64_t id_hash(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

struct owner {
    uint64_t h;
    int rank;
};

static int owner_cmp(const void *a, const void *b)
{
    const struct owner *x = a, *y = b;
    return x->h < y->h ? -1 : x->h > y->h ? 1 : x->rank - y->rank;
}

/* Whether some rank below (dir < 0) or above (dir > 0) `rank` has hash h, in the
 * sorted o[0..n). */
static int held(const struct owner *o, size_t n, uint64_t h, int rank, int dir)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o[mid].h < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < n && o[lo].h == h; lo++)
        if ((dir < 0 && o[lo].rank < rank) || (dir > 0 && o[lo].rank > rank))
            return 1;
    return 0;
}

/* The first of my episodes (in file order) whose id a lower rank's range already had,
 * refused into err: hashes h[0..n) of this rank's ids, every rank's hashes in all
 * (len[r] bytes each). Across ranks: a second exchange of the ids behind the hashes two
 * ranks share. 1 when one was found, 0 when none, -1 (xe) when the exchange failed. */
static int returning(const struct tlog_stream *ts, const uint64_t *h, size_t n,
                     const struct strbuf *all, const size_t *len, const char *const *paths,
                     size_t n_paths, const char *col_name, struct ope_error *err,
                     struct ope_error *xe)
{
    int ranks = comm_size(), rank = comm_rank(), found = 0;
    size_t total = all->len / sizeof(uint64_t), no = 0;
    struct owner *o = ope_malloc((total + 1) * sizeof *o, xe);
    unsigned char *cand = ope_calloc(n + 1, 1, xe);
    struct strbuf two = STRBUF_INIT, all2 = STRBUF_INIT;
    size_t *len2 = ope_calloc((size_t)ranks + 1, sizeof *len2, xe);
    int rc = o && cand && len2 ? 0 : -1;
    size_t at = 0;
    for (int r = 0; rc == 0 && r < ranks; r++) {
        size_t m = len[r] / sizeof(uint64_t);
        for (size_t k = 0; k < m; k++)
            if (r != rank) {
                memcpy(&o[no].h, all->buf + (at + k) * sizeof(uint64_t), sizeof(uint64_t));
                o[no++].rank = r;
            }
        at += m;
    }
    if (rc == 0)
        qsort(o, no, sizeof *o, owner_cmp);
    /* Mine that a later rank has too go to every rank, exactly: hash, line, length,
     * input, id. */
    for (size_t k = 0; rc == 0 && k < n; k++) {
        cand[k] = (unsigned char)held(o, no, h[k], rank, -1);
        if (held(o, no, h[k], rank, 1)) {
            size_t l, line;
            const char *id = tlog_stream_episode_id(ts, k, &l, &line);
            size_t col;
            uint64_t head[4] = { h[k], line, l, tlog_stream_episode_input(ts, k, &col) };
            strbuf_add(&two, (const char *)head, sizeof head);
            strbuf_add(&two, id, l);
        }
    }
    if (rc == 0 && strbuf_failed(&two))
        rc = ope_fail_oom(xe);
    if (comm_agree(rc, xe) != 0 || comm_allgather(two.buf, two.len, &all2, len2, xe) != 0)
        rc = -1;
    /* A lower rank's entry for the same id: the lowest is where the episode started. */
    for (size_t k = 0; rc == 0 && !found && k < n; k++) {
        if (!cand[k])
            continue;
        size_t l, line;
        const char *id = tlog_stream_episode_id(ts, k, &l, &line);
        size_t p = 0;
        for (int r = 0; !found && r < rank; r++) {
            size_t stop = p + len2[r];
            while (!found && p + 4 * sizeof(uint64_t) <= stop) {
                uint64_t head[4];
                memcpy(head, all2.buf + p, sizeof head);
                const char *other = all2.buf + p + sizeof head;
                if (head[0] == h[k] && head[2] == l && memcmp(other, id, l) == 0) {
                    char q[128];
                    size_t col, here = tlog_stream_episode_input(ts, k, &col);
                    size_t there = head[3] < n_paths ? (size_t)head[3] : 0;
                    ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column '%s': episode '%s' appears "
                             "again after other episodes (it started on line %llu%s%s); the "
                             "rows of an episode must be contiguous: sort the file by episode, "
                             "then step", paths[here < n_paths ? here : 0], line, col, col_name,
                             roles_quote(id, l, q, sizeof q), (unsigned long long)head[1],
                             here > 0 ? " of " : "", here > 0 ? paths[there] : "");
                    found = 1;
                }
                p += sizeof head + (size_t)head[2];
            }
            p = stop;
        }
    }
    free(o), free(cand), free(len2);
    strbuf_release(&two), strbuf_release(&all2);
    return rc < 0 ? -1 : found;
}

int traj_share_check(int rc, const struct tlog_stream *ts, const char *const *paths,
                     size_t n_paths, const char *col_name, struct ope_error *err)
{
    /* Every rank takes part, whatever its first pass gave: a rank whose reading failed
     * stopped at the bad row, so an episode of its range that an earlier range had
     * starts at or before that row, and is what one reader reports first. */
    int ranks = comm_size();
    struct ope_error xe = { 0 };
    size_t n = ts ? tlog_stream_n_read(ts) : 0;
    uint64_t *h = ope_malloc((n + 1) * sizeof *h, &xe);
    size_t *len = ope_calloc((size_t)ranks + 1, sizeof *len, &xe);
    int xrc = h && len ? 0 : -1;
    for (size_t k = 0; xrc == 0 && k < n; k++) {
        size_t l, line;
        const char *id = tlog_stream_episode_id(ts, k, &l, &line);
        h[k] = id_hash(id, l);
    }
    struct strbuf all = STRBUF_INIT;
    if (comm_agree(xrc, &xe) == 0 && comm_allgather(h, n * sizeof *h, &all, len, &xe) == 0 &&
        returning(ts, h, n, &all, len, paths, n_paths, col_name, err, &xe) == 1)
        rc = -1;        /* err: the returning episode, before any later failure */
    free(h), free(len);
    strbuf_release(&all);
    /* (An exchange that failed, out of memory on some rank, leaves the ranks' own
     * outcomes.) */
    return comm_agree(rc, err);
}
