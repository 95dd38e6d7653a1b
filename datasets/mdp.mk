# datasets/mdp.mk: the tabular MDP engine, built-in environments, policies, sampler.
libope_a_SOURCES += datasets/mdp.c datasets/mdp.h \
	datasets/policy.c datasets/policy.h \
	datasets/env.c datasets/env.h datasets/env_riverswim.c datasets/env_chain.c \
	datasets/env_gridworld.c datasets/env_dirichlet.c \
	datasets/sampler.c datasets/sampler.h \
	datasets/candidates.c datasets/candidates.h

check_PROGRAMS += t/0700-mdp t/0710-env t/0720-policy
t_0700_mdp_SOURCES = t/0700-mdp.c
t_0700_mdp_LDADD = $(TAP_LIBS)
t_0710_env_SOURCES = t/0710-env.c
t_0710_env_LDADD = $(TAP_LIBS)
t_0720_policy_SOURCES = t/0720-policy.c
t_0720_policy_LDADD = $(TAP_LIBS)
TESTS += t/0700-mdp t/0710-env t/0720-policy t/0730-gen-mdp.sh
EXTRA_DIST += t/0730-gen-mdp.sh
