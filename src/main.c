/* remediation-webhook: one Alertmanager request on fd 0, one answer on fd 1, then exit.
 *
 * main() is the whole request, in the order the data flows. Each stage returns the HTTP status it
 * wants sent (0: go on); only main() and the stages it calls log.
 *
 * Exit codes: 0 answered (whatever the HTTP status), 1 invalid config (--check-config) or a
 * confinement this kernel cannot apply (--check-confinement), 2 usage. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "batch.h"
#include "confine.h"
#include "http.h"
#include "identity.h"
#include "journal.h"
#include "metrics.h"
#include "payload.h"
#include "step.h"
#include "store.h"
#include "util.h"

#define AUTH_TOKEN_MAX        4096
#define PLACEHOLDER_TOKEN     "REPLACE_WITH_RANDOM_TOKEN"
#define AUTH_TOKEN_CARRIED    (HTTP_MAX_AUTH - sizeof("Bearer ") + 1)  /* the longest a request can send */
#define MID_UNCONFINED        "e3a7c1b05d2f4e8a9c6b14f07d3e5a92"      /* the catalog's */
#define MID_NO_USER           "7d0d533cb0974397b961b6ca065ba89e"      /* the catalog's */

enum endpoint { ENDPOINT_WEBHOOK = 1, ENDPOINT_HEALTH, ENDPOINT_METRICS };

/* Everything one request needs, from the read to the last record. */
struct request {
        struct runtime rt;
        const char *check_config;
        const char *user;                       /* --user: the user root becomes */
        enum confine_mode confine;              /* --confine */
        bool check_confinement;
        char unconfined[512];                   /* why every request is refused (logged at CRIT):
                                                 * the user or the mode cannot be had; empty: as asked */
        struct http_request http;
        enum endpoint endpoint;
        struct payload payload;
        struct batch batch;
        int64_t received_ms;                    /* monotonic */
        const char *extra_header;               /* with an error status */
        char why[256];                          /* the error's sentence */
};

__attribute__((format(printf, 3, 4)))
static int refuse(struct request *rq, int status, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rq->why, sizeof(rq->why), fmt, ap);
        va_end(ap);
        return status;
}

/* ---- answering ---- */

static void respond_json(int status, const char *extra, cJSON *body) {
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
}

static void respond_error(const struct request *rq, int status) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "status", "error");
        cJSON_AddStringToObject(o, "error", rq->why[0] ? rq->why : http_reason(status));
        respond_json(status, rq->extra_header, o);
}

/* Every alert's decision, and each execution's result so far ("running" past the deadline). */
static void respond_processed(const struct request *rq) {
        const struct batch *b = &rq->batch;
        cJSON *o = cJSON_CreateObject(), *results;

        cJSON_AddStringToObject(o, "status", "processed");
        cJSON_AddNumberToObject(o, "alerts_received", (double) b->n);
        results = cJSON_AddArrayToObject(o, "results");
        for (size_t i = 0; i < b->n; i++) {
                const struct decision *d = &b->decisions[i];
                const struct alert *a = &b->alerts[i];
                const struct exec_job *job = batch_job(b, i);
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
                bool pending = !job && d->action == ACTION_ESCALATE && d->pending_id[0];
                cJSON_AddItemToObject(r, "result", job ? cJSON_CreateString(result_name(job->result)) :
                                      pending ? cJSON_CreateString(result_name(RESULT_PENDING)) : cJSON_CreateNull());
                cJSON_AddStringToObject(r, "reason", d->reason);
                if (pending) {          /* what to approve, and until when */
                        cJSON_AddStringToObject(r, "approval_id", d->pending_id);
                        cJSON_AddNumberToObject(r, "expires", (double) d->pending_expires);
                }
                cJSON_AddItemToArray(results, r);
        }
        respond_json(200, NULL, o);
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
        char path[PATH_MAX], *text = NULL;
        size_t len = 0, n;
        int r = rt_token_path(cfg, path);

        /* A regular file only: a FIFO would block the request, bounded: the token's size. */
        if (r == 0)
                r = read_file_bounded(AT_FDCWD, path, size - 1, &text, &len);
        if (r < 0)
                return r == -EFBIG ? -EINVAL : r;
        for (n = len; n > 0 && strchr(" \t\r\n", text[n - 1]); n--)
                ;
        memcpy(buf, text, n);
        buf[n] = '\0';
        explicit_bzero(text, len);
        free(text);
        if (n == 0 || n >= size - 1 || strcmp(buf, PLACEHOLDER_TOKEN) == 0)
                return -EINVAL;
        if (n > AUTH_TOKEN_CARRIED)
                return -E2BIG;
        return (int) n;
}

