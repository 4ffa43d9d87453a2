/* The words that leave the process: the decision log's actions, results and sources, and the gate
 * names. Writer (audit.c), reboot replay (history.c), report.c, metrics.c and remediationctl all
 * read them from here, so a word is spelled once. Value 0 of each enum means "not decided yet". */
#pragma once
#include <stdbool.h>

enum action {
        ACTION_NONE,                    /* not decided: never logged */
        ACTION_EXECUTED,
        ACTION_ESCALATE,
        ACTION_BLOCKED,
        ACTION_SKIPPED,
        ACTION_SHADOW,                  /* a shadow route: decided, never executed */
        ACTION_RESET_BREAKER,           /* operator overrides (remediationctl) */
        ACTION_FORGET,
        ACTION_PAUSE,
        ACTION_RESUME,
        ACTION_APPROVE,                 /* an operator's answer to a pending escalation */
        ACTION_DENY,
        ACTION_VERIFY,                  /* a verdict on an earlier execution: did the alert go away */
        _ACTION_MAX,
};

enum gate {
        GATE_NONE,                      /* no gate stopped it */
        GATE_ALERT_INVALID,
        GATE_RESOLVED,
        GATE_NO_ROUTE,
        GATE_ALERT_ONLY,
        GATE_PAUSED,
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

/* How an execution ended. */
enum result {
        RESULT_RUNNING,                 /* not ended yet */
        RESULT_SUCCESS,                 /* exit 0 */
        RESULT_FAILURE,                 /* exit != 0, or killed by a signal we did not send */
        RESULT_TIMEOUT,                 /* we sent SIGTERM at the timeout */
        RESULT_SPAWN_FAILED,            /* fork or execve failed */
        RESULT_ABORTED,                 /* we were told to stop (SIGTERM) */
        RESULT_PENDING,                 /* not an execution's: an escalation awaiting approval */
        RESULT_RESOLVED,                /* verdicts (ACTION_VERIFY): the alert resolved after the run */
        RESULT_INEFFECTIVE,             /* still firing when the route's verify window ended */
        RESULT_UNKNOWN,                 /* Alertmanager could not be asked: no verdict, and the
                                         * breaker counts nothing for the run */
        _RESULT_MAX,
};

/* Who asked for the decision. */
enum source {
        SOURCE_NONE,
        SOURCE_WEBHOOK,
        SOURCE_TIMER,
        SOURCE_OPERATOR,
        _SOURCE_MAX,
};

const char *action_name(enum action a);          /* "" for ACTION_NONE */
const char *gate_name(enum gate g);              /* "" for GATE_NONE */
const char *result_name(enum result r);
const char *source_name(enum source s);          /* "" for SOURCE_NONE */

/* The enum value a name stands for, or 0 (the NONE value; RESULT_RUNNING for results) when it is
 * not a word of ours. NULL is no word. */
enum action action_from_name(const char *s);
enum gate gate_from_name(const char *s);
enum result result_from_name(const char *s);
enum source source_from_name(const char *s);

/* Whether an ended execution counts as a failure for the circuit breaker and the report. */
bool result_is_failure(enum result r);
