/* ope/base/bigmem.c: the huge-page hint of bigmem.h. */
#include "config.h"
#include "ope/base/bigmem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Off when OPE_NO_HUGEPAGES is set, not empty and not 0 (to compare, or where memory
 * is tight: a huge page is resident whole once any byte of it is touched). */
static int wanted(void)
{
    static _Atomic int w = -1;      /* (threads may ask at once) */
    int v = atomic_load_explicit(&w, memory_order_relaxed);
    if (v < 0) {
        const char *no = getenv("OPE_NO_HUGEPAGES");
        v = !no || !*no || strcmp(no, "0") == 0;
        atomic_store_explicit(&w, v, memory_order_relaxed);
    }
    return v;
}

void ope_bigmem_advise(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (!p || n < OPE_BIGMEM_MIN || !wanted())
        return;
    /* The whole pages of the block, not only its aligned 2 MB ones: a large block is
     * often a mapping of its own, and advising part of it would split it in three,
     * which mremap cannot grow (glibc's realloc then copies it). The kernel puts huge
     * pages where whole aligned 2 MB ranges fit. */
    const uintptr_t page = 4096;
    uintptr_t a = (uintptr_t)p & ~(page - 1);
    uintptr_t e = ((uintptr_t)p + n + page - 1) & ~(page - 1);
    (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}
