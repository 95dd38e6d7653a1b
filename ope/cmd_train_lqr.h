/* ope/cmd_train_lqr.h: `ope train prdc-lqr`, PRDC on offline LQR data at several beta
 * (ope/cmd_train_lqr.c). */
#ifndef OPE_CMD_TRAIN_LQR_H
#define OPE_CMD_TRAIN_LQR_H

/* argv[0] = "prdc-lqr"; returns the exit status. */
int train_lqr_main(int argc, char **argv);

#endif
