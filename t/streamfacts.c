/* t/streamfacts.c: what a streamed bandit log gives, for t/0383 to compare between a
 * single process and each rank of an MPI job (the first pass split among the ranks,
 * datasets/blog_stream_split.c). Usage: streamfacts LOG OUT [--position-base B]
 * [--n-actions A] [-- LOG OUT ...], LOG one file or several joined by '+' (one log);
 * for each log each rank writes OUT.RANK: the error
 * of blog_stream_open (status and message), or the log's rows, actions, positions,
 * columns' roles, every categorical
 * column's levels in order, and a SHA-256 of every value of every window of a whole
 * pass (rows, codes, probabilities, lines), and for several files the log's SHA-256
 * (blog_stream_digest), so that two runs agree only when every
 * rank's stream is the single process's, value for value; and OUT.share.RANK: the
 * rank's share of the rows (blog_stream_share) and a digest of each window of a pass
 * over it, which in rank order are the single process's windows. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/blog_stream.h"
#include "ope/base/comm.h"
#include "ope/base/sha256.h"

static void add(struct sha256 *h, const void *p, size_t n)
{
    if (p)
        sha256_update(h, p, n);
}

/* Every value of window w into h. */
static void window_hash(struct sha256 *h, const struct blog *w, size_t first)
{
    size_t n = w->n;
    add(h, &first, sizeof first);
    add(h, &n, sizeof n);
    add(h, w->action, n * sizeof *w->action);
    add(h, w->reward, n * sizeof *w->reward);
    add(h, w->pscore, n * sizeof *w->pscore);
    add(h, w->position, n * sizeof *w->position);
    add(h, w->line, n * sizeof *w->line);
    for (size_t k = 0; k < w->n_num_ctx; k++)
        add(h, w->num_ctx[k], n * sizeof **w->num_ctx);
    for (size_t k = 0; k < w->n_cat_ctx; k++)
        add(h, w->cat_ctx[k].code, n * sizeof *w->cat_ctx[k].code);
    for (int a = 0; a < w->n_actions; a++) {
        for (size_t p = 0; p < w->n_policies; p++)
            add(h, w->policy[p].prob[a], n * sizeof **w->policy[p].prob);
        if (w->qhat)
            add(h, w->qhat[a], n * sizeof **w->qhat);
        if (w->q)
            add(h, w->q[a], n * sizeof **w->q);
    }
}

/* The rank's share (blog_stream_share) to share: "share LO HI KIND" (KIND bytes,
 * files, members or rows), then a pass over it, a line per window with its first row
 * and the SHA-256 of its values: the shares' lines of every rank, in rank order, are
 * then the whole log's windows. */
static void share_pass(struct blog_stream *s, FILE *share)
{
    struct ope_error err = { 0 };
    size_t lo, hi;
    int by = blog_stream_share(s, &lo, &hi);
    fprintf(share, "share %zu %zu %s\n", lo, hi,
            by == 1 ? "bytes" : by == 2 ? "files" : by == 3 ? "members" : "rows");
    if (blog_stream_set_range(s, lo, hi, &err) != 0) {
        fprintf(share, "range error %d %s\n", err.status, err.msg);
        return;
    }
    const struct blog *w;
    size_t first;
    int rc;
    while ((rc = blog_stream_next(s, &w, &first, &err)) == 1) {
        struct sha256 h;
        sha256_init(&h);
        window_hash(&h, w, first);
        char hex[65];
        sha256_final_hex(&h, hex);
        fprintf(share, "window %zu %zu %s\n", first, w->n, hex);
    }
    if (rc < 0)
        fprintf(share, "pass error %d %s\n", err.status, err.msg);
}

static int facts(char *log, const struct load_opts *o, FILE *out, FILE *share)
{
    struct ope_error err = { 0 };
    const char *path[64];
    size_t n = 0;
    for (char *p = strtok(log, "+"); p && n < 64; p = strtok(NULL, "+"))
        path[n++] = p;
    struct blog_stream *s = blog_stream_open(path, n, o, 4096, &err);
    if (!s) {
        fprintf(out, "error %d %s\n", err.status, err.msg);
        return 0;
    }
    char hex[65];
    if (n > 1 && blog_stream_digest(s, hex) == 0)
        fprintf(out, "digest %s\n", hex);
    /* The share's pass first: a rank's range is read back from what its first pass
     * kept of its share, where it kept it (a whole pass parsed would replace that). */
    share_pass(s, share);
    struct sha256 h;
    sha256_init(&h);
    const struct blog *w;
    size_t first, windows = 0;
    int rc = blog_stream_set_range(s, 0, blog_stream_rows(s), &err) == 0 ? 1 : -1;
    while (rc == 1 && (rc = blog_stream_next(s, &w, &first, &err)) == 1) {
        if (windows++ == 0) {
            fprintf(out, "rows %zu actions %d positions %d policies %zu qhat %d\n",
                    blog_stream_rows(s), w->n_actions, w->n_positions, w->n_policies,
                    w->qhat != NULL);
            for (size_t j = 0; j < w->n_columns; j++)
                fprintf(out, "column %s: %s\n", w->columns[j], w->column_role[j]);
            for (size_t k = 0; k < w->n_cat_ctx; k++) {
                fprintf(out, "levels %s:", w->cat_ctx[k].name);
                for (size_t l = 0; l < w->cat_ctx[k].n_levels; l++)
                    fprintf(out, " [%s]", w->cat_ctx[k].levels[l]);
                fprintf(out, "\n");
            }
        }
        window_hash(&h, w, first);
    }
    if (rc < 0)
        fprintf(out, "pass error %d %s\n", err.status, err.msg);
    unsigned char d[32];
    sha256_final(&h, d);
    fprintf(out, "windows %zu values ", windows);
    for (int i = 0; i < 32; i++)
        fprintf(out, "%02x", d[i]);
    fprintf(out, "\n");
    blog_stream_close(s);
    return 0;
}

int main(int argc, char **argv)
{
    struct ope_error err = { 0 };
    if (argc < 3 || comm_start(&argc, &argv, &err) < 0) {
        fprintf(stderr, "usage: streamfacts LOG OUT [--position-base B] [--n-actions A] "
                "[-- LOG OUT ...]%s\n", err.msg);
        return 2;
    }
    /* Several logs in one run (groups after --, in order on every rank): t/0383 starts
     * one MPI job for all its logs, not one per log. */
    int rc = 0;
    for (int g = 1; g + 1 < argc && rc == 0;) {
        struct load_opts o;
        load_opts_init(&o);
        o.want_policies = 1;
        int i = g + 2;
        for (; i + 1 < argc && strcmp(argv[i], "--") != 0; i += 2) {
            if (strcmp(argv[i], "--position-base") == 0)
                o.position_base = atoi(argv[i + 1]);
            else if (strcmp(argv[i], "--n-actions") == 0)
                o.n_actions = atoi(argv[i + 1]);
        }
        char name[4096];
        snprintf(name, sizeof name, "%s.%d", argv[g + 1], comm_rank());
        FILE *out = fopen(name, "w");
        snprintf(name, sizeof name, "%s.share.%d", argv[g + 1], comm_rank());
        FILE *share = fopen(name, "w");
        if (!out || !share) {
            fprintf(stderr, "streamfacts: cannot write %s\n", name);
            if (out)
                fclose(out);
            if (share)
                fclose(share);
            rc = 2;
            break;
        }
        facts(argv[g], &o, out, share);
        fclose(out);
        fclose(share);
        g = i + 1;      /* past the -- */
    }
    comm_end();
    return rc;
}
