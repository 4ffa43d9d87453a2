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
        return 1;
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

/* One gate's view of the alert being decided. */
struct gate_ctx {
        const struct config *c;
        struct state *s;
        const struct alert *a;
        int64_t now;
        struct decision *d;
        struct breaker *breaker;
        bool dry;                       /* explaining: change nothing */
};

/* Each gate returns 0 to let the alert pass, 1 when it stopped it (the decision says why), or a
 * negative errno. A gate that needs what an earlier one found (the route) passes when that is
 * missing: the earlier gate has already stopped the alert. */
typedef int gate_fn(struct gate_ctx *g);

static int gate_alert_invalid(struct gate_ctx *g) {
        if (g->a->invalid[0])
                return stop(g->d, ACTION_BLOCKED, GATE_ALERT_INVALID, "Alert is invalid: %s", g->a->invalid);
        return 0;
}

static int gate_resolved(struct gate_ctx *g) {
        if (!g->a->firing)
                return stop(g->d, ACTION_SKIPPED, GATE_RESOLVED, "Alert is resolved");
        return 0;
}

static int gate_route(struct gate_ctx *g) {
        g->d->route = config_find_route(g->c, g->a->alertname);
        if (!g->d->route)
                return stop(g->d, ACTION_SKIPPED, GATE_NO_ROUTE, "No route for this alert");
        return 0;
}

static int gate_alert_only(struct gate_ctx *g) {
        if (g->d->route && !g->d->route->playbook)
                return stop(g->d, ACTION_SKIPPED, GATE_ALERT_ONLY, "Route is alert-only (playbook: none)");
        return 0;
}

static int gate_service_override(struct gate_ctx *g) {
        const char *svc = overridden_service(g->c, g->a, &g->d->service);
        if (svc)
                return stop(g->d, ACTION_BLOCKED, GATE_SERVICE_OVERRIDE, "Service %s in override list", svc);
        return 0;
}

static int gate_parameters(struct gate_ctx *g) {
        char why[160] = "";
        if (!g->d->route || !g->d->route->playbook)
                return 0;
        int r = params_expand(g->c, g->d->route, g->a, &g->d->argv, why, sizeof(why));
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return stop(g->d, ACTION_BLOCKED, GATE_PARAMETER_INVALID, "%s", why);
        return 0;
}

static int gate_idempotency(struct gate_ctx *g) {
        int r = idempotency_key(g->c, g->a, g->d->key, sizeof(g->d->key));
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return stop(g->d, ACTION_BLOCKED, GATE_IDEMPOTENCY, "Idempotency key too long");
        struct idem_key *k = state_key(g->s, g->d->key);
        /* A window of 0 turns the gate off, even if the clock has stepped back since. */
        if (k && g->c->idempotency_window_minutes > 0 &&
            g->now - k->t < (int64_t) g->c->idempotency_window_minutes * 60)
                return stop(g->d, ACTION_BLOCKED, GATE_IDEMPOTENCY,
                            "Same alert already handled %llds ago (window: %d min)",
                            (long long) (g->now - k->t), g->c->idempotency_window_minutes);
        /* Passing this gate records the key, whatever comes after. */
        return g->dry ? 0 : state_put_key(g->s, g->d->key, g->now, STATE_MAX_IDEMPOTENCY_KEYS);
}

static int gate_rate_global(struct gate_ctx *g) {
        int n = state_count_execs(g->s, NULL, g->now - RATE_WINDOW_SEC);
        if (n >= g->c->max_executions_per_hour)
                return stop(g->d, ACTION_BLOCKED, GATE_RATE_LIMIT_GLOBAL,
                            "Global rate limit: %d executions in the last hour (max %d)",
                            n, g->c->max_executions_per_hour);
        return 0;
}

static int gate_rate_alert(struct gate_ctx *g) {
        int n = state_count_execs(g->s, g->a->alertname, g->now - RATE_WINDOW_SEC);
        if (n >= g->c->max_executions_per_alert)
                return stop(g->d, ACTION_BLOCKED, GATE_RATE_LIMIT_ALERT,
                            "Alert rate limit: %d executions of %s in the last hour (max %d)",
                            n, g->a->alertname, g->c->max_executions_per_alert);
        return 0;
}

static int gate_cooldown(struct gate_ctx *g) {
        const char *pb = g->d->route && g->d->route->playbook ? g->d->route->playbook : NULL;
        int64_t last = pb ? state_last_exec(g->s, pb) : INT64_MIN;
        if (last != INT64_MIN && g->c->cooldown_minutes > 0 &&
            g->now - last < (int64_t) g->c->cooldown_minutes * 60)
                return stop(g->d, ACTION_BLOCKED, GATE_COOLDOWN,
                            "Playbook %s in cooldown: last run %llds ago (cooldown: %d min)",
                            pb, (long long) (g->now - last), g->c->cooldown_minutes);
        return 0;
}

