/* t/0375-statefile.c: the checked state container (ope/base/statefile.h) and the
 * accumulator's bytes in it (acc_put/acc_get). What must hold:
 * - a state read back finalizes to the same bits, and merging two read-back states
 *   gives the bits of merging the originals (the sums are integer digit sums, so this
 *   is exact, not approximate);
 * - every truncation and every single-byte change of a state is refused with
 *   OPE_EDATA, never read (the SHA-256 covers every byte before it);
 * - another version, another kind and other settings are refused, naming what differs;
 * - a failed write leaves nothing behind, and an existing file is kept without force;
 * - sparse arrays (sf_put_sums, sf_put_f64s: what a wide reward model's MPI parts are
 *   made of) merge to the bits of merging every entry, are written sparse exactly when
 *   the pairs are shorter (k (8 + 8w) < 8wn bytes, counted by hand below), and a pair
 *   out of order, past the end or beyond the bytes there are is refused;
 * - a view (sf_open_view) reads the payload where it lies and frees nothing. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "estimators/accum.h"
#include "ope/base/outfile.h"
#include "ope/base/rng.h"
#include "ope/base/statefile.h"
#include "t/tap.h"

#define N 10000
#define K 3
#define B 16

static double col[K][N];

/* A point-partials source over col[] (bootstrap partials through acc_point_column's
 * arithmetic are not needed: acc_run is tested in t/0985; here the states are). */
static void src_point(void *ctx, void *scratch, size_t lo, size_t m, double *sum)
{
    (void)ctx;
    (void)scratch;
    for (size_t k = 0; k < K; k++)
        sum[k] = acc_point_column(col[k] + lo, 1, m);
}

static void src_boot(void *ctx, void *scratch, size_t lo, size_t m, const uint64_t *rowkey,
                     uint64_t b0, size_t nb, double *dot, uint64_t *cnt)
{
    (void)ctx;
    (void)scratch;
    for (size_t r = 0; r < nb; r++) {
        cnt[r] = 0;
        for (size_t k = 0; k < K; k++)
            dot[r * K + k] = 0;
        for (size_t i = 0; i < m; i++) {
            int c = acc_count(rowkey[i], b0 + r);
            cnt[r] += (uint64_t)c;
            for (size_t k = 0; k < K; k++)
                dot[r * K + k] += c * col[k][lo + i];
        }
    }
}

static int same_bits(const struct acc_state *a, const struct acc_state *b)
{
    double pa[K], pb[K], ra[B * K], rb[B * K], na[B], nb[B];
    acc_finalize(a, pa, ra, na);
    acc_finalize(b, pb, rb, nb);
    return a->n == b->n && memcmp(pa, pb, sizeof pa) == 0 && memcmp(ra, rb, sizeof ra) == 0 &&
           memcmp(na, nb, sizeof na) == 0;
}

static void put_u64_at(struct strbuf *sb, size_t at, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        sb->buf[at + (size_t)i] = (char)(unsigned char)(v >> (8 * i));
}

