/* ope/base/tmpfile.h: scratch files in $TMPDIR that are gone from the directory as
 * soon as they are made (unlinked), so nothing is left behind whatever happens to the
 * process, and their whole-buffer reading and writing. */
#ifndef OPE_BASE_TMPFILE_H
#define OPE_BASE_TMPFILE_H

#include <stddef.h>

/* $TMPDIR, or /tmp when it is unset or empty. */
const char *ope_tmp_dir(void);

/* A new file in ope_tmp_dir() named PREFIX-XXXXXX, opened for reading and writing,
 * already unlinked and closed on exec: its descriptor, or -1 (errno set). */
int ope_tmp_anon(const char *prefix);

/* The same, but -1 (errno ENOSPC) when the file system keeps its pages in memory
 * (tmpfs, ramfs): a scratch file that stands in for memory must not take it. */
int ope_tmp_anon_disk(const char *prefix);

/* Whether `more` bytes may be added to the scratch file fd of `size` bytes: it stays
 * within the file size limit, and its file system keeps at least the larger of 256 MB
 * and 5% of its size free. */
int ope_tmp_room(int fd, unsigned long long size, unsigned long long more);

/* Whether a file of size bytes stays within the process's file size limit (ulimit
 * -f): a write past it raises SIGXFSZ, which ends the process, so a scratch file that
 * may give up stops before it. */
int ope_tmp_fits(unsigned long long size);

/* The process's file size limit in bytes (ulimit -f), or 0 when there is none. */
unsigned long long ope_tmp_fsize_limit(void);

/* Write or read exactly n bytes at fd's offset (retrying short transfers and EINTR):
 * 0, or -1 (a write error, or a read that hit the end or an error; errno set, 0 at
 * the end). */
int ope_fd_write_all(int fd, const void *buf, size_t n);
int ope_fd_read_all(int fd, void *buf, size_t n);

#endif
