/* ope/cmd_help.c: `ope help [CMD]`, the overview, each command's help, and `ope help
 * estimators`, the teaching cards of the estimator registry. Every list of estimators
 * in the help is filled from the registry when it is printed. */
#include "config.h"
#include "ope/cmd.h"
#include "ope/base/closest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "estimators/estimator.h"
#include "ope/base/json.h"

#define HELP_WIDTH 80

/* Print text word-wrapped: the first line is already at column col, continuation
 * lines start with indent spaces. */
static void print_wrapped(const char *text, size_t col, size_t indent)
{
    const char *p = text;
    while (*p) {
        const char *sp = strchr(p, ' ');
        size_t wl = sp ? (size_t)(sp - p) : strlen(p);
        if (col > indent && col + 1 + wl > HELP_WIDTH) {
            printf("\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            putchar(' ');
            col++;
        }
        printf("%.*s", (int)wl, p);
        col += wl;
        p += wl;
        while (*p == ' ')
            p++;
    }
}

/* The list a marker of a help text names, or NULL for an unknown marker. */
static int marker_list(const char *m, size_t len, char *buf, size_t n)
{
    static const struct {
        const char *name;
        enum est_kind kind;
        unsigned flags;
    } markers[] = {
        { "bandit-estimators", EST_BANDIT, EST_NAMES_PARAMS },
        { "bandit-model-estimators", EST_BANDIT, EST_NAMES_MODEL },
        { "trajectory-estimators", EST_TRAJ, 0 },
        { "trajectory-model-estimators", EST_TRAJ, EST_NAMES_MODEL },
    };
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
        if (strlen(markers[i].name) == len && strncmp(markers[i].name, m, len) == 0) {
            est_names(markers[i].kind, markers[i].flags, buf, n);
            return 0;
        }
    return -1;
}

/* Whether the option entry beginning at line (ll bytes: "  --name..." or "  -x,
 * --name...") is one of hide's space-separated long names. */
static int hidden(const char *line, size_t ll, const char *hide)
{
    if (!hide || ll < 4 || line[0] != ' ' || line[1] != ' ' || line[2] != '-')
        return 0;
    const char *dd = NULL;
    for (size_t i = 2; i + 1 < ll && i < 8; i++)
        if (line[i] == '-' && line[i + 1] == '-') {
            dd = line + i + 2;
            break;
        }
    if (!dd)
        return 0;
    size_t nl = strspn(dd, "abcdefghijklmnopqrstuvwxyz0123456789-");
    for (const char *h = hide; *h;) {
        size_t hl = strcspn(h, " ");
        if (hl == nl && strncmp(h, dd, nl) == 0)
            return 1;
        h += hl;
        h += strspn(h, " ");
    }
    return 0;
}

/* Print a command's help; a line with @NAME@ markers (lists of estimators) gets
 * them filled from the registry and is re-wrapped under its own indentation. The
 * entries of hide's options (cmd_entry.hide) are left out, with their continuation
 * lines (those indented to the text column, 24). */
static void print_help_text(const char *help, const char *hide)
{
    const char *line = help;
    int skipping = 0;
    while (*line) {
        const char *eol = strchr(line, '\n');
        size_t ll = eol ? (size_t)(eol - line) : strlen(line);
        if (skipping && ll > 24 && strspn(line, " ") >= 24) {
            line += ll + (eol ? 1 : 0);
            continue;
        }
        skipping = hidden(line, ll, hide);
        if (skipping) {
            line += ll + (eol ? 1 : 0);
            continue;
        }
        const char *at = memchr(line, '@', ll);
        const char *end = at ? memchr(at + 1, '@', ll - (size_t)(at + 1 - line)) : NULL;
        char list[1024];
        if (!at || !end || marker_list(at + 1, (size_t)(end - at - 1), list, sizeof list) != 0) {
            printf("%.*s%s", (int)ll, line, eol ? "\n" : "");
        } else {
            char text[2048];
            snprintf(text, sizeof text, "%.*s%s%.*s", (int)(at - line), line, list,
                     (int)(line + ll - end - 1), end + 1);
            /* An option line keeps its name column; the text wraps under column 24. */
            size_t lead = strspn(text, " "), indent = lead;
            if (strncmp(text, "  -", 3) == 0 && strlen(text) > 24)
                lead = indent = 24;
            printf("%.*s", (int)lead, text);
            print_wrapped(text + lead, lead, indent);
            printf("\n");
        }
        line += ll + (eol ? 1 : 0);
    }
}

void cmd_print_help(const struct cmd_entry *c)
{
    printf("usage: %s\n\n%s\n", c->usage, c->summary);
    if (c->help && *c->help) {
        printf("\n");
        print_help_text(c->help, c->hide);
    }
}

static void print_overview(void)
{
    printf("ope %s: off-policy evaluation workbench\n\n"
           "usage: ope [--version] [--help] COMMAND [ARGS]\n"
           "       ope              open the built-in demo\n\n"
           "Commands:\n", PACKAGE_VERSION);
    for (size_t i = 0; ope_commands[i]; i++)
        printf("  %-8s %s\n", ope_commands[i]->name, ope_commands[i]->summary);
    printf("\nOutput, the same in every command that writes a result or a file (demo, tui\n"
           "and help write none):\n"
           "  -o FILE        write FILE atomically; for a result (eval, info, select,\n"
           "                 train prdc-lqr) its extension picks the format: .json, .csv,\n"
           "                 anything else (.txt) a table\n"
           "  -o -           standard output, for every command that writes a file\n"
           "  -f, --format F table, json or csv; beats the -o extension\n"
           "  --force        replace an existing FILE\n"
           "  -q, --quiet    no progress or messages on standard error (every command)\n"
           "Long options are spelt in full; a misspelt command or option gets a suggestion.\n");
    printf("\n'ope help COMMAND' (or 'ope COMMAND --help') shows a command's options.\n"
           "'ope help formats' describes the input files and the exit statuses.\n");
}

/* One labelled field of a card, wrapped under its label. */
static void card_field(const char *label, const char *text)
{
    if (!text || !*text)
        return;
    printf("    %-10s ", label);
    print_wrapped(text, 15, 15);
    printf("\n");
}

static void print_card(const struct est_desc *d)
{
    printf("  %s: %s\n", d->name, d->title);
    card_field("computes", d->formula);
    card_field("assumes", d->card.assumes);
    card_field("fails", d->card.fails);
    for (size_t k = 0; k < d->n_params; k++) {
        char num[40], text[512];
        if (isinf(d->param[k].def))
            snprintf(num, sizeof num, "inf");
        else
            ope_format_double(num, sizeof num, d->param[k].def);
        snprintf(text, sizeof text, "%s = %s: %s", d->param[k].name, num, d->param[k].help);
        card_field("parameter", text);
    }
    if (d->needs_model)
        card_field("uses", d->kind == EST_BANDIT
                   ? "a reward model q̂: the log's qhat.* columns, or one fitted from the "
                     "context (--reward-model)"
                   : "a value model (--value-model; fitted Q evaluation by default)");
    card_field("source", d->citation);
    printf("\n");
}

/* `ope help estimators [--names]`: every registry entry's card, or (--names, for
 * scripts and tests) one "KIND NAME" line per estimator. */
static int print_estimators(int names_only)
{
    static const struct {
        enum est_kind kind;
        const char *tag, *head;
    } kinds[] = {
        { EST_BANDIT, "bandit", "Bandit logs (one row per decision)" },
        { EST_TRAJ, "trajectory", "Trajectory logs (episode and step columns)" },
    };
    if (!names_only)
        printf("Estimators. Choose with --estimators NAME[:PARAM=VALUE,...],... (default: "
               "every\nestimator of the log's kind with its defaults). The same cards are in "
               "the\nworkbench's Learn view and in a report's Methods section.\n\n");
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (!names_only)
            printf("%s\n\n", kinds[k].head);
        for (size_t i = 0; est_registry[i]; i++) {
            if (est_registry[i]->kind != kinds[k].kind)
                continue;
            if (names_only)
                printf("%s %s\n", kinds[k].tag, est_registry[i]->name);
            else
                print_card(est_registry[i]);
        }
    }
    return 0;
}

