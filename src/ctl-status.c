/* remediationctl status: per playbook the breaker and the cooldown, the hourly limits, the live
 * idempotency keys, what runs now, the last decisions. Reads only. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "exec.h"
#include "history.h"
#include "util.h"

#define STATUS_LAST_DECISIONS   10
#define STATUS_LOG_WINDOW_SEC   (24 * 3600)
#define STATUS_LOG_MAX_BYTES    (1024 * 1024)           /* >= 10 lines of AUDIT_LINE_MAX */

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

/* Executions in order of one of their names (BY_TIME: of none), then of time. A name's executions
 * are then one run found by binary search, and its last hour is the end of that run: status costs
 * n log n in the executions, not n per name (sorting times pairwise, 80,000 took 10 s). */
enum order { BY_TIME, BY_ALERT, BY_PLAYBOOK };

struct sorted {
        const struct execution **e;
        size_t n;
        enum order order;
};

static const char *order_name(const struct execution *e, enum order order) {
        return order == BY_ALERT ? e->alert : order == BY_PLAYBOOK ? e->playbook : "";
}

static int order_cmp(const void *a, const void *b, void *order) {
        const struct execution *x = *(const struct execution *const *) a;
        const struct execution *y = *(const struct execution *const *) b;
        int r = strcmp(order_name(x, *(enum order *) order), order_name(y, *(enum order *) order));

        return r != 0 ? r : (x->t > y->t) - (x->t < y->t);
}

static int sorted_init(struct sorted *s, const struct state *st, enum order order) {
        s->e = malloc((st->n_execs + 1) * sizeof(*s->e));
        if (!s->e)
                return -ENOMEM;
        for (size_t i = 0; i < st->n_execs; i++)
                s->e[i] = &st->execs[i];
        s->n = st->n_execs, s->order = order;
        qsort_r(s->e, s->n, sizeof(*s->e), order_cmp, &s->order);
        return 0;
}

/* The first index whose name is not below `name` (above it, with `past`). */
static size_t sorted_bound(const struct sorted *s, const char *name, bool past) {
        size_t lo = 0, hi = s->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int r = strcmp(order_name(s->e[mid], s->order), name);
                if (r < 0 || (past && r == 0))
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

struct run_figures {
        int recent;                     /* executions in the hourly window */
        int64_t last;                   /* start of the last one, INT64_MIN: none */
        int64_t frees_in;               /* seconds until fewer than max count in the window */
};

/* The figures of one name's executions (NULL: of all of them). */
static struct run_figures run_figures(const struct sorted *s, const char *name, int max, int64_t now) {
        size_t first = name ? sorted_bound(s, name, false) : 0, end = name ? sorted_bound(s, name, true) : s->n;
        size_t w = first;
        struct run_figures f = { .last = end > first ? s->e[end - 1]->t : INT64_MIN };

        while (w < end && s->e[w]->t < now - RATE_WINDOW_SEC)
                w++;
        f.recent = (int) (end - w);
        /* The (n - max + 1)-th oldest must leave; an execution counts up to RATE_WINDOW_SEC old. */
        if (max > 0 && end - w >= (size_t) max)
                f.frees_in = s->e[end - (size_t) max]->t + RATE_WINDOW_SEC + 1 - now;
        return f;
}

/* Whether a route with a playbook has this alertname (or this playbook). */
static bool routed(const struct config *cfg, const char *name, bool alert) {
        for (size_t i = 0; i < cfg->n_routes; i++)
                if (cfg->routes[i].playbook &&
                    strcmp(alert ? cfg->routes[i].alertname : cfg->routes[i].playbook, name) == 0)
                        return true;
        return false;
}

static void add_playbook_status(cJSON *arr, const struct config *cfg, const struct sorted *by_playbook,
                                struct breaker *b, const char *playbook, int64_t now) {
        enum breaker_state bs = breaker_state(cfg, b, now);
        struct run_figures f = run_figures(by_playbook, playbook, 0, now);
        int64_t last = f.last, cooldown = (int64_t) cfg->cooldown_minutes * 60;
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "playbook", playbook);
        cJSON_AddStringToObject(o, "breaker", breaker_state_name(bs));
        cJSON_AddNumberToObject(o, "failures", b ? b->failures : 0);
        ctl_add_int_or_null(o, "half_open_in_seconds", bs == BREAKER_OPEN,
                        b ? b->opened_at + (int64_t) cfg->reset_timeout_minutes * 60 - now : 0);
        ctl_add_int_or_null(o, "trial_running_seconds_left", bs == BREAKER_HALF_OPEN && b->trial_until > now,
                        b ? b->trial_until - now : 0);
        ctl_add_int_or_null(o, "last_execution", last != INT64_MIN, last);
        cJSON_AddNumberToObject(o, "cooldown_left_seconds",
                                last != INT64_MIN && now - last < cooldown ? (double) (cooldown - (now - last)) : 0);
        cJSON_AddNumberToObject(o, "executions_last_hour", f.recent);
        cJSON_AddItemToArray(arr, o);
}

