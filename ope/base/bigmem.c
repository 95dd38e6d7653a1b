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
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)

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

void *ope_bigmem_alloc(size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    /* Whole huge pages: the tail past the last 2 MB boundary would be 4 KB pages
     * faulted one by one (465 of them for an 8,196,096-byte column). At most 2 MB more,
     * resident only where the block's last page is touched. */
    void *p = NULL;
    if (n < OPE_BIGMEM_MIN || !wanted() || n > SIZE_MAX - HUGE_PAGE)
        return NULL;
    size_t whole = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    if (posix_memalign(&p, HUGE_PAGE, whole) != 0)
        return NULL;
    ope_bigmem_advise(p, whole);
    return p;
#else
    (void)n;
    return NULL;
#endif
}

void *ope_bigmem_realloc(void *p, size_t n)
{
#if defined(__GLIBC__)
    /* A small block (or none) growing large: moved to an aligned one, which costs a
     * copy of what it held (under 2 MB); a large one is left to realloc (mremap: no
     * copy, and the pages it has keep their size). */
    size_t had = p ? malloc_usable_size(p) : 0;
    if (n >= OPE_BIGMEM_MIN && had < HUGE_PAGE) {
        void *q = ope_bigmem_alloc(n);
        if (q) {
            if (p)
                memcpy(q, p, had < n ? had : n);
            free(p);
            return q;
        }
    }
#endif
    void *q = realloc(p, n ? n : 1);
    if (q)
        ope_bigmem_advise(q, n);
    return q;
}
