/* remediationctl: what remediation-webhook's gates know and did, and a way in for timers and
 * operators that goes through the same gates, the same lock and the same decision log.
 *
 *   remediationctl [OPTIONS] status [--json]
 *   remediationctl [OPTIONS] explain [--at TIME] [--json] alertname=NAME [LABEL=VALUE ...]
 *   remediationctl [OPTIONS] explain [--at TIME] [--json] < payload.json
 *   remediationctl [OPTIONS] run PLAYBOOK [--alert NAME] [--label K=V ...] [--source timer|operator] [--json]
 *   remediationctl [OPTIONS] reset-breaker PLAYBOOK
 *   remediationctl [OPTIONS] forget KEY
 *   remediationctl [OPTIONS] report [--since 24h|7d|Nh|Nd] [--json]
 *
 * OPTIONS are the handler's: --config FILE, --state-dir DIR, --decision-log FILE, same defaults.
 * `run`, `reset-breaker` and `forget` change the state only in the handler's locked step
 * (rt_with_state) and record what they did in the decision log and the journal; `status`,
 * `explain` and `report` only read.
 *
 * Exit codes (documented in --help; scripts may switch on them):
 *   0  done; run: the playbook ran and succeeded; explain: every alert would execute
 *   1  error: invalid config, state or decision log unusable (run: nothing was executed)
 *   2  usage; or nothing to act on: no route runs PLAYBOOK, no breaker to reset, no such key
 *   3  run: the playbook ran and failed, timed out or was aborted
 *   4  run, explain: blocked by a gate
 *   5  run, explain: escalated (confidence below the threshold or confirmation required)
 *   6  run, explain: skipped (resolved, no route, alert-only route)
 * explain exits with the code `run` would have for the first alert that would not execute. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "history.h"
#include "report.h"
#include "runtime.h"
#include "util.h"

enum {
        EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_FAILED, EXIT_BLOCKED, EXIT_ESCALATED, EXIT_SKIPPED,
};

#define STATUS_LAST_DECISIONS   10
#define STATUS_LOG_WINDOW_SEC   (24 * 3600)
#define STATUS_LOG_MAX_BYTES    (1024 * 1024)           /* >= 10 lines of AUDIT_LINE_MAX */
#define REPORT_MAX_BYTES        ((size_t) 1 << 30)      /* read at most the log's last GiB */
#define REPORT_MAX_WINDOW_SEC   (366LL * 24 * 3600)

/* Options a subcommand may take, beyond the handler's three. */
enum { OPT_JSON = 1, OPT_AT = 2, OPT_ALERT = 4, OPT_LABEL = 8, OPT_SOURCE = 16, OPT_SINCE = 32 };

struct ctl {
        struct runtime rt;
        char **args;                    /* the subcommand's arguments */
        int n_args;
        unsigned given;                 /* OPT_* */
        bool json;
        const char *at, *alert, *source, *since;
        char *labels[PAYLOAD_MAX_LABELS];
        size_t n_labels;
};

/* ---- small helpers ---- */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
        va_list ap;
        fprintf(stderr, "%s: ", program_invocation_short_name);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

/* "1h02m", "14m30s", "45s"; "-" for nothing left. */
static const char *span(char buf[static 32], int64_t s) {
        if (s <= 0)
                snprintf(buf, 32, "-");
        else if (s >= 86400)
                snprintf(buf, 32, "%lldd%02lldh", (long long) (s / 86400), (long long) (s % 86400 / 3600));
        else if (s >= 3600)
                snprintf(buf, 32, "%lldh%02lldm", (long long) (s / 3600), (long long) (s % 3600 / 60));
        else if (s >= 60)
                snprintf(buf, 32, "%lldm%02llds", (long long) (s / 60), (long long) (s % 60));
        else
                snprintf(buf, 32, "%llds", (long long) s);
        return buf;
}

static const char *utc(char buf[static 32], int64_t t) {
        time_t tt = (time_t) t;
        struct tm tm;
        if (!gmtime_r(&tt, &tm) || !strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm))
                snprintf(buf, 32, "%lld", (long long) t);
        return buf;
}

/* TIME: epoch seconds, or "YYYY-MM-DD HH:MM:SS" in UTC. */
static int parse_time(const char *s, int64_t *ret) {
        uint64_t v;
        struct tm tm = {};

        if (parse_uint_range(s, strlen(s), 0, INT32_MAX * 4ULL, &v) == 0) {
                *ret = (int64_t) v;
                return 0;
        }
        const char *end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
        if (!end || *end)
                return -EINVAL;
        *ret = (int64_t) timegm(&tm);
        return 0;
}

/* 24h, 7d, 90m: the report's window in seconds. */
static int parse_window(const char *s, int64_t *ret) {
        size_t len = strlen(s);
        uint64_t v;
        int64_t unit;

        if (len < 2)
                return -EINVAL;
        switch (s[len - 1]) {
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: return -EINVAL;
        }
        if (parse_uint_range(s, len - 1, 1, (uint64_t) (REPORT_MAX_WINDOW_SEC / unit), &v) < 0)
                return -ERANGE;
        *ret = (int64_t) v * unit;
        return 0;
}

static const char *jstr(const cJSON *o, const char *name) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
        return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool jhas(const cJSON *o, const char *name) {
        return cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, name));
}

static int64_t jnum(const cJSON *o, const char *name) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
        return cJSON_IsNumber(v) ? (int64_t) v->valuedouble : 0;
}

static void add_int_or_null(cJSON *o, const char *name, bool have, int64_t v) {
        cJSON_AddItemToObject(o, name, have ? cJSON_CreateNumber((double) v) : cJSON_CreateNull());
}

static int print_json(cJSON *doc) {
        char *text = doc ? cJSON_Print(doc) : NULL;
        if (!text) {
                fail("out of memory");
                return -ENOMEM;
        }
        puts(text);
        free(text);
        return 0;
}

static int need_config(struct ctl *c) {
        if (c->rt.cfg_error == 0)
                return 0;
        fail("configuration %s is not usable (see above)", c->rt.config_path);
        return -EINVAL;
}

