/* t/1520-tlog-span.c: the trajectory loader reads runs of plain lines in parallel
 * (tlog_span.c); the log it builds, or the first error it reports, must be exactly
 * what reading record by record with csv_next gives (tlog_loader_use_spans(0), the
 * reference). Files of a few MB (several parallel parts per run, several runs) with
 * blank lines, CRLF, a last line without a line end, quoted records, a feature
 * column, done flags, policy columns repeating a few values (looked up, not parsed,
 * by the parallel tasks: tlog_memo), and every kind of bad row -- a bad value, a step
 * gap, an episode that comes back, a row after done=1, an empty id, a short row -- in
 * early and late parts, alone and together. */
#include "config.h"
#include "t/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/csv.h"
#include "datasets/tlog.h"
#include "datasets/tlog_loader.h"
#include "ope/base/rng.h"

static char dir[] = "/tmp/ope-t1520-XXXXXX";

/* How a generated file differs from a plain numeric log of 10-step episodes. Row
 * numbers count data rows from 1; 0 means none. */
struct shape {
    size_t rows;
    int crlf, blank_every, quote_every, no_final_newline;
    size_t bad_pscore[2];   /* pscore 0 */
    size_t step_gap;        /* the step written one too high */
    size_t again;           /* the episode id of this row is episode 0's */
    size_t done_early;      /* done=1 on this row, and its episode goes on */
    size_t empty_id;        /* an empty episode id */
    size_t short_row;       /* the last field missing */
    int blank_run;          /* blank lines each time (0: one) */
    int repeat;             /* pi.a from a few 17-digit triples (the loader's memo) */
    size_t over_one;        /* this row's pi.a.0 is 1.0000000000000002 */
};

/* Triples summing to 1 within 1e-6, spelled as %.17g spells them. */
static const char *const triple[4] = {
    "0.33333333333333331,0.33333333333333331,0.33333333333333337",
    "0.055555555555555552,0.83333333333333337,0.1111111111111111",
    "0.16666666666666666,0.16666666666666666,0.66666666666666674",
    "0.22222222222222221,0.55555555555555558,0.22222222222222221",
};

