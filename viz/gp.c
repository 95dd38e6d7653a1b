/* viz/gp.c: the gnuplot child. Its stdin is one end of a socket pair, so writes use
 * send(MSG_NOSIGNAL): a dead gnuplot shows up as EPIPE without touching the process's
 * signal dispositions (which belong to the TUI or the CLI). Every script ends with a
 * `print` of a per-session token line; reading stdout up to it tells us the script
 * has run, and stderr is then checked for gnuplot's error messages. */
#include "config.h"
#include "viz/gp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct gp {
    pid_t pid;              /* -1 once reaped */
    int in_fd, out_fd, err_fd;
    int dead;               /* the child is gone; every call fails */
    int timeout_ms;
    unsigned seq;
    char token[48];
    char program[4096];
    char version[32];
    char *terminals;        /* GPVAL_TERMINALS with spaces around: " svg dumb ... " */
};

#define GP_DEFAULT_TIMEOUT_MS 30000

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_exec_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

int gp_locate(char *buf, size_t n, struct ope_error *err)
{
    const char *env = getenv("OPE_GNUPLOT");
    if (env && *env) {
        if (!strchr(env, '/'))
            return ope_fail(err, OPE_EUNAVAILABLE, "OPE_GNUPLOT must be a path to the "
                            "gnuplot program (e.g. /usr/bin/gnuplot), got '%s'", env);
        if (!is_exec_file(env))
            return ope_fail(err, OPE_EUNAVAILABLE, GP_MISSING_MSG "\n(OPE_GNUPLOT=%s: %s)",
                            env, access(env, F_OK) == 0 ? "not an executable file"
                                                         : strerror(errno));
        snprintf(buf, n, "%s", env);
        return 0;
    }
    if (strchr(OPE_GNUPLOT_DEFAULT, '/') && is_exec_file(OPE_GNUPLOT_DEFAULT)) {
        snprintf(buf, n, "%s", OPE_GNUPLOT_DEFAULT);
        return 0;
    }
    const char *path = getenv("PATH");
    while (path && *path) {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        if (len > 0 && len + 9 < n) {
            snprintf(buf, n, "%.*s/gnuplot", (int)len, path);
            if (is_exec_file(buf))
                return 0;
        }
        path = colon ? colon + 1 : NULL;
    }
    return ope_fail(err, OPE_EUNAVAILABLE, GP_MISSING_MSG);
}

/* Describe how the child ended, for messages. */
static void describe_status(int status, char *buf, size_t n)
{
    if (WIFSIGNALED(status))
        snprintf(buf, n, "killed by signal %d", WTERMSIG(status));
    else if (WIFEXITED(status))
        snprintf(buf, n, "exit status %d", WEXITSTATUS(status));
    else
        snprintf(buf, n, "status %d", status);
}

/* Reap the child, killing it if it has not exited within wait_ms; returns its status.
 * Its output is drained meanwhile so that a full pipe cannot keep it from exiting. */
