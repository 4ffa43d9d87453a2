#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>
#include "batch.h"
#include "metrics.h"
#include "step.h"
#include "util.h"

#define EXECUTOR_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int batch_init(struct batch *b, const struct alert *alerts, size_t n) {
        sigset_t mask;
        int r;

        *b = (struct batch) { .alerts = alerts, .n = n, .sigfd = -1 };
        b->decisions = calloc(n + 1, sizeof(*b->decisions));
        if (!b->decisions)
                return -ENOMEM;
        /* Stays blocked until we exit: a stop request is read from the signalfd, never delivered. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
            (b->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
                r = -errno;
                batch_free(b);
                return r;
        }
        return 0;
}

void batch_free(struct batch *b) {
        for (size_t i = 0; b->decisions && i < b->n; i++)
                decision_free(&b->decisions[i]);
        free(b->decisions), free(b->jobs), free(b->job_alert), free(b->job_opened);
        verdicts_free(&b->verdicts);
        if (b->sigfd >= 0)
                close(b->sigfd);
        *b = (struct batch) { .sigfd = -1 };
}

const struct exec_job *batch_job(const struct batch *b, size_t i) {
        for (size_t j = 0; j < b->n_jobs; j++)
                if (b->job_alert[j] == i)
                        return &b->jobs[j];
        return NULL;
}

/* Wall-clock milliseconds at which a job ended (its times are monotonic). */
static int64_t job_ended_wall_ms(const struct batch *b, const struct exec_job *job) {
        return b->decided_ms + (job->ended_ms - b->decided_mono_ms);
}

/* Wall-clock milliseconds at which a job started. */
static int64_t job_started_wall_ms(const struct batch *b, const struct exec_job *job) {
        return b->decided_ms + (job->started_ms - b->decided_mono_ms);
}

/* ---- deciding ---- */

/* The metrics of the verdicts from index first on. */
static int count_verdicts(struct state *st, const struct batch *b, size_t first) {
        for (size_t i = first; i < b->verdicts.n; i++) {
                const struct verdict *v = &b->verdicts.v[i];
                int k = metrics_count_verdict(st, v->playbook, result_name(v->result),
                                              v->resolved_after_ms >= 0 ? (double) v->resolved_after_ms / 1000.0 : -1);
                if (k < 0)
                        return k;
        }
        return 0;
}

/* A resolved alert (the gate `resolved` skipped it: nothing runs) judges the executions of its
 * fingerprint that await a verdict, in the step that decided it. */
static int judge_resolved(const struct config *cfg, struct state *st, struct batch *b, const struct alert *al) {
        size_t first = b->verdicts.n;
        int r = verify_resolved(cfg, st, al, b->decided_ms, &b->verdicts);
        return r < 0 ? r : count_verdicts(st, b, first);
}

struct decide_args {
        struct batch *b;
        int count_code;
};

int batch_decide_locked(struct runtime *rt, struct state *st, struct batch *b, int count_code) {
        int r;

        /* Read under the lock: reservations are ordered by time across instances. */
        b->decided_ms = now_realtime_ms();
        b->decided_mono_ms = now_monotonic_ms();
        for (size_t i = 0; i < b->n; i++) {
                const struct alert *al = &b->alerts[i];
                struct decision *d = &b->decisions[i];
                int64_t now = b->decided_ms / 1000;
                if ((r = b->approved ? gates_evaluate_approval(&rt->cfg, st, al, b->approved, now, d, NULL)
                                     : gates_evaluate(&rt->cfg, st, al, now, d, NULL)) < 0 ||
                    (r = gates_apply(&rt->cfg, st, al, d)) < 0 ||
                    (r = metrics_count_decision(st, d)) < 0 ||
                    (d->gate == GATE_RESOLVED && (r = judge_resolved(&rt->cfg, st, b, al)) < 0))
                        return r;
                if (d->action == ACTION_EXECUTED &&
                    (r = state_add_running(st, getpid(), b->decided_ms / 1000, d->route->playbook,
                                           al->alertname, al->fingerprint)) < 0)
                        return r;
        }
        return count_code ? metrics_count_request(st, count_code) : 0;
}

static int decide_step(struct runtime *rt, struct state *st, void *data) {
        struct decide_args *a = data;
        return batch_decide_locked(rt, st, a->b, a->count_code);
}

void batch_undecide(struct batch *b) {
        for (size_t i = 0; i < b->n; i++) {
                decision_free(&b->decisions[i]);
                b->decisions[i] = (struct decision) {};
        }
        verdicts_free(&b->verdicts);
}

int batch_decide(struct runtime *rt, struct batch *b, int count_code) {
        struct decide_args a = { b, count_code };
        int r = rt_with_state(rt, STATE_LOCK_TIMEOUT_MS, decide_step, &a);

        if (r < 0)              /* nothing was saved: no decision may stand */
                batch_undecide(b);
        return r;
}

/* ---- running ---- */

static bool stop_requested(const struct batch *b) {
        struct pollfd p = { .fd = b->sigfd, .events = POLLIN };
        return poll(&p, 1, 0) > 0;
}

