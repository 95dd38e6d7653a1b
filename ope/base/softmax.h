/* ope/base/softmax.h: the one softmax of ope. Every place that turns scores into
 * probabilities (MDP softmax policies, the bandit generator's policies, learned
 * policies, policy-gradient and PROPS policies, CoPG) calls it, so they all round alike
 * and none can overflow. */
#ifndef OPE_BASE_SOFTMAX_H
#define OPE_BASE_SOFTMAX_H

/* p[i] = exp((x[i] - m) / temp) / Z for i = 0..n-1, m = max x, Z the plain sum of the
 * numerators in index order (n >= 1, temp > 0; temp = 1 is the plain softmax, exactly,
 * since dividing by 1 rounds nothing). p may be x. Subtracting the maximum makes the
 * largest numerator exp(0) = 1, so nothing overflows and Z >= 1 whatever the size of
 * the scores. An infinite maximum gives NaN: callers that can meet one (pessimistic
 * scores of -inf everywhere) handle it before calling. */
void ope_softmax(int n, const double *x, double temp, double *p);

#endif
