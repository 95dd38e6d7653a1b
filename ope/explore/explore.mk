# ope/explore/explore.mk: conservative exploration (StepMix, EpsMix and baselines),
# exploration.md; the command `ope explore`.
libope_a_SOURCES += \
	ope/explore/ucbvi.c ope/explore/ucbvi.h \
	ope/explore/run.c ope/explore/run.h \
	ope/explore/stepmix.c ope/explore/epsmix.c ope/explore/baselines.c \
	ope/explore/offline.c ope/explore/offline.h
bin_ope_SOURCES += ope/cmd_explore.c

check_PROGRAMS += t/1000-ucbvi
t_1000_ucbvi_SOURCES = t/1000-ucbvi.c
t_1000_ucbvi_LDADD = $(TAP_LIBS)
TESTS += t/1000-ucbvi
check_PROGRAMS += t/1010-stepmix
t_1010_stepmix_SOURCES = t/1010-stepmix.c
t_1010_stepmix_LDADD = $(TAP_LIBS)
TESTS += t/1010-stepmix
TESTS += t/1020-explore.sh
EXTRA_DIST += t/1020-explore.sh
bench_programs += bench/bench_explore
bench_bench_explore_SOURCES = bench/bench_explore.c
bench_bench_explore_LDADD = $(OPE_LIBS)
check_PROGRAMS += t/1040-explore-offline
t_1040_explore_offline_SOURCES = t/1040-explore-offline.c
t_1040_explore_offline_LDADD = $(TAP_LIBS)
TESTS += t/1040-explore-offline
TESTS += t/1050-explore-offline.sh
EXTRA_DIST += t/1050-explore-offline.sh