static bool listed(const cJSON *arr, const char *field, const char *name) {
        const cJSON *it;
        cJSON_ArrayForEach(it, arr) {
                const char *s = ctl_jstr(it, field);
                if (s && strcmp(s, name) == 0)
                        return true;
        }
        return false;
}

static void add_alert_limit(cJSON *arr, const struct config *cfg, const struct sorted *by_alert,
                            const char *alert, int64_t now) {
        struct run_figures f = run_figures(by_alert, alert, cfg->max_executions_per_alert, now);
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "alert", alert);
        cJSON_AddNumberToObject(o, "executions", f.recent);
        cJSON_AddNumberToObject(o, "max", cfg->max_executions_per_alert);
        cJSON_AddNumberToObject(o, "frees_in_seconds", (double) f.frees_in);
        cJSON_AddItemToArray(arr, o);
}

static cJSON *status_json(struct ctl *c, struct state *st, const char *origin, int64_t now,
                          struct last_lines *last) {
        const struct config *cfg = &c->rt.cfg;
        struct sorted by_time = {}, by_alert = {}, by_playbook = {};
        cJSON *doc = NULL, *arr, *o;

        if (sorted_init(&by_time, st, BY_TIME) < 0 || sorted_init(&by_alert, st, BY_ALERT) < 0 ||
            sorted_init(&by_playbook, st, BY_PLAYBOOK) < 0 || !(doc = cJSON_CreateObject()))
                goto out;
        cJSON_AddNumberToObject(doc, "now", (double) now);
        cJSON_AddStringToObject(doc, "state", origin);

        arr = cJSON_AddArrayToObject(doc, "playbooks");
        for (size_t i = 0; i < cfg->n_routes; i++)
                if (cfg->routes[i].playbook && !listed(arr, "playbook", cfg->routes[i].playbook))
                        add_playbook_status(arr, cfg, &by_playbook, state_breaker(st, cfg->routes[i].playbook, 0),
                                            cfg->routes[i].playbook, now);
        for (size_t i = 0; i < st->n_breakers; i++)     /* breakers of playbooks no longer routed */
                if (!routed(cfg, st->breakers[i].playbook, false))
                        add_playbook_status(arr, cfg, &by_playbook, &st->breakers[i], st->breakers[i].playbook, now);

        o = cJSON_AddObjectToObject(doc, "rate_limits");
        cJSON_AddNumberToObject(o, "window_seconds", RATE_WINDOW_SEC);
        cJSON *g = cJSON_AddObjectToObject(o, "global");
        struct run_figures all = run_figures(&by_time, NULL, cfg->max_executions_per_hour, now);
        cJSON_AddNumberToObject(g, "executions", all.recent);
        cJSON_AddNumberToObject(g, "max", cfg->max_executions_per_hour);
        cJSON_AddNumberToObject(g, "frees_in_seconds", (double) all.frees_in);
        arr = cJSON_AddArrayToObject(o, "alerts");
        for (size_t i = 0; i < cfg->n_routes; i++)
                if (cfg->routes[i].playbook && !listed(arr, "alert", cfg->routes[i].alertname))
                        add_alert_limit(arr, cfg, &by_alert, cfg->routes[i].alertname, now);
        for (size_t i = 0; i < by_alert.n; i = sorted_bound(&by_alert, by_alert.e[i]->alert, true))
                if (!routed(cfg, by_alert.e[i]->alert, true))   /* alerts no longer routed, by name */
                        add_alert_limit(arr, cfg, &by_alert, by_alert.e[i]->alert, now);

        arr = cJSON_AddArrayToObject(doc, "shadow_routes");
        for (size_t i = 0; i < cfg->n_routes; i++)
                if (config_route_shadow(&cfg->routes[i])) {
                        o = cJSON_CreateObject();
                        cJSON_AddStringToObject(o, "alert", cfg->routes[i].alertname);
                        cJSON_AddStringToObject(o, "playbook", cfg->routes[i].playbook);
                        cJSON_AddItemToArray(arr, o);
                }

        arr = cJSON_AddArrayToObject(doc, "pending_approvals");        /* remediationctl pending has the argv */
        for (size_t i = 0; i < st->n_pending; i++) {
                const struct pending *p = &st->pending[i];
                if (p->closed != ACTION_NONE || now >= p->expires)
                        continue;
                o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "id", p->id);
                cJSON_AddStringToObject(o, "alert", p->alert);
                cJSON_AddStringToObject(o, "playbook", p->playbook);
                cJSON_AddNumberToObject(o, "expires_in_seconds", (double) (p->expires - now));
                cJSON_AddItemToArray(arr, o);
        }

        /* Judged `resolved` by the alert's resolved notification, or `ineffective` at judge_at (at
         * the first locked step after it: 0 or less means the next one). */
        arr = cJSON_AddArrayToObject(doc, "awaiting_verdicts");
        for (size_t i = 0; i < st->n_awaiting; i++) {
                const struct awaiting *w = &st->awaiting[i];
                o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "fingerprint", w->fingerprint);
                cJSON_AddStringToObject(o, "alert", w->alert);
                cJSON_AddStringToObject(o, "playbook", w->playbook);
                cJSON_AddNumberToObject(o, "started", (double) (w->started_ms / 1000));
                cJSON_AddNumberToObject(o, "judged_at", (double) w->judge_at);
                cJSON_AddNumberToObject(o, "judged_in_seconds", (double) (w->judge_at - now));
                /* remediationctl verify's asks after the window that got no usable answer */
                cJSON_AddNumberToObject(o, "alertmanager_attempts", w->attempts);
                cJSON_AddItemToArray(arr, o);
        }

        arr = cJSON_AddArrayToObject(doc, "pauses");
        for (size_t i = 0; i < st->n_pauses; i++) {
                const struct pause *p = &st->pauses[i];
                o = cJSON_CreateObject();
                cJSON_AddItemToObject(o, "playbook", *p->playbook ? cJSON_CreateString(p->playbook) : cJSON_CreateNull());
                cJSON_AddNumberToObject(o, "since", (double) p->since);
                ctl_add_int_or_null(o, "until", p->until != 0, p->until);
                ctl_add_int_or_null(o, "left_seconds", p->until != 0, p->until - now);
                cJSON_AddStringToObject(o, "operator", p->by);
                cJSON_AddStringToObject(o, "reason", p->reason);
                cJSON_AddItemToArray(arr, o);
        }

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
out:
        free(by_time.e);
        free(by_alert.e);
        free(by_playbook.e);
        return doc;
}

