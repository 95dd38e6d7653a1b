/* ope/base/outfile.c: atomic output files (temporary file + rename). */
#include "config.h"
#include "ope/base/outfile.h"
#include "ope/base/tmpfile.h"
#include "ope/base/utf8.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The path "-" is standard output (`-o -`): no temporary file, nothing to rename, and
 * nothing to refuse; whatever the commands wrote with stdio is flushed first so the
 * bytes keep their order. */
struct ope_outfile {
    char *path;
    char *tmp;
    int fd;
    size_t written;
    int failed;
    int force;
    int tty;            /* standard output is a terminal: control bytes shown as \xNN */
};

static ope_write_fn write_fn = NULL;

/* The temporary files being written, for the signal handler: a fatal signal
 * (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE) removes them, then the signal takes its
 * default course, so nothing partial is left behind by a catchable signal. The slots
 * are claimed and released with the signals blocked; the handler only reads them and
 * calls unlink(2), which is async-signal-safe. */
#define LIVE_MAX 32
static char *volatile live[LIVE_MAX];
static const int fatal_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
#define N_FATAL (sizeof fatal_signals / sizeof fatal_signals[0])
static int handlers_installed;

void ope_outfile_remove_all(void)
{
    for (int k = 0; k < LIVE_MAX; k++) {
        char *t = live[k];
        if (t)
            unlink(t);
    }
}

