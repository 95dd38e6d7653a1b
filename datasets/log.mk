# datasets/log.mk: the bandit and trajectory log loaders, the shared load options of
# the command line, `ope info`'s tests and the bad-input corpus.
libope_a_SOURCES += datasets/blog.c datasets/blog_load.c datasets/blog_span.c \
	datasets/blog_loader.h datasets/tlog.c datasets/roles.c datasets/roles.h \
	ope/loadcli.c ope/loadcli.h

check_PROGRAMS += t/0200-blog t/0210-tlog
t_0200_blog_SOURCES = t/0200-blog.c
t_0200_blog_LDADD = $(TAP_LIBS)
t_0210_tlog_SOURCES = t/0210-tlog.c
t_0210_tlog_LDADD = $(TAP_LIBS)
TESTS += t/0200-blog t/0210-tlog t/0220-info.sh t/0230-bad-input.sh
EXTRA_DIST += t/0220-info.sh t/0230-bad-input.sh
check_PROGRAMS += t/0333-blog-span
t_0333_blog_span_SOURCES = t/0333-blog-span.c
t_0333_blog_span_LDADD = $(TAP_LIBS)
TESTS += t/0333-blog-span
