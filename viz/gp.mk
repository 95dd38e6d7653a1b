# viz/gp.mk: the gnuplot child's rendering half (viz/gp_render.c; viz/gp.c and
# viz/chart.c are listed in viz/local.mk), escaping (viz/gpesc.c), the JSON reader
# of `ope eval --format json` (viz/jsonread.c), and their tests.
libope_a_SOURCES += viz/gp_render.c viz/gpesc.c viz/gpesc.h viz/jsonread.c viz/jsonread.h