/* "REMEDIATION_PROTECTED_UNITS=traefik.service ...": the override list as unit names, so a
 * playbook can refuse a protected unit it reaches by another name (an alias), which the gate
 * cannot know. malloc'd, or NULL. */
static char *protected_units_env(const struct config *c) {
        static const char name[] = "REMEDIATION_PROTECTED_UNITS=", suffix[] = ".service";
        size_t len = sizeof(name);

        for (size_t i = 0; i < c->n_service_overrides; i++)
                len += strlen(c->service_overrides[i]) + sizeof(suffix);
        char *env = malloc(len), *p = env;
        if (!env)
                return NULL;
        p = stpcpy(p, name);
        for (size_t i = 0; i < c->n_service_overrides; i++) {
                const char *u = c->service_overrides[i];
                size_t n = strlen(u);
                p = stpcpy(p, i ? " " : "");
                p = stpcpy(p, u);
                if (n < sizeof(suffix) || strcmp(u + n - (sizeof(suffix) - 1), suffix) != 0)
                        p = stpcpy(p, suffix);
        }
        return env;
}

/* Room for a job per execution (a job holds its output: allocated only for those). */
static int alloc_jobs(struct batch *b) {
        size_t n = 0;
        for (size_t i = 0; i < b->n; i++)
                n += b->decisions[i].action == ACTION_EXECUTED;
        if (n == 0)
                return 0;
        b->jobs = calloc(n, sizeof(*b->jobs));
        b->job_alert = calloc(n, sizeof(*b->job_alert));
        b->job_opened = calloc(n, sizeof(*b->job_opened));
        return b->jobs && b->job_alert && b->job_opened ? 0 : -ENOMEM;
}

/* The playbooks run as systemd units when the config says so, else directly. */
static const struct executor *executor_of(const struct config *c) {
        if (!c->playbook_units)
                return &exec_direct;
        return strcmp(c->playbook_units, "user") == 0 ? &exec_unit_user : &exec_unit_system;
}

void batch_start(struct runtime *rt, struct batch *b) {
        bool stopping = stop_requested(b);
        _cleanup_free_ char *env_protected = NULL;

        b->executor = executor_of(&rt->cfg);
        if (snprintf(b->jobs_dir, sizeof(b->jobs_dir), "%s/jobs", rt->state_dir) >= (int) sizeof(b->jobs_dir))
                b->jobs_dir[0] = '\0';         /* a job file cannot be written: its start fails */

        if (alloc_jobs(b) < 0) {        /* reserved, and nothing can even be recorded as run */
                rt_log(LOG_ERR, "out of memory: no playbook started, their reservations stand");
                return;
        }
        env_protected = b->jobs ? protected_units_env(&rt->cfg) : NULL;

        for (size_t i = 0; i < b->n; i++) {
                const struct decision *d = &b->decisions[i];
                const struct alert *a = &b->alerts[i];
                if (d->action != ACTION_EXECUTED)
                        continue;
                struct exec_job *job = &b->jobs[b->n_jobs];
                for (size_t k = 0; k <= d->argv.n; k++)
                        job->argv[k] = d->argv.v[k];
                b->job_alert[b->n_jobs++] = i;
                /* Reserved, never run: aborted by a stop request, or a start that would not tell
                 * the playbook its protected units (no memory) fails closed. */
                if (stopping || !env_protected) {
                        job->pid = job->pidfd = job->out_fd = job->err_fd = -1;
                        job->started_ms = job->ended_ms = now_monotonic_ms();
                        job->result = stopping ? RESULT_ABORTED : RESULT_SPAWN_FAILED;
                        job->exit_code = stopping ? -ECANCELED : -ENOMEM;
                        continue;
                }
                char env_alert[256], env_playbook[128], env_fp[96];
                snprintf(env_alert, sizeof(env_alert), "REMEDIATION_ALERTNAME=%s", a->alertname);
                snprintf(env_playbook, sizeof(env_playbook), "REMEDIATION_PLAYBOOK=%s", d->route->playbook);
                snprintf(env_fp, sizeof(env_fp), "REMEDIATION_FINGERPRINT=%s", a->fingerprint);
                char *envp[] = { EXECUTOR_PATH, "LANG=C.UTF-8", env_alert, env_playbook, env_fp,
                                 env_protected, NULL };
                char id[EXEC_ID_BYTES];
                snprintf(id, sizeof(id), "%lld-%ld-%zu", (long long) b->decided_ms, (long) getpid(),
                         b->n_jobs - 1);
                struct exec_spec spec = {
                        .envp = envp, .timeout_seconds = rt->cfg.playbook_timeout_seconds,
                        .playbook = d->route->playbook, .alertname = a->alertname,
                        .fingerprint = a->fingerprint, .params = d->argv.v + rt->cfg.n_executor,
                        .n_params = d->argv.n - rt->cfg.n_executor, .jobs_dir = b->jobs_dir, .id = id,
                };
                int r = b->executor->start(job, &spec);
                if (r < 0)
                        rt_log(LOG_ERR, "playbook %s not started (%s): %s", d->route->playbook,
                               job->unit[0] ? job->unit : job->argv[0], strerror(-r));
        }
        if (stopping && b->n_jobs > 0)
                rt_log(LOG_WARNING, "stopped before any playbook started: %zu recorded as aborted", b->n_jobs);
}

