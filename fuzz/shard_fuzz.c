/* fuzz/shard_fuzz.c: libFuzzer harness for the reader of the shards' states behind
 * `ope merge` (ope/app/shardcli.c shard_merge, estimators/evstream_state.c). The
 * SHA-256 of a state only catches accidents: anyone can seal a crafted payload with a
 * valid checksum, so the input is taken as a PAYLOAD, sealed (sf_seal, the kind and
 * settings of a real state) into a file, and merged alone, and after a valid shard
 * (rows 0-19 of a 40-row log: the corpus holds it and the shard of rows 20-39, so a
 * seed merges whole); then as a shard's part of a pass of a reward model's fit, merged
 * into a new fit and into a valid one, and as a fit's state, read by a shard and given
 * a valid part (the corpus holds a part of the first pass, the fit after it and a part
 * of the second, fuzz/shard-seeds.sh); as a trajectory log's shard, merged alone
 * and after a valid one (episodes 0-19 of 40: the corpus holds both); and as a
 * trajectory shard's part of its models' pass, merged into a new fit alone and after
 * a valid part, and as the models' fit, with which two valid states (made to name it)
 * are merged (the corpus holds the parts and the fit); and for the t intervals of
 * trajectory shards, as a shard's part of the sums round, merged into a new fit alone
 * and after a valid part, as the fit that holds the sums, with which the two valid
 * states of contributions (made to name it) are merged, and as a state of
 * contributions merged after a valid one with the valid fit (the corpus holds the
 * parts, the fit and the states); and the same three for a bandit log's --ci hoeffding
 * (its sums round's parts, the fit that holds the sums, the states of contributions
 * at them). Oracles: no crash, leak or huge allocation (ASan; run with
 * ASAN_OPTIONS=max_allocation_size_mb=200 to make a damaged count's allocation a
 * crash), and a merge that is accepted gives over at least 2 rows a finite interval
 * and standard error with each finite estimate (NAN only where an estimator does not
 * apply). Built into `make check`
 * with fuzz/replay.c (t/0152). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/evaluate_stream.h"
#include "estimators/evaluate_traj_stream.h"
#include "estimators/result.h"
#include "ope/app/evalset.h"
#include "ope/app/shardcli.h"
#include "ope/base/statefile.h"
#include "fuzz/fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The valid states (made by fuzz/shard-seeds.sh): a shard's state of rows 0-19 of
 * `ope gen bandit --rows 40 --actions 3 --seed 1` with `--ci t --estimators ipw,snipw
 * --policy eps0_2` (and its settings, the same for every shard of its log); for dm
 * with a reward model fitted in rounds by one shard of those rows, the fit's state after
 * the first pass and the shard's part of the second (and their settings). */
#include "fuzz/shard_seeds.h"

static char valid_path[4200], fit_path[4200], part_path[4200], new_fit[4200], traj_path[4200],
    tpart_path[4200], tstate_path[2][4200], spart_path[4200], sfit_path[4200],
    cstate_path[4200], bpart_path[4200], bfit_path[4200], bstate_path[4200];

/* The valid states kept in the harness's directory for every input: payload, kind,
 * settings, file name and the path it is kept at. */
#define KEPT(v, kind, settings, name, path) { v, sizeof v, kind, settings, name, path }
static const struct kept {
    const unsigned char *payload;
    size_t n;
    const char *kind, *settings, *name;
    char *path;
} kept[] = {
    KEPT(valid_shard, EVAL_STATE_KIND, shard_settings, "valid.state", valid_path),
    KEPT(valid_part2, EVAL_FIT_PART_KIND, fit_settings, "part2.state", part_path),
    KEPT(valid_traj, EVAL_TRAJ_STATE_KIND, traj_settings, "traj.state", traj_path),
    KEPT(valid_tpart, EVAL_TRAJ_FIT_PART_KIND, tpart_settings, "tpart.state", tpart_path),
    KEPT(valid_spart, EVAL_TRAJ_SUMS_PART_KIND, spart_settings, "spart.state", spart_path),
    KEPT(valid_cstate0, EVAL_TRAJ_STATE_KIND, cstate_settings, "cstate.state", cstate_path),
    KEPT(valid_bpart, EVAL_SUMS_PART_KIND, bpart_settings, "bpart.state", bpart_path),
    KEPT(valid_bfit, EVAL_FIT_KIND, bpart_settings, "bfit.state", bfit_path),
    KEPT(valid_bstate0, EVAL_STATE_KIND, bstate_settings, "bstate.state", bstate_path),
};
#define N_KEPT (sizeof kept / sizeof kept[0])

