/* ope/cmd_tui.c: `ope tui LOG`: the workbench on a log. When standard output is not
 * a terminal it prints the batch summary (the `ope eval` table) instead. */
#include "config.h"
#include "ope/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/logrange.h"
#include "datasets/tlog.h"
#include "ope/app/demo.h"
#include "ope/app/evalcli.h"
#include "ope/app/loadcli.h"
#include "ope/app/render.h"
#include "ope/app/session.h"
#include "reports/report.h"
#include "reports/report_session.h"
#include "viz/tui.h"

static int is_report_name(const char *path)
{
    enum report_format f;
    return report_format_of(path, &f) == 0;
}

/* `x` in the workbench: .html/.md names write the whole session as a report. */
static const struct tui_report_hook report_hook = { is_report_name, report_write_session };

static int interactive(void)
{
    const char *term = getenv("TERM");
    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term && strcmp(term, "dumb") != 0;
}

static int run_session(struct session *s, struct ope_error *err)
{
    /* Settings the evaluation would refuse (an unknown estimator or value model, an
     * unreadable truth file) fail here, as they would with ope eval, not later on
     * the workbench's status line. */
    if (session_check_settings(s, &s->set, err) != 0)
        return cli_error(err);
    if (interactive())
        return tui_run(s, &report_hook);
    /* Not a terminal: the batch summary. */
    if (session_eval_now(s, NULL, err) != 0)
        return cli_error(err);
    struct strbuf sb = STRBUF_INIT;
    render_table(s->res, &sb);
    fwrite(strbuf_str(&sb), 1, sb.len, stdout);
    strbuf_release(&sb);
    return 0;
}

int ope_demo_tui(struct ope_error *err)
{
    struct session s;
    session_init(&s);
    if (session_open_demo(&s, NULL, err) != 0) {
        session_release(&s);
        return -1;
    }
    int rc = tui_run(&s, &report_hook);
    session_release(&s);
    return rc;
}

/* What `ope tui LOG` loads: the log, the policy files of --policy NAME=FILE (they join
 * a trajectory log), and the check of the settings against it. In the workbench it
 * runs on the worker behind the loading frame; piped, on the main thread. */
struct tui_open {
    const char *path;
    struct evalcli *ev;
};

static int open_log(void *ud, struct session *s, struct ope_progress *progress,
                    struct ope_error *err)
{
    struct tui_open *o = ud;
    struct evalcli *ev = o->ev;
    if (session_open_progress(s, o->path, &ev->lo, progress, err) != 0)
        return -1;
    if (evalcli_n_policy_files(ev)) {
        if (!s->tlog)
            return evalcli_no_policy_files(ev, "a bandit log", err);
        if (evalcli_add_policy_files(ev, s->tlog, err) != 0 || tlog_check_range(s->tlog, err) != 0)
            return -1;
    }
    /* Settings the evaluation would refuse (an unknown estimator or value model, an
     * unreadable truth file) fail here, as they would with ope eval, not later on
     * the workbench's status line. */
    return session_check_settings(s, &s->set, err);
}

/* The size of a regular file for the loading frame (0: unknown or not regular). */
static double file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (double)st.st_size : 0;
}

/* The evaluation options are `ope eval`'s (the same group, into the same settings
 * the session evaluates with); -e and -s are the workbench's short names for
 * --estimators and --seed. */
