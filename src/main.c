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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "http.h"
#include "metrics.h"
#include "payload.h"
#include "runtime.h"
#include "util.h"

#define AUTH_TOKEN_MAX        4096
#define PLACEHOLDER_TOKEN     "REPLACE_WITH_RANDOM_TOKEN"

/* Everything one request needs, from the read to the last record. */
struct request {
        struct runtime rt;
        const char *check_config;
        struct http_request http;
        struct payload payload;
        struct batch batch;
        int64_t received_ms;                    /* monotonic */
        bool answered;
};


/* ---- answering ---- */

static void respond_json(struct request *rq, int status, const char *extra, cJSON *body) {
        char *text = body ? cJSON_PrintUnformatted(body) : NULL;
        static const char oom[] = "{\"status\":\"error\",\"error\":\"out of memory\"}";

        if (!text)
                status = 503;
        int r = http_respond(STDOUT_FILENO, status, "application/json", extra,
                             text ? text : oom, text ? strlen(text) : sizeof(oom) - 1);
        if (r < 0)
                rt_log(LOG_WARNING, "answer %d not delivered: %s", status, strerror(-r));
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

        if (!rq->rt.cfg.auth_token_file)
                return 0;
        int n = read_token(&rq->rt.cfg, token, sizeof(token));
        if (n < 0) {
                rt_log(LOG_ERR, "auth token file '%s' unusable (%s): refusing every request",
                        rq->rt.cfg.auth_token_file, n == -EINVAL ? "empty, too long or the placeholder"
                                                               : strerror(-n));
                return 500;
        }
        const char *h = rq->http.authorization;
        bool ok = rq->http.has_authorization && strncasecmp(h, "Bearer ", 7) == 0 &&
                  equal_constant_time(h + 7, strlen(h + 7), token, (size_t) n);
        explicit_bzero(token, sizeof(token));
        return ok ? 0 : 401;
}

static void respond_processed(struct request *rq) {
        cJSON *o = cJSON_CreateObject(), *results = NULL;
        size_t j = 0;

        cJSON_AddStringToObject(o, "status", "processed");
        cJSON_AddNumberToObject(o, "alerts_received", (double) rq->batch.n);
        results = cJSON_AddArrayToObject(o, "results");
        for (size_t i = 0; i < rq->batch.n; i++) {
                const struct decision *d = &rq->batch.decisions[i];
                const struct alert *a = &rq->batch.alerts[i];
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
                                      cJSON_CreateString(job_result(&rq->batch.jobs[j++])) : cJSON_CreateNull());
                cJSON_AddStringToObject(r, "reason", d->reason);
                cJSON_AddItemToArray(results, r);
        }
        respond_json(rq, 200, NULL, o);
}

/* ---- the webhook ---- */

/* Called when every playbook has ended, or at the response deadline with some still running. */
static void answer(void *data) {
        struct request *rq = data;
        respond_processed(rq);
        hang_up();
}

static void serve_webhook(struct request *rq) {
        char why[256];
        int status, r;

        if (rq->rt.cfg_error)
                return respond_error(rq, 500, NULL, "configuration is invalid; see the journal");
        if ((status = check_auth(rq))) {
                rt_log(LOG_WARNING, "request refused: %d %s", status,
                        status == 401 ? "missing or wrong bearer token" : "authentication unavailable");
                return respond_error(rq, status, status == 401 ? "WWW-Authenticate: Bearer\r\n" : NULL,
                                     status == 401 ? "missing or wrong bearer token" : "authentication unavailable");
        }
        status = payload_parse(rq->http.body, rq->http.body_len, &rq->payload, why, sizeof(why));
        if (status) {
                rt_log(LOG_WARNING, "payload refused (%d): %s", status, why);
                return respond_error(rq, status, NULL, why);
        }
        if (batch_init(&rq->batch, rq->payload.alerts, rq->payload.n_alerts) < 0)
                return respond_error(rq, 503, NULL, "out of memory");
        rt_open_log(&rq->rt);
        r = rt_decide(&rq->rt, &rq->batch, 200);
        if (r < 0)      /* nothing was reserved, so nothing may run: Alertmanager retries 5xx */
                return respond_error(rq, r == -EPROTONOSUPPORT ? 500 : 503, NULL,
                                     "state unavailable; nothing executed");
        if (rq->batch.n_executions == 0) {
                /* Nothing runs: the decision is reserved and saved, so the client may have its
                 * answer before the decision log and the journal are written. */
                answer(rq);
                return rt_record_decisions(&rq->rt, &rq->batch);
        }
        rt_record_decisions(&rq->rt, &rq->batch);
        rt_execute(&rq->rt, &rq->batch,
                   rq->received_ms + (int64_t) rq->rt.cfg.response_deadline_seconds * 1000,
                   answer, rq);
        if (!rq->answered)      /* stopped by SIGTERM before anything ended */
                respond_processed(rq);
}