/* Every name and value in the tables comes from the state, the log or the config: escaped, so
 * none reaches the terminal as a control sequence. */
/* A table's title and its rows, doc's array `member`; "(none)" when it has none. */
static const cJSON *table(const cJSON *doc, const char *member, const char *title) {
        const cJSON *rows = cJSON_GetObjectItemCaseSensitive(doc, member);
        printf("\n%s\n", title);
        if (!cJSON_GetArraySize(rows))
                puts("(none)");
        return rows;
}

static void status_print(const cJSON *doc, const struct config *cfg) {
        const cJSON *it, *rl = cJSON_GetObjectItemCaseSensitive(doc, "rate_limits");
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(rl, "global");
        int64_t now = ctl_jnum(doc, "now");
        char a[32], b[32], t[32];
        char e1[TERM_TEXT_MAX], e2[TERM_TEXT_MAX], e3[TERM_TEXT_MAX], e4[TERM_TEXT_MAX], e5[TERM_TEXT_MAX];

        printf("remediation-webhook state at %s UTC%s\n\n", ctl_utc(t, now), ctl_state_note(ctl_jstr(doc, "state")));
        printf("%-22s %-9s %8s %-12s %-13s %s\n", "PLAYBOOK", "BREAKER", "FAILURES", "HALF-OPEN IN",
               "COOLDOWN LEFT", "RUNS (1H)");
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, "playbooks")) {
                const char *br = ctl_jstr(it, "breaker");
                if (ctl_jhas(it, "trial_running_seconds_left"))
                        snprintf(a, sizeof(a), "trial %s", ctl_span(b, ctl_jnum(it, "trial_running_seconds_left")));
                else
                        ctl_span(a, ctl_jnum(it, "half_open_in_seconds"));
                printf("%-22s %-9s %8lld %-12s %-13s %lld\n", term_escape(e1, sizeof(e1), ctl_jstr(it, "playbook")),
                       term_escape(e2, sizeof(e2), br),
                       (long long) ctl_jnum(it, "failures"), a, ctl_span(t, ctl_jnum(it, "cooldown_left_seconds")),
                       (long long) ctl_jnum(it, "executions_last_hour"));
        }

        printf("\n%-32s %4s %4s  %s\n", "RATE LIMIT (LAST 60 MIN)", "USED", "MAX", "FREES IN");
        printf("%-32s %4lld %4lld  %s\n", "global", (long long) ctl_jnum(g, "executions"),
               (long long) ctl_jnum(g, "max"), ctl_span(a, ctl_jnum(g, "frees_in_seconds")));
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rl, "alerts"))
                printf("%-32s %4lld %4lld  %s\n", term_escape(e1, sizeof(e1), ctl_jstr(it, "alert")),
                       (long long) ctl_jnum(it, "executions"),
                       (long long) ctl_jnum(it, "max"), ctl_span(a, ctl_jnum(it, "frees_in_seconds")));

        const cJSON *shadows = cJSON_GetObjectItemCaseSensitive(doc, "shadow_routes");
        if (cJSON_GetArraySize(shadows)) {
                puts("\nSHADOW ROUTES (every gate decides, nothing executes: see `report`)");
                cJSON_ArrayForEach(it, shadows)
                        printf("%-32s %s\n", term_escape(e1, sizeof(e1), ctl_jstr(it, "alert")),
                               term_escape(e2, sizeof(e2), ctl_jstr(it, "playbook")));
        }

        const cJSON *pending = table(doc, "pending_approvals", "PENDING APPROVALS (remediationctl pending, approve ID, deny ID)");
        if (cJSON_GetArraySize(pending))
                printf("%-20s %-32s %-22s %s\n", "ID", "ALERT", "PLAYBOOK", "EXPIRES IN");
        cJSON_ArrayForEach(it, pending)
                printf("%-20s %-32s %-22s %s\n", term_escape(e1, sizeof(e1), ctl_jstr(it, "id")),
                       term_escape(e2, sizeof(e2), ctl_jstr(it, "alert")),
                       term_escape(e3, sizeof(e3), ctl_jstr(it, "playbook")),
                       ctl_span(a, ctl_jnum(it, "expires_in_seconds")));

        const cJSON *awaiting = table(doc, "awaiting_verdicts",
                                      "AWAITING A VERDICT (resolved when the alert resolves, else ineffective when judged)");
        if (cJSON_GetArraySize(awaiting))
                printf("%-32s %-22s %-19s %s\n", "ALERT", "PLAYBOOK", "STARTED (UTC)", "JUDGED IN");
        cJSON_ArrayForEach(it, awaiting)
                printf("%-32s %-22s %-19s %s\n", term_escape(e1, sizeof(e1), ctl_jstr(it, "alert")),
                       term_escape(e2, sizeof(e2), ctl_jstr(it, "playbook")), ctl_utc(t, ctl_jnum(it, "started")),
                       ctl_jnum(it, "judged_in_seconds") > 0 ? ctl_span(a, ctl_jnum(it, "judged_in_seconds"))
                                                              : "next step");

        puts("\nPAUSES");
        const cJSON *pauses = cJSON_GetObjectItemCaseSensitive(doc, "pauses");
        if (!cJSON_GetArraySize(pauses))
                puts("(none)");
        else
                printf("%-22s %-19s %-8s %s\n", "PLAYBOOK", "SINCE (UTC)", "LEFT", "REASON");
        cJSON_ArrayForEach(it, pauses)
                printf("%-22s %-19s %-8s %s\n", ctl_jstr(it, "playbook") ?
                       term_escape(e1, sizeof(e1), ctl_jstr(it, "playbook")) : "(all)",
                       ctl_utc(t, ctl_jnum(it, "since")),
                       ctl_jhas(it, "left_seconds") ? ctl_span(a, ctl_jnum(it, "left_seconds")) : "-",
                       term_escape(e2, sizeof(e2), ctl_jstr(it, "reason")));

        printf("\nIDEMPOTENCY KEYS (window %d min)\n", cfg->idempotency_window_minutes);
        const cJSON *keys = cJSON_GetObjectItemCaseSensitive(doc, "idempotency_keys");
        if (!cJSON_GetArraySize(keys))
                puts("(none)");
        else
                printf("%-56s %-19s %s\n", "KEY", "HANDLED (UTC)", "LEFT");
        cJSON_ArrayForEach(it, keys)
                printf("%-56s %-19s %s\n", term_escape(e1, sizeof(e1), ctl_jstr(it, "key")),
                       ctl_utc(t, ctl_jnum(it, "handled_at")),
                       ctl_span(a, ctl_jnum(it, "left_seconds")));

        puts("\nRUNNING");
        const cJSON *running = cJSON_GetObjectItemCaseSensitive(doc, "running");
        if (!cJSON_GetArraySize(running))
                puts("(none)");
        else
                printf("%-8s %-19s %-22s %-28s %s\n", "PID", "STARTED (UTC)", "PLAYBOOK", "ALERT", "");
        cJSON_ArrayForEach(it, running)
                printf("%-8lld %-19s %-22s %-28s %s\n", (long long) ctl_jnum(it, "pid"), ctl_utc(t, ctl_jnum(it, "started")),
                       term_escape(e1, sizeof(e1), ctl_jstr(it, "playbook")),
                       term_escape(e2, sizeof(e2), ctl_jstr(it, "alert")),
                       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "stale")) ? "STALE (process gone)" : "");

        const cJSON *units = cJSON_GetObjectItemCaseSensitive(doc, "units");
        if (units) {
                puts("\nPLAYBOOK UNITS");
                if (!cJSON_GetArraySize(units))
                        puts("(none)");
                cJSON_ArrayForEach(it, units)
                        printf("%-64s %-10s %s\n", term_escape(e1, sizeof(e1), ctl_jstr(it, "unit")),
                               term_escape(e2, sizeof(e2), ctl_jstr(it, "active")),
                               term_escape(e3, sizeof(e3), ctl_jstr(it, "sub")));
        }

        printf("\nLAST DECISIONS (%d at most, last 24 h)\n", STATUS_LAST_DECISIONS);
        const cJSON *lines = cJSON_GetObjectItemCaseSensitive(doc, "last_decisions");
        if (!cJSON_GetArraySize(lines))
                puts("(none)");
        else
                printf("%-19s %-8s %-26s %-20s %-13s %s\n", "TIME (UTC)", "SOURCE", "ALERT", "PLAYBOOK",
                       "ACTION", "DETAIL");
        cJSON_ArrayForEach(it, lines) {
                const char *result = ctl_jstr(it, "result"), *gate = ctl_jstr(it, "gate"), *reason = ctl_jstr(it, "reason");
                char detail[320];
                if (result && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(it, "duration_seconds")))
                        snprintf(detail, sizeof(detail), "%s in %.3f s", result,
                                 cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(it, "duration_seconds")));
                else
                        snprintf(detail, sizeof(detail), "%s%s%s", gate ? gate : "", gate ? ": " : "",
                                 reason ? reason : "");
                printf("%-19s %-8s %-26s %-20s %-13s %s\n", ctl_utc(t, ctl_jnum(it, "timestamp")),
                       term_escape(e1, sizeof(e1), ctl_jstr(it, "source")),
                       term_escape(e2, sizeof(e2), ctl_jstr(it, "alert")),
                       term_escape(e3, sizeof(e3), ctl_jstr(it, "playbook")),
                       term_escape(e4, sizeof(e4), ctl_jstr(it, "action")), term_escape(e5, sizeof(e5), detail));
        }
}

