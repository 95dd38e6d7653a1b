# estimators/ops.mk: off-policy selection metrics and `ope select`.
libope_a_SOURCES += estimators/ops.c estimators/ops.h estimators/ops_lesson.c estimators/ops_lesson.h
check_PROGRAMS += t/0800-ops
t_0800_ops_SOURCES = t/0800-ops.c
t_0800_ops_LDADD = $(TAP_LIBS)
TESTS += t/0800-ops
bin_ope_SOURCES += ope/cmd_select.c
TESTS += t/0810-select.sh
EXTRA_DIST += t/0810-select.sh
bin_ope_SOURCES += ope/select_render.c ope/select_render.h ope/select_gen.c ope/select_gen.h \
	ope/select_lesson.c ope/select_lesson.h
check_PROGRAMS += t/0820-ops-lesson
t_0820_ops_lesson_SOURCES = t/0820-ops-lesson.c
t_0820_ops_lesson_LDADD = $(TAP_LIBS)
TESTS += t/0820-ops-lesson
