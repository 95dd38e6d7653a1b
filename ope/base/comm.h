/* ope/base/comm.h: the processes of one run. Alone (the default), or the ranks of an
 * MPI job when ope is built with Open MPI (configure --with-mpi) and started by
 * mpirun (issue 17: an evaluation split across machines). These are the few
 * collectives an evaluation needs between its passes over the rows; alone each is the
 * identity, so the code that calls them is the same in both cases. Every rank must
 * call the same collectives in the same order. */
#ifndef OPE_BASE_COMM_H
#define OPE_BASE_COMM_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/strbuf.h"

/* Join the MPI job when the process was started by mpirun (its environment says so);
 * otherwise, or without MPI support, run alone. A process started by mpirun with
 * more than one rank in a build without MPI fails (OPE_EUNAVAILABLE), rather than
 * every rank doing the whole work and writing the same output. 0, or -1 with err. */
int comm_start(int *argc, char ***argv, struct ope_error *err);

/* Leave the job (a no-op alone). */
void comm_end(void);

/* Leave the job with this process's exit status. Every rank waits at the way out for
 * the others. A rank that failed may have failed alone, while the others wait for it
 * in a collective it will never reach (and MPI_Finalize would wait for them forever):
 * it waits up to COMM_END_WAIT_S seconds (ranks that fail together, as their
 * agreements and same checks make them, get here at about the same time, and rank 0
 * says why; so does a rank 0 that fails to write the result), then returns -1 without
 * leaving: the caller stops the job with comm_abort. Otherwise as comm_end, and 0.
 * Test seam: OPE_TEST_COMM_WAIT_MS=M (1 to 600000) waits M ms instead. */
#define COMM_END_WAIT_S 10
int comm_end_status(int status);

/* Stop every rank of the job now, with this status (mpirun names the rank). For
 * main alone, as exit is. */
void comm_abort(int status);

/* This process's rank and the number of ranks (0 and 1 alone). */
int comm_rank(void);
int comm_size(void);
/* The ranks on this machine, this one included (1 alone): they share its memory. */
int comm_node_size(void);

/* 1 when ope was built with MPI. */
int comm_have_mpi(void);

/* The ranks agree on an outcome: rc is this rank's (0, or -1 with err set). Returns 0
 * when every rank succeeded; otherwise -1 on every rank, with err holding the failure
 * of the lowest failing rank ("rank R: ..." when there are several ranks) and its
 * status, so every rank stops at the same point and none waits in a collective that
 * another will never reach. */
int comm_agree(int rc, struct ope_error *err);

/* Every rank's bytes buf[0..n), in rank order, concatenated into out (reset first);
 * the lengths of the parts into len[comm_size()]. 0, or -1 with err. */
int comm_allgather(const void *buf, size_t n, struct strbuf *out, size_t *len,
                   struct ope_error *err);

/* The sum of v over the ranks before this one (0 on rank 0), and over all ranks. */
int comm_exscan_u64(uint64_t v, uint64_t *before, uint64_t *total, struct ope_error *err);

#endif
