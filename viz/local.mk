# viz/: the gnuplot pipe, chart builders and the TUI.
include viz/gp.mk
include viz/plot.mk
