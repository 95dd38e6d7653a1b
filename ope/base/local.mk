# ope/base/: the bottom layer — errors, RNG streams, sums, threads, progress, atomic
# output, strings, JSON, UTF-8, CSV cells, SHA-256, shipped-data lookup. Includes nothing above it.
libope_a_SOURCES += \
	ope/base/bigmem.c \
	ope/base/bigmem.h \
	ope/base/closest.c \
	ope/base/closest.h \
	ope/base/comm.c \
	ope/base/comm.h \
	ope/base/csvout.c \
	ope/base/csvout.h \
	ope/base/datapath.c \
	ope/base/decimal.h \
	ope/base/datapath.h \
	ope/base/error.c \
	ope/base/error.h \
	ope/base/json.c \
	ope/base/json.h \
	ope/base/outfile.c \
	ope/base/outfile.h \
	ope/base/tmpfile.c \
	ope/base/tmpfile.h \
	ope/base/progress.c \
	ope/base/progress.h \
	ope/base/rng.c \
	ope/base/rng.h \
	ope/base/sha256.c \
	ope/base/sha256.h \
	ope/base/sha256_ni.c \
	ope/base/sha256_ni.h \
	ope/base/softmax.c \
	ope/base/statefile.c \
	ope/base/statefile.h \
	ope/base/softmax.h \
	ope/base/strbuf.c \
	ope/base/strbuf.h \
	ope/base/sum.h \
	ope/base/xsum.c \
	ope/base/xsum.h \
	ope/base/threads.c \
	ope/base/threads.h \
	ope/base/utf8.c \
	ope/base/utf8.h
