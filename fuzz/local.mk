# fuzz/: libFuzzer harnesses. Each builds here as a check program with fuzz/replay.c
# as its main (corpus replay plus seeded mutations), run by t/0150-0152, so
# the harnesses compile and run in every `make check`, under ASan+UBSan in CI's
# second build. `make fuzz` and `make fuzz-smoke` run them under clang's libFuzzer.
fuzz_harnesses = fuzz/csv_fuzz fuzz/numparse_fuzz fuzz/span_fuzz fuzz/log_fuzz \
	fuzz/policy_fuzz fuzz/truth_fuzz fuzz/ingest_fuzz fuzz/json_fuzz fuzz/results_fuzz \
	fuzz/state_fuzz fuzz/shard_fuzz fuzz/members_fuzz
check_PROGRAMS += $(fuzz_harnesses)
fuzz_csv_fuzz_SOURCES = fuzz/csv_fuzz.c fuzz/replay.c
fuzz_csv_fuzz_LDADD = $(OPE_LIBS)
fuzz_numparse_fuzz_SOURCES = fuzz/numparse_fuzz.c fuzz/replay.c
fuzz_numparse_fuzz_LDADD = $(OPE_LIBS)
fuzz_span_fuzz_SOURCES = fuzz/span_fuzz.c fuzz/replay.c
fuzz_span_fuzz_LDADD = $(OPE_LIBS)
fuzz_log_fuzz_SOURCES = fuzz/log_fuzz.c fuzz/fuzz_tmp.h fuzz/replay.c
fuzz_log_fuzz_LDADD = $(OPE_LIBS)
fuzz_policy_fuzz_SOURCES = fuzz/policy_fuzz.c fuzz/fuzz_tmp.h fuzz/replay.c
fuzz_policy_fuzz_LDADD = $(OPE_LIBS)
fuzz_truth_fuzz_SOURCES = fuzz/truth_fuzz.c fuzz/fuzz_tmp.h fuzz/replay.c
fuzz_truth_fuzz_LDADD = $(OPE_LIBS)
fuzz_ingest_fuzz_SOURCES = fuzz/ingest_fuzz.c fuzz/fuzz_tmp.h fuzz/replay.c
fuzz_ingest_fuzz_LDADD = $(OPE_LIBS)
fuzz_json_fuzz_SOURCES = fuzz/json_fuzz.c fuzz/replay.c
fuzz_json_fuzz_LDADD = $(OPE_LIBS)
fuzz_results_fuzz_SOURCES = fuzz/results_fuzz.c fuzz/fuzz_tmp.h fuzz/replay.c
fuzz_results_fuzz_LDADD = $(OPE_LIBS)
fuzz_state_fuzz_SOURCES = fuzz/state_fuzz.c fuzz/replay.c
fuzz_state_fuzz_LDADD = $(OPE_LIBS)
fuzz_shard_fuzz_SOURCES = fuzz/shard_fuzz.c fuzz/shard_seeds.h fuzz/fuzz_tmp.h fuzz/replay.c
fuzz_shard_fuzz_LDADD = $(OPE_LIBS)
fuzz_members_fuzz_SOURCES = fuzz/members_fuzz.c fuzz/fuzz_tmp.h fuzz/replay.c
fuzz_members_fuzz_LDADD = $(OPE_LIBS)
EXTRA_DIST += fuzz/seeds.sh fuzz/replay-lib.sh fuzz/corpus fuzz/regress fuzz/shard-seeds.sh

# The real campaign: FUZZ_SECONDS per harness with clang's libFuzzer (Debian: clang,
# libclang-rt-dev), seeded by fuzz/seeds.sh (copied: libFuzzer adds to its corpus
# directory, so the sources stay untouched); an input running past FUZZ_TIMEOUT
# seconds is a finding. Binaries, findings and corpora are left in fuzz-out/.
# FUZZ=NAME runs one harness. The code under test is compiled again with the
# fuzzer's instrumentation (FUZZ_CODE); whatever else it calls comes from libope.a.
FUZZ_CC = clang
FUZZ_HARNESSES = csv_fuzz numparse_fuzz span_fuzz log_fuzz policy_fuzz truth_fuzz \
	members_fuzz ingest_fuzz json_fuzz results_fuzz state_fuzz shard_fuzz