/* sf_put_sums / sf_merge_sums, sf_put_f64s / sf_add_f64s. */
static void test_sparse(void)
{
    enum { M = 1000 };
    static struct ope_sum a[M], into[M], ref[M];
    static double f[M], fin[M], fref[M];
    struct ope_rng r;
    ope_rng_init(&r, 7, OPE_RNG_TEST, 1);
    /* 10 nonzero entries: sparse (10 x 24 bytes < 1000 x 16) */
    for (size_t i = 0; i < M; i++) {
        ope_sum_init(&a[i]);
        ope_sum_init(&into[i]);
        f[i] = fin[i] = 0.0;
    }
    for (size_t i = 3; i < M; i += 100) {
        ope_sum_add(&a[i], ope_rng_uniform(&r));
        ope_sum_add(&a[i], 1e-17 * ope_rng_uniform(&r));  /* a compensation word too */
        f[i] = ope_rng_uniform(&r) - 0.5;
    }
    for (size_t i = 0; i < M; i++) {
        ope_sum_add(&into[i], (double)i);
        fin[i] = (double)i / 3.0;
        ref[i] = into[i];
        ope_sum_merge(&ref[i], &a[i]);
        fref[i] = fin[i] + f[i];
    }
    struct strbuf sb;
    strbuf_init(&sb);
    sf_put_sums(&sb, a, M);
    size_t sums_len = sb.len;
    sf_put_f64s(&sb, f, M);
    ok(sums_len == 16 + 10 * 24 && sb.len - sums_len == 16 + 10 * 16,
       "10 of 1000 nonzero: the sparse forms (%zu and %zu bytes)", sums_len,
       sb.len - sums_len);
    struct sf_state st;
    sf_cursor(&st, sb.buf, sb.len, "test", "test");
    sf_merge_sums(&st, into, M);
    sf_add_f64s(&st, fin, M);
    ok(!st.bad && st.off == st.n && memcmp(into, ref, sizeof ref) == 0 &&
       memcmp(fin, fref, sizeof fref) == 0, "merge to the bits of merging every entry");

    /* the break-even: k pairs of 24 bytes against n sums of 16: sparse below 2n/3 */
    struct ope_sum b[30];
    for (size_t i = 0; i < 30; i++) {
        ope_sum_init(&b[i]);
        if (i < 19)
            ope_sum_add(&b[i], 1.0 + (double)i);
    }
    strbuf_reset(&sb);
    sf_put_sums(&sb, b, 30);
    ok(sb.len == 16 + 19 * 24, "19 of 30: sparse (456 < 480 bytes)");
    ope_sum_add(&b[19], 2.0);
    strbuf_reset(&sb);
    sf_put_sums(&sb, b, 30);
    ok(sb.len == 8 + 30 * 16, "20 of 30: dense (480 is not shorter than 480)");
    struct ope_sum c[30];
    for (size_t i = 0; i < 30; i++)
        ope_sum_init(&c[i]);
    sf_cursor(&st, sb.buf, sb.len, "test", "test");
    sf_merge_sums(&st, c, 30);
    ok(!st.bad && st.off == st.n && memcmp(c, b, sizeof b) == 0, "and reads back whole");
    strbuf_reset(&sb);
    sf_put_sums(&sb, b, 0);
    sf_cursor(&st, sb.buf, sb.len, "test", "test");
    sf_merge_sums(&st, c, 0);
    ok(sb.len == 8 && !st.bad && st.off == st.n, "no entries: 8 bytes");

    /* damage: each must set bad */
    struct ope_sum d[8];
    for (size_t i = 0; i < 8; i++)
        ope_sum_init(&d[i]);
    ope_sum_add(&d[2], 1.0);
    ope_sum_add(&d[5], 2.0);
    strbuf_reset(&sb);
    sf_put_sums(&sb, d, 8);        /* 1, 2, (2, 1.0, 0), (5, 2.0, 0) */
    ok(sb.len == 16 + 2 * 24, "2 of 8: sparse");
    struct { const char *what; size_t at; uint64_t v; } bad[] = {
        { "a form that is neither", 0, 2 },
        { "more pairs than there are entries", 8, 9 },
        { "more pairs than bytes", 8, 3 },
        { "an index past the end", 40, 8 },
        { "indices out of order", 40, 2 },
        { "a sum that is not finite", 24, 0x7ff0000000000000u },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        struct strbuf cp;
        strbuf_init(&cp);
        strbuf_add(&cp, sb.buf, sb.len);
        put_u64_at(&cp, bad[k].at, bad[k].v);
        struct ope_sum e[8];
        for (size_t i = 0; i < 8; i++)
            ope_sum_init(&e[i]);
        sf_cursor(&st, cp.buf, cp.len, "test", "test");
        sf_merge_sums(&st, e, 8);
        ok(st.bad, "refused: %s", bad[k].what);
        strbuf_release(&cp);
    }
    /* a double that is not finite, dense or sparse */
    double g[4] = { 0, 1.5, 0, 0 }, gin[4] = { 0 };
    strbuf_reset(&sb);
    sf_put_f64s(&sb, g, 4);     /* 1, 1, (1, 1.5): one 16-byte pair < 4 x 8 */
    ok(sb.len == 16 + 16, "1 of 4 doubles: sparse");
    put_u64_at(&sb, 24, 0x7ff8000000000000u);       /* the pair's value: a NaN */
    sf_cursor(&st, sb.buf, sb.len, "test", "test");
    sf_add_f64s(&st, gin, 4);
    ok(st.bad, "refused: a double that is not finite");
    strbuf_release(&sb);
}

/* sf_open_view: in place, and nothing freed by sf_close (ASan would see a bad free). */
static void test_view(void)
{
    struct strbuf pay, sealed;
    strbuf_init(&pay);
    strbuf_init(&sealed);
    sf_put_u64(&pay, 42);
    struct ope_error err;
    ope_error_clear(&err);
    ok(sf_seal(&sealed, "test-view", "a=1\n", &pay, &err) == 0, "sealed");
    struct sf_state st;
    ok(sf_open_view(&st, sealed.buf, sealed.len, "view", "test-view", &err) == 0 &&
       st.data > (unsigned char *)sealed.buf &&
       st.data < (unsigned char *)sealed.buf + sealed.len && sf_get_u64(&st) == 42 &&
       sf_done(&st, &err) == 0, "a view reads the payload in place");
    sf_close(&st);
    sealed.buf[sealed.len - 1] ^= 1;
    ok(sf_open_view(&st, sealed.buf, sealed.len, "view", "test-view", &err) != 0 &&
       err.status == OPE_EDATA, "and checks the SHA-256 as sf_open_bytes does: %s", err.msg);
    strbuf_release(&pay);
    strbuf_release(&sealed);
}

