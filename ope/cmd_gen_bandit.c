/* ope/cmd_gen_bandit.c: `ope gen bandit`: write a synthetic bandit log with ground
 * truth (datasets/gen_bandit.c). */
#include "config.h"
#include "ope/cmd.h"
#include "ope/cmd_gen.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/gen_bandit.h"
#include "ope/app/output.h"
#include "ope/base/outfile.h"
#include "ope/base/progress.h"

static const char gen_bandit_help[] =
    "usage: ope gen bandit [options] -o LOG.csv\n\n"
    "Synthetic contextual bandit log (environments.md): Gaussian contexts x0..x{d-1},\n"
    "a fixed random expected reward q(x, a), a softmax behaviour policy, and\n"
    "evaluation policies pi.NAME.* of graded quality, with the true q.* columns so\n"
    "`ope eval` can report each estimator's error.\n\n"
    "  -n, --rows N          rows (default 10000)\n"
    "  -a, --actions A       actions (default 5)\n"
    "  -d, --contexts D      context dimension (default 5)\n"
    "      --reward KIND     binary (default: Bernoulli(q), q = sigmoid(z)) or\n"
    "                        continuous (z + N(0, 1))\n"
    "      --nonlinear       z = sin(2 x.theta_a) + cos(2 x.phi_a) + b_a instead of the\n"
    "                        linear z = x.theta_a + b_a\n"
    "      --beta B          behaviour policy softmax(B q) (default 1; 0 = uniform)\n"
    "      --policies LIST   evaluation policies: greedy, uniform, eps:E, softmax:B\n"
    "                        (negative B prefers bad actions; named antiB)\n"
    "                        (default greedy,eps:0.2,softmax:2,uniform,softmax:-2)\n"
    "  -s, --seed S          seed (default 12345)\n"
    "  -o, --output FILE     the CSV to write (atomically; required; -o - writes it\n"
    "                        to standard output); a FILE named *.gz is written as\n"
    "                        BGZF (gzip in members of 64 KB, as bgzip writes it),\n"
    "                        which mpirun's ranks split by its members\n"
    "      --force           replace an existing FILE\n"
    "  -q, --quiet           no summary on standard error\n\n"
    "Rows are formatted on every CPU ($OPE_THREADS sets how many; the bytes never\n"
    "depend on it); on a terminal a bar shows the rows written, and Ctrl-C cancels\n"
    "(status 130, nothing written).\n";

int gen_bandit_main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "rows", required_argument, NULL, 'n' },
        { "actions", required_argument, NULL, 'a' },
        { "contexts", required_argument, NULL, 'd' },
        { "reward", required_argument, NULL, 'r' },
        { "nonlinear", no_argument, NULL, 'N' },
        { "beta", required_argument, NULL, 'b' },
        { "policies", required_argument, NULL, 'p' },
        { "seed", required_argument, NULL, 's' },
        { "output", required_argument, NULL, 'o' },
        { "force", no_argument, NULL, 'F' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    struct gen_bandit_opts o;
    gen_bandit_opts_init(&o);
    const char *out = NULL;
    int force = 0, quiet = 0, c;
    long v;
    double d;
    optind = 0;
    while ((c = cli_getopt("gen bandit", argc, argv, "n:a:d:s:o:qh", opts)) != -1) {
        switch (c) {
        case 'n':
            if (cli_parse_int("gen bandit", "--rows", optarg, 1, 100000000, &v))
                return OPE_EUSAGE;
            o.rows = (size_t)v;
            break;
        case 'a':
            if (cli_parse_int("gen bandit", "--actions", optarg, 2, 10000, &v))
                return OPE_EUSAGE;
            o.actions = (int)v;
            break;
        case 'd':
            if (cli_parse_int("gen bandit", "--contexts", optarg, 1, 10000, &v))
                return OPE_EUSAGE;
            o.dim = (int)v;
            break;
        case 'r':
            if (strcmp(optarg, "binary") == 0)
                o.binary = 1;
            else if (strcmp(optarg, "continuous") == 0)
                o.binary = 0;
            else
                return cli_usage("gen bandit", "--reward: expected binary or continuous, got '%s'",
                                 optarg);
            break;
        case 'N':
            o.nonlinear = 1;
            break;
        case 'b':
            if (cli_parse_double("gen bandit", "--beta", optarg, -1000, 1000, &d))
                return OPE_EUSAGE;
            o.beta = d;
            break;
        case 'p':
            o.policies = optarg;
            break;
        case 's':
            if (cli_parse_seed("gen bandit", "--seed", optarg, &o.seed))
                return OPE_EUSAGE;
            break;
        case 'o':
            out = optarg;
            break;
        case 'F':
            force = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            fputs(gen_bandit_help, stdout);
            return 0;
        default:
            return OPE_EUSAGE;
        }
    }
    if (optind != argc)
        return cli_usage("gen bandit", "unexpected argument '%s'", argv[optind]);
    if (!out)
        return cli_usage("gen bandit", "where to? give -o LOG.csv");
    struct ope_error err = { 0 };
    enum out_format f;
    if (outcli_format(&(struct outcli){ .path = out, .format = -1 }, OUT_HAS(OUT_CSV),
                      "a bandit log", &f, &err) != 0)
        return cli_usage("gen bandit", "%s", err.msg);
    if (ope_outfile_check(out, force, &err) != 0)
        return cli_error(&err);
    struct blog *b = gen_bandit(&o, &err);
    if (!b)
        return cli_error(&err);
    int rc = blog_write_csv(b, out, force, 0, ope_progress_cli(), &err);
    ope_progress_stderr_done();
    if (rc == 0 && !quiet) {
        fprintf(stderr, "ope gen bandit: %s: %zu rows, %d actions, %zu policies; logged "
                "policy's observed mean reward %.6g\n", out, b->n, b->n_actions, b->n_policies, blog_mean_reward(b));
        for (size_t p = 0; p < b->n_policies; p++)
            fprintf(stderr, "  %-12s true value %.6g\n", b->policy[p].name,
                    blog_policy_truth(b, p));
    }
    blog_free(b);
    return rc ? cli_error(&err) : 0;
}
