# viz/: the gnuplot pipe, chart builders and the TUI.
libope_a_SOURCES += viz/gp.c viz/gp.h viz/chart.c viz/chart.h viz/grid.c viz/grid.h \
	viz/chart_explore.c viz/chart_explore.h viz/chart_select.c viz/chart_select.h \
	viz/tui.c viz/tui.h viz/tui_extra.h viz/tui_views.c viz/tui_data.c viz/tui_chart.c \
	viz/tui_select.c viz/tui_learn.c viz/tui_explore.c ope/session.c ope/session_eval.c ope/session.h \
	ope/demo.h
bin_ope_SOURCES += ope/cmd_tui.c ope/cmd_plot.c ope/cmd_demo.c
include viz/gp.mk
include viz/plot.mk
