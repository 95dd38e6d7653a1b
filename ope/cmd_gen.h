/* ope/cmd_gen.h: the generators behind `ope gen KIND`. Each gets argv[0] = KIND. */
#ifndef OPE_CMD_GEN_H
#define OPE_CMD_GEN_H

/* `ope gen bandit ...` (ope/cmd_gen_bandit.c). Returns the exit status. */
int gen_bandit_main(int argc, char **argv);
/* `ope gen mdp ENV ...` (ope/cmd_gen_mdp.c). Returns the exit status. */
int gen_mdp_main(int argc, char **argv);

#endif
