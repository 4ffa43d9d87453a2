/* Gate order (the seed's process_alert, after a check of the alert itself): alert invalid ->
 * resolved -> route -> an operator's pause -> service override -> parameter check -> idempotency -> rate limits (global,
 * per alert, cooldown) -> circuit breaker -> confidence -> execute. The first gate that stops an
 * alert decides. All times are the handler's own clock.
 *
 * Nothing here writes the state: the gates read it and say in the decision's plan what deciding
 * reserves; gates_apply() is the only writer. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "gates.h"
#include "util.h"

/* One gate's view of the alert being decided. */
struct gate_ctx {
        const struct config *c;
        const struct state *s;
        const struct alert *a;
        int64_t now;
        struct decision *d;             /* what earlier gates found: route, argv, key, trial */
        const struct argv_list *approved;       /* an operator approved exactly this; NULL: not */
};

/* Each gate returns 0 to let the alert pass, 1 when it stops it (v says why), or -ENOMEM. A gate
 * that needs what an earlier one found (the route) passes when that is missing: the earlier gate
 * has already stopped the alert. */
typedef int gate_fn(struct gate_ctx *g, struct gate_verdict *v);

static int stop(struct gate_verdict *v, enum action action, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int stop(struct gate_verdict *v, enum action action, const char *fmt, ...) {
        char raw[sizeof(v->reason)];
        va_list ap;
        v->action = action;
        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        /* A reason may quote the alert: valid UTF-8 wherever it goes (answer, log, operator). */
        utf8_sanitize(v->reason, sizeof(v->reason), raw, strlen(raw), sizeof(raw));
        return 1;
}

static bool argv_equal(const struct argv_list *x, const struct argv_list *y) {
        size_t i = 0;
        if (x->n != y->n)
                return false;
        while (i < x->n && strcmp(x->v[i], y->v[i]) == 0)
                i++;
        return i == x->n;
}

static const char *playbook_of(const struct decision *d) {
        return d->route ? d->route->playbook : NULL;
}

/* The idempotency key: the key_fields values as a JSON array, so no two different value lists can
 * ever encode alike (a missing label is ""). Invalid UTF-8 becomes U+FFFD first, so the key (and
 * state.json) is valid JSON text; two values that differ only in invalid bytes then share a key,
 * which can only block more, never less. */
static int idempotency_key(const struct config *c, const struct alert *a, char *buf, size_t size) {
        char clean[PAYLOAD_MAX_VALUE * 3 + 1];
        cJSON *arr = cJSON_CreateArray();
        int r = -ENOMEM;

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_key_fields; i++) {
                const char *v = alert_label(a, c->key_fields[i]);
                utf8_sanitize(clean, sizeof(clean), v ? v : "", v ? strlen(v) : 0, PAYLOAD_MAX_VALUE);
                if (!cJSON_AddItemToArray(arr, cJSON_CreateString(clean)))
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

/* systemd's name for a service: "traefik" and "traefik.service" are one unit. */
static size_t unit_stem(const char *s) {
        size_t n = strlen(s), suffix = strlen(".service");
        return n > suffix && strcmp(s + n - suffix, ".service") == 0 ? n - suffix : n;
}

bool gates_same_unit(const char *a, const char *b) {
        size_t n = unit_stem(a);
        return n == unit_stem(b) && memcmp(a, b, n) == 0;
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
                        if (gates_same_unit(v, c->service_overrides[j]))
                                return v;
        }
        return NULL;
}

static int gate_alert_invalid(struct gate_ctx *g, struct gate_verdict *v) {
        if (g->a->invalid[0])
                return stop(v, ACTION_BLOCKED, "Alert is invalid: %s", g->a->invalid);
        return 0;
}

static int gate_resolved(struct gate_ctx *g, struct gate_verdict *v) {
        if (!g->a->firing)
                return stop(v, ACTION_SKIPPED, "Alert is resolved");
        return 0;
}

static int gate_route(struct gate_ctx *g, struct gate_verdict *v) {
        g->d->route = config_find_route(g->c, g->a->alertname);
        if (!g->d->route)
                return stop(v, ACTION_SKIPPED, "No route for this alert");
        return 0;
}

static int gate_alert_only(struct gate_ctx *g, struct gate_verdict *v) {
        if (g->d->route && !g->d->route->playbook)
                return stop(v, ACTION_SKIPPED, "Route is alert-only (playbook: none)");
        return 0;
}

/* An operator's pause of the playbook, or of all of them: the alert is still decided and recorded. */
static int gate_paused(struct gate_ctx *g, struct gate_verdict *v) {
        const char *pb = playbook_of(g->d);
        const struct pause *p = pb ? state_find_pause(g->s, pb, g->now) : NULL;

        if (pb && !p)
                p = state_find_pause(g->s, "", g->now);
        if (p)
                return stop(v, ACTION_BLOCKED, "%s", p->reason);
        return 0;
}

static int gate_service_override(struct gate_ctx *g, struct gate_verdict *v) {
        const char *svc = overridden_service(g->c, g->a, &g->d->service);
        if (svc)
                return stop(v, ACTION_BLOCKED, "Service %s in override list", svc);
        return 0;
}

static int gate_parameters(struct gate_ctx *g, struct gate_verdict *v) {
        char why[160] = "";
        if (!playbook_of(g->d))
                return 0;
        int r = params_expand(g->c, g->d->route, g->a, &g->d->argv, why, sizeof(why));
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return stop(v, ACTION_BLOCKED, "%s", why);
        if (g->approved && !argv_equal(g->approved, &g->d->argv))
                return stop(v, ACTION_BLOCKED, "The config now runs other arguments than those approved");
        return 0;
}

static int gate_idempotency(struct gate_ctx *g, struct gate_verdict *v) {
        if (g->approved)                /* the escalation that is approved has passed it */
                return 0;
        int r = idempotency_key(g->c, g->a, g->d->key, sizeof(g->d->key));
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return stop(v, ACTION_BLOCKED, "Idempotency key too long");
        const struct idem_key *k = state_find_key(g->s, g->d->key);
        /* A window of 0 turns the gate off, even if the clock has stepped back since. */
        if (k && g->c->idempotency_window_minutes > 0 &&
            g->now - k->t < (int64_t) g->c->idempotency_window_minutes * 60)
                return stop(v, ACTION_BLOCKED, "Same alert already handled %llds ago (window: %d min)",
                            (long long) (g->now - k->t), g->c->idempotency_window_minutes);
        return 0;
}

static int gate_rate_global(struct gate_ctx *g, struct gate_verdict *v) {
        int n = state_count_execs(g->s, NULL, g->now - RATE_WINDOW_SEC);
        if (n >= g->c->max_executions_per_hour)
                return stop(v, ACTION_BLOCKED, "Global rate limit: %d executions in the last hour (max %d)",
                            n, g->c->max_executions_per_hour);
        return 0;
}

static int gate_rate_alert(struct gate_ctx *g, struct gate_verdict *v) {
        int n = state_count_execs(g->s, g->a->alertname, g->now - RATE_WINDOW_SEC);
        if (n >= g->c->max_executions_per_alert)
                return stop(v, ACTION_BLOCKED, "Alert rate limit: %d executions of %s in the last hour (max %d)",
                            n, g->a->alertname, g->c->max_executions_per_alert);
        return 0;
}

static int gate_cooldown(struct gate_ctx *g, struct gate_verdict *v) {
        const char *pb = playbook_of(g->d);
        int64_t last = pb ? state_last_exec(g->s, pb) : INT64_MIN;
        if (last != INT64_MIN && g->c->cooldown_minutes > 0 &&
            g->now - last < (int64_t) g->c->cooldown_minutes * 60)
                return stop(v, ACTION_BLOCKED, "Playbook %s in cooldown: last run %llds ago (cooldown: %d min)",
                            pb, (long long) (g->now - last), g->c->cooldown_minutes);
        return 0;
}

static int gate_circuit(struct gate_ctx *g, struct gate_verdict *v) {
        const char *pb = playbook_of(g->d);
        const struct breaker *b = pb ? state_find_breaker(g->s, pb) : NULL;

        switch (breaker_state(g->c, b, g->now)) {
        case BREAKER_OPEN:
                return stop(v, ACTION_BLOCKED, "Circuit open for %s after %d consecutive failures (reset in %llds)",
                            pb, b->failures,
                            (long long) (b->opened_at + (int64_t) g->c->reset_timeout_minutes * 60 - g->now));
        case BREAKER_HALF_OPEN:
                if (b->trial_until > g->now)
                        return stop(v, ACTION_BLOCKED, "Circuit half-open for %s: a trial execution is running", pb);
                g->d->trial = true;
                return 0;
        case BREAKER_CLOSED:
                return 0;
        }
        return 0;
}

static int gate_confidence(struct gate_ctx *g, struct gate_verdict *v) {
        const struct route *r = g->d->route;
        if (r && !g->approved && (r->confidence < g->c->confidence_threshold || r->requires_confirmation))
                return stop(v, ACTION_ESCALATE, "Confidence %d%% (threshold: %d%%) or manual confirmation required",
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
        { GATE_PAUSED,            gate_paused },
        { GATE_SERVICE_OVERRIDE,  gate_service_override },
        { GATE_PARAMETER_INVALID, gate_parameters },
        { GATE_IDEMPOTENCY,       gate_idempotency },
        { GATE_RATE_LIMIT_GLOBAL, gate_rate_global },
        { GATE_RATE_LIMIT_ALERT,  gate_rate_alert },
        { GATE_COOLDOWN,          gate_cooldown },
        { GATE_CIRCUIT_OPEN,      gate_circuit },
        { GATE_CONFIDENCE,        gate_confidence },
};
_Static_assert(ELEMENTSOF(gate_order) == _GATE_MAX - 1, "every gate has its place in the order");

/* Whether gate g comes after routing: a shadow route's decision from there on is only shadowed. */
static bool after_routing(enum gate g) {
        bool after = false;
        for (size_t i = 0; i < ELEMENTSOF(gate_order); i++) {
                if (gate_order[i].gate == g)
                        return after;
                after = after || gate_order[i].gate == GATE_ALERT_ONLY;
        }
        return true;                    /* GATE_NONE: it passed every gate */
}

/* A shadow route goes through every gate but acts on none: its gate is the one that would have
 * stopped it (none: it would have executed), and it reserves nothing, not even the key. */
static void shadow(struct decision *d) {
        char raw[2 * sizeof(d->reason)];

        if (d->action == ACTION_EXECUTED)
                snprintf(raw, sizeof(raw), "Shadow route: would have executed (%s)", d->reason);
        else
                snprintf(raw, sizeof(raw), "Shadow route: would have been %s by %s: %s",
                         d->action == ACTION_ESCALATE ? "escalated" : "blocked", gate_name(d->gate), d->reason);
        utf8_sanitize(d->reason, sizeof(d->reason), raw, strlen(raw), sizeof(d->reason));   /* cut at a character */
        d->action = ACTION_SHADOW;
        d->plan = (struct plan) { .at = d->plan.at };
}

/* Whether an alert's labels can be held for its approval exactly as the decision log records
 * them (valid UTF-8, values within AUDIT_TEXT_CHARS), so that a reboot restores the same alert. */
static bool labels_holdable(const struct alert *a) {
        size_t total = 0;
        for (size_t i = 0; i < a->n_labels; i++) {
                const char *n = a->labels[i].name, *v = a->labels[i].value;
                size_t ln = strlen(n), lv = strlen(v);
                char tmp[AUDIT_TEXT_CHARS * 4 + 1];
                total += ln + lv + 2;
                if (lv > AUDIT_TEXT_CHARS || total > APPROVAL_LABELS_BYTES ||
                    utf8_sanitize(tmp, sizeof(tmp), v, lv, AUDIT_TEXT_CHARS) != lv || memcmp(tmp, v, lv) != 0 ||
                    utf8_sanitize(tmp, sizeof(tmp), n, ln, PAYLOAD_MAX_NAME) != ln || memcmp(tmp, n, ln) != 0)
                        return false;
        }
        return true;
}

/* An escalation by the confidence gate awaits an operator for the route's approval_minutes: held
 * as a new approval, or as the one already open for the same alert and arguments (a second firing
 * is the same approval). Without room or with labels too long to hold, it stays an escalation. */
static void plan_approval(const struct config *c, const struct state *s, const struct alert *a, int64_t now,
                          struct decision *d) {
        const struct pending *p = state_find_open_pending(s, a->alertname, d->argv.v, d->argv.n, now);
        char raw[2 * sizeof(d->reason)], until[32];
        const char *why = NULL;
        struct tm tm;
        time_t t;

        (void) c;
        if (p) {
                snprintf(d->pending_id, sizeof(d->pending_id), "%s", p->id);
                d->pending_expires = p->expires;
        } else if (!state_pending_room(s, now, APPROVAL_MAX_PENDING))
                why = "no approval: too many await one";
        else if (!labels_holdable(a))
                why = "no approval: its labels are too long or not UTF-8 to hold";
        else {
                state_next_pending_id(s, now, d->pending_id, sizeof(d->pending_id));
                d->pending_expires = now + (int64_t) d->route->approval_minutes * 60;
                d->plan.pending = true;
        }
        t = (time_t) d->pending_expires;
        if (why)
                snprintf(raw, sizeof(raw), "%s (%s)", d->reason, why);
        else if (gmtime_r(&t, &tm) && strftime(until, sizeof(until), "%Y-%m-%d %H:%M:%S", &tm))
                snprintf(raw, sizeof(raw), "%s; awaiting approval %s until %s UTC", d->reason, d->pending_id, until);
        else
                snprintf(raw, sizeof(raw), "%s; awaiting approval %s", d->reason, d->pending_id);
        utf8_sanitize(d->reason, sizeof(d->reason), raw, strlen(raw), sizeof(d->reason));
}

static int evaluate(const struct config *c, const struct state *s, const struct alert *a,
                    const struct argv_list *approved, int64_t now, struct decision *d, struct gate_verdict *v) {
        struct gate_ctx g = { c, s, a, now, d, approved };
        bool failed = false;
        size_t i;

        *d = (struct decision) { .plan.at = now };
        for (i = 0; i < ELEMENTSOF(gate_order); i++) {
                struct gate_verdict one, *gv = v ? &v[i] : &one;
                *gv = (struct gate_verdict) { .gate = gate_order[i].gate };
                int r = gate_order[i].fn(&g, gv);
                if (r < 0) {
                        gv->error = r;
                        failed = true;
                        if (!v)
                                return r;
                        continue;
                }
                bool undecided = d->action == ACTION_NONE && !failed;
                if (r > 0 && undecided) {
                        d->action = gv->action;
                        d->gate = gv->gate;
                        memcpy(d->reason, gv->reason, sizeof(d->reason));
                        if (!v)
                                break;
                }
                if (r == 0 && undecided && gv->gate == GATE_IDEMPOTENCY && !approved)
                        d->plan.record_key = true;
        }
        if (d->action == ACTION_NONE && !failed) {
                d->action = ACTION_EXECUTED;
                d->plan.reserve = true;
                d->plan.trial = d->trial;
                snprintf(d->reason, sizeof(d->reason), "%s", d->trial ? "Circuit half-open: trial execution"
                                                                     : "All gates passed");
        }
        if (!failed && config_route_shadow(d->route) && after_routing(d->gate))
                shadow(d);
        else if (!failed && d->action == ACTION_ESCALATE && d->gate == GATE_CONFIDENCE &&
                 d->route->approval_minutes > 0 && d->argv.n > 0)
                plan_approval(c, s, a, now, d);
        return v ? (int) i : 0;
}

int gates_evaluate(const struct config *c, const struct state *s, const struct alert *a, int64_t now,
                   struct decision *d, struct gate_verdict *v) {
        return evaluate(c, s, a, NULL, now, d, v);
}

int gates_evaluate_approval(const struct config *c, const struct state *s, const struct alert *a,
                            const struct argv_list *argv, int64_t now, struct decision *d,
                            struct gate_verdict *v) {
        return evaluate(c, s, a, argv, now, d, v);
}

int gates_apply(const struct config *c, struct state *s, const struct alert *a, const struct decision *d) {
        const struct plan *p = &d->plan;
        int r;

        if (p->record_key && (r = state_put_key(s, d->key, p->at, STATE_MAX_IDEMPOTENCY_KEYS)) < 0)
                return r;
        if (p->reserve && (r = state_add_exec(s, p->at, a->alertname, d->route->playbook)) < 0)
                return r;
        if (p->trial) {
                struct breaker *b = state_breaker(s, d->route->playbook, 1);
                if (!b)
                        return -ENOMEM;
                breaker_apply(c, b, BREAKER_TRIAL, false, p->at);
        }
        if (p->pending) {
                char *labels[2 * PAYLOAD_MAX_LABELS];
                for (size_t i = 0; i < a->n_labels; i++)
                        labels[2 * i] = (char *) a->labels[i].name, labels[2 * i + 1] = (char *) a->labels[i].value;
                struct pending hold = {
                        .id = (char *) d->pending_id, .created = p->at, .expires = d->pending_expires,
                        .alert = (char *) a->alertname, .playbook = d->route->playbook,
                        .fingerprint = (char *) a->fingerprint, .labels = labels, .n_labels = a->n_labels,
                        .argv = (char **) d->argv.v, .n_argv = d->argv.n,
                };
                if ((r = state_add_pending(s, &hold, p->at, APPROVAL_MAX_PENDING)) < 0)
                        return r == -ENOMEM ? r : 0;    /* full meanwhile: it stays an escalation */
        }
        return 0;
}

void gates_prune(const struct config *c, struct state *s, int64_t now) {
        int64_t execs = RATE_WINDOW_SEC, cooldown = (int64_t) c->cooldown_minutes * 60;
        if (cooldown > execs)
                execs = cooldown;
        state_prune(s, now, execs, (int64_t) c->idempotency_window_minutes * 60);
        state_prune_pauses(s, now);
        state_prune_pending(s, now - APPROVAL_KEEP_SEC);
        /* A running entry older than any instance can live was left by a killed one. */
        state_prune_running(s, now - breaker_trial_lease(c));
}

void decision_free(struct decision *d) {
        argv_list_free(&d->argv);
}
