/* A batch: the alerts of one request (or one remediationctl run), decided in one locked step,
 * executed together, their outcomes recorded in one more locked step, then logged. The caller
 * calls the steps in this order; each one is a stage of the data flow:
 *
 *   batch_init -> batch_decide -> batch_start -> batch_wait [-> answer] -> batch_wait
 *   -> batch_record -> batch_log -> batch_free */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "exec.h"
#include "gates.h"
#include "runtime.h"
#include "verify.h"

struct batch {
        const struct alert *alerts;
        size_t n;
        struct decision *decisions;
        struct exec_job *jobs;                  /* one per executed decision */
        size_t *job_alert;                      /* jobs[i] belongs to alerts[job_alert[i]] */
        bool *job_opened;                       /* recording jobs[i] opened its circuit */
        size_t n_jobs;
        struct verdicts verdicts;               /* judged while deciding (resolved alerts) */
        int64_t decided_ms;                     /* wall clock */
        int64_t decided_mono_ms;                /* the same moment, monotonic (the jobs' clock) */
        int sigfd;                              /* SIGTERM/SIGINT, blocked from init on */
        const struct executor *executor;        /* direct, or systemd units */
        const struct argv_list *approved;       /* an operator approved alerts[0] to run this (the
                                                 * gates an approval skips: gates.h); NULL: not */
        const char *by;                         /* the operator, for the records; NULL: none */
        char jobs_dir[4096];                    /* the unit executor's job files */
};

/* Allocates, and blocks SIGTERM and SIGINT into a signalfd, so that a stop request from here on
 * reaches the playbooks (recorded as aborted) instead of killing us between a reservation and its
 * record. 0 or -errno: then nothing may be decided. */
int batch_init(struct batch *b, const struct alert *alerts, size_t n);
void batch_free(struct batch *b);

/* [lock] Decides every alert and applies each decision's plan before the next alert is decided,
 * judges the executions awaiting a verdict that a resolved alert resolves (verify.h), counting the
 * request's HTTP code when count_code != 0. 0 or -errno: then nothing was reserved. */
int batch_decide(struct runtime *rt, struct batch *b, int count_code);
/* The same inside a locked step the caller runs (an approval looks its alert up in the step that
 * decides it). On the step's failure the caller undoes the decisions with batch_undecide(). */
int batch_decide_locked(struct runtime *rt, struct state *st, struct batch *b, int count_code);
void batch_undecide(struct batch *b);
/* Starts the executions; none when a stop request has already come. */
void batch_start(struct runtime *rt, struct batch *b);
/* Until every execution has ended, or deadline_ms (monotonic; < 0: none) has passed. A stop
 * request, or a failure of the wait itself, aborts every execution still running. */
void batch_wait(struct batch *b, int64_t deadline_ms);
/* [lock] Records how each execution ended: breakers, metrics, the running entries, and the runs
 * that now await a verdict. */
void batch_record(struct runtime *rt, struct batch *b);
/* The decision log and the journal: one record per alert, one per verdict, and each circuit that
 * opened. */
void batch_log(struct runtime *rt, const struct batch *b);

/* The job of alert i, or NULL when it executes nothing. */
const struct exec_job *batch_job(const struct batch *b, size_t i);