static int reap(struct gp *g, int wait_ms)
{
    int status = 0;
    if (g->pid <= 0)
        return 0;
    long end = now_ms() + wait_ms;
    for (;;) {
        pid_t r = waitpid(g->pid, &status, WNOHANG);
        if (r == g->pid || (r < 0 && errno != EINTR))
            break;
        if (now_ms() >= end) {
            kill(g->pid, SIGKILL);
            while (waitpid(g->pid, &status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        struct pollfd p[2] = { { g->out_fd, POLLIN, 0 }, { g->err_fd, POLLIN, 0 } };
        if (poll(p, 2, 10) > 0) {
            char junk[4096];
            for (int i = 0; i < 2; i++)
                if (p[i].revents)
                    (void)!read(p[i].fd, junk, sizeof junk);
        }
    }
    g->pid = -1;
    g->dead = 1;
    return status;
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void close_pair(int fd[2])
{
    for (int i = 0; i < 2; i++)
        if (fd[i] >= 0)
            close(fd[i]);
}

/* Spawn PROGRAM --default-settings with the three standard streams connected. All
 * our descriptors are close-on-exec, so the child holds only its own ends. */
static int spawn_child(struct gp *g, struct ope_error *err)
{
    int sv[2] = { -1, -1 }, po[2] = { -1, -1 }, pe[2] = { -1, -1 };
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
        pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
        int e = errno;
        close_pair(sv);
        close_pair(po);
        close_pair(pe);
        return ope_fail(err, OPE_ESOFTWARE, "cannot create pipes for gnuplot: %s",
                        strerror(e));
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    posix_spawnattr_init(&at);
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    int sigs[] = { SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&dfl, sigs[i]);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dfl);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                  POSIX_SPAWN_SETPGROUP);
    char *argv[] = { g->program, (char *)"--default-settings", NULL };
    pid_t pid;
    int rc = posix_spawn(&pid, g->program, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(sv[1]);
    close(po[1]);
    close(pe[1]);
    if (rc != 0) {
        close(sv[0]);
        close(po[0]);
        close(pe[0]);
        if (rc == ENOENT || rc == EACCES || rc == ENOEXEC || rc == ENOTDIR)
            return ope_fail(err, OPE_EUNAVAILABLE, GP_MISSING_MSG "\n(%s: %s)", g->program,
                            strerror(rc));
        return ope_fail(err, OPE_ESOFTWARE, "cannot start %s: %s", g->program, strerror(rc));
    }
    g->pid = pid;
    g->in_fd = sv[0];
    g->out_fd = po[0];
    g->err_fd = pe[0];
    set_nonblock(g->in_fd);
    set_nonblock(g->out_fd);
    set_nonblock(g->err_fd);
    return 0;
}

/* The child is gone (EOF, EPIPE or timeout): reap it and say so. */
static int child_lost(struct gp *g, const char *why, const struct strbuf *errtext,
                      struct ope_error *err)
{
    int status = reap(g, 200);
    char how[64];
    describe_status(status, how, sizeof how);
    const char *tail = strbuf_str(errtext);
    size_t len = strlen(tail);
    if (len > 400)
        tail += len - 400;
    return ope_fail(err, OPE_EUNAVAILABLE, "gnuplot (%s) %s (%s); the chart was not drawn%s%s",
                    g->program, why, how, *tail ? "\ngnuplot said: " : "", tail);
}

/* Position of the sync line (a whole line) in the captured output, or NULL. */
static const char *find_sync(const struct strbuf *out, const char *line)
{
    const char *s = strbuf_str(out);
    size_t n = strlen(line);
    for (const char *p = strstr(s, line); p; p = strstr(p + 1, line))
        if ((p == s || p[-1] == '\n') && p[n] == '\n')
            return p;
    return NULL;
}

/* Is any non-blank line of gnuplot's stderr something other than a warning? */
static int has_error(const char *s)
{
    int in_warning = 0;     /* the last non-blank line was a warning */
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        int blank = 1;
        for (size_t i = 0; i < len; i++)
            if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '^')
                blank = 0;
        if (!blank) {
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)(len < 511 ? len : 511), s);
            /* gnuplot writes both "warning:" (script warnings) and "Warning:" (e.g.
             * "Warning: empty y range [2:2], adjusting"): neither is an error, nor is
             * an indented line that continues one ("line 72: warning: Terminal canvas
             * area too small to hold plot." then "\t    Check plot boundary ..."). */
            /* A piped gnuplot indents its own messages too ("      line 110: Bad
             * format character" after a warning): "line N:" always starts a new one. */
            int indented = line[0] == ' ' || line[0] == '\t';
            const char *t = line + strspn(line, " \t");
            int starts = strncmp(t, "line ", 5) == 0 && t[5] >= '0' && t[5] <= '9';
            if (strcasestr(line, "warning:"))
                in_warning = 1;
            else if (starts || !(indented && in_warning))
                return 1;
        }
        s += len + (nl ? 1 : 0);
    }
    return 0;
}

/* Pump the script in and the output out until the sync line shows up. */
static int pump(struct gp *g, const struct strbuf *in, const char *sync, struct strbuf *ob,
                struct strbuf *eb, const char **end, struct ope_error *err)
{
    size_t sent = 0;
    long deadline = now_ms() + g->timeout_ms;
    while (!*end) {
        long left = deadline - now_ms();
        if (left <= 0) {
            kill(g->pid, SIGKILL);
            return child_lost(g, "did not answer in time and was stopped", eb, err);
        }
        struct pollfd p[3] = { { g->out_fd, POLLIN, 0 }, { g->err_fd, POLLIN, 0 },
                               { sent < in->len ? g->in_fd : -1, POLLOUT, 0 } };
        int n = poll(p, 3, (int)(left < 1000 ? left : 1000));
        if (n < 0 && errno != EINTR)
            return ope_fail(err, OPE_ESOFTWARE, "poll on the gnuplot pipes: %s",
                            strerror(errno));
        if (n <= 0)
            continue;
        if (p[2].revents) {
            ssize_t w = send(g->in_fd, in->buf + sent, in->len - sent,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0)
                sent += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                return child_lost(g, "stopped while reading commands", eb, err);
        }
        int eof = 0;
        for (int i = 0; i < 2; i++) {
            if (!p[i].revents)
                continue;
            char buf[8192];
            ssize_t r = read(p[i].fd, buf, sizeof buf);
            if (r > 0)
                strbuf_add(i == 0 ? ob : eb, buf, (size_t)r);
            else if (i == 0 && (r == 0 || (errno != EAGAIN && errno != EINTR)))
                eof = 1;
        }
        *end = find_sync(ob, sync);
        if (!*end && eof)
            return child_lost(g, "stopped unexpectedly", eb, err);
    }
    return 0;
}

