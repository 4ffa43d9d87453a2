/* remediation-webhook: one Alertmanager request on fd 0, one answer on fd 1, then exit.
 *
 *   read request -> parse payload -> [lock] route + gates decide and reserve [unlock]
 *   -> execute -> respond (at the deadline at the latest) -> [lock] record outcome [unlock]
 *   -> decision log + journal -> exit
 *
 * Exit codes: 0 answered (whatever the HTTP status), 1 invalid config (--check-config), 2 usage. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "audit.h"
#include "config.h"
#include "exec.h"
#include "gates.h"
#include "history.h"
#include "http.h"
#include "metrics.h"
#include "payload.h"
#include "store.h"
#include "util.h"

#define DEFAULT_CONFIG        "/etc/remediation-webhook/webhook-routing.yml"
#define DEFAULT_STATE_DIR     "/run/remediation-webhook"
#define DEFAULT_DECISION_LOG  "/var/log/remediation-webhook/decision-log.jsonl"
#define AUTH_TOKEN_MAX        4096
#define PLACEHOLDER_TOKEN     "REPLACE_WITH_RANDOM_TOKEN"
#define EXECUTOR_PATH         "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct options {
        const char *config, *state_dir, *decision_log, *check_config;
};

/* Everything one request needs, from the read to the last record. */
struct request {
        struct options opt;
        struct config cfg;
        int cfg_error;                          /* 0 or -errno from config_load */
        struct http_request http;
        struct payload payload;
        struct decision *decisions;
        struct exec_job *jobs;                  /* one per executed decision */
        size_t *job_alert;                      /* jobs[i] belongs to alerts[job_alert[i]] */
        size_t n_jobs;
        int64_t received_ms;                    /* monotonic */
        int log_fd;
        int sigfd;
        bool answered;
};

/* ---- logging: only this file logs ---- */

static void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_msg(int priority, const char *fmt, ...) {
        char line[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        /* Under systemd stderr is the journal, which reads the <N> priority prefix. */
        if (getenv("JOURNAL_STREAM"))
                fprintf(stderr, "<%d>%s\n", priority, line);
        else
                fprintf(stderr, "remediation-webhook: %s\n", line);
}

/* ---- answering ---- */

static void respond_json(struct request *rq, int status, const char *extra, cJSON *body) {
        char *text = body ? cJSON_PrintUnformatted(body) : NULL;
        static const char oom[] = "{\"status\":\"error\",\"error\":\"out of memory\"}";

        if (!text)
                status = 503;
        int r = http_respond(STDOUT_FILENO, status, "application/json", extra,
                             text ? text : oom, text ? strlen(text) : sizeof(oom) - 1);
        if (r < 0)
                log_msg(LOG_WARNING, "answer %d not delivered: %s", status, strerror(-r));
        free(text);
        cJSON_Delete(body);
        rq->answered = true;
}

static void respond_error(struct request *rq, int status, const char *extra, const char *message) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "status", "error");
        cJSON_AddStringToObject(o, "error", message);
        respond_json(rq, status, extra, o);
}

/* Closes the connection so the client has its answer while playbooks still run. */
static void hang_up(void) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                dup3(null, STDIN_FILENO, 0);
                dup3(null, STDOUT_FILENO, 0);
                close(null);
        }
}

/* ---- auth ---- */

static int read_token(const struct config *cfg, char *buf, size_t size) {
        const char *name = cfg->auth_token_file, *creds = getenv("CREDENTIALS_DIRECTORY");
        char path[4096];
        int fd = -1;

        if (name[0] != '/' && creds) {
                snprintf(path, sizeof(path), "%s/%s", creds, name);
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        }
        if (fd < 0 && name[0] != '/') {
                const char *slash = strrchr(cfg->path, '/');
                int dirlen = slash ? (int) (slash - cfg->path) : 1;
                snprintf(path, sizeof(path), "%.*s/%s", dirlen, slash ? cfg->path : ".", name);
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        }
        if (fd < 0 && name[0] == '/')
                fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, size - 1);
        int saved = errno;
        close(fd);
        if (n < 0)
                return -saved;
        while (n > 0 && strchr(" \t\r\n", buf[n - 1]))
                n--;
        buf[n] = '\0';
        if (n == 0 || (size_t) n >= size - 1 || strcmp(buf, PLACEHOLDER_TOKEN) == 0)
                return -EINVAL;
        return (int) n;
}