/* The state as the handler's next locked step would see it, read without the lock and never
 * written: a missing or corrupt state.json is rebuilt in memory from the decision log, as the
 * handler's next step would rebuild it. *ret_origin says which. */
static int read_state(struct ctl *c, int64_t now, struct state *st, const char **ret_origin) {
        int r = rt_read_state(&c->rt, st);

        *ret_origin = "ok";
        if (r == 0)
                return 0;
        if (r != -ENOENT && r != -EBADMSG) {
                fail("state in %s unreadable: %s", c->rt.state_dir, strerror(-r));
                return r;
        }
        *ret_origin = r == -ENOENT ? "missing" : "corrupt";
        *st = (struct state) {};
        r = history_rebuild(&c->rt.cfg, c->rt.decision_log, now, st);
        if (r < 0) {
                fail("state not rebuilt from %s: %s", c->rt.decision_log, strerror(-r));
                return r;
        }
        return 0;
}

static const char *state_note(const char *origin) {
        return strcmp(origin, "ok") == 0 ? "" :
               strcmp(origin, "missing") == 0 ? " (no state file: rebuilt from the decision log)" :
                                                " (state file corrupt: rebuilt from the decision log)";
}

/* Who ran an operator action: the sudo caller's name when there is one, and the real uid. */
static void operator_name(char *buf, size_t size) {
        const char *sudo = getenv("SUDO_USER");
        uid_t uid = getuid();
        struct passwd *pw = getpwuid(uid);

        if (sudo && *sudo)
                snprintf(buf, size, "%s via sudo (uid %u)", sudo, (unsigned) uid);
        else
                snprintf(buf, size, "%s (uid %u)", pw ? pw->pw_name : "unknown", (unsigned) uid);
}

/* ---- status ---- */

struct last_lines {
        cJSON *line[STATUS_LAST_DECISIONS];
        size_t n, next;
};

static int keep_last(const cJSON *line, void *data) {
        struct last_lines *l = data;
        cJSON *copy = cJSON_Duplicate(line, 1);
        if (!copy)
                return -ENOMEM;
        cJSON_Delete(l->line[l->next]);
        l->line[l->next] = copy;
        l->next = (l->next + 1) % STATUS_LAST_DECISIONS;
        if (l->n < STATUS_LAST_DECISIONS)
                l->n++;
        return 0;
}

/* Seconds until fewer than max of the executions (alert NULL: all) count in the hourly window. */
static int64_t frees_in(const struct state *st, const char *alert, int max, int64_t now) {
        int64_t since = now - RATE_WINDOW_SEC, left = 0;
        _cleanup_free_ int64_t *t = malloc((st->n_execs + 1) * sizeof(*t));
        size_t n = 0;

        for (size_t i = 0; t && i < st->n_execs; i++)
                if (st->execs[i].t >= since && (!alert || strcmp(st->execs[i].alert, alert) == 0))
                        t[n++] = st->execs[i].t;
        if (max <= 0 || (int) n < max)
                return 0;
        /* The (n - max + 1)-th oldest must leave; an execution counts up to RATE_WINDOW_SEC old. */
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++)
                        if (t[j] < t[i]) {
                                int64_t x = t[i];
                                t[i] = t[j], t[j] = x;
                        }
        left = t[n - (size_t) max] + RATE_WINDOW_SEC + 1 - now;
        return left;
}

static void add_playbook_status(cJSON *arr, const struct config *cfg, struct state *st,
                                const char *playbook, int64_t now) {
        struct breaker *b = state_breaker(st, playbook, 0);
        enum breaker_state bs = gates_breaker_state(cfg, b, now);
        int64_t last = state_last_exec(st, playbook), cooldown = (int64_t) cfg->cooldown_minutes * 60;
        int recent = 0;
        cJSON *o = cJSON_CreateObject();

        for (size_t i = 0; i < st->n_execs; i++)
                if (strcmp(st->execs[i].playbook, playbook) == 0 && st->execs[i].t >= now - RATE_WINDOW_SEC)
                        recent++;
        cJSON_AddStringToObject(o, "playbook", playbook);
        cJSON_AddStringToObject(o, "breaker", breaker_state_name(bs));
        cJSON_AddNumberToObject(o, "failures", b ? b->failures : 0);
        add_int_or_null(o, "half_open_in_seconds", bs == BREAKER_OPEN,
                        b ? b->opened_at + (int64_t) cfg->reset_timeout_minutes * 60 - now : 0);
        add_int_or_null(o, "trial_running_seconds_left", bs == BREAKER_HALF_OPEN && b->trial_until > now,
                        b ? b->trial_until - now : 0);
        add_int_or_null(o, "last_execution", last != INT64_MIN, last);
        cJSON_AddNumberToObject(o, "cooldown_left_seconds",
                                last != INT64_MIN && now - last < cooldown ? (double) (cooldown - (now - last)) : 0);
        cJSON_AddNumberToObject(o, "executions_last_hour", recent);
        cJSON_AddItemToArray(arr, o);
}

static bool listed(const cJSON *arr, const char *field, const char *name) {
        const cJSON *it;
        cJSON_ArrayForEach(it, arr) {
                const char *s = jstr(it, field);
                if (s && strcmp(s, name) == 0)
                        return true;
        }
        return false;
}

static void add_alert_limit(cJSON *arr, const struct config *cfg, const struct state *st,
                            const char *alert, int64_t now) {
        if (listed(arr, "alert", alert))
                return;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "alert", alert);
        cJSON_AddNumberToObject(o, "executions", state_count_execs(st, alert, now - RATE_WINDOW_SEC));
        cJSON_AddNumberToObject(o, "max", cfg->max_executions_per_alert);
        cJSON_AddNumberToObject(o, "frees_in_seconds", (double) frees_in(st, alert, cfg->max_executions_per_alert, now));
        cJSON_AddItemToArray(arr, o);
}

