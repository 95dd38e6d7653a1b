# datasets/gen.mk: (owned by one module; lists its sources, tests and benchmarks)
libope_a_SOURCES += datasets/gen_bandit.c datasets/gen_bandit.h
libope_a_SOURCES += datasets/obd.c datasets/obd.h
TESTS += t/0500-gen-eval.sh t/0510-demo.sh t/0520-plot.sh t/0530-tui.sh
EXTRA_DIST += t/0500-gen-eval.sh t/0510-demo.sh t/0520-plot.sh t/0530-tui.sh
libope_a_SOURCES += datasets/truth.c datasets/truth.h
