# reports/: HTML and Markdown report writers.
