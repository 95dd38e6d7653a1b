# datasets/csv.mk: (owned by one module; lists its sources, tests and benchmarks)
libope_a_SOURCES += datasets/csv.c
