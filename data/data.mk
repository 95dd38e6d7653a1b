# data/data.mk: the shipped demo data, installed under $(pkgdatadir)/obd/... so that
# ope_data_path("obd/random/men/men.csv") finds it after `make install` (and in the
# source tree before). The Open Bandit Dataset sample: see data/README.md.
obddir = $(pkgdatadir)/obd
dist_obd_DATA = data/obd/README.md data/obd/SHA256SUMS
obd_random_mendir = $(pkgdatadir)/obd/random/men
dist_obd_random_men_DATA = data/obd/random/men/men.csv data/obd/random/men/item_context.csv
obd_random_womendir = $(pkgdatadir)/obd/random/women
dist_obd_random_women_DATA = data/obd/random/women/women.csv \
	data/obd/random/women/item_context.csv
obd_bts_mendir = $(pkgdatadir)/obd/bts/men
dist_obd_bts_men_DATA = data/obd/bts/men/men.csv data/obd/bts/men/item_context.csv
obd_bts_womendir = $(pkgdatadir)/obd/bts/women
dist_obd_bts_women_DATA = data/obd/bts/women/women.csv data/obd/bts/women/item_context.csv
EXTRA_DIST += data/README.md