static cJSON *status_json(struct ctl *c, struct state *st, const char *origin, int64_t now,
                          struct last_lines *last) {
        const struct config *cfg = &c->rt.cfg;
        cJSON *doc = cJSON_CreateObject(), *arr, *o;

        cJSON_AddNumberToObject(doc, "now", (double) now);
        cJSON_AddStringToObject(doc, "state", origin);

        arr = cJSON_AddArrayToObject(doc, "playbooks");
        for (size_t i = 0; i < cfg->n_routes; i++)
                if (cfg->routes[i].playbook && !listed(arr, "playbook", cfg->routes[i].playbook))
                        add_playbook_status(arr, cfg, st, cfg->routes[i].playbook, now);
        for (size_t i = 0; i < st->n_breakers; i++)     /* breakers of playbooks no longer routed */
                if (!listed(arr, "playbook", st->breakers[i].playbook))
                        add_playbook_status(arr, cfg, st, st->breakers[i].playbook, now);

        o = cJSON_AddObjectToObject(doc, "rate_limits");
        cJSON_AddNumberToObject(o, "window_seconds", RATE_WINDOW_SEC);
        cJSON *g = cJSON_AddObjectToObject(o, "global");
        cJSON_AddNumberToObject(g, "executions", state_count_execs(st, NULL, now - RATE_WINDOW_SEC));
        cJSON_AddNumberToObject(g, "max", cfg->max_executions_per_hour);
        cJSON_AddNumberToObject(g, "frees_in_seconds", (double) frees_in(st, NULL, cfg->max_executions_per_hour, now));
        arr = cJSON_AddArrayToObject(o, "alerts");
        for (size_t i = 0; i < cfg->n_routes; i++)
                if (cfg->routes[i].playbook)
                        add_alert_limit(arr, cfg, st, cfg->routes[i].alertname, now);
        for (size_t i = 0; i < st->n_execs; i++)
                add_alert_limit(arr, cfg, st, st->execs[i].alert, now);

        arr = cJSON_AddArrayToObject(doc, "idempotency_keys");
        for (size_t i = 0; i < st->n_keys; i++) {
                int64_t left = (int64_t) cfg->idempotency_window_minutes * 60 - (now - st->keys[i].t);
                if (left <= 0)
                        continue;
                o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "key", st->keys[i].key);
                cJSON_AddNumberToObject(o, "handled_at", (double) st->keys[i].t);
                cJSON_AddNumberToObject(o, "left_seconds", (double) left);
                cJSON_AddItemToArray(arr, o);
        }

        arr = cJSON_AddArrayToObject(doc, "running");
        for (size_t i = 0; i < st->n_running; i++) {
                const struct running *rn = &st->running[i];
                bool stale = rn->pid <= 0 || rn->pid > INT_MAX || (kill((pid_t) rn->pid, 0) < 0 && errno == ESRCH);
                o = cJSON_CreateObject();
                cJSON_AddNumberToObject(o, "pid", (double) rn->pid);
                cJSON_AddNumberToObject(o, "started", (double) rn->started);
                cJSON_AddStringToObject(o, "playbook", rn->playbook);
                cJSON_AddStringToObject(o, "alert", rn->alert);
                cJSON_AddBoolToObject(o, "stale", stale);
                cJSON_AddItemToArray(arr, o);
        }

        arr = cJSON_AddArrayToObject(doc, "last_decisions");
        for (size_t i = 0; i < last->n; i++) {
                size_t k = (last->n < STATUS_LAST_DECISIONS ? 0 : last->next) + i;
                cJSON_AddItemToArray(arr, last->line[k % STATUS_LAST_DECISIONS]);
                last->line[k % STATUS_LAST_DECISIONS] = NULL;
        }
        return doc;
}

static void status_print(const cJSON *doc, const struct config *cfg) {
        const cJSON *it, *rl = cJSON_GetObjectItemCaseSensitive(doc, "rate_limits");
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(rl, "global");
        int64_t now = jnum(doc, "now");
        char a[32], b[32], t[32];

        printf("remediation-webhook state at %s UTC%s\n\n", utc(t, now), state_note(jstr(doc, "state")));
        printf("%-22s %-9s %8s %-12s %-13s %s\n", "PLAYBOOK", "BREAKER", "FAILURES", "HALF-OPEN IN",
               "COOLDOWN LEFT", "RUNS (1H)");
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "playbooks")) {
                const char *br = jstr(it, "breaker");
                if (jhas(it, "trial_running_seconds_left"))
                        snprintf(a, sizeof(a), "trial %s", span(b, jnum(it, "trial_running_seconds_left")));
                else
                        span(a, jnum(it, "half_open_in_seconds"));
                printf("%-22s %-9s %8lld %-12s %-13s %lld\n", jstr(it, "playbook"), br,
                       (long long) jnum(it, "failures"), a, span(t, jnum(it, "cooldown_left_seconds")),
                       (long long) jnum(it, "executions_last_hour"));
        }

        printf("\n%-32s %4s %4s  %s\n", "RATE LIMIT (LAST 60 MIN)", "USED", "MAX", "FREES IN");
        printf("%-32s %4lld %4lld  %s\n", "global", (long long) jnum(g, "executions"),
               (long long) jnum(g, "max"), span(a, jnum(g, "frees_in_seconds")));
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rl, "alerts"))
                printf("%-32s %4lld %4lld  %s\n", jstr(it, "alert"), (long long) jnum(it, "executions"),
                       (long long) jnum(it, "max"), span(a, jnum(it, "frees_in_seconds")));

        printf("\nIDEMPOTENCY KEYS (window %d min)\n", cfg->idempotency_window_minutes);
        const cJSON *keys = cJSON_GetObjectItemCaseSensitive(doc, "idempotency_keys");
        if (!cJSON_GetArraySize(keys))
                puts("(none)");
        else
                printf("%-56s %-19s %s\n", "KEY", "HANDLED (UTC)", "LEFT");
        cJSON_ArrayForEach(it, keys)
                printf("%-56s %-19s %s\n", jstr(it, "key"), utc(t, jnum(it, "handled_at")),
                       span(a, jnum(it, "left_seconds")));

        puts("\nRUNNING");
        const cJSON *running = cJSON_GetObjectItemCaseSensitive(doc, "running");
        if (!cJSON_GetArraySize(running))
                puts("(none)");
        else
                printf("%-8s %-19s %-22s %-28s %s\n", "PID", "STARTED (UTC)", "PLAYBOOK", "ALERT", "");
        cJSON_ArrayForEach(it, running)
                printf("%-8lld %-19s %-22s %-28s %s\n", (long long) jnum(it, "pid"), utc(t, jnum(it, "started")),
                       jstr(it, "playbook"), jstr(it, "alert"),
                       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "stale")) ? "STALE (process gone)" : "");

        printf("\nLAST DECISIONS (%d at most, last 24 h)\n", STATUS_LAST_DECISIONS);
        const cJSON *lines = cJSON_GetObjectItemCaseSensitive(doc, "last_decisions");
        if (!cJSON_GetArraySize(lines))
                puts("(none)");
        else
                printf("%-19s %-8s %-26s %-20s %-13s %s\n", "TIME (UTC)", "SOURCE", "ALERT", "PLAYBOOK",
                       "ACTION", "DETAIL");
        cJSON_ArrayForEach(it, lines) {
                const char *result = jstr(it, "result"), *gate = jstr(it, "gate"), *reason = jstr(it, "reason");
                char detail[320];
                if (result)
                        snprintf(detail, sizeof(detail), "%s in %.3f s", result,
                                 cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(it, "duration_seconds")));
                else
                        snprintf(detail, sizeof(detail), "%s%s%s", gate ? gate : "", gate ? ": " : "",
                                 reason ? reason : "");
                printf("%-19s %-8s %-26s %-20s %-13s %s\n", utc(t, jnum(it, "timestamp")),
                       jstr(it, "source") ?: "-", jstr(it, "alert") ?: "-", jstr(it, "playbook") ?: "-",
                       jstr(it, "action") ?: "-", detail);
        }
}

