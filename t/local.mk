# t/: TAP tests. C tests are check programs; shell tests drive the built binary.
check_LIBRARIES = t/libtap.a
t_libtap_a_SOURCES = t/tap.c t/tap.h
TAP_LIBS = t/libtap.a $(OPE_LIBS)
EXTRA_DIST += t/lib.sh t/data
include t/core.mk
