/* ope/base/sha256.h: SHA-256 (FIPS 180-4), so outputs and reports can name the exact
 * input they were computed from. */
#ifndef OPE_SHA256_H
#define OPE_SHA256_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"

struct sha256 {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char block[64];
    size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* The same digest as 64 lowercase hex digits + NUL. */
void sha256_final_hex(struct sha256 *s, char out[65]);

/* Hex digest of a whole buffer / file (out: 64 hex digits + NUL). */
void sha256_hex(const void *data, size_t n, char out[65]);
int sha256_file_hex(const char *path, char out[65], struct ope_error *err);
/* Of the files at paths[0..n-1], one after the other: the digest csv_digest gives of
 * several inputs read as one log. */
int sha256_files_hex(const char *const *paths, size_t n, char out[65], struct ope_error *err);

/* sha256_files_hex as a job for a thread of its own (pthread_create(&t, NULL,
 * sha256_job_run, &job)), so the caller reads the files meanwhile: rc 0 with hex, or
 * -1 with err, once joined. */
struct sha256_job {
    const char *const *paths;
    size_t n;
    char hex[65];
    struct ope_error err;
    int rc;
};
void *sha256_job_run(void *job);

#endif
