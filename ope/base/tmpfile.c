/* ope/base/tmpfile.c: unlinked scratch files in $TMPDIR (tmpfile.h). */
#include "config.h"
#include "ope/base/tmpfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/vfs.h>
#endif

/* What a scratch file may never leave free of its file system: the larger of these. */
#define KEEP_FREE_BYTES ((unsigned long long)256 << 20)
#define KEEP_FREE_SHARE 0.05
/* statfs's f_type of the file systems whose pages are memory (linux/magic.h). */
#define TMPFS_MAGIC_ 0x01021994L
#define RAMFS_MAGIC_ 0x858458f6L

const char *ope_tmp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    return tmp && *tmp ? tmp : "/tmp";
}

int ope_tmp_anon(const char *prefix)
{
    const char *dir = ope_tmp_dir();
    size_t len = strlen(dir) + strlen(prefix) + 16;
    char *path = malloc(len);
    if (!path)
        return -1;
    snprintf(path, len, "%s/%s-XXXXXX", dir, prefix);
    int fd = mkstemp(path);
    if (fd >= 0) {
        unlink(path);
        /* Not inherited: a child (gnuplot) would keep the deleted file's space. */
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    free(path);
    return fd;
}

int ope_tmp_anon_disk(const char *prefix)
{
    int fd = ope_tmp_anon(prefix);
#ifdef __linux__
    struct statfs fs;
    if (fd >= 0 && fstatfs(fd, &fs) == 0 &&
        ((long)fs.f_type == TMPFS_MAGIC_ || (long)fs.f_type == RAMFS_MAGIC_)) {
        close(fd);
        errno = ENOSPC;
        return -1;
    }
#endif
    return fd;
}

int ope_tmp_room(int fd, unsigned long long size, unsigned long long more)
{
    if (!ope_tmp_fits(size + more))
        return 0;
    struct statvfs fs;
    if (fstatvfs(fd, &fs) != 0)
        return 0;
    unsigned long long unit = fs.f_frsize ? fs.f_frsize : fs.f_bsize;
    unsigned long long avail = (unsigned long long)fs.f_bavail * unit;
    unsigned long long keep = (unsigned long long)((double)fs.f_blocks * (double)unit *
                                                   KEEP_FREE_SHARE);
    if (keep < KEEP_FREE_BYTES)
        keep = KEEP_FREE_BYTES;
    return avail > keep && avail - keep >= more;
}

int ope_tmp_fits(unsigned long long size)
{
    unsigned long long lim = ope_tmp_fsize_limit();
    return lim == 0 || size <= lim;
}

unsigned long long ope_tmp_fsize_limit(void)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_FSIZE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY)
        return 0;
    return (unsigned long long)lim.rlim_cur;
}

int ope_fd_write_all(int fd, const void *buf, size_t n)
{
    const char *b = buf;
    while (n > 0) {
        ssize_t got = write(fd, b, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        b += got;
        n -= (size_t)got;
    }
    return 0;
}

int ope_fd_read_all(int fd, void *buf, size_t n)
{
    char *b = buf;
    while (n > 0) {
        ssize_t got = read(fd, b, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got == 0)
            errno = 0;
        if (got <= 0)
            return -1;
        b += got;
        n -= (size_t)got;
    }
    return 0;
}
