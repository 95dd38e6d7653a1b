/* viz/gp.c: running gnuplot safely (see gp.h). */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ope/outfile.h"

extern char **environ;

const char *gp_program(void)
{
    const char *p = getenv("OPE_GNUPLOT");
    return p && *p ? p : OPE_GNUPLOT_DEFAULT;
}

int gp_available(void)
{
    const char *p = gp_program();
    if (strchr(p, '/'))
        return access(p, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char buf[4096];
    for (const char *s = path; *s;) {
        const char *e = strchr(s, ':');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, s, p);
        if (access(buf, X_OK) == 0)
            return 1;
        s += n + (e != NULL);
    }
    return 0;
}

void gp_quote(struct strbuf *sb, const char *s)
{
    strbuf_putc(sb, '\'');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\'')
            strbuf_puts(sb, "''");
        else if (c < 32 || c == 127)
            strbuf_putc(sb, ' ');
        else
            strbuf_putc(sb, (char)c);
    }
    strbuf_putc(sb, '\'');
}

const char *gp_term_for_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return NULL;
    if (strcmp(dot, ".svg") == 0)
        return "svg";
    if (strcmp(dot, ".png") == 0)
        return "png";
    if (strcmp(dot, ".pdf") == 0)
        return "pdf";
    return NULL;
}