static void valid_cleanup(void)
{
    for (size_t k = 0; k < N_KEPT; k++)
        unlink(kept[k].path);
    unlink(fit_path);
    unlink(new_fit);
    unlink(tstate_path[0]);
    unlink(tstate_path[1]);
    unlink(sfit_path);
}

/* payload sealed as a state of kind with settings, at the harness's path (aborts on an
 * I/O failure: not a finding). */
static const char *write_state(const void *payload, size_t n, const char *kind,
                               const char *settings)
{
    struct strbuf pay = STRBUF_INIT, sealed = STRBUF_INIT;
    struct ope_error err = { 0 };
    strbuf_add(&pay, (const char *)payload, n);
    if (sf_seal(&sealed, kind, settings, &pay, &err) != 0)
        abort();
    const char *path = fuzz_tmp_write(sealed.buf, sealed.len, "input.state");
    strbuf_release(&pay);
    strbuf_release(&sealed);
    return path;
}

/* The same, then renamed to `to` in the harness's directory (its name there into
 * out). */
static void keep_state(const void *payload, size_t n, const char *kind, const char *settings,
                       const char *to, char *out, size_t size)
{
    write_state(payload, n, kind, settings);
    snprintf(out, size, "%s/%s", fuzz_tmp_dir, to);
    if (rename(fuzz_tmp_path, out) != 0)
        abort();
}

/* An oracle that fails says which, then aborts (the finding). */
static void finding(const char *what)
{
    fprintf(stderr, "shard_fuzz: %s\n", what);
    abort();
}

static void check(const struct res_eval *r)
{
    if (r->rows < 2 || r->n_policies == 0)
        finding("a merged result of fewer than 2 rows or no policy");
    for (size_t p = 0; p < r->n_policies; p++)
        for (size_t e = 0; e < r->pol[p].n_estimates; e++) {
            const struct res_estimate *x = &r->pol[p].est[e];
            /* Past 1e150 the estimate comes from sums no log that passes the range
             * check makes (a crafted accumulator: the merge does not bound the sums
             * themselves), and its interval may overflow: not checked there. */
            if (fabs(x->value) < 1e150 &&
                (isinf(x->value) || isinf(x->se) || isinf(x->lower) || isinf(x->upper)))
                finding("an infinite se or bound of a finite estimate");
            /* An estimate without its interval, or the reverse, is a NaN let in. */
            if (isnan(x->value) != isnan(x->se) || isnan(x->value) != isnan(x->lower))
                finding("an estimate without its se or interval, or the reverse");
        }
}

static void merge(const char *const *paths, size_t n, const char *model_state)
{
    struct ope_error err = { 0 };
    struct eval_settings in;
    eval_settings_init(&in);
    in.threads = 1;
    in.model_bytes = 64 << 20;      /* a crafted fit must not hold gigabytes */
    struct shard_round round;
    struct res_eval *r = shard_merge(paths, n, &in, model_state, &round, NULL, &err);
    if (r)
        check(r);
    if (r && round.merged)
        finding("a result from the parts of a pass of the reward model's fit");
    res_eval_free(r);
}

/* Two valid states s0 and s1 of kind (their settings the template tmpl, whose line key
 * names a fit) re-sealed to name the fit whose digest is hex, at tstate_path[0..1], and
 * merged with the fit at fit_path. */