static int tui_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        EVALCLI_OPTIONS,
        EVALCLI_SEG_OPTIONS,
        LOADCLI_OPTIONS,
        { "quiet", no_argument, NULL, 'q' },
        { "demo", optional_argument, NULL, 'D' },
        { NULL, 0, NULL, 0 }
    };
    const char *campaign = NULL;
    int demo = 0;
    struct evalcli ev;
    evalcli_init(&ev);
    struct ope_error err = { 0 };
    int c;
    while ((c = cli_getopt("tui", argc, argv, "e:s:q", opts)) != -1) {
        if (c == '?')
            return OPE_EUSAGE;
        if (c == 'q')
            continue;   /* accepted like every command's; the workbench prints nothing extra */
        if (c == 'D') {     /* the demo, either campaign: --demo=women */
            demo = 1;
            campaign = optarg;
            continue;
        }
        int opt = c == 'e' ? EVALCLI_ESTIMATORS : c == 's' ? EVALCLI_SEED : c;
        int rc = evalcli_option(&ev, opt, optarg, &err);
        if (rc == 0)
            rc = loadcli_option(&ev.lo, opt, optarg, &err);
        if (rc < 0)
            return cli_usage("tui", "%s", err.msg);
    }
    if (ev.set.risk)
        return cli_usage("tui", "--risk: the workbench does not show return distributions "
                         "(ope eval --risk and ope report do)");
    struct session s;
    session_init(&s);
    s.set = ev.set;
    s.res_set = ev.set;
    int rc;
    if (demo && optind != argc) {
        session_release(&s);
        return cli_usage("tui", "--demo opens the built-in demo: give no LOG");
    }
    if (optind == argc) {
        rc = evalcli_no_policy_files(&ev, "the built-in demo (a bandit log)", &err);
        if (rc == 0)
            rc = session_open_demo(&s, campaign, &err);
    } else if (optind + 1 == argc) {
        struct tui_open o = { argv[optind], &ev };
        if (interactive()) {
            /* The workbench comes up at once and loads behind its loading frame. */
            struct tui_loader ld = { open_log, &o, argv[optind], file_bytes(argv[optind]) };
            rc = tui_run_load(&s, &ld, &report_hook, &err);
            session_release(&s);
            return rc < 0 ? cli_error(&err) : rc;
        }
        rc = open_log(&o, &s, NULL, &err);
    } else {
        session_release(&s);
        return cli_usage("tui", "one log at a time");
    }
    if (rc != 0) {
        session_release(&s);
        return cli_error(&err);
    }
    rc = run_session(&s, &err);
    session_release(&s);
    return rc;
}

const struct cmd_entry cmd_tui_entry = {
    "tui", "ope tui [LOG.csv | --demo[=men|women]] [options]",
    "open the workbench (ncurses) on a log, or on the built-in demo",
    "Views (number keys or Tab): 1 Data, 2 Estimates, 3 Chart, 4 Selection, 5 Learn,\n"
    "6 Explore, 7 Help, 8 Train, 9 Segments (b there asks for a context column and\n"
    "bins); Selection opens with the decision (the best candidate's lift over the\n"
    "logged policy, and the gate that would pass); p in the Chart view draws one\n"
    "policy at a time.\n"
    "Keys: arrows/hjkl, PgUp/PgDn, / search, s sort, e estimators,\n"
    "r re-run with new settings (alpha, interval, B, seed; for a trajectory log also gamma\n"
    "and the value model), c cancel, x export (CSV, chart SVG, or the whole session as a\n"
    "report: a name ending in .html or .md), ? help, q quit. NO_COLOR=1 turns colours off.\n"
    "s shows the column numbers while it asks, and the sort stays across re-runs; C\n"
    "picks the columns a table shows (e.g. 2,3,8-10; an empty line: all), kept across\n"
    "re-runs too, and x exports those. L in the Estimates view puts the lift over the\n"
    "logged policy (paired interval, relative lift) in the first columns, or hides it.\n"
    "The screen is drawn only when something changed (OPE_TUI_FRAMES=FILE keeps the\n"
    "count of draws in FILE, for tests). The Learn, Explore and Train experiments run\n"
    "on a worker with progress in the status line; c or Esc cancels one and the view\n"
    "keeps its previous result. A log loads behind a loading frame with the bytes read;\n"
    "q, Esc or Ctrl-C cancel it (status 130).\n"
    "When standard output is not a terminal, prints the batch summary instead: the table\n"
    "`ope eval` prints with the same options.\n\n"
    "The evaluation options are those of `ope eval`, and the workbench evaluates with them\n"
    "what `ope eval` does: e.g. `ope tui rs.csv --truth rs-truth.csv --gamma 0.9` shows a\n"
    "trajectory log's estimates with their truth and relative error. With --policy the\n"
    "Estimates, Chart and Selection views show only the policies named. --risk is not\n"
    "taken: the workbench does not show return distributions (ope eval --risk and ope\n"
    "report do).\n\n"
    "  --demo[=CAMPAIGN]     the built-in demo (the default without LOG): the Open\n"
    "                        Bandit Dataset's men (default) or women campaign\n"
    "  -e LIST               short for --estimators LIST\n"
    "  -s S                  short for --seed S\n"
    "  -q, --quiet           accepted for symmetry (the workbench prints no messages)\n\n"
    EVALCLI_HELP EVALCLI_SEG_HELP "\n"
    LOADCLI_HELP,
    tui_exec,
    NULL
};