/* 0 when the request may go on, else the status to answer with. */
static int check_auth(struct request *rq) {
        char token[AUTH_TOKEN_MAX + 1];

        if (!rq->cfg.auth_token_file)
                return 0;
        int n = read_token(&rq->cfg, token, sizeof(token));
        if (n < 0) {
                log_msg(LOG_ERR, "auth token file '%s' unusable (%s): refusing every request",
                        rq->cfg.auth_token_file, n == -EINVAL ? "empty, too long or the placeholder"
                                                               : strerror(-n));
                return 500;
        }
        const char *h = rq->http.authorization;
        bool ok = rq->http.has_authorization && strncasecmp(h, "Bearer ", 7) == 0 &&
                  equal_constant_time(h + 7, strlen(h + 7), token, (size_t) n);
        explicit_bzero(token, sizeof(token));
        return ok ? 0 : 401;
}

/* ---- recording ---- */

static void record(struct request *rq, const struct audit_record *rec) {
        static bool told_journal;
        _cleanup_free_ char *line = audit_format_line(rec);
        int r = rq->log_fd;

        if (!line)
                log_msg(LOG_ERR, "decision for %s could not be formatted", rec->alertname ?: "alert");
        else if (r < 0 || (r = audit_append(rq->log_fd, line)) < 0)
                log_msg(LOG_ERR, "decision log not written (%s): %s", strerror(-r), line);
        r = audit_journal(rec);
        if (r == -ENOTCONN && !told_journal) {
                told_journal = true;
                log_msg(LOG_WARNING, "journald is not running: decisions go to the decision log only");
        }
}

static void write_metrics_textfile(struct request *rq, const struct state *st) {
        if (!rq->cfg.metrics_textfile)
                return;
        _cleanup_free_ char *text = metrics_render(&rq->cfg, st, now_realtime_ms() / 1000);
        int r = text ? write_file_atomic(AT_FDCWD, rq->cfg.metrics_textfile, text, strlen(text)) : -ENOMEM;
        if (r < 0)
                log_msg(LOG_WARNING, "metrics textfile %s not written: %s", rq->cfg.metrics_textfile,
                        strerror(-r));
}

/* Loads the state under the lock. A missing state (tmpfs after a reboot) or a corrupt one (moved
 * aside, never silently reused) is rebuilt from the decision log, so executions from before still
 * count against the limits, cooldowns and breakers. */
static int load_state(struct request *rq, struct store *store, struct state *st, int64_t now) {
        int r = store_load(store, st);
        if (r == -EBADMSG) {
                log_msg(LOG_CRIT, "state file in %s is corrupt: moved aside, rebuilding it from %s",
                        rq->opt.state_dir, rq->opt.decision_log);
                (void) store_quarantine(store, (long long) now);
                *st = (struct state) {};
        } else if (r == -EPROTONOSUPPORT) {
                log_msg(LOG_ERR, "state file in %s has an unknown version: refusing to guess", rq->opt.state_dir);
                return r;
        } else if (r < 0 && r != -ENOENT) {
                log_msg(LOG_ERR, "state in %s unreadable: %s", rq->opt.state_dir, strerror(-r));
                return r;
        }
        if (r == 0)
                return 0;
        r = history_rebuild(&rq->cfg, rq->opt.decision_log, now, st);
        if (r < 0) {
                log_msg(LOG_ERR, "state not rebuilt from %s: %s", rq->opt.decision_log, strerror(-r));
                return r;
        }
        if (r > 0)
                log_msg(LOG_NOTICE, "state rebuilt from %s: %d recent executions", rq->opt.decision_log, r);
        return 0;
}

