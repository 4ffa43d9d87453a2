/* The safety gates: a pure function of (config, state, alert, now). The one place that knows the
 * gate order. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "params.h"
#include "payload.h"
#include "state.h"

enum action { ACTION_EXECUTED, ACTION_ESCALATE, ACTION_BLOCKED, ACTION_SKIPPED };

enum gate {
        GATE_NONE,                      /* nothing stopped it: executed */
        GATE_ALERT_INVALID,
        GATE_RESOLVED,
        GATE_NO_ROUTE,
        GATE_ALERT_ONLY,
        GATE_SERVICE_OVERRIDE,
        GATE_PARAMETER_INVALID,
        GATE_IDEMPOTENCY,
        GATE_RATE_LIMIT_GLOBAL,
        GATE_RATE_LIMIT_ALERT,
        GATE_COOLDOWN,
        GATE_CIRCUIT_OPEN,
        GATE_CONFIDENCE,
        _GATE_MAX,
};

enum breaker_state { BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN };

struct decision {
        enum action action;
        enum gate gate;
        const struct route *route;      /* NULL when no route */
        char reason[256];
        char key[512];                  /* idempotency key, "" before that gate */
        const char *service;            /* first override label present, or NULL */
        struct argv_list argv;          /* expanded executor + parameters (from the parameter gate on) */
        bool trial;                     /* this execution is the half-open breaker's one trial */
};

/* Seconds an execution counts against the hourly limits; an execution still counts at exactly
 * this age (the seed: 10:00 still counts at 11:00). */
#define RATE_WINDOW_SEC 3600

/* Decides one alert at `now` and applies the reservation it implies to *s (idempotency key,
 * execution slot, half-open trial). 0 or -ENOMEM. The caller frees d with decision_free. */
int gates_decide(const struct config *c, struct state *s, const struct alert *a, int64_t now,
                 struct decision *d);
void decision_free(struct decision *d);

struct gate_verdict {
        enum gate gate;
        bool stopped;                   /* this gate alone would stop the alert */
        int error;                      /* -errno when the gate could not be evaluated */
        char reason[256];
};

/* Evaluates every gate in order without reserving anything (s is only pruned), one verdict each,
 * and fills d with the decision gates_decide would make. Returns the number of verdicts. */
size_t gates_explain(const struct config *c, struct state *s, const struct alert *a, int64_t now,
                     struct gate_verdict *v, size_t n, struct decision *d);

/* Records how an execution ended (success or not) at `now`. Returns true when this opened the
 * circuit. */
bool gates_record_outcome(const struct config *c, struct state *s, const char *playbook,
                          bool success, bool was_trial, int64_t now);

/* Drops what no gate can need any more. */
void gates_prune(const struct config *c, struct state *s, int64_t now);

enum breaker_state gates_breaker_state(const struct config *c, const struct breaker *b, int64_t now);

/* Seconds a half-open trial may hold the breaker before it is presumed lost (its instance died). */
int64_t gates_trial_lease(const struct config *c);

const char *action_name(enum action a);
const char *gate_name(enum gate g);
const char *breaker_state_name(enum breaker_state s);
