/* datasets/obd.h: the Open Bandit Dataset demo: the Bernoulli Thompson Sampling (BTS)
 * policy's action probabilities estimated honestly from the BTS logs, attached as an
 * evaluation policy to the uniform-random logs of the same campaign. */
#ifndef DATASETS_OBD_H
#define DATASETS_OBD_H

#include "datasets/blog.h"
#include "ope/base/error.h"

/* The BTS policy as the empirical frequency of each item at each position in the BTS
 * log: pi(a | position) = #(item a shown at the position) / #(rows at the position).
 * BTS ignores the context, and its logged per-row propensities are of a drifting
 * posterior (they do not form one distribution over items), so frequencies are the
 * honest summary. Adds a policy named "bts" to random_log. */
int obd_attach_bts(struct blog *random_log, const struct blog *bts_log, struct ope_error *err);

/* Load a campaign's two logs (random and bts) with the OBD column names. */
int obd_load_campaign(const char *random_path, const char *bts_path, struct blog **random_log,
                      struct blog **bts_log, struct ope_error *err);

#endif