static void add_unit(const char *unit, const char *active, const char *sub, void *data) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "unit", unit);
        cJSON_AddStringToObject(o, "active", active);
        cJSON_AddStringToObject(o, "sub", sub);
        cJSON_AddItemToArray(data, o);
}

/* The playbook units systemd has, when playbooks run as units. */
static void add_units(const struct config *cfg, cJSON *doc) {
        if (!cfg->playbook_units)
                return;
        cJSON *arr = cJSON_AddArrayToObject(doc, "units");
        int r = exec_unit_list(strcmp(cfg->playbook_units, "user") == 0, add_unit, arr);
        if (r < 0)
                ctl_fail("warning: the %s manager's playbook units not listed: %s", cfg->playbook_units,
                         strerror(-r));
}

int ctl_status(struct ctl *c) {
        struct state st = {};
        struct last_lines last = {};
        int64_t now = now_realtime_ms() / 1000;
        const char *origin;
        int r, ret = EXIT_ERROR;

        if (ctl_need_config(c) < 0 || ctl_read_state(c, now, &st, &origin) < 0)
                return EXIT_ERROR;
        gates_prune(&c->rt.cfg, &st, now);
        r = history_read(c->rt.decision_log, now - STATUS_LOG_WINDOW_SEC, STATUS_LOG_MAX_BYTES,
                         keep_last, &last, NULL);
        if (r < 0 && r != -ENOENT)
                ctl_fail("decision log %s unreadable: %s", c->rt.decision_log, strerror(-r));
        cJSON *doc = status_json(c, &st, origin, now, &last);
        if (!doc)
                ctl_fail("out of memory");
        else
                add_units(&c->rt.cfg, doc);
        if (doc && (c->json ? ctl_print_json(doc) == 0 : (status_print(doc, &c->rt.cfg), true)))
                ret = EXIT_OK;
        cJSON_Delete(doc);
        for (size_t i = 0; i < STATUS_LAST_DECISIONS; i++)
                cJSON_Delete(last.line[i]);
        state_free(&st);
        return ret;
}

