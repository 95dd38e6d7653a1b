# t/: every test is registered here and only here. C tests (t/NNNN-*.c) are check
# programs linked with the TAP helper and libope; shell tests (t/NNNN-*.sh) drive the
# built command. t/0001-layers.sh checks the include order of doc/architecture.md.
check_LIBRARIES = t/libtap.a
t_libtap_a_SOURCES = t/tap.c t/tap.h
TAP_LIBS = t/libtap.a $(OPE_LIBS)
LDADD = $(TAP_LIBS)
EXTRA_DIST += t/lib.sh t/mpi-lib.sh t/data

ope_c_tests = \
	t/0100-csv \
	t/0140-ownership \
	t/0200-blog \
	t/0210-tlog \
	t/0300-estimators \
	t/0305-registry \
	t/0307-sg-dr \
	t/0308-rm \
	t/0310-bootstrap \
	t/0320-coverage \
	t/0326-lift \
	t/0330-numparse \
	t/0331-bootk \
	t/1530-bootk-boundaries \
	t/1531-model-threads \
	t/0332-sha256 \
	t/0333-blog-span \
	t/0340-diag \
	t/0343-bigmem \
	t/0405-readahead \
	t/0364-segments-boot \
	t/0341-linearised-terms \
	t/0334-softmax \
	t/0335-csvout \
	t/0336-pbest \
	t/0337-format-double \
	t/0370-cs \
	t/0375-statefile \
	t/0376-comm \
	t/0378-csvindex \
	t/0380-blog-stream \
	t/0382-stream-range \
	t/0390-stream-eval \
	t/0391-stats-acc \
	t/0395-rms-parts \
	t/0350-matrix \
	t/0354-pbest-calib \
	t/0400-ridge \
	t/0402-mistab-wire \
	t/0410-logistic \
	t/0420-crossfit \
	t/0425-rmodel-block \
	t/0428-dm-variance \
	t/0600-gp \
	t/0630-resultread \
	t/0700-mdp \
	t/0705-backup \
	t/0710-env \
	t/0720-policy \
	t/0800-ops \
	t/0820-ops-lesson \
	t/0900-traj \
	t/0910-vmodel \
	t/0920-cdf \
	t/0930-traj-mc \
	t/0950-tdr-wrong-q \
	t/0960-cdf-dr \
	t/0980-trajboot \
	t/0985-accum \
	t/0986-engine \
	t/1000-ucbvi \
	t/1010-stepmix \
	t/1015-explore-envs \
	t/1040-explore-offline \
	t/1100-kdtree \
	t/1110-train \
	t/1200-report \
	t/1300-pg-exact \
	t/1310-pg-sampled \
	t/1320-pg-riverswim \
	t/1330-hnpg \
	t/1350-props \
	t/1360-copg \
	t/1476-printable \
	t/1492-grid-columns \
	t/1520-tlog-span