void batch_wait(struct batch *b, int64_t deadline_ms) {
        for (;;) {
                int r = b->executor->wait(b->jobs, b->n_jobs, deadline_ms, b->sigfd);
                if (r >= 0) {
                        b->jobs[r].reported = 1;
                        continue;
                }
                if (r == -ECHILD || r == -ETIME)
                        return;
                /* A stop request, or the wait itself failed: no playbook may run on unwatched. */
                if (r == -EINTR)
                        rt_log(LOG_WARNING, "stopped: aborting running playbooks");
                else
                        rt_log(LOG_ERR, "waiting for playbooks failed (%s): aborting them", strerror(-r));
                b->executor->abort(b->jobs, b->n_jobs);
                return;
        }
}

/* ---- recording ---- */

static enum breaker_event breaker_event_of(enum result r) {
        return r == RESULT_SUCCESS ? BREAKER_SUCCEEDED : r == RESULT_ABORTED ? BREAKER_ABORTED : BREAKER_FAILED;
}

static int record_step(struct runtime *rt, struct state *st, void *data) {
        struct batch *b = data;
        int r;

        for (size_t j = 0; j < b->n_jobs; j++) {
                const struct exec_job *job = &b->jobs[j];
                const struct decision *d = &b->decisions[b->job_alert[j]];
                const char *playbook = d->route->playbook;
                enum breaker_event e = breaker_event_of(job->result);
                /* Aborting is not the playbook's fault: it only frees a trial, if any. */
                struct breaker *br = state_breaker(st, playbook, e != BREAKER_ABORTED);
                const struct alert *al = &b->alerts[b->job_alert[j]];
                /* A state written before running entries had fingerprints has it without one. */
                struct running *rn = state_find_running(st, getpid(), b->decided_ms / 1000, playbook, al->fingerprint);
                if (!rn)
                        rn = state_find_running(st, getpid(), b->decided_ms / 1000, playbook, NULL);
                if (!br && e != BREAKER_ABORTED)
                        return -ENOMEM;
                /* An exit 0 awaiting its verdict leaves the breaker to the verdict; one whose alert
                 * resolved while it ran gets that verdict now. */
                size_t first = b->verdicts.n;
                if ((r = verify_await(st, d->route, al, job->result, d->trial, job_started_wall_ms(b, job))) < 0)
                        return r;
                int k = verify_resolved_meanwhile(&rt->cfg, st, rn, job_started_wall_ms(b, job),
                                                  job_ended_wall_ms(b, job), &b->verdicts);
                if (k < 0 || (k = count_verdicts(st, b, first)) < 0)
                        return k;
                state_remove_running(st, rn);
                if (br && r == 0)
                        b->job_opened[j] = breaker_apply(&rt->cfg, br, e, d->trial,
                                                         job_ended_wall_ms(b, job) / 1000);
                if (e != BREAKER_ABORTED &&
                    (r = metrics_count_execution(st, playbook, result_name(job->result),
                                                 (double) (job->ended_ms - job->started_ms) / 1000.0)) < 0)
                        return r;
        }
        return 0;
}

void batch_record(struct runtime *rt, struct batch *b) {
        if (b->n_jobs > 0 && rt_with_state(rt, STATE_OUTCOME_LOCK_TIMEOUT_MS, record_step, b) < 0)
                rt_log(LOG_ERR, "outcomes of %zu executions not recorded in the state", b->n_jobs);
}

void batch_log(struct runtime *rt, const struct batch *b) {
        for (size_t i = 0; i < b->n; i++) {
                const struct exec_job *job = batch_job(b, i);
                struct audit_record rec = {
                        .timestamp_ms = job ? job_ended_wall_ms(b, job) : b->decided_ms,
                        .decided_ms = b->decided_ms, .source = rt->source, .alert = &b->alerts[i], .decision = &b->decisions[i],
                        .job = job, .executor_args = rt->cfg.n_executor, .by = b->by,
                };
                if (job && job->result == RESULT_SPAWN_FAILED)
                        rec.reason = "Executor could not be started";
                rt_record(rt, &rec);
        }
        for (size_t i = 0; i < b->verdicts.n; i++)
                rt_record_verdict(rt, &b->verdicts.v[i], b->decided_ms);
        for (size_t j = 0; j < b->n_jobs; j++) {
                const char *playbook = b->decisions[b->job_alert[j]].route->playbook;
                if (!b->job_opened[j])
                        continue;
                rt_log(LOG_ERR, "circuit breaker opened for %s", playbook);
                (void) audit_journal_circuit_opened(playbook, rt->cfg.failure_threshold,
                                                    rt->cfg.reset_timeout_minutes);
        }
}
