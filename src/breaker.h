/* A playbook's circuit breaker as one small state machine. The gates, the outcome step, the
 * reboot replay and remediationctl change a breaker only through breaker_apply(). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "state.h"

enum breaker_state { BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN };

enum breaker_event {
        BREAKER_TRIAL,                  /* half-open: one execution is let through */
        BREAKER_SUCCEEDED,              /* an execution ended well */
        BREAKER_FAILED,                 /* one failed, timed out or could not start */
        BREAKER_ABORTED,                /* one was stopped by us: nobody's fault, only frees the trial */
        BREAKER_RESET,                  /* an operator closed it */
};

/* b may be NULL (never failed: closed). */
enum breaker_state breaker_state(const struct config *c, const struct breaker *b, int64_t now);

/* Applies event e at `now`; was_trial says whether the execution it is about was the half-open
 * trial. Returns true when this event opened the circuit. */
bool breaker_apply(const struct config *c, struct breaker *b, enum breaker_event e, bool was_trial,
                   int64_t now);

/* Seconds a half-open trial may hold the breaker before it is presumed lost (its instance died). */
int64_t breaker_trial_lease(const struct config *c);

const char *breaker_state_name(enum breaker_state s);
