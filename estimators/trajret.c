/* estimators/trajret.c: episodes' returns and weights kept from windows (trajret.h). */
#include "config.h"
#include "estimators/trajret.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_sort_ulong.h>

#include "estimators/cdf.h"

/* The episodes' numbers are sorted as GSL's unsigned longs. */
_Static_assert(sizeof(unsigned long) == sizeof(uint64_t), "unsigned long is not 64 bits");

void traj_returns_init(struct traj_returns *k, size_t P, size_t max_bytes, const char *path)
{
    memset(k, 0, sizeof *k);
    k->P = P;
    k->max_bytes = max_bytes;
    k->path = path;
}

/* Room for want episodes (grown by half again). 0, or -1 with err. */
static int room(struct traj_returns *k, size_t want, struct ope_error *err)
{
    if (want <= k->cap)
        return 0;
    double each = 16.0 + 8.0 * (double)k->P;
    if (k->max_bytes && each * (double)want > (double)k->max_bytes)
        return ope_fail(err, OPE_EDATA, "%s: --risk keeps every episode's return and weights "
                        "(%.0f bytes an episode for %zu policies): by %zu episodes they pass the "
                        "memory budget of %.1f MB; evaluate fewer policies (--policy), or drop "
                        "--risk", k->path ? k->path : "log", each, k->P, want,
                        (double)k->max_bytes / 1048576.0);
    size_t cap = k->cap + k->cap / 2;
    cap = cap < want ? want : cap < 4096 ? 4096 : cap;
    if (k->max_bytes && each * (double)cap > (double)k->max_bytes)
        cap = want;
    if (cap > SIZE_MAX / 8 / (k->P + 1))
        return ope_fail_oom(err);
    uint64_t *ep = ope_realloc(k->ep, cap * sizeof *ep, err);
    if (ep)
        k->ep = ep;
    double *G = ep ? ope_realloc(k->G, cap * sizeof *G, err) : NULL;
    if (G)
        k->G = G;
    double *rho = G ? ope_realloc(k->rho, cap * (k->P ? k->P : 1) * sizeof *rho, err) : NULL;
    if (!rho)
        return -1;
    k->rho = rho;
    k->cap = cap;
    return 0;
}

int traj_returns_add(struct traj_returns *k, const struct tlog *w, const size_t *pol,
                     double gamma, uint64_t first, struct ope_error *err)
{
    if (room(k, k->n + w->n_episodes, err) != 0)
        return -1;
    k->no_state |= !w->state;
    for (size_t e = 0; e < w->n_episodes; e++) {
        size_t i = k->n + e;
        k->ep[i] = first + e;
        k->G[i] = cdf_episode_return(w, e, gamma);
        for (size_t p = 0; p < k->P; p++)
            k->rho[i * k->P + p] = cdf_episode_weight(w, pol[p], e);
    }
    k->n += w->n_episodes;
    return 0;
}

void traj_returns_put(const struct traj_returns *k, struct strbuf *sb)
{
    sf_put_u64(sb, k->n);
    for (size_t i = 0; i < k->n; i++) {
        sf_put_u64(sb, k->ep[i]);
        sf_put_f64(sb, k->G[i]);
        for (size_t p = 0; p < k->P; p++)
            sf_put_f64(sb, k->rho[i * k->P + p]);
    }
}

int traj_returns_get(struct traj_returns *k, struct sf_state *st, struct ope_error *err)
{
    size_t n = (size_t)sf_get_count(st, 0, sf_room(st, 16 + 8 * k->P));
    if (room(k, k->n + n, err) != 0)
        return -1;
    for (size_t i = k->n; i < k->n + n; i++) {
        k->ep[i] = sf_get_u64(st);
        k->G[i] = sf_get_f64(st);
        for (size_t p = 0; p < k->P; p++)
            k->rho[i * k->P + p] = sf_get_f64(st);
    }
    k->n += n;
    return st->bad ? sf_done(st, err) : 0;
}

int traj_returns_order(struct traj_returns *k, struct ope_error *err)
{
    int sorted = 1;
    for (size_t i = 1; sorted && i < k->n; i++)
        sorted = k->ep[i - 1] < k->ep[i];
    if (sorted)
        return 0;
    size_t P = k->P, n = k->n;
    size_t *perm = ope_malloc((n ? n : 1) * sizeof *perm, err);
    uint64_t *ep = ope_malloc((n ? n : 1) * sizeof *ep, err);
    double *G = ope_malloc((n ? n : 1) * sizeof *G, err);
    double *rho = ope_malloc((n * P + 1) * sizeof *rho, err);
    int rc = perm && ep && G && rho ? 0 : -1;
    if (rc == 0) {
        gsl_sort_ulong_index(perm, (const unsigned long *)k->ep, 1, n);
        for (size_t i = 0; i < n; i++) {
            size_t j = perm[i];
            ep[i] = k->ep[j];
            G[i] = k->G[j];
            memcpy(rho + i * P, k->rho + j * P, P * sizeof *rho);
            if (i && ep[i] == ep[i - 1])
                rc = ope_fail(err, OPE_ESOFTWARE, "episode %llu gathered twice",
                              (unsigned long long)ep[i]);
        }
    }
    if (rc == 0) {
        free(k->ep), free(k->G), free(k->rho);
        k->ep = ep, k->G = G, k->rho = rho, k->cap = n;
        ep = NULL, G = NULL, rho = NULL;
    }
    free(perm), free(ep), free(G), free(rho);
    return rc;
}

const char *traj_returns_why_dr(const struct traj_returns *k)
{
    return k->no_state ? "it needs a tabular state column"
                       : "it fits a model of every state and action's return from all their "
                         "rewards, which a log read in windows (--stream, mpirun, past "
                         "--memory-limit) does not keep: evaluate the log in memory for it";
}

void traj_returns_weights(const struct traj_returns *k, size_t p, double *rho)
{
    for (size_t i = 0; i < k->n; i++)
        rho[i] = k->rho[i * k->P + p];
}

void traj_returns_release(struct traj_returns *k)
{
    free(k->ep), free(k->G), free(k->rho);
    k->ep = NULL, k->G = NULL, k->rho = NULL;
    k->n = k->cap = 0;
    k->no_state = 0;
}
