/* datasets/sampler.c: the episode sampler behind `ope gen mdp` and the Monte-Carlo
 * tests: alias tables built once, then allocation-free episodes on per-episode
 * counter-based streams, sampled in parallel into slices and packed into a tlog. */
#include "config.h"
#include "datasets/sampler.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/tlog.h"
#include "ope/base/rng.h"
#include "ope/base/threads.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Walker alias table of one distribution over its non-zero entries: entries
 * [off, off+n) of the sampler's pools. */
struct alias {
    int off;
    int n;
};

struct sampler {
    const struct mdp *m;
    const struct policy *b;
    struct alias init;          /* mu0 */
    struct alias *beh;          /* [S] pi_b(.|s) */
    struct alias *trans;        /* [S*A] P(.|s,a) */
    int *value;                 /* pool: the outcome of each entry */
    int *alias;                 /* pool: the alias entry (pool index) */
    double *thresh;             /* pool: keep the entry when the fraction < thresh */
    int used, cap;
};

/* Append the alias table of p[0..n-1] to the pools (Vose's method). */
static int alias_build(struct sampler *smp, const double *p, int n, struct alias *out,
                       struct ope_error *err)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += p[i] > 0.0;
    if (k == 0)
        return ope_fail(err, OPE_ESOFTWARE, "sampler: a distribution has no mass");
    if (smp->used > INT_MAX / 4 - k)
        return ope_fail(err, OPE_EUSAGE, "sampler: the MDP has too many transitions to sample");
    if (smp->used + k > smp->cap) {
        int nc = smp->cap ? smp->cap : 64;
        while (nc < smp->used + k)
            nc *= 2;
        int *v = ope_realloc(smp->value, (size_t)nc * sizeof *v, err);
        if (!v)
            return -1;
        smp->value = v;
        int *al = ope_realloc(smp->alias, (size_t)nc * sizeof *al, err);
        if (!al)
            return -1;
        smp->alias = al;
        double *th = ope_realloc(smp->thresh, (size_t)nc * sizeof *th, err);
        if (!th)
            return -1;
        smp->thresh = th;
        smp->cap = nc;
    }
    out->off = smp->used;
    out->n = k;
    smp->used += k;
    int *val = smp->value + out->off, *al = smp->alias + out->off;
    double *th = smp->thresh + out->off, sum = 0.0;
    for (int i = 0, j = 0; i < n; i++)
        if (p[i] > 0.0) {
            val[j] = i;
            th[j++] = p[i];
            sum += p[i];
        }
    /* Scaled masses k p / sum; entries below 1 are topped up by an alias taken from
     * an entry above 1 (Vose 1991). The two work stacks are temporary (setup only). */
    int *small = ope_malloc((size_t)k * 2 * sizeof *small, err);
    if (!small)
        return -1;
    int *large = small + k, ns = 0, nl = 0;
    for (int j = 0; j < k; j++) {
        th[j] = th[j] * k / sum;
        al[j] = out->off + j;
        if (th[j] < 1.0)
            small[ns++] = j;
        else
            large[nl++] = j;
    }
    while (ns > 0 && nl > 0) {
        int s = small[--ns], l = large[nl - 1];
        al[s] = out->off + l;
        th[l] -= 1.0 - th[s];
        if (th[l] < 1.0) {
            nl--;
            small[ns++] = l;
        }
    }
    while (nl > 0)
        th[large[--nl]] = 1.0;
    while (ns > 0)
        th[small[--ns]] = 1.0;      /* rounding leftovers */
    free(small);
    return 0;
}

/* One draw from an alias table with 64 random bits. */
static inline int alias_draw(const struct sampler *smp, struct alias t, uint64_t bits)
{
    if (t.n == 1)
        return smp->value[t.off];
    double x = ope_u01(bits) * t.n;
    int j = (int)x;
    if (j >= t.n)
        j = t.n - 1;
    int e = x - j < smp->thresh[t.off + j] ? t.off + j : smp->alias[t.off + j];
    return smp->value[e];
}

