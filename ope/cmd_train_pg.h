/* ope/cmd_train_pg.h: the policy-gradient path of `ope train` (ope/cmd_train_pg.c):
 * `ope train ALGO --env ENV ...` and `ope train --compare --env ENV ...`. The command
 * `ope train` (ope/cmd_train.c) hands its arguments over when they name a policy-gradient algorithm
 * or --compare;
 * its help text includes TRAIN_PG_HELP. */
#ifndef OPE_CMD_TRAIN_PG_H
#define OPE_CMD_TRAIN_PG_H

#include <getopt.h>

/* The options of the policy-gradient path (for `ope train`'s routing). */
extern const struct option train_pg_options[];

/* A usage error for an algorithm `ope train` does not know, with the closest of all
 * its algorithms (from logs, policy gradient, prdc-lqr) when one is close. */
int train_unknown_algo(const char *typed);

/* Run the policy-gradient path; returns the exit status. */
int train_pg_exec(int argc, char **argv);

#define TRAIN_PG_HELP \
    "\n" \
    "Policy gradient on a built-in environment (ope train ALGO --env ENV ...):\n" \
    "  reinforce  REINFORCE / GPOMDP with a moving-average baseline, gradient ascent\n" \
    "             (Williams, Machine Learning 1992; Baxter & Bartlett, JAIR 2001)\n" \
    "  npg        natural policy gradient theta += eta F^-1 g, sampled or --exact Fisher\n" \
    "             (Kakade, NIPS 2001; Agarwal, Kakade, Lee & Mahajan, JMLR 2021)\n" \
    "  npg-igt    normalised PG with implicit gradient transport, one episode a step\n" \
    "             (Fatkhullin, Barakat, Kireeva & He, ICML 2023)\n" \
    "  hnpg       hybrid NPG: the critic also fits offline data (--offline LOG.csv)\n" \
    "             (Zhou, Sekhari, Song & Sun, ICLR 2024)\n" \
    "  props      REINFORCE from a buffer collected by an adaptive behaviour policy\n" \
    "             (Corrado & Hanna, On-Policy PG RL Without On-Policy Sampling, 2023)\n" \
    "  copg       contrastive policy gradient from offline pairs, on its toy bandit\n" \
    "             (Flet-Berliac et al., Contrastive Policy Gradient, EMNLP 2024)\n" \
    "Every curve value is the EXACT value of the current policy (dynamic programming).\n" \
    "  ope train ALGO --env ENV [KEY=VALUE...] [options] [-o POLICY.csv]\n" \
    "  ope train --compare --env ENV [KEY=VALUE...] [options] [-o CURVES.csv]\n" \
    "  --env ENV             riverswim, chain, gridworld, dirichlet (ope gen mdp --list);\n" \
    "                        KEY=VALUE or --param KEY=VALUE set its parameters\n" \
    "  --horizon H, --gamma G  episode length (default: the environment's), discount (1)\n" \
    "  --iterations N        policy updates per run (default 200)\n" \
    "  --episodes N          instead: a budget of N episodes per run (iterations =\n" \
    "                        N / batch; --compare's default: 5000)\n" \
    "  --runs R              seeds S, S+1, .., S+R-1 (default 1; --compare: 8)\n" \
    "  --seed S              first seed (default 1)\n" \
    "  --step-size X         reinforce alpha (0.5), npg eta (0.1), npg-igt gamma_0 (1),\n" \
    "                        hnpg eta (0.5), props target step (0.5), copg lr (2)\n" \
    "  --batch B             episodes per update (reinforce 20, npg 10, npg-igt 1,\n" \
    "                        hnpg 10, props 16)\n" \
    "  --exact               reinforce / npg: exact gradient (and Fisher) by DP, no samples\n" \
    "  --damping D           npg / hnpg: Fisher + D I (default 0.01)\n" \
    "  --no-baseline         no baseline; --baseline-rate R: its moving-average weight (0.1)\n" \
    "  --igt-eta-exp A, --igt-gamma-exp B   npg-igt: eta_t = (2/(t+2))^A (0.8),\n" \
    "                        gamma_t = gamma_0 (2/(t+2))^B (1)\n" \
    "  --offline LOG.csv     hnpg: offline trajectory CSV from the same environment\n" \
    "  --critic-l2 L         hnpg: critic ridge towards its previous weights (0.001)\n" \
    "  --props-clip C, --props-kl-weight L, --props-target-kl K, --props-step-size X,\n" \
    "  --props-epochs N, --props-every M, --props-buffer B   PROPS's constants\n" \
    "                        (0.3, 0.1, 0.05, 0.1, 16, 8 steps, 4 batches)\n" \
    "  --pairs N, --reward-sd S, --beta B, --method copg|pg|ipo   copg's data (1000\n" \
    "                        pairs, noise 0, the bandit's beta 0.1) and loss (copg)\n" \
    "  --policy tabular|linear:K   softmax over one-hot (default) or polynomial features\n" \
    "                        (1, x, .., x^{K-1}) of x = s / (S-1), one set per action\n" \
    "  --compare             run every algorithm on the same seeds (--algorithms LIST)\n" \
    "  -o FILE               the final policy of the first run (policy file); with\n" \
    "                        --compare, the curves CSV\n" \
    "  --curve FILE          the per-iteration CSV (default: FILE_curve.csv next to -o):\n" \
    "                        algorithm,run,iteration,true_value,grad_norm,samples\n" \
    "                        (samples: environment steps so far); ope plot train draws it\n" \
    "  --threads N           runs in parallel (results do not depend on it)\n" \
    "  --force, -q           replace existing outputs; no progress or messages on stderr.\n" \
    "                        Ctrl-C stops a run (status 130)\n" \
    "  -f, --format F        the summary as table (default), json or csv; with -o - the\n" \
    "                        policy (or curves) go to standard output, the summary to\n" \
    "                        standard error\n"

#endif
