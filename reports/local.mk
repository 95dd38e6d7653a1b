# reports/: HTML and Markdown report writers (`ope report`, the TUI's export).
libope_a_SOURCES += reports/report.c reports/report.h reports/report_int.h \
	reports/report_doc.c reports/report_doc.h reports/report_html.c reports/report_md.c \
	reports/report_chart.c reports/report_data.c reports/report_summary.c \
	reports/report_sections.c reports/report_select.c reports/report_risk.c \
	reports/report_methods.c reports/report_session.c reports/report_session.h
bin_ope_SOURCES += ope/cmd_report.c
check_PROGRAMS += t/1200-report
t_1200_report_SOURCES = t/1200-report.c
t_1200_report_LDADD = $(TAP_LIBS)
TESTS += t/1200-report
TESTS += t/1210-report.sh
EXTRA_DIST += t/1210-report.sh
TESTS += t/1220-report-tui.sh
EXTRA_DIST += t/1220-report-tui.sh