/* Runs fn on the state as one atomic step under the lock. 0 or -errno. */
static int with_state(struct request *rq, int (*fn)(struct request *, struct state *, void *), void *data) {
        struct store store;
        struct state st = {};
        int64_t now = now_realtime_ms() / 1000;
        int r = store_open(rq->opt.state_dir, &store);

        if (r < 0) {
                log_msg(LOG_ERR, "state directory %s: %s", rq->opt.state_dir, strerror(-r));
                return r;
        }
        if ((r = store_lock(&store, STATE_LOCK_TIMEOUT_MS)) < 0) {
                log_msg(LOG_ERR, "state lock not had within %d ms: %s", STATE_LOCK_TIMEOUT_MS, strerror(-r));
                goto out;
        }
        if ((r = load_state(rq, &store, &st, now)) == 0 && (r = fn(rq, &st, data)) == 0) {
                gates_prune(&rq->cfg, &st, now);
                if ((r = store_save(&store, &st)) < 0)
                        log_msg(LOG_ERR, "state not saved in %s: %s", rq->opt.state_dir, strerror(-r));
        }
        store_unlock(&store);
        if (r == 0)
                write_metrics_textfile(rq, &st);
out:
        state_free(&st);
        store_close(&store);
        return r;
}

/* ---- the webhook ---- */

static int decide_all(struct request *rq, struct state *st, void *data) {
        int64_t now = *(int64_t *) data;
        int r;

        for (size_t i = 0; i < rq->payload.n_alerts; i++) {
                struct decision *d = &rq->decisions[i];
                if ((r = gates_decide(&rq->cfg, st, &rq->payload.alerts[i], now, d)) < 0 ||
                    (r = metrics_count_decision(st, d)) < 0)
                        return r;
                if (d->action == ACTION_EXECUTED &&
                    (r = state_add_running(st, getpid(), now, d->route->playbook,
                                           rq->payload.alerts[i].alertname)) < 0)
                        return r;
        }
        return metrics_count_request(st, 200);
}

struct outcome {
        size_t job;
        int64_t started;
        bool opened;
};

static int record_outcome(struct request *rq, struct state *st, void *data) {
        struct outcome *o = data;
        const struct exec_job *job = &rq->jobs[o->job];
        const struct decision *d = &rq->decisions[rq->job_alert[o->job]];
        int64_t now = now_realtime_ms() / 1000;

        state_remove_running(st, getpid(), o->started, d->route->playbook);
        if (job->result == EXEC_ABORTED) {      /* not the playbook's fault: only free the trial */
                if (d->trial)
                        state_breaker(st, d->route->playbook, 1)->trial_until = 0;
                return 0;
        }
        o->opened = gates_record_outcome(&rq->cfg, st, d->route->playbook,
                                         job->result == EXEC_SUCCESS, d->trial, now);
        return metrics_count_execution(st, d->route->playbook, exec_result_name(job->result),
                                       (double) (job->ended_ms - job->started_ms) / 1000.0);
}

static const char *job_result(const struct exec_job *job) {
        /* The answer and the log speak of success, failure, timeout, running, aborted. */
        return job->result == EXEC_SPAWN_FAILED ? "failure" : exec_result_name(job->result);
}

static void finish_job(struct request *rq, size_t j, int64_t decided_s) {
        struct exec_job *job = &rq->jobs[j];
        const struct alert *a = &rq->payload.alerts[rq->job_alert[j]];
        const struct decision *d = &rq->decisions[rq->job_alert[j]];
        struct outcome o = { .job = j, .started = decided_s };
        char params[EXEC_MAX_ARGS * 64];

        job->reported = 1;
        if (with_state(rq, record_outcome, &o) < 0)
                log_msg(LOG_ERR, "outcome of %s for %s not recorded in the state", d->route->playbook,
                        a->alertname);
        int np = params_join(&d->argv, rq->cfg.n_executor, params, sizeof(params));
        struct audit_record rec = {
                .timestamp_ms = now_realtime_ms(), .source = "webhook", .alert = a, .decision = d,
                .job = job, .result = job_result(job), .parameters = np > 0 ? params : NULL,
        };
        if (job->result == EXEC_SPAWN_FAILED)
                rec.reason = "Executor could not be started";
        record(rq, &rec);
        if (o.opened) {
                log_msg(LOG_ERR, "circuit breaker opened for %s", d->route->playbook);
                (void) audit_journal_circuit_opened(d->route->playbook, rq->cfg.failure_threshold,
                                                    rq->cfg.reset_timeout_minutes);
        }
}

