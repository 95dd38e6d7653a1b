/* ope/cmd_train_lqr.h: `ope train prdc-lqr`, PRDC on offline LQR data at several beta
 * (ope/cmd_train_lqr.c). */
#ifndef OPE_CMD_TRAIN_LQR_H
#define OPE_CMD_TRAIN_LQR_H

#include <getopt.h>

/* Its options (for `ope train`'s routing). */
extern const struct option train_lqr_options[];

/* argv[0] = "train", with the word prdc-lqr among the arguments; returns the exit
 * status. */
int train_lqr_main(int argc, char **argv);

#endif
