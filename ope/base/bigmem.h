/* ope/base/bigmem.h: large allocations backed by transparent huge pages where the
 * kernel offers them on request (THP "madvise" mode, Debian's default). Why: on the
 * 2-core VM ope is measured on, a page fault costs about 11 us, so the first touch of
 * 100 MB of fresh memory takes 0.28 s in 4 KB pages and 0.008 s in 2 MB pages; a 1M-row
 * log in memory, a wide reward model's normal equations and the parts MPI ranks
 * exchange are all that large. ope_malloc, ope_calloc, ope_realloc and strbuf ask for
 * it themselves. */
#ifndef OPE_BASE_BIGMEM_H
#define OPE_BASE_BIGMEM_H

#include <stddef.h>

/* Allocations from this size up are worth a hint (smaller ones hold no whole 2 MB
 * page often enough to matter). */
#define OPE_BIGMEM_MIN ((size_t)4 << 20)

/* Ask that the whole 2 MB pages inside [p, p + n) be huge pages when first touched:
 * nothing for n below OPE_BIGMEM_MIN, and nothing where the kernel or the system
 * has no such thing (a hint: its failure changes nothing). */
void ope_bigmem_advise(void *p, size_t n);

/* A block of n bytes (n at least OPE_BIGMEM_MIN) that starts on a 2 MB boundary,
 * advised as above, for free() and realloc(); NULL when huge pages are off
 * (OPE_NO_HUGEPAGES), n is smaller, or memory is short (the caller then mallocs). Why
 * aligned: a large malloc is a mapping of its own that starts anywhere, and only the
 * 2 MB ranges wholly inside it can be huge pages: an 8 MB column got 2 of its 4, and
 * every 4 KB page of the rest faulted alone. */
void *ope_bigmem_alloc(size_t n);

/* realloc(p, n), where a block that grows past OPE_BIGMEM_MIN from a small one (or
 * from NULL) is moved to an aligned one (ope_bigmem_alloc; a copy of at most 2 MB) and
 * one already large is left to realloc, which grows it in place or by remapping it;
 * advised either way. NULL when memory is short (p then unchanged). */
void *ope_bigmem_realloc(void *p, size_t n);

#endif