static int cmd_status(struct ctl *c) {
        struct state st = {};
        struct last_lines last = {};
        int64_t now = now_realtime_ms() / 1000;
        const char *origin;
        int r, ret = EXIT_ERROR;

        if (need_config(c) < 0 || read_state(c, now, &st, &origin) < 0)
                return EXIT_ERROR;
        gates_prune(&c->rt.cfg, &st, now);
        r = history_read(c->rt.decision_log, now - STATUS_LOG_WINDOW_SEC, STATUS_LOG_MAX_BYTES,
                         keep_last, &last, NULL);
        if (r < 0 && r != -ENOENT)
                fail("decision log %s unreadable: %s", c->rt.decision_log, strerror(-r));
        cJSON *doc = status_json(c, &st, origin, now, &last);
        if (doc && (c->json ? print_json(doc) == 0 : (status_print(doc, &c->rt.cfg), true)))
                ret = EXIT_OK;
        cJSON_Delete(doc);
        for (size_t i = 0; i < STATUS_LAST_DECISIONS; i++)
                cJSON_Delete(last.line[i]);
        state_free(&st);
        return ret;
}

/* ---- explain ---- */

static int exit_for(const struct decision *d) {
        switch (d->action) {
        case ACTION_EXECUTED: return EXIT_OK;
        case ACTION_BLOCKED:  return EXIT_BLOCKED;
        case ACTION_ESCALATE: return EXIT_ESCALATED;
        case ACTION_SKIPPED:  return EXIT_SKIPPED;
        }
        return EXIT_ERROR;
}

/* alertname=NAME [LABEL=VALUE ...] (split in place) as one firing alert. */
static int alert_from_args(struct ctl *c, struct alert *a) {
        *a = (struct alert) { .firing = true, .alertname = NULL, .fingerprint = "", .starts_at = "",
                              .ends_at = "", .generator_url = "" };
        for (int i = 0; i < c->n_args; i++) {
                char *eq = strchr(c->args[i], '=');
                if (!eq || eq == c->args[i]) {
                        fail("'%s' is not LABEL=VALUE", c->args[i]);
                        return -EINVAL;
                }
                *eq = '\0';
                if (alert_label(a, c->args[i])) {
                        fail("label %s given twice", c->args[i]);
                        return -EINVAL;
                }
                a->labels[a->n_labels++] = (struct kv) { c->args[i], eq + 1 };
                if (strcmp(c->args[i], "alertname") == 0)
                        a->alertname = eq + 1;
        }
        if (!a->alertname) {
                fail("explain needs alertname=NAME (or an Alertmanager payload on standard input)");
                return -EINVAL;
        }
        return 0;
}

static int read_payload(struct ctl *c, char **ret, size_t *ret_len) {
        size_t max = c->rt.cfg.max_body_bytes, len = 0;
        char *buf = malloc(max + 2);
        ssize_t n;

        if (!buf)
                return -ENOMEM;
        while (len <= max && (n = read(STDIN_FILENO, buf + len, max + 1 - len)) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = -errno;
                        free(buf);
                        return r;
                }
                len += (size_t) n;
        }
        if (len > max) {
                free(buf);
                return -EFBIG;
        }
        buf[len] = '\0';
        *ret = buf, *ret_len = len;
        return 0;
}

/* What a passing gate found that the next ones use: worth showing. */
static void pass_detail(enum gate g, const struct decision *d, const struct config *cfg, char *buf, size_t size) {
        char params[EXEC_MAX_ARGS * 64];
        buf[0] = '\0';
        if (g == GATE_NO_ROUTE && d->route)
                snprintf(buf, size, "route: %s, confidence %d%%", d->route->playbook ?: "none",
                         d->route->confidence);
        else if (g == GATE_PARAMETER_INVALID && d->argv.n > cfg->n_executor &&
                 params_join(&d->argv, cfg->n_executor, params, sizeof(params)) > 0)
                snprintf(buf, size, "parameters: %s", params);
        else if (g == GATE_IDEMPOTENCY && d->key[0])
                snprintf(buf, size, "key %s", d->key);
        else if (g == GATE_CIRCUIT_OPEN && d->trial)
                snprintf(buf, size, "half-open: this execution would be the trial");
}