static void start_jobs(struct request *rq) {
        for (size_t i = 0; i < rq->payload.n_alerts; i++) {
                const struct decision *d = &rq->decisions[i];
                const struct alert *a = &rq->payload.alerts[i];
                if (d->action != ACTION_EXECUTED)
                        continue;
                struct exec_job *job = &rq->jobs[rq->n_jobs];
                char env_alert[256], env_playbook[128], env_fp[96];
                snprintf(env_alert, sizeof(env_alert), "REMEDIATION_ALERTNAME=%s", a->alertname);
                snprintf(env_playbook, sizeof(env_playbook), "REMEDIATION_PLAYBOOK=%s", d->route->playbook);
                snprintf(env_fp, sizeof(env_fp), "REMEDIATION_FINGERPRINT=%s", a->fingerprint);
                char *envp[] = { EXECUTOR_PATH, "LANG=C.UTF-8", env_alert, env_playbook, env_fp, NULL };

                for (size_t k = 0; k <= d->argv.n; k++)
                        job->argv[k] = d->argv.v[k];
                rq->job_alert[rq->n_jobs++] = i;
                int r = exec_start(job, envp, rq->cfg.playbook_timeout_seconds);
                if (r < 0)
                        log_msg(LOG_ERR, "executor %s not started: %s", job->argv[0], strerror(-r));
        }
}

static void respond_processed(struct request *rq) {
        cJSON *o = cJSON_CreateObject(), *results = NULL;
        size_t j = 0;

        cJSON_AddStringToObject(o, "status", "processed");
        cJSON_AddNumberToObject(o, "alerts_received", (double) rq->payload.n_alerts);
        results = cJSON_AddArrayToObject(o, "results");
        for (size_t i = 0; i < rq->payload.n_alerts; i++) {
                const struct decision *d = &rq->decisions[i];
                const struct alert *a = &rq->payload.alerts[i];
                char alertname[AUDIT_TEXT_CHARS * 4 + 1];
                cJSON *r = cJSON_CreateObject();

                utf8_sanitize(alertname, sizeof(alertname), a->alertname, strlen(a->alertname), AUDIT_TEXT_CHARS);
                cJSON_AddStringToObject(r, "alert", alertname);
                cJSON_AddItemToObject(r, "fingerprint", *a->fingerprint ? cJSON_CreateString(a->fingerprint)
                                                                       : cJSON_CreateNull());
                cJSON_AddStringToObject(r, "action", action_name(d->action));
                cJSON_AddItemToObject(r, "gate", d->gate ? cJSON_CreateString(gate_name(d->gate)) : cJSON_CreateNull());
                cJSON_AddItemToObject(r, "playbook", d->route && d->route->playbook ?
                                      cJSON_CreateString(d->route->playbook) : cJSON_CreateNull());
                cJSON_AddItemToObject(r, "result", d->action == ACTION_EXECUTED ?
                                      cJSON_CreateString(job_result(&rq->jobs[j++])) : cJSON_CreateNull());
                cJSON_AddStringToObject(r, "reason", d->reason);
                cJSON_AddItemToArray(results, r);
        }
        respond_json(rq, 200, NULL, o);
}

/* Waits for the playbooks, answering at the response deadline at the latest, and records each
 * as it ends. SIGTERM stops them and records them as aborted. */
static void run_jobs(struct request *rq, int64_t decided_s) {
        int64_t deadline = rq->received_ms + (int64_t) rq->cfg.response_deadline_seconds * 1000;

        for (;;) {
                int r = exec_wait(rq->jobs, rq->n_jobs, rq->answered ? -1 : deadline, rq->sigfd);
                if (r >= 0) {
                        finish_job(rq, (size_t) r, decided_s);
                        continue;
                }
                if (r == -ETIME && !rq->answered) {
                        respond_processed(rq);
                        hang_up();
                        continue;
                }
                if (r == -EINTR) {
                        log_msg(LOG_WARNING, "stopped: aborting running playbooks");
                        exec_abort(rq->jobs, rq->n_jobs);
                        for (size_t j = 0; j < rq->n_jobs; j++)
                                if (!rq->jobs[j].reported)
                                        finish_job(rq, j, decided_s);
                }
                break;
        }
        if (!rq->answered)
                respond_processed(rq);
}

