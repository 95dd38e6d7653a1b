# Benchmarks: `make bench` builds and runs them; they are not tests.
EXTRA_PROGRAMS = $(bench_programs)
bench: $(bench_programs) bin/ope
	@for b in $(bench_programs); do echo "== $$b"; ./$$b || exit 1; done
.PHONY: bench
