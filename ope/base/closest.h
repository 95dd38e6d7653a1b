/* ope/base/closest.h: the closest of a list of names to a misspelt one, for the
 * "did you mean" of commands, options, estimators, environments and help topics. */
#ifndef OPE_BASE_CLOSEST_H
#define OPE_BASE_CLOSEST_H

#include <stddef.h>

/* The name among names[0..n-1] closest to `typed` (edit distance, or one of them
 * starting with it), or NULL when none is close enough to be a likely typo. */
const char *ope_closest(const char *typed, const char *const *names, size_t n);

#endif