static cJSON *explain_one(struct ctl *c, struct state *st, const struct alert *a, int64_t at, int *ret_exit) {
        struct gate_verdict v[_GATE_MAX];
        struct decision d, reserved;
        char detail[EXEC_MAX_ARGS * 64 + 600], params[EXEC_MAX_ARGS * 64];
        cJSON *o = cJSON_CreateObject(), *labels, *gates, *dec;

        size_t n = gates_explain(&c->rt.cfg, st, a, at, v, ELEMENTSOF(v), &d);
        *ret_exit = exit_for(&d);
        cJSON_AddStringToObject(o, "alert", a->alertname);
        labels = cJSON_AddObjectToObject(o, "labels");
        for (size_t i = 0; i < a->n_labels; i++)
                cJSON_AddStringToObject(labels, a->labels[i].name, a->labels[i].value);
        gates = cJSON_AddArrayToObject(o, "gates");
        for (size_t i = 0; i < n; i++) {
                cJSON *gv = cJSON_CreateObject();
                cJSON_AddStringToObject(gv, "gate", gate_name(v[i].gate));
                cJSON_AddStringToObject(gv, "verdict", v[i].error ? "error" : v[i].stopped ? "stop" : "pass");
                if (v[i].error)
                        snprintf(detail, sizeof(detail), "%s", strerror(-v[i].error));
                else if (v[i].stopped)
                        snprintf(detail, sizeof(detail), "%s", v[i].reason);
                else
                        pass_detail(v[i].gate, &d, &c->rt.cfg, detail, sizeof(detail));
                cJSON_AddStringToObject(gv, "detail", detail);
                cJSON_AddItemToArray(gates, gv);
        }
        dec = cJSON_AddObjectToObject(o, "decision");
        cJSON_AddStringToObject(dec, "action", action_name(d.action));
        cJSON_AddItemToObject(dec, "gate", d.gate ? cJSON_CreateString(gate_name(d.gate)) : cJSON_CreateNull());
        cJSON_AddStringToObject(dec, "reason", d.reason);
        cJSON_AddItemToObject(dec, "playbook", d.route && d.route->playbook ?
                              cJSON_CreateString(d.route->playbook) : cJSON_CreateNull());
        int np = params_join(&d.argv, c->rt.cfg.n_executor, params, sizeof(params));
        cJSON_AddItemToObject(dec, "parameters", np > 0 ? cJSON_CreateString(params) : cJSON_CreateNull());
        cJSON_AddBoolToObject(dec, "trial", d.action == ACTION_EXECUTED && d.trial);
        cJSON_AddNumberToObject(dec, "exit_code", *ret_exit);
        decision_free(&d);

        /* The next alert of a payload sees this one's reservation, as in the handler's batch; in
         * this private copy only, which is never saved. */
        if (gates_decide(&c->rt.cfg, st, a, at, &reserved) < 0) {
                cJSON_Delete(o);
                o = NULL;
        }
        decision_free(&reserved);
        return o;
}

static void explain_print(const cJSON *doc) {
        const cJSON *al, *it;
        char t[32];

        printf("Decisions at %s UTC%s\n", utc(t, jnum(doc, "at")), state_note(jstr(doc, "state")));
        cJSON_ArrayForEach(al, cJSON_GetObjectItemCaseSensitive(doc, "alerts")) {
                const cJSON *dec = cJSON_GetObjectItemCaseSensitive(al, "decision");
                bool first = true;
                printf("\n%s {", jstr(al, "alert"));
                cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(al, "labels")) {
                        if (strcmp(it->string, "alertname") == 0)
                                continue;
                        printf("%s%s=\"%s\"", first ? "" : ", ", it->string, it->valuestring);
                        first = false;
                }
                printf("}\n  %-18s %-7s %s\n", "GATE", "VERDICT", "DETAIL");
                cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(al, "gates")) {
                        const char *verdict = jstr(it, "verdict");
                        printf("  %-18s %-7s %s\n", jstr(it, "gate"), strcmp(verdict, "pass") == 0 ? "pass" :
                               strcmp(verdict, "stop") == 0 ? "STOP" : "ERROR", jstr(it, "detail"));
                }
                const char *gate = jstr(dec, "gate"), *params = jstr(dec, "parameters");
                if (strcmp(jstr(dec, "action"), "executed") == 0)
                        printf("  => would execute %s%s%s%s\n", jstr(dec, "playbook"), params ? " " : "",
                               params ? params : "",
                               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(dec, "trial")) ?
                               " (half-open breaker: trial execution)" : "");
                else
                        printf("  => %s%s%s: %s\n", jstr(dec, "action"), gate ? " by " : "", gate ? gate : "",
                               jstr(dec, "reason"));
        }
}

static int cmd_explain(struct ctl *c) {
        struct payload p = {};
        struct alert one;
        const struct alert *alerts = &one;
        size_t n_alerts = 1;
        _cleanup_free_ char *body = NULL;
        struct state st = {};
        const char *origin;
        int64_t at = now_realtime_ms() / 1000;
        int r, ret = EXIT_ERROR, exit_code = EXIT_OK;

        if (need_config(c) < 0)
                return EXIT_ERROR;
        if (c->at && parse_time(c->at, &at) < 0) {
                fail("--at '%s': expected epoch seconds or \"YYYY-MM-DD HH:MM:SS\" (UTC)", c->at);
                return EXIT_USAGE;
        }
        if (c->n_args > 0) {
                if (alert_from_args(c, &one) < 0)
                        return EXIT_USAGE;
        } else {
                char why[256];
                size_t len = 0;
                if (isatty(STDIN_FILENO)) {
                        fail("explain needs alertname=NAME [LABEL=VALUE ...] or a payload on standard input");
                        return EXIT_USAGE;
                }
                if ((r = read_payload(c, &body, &len)) < 0) {
                        fail("payload on standard input: %s", r == -EFBIG ? "larger than max_body_bytes" : strerror(-r));
                        return EXIT_USAGE;
                }
                if (payload_parse(body, len, &p, why, sizeof(why)) != 0) {
                        fail("payload on standard input: %s", why);
                        return EXIT_USAGE;
                }
                alerts = p.alerts, n_alerts = p.n_alerts;
        }
        if (read_state(c, at, &st, &origin) < 0)
                goto out;
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddNumberToObject(doc, "at", (double) at);
        cJSON_AddStringToObject(doc, "state", origin);
        cJSON *arr = cJSON_AddArrayToObject(doc, "alerts");
        for (size_t i = 0; arr && i < n_alerts; i++) {
                int code;
                cJSON *o = explain_one(c, &st, &alerts[i], at, &code);
                if (!o) {
                        fail("out of memory");
                        arr = NULL;
                        break;
                }
                cJSON_AddItemToArray(arr, o);
                if (exit_code == EXIT_OK)
                        exit_code = code;
        }
        if (arr && (c->json ? print_json(doc) == 0 : (explain_print(doc), true)))
                ret = exit_code;
        cJSON_Delete(doc);
out:
        state_free(&st);
        payload_free(&p);
        return ret;
}