static void serve_webhook(struct request *rq) {
        char why[256];
        int status;

        if (rq->cfg_error)
                return respond_error(rq, 500, NULL, "configuration is invalid; see the journal");
        if ((status = check_auth(rq)))
                return respond_error(rq, status, status == 401 ? "WWW-Authenticate: Bearer\r\n" : NULL,
                                     status == 401 ? "missing or wrong bearer token" : "authentication unavailable");
        status = payload_parse(rq->http.body, rq->http.body_len, &rq->payload, why, sizeof(why));
        if (status) {
                log_msg(LOG_WARNING, "payload refused (%d): %s", status, why);
                return respond_error(rq, status, NULL, why);
        }
        size_t n = rq->payload.n_alerts;
        rq->decisions = calloc(n + 1, sizeof(*rq->decisions));
        rq->jobs = calloc(n + 1, sizeof(*rq->jobs));
        rq->job_alert = calloc(n + 1, sizeof(*rq->job_alert));
        if (!rq->decisions || !rq->jobs || !rq->job_alert)
                return respond_error(rq, 503, NULL, "out of memory");

        int64_t now = now_realtime_ms() / 1000;
        int r = with_state(rq, decide_all, &now);
        if (r < 0)      /* nothing was reserved, so nothing may run: Alertmanager retries 5xx */
                return respond_error(rq, r == -EPROTONOSUPPORT ? 500 : 503, NULL,
                                     "state unavailable; nothing executed");

        for (size_t i = 0; i < n; i++) {
                const struct decision *d = &rq->decisions[i];
                if (d->action == ACTION_EXECUTED)
                        continue;
                record(rq, &(struct audit_record) {
                        .timestamp_ms = now_realtime_ms(), .source = "webhook",
                        .alert = &rq->payload.alerts[i], .decision = d });
        }
        /* From here a stop request must reach the playbooks, not kill us mid-record. */
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        rq->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        start_jobs(rq);
        run_jobs(rq, now);
}

/* ---- health and metrics ---- */

static void serve_health(struct request *rq) {
        struct store store;
        bool state_ok = store_open(rq->opt.state_dir, &store) == 0;
        int log_fd = audit_open_log(rq->opt.decision_log);
        bool log_ok = log_fd >= 0;

        if (state_ok)
                store_close(&store);
        if (log_ok)
                close(log_fd);
        bool ok = rq->cfg_error == 0 && state_ok && log_ok;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "status", ok ? "healthy" : "unhealthy");
        cJSON_AddStringToObject(o, "config", rq->cfg_error == 0 ? "ok" : "invalid");
        cJSON_AddStringToObject(o, "state_dir", state_ok ? "ok" : "unusable");
        cJSON_AddStringToObject(o, "decision_log", log_ok ? "ok" : "unwritable");
        respond_json(rq, ok ? 200 : 503, NULL, o);
}

static void serve_metrics(struct request *rq) {
        struct store store;
        struct state st = {};
        int status;

        if (rq->cfg_error == 0 && (status = check_auth(rq)))
                return respond_error(rq, status, status == 401 ? "WWW-Authenticate: Bearer\r\n" : NULL,
                                     "missing or wrong bearer token");
        /* state.json is replaced by rename(2): reading it needs no lock. */
        if (store_open(rq->opt.state_dir, &store) == 0) {
                (void) store_load(&store, &st);
                store_close(&store);
        }
        _cleanup_free_ char *text = metrics_render(rq->cfg_error ? NULL : &rq->cfg, &st,
                                                   now_realtime_ms() / 1000);
        state_free(&st);
        if (!text)
                return respond_error(rq, 503, NULL, "out of memory");
        if (http_respond(STDOUT_FILENO, 200, "text/plain; version=0.0.4; charset=utf-8", NULL,
                         text, strlen(text)) < 0)
                log_msg(LOG_WARNING, "metrics answer not delivered");
        rq->answered = true;
}

/* ---- start ---- */

static int check_config(const char *path) {
        struct config cfg;
        struct config_error err = {};
        int r = config_load(path, &cfg, &err);

        if (r < 0) {
                if (err.line > 0)
                        fprintf(stderr, "%s:%d:%d: %s\n", path, err.line, err.column, err.message);
                else
                        fprintf(stderr, "%s: %s\n", path, err.message[0] ? err.message : strerror(-r));
                return 1;
        }
        if (cfg.auth_token_file) {
                char token[AUTH_TOKEN_MAX + 1];
                int n = read_token(&cfg, token, sizeof(token));
                explicit_bzero(token, sizeof(token));
                if (n == -EINVAL) {
                        fprintf(stderr, "%s: auth token file '%s' is empty, too long or still the placeholder "
                                PLACEHOLDER_TOKEN "\n", path, cfg.auth_token_file);
                        config_free(&cfg);
                        return 1;
                }
                if (n < 0)
                        fprintf(stderr, "%s: warning: auth token file '%s' not readable here (%s); "
                                "requests will get 500 until it is\n", path, cfg.auth_token_file, strerror(-n));
        }
        config_free(&cfg);
        return 0;
}

