# estimators/rl.mk: trajectory (RL) estimators, value models, return-CDF risk, and the
# trajectory evaluation engine, with their tests.
libope_a_SOURCES += estimators/traj.c estimators/traj.h \
	estimators/est_tis.c estimators/est_pdis.c estimators/est_wtis.c \
	estimators/est_wpdis.c estimators/est_fqe.c estimators/est_tdr.c \
	estimators/est_wdr.c estimators/est_mis.c \
	estimators/vmodel.c estimators/vmodel.h \
	estimators/evaluate_traj.c estimators/evaluate_traj.h \
	estimators/trajboot.c estimators/trajboot.h
check_PROGRAMS += t/0900-traj
t_0900_traj_SOURCES = t/0900-traj.c
t_0900_traj_LDADD = $(TAP_LIBS)
TESTS += t/0900-traj
check_PROGRAMS += t/0930-traj-mc
t_0930_traj_mc_SOURCES = t/0930-traj-mc.c
t_0930_traj_mc_LDADD = $(TAP_LIBS)
TESTS += t/0930-traj-mc
check_PROGRAMS += t/0910-vmodel
t_0910_vmodel_SOURCES = t/0910-vmodel.c
t_0910_vmodel_LDADD = $(TAP_LIBS)
TESTS += t/0910-vmodel
TESTS += t/0940-eval-traj.sh
EXTRA_DIST += t/0940-eval-traj.sh
libope_a_SOURCES += estimators/cdf.c estimators/cdf_dr.c estimators/cdf.h
check_PROGRAMS += t/0920-cdf
t_0920_cdf_SOURCES = t/0920-cdf.c
t_0920_cdf_LDADD = $(TAP_LIBS)
TESTS += t/0920-cdf
check_PROGRAMS += t/0950-tdr-wrong-q
t_0950_tdr_wrong_q_SOURCES = t/0950-tdr-wrong-q.c
t_0950_tdr_wrong_q_LDADD = $(TAP_LIBS)
TESTS += t/0950-tdr-wrong-q
check_PROGRAMS += t/0960-cdf-dr
t_0960_cdf_dr_SOURCES = t/0960-cdf-dr.c
t_0960_cdf_dr_LDADD = $(TAP_LIBS)
TESTS += t/0960-cdf-dr
TESTS += t/0970-risk-dr.sh
EXTRA_DIST += t/0970-risk-dr.sh
bench_programs += bench/bench_traj
bench_bench_traj_SOURCES = bench/bench_traj.c
bench_bench_traj_LDADD = $(OPE_LIBS)
check_PROGRAMS += t/0980-trajboot
t_0980_trajboot_SOURCES = t/0980-trajboot.c
t_0980_trajboot_LDADD = $(TAP_LIBS)
TESTS += t/0980-trajboot
