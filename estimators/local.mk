# estimators/: the registry, reward/value models, intervals, diagnostics, selection.
libope_a_SOURCES += estimators/result.c estimators/result.h
include estimators/est.mk
include estimators/model.mk
include estimators/ops.mk
include estimators/rl.mk
