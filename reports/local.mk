# reports/: HTML and Markdown report writers (`ope report`, the workbench's export).
libope_a_SOURCES += \
	reports/report.c \
	reports/report.h \
	reports/report_chart.c \
	reports/report_data.c \
	reports/report_doc.c \
	reports/report_doc.h \
	reports/report_html.c \
	reports/report_int.h \
	reports/report_md.c \
	reports/report_methods.c \
	reports/report_risk.c \
	reports/report_sections.c \
	reports/report_segments.c \
	reports/report_select.c \
	reports/report_session.c \
	reports/report_session.h \
	reports/report_summary.c
