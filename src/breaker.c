/*   closed --(failure_threshold consecutive failures)--> open
 *   open --(reset_timeout_minutes)--> half-open --(trial succeeds)--> closed
 *                                     half-open --(trial fails)--> open again, from now
 * A half-open breaker lets one trial through at a time; the trial's lease bounds how long an
 * instance that died mid-trial can hold it. */
#include "bounds.h"
#include "breaker.h"

int64_t breaker_trial_lease(const struct config *c) {
        /* As long as an instance can live: playbook timeout, the kill grace, the answer. */
        return (int64_t) c->playbook_timeout_seconds + EXEC_KILL_GRACE_SEC +
               c->response_deadline_seconds + 60;
}

enum breaker_state breaker_state(const struct config *c, const struct breaker *b, int64_t now) {
        if (!b || b->opened_at == 0)
                return BREAKER_CLOSED;
        if (now - b->opened_at < (int64_t) c->reset_timeout_minutes * 60)
                return BREAKER_OPEN;
        return BREAKER_HALF_OPEN;
}

bool breaker_apply(const struct config *c, struct breaker *b, enum breaker_event e, bool was_trial,
                   int64_t now) {
        if (was_trial)
                b->trial_until = 0;
        switch (e) {
        case BREAKER_TRIAL:
                b->trial_until = now + breaker_trial_lease(c);
                return false;
        case BREAKER_RESET:
                b->trial_until = 0;
                /* fall through */
        case BREAKER_SUCCEEDED:
                b->failures = 0;
                b->opened_at = 0;
                return false;
        case BREAKER_ABORTED:
                return false;
        case BREAKER_FAILED:
                break;
        }
        if (b->failures < STATE_MAX_FAILURES)   /* a state_parse() bound: keep it readable */
                b->failures++;
        enum breaker_state st = breaker_state(c, b, now);
        if ((st == BREAKER_HALF_OPEN && was_trial) ||
            (st == BREAKER_CLOSED && b->failures >= c->failure_threshold)) {
                b->opened_at = now;
                return true;
        }
        return false;
}

const char *breaker_state_name(enum breaker_state s) {
        static const char *const names[] = { "closed", "open", "half-open" };
        return names[s];
}