/* ---- health and metrics ---- */

static void serve_health(struct request *rq) {
        struct state st = {};
        int state_r = rt_read_state(&rq->rt, &st);
        bool state_ok = state_r == 0 || state_r == -ENOENT;
        int log_fd = audit_open_log(rq->rt.decision_log);
        bool log_ok = log_fd >= 0;

        state_free(&st);
        if (log_ok)
                close(log_fd);
        bool ok = rq->rt.cfg_error == 0 && state_ok && log_ok;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "status", ok ? "healthy" : "unhealthy");
        cJSON_AddStringToObject(o, "config", rq->rt.cfg_error == 0 ? "ok" : "invalid");
        cJSON_AddStringToObject(o, "state_dir", state_ok ? "ok" : "unusable");
        cJSON_AddStringToObject(o, "decision_log", log_ok ? "ok" : "unwritable");
        respond_json(rq, ok ? 200 : 503, NULL, o);
}

static void serve_metrics(struct request *rq) {
        struct state st = {};
        int status;

        if (rq->rt.cfg_error)   /* without the config there is no telling whether a token is needed */
                return respond_error(rq, 500, NULL, "configuration is invalid; see the journal");
        if ((status = check_auth(rq)))
                return respond_error(rq, status, status == 401 ? "WWW-Authenticate: Bearer\r\n" : NULL,
                                     status == 401 ? "missing or wrong bearer token" : "authentication unavailable");
        (void) rt_read_state(&rq->rt, &st);
        _cleanup_free_ char *text = metrics_render(&rq->rt.cfg, &st,
                                                   now_realtime_ms() / 1000);
        state_free(&st);
        if (!text)
                return respond_error(rq, 503, NULL, "out of memory");
        if (http_respond(STDOUT_FILENO, 200, "text/plain; version=0.0.4; charset=utf-8", NULL,
                         text, strlen(text)) < 0)
                rt_log(LOG_WARNING, "metrics answer not delivered");
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

static int parse_options(int argc, char **argv, struct request *rq) {
        static const struct option longopts[] = {
                { "config", required_argument, NULL, 'c' },
                { "state-dir", required_argument, NULL, 's' },
                { "decision-log", required_argument, NULL, 'l' },
                { "check-config", required_argument, NULL, 'C' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        rq->rt.config_path = DEFAULT_CONFIG;
        rq->rt.state_dir = DEFAULT_STATE_DIR;
        rq->rt.decision_log = DEFAULT_DECISION_LOG;
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
                switch (c) {
                case 'c': rq->rt.config_path = optarg; break;
                case 's': rq->rt.state_dir = optarg; break;
                case 'l': rq->rt.decision_log = optarg; break;
                case 'C': rq->check_config = optarg; break;
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

static void route_request(struct request *rq) {
        const char *method = rq->http.method, *path = rq->http.path;

        if (strcmp(path, "/webhook") == 0) {
                if (strcmp(method, "POST") != 0)
                        return respond_error(rq, 405, "Allow: POST\r\n", "method not allowed");
                return serve_webhook(rq);
        }
        if (strcmp(path, "/health") == 0 || strcmp(path, "/metrics") == 0) {
                if (strcmp(method, "GET") != 0)
                        return respond_error(rq, 405, "Allow: GET\r\n", "method not allowed");
                return path[1] == 'h' ? serve_health(rq) : serve_metrics(rq);
        }
        respond_error(rq, 404, NULL, "not found");
}

int main(int argc, char **argv) {
        struct request rq = { .received_ms = now_monotonic_ms() };
        int status;

        if (parse_options(argc, argv, &rq) < 0)
                return 2;
        if (rq.check_config)
                return check_config(rq.check_config);
        signal(SIGPIPE, SIG_IGN);       /* a client that hangs up gets EPIPE, not our death */

        rt_init(&rq.rt, "webhook");
        const struct config *cfg = rq.rt.cfg_error ? NULL : &rq.rt.cfg;
        status = http_read_request(STDIN_FILENO, STDOUT_FILENO, &rq.http,
                                   cfg ? cfg->max_body_bytes : HTTP_DEFAULT_MAX_BODY,
                                   (cfg ? cfg->read_timeout_seconds : HTTP_DEFAULT_READ_TIMEOUT_SEC) * 1000);
        if (status) {
                rt_log(LOG_WARNING, "request refused: %d %s", status, http_reason(status));
                respond_error(&rq, status, NULL, http_reason(status));
        } else
                route_request(&rq);

        batch_free(&rq.batch);
        payload_free(&rq.payload);
        http_request_free(&rq.http);
        rt_done(&rq.rt);
        return 0;
}
