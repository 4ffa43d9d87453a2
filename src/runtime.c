#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>
#include "history.h"
#include "metrics.h"
#include "runtime.h"
#include "store.h"
#include "util.h"

#define EXECUTOR_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void rt_log(int priority, const char *fmt, ...) {
        char line[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        /* Under systemd stderr is the journal, which reads the <N> priority prefix. */
        if (getenv("JOURNAL_STREAM"))
                fprintf(stderr, "<%d>%s\n", priority, line);
        else
                fprintf(stderr, "%s: %s\n", program_invocation_short_name, line);
}

void rt_init(struct runtime *rt, const char *source) {
        struct config_error err = {};

        rt->source = source;
        rt->log_fd = -EBADF;
        rt->sigfd = -1;
        rt->cfg_error = config_load(rt->config_path, &rt->cfg, &err);
        if (rt->cfg_error < 0)
                rt_log(LOG_ERR, "%s:%d:%d: %s", rt->config_path, err.line, err.column,
                       err.message[0] ? err.message : strerror(-rt->cfg_error));
}

void rt_open_log(struct runtime *rt) {
        rt->log_fd = audit_open_log(rt->decision_log);
        if (rt->log_fd < 0)
                rt_log(LOG_ERR, "decision log %s: %s", rt->decision_log, strerror(-rt->log_fd));
}

void rt_done(struct runtime *rt) {
        config_free(&rt->cfg);
        if (rt->log_fd >= 0)
                close(rt->log_fd);
        if (rt->sigfd >= 0)
                close(rt->sigfd);
        rt->log_fd = -EBADF, rt->sigfd = -1;
}

void rt_record(struct runtime *rt, const struct audit_record *rec) {
        static bool told_journal;
        _cleanup_free_ char *line = audit_format_line(rec);
        int r = rt->log_fd;

        if (!line)
                rt_log(LOG_ERR, "decision for %s could not be formatted", rec->alertname ?: "alert");
        else if (r < 0 || (r = audit_append(rt->log_fd, line)) < 0)
                rt_log(LOG_ERR, "decision log not written (%s): %s", strerror(-r), line);
        r = audit_journal(rec);
        if (r < 0 && !told_journal) {           /* once: the next entries would fail alike */
                told_journal = true;
                if (r == -ENOTCONN)
                        rt_log(LOG_WARNING, "journald is not running: decisions go to the decision log only");
                else
                        rt_log(LOG_WARNING, "journal entry not written (%s): the decision log has it",
                               strerror(-r));
        }
}

static void write_metrics_textfile(struct runtime *rt, const struct state *st) {
        if (!rt->cfg.metrics_textfile)
                return;
        _cleanup_free_ char *text = metrics_render(&rt->cfg, st, now_realtime_ms() / 1000);
        int r = text ? write_file_atomic(AT_FDCWD, rt->cfg.metrics_textfile, text, strlen(text)) : -ENOMEM;
        if (r < 0)
                rt_log(LOG_WARNING, "metrics textfile %s not written: %s", rt->cfg.metrics_textfile,
                       strerror(-r));
}

/* Loads the state under the lock. A missing state (tmpfs after a reboot) or a corrupt one (moved
 * aside, never silently reused) is rebuilt from the decision log, so executions from before still
 * count against the limits, cooldowns and breakers. */
static int load_state(struct runtime *rt, struct store *store, struct state *st, int64_t now) {
        int r = store_load(store, st);
        if (r == -EBADMSG) {
                rt_log(LOG_CRIT, "state file in %s is corrupt: moved aside, rebuilding it from %s",
                       rt->state_dir, rt->decision_log);
                (void) store_quarantine(store, (long long) now);
                *st = (struct state) {};
        } else if (r == -EPROTONOSUPPORT) {
                rt_log(LOG_ERR, "state file in %s has an unknown version: refusing to guess", rt->state_dir);
                return r;
        } else if (r < 0 && r != -ENOENT) {
                rt_log(LOG_ERR, "state in %s unreadable: %s", rt->state_dir, strerror(-r));
                return r;
        }
        if (r == 0)
                return 0;
        r = history_rebuild(&rt->cfg, rt->decision_log, now, st);
        if (r < 0) {
                rt_log(LOG_ERR, "state not rebuilt from %s: %s", rt->decision_log, strerror(-r));
                return r;
        }
        if (r > 0)
                rt_log(LOG_NOTICE, "state rebuilt from %s: %d recent executions", rt->decision_log, r);
        return 0;
}

