# estimators/model.mk: the reward model q̂ (design matrix, ridge, logistic regression,
# cross-fitting driver), its tests and its benchmark.
libope_a_SOURCES += \
	estimators/features.c estimators/features.h \
	estimators/ridge.c estimators/ridge.h \
	estimators/logistic.c estimators/logistic.h \
	estimators/rmodel.c estimators/rmodel.h

check_PROGRAMS += t/0400-ridge
t_0400_ridge_SOURCES = t/0400-ridge.c
t_0400_ridge_LDADD = $(TAP_LIBS)
TESTS += t/0400-ridge

check_PROGRAMS += t/0410-logistic
t_0410_logistic_SOURCES = t/0410-logistic.c
t_0410_logistic_LDADD = $(TAP_LIBS)
TESTS += t/0410-logistic

check_PROGRAMS += t/0420-crossfit
t_0420_crossfit_SOURCES = t/0420-crossfit.c
t_0420_crossfit_LDADD = $(TAP_LIBS)
TESTS += t/0420-crossfit

bench_programs += bench/bench_rmodel
bench_bench_rmodel_SOURCES = bench/bench_rmodel.c
bench_bench_rmodel_LDADD = $(OPE_LIBS)
