/* datasets/candidates.h: the graded candidate set of `ope gen mdp --candidates M`
 * (and of `ope select --env`): M policies from the anti-optimal to the optimal one,
 * each a mixture with the uniform policy, so their true values spread over the whole
 * range and a selection method has something to get wrong. */
#ifndef DATASETS_CANDIDATES_H
#define DATASETS_CANDIDATES_H

#include <stddef.h>
#include "ope/base/error.h"

struct mdp;
struct policy;

#define CAND_NAME_MAX 32

/* Fill cand[0..M-1] (new policies) and names[0..M-1]. Candidate k has quality
 * q = -1 + 2k/(M-1) (q = 1 when M = 1): q >= 0 is q * optimal + (1-q) * uniform,
 * named mixP with P = round(100 q); q < 0 is |q| * anti + (1-|q|) * uniform, named
 * antiP. Optimal/anti are greedy on Qstar / -Qstar (ties split evenly). When two
 * names collide (M > 201) every name becomes candNNN. On failure every policy made
 * so far is freed and cand[] is zeroed. */
int cand_make_graded(const struct mdp *m, const double *Qstar, size_t M, struct policy **cand,
                     char (*names)[CAND_NAME_MAX], struct ope_error *err);

#endif