static void usage(FILE *f) {
        fputs("usage: remediation-webhook [--config FILE] [--state-dir DIR] [--decision-log FILE]\n"
              "       remediation-webhook --check-config FILE\n"
              "Reads one HTTP request on standard input and answers on standard output.\n", f);
}

static int parse_options(int argc, char **argv, struct options *o) {
        static const struct option longopts[] = {
                { "config", required_argument, NULL, 'c' },
                { "state-dir", required_argument, NULL, 's' },
                { "decision-log", required_argument, NULL, 'l' },
                { "check-config", required_argument, NULL, 'C' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        *o = (struct options) { DEFAULT_CONFIG, DEFAULT_STATE_DIR, DEFAULT_DECISION_LOG, NULL };
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
                switch (c) {
                case 'c': o->config = optarg; break;
                case 's': o->state_dir = optarg; break;
                case 'l': o->decision_log = optarg; break;
                case 'C': o->check_config = optarg; break;
                case 'h': usage(stdout); exit(0);
                default: usage(stderr); return -EINVAL;
                }
        }
        if (optind != argc) {
                usage(stderr);
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char **argv) {
        struct request rq = { .log_fd = -1, .sigfd = -1, .received_ms = now_monotonic_ms() };
        struct config_error cerr = {};
        int status;

        if (parse_options(argc, argv, &rq.opt) < 0)
                return 2;
        if (rq.opt.check_config)
                return check_config(rq.opt.check_config);
        signal(SIGPIPE, SIG_IGN);       /* a client that hangs up gets EPIPE, not our death */

        rq.cfg_error = config_load(rq.opt.config, &rq.cfg, &cerr);
        if (rq.cfg_error < 0)
                log_msg(LOG_ERR, "%s:%d:%d: %s", rq.opt.config, cerr.line, cerr.column,
                        cerr.message[0] ? cerr.message : strerror(-rq.cfg_error));

        status = http_read_request(STDIN_FILENO, STDOUT_FILENO, &rq.http,
                                   rq.cfg_error ? HTTP_DEFAULT_MAX_BODY : rq.cfg.max_body_bytes,
                                   (rq.cfg_error ? HTTP_DEFAULT_READ_TIMEOUT_SEC : rq.cfg.read_timeout_seconds) * 1000);
        if (status) {
                log_msg(LOG_WARNING, "request refused: %d %s", status, http_reason(status));
                respond_error(&rq, status, NULL, http_reason(status));
        } else if (strcmp(rq.http.path, "/webhook") == 0) {
                if (strcmp(rq.http.method, "POST") != 0)
                        respond_error(&rq, 405, "Allow: POST\r\n", "method not allowed");
                else {
                        rq.log_fd = audit_open_log(rq.opt.decision_log);
                        if (rq.log_fd < 0)
                                log_msg(LOG_ERR, "decision log %s: %s", rq.opt.decision_log, strerror(-rq.log_fd));
                        serve_webhook(&rq);
                }
        } else if (strcmp(rq.http.path, "/health") == 0 || strcmp(rq.http.path, "/metrics") == 0) {
                if (strcmp(rq.http.method, "GET") != 0)
                        respond_error(&rq, 405, "Allow: GET\r\n", "method not allowed");
                else if (rq.http.path[1] == 'h')
                        serve_health(&rq);
                else
                        serve_metrics(&rq);
        } else
                respond_error(&rq, 404, NULL, "not found");

        for (size_t i = 0; rq.decisions && i < rq.payload.n_alerts; i++)
                decision_free(&rq.decisions[i]);
        free(rq.decisions), free(rq.jobs), free(rq.job_alert);
        payload_free(&rq.payload);
        http_request_free(&rq.http);
        config_free(&rq.cfg);
        if (rq.log_fd >= 0)
                close(rq.log_fd);
        if (rq.sigfd >= 0)
                close(rq.sigfd);
        return 0;
}
