# ope/ingest.mk: raw log ingestion with PCRE2.
libope_a_SOURCES += datasets/ingest.c datasets/ingest.h
TESTS += t/0120-ingest.sh
EXTRA_DIST += t/0120-ingest.sh
