# ope/pg/pg.mk: policy-gradient training on the built-in environments (training.md,
# issue 10): REINFORCE, NPG, N-PG-IGT, HNPG, their runs over seeds, `ope train ALGO
# --env`, and their tests (t/1300-1349).
libope_a_SOURCES += ope/pg/pg.h ope/pg/policy.c ope/pg/exact.c ope/pg/sample.c \
	ope/pg/reinforce.c ope/pg/npg.c ope/pg/npgigt.c ope/pg/hnpg.c ope/pg/run.c \
	ope/pg/external.c

check_PROGRAMS += t/1300-pg-exact
t_1300_pg_exact_SOURCES = t/1300-pg-exact.c
t_1300_pg_exact_LDADD = $(TAP_LIBS)
TESTS += t/1300-pg-exact
bin_ope_SOURCES += ope/cmd_train_pg.c ope/cmd_train_pg.h
libope_a_SOURCES += viz/chart_train.c viz/chart_train.h
libope_a_SOURCES += viz/tui_train.c
check_PROGRAMS += t/1310-pg-sampled t/1320-pg-riverswim t/1330-hnpg
t_1310_pg_sampled_SOURCES = t/1310-pg-sampled.c
t_1310_pg_sampled_LDADD = $(TAP_LIBS)
t_1320_pg_riverswim_SOURCES = t/1320-pg-riverswim.c
t_1320_pg_riverswim_LDADD = $(TAP_LIBS)
t_1330_hnpg_SOURCES = t/1330-hnpg.c
t_1330_hnpg_LDADD = $(TAP_LIBS)
TESTS += t/1310-pg-sampled t/1320-pg-riverswim t/1330-hnpg t/1340-train-pg.sh
EXTRA_DIST += t/1340-train-pg.sh
TESTS += t/1345-train-tui.sh
EXTRA_DIST += t/1345-train-tui.sh