static const char *write_log(const char *name, const struct shape *sh, uint64_t seed,
                             size_t from, size_t to)
{
    static char path[2][256];
    static int which;
    char *p = path[which ^= 1];
    snprintf(p, sizeof path[0], "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        bail_out("cannot write %s", p);
    struct ope_rng g;
    ope_rng_init(&g, seed, OPE_RNG_TEST, 3);
    const char *eol = sh->crlf ? "\r\n" : "\n";
    fprintf(f, "episode,step,state,action,reward,pscore,done,s0,pi.a.0,pi.a.1,pi.a.2,"
            "pi.b.0,pi.b.1,pi.b.2%s", eol);
    for (size_t i = from; i <= to; i++) {
        size_t ep = (i - 1) / 10, step = (i - 1) % 10;
        for (int b = 0; sh->blank_every && i % sh->blank_every == 0 &&
                        b < (sh->blank_run ? sh->blank_run : 1); b++)
            fputs(eol, f);
        double p0 = 0.05 + 0.9 * ope_rng_uniform(&g), u = ope_rng_uniform(&g);
        int q = sh->quote_every && i % sh->quote_every == 0;
        if (sh->empty_id == i)
            fputs(",", f);
        else if (q)             /* the same id, quoted: csv_next reads this row */
            fprintf(f, "\"e%zu\",", sh->again == i ? 0 : ep);
        else
            fprintf(f, "e%zu,", sh->again == i ? 0 : ep);
        fprintf(f, "%zu,%d,%d,%.17g,%.17g,%d,%.17g,", step + (sh->step_gap == i),
                (int)(ope_rng_u64(&g) % 7), (int)(ope_rng_u64(&g) % 3), u,
                sh->bad_pscore[0] == i || sh->bad_pscore[1] == i ? 0.0 : p0,
                step == 9 || sh->done_early == i, ope_rng_normal(&g));
        double a = ope_rng_uniform(&g) * 0.5, b = ope_rng_uniform(&g) * 0.5;
        if (sh->over_one == i)
            fputs("1.0000000000000002,0,0,0.25,0.25", f);
        else if (sh->repeat)
            fprintf(f, "%s,0.25,0.25", triple[ope_rng_u64(&g) % 4]);
        else
            fprintf(f, "%.17g,%.17g,%.17g,0.25,0.25", a, b, 1.0 - a - b);
        if (sh->short_row != i)
            fputs(",0.5", f);
        fputs(sh->no_final_newline && i == to ? "" : eol, f);
    }
    fclose(f);
    return p;
}

static int same_bytes(const void *a, const void *b, size_t n)
{
    return (!a && !b) || (a && b && memcmp(a, b, n) == 0);
}

/* Every field of two logs, bit for bit. */
static int same_log(const struct tlog *a, const struct tlog *b)
{
    size_t n = a->n_steps, d = sizeof(double);
    if (a->n_steps != b->n_steps || a->n_episodes != b->n_episodes ||
        a->horizon != b->horizon || a->n_actions != b->n_actions ||
        a->n_states != b->n_states || a->n_features != b->n_features ||
        a->n_policies != b->n_policies ||
        !same_bytes(a->ep_start, b->ep_start, (a->n_episodes + 1) * sizeof *a->ep_start) ||
        !same_bytes(a->state, b->state, n * sizeof *a->state) ||
        !same_bytes(a->action, b->action, n * sizeof *a->action) ||
        !same_bytes(a->reward, b->reward, n * d) || !same_bytes(a->pscore, b->pscore, n * d) ||
        !same_bytes(a->done, b->done, n) || !same_bytes(a->line, b->line, n * sizeof *a->line))
        return 0;
    for (size_t e = 0; e < a->n_episodes; e++)
        if (strcmp(a->ep_id[e], b->ep_id[e]) != 0)
            return 0;
    for (size_t k = 0; k < a->n_features; k++)
        if (strcmp(a->feature_name[k], b->feature_name[k]) != 0 ||
            !same_bytes(a->feature[k], b->feature[k], n * d))
            return 0;
    for (size_t p = 0; p < a->n_policies; p++) {
        if (strcmp(a->policy[p].name, b->policy[p].name) != 0)
            return 0;
        for (int k = 0; k < a->n_actions; k++)
            if (!same_bytes(a->policy[p].prob[k], b->policy[p].prob[k], n * d))
                return 0;
    }
    return 1;
}

static struct tlog *load(const char *const *paths, size_t n, int spans, struct ope_error *err)
{
    struct load_opts lo;
    load_opts_init(&lo);
    lo.want_policies = 1;
    tlog_loader_use_spans(spans);
    struct csv_reader *csv = csv_open_many(paths, n, 0, err);
    struct tlog *t = csv ? tlog_load_csv(csv, &lo, err) : NULL;
    csv_close(csv);
    tlog_loader_use_spans(1);
    return t;
}

/* Load with spans and record by record; both logs equal, or both errors equal (and,
 * when expected, naming want). */
static void compare_files(const char *what, const char *const *paths, size_t n_paths,
                          const char *want)
{
    struct ope_error e1 = { 0 }, e2 = { 0 };
    struct tlog *a = load(paths, n_paths, 1, &e1), *b = load(paths, n_paths, 0, &e2);
    if (!want) {
        ok(a && b && same_log(a, b), "%s: %zu steps, identical logs", what,
           a ? a->n_steps : 0);
        if (!a || !b)
            diag("%s / %s", e1.msg, e2.msg);
    } else {
        ok(!a && !b && e1.status == e2.status && strcmp(e1.msg, e2.msg) == 0 &&
           strstr(e1.msg, want), "%s: the same first error", what);
        diag("%s", e1.msg);
        if (strcmp(e1.msg, e2.msg) != 0)
            diag("record by record: %s", e2.msg);
    }
    tlog_free(a);
    tlog_free(b);
}

static void compare(const char *what, const struct shape *sh, uint64_t seed, const char *want)
{
    const char *path = write_log("log.csv", sh, seed, 1, sh->rows);
    compare_files(what, &path, 1, want);
    unlink(path);
}

int main(void)
{
    plan_no_plan();
    if (!mkdtemp(dir))
        bail_out("mkdtemp");
    setenv("OPE_THREADS", "3", 1);      /* more workers than cores: any order */
    /* ~150 bytes a row: 60000 rows are ~9 MB, two runs of 8 MB in 1 MB parts. */
    struct shape plain = { 60000, 0, 0, 0, 0, { 0, 0 }, 0, 0, 0, 0, 0, 0, 0, 0 };
    compare("plain numeric log (several runs and parts)", &plain, 1, NULL);
    struct shape odd = { 30000, 1, 97, 0, 1, { 0, 0 }, 0, 0, 0, 0, 0, 0, 0, 0 };
    compare("CRLF, blank lines, no final line end", &odd, 2, NULL);
    struct shape quoted = { 30000, 0, 0, 1777, 0, { 0, 0 }, 0, 0, 0, 0, 0, 0, 0, 0 };
    compare("quoted ids between runs of plain lines", &quoted, 3, NULL);
    /* Mostly blank lines: more lines in a run than its first guess of their count. */
    struct shape blanks = { 20000, 0, 1, 0, 0, { 0, 0 }, 0, 0, 0, 0, 0, 40, 0, 0 };
    compare("40 blank lines before every row", &blanks, 19, NULL);
    struct shape rep = { 60000, 0, 0, 0, 0, { 0, 0 }, 0, 0, 0, 0, 0, 0, 1, 0 };
    compare("policy columns repeating a few values", &rep, 20, NULL);
    struct shape small = { 3, 0, 0, 0, 1, { 0, 0 }, 0, 0, 0, 0, 0, 0, 0, 0 };
    compare("three rows", &small, 4, NULL);

    /* Errors. The expected words come from the messages of tlog.c and roles.c. */
    struct shape bad2 = { 60000, 0, 0, 0, 0, { 9000, 56000 }, 0, 0, 0, 0, 0, 0, 0, 0 };
    compare("bad pscore in two runs: the first is reported", &bad2, 5, ":9001:");
    struct shape gap = { 60000, 0, 0, 0, 0, { 0, 0 }, 55003, 0, 0, 0, 0, 0, 0, 0 };
    compare("a step gap in a late part", &gap, 6, "saw step 3 after step 1");
    struct shape gapbad = { 60000, 0, 0, 0, 0, { 55003, 0 }, 55003, 0, 0, 0, 0, 0, 0, 0 };
    compare("a step gap and a bad pscore on one row: the step first", &gapbad, 7,
            "saw step 3 after step 1");
    struct shape gapthenbad = { 60000, 0, 0, 0, 0, { 40000, 0 }, 30005, 0, 0, 0, 0, 0, 0, 0 };
    compare("a step gap, then a bad value in a later part", &gapthenbad, 8,
            ":30006:");
    struct shape badthengap = { 60000, 0, 0, 0, 0, { 30005, 0 }, 40005, 0, 0, 0, 0, 0, 0, 0 };
    compare("a bad value, then a step gap in a later part", &badthengap, 9, ":30006:");
    struct shape again = { 60000, 0, 0, 0, 0, { 0, 0 }, 0, 52001, 0, 0, 0, 0, 0, 0 };
    compare("episode 0 comes back in a late run", &again, 10, "appears again");
    struct shape done = { 60000, 0, 0, 0, 0, { 0, 0 }, 0, 0, 20004, 0, 0, 0, 0, 0 };
    compare("an episode goes on after done=1", &done, 11, "goes on after done=1 on line 20005");
    struct shape empty = { 60000, 0, 50, 0, 0, { 0, 0 }, 0, 0, 0, 33333, 0, 0, 0, 0 };
    compare("an empty episode id after blank lines", &empty, 12, "episode");
    struct shape shrt = { 60000, 1, 0, 0, 0, { 0, 0 }, 0, 0, 0, 0, 44444, 0, 0, 0 };
    compare("a short CRLF row", &shrt, 13, "fields but the header has");
    struct shape quotedgap = { 30000, 0, 0, 1000, 0, { 0, 0 }, 12000, 0, 0, 0, 0, 0, 0, 0 };
    compare("a step gap on a quoted row", &quotedgap, 14, "saw step");

    struct shape over = { 60000, 0, 0, 0, 0, { 0, 0 }, 0, 0, 0, 0, 0, 0, 1, 50001 };
    compare("a repeated probability above 1 in a late part", &over, 21,
            ":50002:");

    /* Two inputs: an episode of the first comes back in the second, named by file. */
    struct shape two = { 40000, 0, 0, 0, 0, { 0, 0 }, 0, 30001, 0, 0, 0, 0, 0, 0 };
    const char *p[2];
    p[0] = write_log("one.csv", &two, 15, 1, 20000);
    char keep[256];
    snprintf(keep, sizeof keep, "%s", p[0]);
    p[0] = keep;
    p[1] = write_log("two.csv", &two, 16, 20001, 40000);
    compare_files("two inputs, an episode of the first comes back", p, 2, "one.csv)");
    struct shape twook = { 40000, 0, 0, 0, 0, { 0, 0 }, 0, 0, 0, 0, 0, 0, 0, 0 };
    write_log("one.csv", &twook, 17, 1, 20000);
    write_log("two.csv", &twook, 18, 20001, 40000);
    compare_files("two inputs", p, 2, NULL);
    unlink(p[0]);
    unlink(p[1]);
    rmdir(dir);
    return done_testing();
}
