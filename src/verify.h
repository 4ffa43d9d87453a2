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
        enum result result;             /* RESULT_RESOLVED, RESULT_INEFFECTIVE or RESULT_UNKNOWN */
        char *fingerprint, *alert, *playbook;
        int64_t execution_ms;           /* the start of the run judged (wall clock) */
        int64_t resolved_after_ms;      /* execution start -> resolution; -1: not known */
        int64_t mttr_ms;                /* the alert's startsAt -> its resolution; -1: not known */
        bool opened;                    /* counting it as a failure opened the playbook's circuit */
        bool asked;                     /* judged by asking Alertmanager (remediationctl verify) */
        int attempts;                   /* RESULT_UNKNOWN: the asks that got no usable answer */
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
 * with the times from its endsAt (now_ms when absent) and startsAt, and no longer awaits one; those
 * still running are marked for verify_resolved_meanwhile(). The verdicts are appended to out.
 * Their number, or -ENOMEM (then out and the awaiting executions are as they were). */
int verify_resolved(const struct config *c, struct state *s, const struct alert *a, int64_t now_ms,
                    struct verdicts *out);

/* The alert of a running execution (rn) resolved while it ran (verify_resolved() marked rn): once
 * its end is recorded and it awaits its verdict (verify_await(), started_ms), it is judged
 * `resolved` at once, as if the notification came now. The verdicts (0 or 1) are appended to out;
 * their number, or -ENOMEM. */
int verify_resolved_meanwhile(const struct config *c, struct state *s, const struct running *rn,
                              int64_t started_ms, int64_t now_ms, struct verdicts *out);

/* Every execution whose window ended at or before now_ms without its alert resolving is judged
 * `ineffective` and no longer awaits one (with alertmanager_url set: VERIFY_AM_GRACE_SEC after the
 * window, which leaves it to remediationctl verify; one it asked about without an answer is then
 * `unknown`); one that left the breaker to its verdict (verify_await)
 * counts as a failure there, and a resolved one as a success. The verdicts are appended to out. Their
 * number, or -ENOMEM (then what was judged before stays judged, and is in out). */
int verify_expired(const struct config *c, struct state *s, int64_t now_ms, struct verdicts *out);

/* Active verdicts: what remediationctl verify learnt from Alertmanager's API about one awaiting
 * execution, asked without the lock and judged under it. */
enum verify_answer {
        VERIFY_NO_ANSWER,               /* unreachable, refused, or an answer not usable */
        VERIFY_GONE,                    /* Alertmanager no longer has the alert active */
        VERIFY_FIRING,                  /* it has it: active, silenced, inhibited or unprocessed */
};

struct verify_ask {
        const char *fingerprint;        /* the execution asked about, as it awaits */
        int64_t started_ms;
        enum verify_answer answer;
        int64_t asked_ms;               /* when the answer came (wall clock) */
        /* out: */
        enum result verdict;            /* RESULT_RESOLVED, _INEFFECTIVE, _UNKNOWN; RESULT_RUNNING:
                                         * still awaits (or no longer did: judged meanwhile) */
        bool awaited;                   /* it still awaited its verdict when judged */
        int attempts;                   /* its asks without a usable answer, after the window */
};

/* Judges each asked execution that still awaits: gone -> `resolved` at asked_ms (the resolution
 * is known to have happened before: this is when it was seen); firing once its window ended ->
 * `ineffective` (a failure for the breaker, as on expiry); no answer once its window ended -> one
 * attempt more, `unknown` at VERIFY_AM_MAX_ATTEMPTS (counted for nothing). Before the window's end
 * only `gone` judges. The verdicts are appended to out; their number, or -ENOMEM. */
int verify_answers(const struct config *c, struct state *s, struct verify_ask *asks, size_t n,
                   struct verdicts *out);

/* Alertmanager's answer to GET /api/v2/alerts: a JSON array of gettableAlert. Each must be an
 * object with a 16-hex-digit fingerprint and a status.state Alertmanager uses (unprocessed,
 * active, suppressed), labels an object of strings; anything else refuses the whole answer
 * (-EBADMSG), as do more than AM_MAX_ALERTS. The fingerprints, sorted, into *ret (malloc'd
 * 17-byte strings), their number into *ret_n. 0, -EBADMSG or -ENOMEM. */
int verify_parse_am_alerts(const char *text, size_t len, char (**ret)[17], size_t *ret_n);
/* Whether fp is one of the n sorted fingerprints. */
bool verify_am_has(char (*fps)[17], size_t n, const char *fp);

/* Alertmanager's GET /api/v2/status: its start (the "uptime" member, RFC 3339) in ms into
 * *ret_ms. 0 or -EBADMSG. */
int verify_parse_am_status(const char *text, size_t len, int64_t *ret_ms);

/* The breaker event of a verdict on a run that left the breaker to it (awaiting.breaker). Returns
 * whether it opened the circuit; -ENOMEM. An `unknown` verdict is no event: 0, nothing counted. */
int verify_count(const struct config *c, struct state *s, const char *playbook, enum result verdict, int64_t now);

/* An RFC 3339 time as Alertmanager writes it ("2026-12-01T09:00:00.123Z", or with an offset) in
 * milliseconds since the epoch. 0, or -EINVAL when s is none, or before 1970 (Go's zero time
 * "0001-01-01T00:00:00Z" is what Alertmanager sends for "not known"). */
int verify_parse_time(const char *s, int64_t *ret_ms);
