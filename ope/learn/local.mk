# ope/learn/: the learning backends — conservative exploration (explore/), training
# from logs (train/), policy gradient on environments (pg/).
libope_a_SOURCES += \
	ope/learn/explore/baselines.c \
	ope/learn/explore/epsmix.c \
	ope/learn/explore/offline.c \
	ope/learn/explore/offline.h \
	ope/learn/explore/record.c \
	ope/learn/explore/record.h \
	ope/learn/explore/run.c \
	ope/learn/explore/run.h \
	ope/learn/explore/stepmix.c \
	ope/learn/explore/ucbvi.c \
	ope/learn/explore/ucbvi.h \
	ope/learn/pg/copg.c \
	ope/learn/pg/copg.h \
	ope/learn/pg/exact.c \
	ope/learn/pg/external.c \
	ope/learn/pg/hnpg.c \
	ope/learn/pg/npg.c \
	ope/learn/pg/npgigt.c \
	ope/learn/pg/pg.h \
	ope/learn/pg/policy.c \
	ope/learn/pg/props.c \
	ope/learn/pg/props.h \
	ope/learn/pg/props_impl.h \
	ope/learn/pg/props_train.c \
	ope/learn/pg/reinforce.c \
	ope/learn/pg/run.c \
	ope/learn/pg/sample.c \
	ope/learn/train/bc.c \
	ope/learn/train/candidates.c \
	ope/learn/train/cevi.c \
	ope/learn/train/fqi.c \
	ope/learn/train/kdtree.c \
	ope/learn/train/kdtree.h \
	ope/learn/train/model.c \
	ope/learn/train/prdc.c \
	ope/learn/train/prdc_lqr.c \
	ope/learn/train/train.h
