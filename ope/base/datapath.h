/* ope/base/datapath.h: where the data that ships with ope (the Open Bandit Dataset
 * sample of the demo) is found, installed or in the source tree. */
#ifndef OPE_BASE_DATAPATH_H
#define OPE_BASE_DATAPATH_H

/* Locate a shipped data file (e.g. "obd/random/men/men.csv"): $OPE_DATA_DIR, the
 * installed data directory, then the source tree. Returns a malloc'ed path or NULL. */
char *ope_data_path(const char *rel);

#endif