static int gate_circuit(struct gate_ctx *g) {
        const char *pb = g->d->route && g->d->route->playbook ? g->d->route->playbook : NULL;
        struct breaker *b = pb ? state_breaker(g->s, pb, 0) : NULL;

        g->breaker = b;
        switch (gates_breaker_state(g->c, b, g->now)) {
        case BREAKER_OPEN:
                return stop(g->d, ACTION_BLOCKED, GATE_CIRCUIT_OPEN,
                            "Circuit open for %s after %d consecutive failures (reset in %llds)",
                            pb, b->failures,
                            (long long) (b->opened_at + (int64_t) g->c->reset_timeout_minutes * 60 - g->now));
        case BREAKER_HALF_OPEN:
                if (b->trial_until > g->now)
                        return stop(g->d, ACTION_BLOCKED, GATE_CIRCUIT_OPEN,
                                    "Circuit half-open for %s: a trial execution is running", pb);
                g->d->trial = true;
                return 0;
        case BREAKER_CLOSED:
                return 0;
        }
        return 0;
}

static int gate_confidence(struct gate_ctx *g) {
        const struct route *r = g->d->route;
        if (r && (r->confidence < g->c->confidence_threshold || r->requires_confirmation))
                return stop(g->d, ACTION_ESCALATE, GATE_CONFIDENCE,
                            "Confidence %d%% (threshold: %d%%) or manual confirmation required",
                            r->confidence, g->c->confidence_threshold);
        return 0;
}

/* The gate order, and the only place it is written down. */
static const struct {
        enum gate gate;
        gate_fn *fn;
} gate_order[] = {
        { GATE_ALERT_INVALID,     gate_alert_invalid },
        { GATE_RESOLVED,          gate_resolved },
        { GATE_NO_ROUTE,          gate_route },
        { GATE_ALERT_ONLY,        gate_alert_only },
        { GATE_SERVICE_OVERRIDE,  gate_service_override },
        { GATE_PARAMETER_INVALID, gate_parameters },
        { GATE_IDEMPOTENCY,       gate_idempotency },
        { GATE_RATE_LIMIT_GLOBAL, gate_rate_global },
        { GATE_RATE_LIMIT_ALERT,  gate_rate_alert },
        { GATE_COOLDOWN,          gate_cooldown },
        { GATE_CIRCUIT_OPEN,      gate_circuit },
        { GATE_CONFIDENCE,        gate_confidence },
};

int gates_decide(const struct config *c, struct state *s, const struct alert *a, int64_t now,
                 struct decision *d) {
        struct gate_ctx g = { c, s, a, now, d, NULL, false };
        int r;

        *d = (struct decision) {};
        gates_prune(c, s, now);
        for (size_t i = 0; i < sizeof(gate_order) / sizeof(gate_order[0]); i++)
                if ((r = gate_order[i].fn(&g)) != 0)
                        return r < 0 ? r : 0;

        /* Reserve: the slot counts against every limit from now on. */
        if ((r = state_add_exec(s, now, a->alertname, d->route->playbook)) < 0)
                return r;
        if (d->trial)
                g.breaker->trial_until = now + gates_trial_lease(c);
        stop(d, ACTION_EXECUTED, GATE_NONE, "%s", d->trial ?
             "Circuit half-open: trial execution" : "All gates passed");
        return 0;
}

size_t gates_explain(const struct config *c, struct state *s, const struct alert *a, int64_t now,
                     struct gate_verdict *v, size_t n, struct decision *d) {
        struct gate_ctx g = { c, s, a, now, d, NULL, true };
        struct decision first = {};
        size_t k = 0;

        *d = (struct decision) {};
        gates_prune(c, s, now);
        for (size_t i = 0; i < sizeof(gate_order) / sizeof(gate_order[0]) && k < n; i++) {
                struct decision probe = *d;     /* each gate speaks for itself */
                g.d = &probe;
                int r = gate_order[i].fn(&g);
                v[k] = (struct gate_verdict) { gate_order[i].gate, r > 0, r < 0 ? r : 0, "" };
                if (r > 0)
                        snprintf(v[k].reason, sizeof(v[k].reason), "%s", probe.reason);
                if (r > 0 && first.action == ACTION_EXECUTED && first.gate == GATE_NONE && !first.reason[0])
                        first = probe;
                /* Keep what later gates need (route, argv, key, trial), not the stop. */
                probe.action = ACTION_EXECUTED, probe.gate = GATE_NONE, probe.reason[0] = '\0';
                *d = probe;
                k++;
        }
        if (first.reason[0]) {
                d->action = first.action, d->gate = first.gate;
                memcpy(d->reason, first.reason, sizeof(d->reason));
        } else
                stop(d, ACTION_EXECUTED, GATE_NONE, "All gates passed: it would execute");
        return k;
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
        if (b->failures < STATE_MAX_FAILURES)   /* a state_parse() bound: keep it readable */
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
        /* A running entry older than any instance can live was left by a killed one. */
        state_prune_running(s, now - gates_trial_lease(c));
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
                [GATE_NONE] = "", [GATE_ALERT_INVALID] = "alert_invalid", [GATE_RESOLVED] = "resolved", [GATE_NO_ROUTE] = "no_route",
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
