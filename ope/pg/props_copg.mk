# ope/pg/props_copg.mk: PROPS (adaptive behaviour policy for on-policy policy gradient,
# Corrado & Hanna) and CoPG (contrastive policy gradient from pairs, Flet-Berliac et al.),
# library modules of issue 10 with their tests (t/1350-1399).
libope_a_SOURCES += ope/pg/props.c ope/pg/props.h ope/pg/props_impl.h ope/pg/props_train.c \
	ope/pg/copg.c ope/pg/copg.h

check_PROGRAMS += t/1350-props
t_1350_props_SOURCES = t/1350-props.c
t_1350_props_LDADD = $(TAP_LIBS)
TESTS += t/1350-props
check_PROGRAMS += t/1360-copg
t_1360_copg_SOURCES = t/1360-copg.c
t_1360_copg_LDADD = $(TAP_LIBS)
TESTS += t/1360-copg