int gp_exec(struct gp *g, const char *script, char **out, struct ope_error *err)
{
    if (out)
        *out = NULL;
    if (g->dead)
        return ope_fail(err, OPE_EUNAVAILABLE, "gnuplot (%s) is no longer running; the "
                        "chart was not drawn", g->program);
    char sync[96];
    snprintf(sync, sizeof sync, "OPE-SYNC-%s-%u", g->token, ++g->seq);
    struct strbuf in = STRBUF_INIT, ob = STRBUF_INIT, eb = STRBUF_INIT;
    strbuf_puts(&in, script);
    if (in.len && in.buf[in.len - 1] != '\n')
        strbuf_putc(&in, '\n');
    strbuf_printf(&in, "set print '-'\nprint '%s'\n", sync);
    const char *end = NULL;
    int rc = strbuf_failed(&in) ? ope_fail_oom(err) : pump(g, &in, sync, &ob, &eb, &end, err);
    if (rc == 0) {
        /* stderr is unbuffered: all of it was written before the sync line. */
        char buf[8192];
        ssize_t r;
        while ((r = read(g->err_fd, buf, sizeof buf)) > 0)
            strbuf_add(&eb, buf, (size_t)r);
        if (strbuf_failed(&ob) || strbuf_failed(&eb))
            rc = ope_fail_oom(err);
        else if (has_error(strbuf_str(&eb)))
            rc = ope_fail(err, OPE_ESOFTWARE, "gnuplot rejected a chart script (a bug in "
                          "ope, please report it):\n%.1500s", strbuf_str(&eb));
        else if (out) {
            ob.len = (size_t)(end - ob.buf);
            ob.buf[ob.len] = '\0';
            *out = strbuf_detach(&ob);
        }
    }
    strbuf_release(&in);
    strbuf_release(&ob);
    strbuf_release(&eb);
    return rc;
}

/* Ask the new child for its version and terminals. */
static int handshake(struct gp *g, struct ope_error *err)
{
    char *text = NULL;
    if (gp_exec(g, "set print '-'\nprint GPVAL_VERSION\nprint ' ', GPVAL_TERMINALS, ' '\n",
                &text, err) != 0)
        return -1;
    char *nl = strchr(text, '\n');
    if (!nl || !nl[1]) {
        free(text);
        return ope_fail(err, OPE_EUNAVAILABLE, "%s does not answer like gnuplot", g->program);
    }
    *nl = '\0';
    snprintf(g->version, sizeof g->version, "%s", text);
    char *t2 = nl + 1, *e2 = strchr(t2, '\n');
    if (e2)
        *e2 = '\0';
    g->terminals = strdup(t2);
    free(text);
    if (!g->terminals)
        return ope_fail_oom(err);
    if (atof(g->version) < 5.0)
        return ope_fail(err, OPE_EUNAVAILABLE, "gnuplot %s is too old (ope needs 5.0 or "
                        "later); install gnuplot-nox", g->version);
    return 0;
}

struct gp *gp_open(struct ope_error *err)
{
    struct gp *g = ope_calloc(1, sizeof *g, err);
    if (!g)
        return NULL;
    g->pid = -1;
    g->in_fd = g->out_fd = g->err_fd = -1;
    /* A token the data cannot guess, so no title can fake the end of a script. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(g->token, sizeof g->token, "%ld-%lx-%lx", (long)getpid(), (long)ts.tv_sec,
             (unsigned long)ts.tv_nsec ^ (unsigned long)(size_t)g);
    if (gp_locate(g->program, sizeof g->program, err) != 0 || spawn_child(g, err) != 0) {
        free(g);
        return NULL;
    }
    g->timeout_ms = 10000;
    if (handshake(g, err) != 0) {
        if (err && err->status == OPE_EUNAVAILABLE && strstr(err->msg, "stopped"))
            ope_error_prefix(err, "%s\n", GP_MISSING_MSG);
        gp_close(g);
        return NULL;
    }
    g->timeout_ms = GP_DEFAULT_TIMEOUT_MS;
    return g;
}

void gp_close(struct gp *g)
{
    if (!g)
        return;
    if (!g->dead && g->in_fd >= 0)
        (void)send(g->in_fd, "\nquit\n", 6, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (g->in_fd >= 0) {
        shutdown(g->in_fd, SHUT_WR);
        close(g->in_fd);
    }
    reap(g, 2000);
    if (g->out_fd >= 0)
        close(g->out_fd);
    if (g->err_fd >= 0)
        close(g->err_fd);
    free(g->terminals);
    free(g);
}

pid_t gp_pid(const struct gp *g) { return g->pid; }

void gp_set_timeout(struct gp *g, int ms) { g->timeout_ms = ms > 0 ? ms : 1; }

const char *gp_version(const struct gp *g) { return g->version; }

const char *gp_path(const struct gp *g) { return g->program; }

int gp_has_terminal(const struct gp *g, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, " %s ", name);
    return g->terminals && strstr(g->terminals, key) != NULL;
}
