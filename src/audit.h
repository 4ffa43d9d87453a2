/* What an operator reads later: the JSONL decision log and the journal. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "exec.h"
#include "gates.h"
#include "payload.h"
#include "verify.h"
#include "vocab.h"

struct audit_record {
        int64_t timestamp_ms;           /* wall clock: the decision, or the end of the execution */
        int64_t decided_ms;             /* the decision's time (wall clock); 0: not a decision */
        enum source source;
        const struct alert *alert;      /* NULL for operator actions */
        const char *alertname;          /* used when alert is NULL */
        const struct decision *decision;
        const struct exec_job *job;     /* NULL unless executed; its result is the record's */
        size_t executor_args;           /* the job's argv: this many executor words, then the
                                         * route's parameters */
        const char *playbook;           /* when there is no decision (operator actions) */
        enum action action;             /* operator actions: these override the decision's */
        enum gate gate;
        const char *reason;
        const char *key;                /* operator actions: the idempotency key they are about */
        const char *by;                 /* operator actions: who (user and uid, SUDO_USER when set) */
        int64_t until;                  /* a pause's end; 0: none */
        const char *approval_id;        /* operator actions: the approval they answer */
        const struct verdict *verdict;  /* ACTION_VERIFY: the verdict on an earlier execution */
};

/* The seed's decision-log schema plus what tells why. Returns a malloc'd single line ending in
 * "\n", at most AUDIT_LINE_MAX bytes, valid JSON whatever bytes the alert carried. */
char *audit_format_line(const struct audit_record *rec);

/* Appends one line with one write(2) on an O_APPEND fd. 0 or -errno. */
int audit_append(int fd, const char *line);
int audit_open_log(const char *path);           /* fd or -errno */

/* One journal entry for the decision. 0, or -errno (-ENOTCONN when journald is not there). */
int audit_journal(const struct audit_record *rec);
/* A journal entry saying the playbook's circuit breaker just opened. */
int audit_journal_circuit_opened(const char *playbook, int failures, int reset_minutes);