static void print_formats(void)
{
    printf(
"Input files (CSV, RFC 4180; --sep for ';' or tab; header row; UTF-8 BOM allowed)\n"
"gzip and zstd input is decompressed (told by the first bytes, not the name; a\n"
"regular file on a thread of its own: OPE_NO_READAHEAD=1 turns it off);\n"
"bzip2, xz, lz4, zip, .Z are refused (65). '-' or /dev/stdin is standard input;\n"
"FIFOs and <(...) work: each is opened once, its header says bandit or\n"
"trajectories.\n"
"ope eval A.csv B.csv.gz ...: one log in several files, each with the same header\n"
"(one file given twice, by any name or as - and /dev/stdin, is refused: 64).\n"
"A bandit log larger than memory: ope eval, select, info, report, gate and plan\n"
"--stream read it in windows of rows (so they do past --memory-limit N, default a\n"
"quarter of RAM; a gzip or zstd file counts four times its size); a pipe is\n"
"copied to a temporary file in $TMPDIR as it is read (within ulimit -f), and the\n"
"rows parsed once are kept there (unless $TMPDIR is a tmpfs or nearly full) for\n"
"the later passes (rows that cannot be read back from there are parsed from the\n"
"log again).\n"
"mpirun -np N ope eval|select LOG splits a bandit log (a regular file; a .gz\n"
"or .zst by its members when they record their lengths: BGZF, as bgzip writes\n"
"it, and zstd frames that record their size; else by its bytes, every rank\n"
"decompressing from the start; ope eval's log of several files by whole\n"
"files) among N Open MPI ranks, and a trajectory log (plain regular files; ope\n"
"eval's log of several files too) at episode boundaries; every rank reads a\n"
"compressed trajectory log whole and evaluates its share of the windows (ope\n"
"help eval).\n"
"gzip is inflated by ISA-L's igzip when ope is built with it (OPE_ZLIB=1: by\n"
"zlib, as without it).\n"
"Memory blocks of 4 MB and up ask the kernel for transparent huge pages (fewer,\n"
"cheaper page faults); OPE_NO_HUGEPAGES=1 turns that off.\n\n"
"Bandit log, one row per logged decision:\n"
"  action     logged action 0..A-1                       (required)\n"
"  reward     observed reward, finite                    (required)\n"
"  pscore     behaviour probability of the action, (0,1] (required)\n"
"  position   slot 0..L-1 (or 1..L; --position-base)     (optional)\n"
"  x*         context features; strings are categorical  (--context-columns)\n"
"  pi.NAME.A[@P]  evaluation policy probabilities        (--policy-columns)\n"
"  qhat.A[@P]     a reward model's predictions           (--qhat-columns)\n"
"  q.A[@P]        the true expected reward (synthetic)   (--truth-columns)\n\n"
"Trajectory log, one row per step: episode, step (0,1,.. no gaps), state (or s*\n"
"features), action, reward, pscore, optional done, and pi.NAME.A columns.\n\n"
"Rename any role with --map ROLE=COLUMN, e.g. --map reward=click.\n"
"Policy file: state,p.0,...,p.{A-1} (a trajectory log's policy with --policy\n"
"NAME=FILE). Truth file: policy,value (row 'behavior').\n"
"State file (ope eval SHARD --save-state S --row-offset R; read by ope merge): a\n"
"binary container (\"OPESTATE\", version 1, its kind, its settings as key=value\n"
"lines, the payload, a SHA-256 of every byte) holding one shard's sums and\n"
"co-moments (kind ope-eval-shard; a trajectory log's: ope-eval-traj-shard, whole\n"
"episodes, --row-offset counting them); with --model-state, a shard's part of a\n"
"pass of the reward model's fit (ope-model-pass), and the fit itself\n"
"(ope-model-fit: the shards it was begun with, each one's rows and SHA-256, the\n"
"categorical levels joined, the merged sums of every pass; sums a shard's rows\n"
"left at zero, such as the unmet levels of a wide categorical context, are not\n"
"written), then, with --ci hoeffding or bernstein, the whole log's first pass\n"
"merged from the shards' (ope-eval-sums-pass), whose SHA-256 the states of their\n"
"contributions name; a trajectory log's: a shard's tables of the models' pass\n"
"(ope-traj-model-pass) and their sum (ope-traj-model-fit: the shards, each one's\n"
"episodes and SHA-256, the value model and the whole log's tables of tabular FQE,\n"
"the linear models' sums or mis's ratios, per bootstrap replicate when dm or mis\n"
"refit on each), and with --ci t, hoeffding or bernstein a shard's first pass\n"
"(ope-traj-sums-pass), whose merge the fit then holds after its tables. A truncated\n"
"or damaged state, other settings or another version, shards that leave a gap or\n"
"overlap, and parts of another round or fit are refused (65) naming the files\n"
"(ope help merge).\n\n"
"Names from the data may hold anything: on a terminal (tables, messages, warnings,\n"
"the workbench, CSV) their control bytes are shown as \\xNN; reports and charts show\n"
"a space, JSON escapes them, a CSV in a file or a pipe keeps them.\n\n"
"Limits (past them: exit 65 naming the row, or 64 for a command-line setting):\n"
"  rewards, qhat.*, q.*     magnitude at most 1e100 (sums of squares stay finite)\n"
"  weights                  |pi/pscore x reward| (episodes: the product of pi/pscore\n"
"                           up to each step, x the largest return) at most\n"
"                           sqrt(1.8e308 / n) / 1e6 for n rows (episodes)\n"
"  state, step              0 to 100000000, and a state id at most 2^20 or 64 per\n"
"                           row (its tables grow with the largest id); position 0\n"
"                           to 1000000; context values magnitude at most 1e100\n"
"  reward model             at most 4000 feature columns (intercept, numeric\n"
"                           context columns, categorical levels, positions) beside\n"
"                           the levels of the widest categorical column, which may\n"
"                           have any number with --model-lambda above 0\n"
"  environments (gen mdp)   dense tables at most 8 GiB: S*S*A <= 2^30 (64)\n\n"
"Exit statuses:\n"
"   0  success\n"
"  64  usage error (bad option, unknown estimator, pattern that does not compile)\n"
"  65  data error (the message names file:line:column, the value and what was expected)\n"
"  66  an input file cannot be opened or read\n"
"  69  a needed program (gnuplot) is not available\n"
"  70  internal error (out of memory)\n"
"  73  an output file or standard output cannot be written (nothing partial is\n"
"      left behind); a standard output whose reader has gone (`ope eval | head`)\n"
"      gives 73 without a message, unless the command had already failed\n"
"  130 interrupted\n"
"ope gate adds its verdicts: 0 PASS, 1 FAIL, 2 UNDECIDABLE (ope help gate).\n");
}

