# ope/train/train.mk: policy training from logs (training.md, issue 9): behaviour
# cloning, fitted Q iteration, certainty-equivalence VI, PRDC; the command `ope train`.
libope_a_SOURCES += ope/train/kdtree.c ope/train/kdtree.h ope/train/train.h \
	ope/train/model.c ope/train/candidates.c ope/train/bc.c ope/train/fqi.c \
	ope/train/cevi.c ope/train/prdc.c ope/train/prdc_lqr.c

check_PROGRAMS += t/1100-kdtree
t_1100_kdtree_SOURCES = t/1100-kdtree.c
t_1100_kdtree_LDADD = $(TAP_LIBS)
TESTS += t/1100-kdtree
check_PROGRAMS += t/1110-train
t_1110_train_SOURCES = t/1110-train.c
t_1110_train_LDADD = $(TAP_LIBS)
TESTS += t/1110-train
bin_ope_SOURCES += ope/cmd_train.c ope/cmd_train_lqr.c ope/cmd_train_lqr.h
TESTS += t/1120-train.sh
EXTRA_DIST += t/1120-train.sh
bench_programs += bench/bench_kdtree
bench_bench_kdtree_SOURCES = bench/bench_kdtree.c
bench_bench_kdtree_LDADD = $(OPE_LIBS)
