/* t/0402-mistab-wire.c: mis's tables as MPI ranks exchange them (mistab.h). A rank
 * sends its tables with mis_tab_put (each step's transition counts as sparse rows) and
 * every rank adds them, in rank order, with mis_tab_add_put. That must give, bit for
 * bit, what mis_tab_merge gives from the tables themselves: the same sums in the same
 * order (a cell a row does not send adds +0.0, as the merge does). The reference
 * below is the merge of two tables counted from the two halves of a random log; the
 * check compares every cell within the states and steps seen, and every ratio solve.
 * Damaged bytes (cut short, a bit past a row's cells, sizes past the bytes left) are
 * refused with OPE_EDATA. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/tlog.h"
#include "estimators/mistab.h"
#include "estimators/traj.h"
#include "ope/base/rng.h"
#include "ope/base/statefile.h"

#define NA 3
#define NP 2
#define NR 4
#define EPISODES 60

/* A log of EPISODES episodes of 1..12 steps over 70 states (more than one 64-cell word
 * a row; the first third's of 1..6 steps over 40), two evaluation policies; rewards
 * of both signs. */
static int write_log(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "episode,step,state,action,reward,pscore,done,"
               "pi.a.0,pi.a.1,pi.a.2,pi.b.0,pi.b.1,pi.b.2\n");
    uint64_t x = 88172645463325252ULL;
    for (int e = 0; e < EPISODES; e++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        /* The first third: shorter episodes over fewer states. */
        int early = e < EPISODES / 3, S = early ? 40 : 70;
        int len = 1 + (int)(x % (early ? 6 : 12));
        int s = (int)((x >> 20) % (uint64_t)S);
        for (int t = 0; t < len; t++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int a = (int)(x % NA);
            double r = (double)((x >> 8) % 7) - 3.0;
            fprintf(f, "%d,%d,%d,%d,%g,%g,%d,0.2,0.5,0.3,0.6,0.4,0\n", e, t, s, a, r,
                    1.0 / NA, t == len - 1);
            s = (s + 1 + (int)((x >> 33) % 3)) % S;
        }
    }
    return fclose(f);
}

/* The tables counted from episodes [e0, e1) of the log, copy r counting episode e
 * (e + r) % 3 times (copy 0 once). */
static int count(struct mis_tab *t, const struct tlog *log, size_t e0, size_t e1,
                 const double *wr, struct ope_error *err)
{
    if (mis_tab_init(t, NP, NR, 0, err) != 0)
        return -1;
    for (size_t e = e0; e < e1; e++) {
        double m[NR];
        m[0] = 1.0;
        for (int r = 1; r < NR; r++)
            m[r] = (double)((e + (size_t)r) % 3);
        for (size_t p = 0; p < NP; p++)
            if (mis_tab_add(t, log, e, p, wr + p * log->n_steps, m, err) != 0)
                return -1;
    }
    return 0;
}

/* Policy p's copy r at step u (mistab.h's layout: blocks of cap^2 + 3 cap, steps
 * outermost). */
