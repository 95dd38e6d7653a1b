# datasets/csv.mk: the CSV reader, its tests and its benchmark.
libope_a_SOURCES += datasets/csv.c datasets/csvnum.c
check_PROGRAMS += t/0100-csv
t_0100_csv_SOURCES = t/0100-csv.c
t_0100_csv_LDADD = $(TAP_LIBS)
TESTS += t/0100-csv
bench_programs += bench/bench_csv
bench_bench_csv_SOURCES = bench/bench_csv.c
bench_bench_csv_LDADD = $(OPE_LIBS)
EXTRA_DIST += fuzz/csv_fuzz.c fuzz/numparse_fuzz.c fuzz/span_fuzz.c
check_PROGRAMS += t/0330-numparse
t_0330_numparse_SOURCES = t/0330-numparse.c
t_0330_numparse_LDADD = $(TAP_LIBS)
TESTS += t/0330-numparse