/* `ope help intervals`: what each interval method assumes, and the estimators whose
 * intervals are known not to cover (their registry ci_caveat, doc/coverage.md). */
static void print_intervals(void)
{
    printf(
"Intervals (--ci METHOD, level 1 - --alpha, default 95%%). Measured coverage of\n"
"every estimator with every method: doc/coverage.md (make coverage).\n\n"
"  bootstrap  percentile interval of B resamples (--n-boot) of the rows (whole\n"
"             trajectories), ratio estimators recomputed per resample. Assumes\n"
"             independent rows and enough of them that the resamples look like\n"
"             new logs. On trajectory logs dm (tabular FQE) and mis refit\n"
"             their model or state ratios on every resample; the linear value\n"
"             models are fitted once.\n"
"  t          mean +- t quantile x sd / sqrt(n) of the per-row contributions.\n"
"             Assumes independent rows and a mean close to normal: fails when a\n"
"             few large weights carry the estimate (the poor-overlap warning).\n"
"             The self-normalised estimators use linearised (delta-method)\n"
"             terms, whose variance is the ratio's: V + w (r - V) / mean(w) for\n"
"             snipw and sndr, V + m (r - V) / mean(m) for rm, and per episode\n"
"             and step for wtis, wpdis and wdr. Measured (95%%, t and bootstrap):\n"
"             92-98%% for every estimator without a caveat below at 5,000 rows\n"
"             from a uniform logger, and on 500 episodes for a policy close to\n"
"             the behaviour; less where a few rows carry the estimate.\n"
"  bandit dm  with a reward model fitted by ope, every method sees each row's\n"
"             term plus its influence on dm through the model's coefficients\n"
"             (delta method, sandwich covariance, all folds' models): the\n"
"             model's variance is in the interval, its bias is not. With\n"
"             qhat.* columns their error is unknown, and a warning says so.\n"
"  hoeffding  a bound from the range of the contributions (--bounds A,B, else\n"
"             the observed range, a heuristic): conservative, often very wide.\n"
"  bernstein  the empirical Bernstein bound (the variance and the range): as\n"
"             hoeffding, narrower when the variance is small.\n"
"  cs         a confidence sequence (predictable plug-in empirical Bernstein,\n"
"             Waudby-Smith & Ramdas 2023): the contributions taken in log order,\n"
"             an interval at every row that holds at all rows at once with\n"
"             probability 1 - alpha, so it may be looked at as often as one likes\n"
"             (ope eval --follow, ope gate --sequential); a fixed-n interval\n"
"             looked at 40 times misses far more often (t: 32%% of logs, not 5%%;\n"
"             t/0370-cs.c). Assumes independent rows with a common mean and\n"
"             bounded contributions: ipw and dr only (plain means of per-row\n"
"             terms); the bound comes from the largest importance weight the\n"
"             policies' probabilities allow (max over rows of max_a\n"
"             pi_e(a|x)/pscore) and rewards in [0, 1] (else their observed range,\n"
"             a heuristic), or --bounds A,B for the contributions. Each look takes\n"
"             that maximum over the rows read so far: a later row with a larger\n"
"             weight (a tiny pscore) widens the later looks, and the earlier ones,\n"
"             and a decision taken on them, assumed the smaller bound; --bounds\n"
"             fixed in advance keeps the guarantee. dr's reward model is\n"
"             cross-fitted on all the rows read, so its sequence is only\n"
"             approximately one. Wider than t at a fixed n: the price of looking.\n"
"  none       no interval.\n\n"
"Undefined estimates, one rule for bandit and trajectory logs: a zero denominator\n"
"(snipw, sndr, wtis; a step of wpdis or wdr where every weight is 0) or an empty\n"
"support (every weight an ipw, sg-ipw, tis or pdis uses is 0) makes the estimate\n"
"undefined: '-' in tables, null in JSON, an empty CSV cell, a warning saying why,\n"
"and no interval. A bootstrap resample with a zero denominator is left out of the\n"
"interval, and a warning counts such resamples.\n\n"
"Known not to cover (every output says so next to the interval):\n");
    for (size_t i = 0; est_registry[i]; i++)
        if (est_registry[i]->ci_caveat)
            printf("  %s (%s): %s\n", est_registry[i]->name,
                   est_registry[i]->kind == EST_TRAJ ? "trajectories" : "bandit",
                   est_registry[i]->ci_caveat);
}