/* ---- the stages ---- */

/* fd 0 -> one HTTP request's line and headers. */
static int read_request(struct request *rq) {
        const struct config *cfg = rq->rt.cfg_error ? NULL : &rq->rt.cfg;
        int status = http_read_head(STDIN_FILENO, &rq->http,
                                    cfg ? cfg->max_body_bytes : HTTP_DEFAULT_MAX_BODY,
                                    (cfg ? cfg->read_timeout_seconds : HTTP_DEFAULT_READ_TIMEOUT_SEC) * 1000);
        if (status)
                rt_log(LOG_WARNING, "request refused: %d %s", status, http_reason(status));
        return status;
}

/* Method and path -> the endpoint. */
static int route(struct request *rq) {
        static const struct { const char *path, *method, *allow; enum endpoint e; } table[] = {
                { "/webhook", "POST", "Allow: POST\r\n", ENDPOINT_WEBHOOK },
                { "/health",  "GET",  "Allow: GET\r\n",  ENDPOINT_HEALTH },
                { "/metrics", "GET",  "Allow: GET\r\n",  ENDPOINT_METRICS },
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                if (strcmp(rq->http.path, table[i].path) != 0)
                        continue;
                if (strcmp(rq->http.method, table[i].method) != 0) {
                        rq->extra_header = table[i].allow;
                        return refuse(rq, 405, "method not allowed");
                }
                rq->endpoint = table[i].e;
                return 0;
        }
        return refuse(rq, 404, "not found");
}

/* The config, and the bearer token when it asks for one. */
static int authenticate(struct request *rq) {
        char token[AUTH_TOKEN_MAX + 1];

        if (rq->rt.cfg_error)   /* without the config there is no telling whether a token is needed */
                return refuse(rq, 500, "configuration is invalid; see the journal");
        if (!rq->rt.cfg.auth_token_file)
                return 0;
        int n = read_token(&rq->rt.cfg, token, sizeof(token));
        if (n < 0) {
                rt_log(LOG_ERR, "auth token file '%s' unusable (%s): refusing every request",
                       rq->rt.cfg.auth_token_file, n == -EINVAL ? "empty, too long or the placeholder" :
                       n == -E2BIG ? "longer than an Authorization header may carry" : strerror(-n));
                return refuse(rq, 500, "authentication unavailable");
        }
        const char *h = rq->http.authorization;
        bool ok = rq->http.has_authorization && strncasecmp(h, "Bearer ", 7) == 0 &&
                  equal_constant_time(h + 7, strlen(h + 7), token, (size_t) n);
        explicit_bzero(token, (size_t) n);
        if (ok)
                return 0;
        rt_log(LOG_WARNING, "request refused: 401 missing or wrong bearer token");
        rq->extra_header = "WWW-Authenticate: Bearer\r\n";
        return refuse(rq, 401, "missing or wrong bearer token");
}

/* fd 0 -> the body, once the head has been accepted: only then is the client told to send it. */
static int read_body(struct request *rq) {
        int status = http_read_body(STDIN_FILENO, STDOUT_FILENO, &rq->http);
        if (status)
                rt_log(LOG_WARNING, "request refused: %d %s", status, http_reason(status));
        return status;
}

/* The body -> alerts. Only a bad envelope refuses the request; a bad alert is decided alone. */
static int parse(struct request *rq) {
        int status = payload_parse(rq->http.body, rq->http.body_len, &rq->payload, rq->why, sizeof(rq->why));
        if (status) {
                rt_log(LOG_WARNING, "payload refused (%d): %s", status, rq->why);
                return status;
        }
        if (batch_init(&rq->batch, rq->payload.alerts, rq->payload.n_alerts) < 0)
                return refuse(rq, 503, "cannot watch for stop requests or out of memory");
        return 0;
}