/* ---- run ---- */

static const struct route *route_for_run(struct ctl *c, const char *playbook) {
        const struct config *cfg = &c->rt.cfg;
        const struct route *r;

        if (c->alert) {
                r = config_find_route(cfg, c->alert);
                if (!r)
                        fail("no route for alert %s", c->alert);
                else if (!r->playbook || strcmp(r->playbook, playbook) != 0)
                        fail("alert %s runs %s, not %s", c->alert, r->playbook ?: "no playbook (alert only)", playbook);
                return r && r->playbook && strcmp(r->playbook, playbook) == 0 ? r : NULL;
        }
        for (size_t i = 0; i < cfg->n_routes; i++)
                if (cfg->routes[i].playbook && strcmp(cfg->routes[i].playbook, playbook) == 0)
                        return &cfg->routes[i];
        fail("no route runs playbook %s: it would go through no gate (see the routes in %s)", playbook,
             c->rt.config_path);
        return NULL;
}

static void put_output(cJSON *o, const char *name, const char *s, size_t len) {
        char clean[EXEC_CAPTURE_BYTES * 3 + 1];
        utf8_sanitize(clean, sizeof(clean), s, len, EXEC_CAPTURE_BYTES);
        cJSON_AddStringToObject(o, name, clean);
}

static int cmd_run(struct ctl *c) {
        const char *playbook = c->args[0];
        char host[HOST_NAME_MAX + 1] = "localhost";
        struct alert a = { .firing = true, .fingerprint = "", .starts_at = "", .ends_at = "", .generator_url = "" };
        struct batch b;
        const struct route *route;
        int r;

        if (need_config(c) < 0)
                return EXIT_ERROR;
        c->rt.source = c->source ?: "operator";
        if (strcmp(c->rt.source, "timer") != 0 && strcmp(c->rt.source, "operator") != 0) {
                fail("--source must be timer or operator");
                return EXIT_USAGE;
        }
        if (!(route = route_for_run(c, playbook)))
                return EXIT_USAGE;
        a.alertname = route->alertname;
        a.labels[a.n_labels++] = (struct kv) { "alertname", a.alertname };
        for (size_t i = 0; i < c->n_labels; i++) {
                char *eq = strchr(c->labels[i], '=');
                if (!eq || eq == c->labels[i] || a.n_labels >= PAYLOAD_MAX_LABELS) {
                        fail("--label '%s' is not KEY=VALUE", c->labels[i]);
                        return EXIT_USAGE;
                }
                *eq = '\0';
                if (alert_label(&a, c->labels[i])) {
                        fail("label %s given twice (the alert name comes from --alert)", c->labels[i]);
                        return EXIT_USAGE;
                }
                a.labels[a.n_labels++] = (struct kv) { c->labels[i], eq + 1 };
        }
        if (!alert_label(&a, "instance") && a.n_labels < PAYLOAD_MAX_LABELS) {
                if (gethostname(host, sizeof(host)) < 0)
                        snprintf(host, sizeof(host), "localhost");
                host[sizeof(host) - 1] = '\0';
                a.labels[a.n_labels++] = (struct kv) { "instance", host };
        }

        if (batch_init(&b, &a, 1) < 0) {
                fail("out of memory");
                return EXIT_ERROR;
        }
        rt_open_log(&c->rt);
        if ((r = rt_decide(&c->rt, &b, 0)) < 0) {
                fail("state unavailable (%s): nothing executed", strerror(-r));
                batch_free(&b);
                return EXIT_ERROR;
        }
        rt_record_decisions(&c->rt, &b);
        rt_execute(&c->rt, &b, -1, NULL, NULL);

        const struct decision *d = &b.decisions[0];
        const struct exec_job *job = b.n_jobs ? &b.jobs[0] : NULL;
        int ret = job ? (job->result == EXEC_SUCCESS ? EXIT_OK : EXIT_FAILED) : exit_for(d);
        double secs = job ? (double) (job->ended_ms - job->started_ms) / 1000.0 : 0;
        if (c->json) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "alert", a.alertname);
                cJSON_AddStringToObject(o, "playbook", playbook);
                cJSON_AddStringToObject(o, "source", c->rt.source);
                cJSON_AddStringToObject(o, "action", action_name(d->action));
                cJSON_AddItemToObject(o, "gate", d->gate ? cJSON_CreateString(gate_name(d->gate)) : cJSON_CreateNull());
                cJSON_AddStringToObject(o, "reason", d->reason);
                cJSON_AddItemToObject(o, "result", job ? cJSON_CreateString(job_result(job)) : cJSON_CreateNull());
                add_int_or_null(o, "exit_code", job != NULL, job ? job->exit_code : 0);
                cJSON_AddItemToObject(o, "duration_seconds", job ? cJSON_CreateNumber(secs) : cJSON_CreateNull());
                if (job) {
                        put_output(o, "stdout", job->out, job->out_len);
                        put_output(o, "stderr", job->err, job->err_len);
                }
                cJSON_AddNumberToObject(o, "exit", ret);
                if (print_json(o) < 0)
                        ret = EXIT_ERROR;
                cJSON_Delete(o);
        } else if (job) {
                printf("%s for %s (source %s): %s, exit %d, %.3f s\n", playbook, a.alertname, c->rt.source,
                       job_result(job), job->exit_code, secs);
                fwrite(job->out, 1, job->out_len, stdout);
                fwrite(job->err, 1, job->err_len, stderr);
        } else
                printf("%s for %s (source %s): %s%s%s: %s\n", playbook, a.alertname, c->rt.source,
                       action_name(d->action), d->gate ? " by " : "", d->gate ? gate_name(d->gate) : "", d->reason);
        batch_free(&b);
        return ret;
}

