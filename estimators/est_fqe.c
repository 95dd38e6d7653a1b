/* estimators/est_fqe.c: the trajectory direct method, (1/n) sum_i V̂_0(s_{i,0}) with V̂
 * from the value model (fitted Q evaluation by default, vmodel.h). */
#include "config.h"
#include "estimators/traj.h"

#include <math.h>

#include "estimators/vmodel.h"

static int fqe_build(const struct traj_in *in, const double *param, struct traj_terms *out,
                     struct ope_error *err)
{
    (void)param;
    const struct tlog *L = in->log;
    if (!in->v)
        return ope_fail(err, OPE_ESOFTWARE, "dm: no value model was fitted");
    if (traj_terms_alloc(out, L->n_episodes, 1, 0, err) != 0)
        return -1;
    for (size_t i = 0; i < L->n_episodes; i++)
        out->num[i] = L->ep_start[i + 1] > L->ep_start[i] ? in->v[L->ep_start[i]] : 0.0;
    return 0;
}

/* Tabular FQE refitted on the resample (vm_fqe_resample_value). The evaluation calls
 * it only for --value-model fqe on a tabular log (pi_tab set). */
static double fqe_resample(const struct traj_in *in, const double *param, const double *m,
                           double *scratch)
{
    (void)param;
    return in->pi_tab ? vm_fqe_resample_value(in->log, in->pol, in->gamma, in->pi_tab, m,
                                                      scratch) : NAN;
}

static size_t fqe_scratch(const struct traj_in *in)
{
    return vm_fqe_resample_scratch(in->log);
}

const struct est_desc est_fqe_desc = {
    .name = "dm",
    .title = "Direct method (the value model's value of the start state)",
    .formula = "(1/n) sum_i V̂_0(s_{i,0})",
    .citation = "Le et al. 2019 (FQE); value model chosen with --value-model",
    .card = {
        .assumes = "the value model (--value-model: fitted Q evaluation by default) is right",
        .fails = "biased by the model's error, which its small variance and interval hide",
        .discussion = "The value model (--value-model: fitted Q evaluation by default) is "
            "right: no weights, so small "
            "variance, but biased by the model's error, which the interval does not show.",
        .reference = "H. M. Le, C. Voloshin, Y. Yue. Batch policy learning under constraints. "
            "ICML 2019.",
    },
    .kind = EST_TRAJ,
    .traj_build = fqe_build,
    .needs_model = 1,
    .traj_resample = fqe_resample,
    .traj_resample_scratch = fqe_scratch,
    /* Shown where the model is not refitted: the t, Hoeffding and Bernstein intervals,
     * and the bootstrap of the linear value models (traj_resample refits tabular FQE). */
    .ci_caveat = "the interval ignores the value model's own error (fitted once; measured "
        "coverage of a 95% t interval 0% on RiverSwim, where one start state makes its width "
        "0, and 26-69% on a random MDP, doc/coverage.md; --ci bootstrap with --value-model "
        "fqe refits the model on every resample): treat it as a lower bound on the "
        "uncertainty",
};
