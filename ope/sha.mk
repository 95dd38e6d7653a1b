# ope/sha.mk: SHA-256 of inputs (for JSON output and reports).
libope_a_SOURCES += ope/sha256.c ope/sha256.h
