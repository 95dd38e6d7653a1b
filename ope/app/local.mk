# ope/app/: the application layer — session and worker, the evaluation driver, option
# groups of the command line, output writers, the demo, selection datasets.
libope_a_SOURCES += \
	ope/app/cli.c \
	ope/app/cli.h \
	ope/app/decision.c \
	ope/app/decision.h \
	ope/app/demo.c \
	ope/app/demo.h \
	ope/app/evalcli.c \
	ope/app/envcli.c \
	ope/app/envcli.h \
	ope/app/evalcli.h \
	ope/app/evalset.c \
	ope/app/evalset.h \
	ope/app/follow.c \
	ope/app/follow.h \
	ope/app/jsonread.c \
	ope/app/jsonread.h \
	ope/app/loadcli.c \
	ope/app/loadcli.h \
	ope/app/monitor.c \
	ope/app/monitor.h \
	ope/app/output.c \
	ope/app/output.h \
	ope/app/plan.c \
	ope/app/plan.h \
	ope/app/render.c \
	ope/app/render.h \
	ope/app/render_seg.c \
	ope/app/resultread.c \
	ope/app/resultread.h \
	ope/app/select_gen.c \
	ope/app/select_gen.h \
	ope/app/select_lesson.c \
	ope/app/select_lesson.h \
	ope/app/select_render.c \
	ope/app/select_render.h \
	ope/app/session.c \
	ope/app/shardcli.c \
	ope/app/shardcli.h \
	ope/app/trajshare.c \
	ope/app/trajshare.h \
	ope/app/session.h \
	ope/app/session_eval.c
