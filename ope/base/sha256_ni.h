/* ope/base/sha256_ni.h: SHA-256 compression with the x86 SHA extensions (SHA-NI), used by
 * sha256.c when the CPU has them: a 500 MB log then hashes in a fraction of a
 * second instead of seconds. */
#ifndef OPE_SHA256_NI_H
#define OPE_SHA256_NI_H

#include <stddef.h>
#include <stdint.h>

/* The 64 round constants (defined in sha256.c, 16-byte aligned). */
extern const uint32_t sha256_k[64];

/* Compress n whole 64-byte blocks at p into the state h[8] (FIPS 180-4 order a..h).
 * Returns n, or 0 without touching h when the CPU lacks the extensions (the caller
 * then compresses in plain C). */
size_t sha256_ni_blocks(uint32_t h[8], const unsigned char *p, size_t n);

#endif
