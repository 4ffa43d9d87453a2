/* What an operator reads later: the JSONL decision log and the journal. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "exec.h"
#include "gates.h"
#include "payload.h"

struct audit_record {
        int64_t timestamp_ms;           /* wall clock: the decision, or the end of the execution */
        const char *source;             /* "webhook", "timer", "operator" */
        const struct alert *alert;      /* NULL for operator actions */
        const char *alertname;          /* used when alert is NULL */
        const struct decision *decision;
        const struct exec_job *job;     /* NULL unless executed */
        const char *result;             /* "success", "failure", "timeout", "aborted"; NULL otherwise */
        const char *parameters;         /* joined expanded parameters, or NULL */
        const char *playbook;           /* when there is no decision (operator actions) */
        const char *action, *gate, *reason;   /* override the decision's (operator actions) */
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
