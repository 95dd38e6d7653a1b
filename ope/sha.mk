# ope/sha.mk: SHA-256 of inputs (for JSON output and reports).
libope_a_SOURCES += ope/sha256.c ope/sha256.h ope/sha256_ni.c ope/sha256_ni.h
check_PROGRAMS += t/0332-sha256
t_0332_sha256_SOURCES = t/0332-sha256.c
t_0332_sha256_LDADD = $(TAP_LIBS)
TESTS += t/0332-sha256