static int with_state(struct runtime *rt, int timeout_ms,
                      int (*fn)(struct runtime *, struct state *, void *), void *data) {
        struct store store;
        struct state st = {};
        int64_t now = now_realtime_ms() / 1000;
        int r = store_open(rt->state_dir, &store);

        if (r < 0) {
                rt_log(LOG_ERR, "state directory %s: %s", rt->state_dir, strerror(-r));
                return r;
        }
        if ((r = store_lock(&store, timeout_ms)) < 0) {
                rt_log(LOG_ERR, "state lock not had within %d ms: %s", timeout_ms, strerror(-r));
                goto out;
        }
        if ((r = load_state(rt, &store, &st, now)) == 0 && (r = fn(rt, &st, data)) == 0) {
                gates_prune(&rt->cfg, &st, now);
                if ((r = store_save(&store, &st)) < 0)
                        rt_log(LOG_ERR, "state not saved in %s: %s", rt->state_dir, strerror(-r));
                else    /* under the lock: one writer of the textfile's temp file at a time */
                        write_metrics_textfile(rt, &st);
        }
        store_unlock(&store);
out:
        state_free(&st);
        store_close(&store);
        return r;
}

int rt_with_state(struct runtime *rt, int (*fn)(struct runtime *, struct state *, void *), void *data) {
        return with_state(rt, STATE_LOCK_TIMEOUT_MS, fn, data);
}

int rt_read_state(struct runtime *rt, struct state *ret) {
        struct store store;
        int r = store_open(rt->state_dir, &store);
        if (r < 0)
                return r;
        r = store_load(&store, ret);
        store_close(&store);
        return r;
}

/* ---- a batch ---- */

int batch_init(struct batch *b, const struct alert *alerts, size_t n) {
        *b = (struct batch) { .alerts = alerts, .n = n };
        b->decisions = calloc(n + 1, sizeof(*b->decisions));
        b->jobs = calloc(n + 1, sizeof(*b->jobs));
        b->job_alert = calloc(n + 1, sizeof(*b->job_alert));
        if (!b->decisions || !b->jobs || !b->job_alert) {
                batch_free(b);
                return -ENOMEM;
        }
        return 0;
}

void batch_free(struct batch *b) {
        for (size_t i = 0; b->decisions && i < b->n; i++)
                decision_free(&b->decisions[i]);
        free(b->decisions), free(b->jobs), free(b->job_alert);
        *b = (struct batch) {};
}

struct decide_args {
        struct batch *b;
        int count_code;
};

static int decide_all(struct runtime *rt, struct state *st, void *data) {
        struct decide_args *a = data;
        struct batch *b = a->b;
        int r;

        for (size_t i = 0; i < b->n; i++) {
                struct decision *d = &b->decisions[i];
                if ((r = gates_decide(&rt->cfg, st, &b->alerts[i], b->decided_at, d)) < 0 ||
                    (r = metrics_count_decision(st, d)) < 0)
                        return r;
                if (d->action == ACTION_EXECUTED &&
                    (r = state_add_running(st, getpid(), b->decided_at, d->route->playbook,
                                           b->alerts[i].alertname)) < 0)
                        return r;
        }
        return a->count_code ? metrics_count_request(st, a->count_code) : 0;
}

int rt_decide(struct runtime *rt, struct batch *b, int count_code) {
        struct decide_args a = { b, count_code };

        b->decided_at = now_realtime_ms() / 1000;
        int r = rt_with_state(rt, decide_all, &a);
        if (r < 0)
                return r;
        for (size_t i = 0; i < b->n; i++)
                b->n_executions += b->decisions[i].action == ACTION_EXECUTED;
        return 0;
}

void rt_record_decisions(struct runtime *rt, const struct batch *b) {
        for (size_t i = 0; i < b->n; i++) {
                const struct decision *d = &b->decisions[i];
                if (d->action != ACTION_EXECUTED)
                        rt_record(rt, &(struct audit_record) {
                                .timestamp_ms = now_realtime_ms(), .source = rt->source,
                                .alert = &b->alerts[i], .decision = d });
        }
}

/* ---- executing ---- */

const char *job_result(const struct exec_job *job) {
        return job->result == EXEC_SPAWN_FAILED ? "failure" : exec_result_name(job->result);
}

struct outcome {
        struct batch *b;
        size_t job;
        bool opened;
};

