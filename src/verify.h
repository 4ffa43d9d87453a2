/* Verdicts: whether an execution fixed the problem, not only whether the playbook exited 0. An
 * execution that ran to its end (success, failure, timeout: not aborted, not unstarted) awaits a
 * verdict for its route's verify_minutes; the alert's resolved notification judges it `resolved`,
 * the first locked step after the window's end `ineffective`.
 * Pure: the state, the alert and the times are given (the caller holds the lock). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "payload.h"
#include "state.h"
#include "vocab.h"

struct verdict {
        enum result result;             /* RESULT_RESOLVED or RESULT_INEFFECTIVE */
        char *fingerprint, *alert, *playbook;
        int64_t execution_ms;           /* the start of the run judged (wall clock) */
        int64_t resolved_after_ms;      /* execution start -> resolution; -1: not known */
        int64_t mttr_ms;                /* the alert's startsAt -> its resolution; -1: not known */
        bool opened;                    /* counting it as a failure opened the playbook's circuit */
};

struct verdicts {
        struct verdict *v;
        size_t n;
};

void verdicts_free(struct verdicts *vs);

/* Whether an execution that ended so awaits a verdict. */
bool verify_result_awaits(enum result r);

/* Records that the run of route r for alert a, started at started_ms, awaits its verdict: when the
 * route verifies, the run awaits one and the alert has a fingerprint to be judged by. A run that
 * exited 0 and was not a half-open trial leaves the breaker to its verdict when the route says
 * ineffective_opens_breaker: then 1 is returned, and the caller does not count the exit. Else 0
 * (also when it awaits none), or -ENOMEM. */
int verify_await(struct state *s, const struct route *r, const struct alert *a, enum result result,
                 bool trial, int64_t started_ms);

/* A resolved alert: every execution of its fingerprint awaiting a verdict is judged `resolved`,
 * with the times from its endsAt (now_ms when absent) and startsAt, and no longer awaits one. The
 * verdicts are appended to out. Their number, or -ENOMEM (then s and out are as they were). */
int verify_resolved(const struct config *c, struct state *s, const struct alert *a, int64_t now_ms,
                    struct verdicts *out);

/* Every execution whose window ended at or before now_ms without its alert resolving is judged
 * `ineffective` and no longer awaits one; one that left the breaker to its verdict (verify_await)
 * counts as a failure there, and a resolved one as a success. The verdicts are appended to out. Their
 * number, or -ENOMEM (then what was judged before stays judged, and is in out). */
int verify_expired(const struct config *c, struct state *s, int64_t now_ms, struct verdicts *out);

/* The breaker event of a verdict on a run that left the breaker to it (awaiting.breaker). Returns
 * whether it opened the circuit; -ENOMEM. */
int verify_count(const struct config *c, struct state *s, const char *playbook, enum result verdict, int64_t now);

/* An RFC 3339 time as Alertmanager writes it ("2026-12-01T09:00:00.123Z", or with an offset) in
 * milliseconds since the epoch. 0, or -EINVAL when s is none, or before 1970 (Go's zero time
 * "0001-01-01T00:00:00Z" is what Alertmanager sends for "not known"). */
int verify_parse_time(const char *s, int64_t *ret_ms);
