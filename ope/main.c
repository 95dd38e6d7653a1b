/* ope/main.c: the entry point. Parses the global options, dispatches to a subcommand
 * from the command table, and with no arguments opens the built-in demo. */
#include "config.h"
#include "ope/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <gsl/gsl_errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ope/app/demo.h"
#include "ope/base/comm.h"
#include "ope/base/outfile.h"
#include "ope/base/utf8.h"

static void print_version(void)
{
    printf("ope %s\n", PACKAGE_VERSION);
}

/* A rank past 0 writes its standard error here (its messages are rank 0's, said
 * once), and keeps the real one to say why when it fails alone (see finish). */
static FILE *rank_said, *rank_err;

static int rank_silence(void)
{
    int fd = dup(STDERR_FILENO);
    rank_err = fd >= 0 ? fdopen(fd, "w") : NULL;
    rank_said = tmpfile();
    return freopen("/dev/null", "w", stdout) &&
           (rank_said ? dup2(fileno(rank_said), STDERR_FILENO) >= 0
                      : freopen("/dev/null", "w", stderr) != NULL);
}

/* A rank past 0 that stops the job alone: its message on the real standard error. */
static void rank_say(void)
{
    char msg[1024];
    fflush(stderr);
    if (!rank_said || !rank_err || fseek(rank_said, 0, SEEK_SET) != 0)
        return;
    size_t n = fread(msg, 1, sizeof msg - 1, rank_said);
    if (n == 0)
        return;
    msg[n] = '\0';
    size_t skip = n > 5 && memcmp(msg, "ope: ", 5) == 0 ? 5 : 0;
    fprintf(rank_err, "ope: rank %d (alone, the others waiting for it): %s%s", comm_rank(),
            msg + skip, msg[n - 1] == '\n' ? "" : "\n");
    fflush(rank_err);
}

/* What every path ends with: the command's status, unless standard output could not
 * be written (then OPE_ECANTCREAT, the documented status of a failed write). */
static int finish(int rc)
{
    /* A rank that failed alone (the others wait for it in the evaluation's passes):
     * the job is stopped, not left hanging. */
    if (comm_end_status(rc) != 0) {
        if (comm_rank() > 0)
            rank_say();
        comm_abort(rc);
    }
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        /* A reader that went away (`ope eval ... | head -1`) is not worth a message:
         * the status says it; any other failure is said once, not again after the
         * command's own message. */
        if (rc == 0 && errno != EPIPE && !ope_stdout_gone())
            fprintf(stderr, "ope: error writing standard output\n");
        return rc ? rc : OPE_ECANTCREAT;
    }
    return rc;
}

/* A standard descriptor the process was started without (0, 1 or 2 closed) would be
 * the next file opened: a temporary copy of standard input on 0 was then read back as
 * standard input itself. Each closed one is taken by /dev/null, opened the way that
 * fails its use (0 write-only, 1 and 2 read-only): reading standard input still fails
 * with EBADF, as when it is closed. */
static void reserve_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            int got = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
            if (got >= 0 && got != fd) {
                dup2(got, fd);
                close(got);
            }
        }
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; every GSL status is checked instead. */
    gsl_set_error_handler_off();
    /* Numbers are read and written with '.' whatever the user's locale. */
    setlocale(LC_CTYPE, "");
    signal(SIGPIPE, SIG_IGN);
    /* Past the file size limit (ulimit -f) a write fails with EFBIG, which the writer
     * reports (73) and whose temporary file it removes, instead of the signal ending
     * the process with the file left half written. */
    signal(SIGXFSZ, SIG_IGN);
    reserve_std_fds();
    /* Started by mpirun: join the job. The ranks of ope eval/select read shares of the
     * log and merge their states; rank 0 alone writes (the others' output is the same
     * and goes nowhere). */
    struct ope_error cerr = { 0 };
    if (comm_start(&argc, &argv, &cerr) != 0) {
        fprintf(stderr, "ope: %s\n", cerr.msg);
        return cerr.status;
    }
    if (comm_rank() > 0 && !rank_silence())
        return finish(OPE_ECANTCREAT);

    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = cli_getopt("", argc, argv, "+hV", opts)) != -1) {
        switch (c) {
        case 'h':
            return finish(cmd_find("help")->exec(1, (char *[]){ "help", NULL }));
        case 'V':
            print_version();
            return finish(0);
        default:
            return OPE_EUSAGE;
        }
    }
    if (optind >= argc && comm_size() > 1) {
        fprintf(stderr, "ope: the workbench does not run across MPI ranks: run ope eval or "
                "ope select under mpirun\n");
        return finish(OPE_EUSAGE);
    }
    if (optind >= argc)
        return finish(ope_demo(argc, argv));
    const struct cmd_entry *cmd = cmd_find(argv[optind]);
    if (!cmd) {
        const char *near = cmd_closest(argv[optind]);
        char shown[256];    /* the word as typed may hold escape sequences */
        utf8_printable(argv[optind], strlen(argv[optind]), shown, sizeof shown);
        if (near)
            fprintf(stderr, "ope: '%s' is not a command; did you mean '%s'? See 'ope help'.\n",
                    shown, near);
        else
            fprintf(stderr, "ope: '%s' is not a command. See 'ope help'.\n", shown);
        return OPE_EUSAGE;
    }
    if (comm_size() > 1 && strcmp(cmd->name, "eval") != 0 && strcmp(cmd->name, "select") != 0) {
        fprintf(stderr, "ope: '%s' does not run across MPI ranks (only eval and select "
                "split a log among ranks): run it without mpirun\n", cmd->name);
        return finish(OPE_EUSAGE);
    }
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    /* `ope CMD --help` anywhere before `--` shows the command's help. */
    /* Commands with kinds (`ope gen mdp --help`) let the kind answer. */
    int has_kinds = strcmp(cmd->name, "gen") == 0;
    int first = has_kinds && sub_argc > 1 && sub_argv[1][0] != '-' ? sub_argc : 1;
    for (int i = first; i < sub_argc; i++) {
        if (strcmp(sub_argv[i], "--") == 0)
            break;
        if (strcmp(sub_argv[i], "--help") == 0 || strcmp(sub_argv[i], "-h") == 0) {
            cmd_print_help(cmd);
            return finish(0);
        }
    }
    optind = 0;    /* glibc: reinitialise getopt for the subcommand */
    return finish(cmd->exec(sub_argc, sub_argv));
}