/* ---- operator overrides ---- */

struct override {
        const char *what;               /* the playbook, or the key */
        int64_t now;
        enum breaker_state was;
        int failures;
        int64_t handled_at;
};

static int reset_breaker_step(struct runtime *rt, struct state *st, void *data) {
        struct override *o = data;
        struct breaker *b = state_breaker(st, o->what, 0);

        if (!b || (b->failures == 0 && b->opened_at == 0 && b->trial_until == 0))
                return -EALREADY;
        o->was = gates_breaker_state(&rt->cfg, b, o->now);
        o->failures = b->failures;
        b->failures = 0, b->opened_at = 0, b->trial_until = 0;
        return 0;
}

static int forget_step(struct runtime *rt, struct state *st, void *data) {
        struct override *o = data;

        gates_prune(&rt->cfg, st, o->now);      /* an expired key is already forgotten */
        struct idem_key *k = state_key(st, o->what);
        if (!k)
                return -EALREADY;
        o->handled_at = k->t;
        return state_forget_key(st, o->what);
}

static void record_override(struct ctl *c, const char *alertname, const char *playbook,
                            const char *action, const char *gate, const char *reason) {
        rt_open_log(&c->rt);
        rt_record(&c->rt, &(struct audit_record) {
                .timestamp_ms = now_realtime_ms(), .source = "operator", .alertname = alertname,
                .playbook = playbook, .action = action, .gate = gate, .reason = reason });
}

static int cmd_reset_breaker(struct ctl *c) {
        struct override o = { .what = c->args[0], .now = now_realtime_ms() / 1000 };
        char who[160], reason[256];

        if (need_config(c) < 0)
                return EXIT_ERROR;
        int r = rt_with_state(&c->rt, reset_breaker_step, &o);
        if (r == -EALREADY) {
                fail("%s: circuit breaker closed with no failures: nothing to reset", o.what);
                return EXIT_USAGE;
        }
        if (r < 0)
                return EXIT_ERROR;
        operator_name(who, sizeof(who));
        snprintf(reason, sizeof(reason), "Circuit breaker of %s closed by %s (was %s, %d consecutive failures)",
                 o.what, who, breaker_state_name(o.was), o.failures);
        record_override(c, NULL, o.what, "reset_breaker", "circuit_open", reason);
        printf("%s\n", reason);
        return EXIT_OK;
}

/* The alertname in a key, when key_fields has it. */
static char *key_alertname(const struct config *cfg, const char *key) {
        cJSON *arr = cJSON_Parse(key);
        char *name = NULL;

        for (size_t i = 0; arr && i < cfg->n_key_fields; i++)
                if (strcmp(cfg->key_fields[i], "alertname") == 0) {
                        const char *s = cJSON_GetStringValue(cJSON_GetArrayItem(arr, (int) i));
                        name = s ? strdup(s) : NULL;
                        break;
                }
        cJSON_Delete(arr);
        return name;
}

static int cmd_forget(struct ctl *c) {
        struct override o = { .what = c->args[0], .now = now_realtime_ms() / 1000 };
        char who[160], reason[AUDIT_TEXT_CHARS * 2], t[32];

        if (need_config(c) < 0)
                return EXIT_ERROR;
        int r = rt_with_state(&c->rt, forget_step, &o);
        if (r == -EALREADY) {
                fail("no live idempotency key %s (see `remediationctl status`): nothing to forget", o.what);
                return EXIT_USAGE;
        }
        if (r < 0)
                return EXIT_ERROR;
        operator_name(who, sizeof(who));
        snprintf(reason, sizeof(reason), "Idempotency key %s (handled %s UTC) forgotten by %s", o.what,
                 utc(t, o.handled_at), who);
        _cleanup_free_ char *alertname = key_alertname(&c->rt.cfg, o.what);
        record_override(c, alertname, NULL, "forget", "idempotency", reason);
        printf("%s\n", reason);
        return EXIT_OK;
}

/* ---- report ---- */

static int cmd_report(struct ctl *c) {
        int64_t window = 24 * 3600, now = now_realtime_ms() / 1000;
        size_t skipped = 0;
        int ret = EXIT_ERROR;

        if (c->since && parse_window(c->since, &window) < 0) {
                fail("--since '%s': expected N followed by m, h or d (at most 366d), e.g. 24h or 7d", c->since);
                return EXIT_USAGE;
        }
        if (c->rt.cfg_error)
                fail("warning: no usable config: every manual MTTR is the seed's default");
        struct report *rep = report_new(c->rt.cfg_error ? NULL : &c->rt.cfg, now - window, now);
        if (!rep) {
                fail("out of memory");
                return EXIT_ERROR;
        }
        /* history_read steps back from the end only until the window's start: a multi-GB log costs
         * what the window holds, and never more than REPORT_MAX_BYTES. */
        int r = history_read(c->rt.decision_log, now - window, REPORT_MAX_BYTES, report_add, rep, &skipped);
        if (r < 0 && r != -ENOENT) {
                fail("decision log %s unreadable: %s", c->rt.decision_log, strerror(-r));
                goto out;
        }
        cJSON *doc = report_json(rep, skipped);
        if (doc && (c->json ? print_json(doc) == 0 : (report_print(stdout, doc), true)))
                ret = EXIT_OK;
        cJSON_Delete(doc);
out:
        report_free(rep);
        return ret;
}

/* ---- start ---- */

static const struct command {
        const char *name;
        int (*fn)(struct ctl *c);
        unsigned opts;
        int min_args, max_args;
} commands[] = {
        { "status",        cmd_status,        OPT_JSON,                                   0, 0 },
        { "explain",       cmd_explain,       OPT_JSON | OPT_AT,                          0, PAYLOAD_MAX_LABELS },
        { "run",           cmd_run,           OPT_JSON | OPT_ALERT | OPT_LABEL | OPT_SOURCE, 1, 1 },
        { "reset-breaker", cmd_reset_breaker, 0,                                          1, 1 },
        { "forget",        cmd_forget,        0,                                          1, 1 },
        { "report",        cmd_report,        OPT_JSON | OPT_SINCE,                       0, 0 },
};