ope_sh_tests = \
	t/0001-layers.sh \
	t/0002-readme-tour.sh \
	t/0120-ingest.sh \
	t/0150-fuzz-replay.sh \
	t/0151-fuzz-replay-files.sh \
	t/0152-fuzz-replay-text.sh \
	t/0220-info.sh \
	t/0230-bad-input.sh \
	t/0235-diagnostics.sh \
	t/0240-inputs.sh \
	t/0306-registry.sh \
	t/0309-obp-reference.sh \
	t/0325-intervals.sh \
	t/0327-behavior-labels.sh \
	t/0328-refit-bootstrap.sh \
	t/0329-coverage-fast.sh \
	t/0371-follow.sh \
	t/0381-info-stream.sh \
	t/0392-eval-stream.sh \
	t/0393-stream-model.sh \
	t/0394-shard-model.sh \
	t/0396-traj-stream.sh \
	t/0397-traj-shards.sh \
	t/0398-report-stream.sh \
	t/0399-traj-stream-model.sh \
	t/0403-traj-shard-model.sh \
	t/0389-traj-stream-risk.sh \
	t/0386-traj-stream-linear.sh \
	t/0412-traj-stream-td.sh \
	t/0372-gate-sequential.sh \
	t/0355-gate-stream.sh \
	t/0356-plan-stream.sh \
	t/0377-mpi-comm.sh \
	t/0379-mpi-eval.sh \
	t/0383-mpi-firstpass.sh \
	t/0404-mpi-compressed-split.sh \
	t/0413-mpi-files-split.sh \
	t/0414-mpi-traj-files.sh \
	t/0415-mpi-members-split.sh \
	t/0406-gzip-inflaters.sh \
	t/0407-large-log-messages.sh \
	t/0408-traj-stream-long-episode.sh \
	t/0409-traj-shard-intervals.sh \
	t/0411-shard-bandit-intervals.sh \
	t/0384-shard-merge.sh \
	t/0385-shard-messages.sh \
	t/0387-shard-hostile.sh \
	t/0388-shard-numerics.sh \
	t/0360-segments.sh \
	t/0361-segments-errors.sh \
	t/0362-segments-coverage.sh \
	t/0363-segments-report.sh \
	t/0342-interval-claims.sh \
	t/0429-dm-coverage.sh \
	t/0430-many-levels.sh \
	t/0351-matrix-cli.sh \
	t/0352-gate-fwer.sh \
	t/0353-plan-sim.sh \
	t/0500-gen-eval.sh \
	t/0501-gen-write.sh \
	t/0527-gate.sh \
	t/0528-plan.sh \
	t/0529-against.sh \
	t/0510-demo.sh \
	t/0520-plot.sh \
	t/0530-tui.sh \
	t/0545-cancel.sh \
	t/0531-tui-settings.sh \
	t/0532-tui-traj.sh \
	t/0533-tui-80x24.sh \
	t/0534-tui-jobs.sh \
	t/0535-tui-load.sh \
	t/0536-tui-sort.sh \
	t/0537-tui-wrap.sh \
	t/0538-tui-traj-model.sh \
	t/0539-tui-chart-height.sh \
	t/0540-tui-learn-teach.sh \
	t/0542-tui-segments.sh \
	t/0541-tui-lift.sh \
	t/0543-tui-columns.sh \
	t/0544-tui-idle.sh \
	t/0546-tui-every-view.sh \
	t/0547-tui-million.sh \
	t/0610-chart.sh \
	t/0615-chart-legible.sh \
	t/0620-hostile.sh \
	t/0730-gen-mdp.sh \
	t/0810-select.sh \
	t/0815-select-pbest.sh \
	t/0940-eval-traj.sh \
	t/0970-risk-dr.sh \
	t/1020-explore.sh \
	t/1030-explore-plot.sh \
	t/1050-explore-offline.sh \
	t/1120-train.sh \
	t/1210-report.sh \
	t/1220-report-tui.sh \
	t/1230-report-decision.sh \
	t/1231-tui-decision.sh \
	t/1232-gate-warnings.sh \
	t/1233-report-partial-intervals.sh \
	t/1340-train-pg.sh \
	t/1345-train-tui.sh \
	t/1400-cli-output.sh \
	t/1410-suggest.sh \
	t/1420-cli-values.sh \
	t/1430-audit-ingest.sh \
	t/1440-audit-files.sh \
	t/1450-audit-terminal.sh \
	t/1460-audit-status.sh \
	t/1473-chart-quotes.sh \
	t/1474-chart-full-disk.sh \
	t/1475-terminal-names.sh \
	t/1480-policy-file.sh \
	t/1481-mdp-limit.sh \
	t/1482-overflow.sh \
	t/1483-stale-temp.sh \
	t/1484-review-audit.sh \
	t/1485-report-long-name.sh \
	t/1486-nul-bytes.sh \
	t/1490-closed-stdout.sh \
	t/1491-report-layout.sh \
	t/1495-follow-rewrite.sh \
	t/1496-follow-render.sh \
	t/1497-follow-usage.sh \
	t/1498-follow-fifo-wait.sh \
	t/1499-follow-trajectory.sh \
	t/1500-gate-relative-zero.sh \
	t/1501-against-self.sh \
	t/1502-segments-constant.sh \
	t/1503-plan-notes.sh \
	t/1504-tui-select-wrap.sh \
	t/1505-help-gate-status.sh \
	t/1506-gate-agreement-count.sh \
	t/1507-report-zero-lift.sh \
	t/1508-segments-one.sh \
	t/1509-gate-lift-names.sh \
	t/1510-prompt-utf8.sh \
	t/1511-status-wrap.sh \
	t/1512-help-views.sh \
	t/1513-tui-select-nan.sh \
	t/1514-prompt-question.sh \
	t/1532-eval-threads-big.sh \
	t/1540-stream-trajectory-options.sh \
	t/1541-stream-tmpdir.sh \
	t/1542-select-stream-mixed.sh \
	t/1543-stream-names-input.sh \
	t/1544-stream-weight-range.sh \
	t/1545-stream-stdin-sniff.sh \
	t/1546-stream-wide-log.sh \
	t/1547-stream-bins.sh \
	t/1548-memory-limit-sign.sh \
	t/1549-stream-cache.sh \
	t/1551-mpi-inputs.sh \
	t/1552-mpi-same-run.sh \
	t/1553-mpi-no-hang.sh \
	t/1560-select-stream-warnings.sh \
	t/1561-help-formats-stream.sh \
	t/1562-memory-limit-fraction.sh \
	t/1563-inputs-outputs-hostile.sh \
	t/1564-fit-levels-crafted.sh