static int record_outcome(struct runtime *rt, struct state *st, void *data) {
        struct outcome *o = data;
        const struct exec_job *job = &o->b->jobs[o->job];
        const struct decision *d = &o->b->decisions[o->b->job_alert[o->job]];
        const char *playbook = d->route->playbook;

        state_remove_running(st, getpid(), o->b->decided_at, playbook);
        if (job->result == EXEC_ABORTED) {      /* not the playbook's fault: only free the trial */
                struct breaker *br = d->trial ? state_breaker(st, playbook, 0) : NULL;
                if (br)
                        br->trial_until = 0;
                return 0;
        }
        o->opened = gates_record_outcome(&rt->cfg, st, playbook, job->result == EXEC_SUCCESS,
                                         d->trial, now_realtime_ms() / 1000);
        return metrics_count_execution(st, playbook, exec_result_name(job->result),
                                       (double) (job->ended_ms - job->started_ms) / 1000.0);
}

static void finish_job(struct runtime *rt, struct batch *b, size_t j) {
        struct exec_job *job = &b->jobs[j];
        const struct alert *a = &b->alerts[b->job_alert[j]];
        const struct decision *d = &b->decisions[b->job_alert[j]];
        struct outcome o = { .b = b, .job = j };
        char params[EXEC_MAX_ARGS * 64];

        job->reported = 1;
        if (with_state(rt, STATE_OUTCOME_LOCK_TIMEOUT_MS, record_outcome, &o) < 0)
                rt_log(LOG_ERR, "outcome of %s for %s not recorded in the state", d->route->playbook,
                       a->alertname);
        int np = params_join(&d->argv, rt->cfg.n_executor, params, sizeof(params));
        struct audit_record rec = {
                .timestamp_ms = now_realtime_ms(), .source = rt->source, .alert = a, .decision = d,
                .job = job, .result = job_result(job), .parameters = np > 0 ? params : NULL,
        };
        if (job->result == EXEC_SPAWN_FAILED)
                rec.reason = "Executor could not be started";
        rt_record(rt, &rec);
        if (o.opened) {
                rt_log(LOG_ERR, "circuit breaker opened for %s", d->route->playbook);
                (void) audit_journal_circuit_opened(d->route->playbook, rt->cfg.failure_threshold,
                                                    rt->cfg.reset_timeout_minutes);
        }
}

static void start_jobs(struct runtime *rt, struct batch *b) {
        for (size_t i = 0; i < b->n; i++) {
                const struct decision *d = &b->decisions[i];
                const struct alert *a = &b->alerts[i];
                if (d->action != ACTION_EXECUTED)
                        continue;
                struct exec_job *job = &b->jobs[b->n_jobs];
                char env_alert[256], env_playbook[128], env_fp[96];
                snprintf(env_alert, sizeof(env_alert), "REMEDIATION_ALERTNAME=%s", a->alertname);
                snprintf(env_playbook, sizeof(env_playbook), "REMEDIATION_PLAYBOOK=%s", d->route->playbook);
                snprintf(env_fp, sizeof(env_fp), "REMEDIATION_FINGERPRINT=%s", a->fingerprint);
                char *envp[] = { EXECUTOR_PATH, "LANG=C.UTF-8", env_alert, env_playbook, env_fp, NULL };

                for (size_t k = 0; k <= d->argv.n; k++)
                        job->argv[k] = d->argv.v[k];
                b->job_alert[b->n_jobs++] = i;
                int r = exec_start(job, envp, rt->cfg.playbook_timeout_seconds);
                if (r < 0)
                        rt_log(LOG_ERR, "executor %s not started: %s", job->argv[0], strerror(-r));
        }
}

static bool any_running(const struct batch *b) {
        for (size_t j = 0; j < b->n_jobs; j++)
                if (b->jobs[j].result == EXEC_RUNNING)
                        return true;
        return false;
}

void rt_execute(struct runtime *rt, struct batch *b, int64_t deadline_ms,
                void (*answer)(void *data), void *data) {
        /* From here a stop request must reach the playbooks, not kill us mid-record. */
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if (rt->sigfd < 0)
                rt->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

        start_jobs(rt, b);
        for (bool answered = !answer;;) {
                int r = exec_wait(b->jobs, b->n_jobs, answered ? -1 : deadline_ms, rt->sigfd);
                /* Every playbook has ended: the answer goes first, the records after it. */
                if ((r >= 0 || r == -ECHILD) && !answered && !any_running(b)) {
                        answered = true;
                        answer(data);
                }
                if (r >= 0) {
                        finish_job(rt, b, (size_t) r);
                        continue;
                }
                if (r == -ETIME && !answered) {
                        answered = true;
                        answer(data);
                        continue;
                }
                if (r == -EINTR) {
                        rt_log(LOG_WARNING, "stopped: aborting running playbooks");
                        exec_abort(b->jobs, b->n_jobs);
                        for (size_t j = 0; j < b->n_jobs; j++)
                                if (!b->jobs[j].reported)
                                        finish_job(rt, b, j);
                }
                break;
        }
}