struct sampler *sampler_new(const struct mdp *m, const struct policy *b, struct ope_error *err)
{
    if (b->n_states != m->n_states || b->n_actions != m->n_actions) {
        ope_fail(err, OPE_EUSAGE, "the behaviour policy has %d states and %d actions, the MDP %d and %d",
                 b->n_states, b->n_actions, m->n_states, m->n_actions);
        return NULL;
    }
    size_t S = (size_t)m->n_states, A = (size_t)m->n_actions;
    struct sampler *smp = ope_calloc(1, sizeof *smp, err);
    if (!smp)
        return NULL;
    smp->m = m;
    smp->b = b;
    smp->beh = ope_calloc(S, sizeof *smp->beh, err);
    smp->trans = smp->beh ? ope_calloc(S * A, sizeof *smp->trans, err) : NULL;
    if (!smp->trans || alias_build(smp, m->mu0, (int)S, &smp->init, err) < 0)
        goto fail;
    for (size_t s = 0; s < S; s++) {
        if (m->terminal[s])
            continue;           /* never acted in */
        if (alias_build(smp, b->p + s * A, (int)A, &smp->beh[s], err) < 0)
            goto fail;
        for (size_t a = 0; a < A; a++)
            if (alias_build(smp, m->P + (s * A + a) * S, (int)S, &smp->trans[s * A + a], err) < 0)
                goto fail;
    }
    return smp;
fail:
    sampler_free(smp);
    return NULL;
}

void sampler_free(struct sampler *smp)
{
    if (!smp)
        return;
    free(smp->beh);
    free(smp->trans);
    free(smp->value);
    free(smp->alias);
    free(smp->thresh);
    free(smp);
}

int sampler_episode(const struct sampler *smp, uint64_t seed, uint64_t e, int *state,
                    int *action, double *reward, unsigned char *done)
{
    const struct mdp *m = smp->m;
    const int S = m->n_states, A = m->n_actions, H = m->horizon;
    const double sd = m->reward_sd;
    uint64_t key = ope_rng_key(seed, OPE_RNG_GENERATE, e), ctr = 0;
    int s = alias_draw(smp, smp->init, ope_rng_at(key, ctr++, 0));
    for (int t = 0; t < H; t++) {
        int a = alias_draw(smp, smp->beh[s], ope_rng_at(key, ctr++, 0));
        size_t sa = (size_t)s * A + a;
        int s2 = alias_draw(smp, smp->trans[sa], ope_rng_at(key, ctr++, 0));
        double r = m->Rsas ? m->Rsas[sa * S + s2] : m->R[sa];
        if (sd > 0.0) {
            /* Box-Muller from two fixed draws keeps the stream position fixed. */
            double u1 = ope_u01(ope_rng_at(key, ctr++, 0)), u2 = ope_u01(ope_rng_at(key, ctr++, 0));
            r += sd * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        }
        state[t] = s;
        action[t] = a;
        reward[t] = r;
        int end = m->terminal[s2];
        if (done)
            done[t] = (unsigned char)end;
        if (end)
            return t + 1;
        s = s2;
    }
    return H;
}

/* Parallel sampling: task k fills episodes [k*CHUNK, ...) into slices of H rows. */
#define CHUNK 4096

struct run_ctx {
    const struct sampler *smp;
    size_t n;
    uint64_t seed;
    int *state, *action, *len;
    double *reward;
    unsigned char *done;
};

static void run_task(void *vctx, size_t task)
{
    struct run_ctx *c = vctx;
    size_t H = (size_t)c->smp->m->horizon;
    size_t end = (task + 1) * CHUNK < c->n ? (task + 1) * CHUNK : c->n;
    for (size_t e = task * CHUNK; e < end; e++)
        c->len[e] = sampler_episode(c->smp, c->seed, e, c->state + e * H, c->action + e * H,
                                    c->reward + e * H, c->done + e * H);
}

