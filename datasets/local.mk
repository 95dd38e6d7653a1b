# datasets/: formats, loaders, generators, environments.
libope_a_SOURCES += datasets/loadopts.c datasets/loadopts.h \
	datasets/csv.h datasets/blog.h datasets/tlog.h
include datasets/csv.mk
include datasets/log.mk
include datasets/gen.mk
include datasets/mdp.mk
