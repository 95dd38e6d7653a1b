# ope/: the library's common parts and the command line.
libope_a_SOURCES += \
	ope/error.c ope/error.h \
	ope/rng.c ope/rng.h \
	ope/sum.h \
	ope/threads.c ope/threads.h \
	ope/progress.c ope/progress.h \
	ope/outfile.c ope/outfile.h \
	ope/strbuf.c ope/strbuf.h \
	ope/json.c ope/json.h ope/utf8.c ope/utf8.h \
	ope/cmd.h ope/cli.c \
	ope/render.c ope/render.h ope/evalcli.h

libope_a_SOURCES += ope/demo.c
bin_ope_SOURCES += ope/main.c ope/commands.c \
	ope/cmd_help.c ope/cmd_info.c ope/cmd_ingest.c ope/cmd_eval.c \
	ope/cmd_gen.c ope/cmd_gen.h ope/cmd_gen_bandit.c ope/cmd_gen_mdp.c
dist_man1_MANS += doc/ope.1
include ope/ingest.mk
include ope/sha.mk
include ope/explore/explore.mk
include ope/train/train.mk
include ope/pg/pg.mk
include ope/pg/props_copg.mk
