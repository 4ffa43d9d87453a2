/* Gate order (the seed's process_alert): resolved -> route -> service override -> parameter check
 * -> idempotency -> rate limits (global, per alert, cooldown) -> circuit breaker -> confidence ->
 * execute. The first gate that stops an alert decides. All times are the handler's own clock. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "exec.h"
#include "gates.h"

static int stop(struct decision *d, enum action action, enum gate gate, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int stop(struct decision *d, enum action action, enum gate gate, const char *fmt, ...) {
        va_list ap;
        d->action = action;
        d->gate = gate;
        va_start(ap, fmt);
        vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
        va_end(ap);
        return 0;
}

int64_t gates_trial_lease(const struct config *c) {
        /* As long as an instance can live: playbook timeout, the kill grace, the answer. */
        return (int64_t) c->playbook_timeout_seconds + EXEC_KILL_GRACE_SEC +
               c->response_deadline_seconds + 60;
}

enum breaker_state gates_breaker_state(const struct config *c, const struct breaker *b, int64_t now) {
        if (!b || b->opened_at == 0)
                return BREAKER_CLOSED;
        if (now - b->opened_at < (int64_t) c->reset_timeout_minutes * 60)
                return BREAKER_OPEN;
        return BREAKER_HALF_OPEN;
}

/* The idempotency key: the key_fields values as a JSON array, so no two different value lists can
 * ever encode alike (a missing label is ""). */
static int idempotency_key(const struct config *c, const struct alert *a, char *buf, size_t size) {
        cJSON *arr = cJSON_CreateArray();
        int r = -ENOMEM;

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_key_fields; i++) {
                const char *v = alert_label(a, c->key_fields[i]);
                if (!cJSON_AddItemToArray(arr, cJSON_CreateString(v ? v : "")))
                        goto out;
        }
        if (!cJSON_PrintPreallocated(arr, buf, (int) size, 0)) {
                r = -E2BIG;
                goto out;
        }
        r = 0;
out:
        cJSON_Delete(arr);
        return r;
}

static const char *overridden_service(const struct config *c, const struct alert *a,
                                      const char **ret_service) {
        *ret_service = NULL;
        for (size_t i = 0; i < c->n_override_labels; i++) {
                const char *v = alert_label(a, c->override_labels[i]);
                if (!v)
                        continue;
                if (!*ret_service)
                        *ret_service = v;
                for (size_t j = 0; j < c->n_service_overrides; j++)
                        if (strcmp(v, c->service_overrides[j]) == 0)
                                return v;
        }
        return NULL;
}

