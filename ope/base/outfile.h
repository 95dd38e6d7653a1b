/* ope/base/outfile.h: output files that are never left half-written. Data goes to a
 * temporary file in the destination's directory and is renamed into place only when
 * complete; on any failure the temporary file is removed. A destination that exists
 * is replaced only when `force` is set, and never if it is not a regular file.
 * The path "-" means standard output (written straight through, never refused).
 * The temporary file is ".NAME.ope-PID.XXXXXX", flock-ed while it is written; opening
 * one removes those of the same NAME whose writer is gone (a process killed outright:
 * its PID no longer exists and the lock is free), if they are regular files of the
 * same user. Replacing a file (force) keeps its
 * permission bits; a new file is 0644.
 *
 * Test seam: every write goes through a replaceable function, and the environment
 * variable OPE_TEST_WRITE_LIMIT=N makes writes fail (ENOSPC) once N bytes have been
 * written to an output file (viz/gp_render.c cuts gnuplot's chart file there too), so
 * tests can check a failure midway from the installed command without touching system
 * paths; OPE_TEST_WRITE_SLEEP=S sleeps S seconds
 * before each write, so tests can send a signal while a temporary file exists. */
#ifndef OPE_OUTFILE_H
#define OPE_OUTFILE_H

#include <stddef.h>
#include <sys/types.h>
#include "ope/base/error.h"

struct ope_outfile;

/* The write function used for output files: like write(2). */
typedef ssize_t (*ope_write_fn)(int fd, const void *buf, size_t n);

/* Replace the write function (NULL restores write(2)); returns the previous one. */
ope_write_fn ope_outfile_set_write_fn(ope_write_fn fn);

/* 1 when path is "-", standard output. */
int ope_outfile_is_stdout(const char *path);

/* 1 when standard output is a pipe or socket whose reader has gone (`ope eval | head
 * -1`): a write to it failed, or would, with EPIPE. Such a failure still ends with the
 * status of a failed write (OPE_ECANTCREAT), but the reader that left needs no
 * message about it. */
int ope_stdout_gone(void);

/* Check that `path` may be written: its directory exists, and it either does not
 * exist or (with force) is a regular file. Status OPE_ECANTCREAT on refusal. */
int ope_outfile_check(const char *path, int force, struct ope_error *err);

/* Start writing `path` (through a temporary file). */
struct ope_outfile *ope_outfile_open(const char *path, int force, struct ope_error *err);

/* Append bytes. On failure the file is marked failed; commit will then fail. */
int ope_outfile_write(struct ope_outfile *f, const void *buf, size_t n, struct ope_error *err);

/* Flush, sync and rename into place, then free f. On failure remove the temporary
 * file, free f, and return -1 with err set. */
int ope_outfile_commit(struct ope_outfile *f, struct ope_error *err);

/* Give up: remove the temporary file and free f (NULL is a no-op). */
void ope_outfile_abort(struct ope_outfile *f);

/* Remove every temporary file still being written; async-signal-safe, for a signal
 * handler that is about to end the process (ope_outfile_open installs one for SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT where they are still at their default). */
void ope_outfile_remove_all(void);

/* Register (on) or forget (!on) a temporary file another program writes for us
 * (gnuplot's chart, before it is checked and put in place), so a fatal signal removes
 * it too. path must stay valid until it is forgotten. */
void ope_outfile_track(char *path, int on);

/* A temporary file next to path for another program to write (gnuplot's chart), named
 * and locked as ope_outfile_open's own (".NAME.ope-PID.XXXXXX"), so that a run killed
 * outright leaves a file the next run removes; dir is the directory to put it in
 * (absolute, with its trailing '/', or "" for the current one). Created empty, tracked
 * (ope_outfile_track) and locked: *lock_fd holds the lock until the caller closes it,
 * after removing the file. Returns the malloc'ed name, or NULL with err. */
char *ope_outfile_temp_for(const char *dir, const char *path, int *lock_fd,
                           struct ope_error *err);

/* Note a regular file this process reads (the input layer does, for every log,
 * truth, policy or result file it opens), so that no output of the same process
 * replaces it, --force or not: ope_outfile_check refuses such a target (OPE_EUSAGE),
 * by device and inode, so a hard link or another spelling of the path is caught too. */
void ope_outfile_note_input_fd(int fd);

/* Allow outputs to replace the file at path although this process reads it: for a
 * command whose job is to rewrite a file it reads (`ope train --append-to LOG`,
 * `--truth FILE`). path must stay valid; at most 8 such paths. */
void ope_outfile_allow_rewrite(const char *path);

/* 1 when out and in name the same existing file (a command must not replace the
 * file it is reading); "-" never matches. */
int ope_outfile_same_file(const char *out, const char *in);

/* Write a whole buffer to path atomically (open + write + commit). */
int ope_write_file_atomic(const char *path, const void *buf, size_t n, int force,
                          struct ope_error *err);

#endif
