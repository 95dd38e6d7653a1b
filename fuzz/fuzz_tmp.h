/* fuzz/fuzz_tmp.h: for the harnesses whose loader takes a path (as the command does):
 * the input bytes go to one file in a directory of this process's own (mkdtemp under
 * $TMPDIR), rewritten for every input and removed at exit. Header-only, one use per
 * harness. */
#ifndef FUZZ_FUZZ_TMP_H
#define FUZZ_FUZZ_TMP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_tmp_dir[4096], fuzz_tmp_path[4200];

static void fuzz_tmp_cleanup(void)
{
    unlink(fuzz_tmp_path);
    rmdir(fuzz_tmp_dir);
}

/* Write data[0..size) to the process's file and return its path; a harness cannot
 * report an I/O failure as a finding, so it aborts (the run is then broken, loudly). */
static const char *fuzz_tmp_write(const void *data, size_t size, const char *name)
{
    if (!fuzz_tmp_dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(fuzz_tmp_dir, sizeof fuzz_tmp_dir, "%s/ope-fuzz-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(fuzz_tmp_dir))
            abort();
        snprintf(fuzz_tmp_path, sizeof fuzz_tmp_path, "%s/%s", fuzz_tmp_dir, name);
        atexit(fuzz_tmp_cleanup);
    }
    /* A new file each time, not a truncated one: ext4 flushes a file rewritten by
     * truncation when it is closed (auto_da_alloc), which made every input wait for
     * the disk. */
    unlink(fuzz_tmp_path);
    FILE *f = fopen(fuzz_tmp_path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
    return fuzz_tmp_path;
}

#endif