/* Copy the sampled slices into t and fill pscore and the candidates' columns. */
static int pack(const struct run_ctx *c, struct tlog *t, const struct policy *const *cands,
                const char *const *names, size_t n_cands, struct ope_error *err)
{
    const struct policy *b = c->smp->b;
    size_t H = (size_t)c->smp->m->horizon, A = (size_t)b->n_actions;
    if (!t->done && !(t->done = ope_calloc(t->n_steps ? t->n_steps : 1, 1, err)))
        return -1;
    for (size_t k = 0; k < n_cands; k++) {
        struct tlog_policy *tp = &t->policy[k];
        if (!tp->name && !(tp->name = ope_strdup(names[k], err)))
            return -1;
        if (!tp->prob && !(tp->prob = ope_calloc(A, sizeof *tp->prob, err)))
            return -1;
        for (size_t a = 0; a < A; a++)
            if (!tp->prob[a] && !(tp->prob[a] = ope_calloc(t->n_steps ? t->n_steps : 1,
                                                          sizeof **tp->prob, err)))
                return -1;
    }
    size_t row = 0;
    for (size_t e = 0; e < c->n; e++)
        for (int i = 0; i < c->len[e]; i++, row++) {
            size_t src = e * H + (size_t)i;
            int s = c->state[src], a = c->action[src];
            t->state[row] = s;
            t->action[row] = a;
            t->reward[row] = c->reward[src];
            t->done[row] = c->done[src];
            t->pscore[row] = b->p[(size_t)s * A + a];
        }
    /* Column by column: each pass streams through one array. */
    for (size_t k = 0; k < n_cands; k++)
        for (size_t x = 0; x < A; x++) {
            double *col = t->policy[k].prob[x];
            const double *p = cands[k]->p + x;
            for (size_t i = 0; i < t->n_steps; i++)
                col[i] = p[(size_t)t->state[i] * A];
        }
    t->gamma = c->smp->m->gamma;
    return 0;
}

struct tlog *sampler_run(const struct sampler *smp, size_t n_episodes, uint64_t seed,
                         const struct policy *const *cands, const char *const *names,
                         size_t n_cands, int n_threads, struct ope_progress *progress,
                         struct ope_error *err)
{
    const struct mdp *m = smp->m;
    size_t H = (size_t)m->horizon, cap = n_episodes * H;
    if (n_episodes == 0 || cap / H != n_episodes) {
        ope_fail(err, OPE_EUSAGE, "the number of episodes must be in 1..%zu", (size_t)-1 / H);
        return NULL;
    }
    for (size_t k = 0; k < n_cands; k++)
        if (cands[k]->n_states != m->n_states || cands[k]->n_actions != m->n_actions) {
            ope_fail(err, OPE_EUSAGE, "candidate policy '%s' does not fit the MDP's states/actions",
                     names[k]);
            return NULL;
        }
    struct run_ctx c = {smp, n_episodes, seed, NULL, NULL, NULL, NULL, NULL};
    struct tlog *t = NULL;
    c.state = ope_malloc(cap * sizeof *c.state, err);
    c.action = c.state ? ope_malloc(cap * sizeof *c.action, err) : NULL;
    c.reward = c.action ? ope_malloc(cap * sizeof *c.reward, err) : NULL;
    c.done = c.reward ? ope_malloc(cap, err) : NULL;
    c.len = c.done ? ope_malloc(n_episodes * sizeof *c.len, err) : NULL;
    if (!c.len)
        goto out;
    if (ope_parallel_for((n_episodes + CHUNK - 1) / CHUNK, n_threads, run_task, &c, progress,
                         "sampling episodes") < 0) {
        ope_fail(err, OPE_EINTERRUPTED, "sampling interrupted");
        goto out;
    }
    t = tlog_new(n_episodes, c.len, m->n_actions, m->n_states, n_cands, err);
    if (t && pack(&c, t, cands, names, n_cands, err) < 0) {
        tlog_free(t);
        t = NULL;
    }
out:
    free(c.state);
    free(c.action);
    free(c.reward);
    free(c.done);
    free(c.len);
    return t;
}
