# estimators/: the estimator registry, reward and value models, bootstrap and
# intervals, return distributions, selection metrics.

# The registry: one line per estimator, in the order ope lists them (bandit, then
# trajectory). estimators/est_NAME.c defines est_NAME_desc; registry.c's table is
# generated from this list, so adding an estimator is its file, one line here and
# its test (doc/architecture.md).
OPE_ESTIMATORS = \
	estimators/est_dm.c \
	estimators/est_ipw.c \
	estimators/est_snipw.c \
	estimators/est_dr.c \
	estimators/est_sndr.c \
	estimators/est_switch_dr.c \
	estimators/est_dr_os.c \
	estimators/est_sg_ipw.c \
	estimators/est_sg_dr.c \
	estimators/est_rm.c \
	estimators/est_tis.c \
	estimators/est_pdis.c \
	estimators/est_wtis.c \
	estimators/est_wpdis.c \
	estimators/est_fqe.c \
	estimators/est_tdr.c \
	estimators/est_wdr.c \
	estimators/est_mis.c

estimators/registry.inc: Makefile
	$(AM_V_GEN)$(MKDIR_P) estimators && \
	for f in $(OPE_ESTIMATORS); do b=$${f##*/}; echo "OPE_ESTIMATOR($${b%.c}_desc)"; done > $@.tmp && \
	mv $@.tmp $@
BUILT_SOURCES += estimators/registry.inc
CLEANFILES += estimators/registry.inc
nodist_libope_a_SOURCES = estimators/registry.inc
# BUILT_SOURCES are made only by `make`, `make all` and `make check`: `make bin/ope` in
# a fresh build directory needs the include said outright.
estimators/registry.$(OBJEXT): estimators/registry.inc

libope_a_SOURCES += $(OPE_ESTIMATORS) \
	estimators/bootk.c \
	estimators/bootk.h \
	estimators/cdf.c \
	estimators/cdf.h \
	estimators/cdf_dr.c \
	estimators/ci.c \
	estimators/ci.h \
	estimators/diag.c \
	estimators/diag.h \
	estimators/estimator.h \
	estimators/engine.c \
	estimators/engine.h \
	estimators/evaluate.c \
	estimators/evaluate.h \
	estimators/evaluate_stream.c \
	estimators/evaluate_stream.h \
	estimators/evbandit.h \
	estimators/evstream.h \
	estimators/evstream_stats.c \
	estimators/evstream_share.c \
	estimators/evstream_state.c \
	estimators/evstream_fit.c \
	estimators/evstream_sums.c \
	estimators/evwindows.c \
	estimators/evaluate_traj.c \
	estimators/evaluate_traj.h \
	estimators/evaluate_traj_stream.c \
	estimators/evaluate_traj_stream.h \
	estimators/evtraj.h \
	estimators/evtraj_part.c \
	estimators/evtraj_td.c \
	estimators/evtraj_model.c \
	estimators/accum.c \
	estimators/accum.h \
	estimators/evboot.c \
	estimators/evboot.h \
	estimators/features.c \
	estimators/fqetab.c \
	estimators/fqetab.h \
	estimators/mistab.c \
	estimators/mistab.h \
	estimators/features.h \
	estimators/lintab.c \
	estimators/lintab.h \
	estimators/logistic.c \
	estimators/logistic.h \
	estimators/ops.c \
	estimators/ops_rank.c \
	estimators/ops.h \
	estimators/ops_lesson.c \
	estimators/ops_lesson.h \
	estimators/registry.c \
	estimators/result.c \
	estimators/result.h \
	estimators/ridge.c \
	estimators/ridge.h \
	estimators/rmodel.c \
	estimators/rmodel.h \
	estimators/rmodel_normal.c \
	estimators/rmodel_normal.h \
	estimators/rmcache.c \
	estimators/rmcache.h \
	estimators/rmstream.c \
	estimators/rmstream.h \
	estimators/segments.c \
	estimators/segments.h \
	estimators/traj.c \
	estimators/traj.h \
	estimators/trajboot.c \
	estimators/trajboot.h \
	estimators/trajret.c \
	estimators/trajret.h \
	estimators/vmodel.c \
	estimators/vmtd.c \
	estimators/vmtd.h \
	estimators/vmodel.h