static int help_exec(int argc, char **argv)
{
    static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
                                          { "names", no_argument, NULL, 'N' },
                                          { NULL, 0, NULL, 0 } };
    int o, names = 0;
    optind = 0;     /* main may call this directly, after its own getopt */
    while ((o = cli_getopt("help", argc, argv, "q", opts)) != -1) {
        if (o == '?')
            return OPE_EUSAGE;  /* -q: accepted; help is what it prints */
        if (o == 'N')
            names = 1;          /* `ope help estimators --names` */
    }
    argc -= optind - 1;
    argv += optind - 1;
    if (names && (argc < 2 || strcmp(argv[1], "estimators") != 0))
        return cli_usage("help", "--names goes with 'estimators': ope help estimators --names");
    if (argc < 2) {
        print_overview();
        return 0;
    }
    if (strcmp(argv[1], "formats") == 0) {
        print_formats();
        return 0;
    }
    if (strcmp(argv[1], "intervals") == 0) {
        print_intervals();
        return 0;
    }
    if (strcmp(argv[1], "estimators") == 0) {
        if (argc > 2)
            return cli_usage("help", "unexpected argument '%s'", argv[2]);
        return print_estimators(names);
    }
    const struct cmd_entry *c = cmd_find(argv[1]);
    if (!c) {
        /* The topics that are not commands are candidates too ("estimator"). */
        static const char *const topics[] = { "estimators", "formats", "intervals" };
        const char *near = ope_closest(argv[1], topics, 3);
        if (!near)
            near = cmd_closest(argv[1]);
        return near ? cli_usage("help", "unknown command '%s'; did you mean '%s'?", argv[1], near)
                    : cli_usage("help", "unknown command '%s'", argv[1]);
    }
    /* A command with kinds (`ope help gen bandit`) shows the kind's own page, as
     * `ope gen bandit --help` does. */
    if (argc > 2 && strcmp(c->name, "gen") == 0) {
        char *sub_argv[] = { argv[1], argv[2], (char *)"--help", NULL };
        optind = 0;
        return c->exec(3, sub_argv);
    }
    cmd_print_help(c);
    return 0;
}

const struct cmd_entry cmd_help_entry = {
    "help", "ope help [COMMAND | formats | intervals | estimators [--names]]",
    "show help for ope or one of its commands", "",
    help_exec,
    NULL
};
