# Benchmarks: `make bench` builds and runs them; they are not tests. Each reads what a
# user has (a CSV on disk) where the workload has a file.
bench_programs = bench/bench_csv bench/bench_eval bench/bench_rmodel bench/bench_traj \
	bench/bench_explore bench/bench_kdtree bench/bench_levels
EXTRA_PROGRAMS = $(bench_programs)
bench_bench_csv_LDADD = $(OPE_LIBS)
bench_bench_eval_LDADD = $(OPE_LIBS)
bench_bench_rmodel_LDADD = $(OPE_LIBS)
bench_bench_traj_LDADD = $(OPE_LIBS)
bench_bench_explore_LDADD = $(OPE_LIBS)
bench_bench_kdtree_LDADD = $(OPE_LIBS)
bench_bench_levels_LDADD = $(OPE_LIBS)
bench: $(bench_programs) bin/ope t/memberize
	@for b in $(bench_programs); do echo "== $$b"; ./$$b || exit 1; done
	@echo "== bench/bench_traj_csv.sh"; $(SHELL) $(srcdir)/bench/bench_traj_csv.sh ./bin/ope
	@echo "== bench/bench_stream.sh"; \
	    $(SHELL) $(srcdir)/bench/bench_stream.sh ./bin/ope ./t/memberize
.PHONY: bench
EXTRA_DIST += bench/bench_traj_csv.sh bench/bench_stream.sh
# The coverage table doc/coverage.md (bench/coverage.sh; needs jq): a benchmark of the
# intervals, about an hour for 500 logs on 2 cores, not part of make check.
# COVERAGE_LOGS=N logs per setting, COVERAGE_JOBS=J logs at a time (default 2).
COVERAGE_LOGS = 500
coverage: bin/ope
	$(SHELL) $(srcdir)/bench/coverage.sh ./bin/ope $(srcdir)/doc/coverage.md $(COVERAGE_LOGS)
.PHONY: coverage
EXTRA_DIST += bench/coverage.sh