static void usage(FILE *f) {
        fputs("usage: remediationctl [--config FILE] [--state-dir DIR] [--decision-log FILE] COMMAND ...\n"
              "\n"
              "  status [--json]             breakers, cooldowns, hourly limits, idempotency keys,\n"
              "                              running executions, the last decisions\n"
              "  explain [--at TIME] [--json] alertname=NAME [LABEL=VALUE ...]\n"
              "  explain [--at TIME] [--json] < payload.json\n"
              "                              every gate's verdict and the decision the handler would\n"
              "                              make at TIME (epoch seconds or \"YYYY-MM-DD HH:MM:SS\" UTC;\n"
              "                              default now) on the current state; changes nothing\n"
              "  run PLAYBOOK [--alert NAME] [--label K=V ...] [--source timer|operator] [--json]\n"
              "                              asks the gates as alert NAME (default: the first route\n"
              "                              running PLAYBOOK; instance defaults to the hostname;\n"
              "                              --param is --label) and executes as the handler would\n"
              "  reset-breaker PLAYBOOK      closes the playbook's circuit breaker (logged)\n"
              "  forget KEY                  drops an idempotency key as `status` prints it (logged)\n"
              "  report [--since 24h|7d|Nh|Nd|Nm] [--json]\n"
              "                              executions, success rate, p50/p95 duration, blocked and\n"
              "                              escalated by gate and alert, busiest hours (UTC), manual\n"
              "                              minutes saved (route manual_mttr_minutes, else the seed's:\n"
              "                              disk-cleanup 45, service/self-healing restart 10)\n"
              "\n"
              "Defaults: --config " DEFAULT_CONFIG "\n"
              "          --state-dir " DEFAULT_STATE_DIR "\n"
              "          --decision-log " DEFAULT_DECISION_LOG "\n"
              "\n"
              "Exit status:\n"
              "  0  done; run: executed and succeeded; explain: every alert would execute\n"
              "  1  error: invalid config, state or decision log unusable (run: nothing executed)\n"
              "  2  usage, or nothing to act on (no route runs PLAYBOOK, no breaker to reset, no such key)\n"
              "  3  run: executed and failed, timed out or was aborted\n"
              "  4  run, explain: blocked by a gate\n"
              "  5  run, explain: escalated (confidence or confirmation)\n"
              "  6  run, explain: skipped (resolved, no route, alert-only route)\n"
              "  explain exits as run would for the first alert that would not execute.\n", f);
}

static int parse_options(int argc, char **argv, struct ctl *c, const struct command **ret) {
        static const struct option longopts[] = {
                { "config", required_argument, NULL, 'c' },
                { "state-dir", required_argument, NULL, 's' },
                { "decision-log", required_argument, NULL, 'l' },
                { "json", no_argument, NULL, 'j' },
                { "at", required_argument, NULL, 'a' },
                { "alert", required_argument, NULL, 'A' },
                { "label", required_argument, NULL, 'L' },
                { "param", required_argument, NULL, 'L' },
                { "source", required_argument, NULL, 'S' },
                { "since", required_argument, NULL, 'W' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int opt;

        /* Positionals in order, argv untouched (getopt's messages name argv[0]). */
        if (!(c->args = calloc((size_t) argc + 1, sizeof(char *))))
                return -ENOMEM;
        c->rt.config_path = DEFAULT_CONFIG;
        c->rt.state_dir = DEFAULT_STATE_DIR;
        c->rt.decision_log = DEFAULT_DECISION_LOG;
        while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1 || optind < argc) {
                if (opt == -1) {        /* a positional: collect it, go on after it */
                        c->args[c->n_args++] = argv[optind++];
                        continue;
                }
                switch (opt) {
                case 'c': c->rt.config_path = optarg; break;
                case 's': c->rt.state_dir = optarg; break;
                case 'l': c->rt.decision_log = optarg; break;
                case 'j': c->json = true, c->given |= OPT_JSON; break;
                case 'a': c->at = optarg, c->given |= OPT_AT; break;
                case 'A': c->alert = optarg, c->given |= OPT_ALERT; break;
                case 'S': c->source = optarg, c->given |= OPT_SOURCE; break;
                case 'W': c->since = optarg, c->given |= OPT_SINCE; break;
                case 'L':
                        if (c->n_labels >= PAYLOAD_MAX_LABELS - 2) {
                                fail("too many labels");
                                return -EINVAL;
                        }
                        c->labels[c->n_labels++] = optarg, c->given |= OPT_LABEL;
                        break;
                case 'h': usage(stdout); exit(EXIT_OK);
                default: usage(stderr); return -EINVAL;
                }
        }
        /* The positionals: the command, then its arguments. */
        if (c->n_args == 0) {
                usage(stderr);
                return -EINVAL;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (strcmp(c->args[0], commands[i].name) == 0)
                        *ret = &commands[i];
        if (!*ret) {
                fail("unknown command '%s'", c->args[0]);
                usage(stderr);
                return -EINVAL;
        }
        if (c->given & ~(*ret)->opts) {
                fail("an option given is not one of %s's (see --help)", (*ret)->name);
                return -EINVAL;
        }
        c->n_args--;
        if (c->n_args < (*ret)->min_args || c->n_args > (*ret)->max_args) {
                fail("%s: wrong number of arguments (see --help)", (*ret)->name);
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char **argv) {
        struct ctl c = {};
        const struct command *cmd = NULL;
        int ret = EXIT_USAGE;

        if (parse_options(argc, argv, &c, &cmd) == 0) {
                char **all = c.args;
                c.args++;               /* past the command */
                signal(SIGPIPE, SIG_IGN);
                rt_init(&c.rt, "operator");
                ret = cmd->fn(&c);
                rt_done(&c.rt);
                c.args = all;
        }
        free(c.args);
        return ret;
}
