/* The safety gates: a pure function of (config, state, alert, now) that returns each gate's
 * verdict, the decision, and the plan of what deciding reserves. gates_apply() carries the plan out
 * on the state, under the caller's lock. The one place that knows the gate order is gates.c. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "breaker.h"
#include "config.h"
#include "params.h"
#include "payload.h"
#include "state.h"
#include "vocab.h"

#define GATE_REASON_BYTES 256
#define GATE_KEY_BYTES    512             /* an idempotency key, with its NUL */

/* What deciding reserves, so that the next decision (in this batch or another instance) sees it. */
struct plan {
        int64_t at;                     /* the decision's time */
        bool record_key;                /* passing the idempotency gate records the key, whatever
                                         * a later gate decides */
        bool reserve;                   /* an execution slot: counts against every limit and starts
                                         * the playbook's cooldown */
        bool trial;                     /* takes the half-open breaker's one trial */
        bool pending;                   /* holds the escalation for an operator's approval, as
                                         * decision.pending_id */
};

struct decision {
        enum action action;             /* ACTION_NONE until decided */
        enum gate gate;                 /* the gate that stopped it; GATE_NONE when it executes */
        const struct route *route;      /* NULL when no route */
        char reason[GATE_REASON_BYTES];
        char key[GATE_KEY_BYTES];       /* idempotency key, "" before that gate */
        const char *service;            /* first override label present, or NULL */
        struct argv_list argv;          /* expanded executor + parameters (from the parameter gate on) */
        bool trial;                     /* a half-open breaker would let this one through as its trial */
        char pending_id[APPROVAL_ID_BYTES];     /* the approval it awaits (new or the one already
                                                 * held for it), or that approved it; "" none */
        int64_t pending_expires;
        struct plan plan;
};

struct gate_verdict {
        enum gate gate;
        enum action action;             /* what this gate alone would do: ACTION_NONE when it passes */
        int error;                      /* -errno when the gate could not be evaluated */
        char reason[GATE_REASON_BYTES];
};

/* Seconds an execution counts against the hourly limits; an execution still counts at exactly
 * this age (the seed: 10:00 still counts at 11:00). */
#define RATE_WINDOW_SEC 3600

/* Decides alert a at `now`. With v (room for _GATE_MAX verdicts) every gate is evaluated and
 * gives its verdict, in order, and the number of verdicts is returned; without, evaluation ends
 * at the first gate that stops the alert (nothing after it can change the decision) and 0 is
 * returned. The decision and its plan are the same either way. -ENOMEM (without v) when a gate
 * could not be evaluated: then d->action is ACTION_NONE. The caller frees d with decision_free. */
int gates_evaluate(const struct config *c, const struct state *s, const struct alert *a, int64_t now,
                   struct decision *d, struct gate_verdict *v);
/* The same for an alert an operator approved to run exactly `argv`: the idempotency and confidence
 * gates pass (they decided the escalation), and the parameter gate stops it when the config now
 * expands anything else. */
int gates_evaluate_approval(const struct config *c, const struct state *s, const struct alert *a,
                            const struct argv_list *argv, int64_t now, struct decision *d,
                            struct gate_verdict *v);
/* Carries out d's plan on s. 0 or -ENOMEM. */
int gates_apply(const struct config *c, struct state *s, const struct alert *a, const struct decision *d);
void decision_free(struct decision *d);

/* Whether two service names name one systemd unit ("traefik", "traefik.service"). The playbooks
 * also resolve aliases, which only systemd knows (see REMEDIATION_PROTECTED_UNITS). */
bool gates_same_unit(const char *a, const char *b);

/* Drops what no gate can need any more. */
void gates_prune(const struct config *c, struct state *s, int64_t now);
