# viz/plot.mk: (owned by one module; lists its sources, tests and benchmarks)
