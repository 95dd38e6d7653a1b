# ope/: the commands on top — main, the command table, one file per subcommand.
bin_ope_SOURCES += \
	ope/cmd.h \
	ope/cmd_demo.c \
	ope/cmd_eval.c \
	ope/cmd_gate.c \
	ope/cmd_explore.c \
	ope/cmd_gen.c \
	ope/cmd_gen.h \
	ope/cmd_gen_bandit.c \
	ope/cmd_gen_mdp.c \
	ope/cmd_help.c \
	ope/cmd_info.c \
	ope/cmd_ingest.c \
	ope/cmd_merge.c \
	ope/cmd_plan.c \
	ope/cmd_plot.c \
	ope/cmd_report.c \
	ope/cmd_select.c \
	ope/cmd_train.c \
	ope/cmd_train_lqr.c \
	ope/cmd_train_lqr.h \
	ope/cmd_train_pg.c \
	ope/cmd_train_pg.h \
	ope/cmd_tui.c \
	ope/commands.c \
	ope/main.c
