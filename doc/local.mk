# doc/: the man page, written at build time from doc/ope.1.in with the estimator
# registry's names (`ope help estimators --names`), and the documents shipped in the
# tarball.
man1_MANS = doc/ope.1
EXTRA_DIST += doc/ope.1.in doc/man-estimators.awk
# Installed in $(docdir): every document the help and the reports cite.
dist_doc_DATA = doc/formats.md doc/estimators.md doc/architecture.md doc/coverage.md \
	doc/environments.md doc/selection.md doc/exploration.md doc/training.md
CLEANFILES += doc/ope.1 doc/ope.1.names
doc/ope.1: $(top_srcdir)/doc/ope.1.in $(top_srcdir)/doc/man-estimators.awk bin/ope$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) doc && \
	./bin/ope$(EXEEXT) help estimators --names > doc/ope.1.names && \
	$(AWK) -f $(top_srcdir)/doc/man-estimators.awk doc/ope.1.names \
	  $(top_srcdir)/doc/ope.1.in > $@.tmp && \
	rm -f doc/ope.1.names && mv $@.tmp $@
