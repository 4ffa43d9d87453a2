#include <string.h>
#include "util.h"
#include "vocab.h"

static const char *const actions[_ACTION_MAX] = {
        [ACTION_NONE] = "", [ACTION_EXECUTED] = "executed", [ACTION_ESCALATE] = "escalate",
        [ACTION_BLOCKED] = "blocked", [ACTION_SKIPPED] = "skipped", [ACTION_SHADOW] = "shadow",
        [ACTION_RESET_BREAKER] = "reset_breaker", [ACTION_FORGET] = "forget",
        [ACTION_PAUSE] = "pause", [ACTION_RESUME] = "resume", [ACTION_APPROVE] = "approve",
        [ACTION_DENY] = "deny", [ACTION_VERIFY] = "verify",
};

static const char *const gates[_GATE_MAX] = {
        [GATE_NONE] = "", [GATE_ALERT_INVALID] = "alert_invalid", [GATE_RESOLVED] = "resolved",
        [GATE_NO_ROUTE] = "no_route", [GATE_ALERT_ONLY] = "alert_only", [GATE_PAUSED] = "paused",
        [GATE_SERVICE_OVERRIDE] = "service_override", [GATE_PARAMETER_INVALID] = "parameter_invalid",
        [GATE_IDEMPOTENCY] = "idempotency", [GATE_RATE_LIMIT_GLOBAL] = "rate_limit_global",
        [GATE_RATE_LIMIT_ALERT] = "rate_limit_alert", [GATE_COOLDOWN] = "cooldown",
        [GATE_CIRCUIT_OPEN] = "circuit_open", [GATE_CONFIDENCE] = "confidence",
};

static const char *const results[_RESULT_MAX] = {
        [RESULT_RUNNING] = "running", [RESULT_SUCCESS] = "success", [RESULT_FAILURE] = "failure",
        [RESULT_TIMEOUT] = "timeout", [RESULT_SPAWN_FAILED] = "spawn_failed", [RESULT_ABORTED] = "aborted",
        [RESULT_PENDING] = "pending", [RESULT_RESOLVED] = "resolved", [RESULT_INEFFECTIVE] = "ineffective",
        [RESULT_UNKNOWN] = "unknown",
};

static const char *const sources[_SOURCE_MAX] = {
        [SOURCE_NONE] = "", [SOURCE_WEBHOOK] = "webhook", [SOURCE_TIMER] = "timer",
        [SOURCE_OPERATOR] = "operator",
};

static const char *word(const char *const *table, size_t n, unsigned v) {
        return v < n ? table[v] : "";
}

/* Index 0 is never matched: it is the "no word" value. */
static unsigned lookup(const char *const *table, size_t n, const char *s) {
        for (size_t i = 1; s && *s && i < n; i++)
                if (strcmp(table[i], s) == 0)
                        return (unsigned) i;
        return 0;
}

const char *action_name(enum action a) { return word(actions, ELEMENTSOF(actions), a); }
const char *gate_name(enum gate g) { return word(gates, ELEMENTSOF(gates), g); }
const char *result_name(enum result r) { return word(results, ELEMENTSOF(results), r); }
const char *source_name(enum source s) { return word(sources, ELEMENTSOF(sources), s); }

enum action action_from_name(const char *s) { return lookup(actions, ELEMENTSOF(actions), s); }
enum gate gate_from_name(const char *s) { return lookup(gates, ELEMENTSOF(gates), s); }
enum result result_from_name(const char *s) { return lookup(results, ELEMENTSOF(results), s); }
enum source source_from_name(const char *s) { return lookup(sources, ELEMENTSOF(sources), s); }

bool result_is_failure(enum result r) {
        return r == RESULT_FAILURE || r == RESULT_TIMEOUT || r == RESULT_SPAWN_FAILED;
}