static void on_fatal(int sig)
{
    ope_outfile_remove_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Catch the fatal signals whose disposition is still the default: a handler the
 * program installed itself (the cancellation of SIGINT) unwinds through
 * ope_outfile_abort already, and an ignored signal stays ignored. */
static void install_handlers(void)
{
    if (handlers_installed)
        return;
    handlers_installed = 1;
    for (size_t k = 0; k < N_FATAL; k++) {
        struct sigaction old, sa;
        if (sigaction(fatal_signals[k], NULL, &old) != 0 || old.sa_handler != SIG_DFL ||
            (old.sa_flags & SA_SIGINFO))
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal;
        sigemptyset(&sa.sa_mask);
        sigaction(fatal_signals[k], &sa, NULL);
    }
}

static void block_fatal(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t k = 0; k < N_FATAL; k++)
        sigaddset(&set, fatal_signals[k]);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

/* Register (t != NULL) or forget the temporary file t. */
static void live_set(char *t, int on)
{
    sigset_t old;
    block_fatal(&old);
    for (int k = 0; k < LIVE_MAX; k++) {
        if (on ? live[k] == NULL : live[k] == t) {
            live[k] = on ? t : NULL;
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void ope_outfile_track(char *path, int on)
{
    if (on)
        install_handlers();
    live_set(path, on);
}

ope_write_fn ope_outfile_set_write_fn(ope_write_fn fn)
{
    ope_write_fn old = write_fn;
    write_fn = fn;
    return old;
}

static ssize_t do_write(struct ope_outfile *f, const void *buf, size_t n)
{
    const char *pause = getenv("OPE_TEST_WRITE_SLEEP");
    if (pause && *pause)
        sleep((unsigned)strtoul(pause, NULL, 10));
    const char *lim = getenv("OPE_TEST_WRITE_LIMIT");
    if (lim && *lim) {
        size_t limit = (size_t)strtoull(lim, NULL, 10);
        if (f->written >= limit) {
            errno = ENOSPC;
            return -1;
        }
        if (f->written + n > limit)
            n = limit - f->written;
    }
    return write_fn ? write_fn(f->fd, buf, n) : write(f->fd, buf, n);
}

int ope_outfile_is_stdout(const char *path)
{
    return path && strcmp(path, "-") == 0;
}

int ope_stdout_gone(void)
{
    struct stat st;
    if (fstat(STDOUT_FILENO, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
        return 0;
    /* Linux reports POLLERR on a pipe's write end once no reader is left; a socket
     * whose peer has shut down reports POLLHUP or POLLERR. */
    struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP)) != 0;
}

/* The files this process reads (ope_outfile_note_input_fd); a full table stops
 * noting, which only loses the check for inputs past the 64th. */
#define INPUTS_MAX 64
static struct { dev_t dev; ino_t ino; } inputs[INPUTS_MAX];
static size_t n_inputs;
static pthread_mutex_t inputs_lock = PTHREAD_MUTEX_INITIALIZER;

void ope_outfile_note_input_fd(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return;
    pthread_mutex_lock(&inputs_lock);
    int seen = 0;
    for (size_t k = 0; k < n_inputs; k++)
        seen |= inputs[k].dev == st.st_dev && inputs[k].ino == st.st_ino;
    if (!seen && n_inputs < INPUTS_MAX) {
        inputs[n_inputs].dev = st.st_dev;
        inputs[n_inputs].ino = st.st_ino;
        n_inputs++;
    }
    pthread_mutex_unlock(&inputs_lock);
}

static const char *rewrite_ok[8];
static size_t n_rewrite_ok;

void ope_outfile_allow_rewrite(const char *path)
{
    pthread_mutex_lock(&inputs_lock);
    if (n_rewrite_ok < sizeof rewrite_ok / sizeof *rewrite_ok)
        rewrite_ok[n_rewrite_ok++] = path;
    pthread_mutex_unlock(&inputs_lock);
}

static int is_input(const struct stat *st)
{
    int found = 0;
    pthread_mutex_lock(&inputs_lock);
    for (size_t k = 0; k < n_inputs; k++)
        found |= inputs[k].dev == st->st_dev && inputs[k].ino == st->st_ino;
    for (size_t k = 0; found && k < n_rewrite_ok; k++) {
        struct stat ok;
        if (stat(rewrite_ok[k], &ok) == 0 && ok.st_dev == st->st_dev && ok.st_ino == st->st_ino)
            found = 0;
    }
    pthread_mutex_unlock(&inputs_lock);
    return found;
}

int ope_outfile_check(const char *path, int force, struct ope_error *err)
{
    struct stat st;
    if (!path || !*path)
        return ope_fail(err, OPE_EUSAGE, "no output file name given");
    if (ope_outfile_is_stdout(path))
        return 0;
    if (lstat(path, &st) == 0) {
        /* A symbolic link is never followed (the rename would replace the link, not
         * what it names): said as what it is. */
        if (S_ISLNK(st.st_mode))
            return ope_fail(err, OPE_ECANTCREAT,
                            "%s: a symbolic link; refusing to replace it (name the file it "
                            "points to, or choose another output path)", path);
        if (!S_ISREG(st.st_mode))
            return ope_fail(err, OPE_ECANTCREAT,
                            "%s: exists and is not a regular file; refusing to replace it "
                            "(choose another output path)", path);
        if (is_input(&st))
            /* Not "-o": the output may be another option's (--save-state). */
            return ope_fail(err, OPE_EUSAGE, "%s: the output names a file this command "
                            "reads; write the output elsewhere (the input would be lost)",
                            path);
        if (!force)
            return ope_fail(err, OPE_ECANTCREAT,
                            "%s: already exists; use --force to replace it", path);
    } else if (errno != ENOENT) {
        return ope_fail(err, OPE_ECANTCREAT, "%s: %s", path, strerror(errno));
    }
    return 0;
}

/* How much of NAME the temporary file's name keeps (255 - 23, rounded down). */
#define TMP_NAME_KEEP 230

/* Is name (a directory entry) a temporary file of ours for the target whose own
 * temporary file's name starts with prefix (".NAME.ope-", plen bytes)? Returns its pid,
 * or 0 when the name is not of the form prefix DIGITS "." and six characters. */
static long stale_pid(const char *name, const char *prefix, size_t plen)
{
    if (strncmp(name, prefix, plen) != 0)
        return 0;
    const char *p = name + plen, *d = p;
    long pid = 0;
    while (*d >= '0' && *d <= '9' && d - p < 10)
        pid = pid * 10 + (*d++ - '0');
    if (d == p || *d != '.' || strlen(d + 1) != 6)
        return 0;
    return pid;
}

/* A process killed outright (SIGKILL, a crash, power loss) cannot remove its
 * temporary file. The next run that writes the same target removes those whose
 * writer is gone: same name up to ".ope-", a pid that no longer exists here
 * (kill(pid, 0) fails with ESRCH), a regular file, owned by us, and not locked: a
 * writer holds an flock on its temporary file until it ends, which also covers a
 * writer whose pid we cannot see (another container on the same directory). A live
 * writer's file, another user's, or anything else is left alone. tmp is our own
 * template ".../.NAME.ope-PID.XXXXXX", dirlen the length of its directory part. */
static void remove_stale(const char *tmp, size_t dirlen)
{
    const char *name = tmp + dirlen;
    const char *mark = strstr(name, ".ope-");
    if (!mark)
        return;
    size_t plen = (size_t)(mark - name) + 5;
    char dir[4096];
    if (dirlen >= sizeof dir)
        return;
    if (dirlen) {
        memcpy(dir, tmp, dirlen);
        dir[dirlen] = '\0';
    } else
        strcpy(dir, ".");
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    uid_t me = getuid();
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        long pid = stale_pid(de->d_name, name, plen);
        if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        struct stat st;
        if (fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0
            || !S_ISREG(st.st_mode) || st.st_uid != me)
            continue;
        int fd = openat(dirfd(dp), de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlinkat(dirfd(dp), de->d_name, 0);
        close(fd);
    }
    closedir(dp);
}

char *ope_outfile_temp_for(const char *dir, const char *path, int *lock_fd,
                           struct ope_error *err)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    size_t dl = strlen(dir), base = strlen(name);
    size_t keep = base > TMP_NAME_KEEP ? TMP_NAME_KEEP : base, n = dl + keep + 40;
    char *tmp = ope_malloc(n, err);
    if (!tmp)
        return NULL;
    /* ".NAME.ope-PID.XXXXXX" is at most 23 bytes longer than NAME: cut NAME so that a
     * name near the file system's limit (255) still has a temporary file; the cut
     * name still says whose it is, and the pid which process writes it. */
    snprintf(tmp, n, "%s.%.*s.ope-%ld.XXXXXX", dir, (int)keep, name, (long)getpid());
    remove_stale(tmp, dl);
    install_handlers();
    sigset_t old;
    block_fatal(&old);          /* no window between creating the file and listing it */
    /* Close-on-exec: a child (gnuplot) must neither hold the file nor its lock. */
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd >= 0) {
        live_set(tmp, 1);
        flock(fd, LOCK_EX | LOCK_NB);    /* held until we end: see remove_stale */
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        ope_fail(err, OPE_ECANTCREAT, "%s: cannot create a file in its directory: %s",
                 path, strerror(errno));
        free(tmp);
        return NULL;
    }
    fchmod(fd, 0644);
    *lock_fd = fd;
    return tmp;
}

struct ope_outfile *ope_outfile_open(const char *path, int force, struct ope_error *err)
{
    if (ope_outfile_check(path, force, err) != 0)
        return NULL;
    struct ope_outfile *f = ope_calloc(1, sizeof *f, err);
    if (!f)
        return NULL;
    if (ope_outfile_is_stdout(path)) {
        f->path = ope_strdup("standard output", err);
        if (!f->path) {
            free(f);
            return NULL;
        }
        fflush(stdout);
        f->fd = STDOUT_FILENO;
        f->tty = isatty(STDOUT_FILENO);
        return f;
    }
    f->path = ope_strdup(path, err);
    if (!f->path) {
        free(f);
        return NULL;
    }
    /* The temporary file sits next to the destination so rename() is atomic; its name,
     * lock and signal tracking are the one scheme of ope_outfile_temp_for. */
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    char dir[4096];
    if (dirlen >= sizeof dir) {
        ope_fail(err, OPE_ECANTCREAT, "%s: its directory name is too long", path);
        free(f->path);
        free(f);
        return NULL;
    }
    memcpy(dir, path, dirlen);
    dir[dirlen] = '\0';
    if (!(f->tmp = ope_outfile_temp_for(dir, path, &f->fd, err))) {
        free(f->path);
        free(f);
        return NULL;
    }
    f->force = force;
    return f;
}

int ope_outfile_write(struct ope_outfile *f, const void *buf, size_t n, struct ope_error *err)
{
    const char *p = buf;
    if (f->failed)
        return -1;
    /* A data file written to a terminal (-o -) is read by a person: a name or a cell
     * from the data must not start an escape sequence there (as ls shows names). */
    char *shown = f->tty ? malloc(4 * n + 1) : NULL;
    if (shown) {
        utf8_printable_lines(p, n, shown, 4 * n + 1);
        f->tty = 0;
        int rc = ope_outfile_write(f, shown, strlen(shown), err);
        f->tty = 1;
        free(shown);
        return rc;
    }
    while (n > 0) {
        ssize_t w = do_write(f, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            f->failed = 1;
            unsigned long long lim = errno == EFBIG ? ope_tmp_fsize_limit() : 0;
            if (lim)
                return ope_fail(err, OPE_ECANTCREAT, "%s: write failed: the file would pass "
                                "the file size limit (ulimit -f: %llu bytes); raise the "
                                "limit or write a smaller output", f->path, lim);
            return ope_fail(err, OPE_ECANTCREAT, "%s: write failed: %s", f->path,
                            strerror(errno));
        }
        if (w == 0) {
            f->failed = 1;
            return ope_fail(err, OPE_ECANTCREAT, "%s: write failed: no progress", f->path);
        }
        p += w;
        n -= (size_t)w;
        f->written += (size_t)w;
    }
    return 0;
}

static void outfile_free(struct ope_outfile *f)
{
    if (!f)
        return;
    free(f->path);
    free(f->tmp);
    free(f);
}

void ope_outfile_abort(struct ope_outfile *f)
{
    if (!f)
        return;
    if (!f->tmp) {          /* standard output: stays open, nothing to remove */
        outfile_free(f);
        return;
    }
    if (f->fd >= 0)
        close(f->fd);
    unlink(f->tmp);
    live_set(f->tmp, 0);
    outfile_free(f);
}

int ope_outfile_commit(struct ope_outfile *f, struct ope_error *err)
{
    if (f->failed) {
        ope_outfile_abort(f);
        return -1;
    }
    if (!f->tmp) {
        outfile_free(f);
        return 0;
    }
    /* Replacing a file keeps its permission bits (a 0444 file stays read-only); a new
     * file gets the 0644 of ope_outfile_open. */
    struct stat st;
    if (f->force && lstat(f->path, &st) == 0 && S_ISREG(st.st_mode))
        fchmod(f->fd, st.st_mode & 07777 & ~(mode_t)(S_ISUID | S_ISGID));
    if (fsync(f->fd) != 0 && errno != EINVAL && errno != EROFS) {
        ope_fail(err, OPE_ECANTCREAT, "%s: cannot sync: %s", f->path, strerror(errno));
        ope_outfile_abort(f);
        return -1;
    }
    if (close(f->fd) != 0) {
        f->fd = -1;
        ope_fail(err, OPE_ECANTCREAT, "%s: cannot close: %s", f->path, strerror(errno));
        ope_outfile_abort(f);
        return -1;
    }
    f->fd = -1;
    /* Re-check just before the rename: the destination may have changed meanwhile. */
    if (ope_outfile_check(f->path, f->force, err) != 0) {
        ope_outfile_abort(f);
        return -1;
    }
    /* A signal between the rename and forgetting the name would remove nothing (the
     * name is gone), but one during the rename must not unlink the finished file's
     * old name after it moved: block them around the pair. */
    sigset_t old;
    block_fatal(&old);
    int rn = rename(f->tmp, f->path);
    int rn_errno = errno;
    if (rn == 0)
        live_set(f->tmp, 0);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rn != 0) {
        ope_fail(err, OPE_ECANTCREAT, "%s: cannot rename into place: %s", f->path,
                 strerror(rn_errno));
        ope_outfile_abort(f);
        return -1;
    }
    outfile_free(f);
    return 0;
}

int ope_outfile_same_file(const char *out, const char *in)
{
    struct stat a, b;
    if (!out || !in || ope_outfile_is_stdout(out) || strcmp(in, "-") == 0)
        return 0;
    return stat(out, &a) == 0 && stat(in, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

int ope_write_file_atomic(const char *path, const void *buf, size_t n, int force,
                          struct ope_error *err)
{
    struct ope_outfile *f = ope_outfile_open(path, force, err);
    if (!f)
        return -1;
    if (ope_outfile_write(f, buf, n, err) != 0) {
        ope_outfile_abort(f);
        return -1;
    }
    return ope_outfile_commit(f, err);
}
