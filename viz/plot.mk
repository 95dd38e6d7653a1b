# viz/plot.mk: tests of the gnuplot module, the charts and `ope plot` (ope/cmd_plot.c
# itself is listed in viz/local.mk).
check_PROGRAMS += t/0600-gp
t_0600_gp_SOURCES = t/0600-gp.c
t_0600_gp_LDADD = $(TAP_LIBS)
TESTS += t/0600-gp
TESTS += t/0610-chart.sh
EXTRA_DIST += t/0610-chart.sh
TESTS += t/0620-hostile.sh
EXTRA_DIST += t/0620-hostile.sh
TESTS += t/1030-explore-plot.sh
EXTRA_DIST += t/1030-explore-plot.sh