/* [lock] The gates decide every alert and reserve what it takes [unlock]. */
static int decide(struct request *rq) {
        rt_open_log(&rq->rt);
        int r = batch_decide(&rq->rt, &rq->batch, 200);
        if (r < 0)      /* nothing was reserved, so nothing may run: Alertmanager retries 5xx */
                return refuse(rq, r == -EPROTONOSUPPORT ? 500 : 503, "state unavailable; nothing executed");
        return 0;
}

/* ---- health and metrics ---- */

static void serve_health(struct request *rq) {
        struct state st = {};
        int state_r = rt_read_state(&rq->rt, &st);
        bool state_ok = (state_r == 0 || state_r == -ENOENT) && store_check_writable(rq->rt.state_dir) == 0;
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
        respond_json(ok ? 200 : 503, NULL, o);
}

static int serve_metrics(struct request *rq) {
        struct state st = {};
        int status = authenticate(rq);

        if (status)
                return status;
        (void) rt_read_state(&rq->rt, &st);
        _cleanup_free_ char *text = metrics_render(&rq->rt.cfg, &st, now_realtime_ms() / 1000);
        state_free(&st);
        if (!text)
                return refuse(rq, 503, "out of memory");
        if (http_respond(STDOUT_FILENO, 200, "text/plain; version=0.0.4; charset=utf-8", NULL,
                         text, strlen(text)) < 0)
                rt_log(LOG_WARNING, "metrics answer not delivered");
        return 0;
}

/* ---- confinement ---- */

/* --user: root becomes the handler's user before it opens anything. Started by the system's
 * service manager (its child, with the INVOCATION_ID it sets), the handler never serves as root,
 * --user or not: root without capabilities is still root to D-Bus and polkit, which none of our
 * filters can take away, and a drop-in's ExecStart= written for the units that had User= would
 * otherwise run it as root. 0, or -errno with the reason in rq->unconfined. */
static int become_user(struct request *rq) {
        int r = rq->user ? identity_become(rq->user) : 0;

        if (r == 0 && (getuid() == 0 || geteuid() == 0) && getppid() == 1 && getenv("INVOCATION_ID"))
                r = -EUCLEAN;
        if (r == 0)
                return 0;
        refuse(rq, 503, "the handler cannot run as its user; see the journal");
        if (r == -EUCLEAN) {            /* identity_become() succeeded: there was no --user */
                snprintf(rq->unconfined, sizeof(rq->unconfined), "started as root by the service manager "
                         "without --user: the unit has no User=, give the handler --user remediation-webhook");
                return r;
        }
        snprintf(rq->unconfined, sizeof(rq->unconfined), "--user %s: cannot become that user: %s", rq->user,
                 r == -ENOENT ? "no such user (systemd-sysusers creates it)" :
                 r == -EINVAL ? "it is root, in group root, or has no valid uid or gid" :
                 r == -EPERM ? "running as another user, or as that user with other groups or capabilities" :
                 r == -EACCES ? "root without CAP_SETUID and CAP_SETGID (the unit's CapabilityBoundingSet= must keep them)" :
                 r == -ENOTRECOVERABLE ? "root or a capability still within reach after the change" :
                 strerror(-r));
        return r;
}

/* Once, for a request refused because the user or the mode cannot be had: a journal entry the
 * catalog explains (message_id, and what could not be had as key=value), else stderr. */
static void log_refusal(const struct request *rq, const char *message_id, const char *key, const char *value) {
        struct journal_entry e;

        journal_begin(&e);
        journal_add(&e, "MESSAGE", rq->unconfined);
        journal_add(&e, "MESSAGE_ID", message_id);
        journal_add_int(&e, "PRIORITY", LOG_CRIT);
        journal_add(&e, "SYSLOG_IDENTIFIER", "remediation-webhook");
        journal_add(&e, key, value);
        /* Under systemd stderr is the journal too: one entry, not two. */
        if (journal_send(&e) < 0 || !getenv("JOURNAL_STREAM"))
                rt_log(LOG_CRIT, "%s", rq->unconfined);
}

/* Every request refused while still root, before a byte of it is read. */
static int refuse_as_root(struct request *rq) {
        respond_error(rq, 503);
        log_refusal(rq, MID_NO_USER, "REMEDIATION_USER", rq->user ? rq->user : "");
        return 0;
}