FUZZ = $(FUZZ_HARNESSES)
FUZZ_CODE = datasets/csv.c datasets/csvnum.c datasets/input.c datasets/members.c datasets/tlog.c datasets/tlog_span.c \
	datasets/blog.c datasets/blog_load.c datasets/blog_span.c datasets/loadopts.c \
	datasets/roles.c datasets/policy.c datasets/truth.c datasets/ingest.c \
	ope/app/jsonread.c ope/app/resultread.c estimators/result.c ope/base/error.c ope/base/sha256.c \
	ope/base/sha256_ni.c ope/base/strbuf.c ope/base/csvout.c ope/base/utf8.c \
	ope/base/statefile.c estimators/accum.c ope/base/xsum.c ope/app/shardcli.c \
	estimators/evstream_state.c estimators/evstream_share.c estimators/evstream_fit.c \
	estimators/evstream_sums.c \
	estimators/rmstream.c
FUZZ_SECONDS = 60
FUZZ_TIMEOUT = 10
FUZZ_CFLAGS = -g -O1 -std=c11 -I$(top_srcdir) -I$(top_builddir) $(GSL_CFLAGS) $(MPI_CFLAGS) \
	$(PCRE2_CFLAGS) $(ZLIB_CFLAGS) $(ZSTD_CFLAGS) $(ISAL_CFLAGS)
FUZZ_LIBS = libope.a $(GSL_LIBS) $(PCRE2_LIBS) $(NCURSES_LIBS) $(ZLIB_LIBS) $(ZSTD_LIBS) $(ISAL_LIBS) \
	$(MPI_LIBS) $(LIBS)
fuzz-build: libope.a
	@mkdir -p fuzz-out/obj
	@objs=; for s in $(FUZZ_CODE); do \
	  o=fuzz-out/obj/`echo $$s | sed 's|/|_|g; s|\.c$$|.o|'`; objs="$$objs $$o"; \
	  $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
	    -c $(top_srcdir)/$$s -o $$o || exit 1; \
	done; \
	for h in $(FUZZ); do \
	  $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    $(top_srcdir)/fuzz/$$h.c $$objs $(FUZZ_LIBS) -o fuzz-out/$$h || exit 1; \
	done
fuzz: fuzz-build
	@for h in $(FUZZ); do \
	  echo "== $$h ($(FUZZ_SECONDS) s)"; \
	  rm -rf fuzz-out/corpus-$$h && mkdir -p fuzz-out/corpus-$$h && \
	  $(SHELL) $(top_srcdir)/fuzz/seeds.sh $(abs_top_srcdir) $$h | \
	    while read -r f; do cp "$$f" fuzz-out/corpus-$$h/; done && \
	  (cd fuzz-out && ./$$h -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
	    -print_final_stats=1 corpus-$$h) || exit 1; \
	done
# A few seconds per harness: libFuzzer when clang can build it, else the replay
# driver (built by `make check`) with more mutations than t/0150 runs.
FUZZ_SMOKE_SECONDS = 5
FUZZ_SMOKE_ITERATIONS = 30000
fuzz-smoke: $(fuzz_harnesses)
	@if echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' | \
	    $(FUZZ_CC) -x c -fsanitize=fuzzer - -o fuzz-out-probe 2>/dev/null; then \
	  rm -f fuzz-out-probe; \
	  $(MAKE) $(AM_MAKEFLAGS) fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS); \
	else \
	  echo "fuzz-smoke: $(FUZZ_CC) cannot build libFuzzer; using the replay driver"; \
	  for h in $(FUZZ); do \
	    OPE_FUZZ_ITERATIONS=$(FUZZ_SMOKE_ITERATIONS) ./fuzz/$$h \
	      `$(SHELL) $(top_srcdir)/fuzz/seeds.sh $(abs_top_srcdir) $$h` || exit 1; \
	  done; \
	fi
.PHONY: fuzz fuzz-build fuzz-smoke
clean-local: clean-fuzz
clean-fuzz:
	-rm -rf fuzz-out fuzz-out-probe
.PHONY: clean-fuzz