static void merge_naming(const char *tmpl, const char *key, const char *kind,
                         const unsigned char *s0, size_t n0, const unsigned char *s1,
                         size_t n1, const char *hex)
{
    char settings[8192];
    const char *at = strstr(tmpl, key);
    if (!at || strlen(tmpl) + 80 > sizeof settings)
        abort();
    const char *end = strchr(at, '\n');
    snprintf(settings, sizeof settings, "%.*s%s%s%s", (int)(at - tmpl), tmpl, key, hex,
             end ? end : "");
    keep_state(s0, n0, kind, settings, "tstate0.state", tstate_path[0],
               sizeof tstate_path[0]);
    keep_state(s1, n1, kind, settings, "tstate1.state", tstate_path[1],
               sizeof tstate_path[1]);
    const char *states[] = { tstate_path[0], tstate_path[1] };
    merge(states, 2, fit_path);
}

/* The input as a trajectory shard's part of a round (kind, settings), merged into a
 * new fit alone and after the valid part at valid (episodes 0-19). */
static void parts_into_new_fit(const uint8_t *data, size_t size, const char *kind,
                               const char *settings, const char *valid)
{
    const char *path = write_state(data, size, kind, settings);
    const char *alone[] = { path }, *both[] = { valid, path };
    unlink(new_fit);
    merge(alone, 1, new_fit);
    unlink(new_fit);
    merge(both, 2, new_fit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!valid_path[0]) {
        /* The valid states, once, in the harness's directory (fuzz_tmp.h). */
        for (size_t k = 0; k < N_KEPT; k++)
            keep_state(kept[k].payload, kept[k].n, kept[k].kind, kept[k].settings,
                       kept[k].name, kept[k].path, sizeof valid_path);
        snprintf(fit_path, sizeof fit_path, "%s/fit.state", fuzz_tmp_dir);
        snprintf(new_fit, sizeof new_fit, "%s/new-fit.state", fuzz_tmp_dir);
        atexit(valid_cleanup);      /* before fuzz_tmp_cleanup's rmdir */
    }
    /* The input as a shard's evaluation state, alone and after a valid one. */
    const char *path = write_state(data, size, EVAL_STATE_KIND, shard_settings);
    const char *alone[] = { path }, *both[] = { valid_path, path };
    merge(alone, 1, NULL);
    merge(both, 2, NULL);
    /* As a shard's part of the fit's first pass (a fit begun by it), and of its second
     * (after the valid fit's first pass: merging rewrites the fit, so a fresh copy). */
    path = write_state(data, size, EVAL_FIT_PART_KIND, fit_settings);
    unlink(new_fit);
    merge(alone, 1, new_fit);
    keep_state(valid_fit1, sizeof valid_fit1, EVAL_FIT_KIND, fit_settings, "fit.state",
               fit_path, sizeof fit_path);
    path = write_state(data, size, EVAL_FIT_PART_KIND, fit_settings);
    merge(alone, 1, fit_path);
    /* As the fit's state: read by a shard (rows 0-19 of a.csv, its digest), and given
     * the valid part of the second pass. */
    keep_state(data, size, EVAL_FIT_KIND, fit_settings, "fit.state", fit_path,
               sizeof fit_path);
    struct ope_error err = { 0 };
    struct eval_fit *fit = NULL;
    struct eval_sums *sums = NULL;
    if (shard_fit_open(fit_path, "a.csv", 0, 20,
                       "8439b8418ba8c3627d2cf7495a7d3f7b6da26d5389a60c3942dc73e1d261b724", &fit,
                       &sums, &err) == 0 && !fit && !sums)
        finding("an existing fit's state read as none");
    eval_fit_free(fit);
    eval_sums_free(sums);
    const char *part[] = { part_path };
    merge(part, 1, fit_path);
    /* As a trajectory log's shard (estimators/evaluate_traj_stream.c), alone and after
     * a valid one (episodes 0-19 of a 40-episode log). */
    path = write_state(data, size, EVAL_TRAJ_STATE_KIND, traj_settings);
    const char *tboth[] = { traj_path, path };
    merge(alone, 1, NULL);
    merge(tboth, 2, NULL);
    /* As a trajectory shard's part of the models' pass (estimators/evtraj_model.c). */
    parts_into_new_fit(data, size, EVAL_TRAJ_FIT_PART_KIND, tpart_settings, tpart_path);
    /* As the models' fit: the valid states evaluated with it are made to name it (their
     * settings' model_fit=, resealed), so the merge solves the models from its tables. */
    keep_state(data, size, EVAL_TRAJ_FIT_KIND, tpart_settings, "fit.state", fit_path,
               sizeof fit_path);
    struct shard_traj_fit *tf = NULL;
    if (shard_traj_fit_open(fit_path, &tf, &err) == 0 && tf)
        merge_naming(tstate_settings, "model_fit=", EVAL_TRAJ_STATE_KIND, valid_tstate0, sizeof valid_tstate0, valid_tstate1,
                     sizeof valid_tstate1, eval_traj_fit_digest(shard_traj_fit_models(tf)));
    shard_traj_fit_close(tf);
    /* As a trajectory shard's part of the sums round (--ci t). */
    parts_into_new_fit(data, size, EVAL_TRAJ_SUMS_PART_KIND, spart_settings, spart_path);
    /* As the fit that holds the whole log's sums: the valid states of contributions,
     * made to name it, merged with it. */
    keep_state(data, size, EVAL_TRAJ_FIT_KIND, spart_settings, "fit.state", fit_path,
               sizeof fit_path);
    tf = NULL;
    if (shard_traj_fit_open(fit_path, &tf, &err) == 0 && tf)
        merge_naming(cstate_settings, "model_fit=", EVAL_TRAJ_STATE_KIND, valid_cstate0, sizeof valid_cstate0, valid_cstate1,
                     sizeof valid_cstate1, eval_traj_fit_digest(shard_traj_fit_models(tf)));
    shard_traj_fit_close(tf);
    /* As a state of contributions after a valid one, with the valid fit. */
    keep_state(valid_sfit, sizeof valid_sfit, EVAL_TRAJ_FIT_KIND, spart_settings,
               "sfit.state", sfit_path, sizeof sfit_path);
    path = write_state(data, size, EVAL_TRAJ_STATE_KIND, cstate_settings);
    const char *cboth[] = { cstate_path, path };
    merge(cboth, 2, sfit_path);
    /* A bandit log's --ci hoeffding: as a shard's part of the sums round, merged into a
     * new fit alone and after a valid part; as the fit that holds the sums, with which
     * the two valid states of contributions (made to name it) are merged; and as a
     * state of contributions after a valid one, with the valid fit. */
    parts_into_new_fit(data, size, EVAL_SUMS_PART_KIND, bpart_settings, bpart_path);
    keep_state(data, size, EVAL_FIT_KIND, bpart_settings, "fit.state", fit_path,
               sizeof fit_path);
    fit = NULL;
    sums = NULL;
    if (shard_fit_open(fit_path, "a.csv", 0, 20,
                       "8439b8418ba8c3627d2cf7495a7d3f7b6da26d5389a60c3942dc73e1d261b724", &fit,
                       &sums, &err) == 0 && sums)
        merge_naming(bstate_settings, "sums_fit=", EVAL_STATE_KIND, valid_bstate0,
                     sizeof valid_bstate0, valid_bstate1, sizeof valid_bstate1,
                     eval_sums_digest(sums));
    eval_fit_free(fit);
    eval_sums_free(sums);
    path = write_state(data, size, EVAL_STATE_KIND, bstate_settings);
    const char *bboth[] = { bstate_path, path };
    merge(bboth, 2, bfit_path);
    return 0;
}