check_PROGRAMS += $(ope_c_tests)
TESTS += $(ope_c_tests) $(ope_sh_tests)
EXTRA_DIST += $(ope_sh_tests)

# make check-threads: the tests ThreadSanitizer runs (.ci/run's third build). It slows
# a test 10 to 40 times, so the whole suite would not fit CI's time: every C test but
# three slow ones (t/0382 took 263 s and t/0390 over 6 minutes streaming large logs;
# t/0354's P(best) calibration over 4,000 simulated logs, 26 s in the plain build),
# and the shell tests that drive each threaded module from the command -- the
# bootstrap and the engine's threads (1532, 0328), the generator's (0500, 0501),
# trajectories (0940), the learners (1340, 1020), segments and levels (0360, 0430), a
# streamed log's passes (0355, 0356, 0381) and the TUI's cancellable job (0545).
# Every test still runs under AddressSanitizer and UndefinedBehaviorSanitizer (the
# second build).
tsan_sh_tests = t/0328-refit-bootstrap.sh t/0355-gate-stream.sh t/0356-plan-stream.sh \
	t/0360-segments.sh t/0381-info-stream.sh t/0430-many-levels.sh t/0500-gen-eval.sh \
	t/0501-gen-write.sh t/0545-cancel.sh t/0940-eval-traj.sh t/1020-explore.sh \
	t/1340-train-pg.sh t/1532-eval-threads-big.sh
check-threads:
	@tests=`for t in $(ope_c_tests); do \
	    case $$t in t/0354-*|t/0382-*|t/0390-*) ;; *) printf '%s ' $$t ;; esac; done`; \
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$$tests $(tsan_sh_tests)"
.PHONY: check-threads

# A checker the shell tests run (not a test): two JSON texts equal but for rounding.
check_PROGRAMS += t/jsonclose
t_jsonclose_SOURCES = t/jsonclose.c
t_jsonclose_LDADD = -lm
check_PROGRAMS += t/streamfacts
t_streamfacts_SOURCES = t/streamfacts.c
check_PROGRAMS += t/memberize
t_memberize_SOURCES = t/memberize.c
t_memberize_LDADD = $(OPE_LIBS)
