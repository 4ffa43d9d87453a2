/* What the webhook handler and remediationctl share: the config, the locked state steps, the
 * decision record, and running a batch of decided alerts. Only the top level logs: these
 * functions are that top level's, split out so both programs have the same one. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "audit.h"
#include "config.h"
#include "exec.h"
#include "gates.h"
#include "payload.h"
#include "state.h"

#define DEFAULT_CONFIG        "/etc/remediation-webhook/webhook-routing.yml"
#define DEFAULT_STATE_DIR     "/run/remediation-webhook"
#define DEFAULT_DECISION_LOG  "/var/log/remediation-webhook/decision-log.jsonl"

struct runtime {
        const char *config_path, *state_dir, *decision_log;
        const char *source;                     /* "webhook", "timer", "operator" */
        struct config cfg;
        int cfg_error;                          /* 0 or -errno from config_load */
        int log_fd;                             /* the decision log, or -errno */
        int sigfd;                              /* SIGTERM/SIGINT while playbooks run, or -1 */
};

/* A set of alerts decided in one locked step and executed together. */
struct batch {
        const struct alert *alerts;
        size_t n;
        struct decision *decisions;
        struct exec_job *jobs;                  /* one per executed decision */
        size_t *job_alert;                      /* jobs[i] belongs to alerts[job_alert[i]] */
        size_t n_jobs;
        size_t n_executions;                    /* decisions that execute */
        int64_t decided_at;                     /* wall clock, seconds */
};

void rt_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Loads the config (a failure is logged and kept in cfg_error). */
void rt_init(struct runtime *rt, const char *source);
void rt_open_log(struct runtime *rt);
void rt_done(struct runtime *rt);

/* Runs fn on the state as one atomic step under the lock, then saves it. 0 or -errno. */
int rt_with_state(struct runtime *rt, int (*fn)(struct runtime *, struct state *, void *), void *data);
/* Loads the state for reading only (no lock: state.json is replaced by rename). */
int rt_read_state(struct runtime *rt, struct state *ret);

/* One line in the decision log and one journal entry. */
void rt_record(struct runtime *rt, const struct audit_record *rec);

int batch_init(struct batch *b, const struct alert *alerts, size_t n);
void batch_free(struct batch *b);

/* Decides every alert in one locked step (counting the request's HTTP code when count_code != 0).
 * 0 or -errno: then nothing was reserved. */
int rt_decide(struct runtime *rt, struct batch *b, int count_code);
/* Records the decisions that execute nothing (executions are recorded when they end). */
void rt_record_decisions(struct runtime *rt, const struct batch *b);

/* Starts the executions and records each as it ends. answer (if set) is called once: when every
 * execution has ended (before the last outcomes are recorded), or when deadline_ms (monotonic)
 * passes with playbooks still running — they go on. SIGTERM on sigfd stops them, recorded as
 * aborted. Returns when every execution is recorded. */
void rt_execute(struct runtime *rt, struct batch *b, int64_t deadline_ms,
                void (*answer)(void *data), void *data);

/* "success", "failure", "timeout", "running", "aborted". */
const char *job_result(const struct exec_job *job);