/* Start gnuplot with stdin, stdout and stderr on pipes. */
static int spawn(pid_t *pid, int *in, int *out, int *errfd, struct ope_error *err)
{
    int pin[2], pout[2], perr[2];
    if (pipe(pin) != 0)
        return ope_fail(err, OPE_ESOFTWARE, "pipe: %s", strerror(errno));
    if (pipe(pout) != 0) {
        close(pin[0]);
        close(pin[1]);
        return ope_fail(err, OPE_ESOFTWARE, "pipe: %s", strerror(errno));
    }
    if (pipe(perr) != 0) {
        close(pin[0]);
        close(pin[1]);
        close(pout[0]);
        close(pout[1]);
        return ope_fail(err, OPE_ESOFTWARE, "pipe: %s", strerror(errno));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
    posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
    posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
    int fds[] = { pin[0], pin[1], pout[0], pout[1], perr[0], perr[1] };
    for (int k = 0; k < 6; k++)
        posix_spawn_file_actions_addclose(&fa, fds[k]);
    const char *prog = gp_program();
    /* A fixed argv: the program and "-" (read the script from stdin). */
    char *argv[] = { (char *)prog, (char *)"-", NULL };
    int rc = strchr(prog, '/') ? posix_spawn(pid, prog, &fa, NULL, argv, environ)
                               : posix_spawnp(pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    if (rc != 0) {
        close(pin[1]);
        close(pout[0]);
        close(perr[0]);
        return ope_fail(err, OPE_EUNAVAILABLE, "gnuplot (%s) cannot be started: %s; install "
                        "gnuplot-nox for charts (everything else works without it)", prog,
                        strerror(rc));
    }
    *in = pin[1];
    *out = pout[0];
    *errfd = perr[0];
    return 0;
}

/* Feed the script and collect stdout/stderr without deadlocking on full pipes. */
static int converse(int in, int out, int errfd, const char *script, struct strbuf *o,
                    struct strbuf *e)
{
    size_t len = strlen(script), sent = 0;
    int open_in = 1, open_out = 1, open_err = 1;
    fcntl(in, F_SETFL, fcntl(in, F_GETFL) | O_NONBLOCK);
    while (open_out || open_err) {
        struct pollfd p[3];
        int n = 0, iin = -1, iout = -1, ierr = -1;
        if (open_in) {
            p[n].fd = in;
            p[n].events = POLLOUT;
            iin = n++;
        }
        if (open_out) {
            p[n].fd = out;
            p[n].events = POLLIN;
            iout = n++;
        }
        if (open_err) {
            p[n].fd = errfd;
            p[n].events = POLLIN;
            ierr = n++;
        }
        if (poll(p, (nfds_t)n, 30000) <= 0)
            return -1;      /* gnuplot hangs: give up after 30 s */
        if (iin >= 0 && p[iin].revents) {
            ssize_t w = write(in, script + sent, len - sent);
            if (w > 0)
                sent += (size_t)w;
            if (w < 0 && errno != EAGAIN) {
                close(in);   /* gnuplot died (EPIPE, SIGPIPE is ignored) */
                open_in = 0;
            } else if (sent == len) {
                close(in);
                open_in = 0;
            }
        }
        char buf[8192];
        if (iout >= 0 && p[iout].revents) {
            ssize_t r = read(out, buf, sizeof buf);
            if (r > 0)
                strbuf_add(o, buf, (size_t)r);
            else if (r == 0 || errno != EINTR) {
                close(out);
                open_out = 0;
            }
        }
        if (ierr >= 0 && p[ierr].revents) {
            ssize_t r = read(errfd, buf, sizeof buf);
            if (r > 0)
                strbuf_add(e, buf, (size_t)r);
            else if (r == 0 || errno != EINTR) {
                close(errfd);
                open_err = 0;
            }
        }
    }
    if (open_in)
        close(in);
    return 0;
}

int gp_run(const char *script, const char *term, int width, int height, const char *path,
           int force, char **text, struct ope_error *err)
{
    struct strbuf sb = STRBUF_INIT, o = STRBUF_INIT, e = STRBUF_INIT;
    char *tmp = NULL;
    int rc = -1;
    if (text)
        *text = NULL;
    if (strcmp(term, "dumb") == 0) {
        strbuf_printf(&sb, "set terminal dumb size %d,%d noenhanced\nset output\n",
                      width < 20 ? 20 : width, height < 8 ? 8 : height);
    } else {
        if (!path)
            return ope_fail(err, OPE_EUSAGE, "a %s chart needs an output file", term);
        if (ope_outfile_check(path, force, err) != 0)
            return -1;
        /* gnuplot writes a temporary file next to the target; we rename it. */
        size_t n = strlen(path) + 32;
        tmp = malloc(n);
        if (!tmp)
            return ope_fail_oom(err);
        snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
        if (strcmp(term, "svg") == 0)
            strbuf_printf(&sb, "set terminal svg size %d,%d dynamic noenhanced font 'sans,11'\n",
                          width, height);
        else if (strcmp(term, "png") == 0)
            strbuf_printf(&sb, "set terminal pngcairo size %d,%d noenhanced font 'sans,10'\n",
                          width, height);
        else
            strbuf_printf(&sb, "set terminal pdfcairo size %g,%g noenhanced\n", width / 100.0,
                          height / 100.0);
        strbuf_puts(&sb, "set output ");
        gp_quote(&sb, tmp);
        strbuf_putc(&sb, '\n');
    }
    strbuf_puts(&sb, script);
    strbuf_puts(&sb, "\nset output\nquit\n");
    if (strbuf_failed(&sb)) {
        ope_fail_oom(err);
        goto out;
    }
    pid_t pid = 0;
    int in = -1, out = -1, errfd = -1;
    if (spawn(&pid, &in, &out, &errfd, err) != 0)
        goto out;
    int talked = converse(in, out, errfd, strbuf_str(&sb), &o, &e);
    if (talked != 0)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (talked != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        strstr(strbuf_str(&e), "error") || strstr(strbuf_str(&e), "rror:")) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            ope_fail(err, OPE_EUNAVAILABLE, "gnuplot (%s) is not installed; install "
                     "gnuplot-nox for charts (everything else works without it)", gp_program());
        else
            ope_fail(err, OPE_ESOFTWARE, "gnuplot failed%s: %.400s",
                     talked ? " (no answer in 30 s)" : "", strbuf_str(&e));
        goto out;
    }
    if (tmp) {
        struct stat st;
        if (stat(tmp, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
            ope_fail(err, OPE_ECANTCREAT, "%s: gnuplot wrote nothing (%s terminal missing?)",
                     path, term);
            goto out;
        }
        if (rename(tmp, path) != 0) {
            ope_fail(err, OPE_ECANTCREAT, "%s: cannot rename into place: %s", path,
                     strerror(errno));
            goto out;
        }
    } else if (text) {
        *text = strbuf_detach(&o);
    }
    rc = 0;
out:
    if (tmp) {
        unlink(tmp);    /* harmless after the rename */
        free(tmp);
    }
    strbuf_release(&sb);
    strbuf_release(&o);
    strbuf_release(&e);
    return rc;
}
