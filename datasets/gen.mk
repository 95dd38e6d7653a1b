# datasets/gen.mk: (owned by one module; lists its sources, tests and benchmarks)
libope_a_SOURCES += datasets/gen_bandit.c datasets/gen_bandit.h
libope_a_SOURCES += datasets/obd.c datasets/obd.h
