# datasets/: formats (CSV, column roles, logs, truth), loaders, generators, MDPs and
# environments, raw-log ingestion.
libope_a_SOURCES += \
	datasets/blog.c \
	datasets/blog.h \
	datasets/blog_load.c \
	datasets/blog_loader.h \
	datasets/blog_span.c \
	datasets/candidates.c \
	datasets/candidates.h \
	datasets/csv.c \
	datasets/csv.h \
	datasets/csvnum.c \
	datasets/env.c \
	datasets/env.h \
	datasets/env_chain.c \
	datasets/env_dirichlet.c \
	datasets/env_gridworld.c \
	datasets/env_riverswim.c \
	datasets/gen_bandit.c \
	datasets/gen_bandit.h \
	datasets/ingest.c \
	datasets/ingest.h \
	datasets/input.c \
	datasets/input.h \
	datasets/loadopts.c \
	datasets/loadopts.h \
	datasets/logrange.c \
	datasets/logrange.h \
	datasets/mdp.c \
	datasets/mdp.h \
	datasets/obd.c \
	datasets/obd.h \
	datasets/policy.c \
	datasets/policy.h \
	datasets/roles.c \
	datasets/roles.h \
	datasets/sampler.c \
	datasets/sampler.h \
	datasets/tlog.c \
	datasets/tlog_loader.h \
	datasets/tlog_span.c \
	datasets/tlog.h \
	datasets/tlog_policy.c \
	datasets/truth.c \
	datasets/truth.h