static const double *cell(const struct mis_tab *t, size_t p, size_t r, int u)
{
    size_t blk = t->cap * t->cap + 3 * t->cap;
    return t->x + (((size_t)u * t->P + p) * t->R + r) * blk;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Every number within the states and steps seen, bit for bit. */
static int same_tables(const struct mis_tab *a, const struct mis_tab *b)
{
    if (a->S != b->S || a->T != b->T)
        return 0;
    size_t S = a->S;
    for (size_t p = 0; p < NP; p++)
        for (size_t r = 0; r < NR; r++) {
            if (!same_bits(a->mass[p * NR + r], b->mass[p * NR + r]))
                return 0;
            for (int u = 0; u < a->T; u++) {
                const double *x = cell(a, p, r, u), *y = cell(b, p, r, u);
                size_t ca = a->cap, cb = b->cap;
                for (size_t s = 0; s < S; s++) {
                    for (size_t s2 = 0; s2 < S; s2++)
                        if (!same_bits(x[s * ca + s2], y[s * cb + s2]))
                            return 0;
                    if (!same_bits(x[ca * ca + s], y[cb * cb + s]) ||
                        !same_bits(x[ca * ca + ca + 2 * s], y[cb * cb + cb + 2 * s]) ||
                        !same_bits(x[ca * ca + ca + 2 * s + 1], y[cb * cb + cb + 2 * s + 1]))
                        return 0;
                }
            }
        }
    return 1;
}

static void reader(struct sf_state *st, const struct strbuf *sb, size_t n)
{
    sf_cursor(st, sb->buf, n, "a rank's models", "");
}

/* Add the bytes (their first n) to a fresh table: 0, or -1 with err. */
static int add_bytes(const struct strbuf *sb, size_t n, struct ope_error *err)
{
    struct mis_tab t;
    struct sf_state st;
    reader(&st, sb, n);
    int rc = mis_tab_init(&t, NP, NR, 0, err);
    if (rc == 0)
        rc = mis_tab_add_put(&t, &st, err);
    if (rc == 0)
        rc = sf_done(&st, err);
    mis_tab_release(&t);
    return rc;
}

int main(void)
{
    plan_no_plan();
    struct ope_error err;
    ope_error_clear(&err);
    char path[512];
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(path, sizeof path, "%s/t0402-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0 || close(fd) != 0 || write_log(path) != 0)
        bail_out("cannot write the log");
    struct load_opts o;
    load_opts_init(&o);
    struct tlog *log = tlog_load(path, &o, &err);
    unlink(path);
    if (!log)
        bail_out("the log does not load: %s", err.msg);
    double *wr = malloc(NP * log->n_steps * sizeof *wr), *rho = malloc(log->n_steps * sizeof *rho);
    for (size_t p = 0; p < NP; p++)
        if (!wr || !rho || traj_weights(log, p, wr + p * log->n_steps, rho, &err) != 0)
            bail_out("weights: %s", err.msg);

    size_t split = EPISODES / 3;    /* the two parts: the first third, the rest */
    struct mis_tab a, b, merged, wire;
    if (count(&a, log, 0, split, wr, &err) != 0 || count(&b, log, split, EPISODES, wr, &err) != 0)
        bail_out("counting: %s", err.msg);
    ok(a.S > 64 || b.S > 64, "a row spans two 64-cell words (S = %zu, %zu)", a.S, b.S);
    ok(a.S != b.S || a.T != b.T, "the two parts saw other states or steps (%zu x %d, %zu x %d)",
       a.S, a.T, b.S, b.T);
    /* The reference: the merge of the tables themselves, in order. */
    if (mis_tab_init(&merged, NP, NR, 0, &err) != 0 || mis_tab_merge(&merged, &a, &err) != 0 ||
        mis_tab_merge(&merged, &b, &err) != 0)
        bail_out("merge: %s", err.msg);
    struct strbuf pa = STRBUF_INIT, pb = STRBUF_INIT;
    mis_tab_put(&a, &pa);
    mis_tab_put(&b, &pb);
    double dense = (double)NP * NR * (double)a.T * (double)a.S * (double)a.S * 8.0;
    ok((double)pa.len < dense / 4.0, "the bytes are sparse: %zu, the dense tables %.0f", pa.len,
       dense);
    /* What the MPI budget counts for them before they are put: their exact bytes. */
    ok(mis_tab_wire_bytes(&a) == (double)pa.len && mis_tab_wire_bytes(&b) == (double)pb.len,
       "mis_tab_wire_bytes: %.0f and %.0f, as put: %zu and %zu", mis_tab_wire_bytes(&a),
       mis_tab_wire_bytes(&b), pa.len, pb.len);
    struct sf_state st;
    int rc = mis_tab_init(&wire, NP, NR, 0, &err);
    reader(&st, &pa, pa.len);
    if (rc == 0 && (rc = mis_tab_add_put(&wire, &st, &err)) == 0)
        rc = sf_done(&st, &err);
    reader(&st, &pb, pb.len);
    if (rc == 0 && (rc = mis_tab_add_put(&wire, &st, &err)) == 0)
        rc = sf_done(&st, &err);
    ok(rc == 0, "both parts added from their bytes (%s)", rc ? err.msg : "");
    ok(rc == 0 && same_tables(&wire, &merged), "added from the bytes: the merge, bit for bit");
    int solves = 1;
    double *scratch = malloc(2 * (merged.S + 1) * sizeof *scratch);
    for (size_t p = 0; rc == 0 && p < NP; p++)
        for (size_t r = 0; r < NR; r++) {
            double v = mis_tab_solve(&merged, p, r, 0.9, NULL, scratch);
            double w = mis_tab_solve(&wire, p, r, 0.9, NULL, scratch);
            solves &= same_bits(v, w) && isfinite(v);
        }
    ok(rc == 0 && solves, "every policy's and copy's ratios solve to the same value");

    /* A cell of -0.0 is a value, not an empty cell: its bit is set. */
    struct mis_tab z;
    double ones[NR] = { 1, 1, 1, 1 };
    if (mis_tab_init(&z, NP, NR, 0, &err) != 0 || mis_tab_add(&z, log, 0, 0, wr, ones, &err) != 0)
        bail_out("z: %s", err.msg);
    double *c0 = (double *)cell(&z, 0, 0, 0);
    int empty_cell = -1;
    for (size_t s2 = 0; s2 < z.S && s2 < 64; s2++)
        if (c0[s2] == 0.0)
            empty_cell = (int)s2;
    if (empty_cell < 0)
        bail_out("no empty cell in the first row");
    c0[empty_cell] = -0.0;
    struct strbuf pz = STRBUF_INIT;
    mis_tab_put(&z, &pz);
    /* S, T, copy 0's mass, then the first row's first word. */
    uint64_t word = 0;
    for (int i = 0; i < 8; i++)
        word |= (uint64_t)(unsigned char)pz.buf[24 + i] << (8 * i);
    ok(word >> empty_cell & 1, "a cell of -0.0 goes as a value (bit %d of the first word)",
       empty_cell);
    ok(mis_tab_wire_bytes(&z) == (double)pz.len, "... and counts in mis_tab_wire_bytes (%zu)",
       pz.len);

    /* Damage. */
    int cut = 1;
    size_t cuts[] = { 0, 8, 16, 24, 31, pa.len / 2, pa.len - 8, pa.len - 1 };
    for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
        ope_error_clear(&err);
        cut &= add_bytes(&pa, cuts[k], &err) != 0 && err.status == OPE_EDATA &&
                strstr(err.msg, "damaged state") != NULL;
    }
    ok(cut, "bytes cut short anywhere are refused as a damaged state (%s)", err.msg);
    /* A bit past the row's cells: the first row's last word (S > 64: its second). */
    struct strbuf bad = STRBUF_INIT;
    strbuf_add(&bad, pa.buf, pa.len);
    size_t w1 = 24 + 8;     /* S, T, mass; the first word */
    w1 += 8 * (size_t)__builtin_popcountll((uint64_t)(unsigned char)pa.buf[24] |
                                          (uint64_t)(unsigned char)pa.buf[25] << 8 |
                                          (uint64_t)(unsigned char)pa.buf[26] << 16 |
                                          (uint64_t)(unsigned char)pa.buf[27] << 24 |
                                          (uint64_t)(unsigned char)pa.buf[28] << 32 |
                                          (uint64_t)(unsigned char)pa.buf[29] << 40 |
                                          (uint64_t)(unsigned char)pa.buf[30] << 48 |
                                          (uint64_t)(unsigned char)pa.buf[31] << 56);
    if (a.S > 64)
        bad.buf[w1 + 7] |= (char)0x80;  /* bit 63 of the second word: past the row */
    else
        bad.buf[31] |= (char)0x80;
    ope_error_clear(&err);
    ok(add_bytes(&bad, bad.len, &err) != 0 && err.status == OPE_EDATA,
       "a bit past a row's cells is refused (%s)", err.msg);
    /* Sizes past the bytes left: refused before any table is laid out. */
    struct strbuf big = STRBUF_INIT;
    sf_put_u64(&big, (uint64_t)1 << 40);
    sf_put_u64(&big, 1000);
    ope_error_clear(&err);
    ok(add_bytes(&big, big.len, &err) != 0 && err.status == OPE_EDATA,
       "a state count past the bytes left is refused (%s)", err.msg);

    strbuf_release(&pa);
    strbuf_release(&pb);
    strbuf_release(&pz);
    strbuf_release(&bad);
    strbuf_release(&big);
    free(scratch);
    free(wr);
    free(rho);
    mis_tab_release(&a);
    mis_tab_release(&b);
    mis_tab_release(&merged);
    mis_tab_release(&wire);
    mis_tab_release(&z);
    tlog_free(log);
    return done_testing();
}