/* Why the mode cannot hold here, for the operator: what is wrong and what to do. */
static void unconfined_why(enum confine_mode m, int r, char *buf, size_t size) {
        int abi = confine_landlock_abi();

        if (r == -EOPNOTSUPP && m == CONFINE_FULL && abi == 0)
                snprintf(buf, size, "the kernel offers no Landlock (not built in, not in lsm= at boot, or "
                         "refused by a seccomp filter around this process, as systemd-nspawn 252's), "
                         "--confine=full needs ABI %d: install the namespace fallback, see units/SECURITY.md",
                         CONFINE_LANDLOCK_ABI_MIN);
        else if (r == -EOPNOTSUPP && m == CONFINE_FULL && abi < CONFINE_LANDLOCK_ABI_MIN)
                snprintf(buf, size, "the kernel offers Landlock ABI %d, --confine=full needs %d: install the "
                         "namespace fallback, see units/SECURITY.md", abi, CONFINE_LANDLOCK_ABI_MIN);
        else if (r == -EOPNOTSUPP)
                snprintf(buf, size, "this kernel or architecture has no seccomp filters, which --confine=%s "
                         "needs: run without --confine in a unit that sandboxes the handler, see units/SECURITY.md",
                         confine_mode_name(m));
        else
                snprintf(buf, size, "--confine=%s could not be applied (%s): refusing every request",
                         confine_mode_name(m), strerror(-r));
}

#define UNCONFINED_DIRECT \
        "--confine=%s with a config that runs its executor directly (no playbook_units): a confined " \
        "handler cannot exec; set playbook_units: system (or user) in %s, or run without --confine"

/* Before the request is read, the instance gives up what it will not need: from here on a
 * taken-over instance can only do what the mode leaves. When the mode cannot hold, or the config
 * needs exec, every request is refused: never served unconfined. */
static void confine(struct request *rq) {
        const struct config *cfg = rq->rt.cfg_error ? NULL : &rq->rt.cfg;
        char token[PATH_MAX];
        struct confine_paths p;

        if (rq->confine == CONFINE_OFF)
                return;
        rt_confine_paths(&rq->rt, token, &p);
        if (cfg && !cfg->playbook_units)
                snprintf(rq->unconfined, sizeof(rq->unconfined), UNCONFINED_DIRECT,
                         confine_mode_name(rq->confine), rq->rt.config_path);
        int r = confine_self(rq->confine, &p);  /* also when refusing: the refusal runs confined */
        if (r < 0 && !rq->unconfined[0])
                unconfined_why(rq->confine, r, rq->unconfined, sizeof(rq->unconfined));
}

/* --check-confinement: whether this kernel can hold the mode (an install picks its unit by it). */
static int check_confinement(enum confine_mode m) {
        char why[512];
        int r = confine_probe(m);

        if (r == 0) {
                int abi = confine_landlock_abi();
                if (m == CONFINE_FULL)  /* what Landlock adds at this ABI; seccomp is the same at all */
                        printf("--confine=full: supported (Landlock ABI %d: files%s)\n", abi,
                               abi >= 6 ? ", TCP, signal and abstract socket scopes" :
                               abi >= 4 ? ", TCP; no scopes before ABI 6" : "; no TCP rules before ABI 4");
                else
                        printf("--confine=%s: supported\n", confine_mode_name(m));
                return 0;
        }
        unconfined_why(m, r, why, sizeof(why));
        fprintf(stderr, "remediation-webhook: %s\n", why);
        return 1;
}

/* ---- start ---- */