int gates_decide(const struct config *c, struct state *s, const struct alert *a, int64_t now,
                 struct decision *d) {
        const char *svc;
        int r;

        *d = (struct decision) {};
        gates_prune(c, s, now);

        if (!a->firing)
                return stop(d, ACTION_SKIPPED, GATE_RESOLVED, "Alert is resolved");
        d->route = config_find_route(c, a->alertname);
        if (!d->route)
                return stop(d, ACTION_SKIPPED, GATE_NO_ROUTE, "No route for this alert");
        if (!d->route->playbook)
                return stop(d, ACTION_SKIPPED, GATE_ALERT_ONLY, "Route is alert-only (playbook: none)");
        const char *route_playbook = d->route->playbook;

        if ((svc = overridden_service(c, a, &d->service)))
                return stop(d, ACTION_BLOCKED, GATE_SERVICE_OVERRIDE, "Service %s in override list", svc);

        char why[160] = "";
        r = params_expand(c, d->route, a, &d->argv, why, sizeof(why));
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return stop(d, ACTION_BLOCKED, GATE_PARAMETER_INVALID, "%s", why);

        r = idempotency_key(c, a, d->key, sizeof(d->key));
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return stop(d, ACTION_BLOCKED, GATE_PARAMETER_INVALID, "Idempotency key too long");
        struct idem_key *k = state_key(s, d->key);
        if (k && now - k->t < (int64_t) c->idempotency_window_minutes * 60)
                return stop(d, ACTION_BLOCKED, GATE_IDEMPOTENCY,
                            "Same alert already handled %llds ago (window: %d min)",
                            (long long) (now - k->t), c->idempotency_window_minutes);
        /* Passing this gate records the key, whatever comes after. */
        if ((r = state_put_key(s, d->key, now, STATE_MAX_IDEMPOTENCY_KEYS)) < 0)
                return r;

        int64_t since = now - RATE_WINDOW_SEC;
        int global = state_count_execs(s, NULL, since);
        if (global >= c->max_executions_per_hour)
                return stop(d, ACTION_BLOCKED, GATE_RATE_LIMIT_GLOBAL,
                            "Global rate limit: %d executions in the last hour (max %d)",
                            global, c->max_executions_per_hour);
        int per_alert = state_count_execs(s, a->alertname, since);
        if (per_alert >= c->max_executions_per_alert)
                return stop(d, ACTION_BLOCKED, GATE_RATE_LIMIT_ALERT,
                            "Alert rate limit: %d executions of %s in the last hour (max %d)",
                            per_alert, a->alertname, c->max_executions_per_alert);
        int64_t last = state_last_exec(s, route_playbook);
        if (last != INT64_MIN && now - last < (int64_t) c->cooldown_minutes * 60)
                return stop(d, ACTION_BLOCKED, GATE_COOLDOWN,
                            "Playbook %s in cooldown: last run %llds ago (cooldown: %d min)",
                            route_playbook, (long long) (now - last), c->cooldown_minutes);

        struct breaker *b = state_breaker(s, route_playbook, 0);
        switch (gates_breaker_state(c, b, now)) {
        case BREAKER_OPEN:
                return stop(d, ACTION_BLOCKED, GATE_CIRCUIT_OPEN,
                            "Circuit open for %s after %d consecutive failures (reset in %llds)",
                            route_playbook, b->failures,
                            (long long) (b->opened_at + (int64_t) c->reset_timeout_minutes * 60 - now));
        case BREAKER_HALF_OPEN:
                if (b->trial_until > now)
                        return stop(d, ACTION_BLOCKED, GATE_CIRCUIT_OPEN,
                                    "Circuit half-open for %s: a trial execution is running",
                                    route_playbook);
                d->trial = true;
                break;
        case BREAKER_CLOSED:
                break;
        }

        if (d->route->confidence < c->confidence_threshold || d->route->requires_confirmation)
                return stop(d, ACTION_ESCALATE, GATE_CONFIDENCE,
                            "Confidence %d%% (threshold: %d%%) or manual confirmation required",
                            d->route->confidence, c->confidence_threshold);

        /* Reserve: the slot counts against every limit from now on. */
        if ((r = state_add_exec(s, now, a->alertname, route_playbook)) < 0)
                return r;
        if (d->trial)
                b->trial_until = now + gates_trial_lease(c);
        return stop(d, ACTION_EXECUTED, GATE_NONE, "%s", d->trial ?
                    "Circuit half-open: trial execution" : "All gates passed");
}

bool gates_record_outcome(const struct config *c, struct state *s, const char *playbook,
                          bool success, bool was_trial, int64_t now) {
        struct breaker *b = state_breaker(s, playbook, 1);

        if (!b)
                return false;
        if (was_trial)
                b->trial_until = 0;
        if (success) {
                b->failures = 0;
                b->opened_at = 0;
                return false;
        }
        b->failures++;
        enum breaker_state st = gates_breaker_state(c, b, now);
        if ((st == BREAKER_HALF_OPEN && was_trial) ||
            (st == BREAKER_CLOSED && b->failures >= c->failure_threshold)) {
                b->opened_at = now;
                return true;
        }
        return false;
}

void gates_prune(const struct config *c, struct state *s, int64_t now) {
        int64_t execs = RATE_WINDOW_SEC, cooldown = (int64_t) c->cooldown_minutes * 60;
        if (cooldown > execs)
                execs = cooldown;
        state_prune(s, now, execs, (int64_t) c->idempotency_window_minutes * 60);
}

void decision_free(struct decision *d) {
        argv_list_free(&d->argv);
}

const char *action_name(enum action a) {
        static const char *const names[] = { "executed", "escalate", "blocked", "skipped" };
        return names[a];
}

const char *gate_name(enum gate g) {
        static const char *const names[_GATE_MAX] = {
                [GATE_NONE] = "", [GATE_RESOLVED] = "resolved", [GATE_NO_ROUTE] = "no_route",
                [GATE_ALERT_ONLY] = "alert_only", [GATE_SERVICE_OVERRIDE] = "service_override",
                [GATE_PARAMETER_INVALID] = "parameter_invalid", [GATE_IDEMPOTENCY] = "idempotency",
                [GATE_RATE_LIMIT_GLOBAL] = "rate_limit_global", [GATE_RATE_LIMIT_ALERT] = "rate_limit_alert",
                [GATE_COOLDOWN] = "cooldown", [GATE_CIRCUIT_OPEN] = "circuit_open",
                [GATE_CONFIDENCE] = "confidence",
        };
        return names[g];
}

const char *breaker_state_name(enum breaker_state s) {
        static const char *const names[] = { "closed", "open", "half-open" };
        return names[s];
}