static int fail_writes;
static ssize_t failing_write(int fd, const void *buf, size_t n)
{
    (void)fd;
    (void)buf;
    (void)n;
    if (fail_writes)
        return -1;
    return (ssize_t)n;
}

int main(void)
{
    plan_no_plan();
    struct ope_rng rng;
    ope_rng_init(&rng, 7, OPE_RNG_TEST, 0);
    for (size_t i = 0; i < N; i++) {
        col[0][i] = ope_rng_uniform(&rng) * 1e6;
        col[1][i] = ope_rng_uniform(&rng) - 0.5;
        col[2][i] = (i % 7 == 0) ? 1e-300 : 3.0;
    }
    struct acc_source src = { N, K, 2, 0, NULL, src_point, src_boot, NULL };
    struct ope_error err = { 0 };
    size_t chunks = (N + ACC_CHUNK - 1) / ACC_CHUNK;

    /* Two shards' states and the whole run. */
    struct acc_state whole, s1, s2;
    acc_init(&whole, K, B, &err);
    acc_init(&s1, K, B, &err);
    acc_init(&s2, K, B, &err);
    acc_add_chunks(&whole, &src, 11, 0, chunks, &err);
    acc_add_chunks(&s1, &src, 11, 0, 1, &err);
    acc_add_chunks(&s2, &src, 11, 1, chunks, &err);

    struct strbuf pay = STRBUF_INIT, sealed1 = STRBUF_INIT, sealed2 = STRBUF_INIT;
    const char *settings = "estimators=ipw,snipw\nseed=11\nn_boot=16\n";
    acc_put(&pay, &s1);
    ok(sf_seal(&sealed1, "test-acc", settings, &pay, &err) == 0, "a state is sealed");
    strbuf_reset(&pay);
    acc_put(&pay, &s2);
    sf_seal(&sealed2, "test-acc", settings, &pay, &err);

    struct sf_state r1, r2;
    ok(sf_open_bytes(&r1, sealed1.buf, sealed1.len, "s1.state", "test-acc", &err) == 0,
       "it opens: magic, version, lengths and checksum agree (%s)", err.msg);
    ok(sf_open_bytes(&r2, sealed2.buf, sealed2.len, "s2.state", "test-acc", &err) == 0,
       "the second opens");
    ok(sf_compatible(&r1, &r2, &err) == 0, "states of the same settings are compatible");
    struct acc_state g1, g2;
    ok(acc_get(&r1, &g1, K, B, &err) == 0 && sf_done(&r1, &err) == 0,
       "the accumulator reads back whole");
    acc_get(&r2, &g2, K, B, &err);
    ok(same_bits(&g1, &s1), "a read-back state finalizes to the same bits");
    acc_merge(&g1, &g2);
    ok(same_bits(&g1, &whole), "two read-back shards merge to the bits of one run over both");
    sf_close(&r1);
    sf_close(&r2);

    /* A state of another shape: refused without allocating by its counts. */
    sf_open_bytes(&r1, sealed1.buf, sealed1.len, "s1.state", NULL, &err);
    struct acc_state bad;
    ok(acc_get(&r1, &bad, K, B + 1, &err) != 0 && err.status == OPE_EDATA,
       "a state of another number of replicates is refused: %s", err.msg);
    sf_close(&r1);

    /* Every truncation is refused. */
    int refused = 1;
    for (size_t len = 0; len < sealed1.len; len++) {
        struct sf_state t;
        if (sf_open_bytes(&t, sealed1.buf, len, "cut.state", "test-acc", &err) == 0) {
            refused = 0;
            sf_close(&t);
            diag("a state cut to %zu bytes was accepted", len);
        } else if (err.status != OPE_EDATA) {
            refused = 0;
        }
    }
    ok(refused, "each of the %zu truncations is refused with status 65", sealed1.len);
    sf_open_bytes(&r1, sealed1.buf, sealed1.len - 100, "cut.state", "test-acc", &err);
    like(err.msg, "cut.state: truncated state", "a cut file is called truncated: %s", err.msg);

    /* Every single-byte change is refused (the checksum covers every byte before it;
     * a change to the checksum itself no longer matches). */
    refused = 1;
    char *copy = malloc(sealed1.len);
    for (size_t i = 0; i < sealed1.len; i += (i < 200 ? 1 : 37)) {
        memcpy(copy, sealed1.buf, sealed1.len);
        copy[i] ^= 0x10;
        struct sf_state t;
        if (sf_open_bytes(&t, copy, sealed1.len, "flip.state", "test-acc", &err) == 0) {
            refused = 0;
            sf_close(&t);
            diag("a change at byte %zu was accepted", i);
        }
    }
    ok(refused, "single-byte changes anywhere are refused");
    memcpy(copy, sealed1.buf, sealed1.len);
    copy[sealed1.len / 2] ^= 1;
    sf_open_bytes(&r1, copy, sealed1.len, "flip.state", "test-acc", &err);
    like(err.msg, "damaged state: its SHA-256 does not match", "a changed byte: %s", err.msg);

    /* Another version, another kind, not a state. */
    memcpy(copy, sealed1.buf, sealed1.len);
    copy[8] = 2;
    sf_open_bytes(&r1, copy, sealed1.len, "v2.state", "test-acc", &err);
    like(err.msg, "format version 2; this ope reads version 1", "another version: %s", err.msg);
    ok(sf_open_bytes(&r1, sealed1.buf, sealed1.len, "s1.state", "other", &err) != 0,
       "another kind is refused");
    like(err.msg, "kind 'test-acc', where 'other' was expected", "%s", err.msg);
    ok(sf_open_bytes(&r1, "action,reward\n", 14, "log.csv", NULL, &err) != 0 &&
       err.status == OPE_EDATA, "a CSV is not a state: %s", err.msg);
    free(copy);

    /* Other settings: the differing line is named. */
    struct strbuf sealed3 = STRBUF_INIT;
    sf_seal(&sealed3, "test-acc", "estimators=ipw,snipw\nseed=12\nn_boot=16\n", &pay, &err);
    sf_open_bytes(&r1, sealed1.buf, sealed1.len, "a.state", NULL, &err);
    sf_open_bytes(&r2, sealed3.buf, sealed3.len, "b.state", NULL, &err);
    ok(sf_compatible(&r1, &r2, &err) != 0 && err.status == OPE_EDATA,
       "states of different seeds are not merged");
    like(err.msg, "(seed=11 in a.state, seed=12 in b.state)", "%s", err.msg);
    sf_close(&r1);
    sf_close(&r2);

    /* Files: written whole or not at all. */
    char dir[] = "/tmp/ope-t0375-XXXXXX";
    if (!mkdtemp(dir))
        bail_out("mkdtemp");
    char path[300];
    snprintf(path, sizeof path, "%s/s.state", dir);
    ok(sf_write(path, 0, "test-acc", settings, &pay, &err) == 0, "a state file is written");
    struct sf_state f;
    ope_error_clear(&err);
    ok(sf_open_file(&f, path, "test-acc", &err) == 0, "and read back (%s)", err.msg);
    struct acc_state g3;
    ok(acc_get(&f, &g3, K, B, &err) == 0 && sf_done(&f, &err) == 0 && same_bits(&g3, &s2),
       "with the same bits");
    sf_close(&f);
    ok(sf_write(path, 0, "test-acc", settings, &pay, &err) != 0,
       "an existing state is not replaced without force: %s", err.msg);
    ope_write_fn old = ope_outfile_set_write_fn(failing_write);
    fail_writes = 1;
    char path2[300];
    snprintf(path2, sizeof path2, "%s/t.state", dir);
    ok(sf_write(path2, 0, "test-acc", settings, &pay, &err) != 0 &&
       err.status == OPE_ECANTCREAT, "a failing write fails with 73");
    struct stat sb;
    ok(stat(path2, &sb) != 0, "and leaves no file");
    ok(sf_write(path, 1, "test-acc", settings, &pay, &err) != 0, "a failing --force rewrite "
       "fails");
    ok(sf_open_file(&f, path, "test-acc", &err) == 0, "and the old state is intact");
    sf_close(&f);
    ope_outfile_set_write_fn(old);
    snprintf(path2, sizeof path2, "%s/missing.state", dir);
    ok(sf_open_file(&f, path2, NULL, &err) != 0 && err.status == OPE_ENOINPUT,
       "a missing state: 66 (%s)", err.msg);
    unlink(path);
    rmdir(dir);

    acc_release(&whole);
    acc_release(&s1);
    acc_release(&s2);
    acc_release(&g1);
    acc_release(&g2);
    acc_release(&g3);
    strbuf_release(&pay);
    strbuf_release(&sealed1);
    strbuf_release(&sealed2);
    strbuf_release(&sealed3);
    test_sparse();
    test_view();
    return done_testing();
}