static int check_config(const char *path, enum confine_mode m) {
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
        if (m != CONFINE_OFF && !cfg.playbook_units) {
                fprintf(stderr, "%s: " UNCONFINED_DIRECT "\n", path, confine_mode_name(m), path);
                config_free(&cfg);
                return 1;
        }
        if (cfg.auth_token_file) {
                char token[AUTH_TOKEN_MAX + 1];
                int n = read_token(&cfg, token, sizeof(token));
                explicit_bzero(token, n > 0 ? (size_t) n : 0);
                if (n == -EINVAL || n == -E2BIG) {
                        if (n == -EINVAL)
                                fprintf(stderr, "%s: auth token file '%s' is empty, too long or still the "
                                        "placeholder " PLACEHOLDER_TOKEN "\n", path, cfg.auth_token_file);
                        else
                                fprintf(stderr, "%s: auth token file '%s' holds a token over %zu bytes, more "
                                        "than an Authorization header may carry\n", path, cfg.auth_token_file,
                                        AUTH_TOKEN_CARRIED);
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
              "                           [--confine=off|full|syscalls] [--user NAME]\n"
              "       remediation-webhook [--confine=MODE] --check-config FILE\n"
              "       remediation-webhook --confine=MODE --check-confinement\n"
              "Reads one HTTP request on standard input and answers on standard output.\n", f);
}

static int parse_options(int argc, char **argv, struct request *rq) {
        static const struct option longopts[] = {
                { "config", required_argument, NULL, 'c' },
                { "state-dir", required_argument, NULL, 's' },
                { "decision-log", required_argument, NULL, 'l' },
                { "check-config", required_argument, NULL, 'C' },
                { "confine", required_argument, NULL, 'x' },
                { "check-confinement", no_argument, NULL, 'K' },
                { "user", required_argument, NULL, 'u' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c, m;

        rq->rt.config_path = DEFAULT_CONFIG;
        rq->rt.state_dir = DEFAULT_STATE_DIR;
        rq->rt.decision_log = DEFAULT_DECISION_LOG;
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
                switch (c) {
                case 'c': rq->rt.config_path = optarg; break;
                case 's': rq->rt.state_dir = optarg; break;
                case 'l': rq->rt.decision_log = optarg; break;
                case 'C': rq->check_config = optarg; break;
                case 'x':
                        if ((m = confine_mode_from_string(optarg)) < 0) {
                                fprintf(stderr, "remediation-webhook: --confine=%s: not off, full or syscalls\n", optarg);
                                return -EINVAL;
                        }
                        rq->confine = (enum confine_mode) m;
                        break;
                case 'K': rq->check_confinement = true; break;
                case 'u': rq->user = optarg; break;
                case 'h': usage(stdout); exit(0);
                default: usage(stderr); return -EINVAL;
                }
        }
        if (optind != argc || (rq->check_confinement && (rq->confine == CONFINE_OFF || rq->check_config))) {
                usage(stderr);
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char **argv) {
        static struct request rq;       /* zero from the start, without a memset of its buffers */
        int status;

        rq.received_ms = now_monotonic_ms();
        if (parse_options(argc, argv, &rq) < 0)
                return 2;
        if (rq.check_config)
                return check_config(rq.check_config, rq.confine);
        if (rq.check_confinement)
                return check_confinement(rq.confine);
        signal(SIGPIPE, SIG_IGN);       /* a client that hangs up gets EPIPE, not our death */
        if (become_user(&rq) < 0)
                return refuse_as_root(&rq);
        rt_init(&rq.rt, SOURCE_WEBHOOK);
        confine(&rq);

        status = read_request(&rq);
        if (!status && rq.unconfined[0])
                status = refuse(&rq, 503, "the handler cannot run confined; see the journal");
        if (!status)
                status = route(&rq);
        if (!status && rq.endpoint == ENDPOINT_HEALTH)
                serve_health(&rq);
        else if (!status && rq.endpoint == ENDPOINT_METRICS)
                status = serve_metrics(&rq);
        else if (!status && !(status = authenticate(&rq)) && !(status = read_body(&rq)) &&
                 !(status = parse(&rq)) && !(status = decide(&rq))) {
                struct batch *b = &rq.batch;
                batch_start(&rq.rt, b);
                batch_wait(b, rq.received_ms + (int64_t) rq.rt.cfg.response_deadline_seconds * 1000);
                respond_processed(&rq);         /* every playbook ended, or the deadline passed */
                hang_up();
                batch_wait(b, -1);              /* the rest go on without a client */
                batch_record(&rq.rt, b);        /* [lock] breakers, metrics, running entries */
                batch_log(&rq.rt, b);           /* decision log + journal */
        }
        if (status)
                respond_error(&rq, status);
        http_discard_body(STDIN_FILENO, &rq.http);      /* a refused request's body: never parsed */
        if (rq.unconfined[0])
                log_refusal(&rq, MID_UNCONFINED, "REMEDIATION_CONFINE", confine_mode_name(rq.confine));

        batch_free(&rq.batch);
        payload_free(&rq.payload);
        http_request_free(&rq.http);
        rt_done(&rq.rt);
        return 0;
}
