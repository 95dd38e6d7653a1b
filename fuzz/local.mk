# fuzz/: libFuzzer harnesses. Each builds here as a check program with fuzz/replay.c
# as its main (corpus replay plus seeded mutations), run by t/0150-fuzz-replay.sh, so
# the harnesses compile and run in every `make check`, under ASan+UBSan in CI's
# second build. `make fuzz` builds the real libFuzzer binaries with clang.
fuzz_harnesses = fuzz/csv_fuzz fuzz/numparse_fuzz fuzz/span_fuzz
check_PROGRAMS += $(fuzz_harnesses)
fuzz_csv_fuzz_SOURCES = fuzz/csv_fuzz.c fuzz/replay.c
fuzz_csv_fuzz_LDADD = $(OPE_LIBS)
fuzz_numparse_fuzz_SOURCES = fuzz/numparse_fuzz.c fuzz/replay.c
fuzz_numparse_fuzz_LDADD = $(OPE_LIBS)
fuzz_span_fuzz_SOURCES = fuzz/span_fuzz.c fuzz/replay.c
fuzz_span_fuzz_LDADD = $(OPE_LIBS)

# The real campaign: FUZZ_SECONDS per harness with clang's libFuzzer (Debian: clang,
# libclang-rt-dev), seeded with a copy of t/data/good (libFuzzer adds to its corpus
# directory, so the sources stay untouched). Findings and corpora are left in fuzz-out/.
FUZZ_CC = clang
# The code under test, built with the fuzzer's instrumentation (not libope.a).
FUZZ_CODE = datasets/csv.c datasets/csvnum.c datasets/input.c ope/base/error.c \
	ope/base/sha256.c ope/base/sha256_ni.c
FUZZ_SECONDS = 60
fuzz: libope.a
	@mkdir -p fuzz-out
	@for h in csv_fuzz numparse_fuzz span_fuzz; do \
	  echo "== $$h ($(FUZZ_SECONDS) s)"; \
	  $(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -I$(top_srcdir) -I$(top_builddir) \
	    $(top_srcdir)/fuzz/$$h.c $(FUZZ_CODE:%=$(top_srcdir)/%) -o fuzz-out/$$h \
	    $(ZLIB_LIBS) $(ZSTD_LIBS) -lm || exit 1; \
	  rm -rf fuzz-out/corpus-$$h && mkdir -p fuzz-out/corpus-$$h && \
	  cp $(abs_top_srcdir)/t/data/good/*.csv fuzz-out/corpus-$$h/ && \
	  (cd fuzz-out && ./$$h -max_total_time=$(FUZZ_SECONDS) corpus-$$h) || exit 1; \
	done
.PHONY: fuzz
clean-local: clean-fuzz
clean-fuzz:
	-rm -rf fuzz-out
.PHONY: clean-fuzz
