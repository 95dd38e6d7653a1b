# estimators/: the registry, reward/value models, intervals, diagnostics, selection.
include estimators/est.mk
include estimators/model.mk
include estimators/ops.mk
