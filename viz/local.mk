# viz/: the gnuplot pipe, chart builders and the ncurses workbench.
libope_a_SOURCES += \
	viz/chart.c \
	viz/chart.h \
	viz/chart_explore.c \
	viz/chart_explore.h \
	viz/chart_segments.c \
	viz/chart_select.c \
	viz/chart_select.h \
	viz/chart_train.c \
	viz/chart_train.h \
	viz/gp.c \
	viz/gp.h \
	viz/gp_render.c \
	viz/gpesc.c \
	viz/gpesc.h \
	viz/grid.c \
	viz/grid.h \
	viz/tui.c \
	viz/tui.h \
	viz/tui_chart.c \
	viz/tui_data.c \
	viz/tui_explore.c \
	viz/tui_job.c \
	viz/tui_job.h \
	viz/tui_extra.h \
	viz/tui_learn.c \
	viz/tui_select.c \
	viz/tui_settings.c \
	viz/tui_segments.c \
	viz/tui_train.c \
	viz/tui_views.c
