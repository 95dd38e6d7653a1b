# estimators/est.mk: (owned by one module; lists its sources, tests and benchmarks)
libope_a_SOURCES += estimators/estimator.h estimators/registry.c \
	estimators/est_dm.c estimators/est_ipw.c estimators/est_snipw.c estimators/est_dr.c \
	estimators/est_sndr.c estimators/est_switch_dr.c estimators/est_dr_os.c \
	estimators/est_sg_ipw.c estimators/ci.c estimators/ci.h \
	estimators/evaluate.c estimators/evaluate.h estimators/bootk.c estimators/bootk.h \
	estimators/evboot.c estimators/evboot.h
check_PROGRAMS += t/0300-estimators t/0310-bootstrap
t_0300_estimators_SOURCES = t/0300-estimators.c
t_0300_estimators_LDADD = $(TAP_LIBS)
t_0310_bootstrap_SOURCES = t/0310-bootstrap.c
t_0310_bootstrap_LDADD = $(TAP_LIBS)
TESTS += t/0300-estimators t/0310-bootstrap
check_PROGRAMS += t/0320-coverage
t_0320_coverage_SOURCES = t/0320-coverage.c
t_0320_coverage_LDADD = $(TAP_LIBS)
TESTS += t/0320-coverage
bench_programs += bench/bench_eval
bench_bench_eval_SOURCES = bench/bench_eval.c
bench_bench_eval_LDADD = $(OPE_LIBS)
check_PROGRAMS += t/0331-bootk
t_0331_bootk_SOURCES = t/0331-bootk.c
t_0331_bootk_LDADD = $(TAP_LIBS)
TESTS += t/0331-bootk
