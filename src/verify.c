#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bounds.h"
#include "breaker.h"
#include "util.h"
#include "verify.h"

void verdicts_free(struct verdicts *vs) {
        for (size_t i = 0; i < vs->n; i++)
                free(vs->v[i].fingerprint), free(vs->v[i].alert), free(vs->v[i].playbook);
        free(vs->v);
        *vs = (struct verdicts) {};
}

bool verify_result_awaits(enum result r) {
        /* An aborted run was stopped by us and an unstarted one never ran: neither can be judged. */
        return r == RESULT_SUCCESS || r == RESULT_FAILURE || r == RESULT_TIMEOUT;
}

/* Exactly n digits at *p, their value in [min, max]. */
static int digits(const char **p, int n, int min, int max, int *ret) {
        int v = 0;
        for (int i = 0; i < n; i++, (*p)++) {
                if (**p < '0' || **p > '9')
                        return -EINVAL;
                v = v * 10 + (**p - '0');
        }
        if (v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int expect(const char **p, char c) {
        return *(*p)++ == c ? 0 : -EINVAL;
}

int verify_parse_time(const char *s, int64_t *ret_ms) {
        struct tm tm = {};
        int year, mon, day, hour, min, sec, off_h = 0, off_m = 0, sign = 0;
        int64_t ms = 0;
        const char *p = s;

        if (!s || digits(&p, 4, 1970, 9999, &year) < 0 || expect(&p, '-') < 0 ||
            digits(&p, 2, 1, 12, &mon) < 0 || expect(&p, '-') < 0 || digits(&p, 2, 1, 31, &day) < 0 ||
            (*p != 'T' && *p != 't') || (p++, digits(&p, 2, 0, 23, &hour)) < 0 || expect(&p, ':') < 0 ||
            digits(&p, 2, 0, 59, &min) < 0 || expect(&p, ':') < 0 || digits(&p, 2, 0, 60, &sec) < 0)
                return -EINVAL;
        if (*p == '.') {                /* Go writes up to nine digits: the first three are kept */
                int n = 0;
                for (p++; *p >= '0' && *p <= '9'; p++, n++)
                        if (n < 3)
                                ms = ms * 10 + (*p - '0');
                if (n == 0)
                        return -EINVAL;
                for (; n < 3; n++)
                        ms *= 10;
        }
        if (*p == 'Z' || *p == 'z')
                p++;
        else if (*p == '+' || *p == '-') {
                sign = *p++ == '-' ? -1 : 1;
                if (digits(&p, 2, 0, 23, &off_h) < 0 || expect(&p, ':') < 0 || digits(&p, 2, 0, 59, &off_m) < 0)
                        return -EINVAL;
        } else
                return -EINVAL;
        if (*p != '\0')
                return -EINVAL;
        tm = (struct tm) { .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day, .tm_hour = hour,
                           .tm_min = min, .tm_sec = sec };
        int64_t t = (int64_t) timegm(&tm) - (int64_t) sign * (off_h * 3600 + off_m * 60);
        if (t < 0)
                return -EINVAL;
        *ret_ms = t * 1000 + ms;
        return 0;
}

int verify_await(struct state *s, const struct route *r, const struct alert *a, enum result result,
                 bool trial, int64_t started_ms) {
        int64_t starts_at = 0;

        if (!r || r->verify_minutes <= 0 || !a->fingerprint || !*a->fingerprint || !verify_result_awaits(result))
                return 0;
        if (verify_parse_time(a->starts_at, &starts_at) < 0)
                starts_at = 0;
        struct awaiting w = {
                .fingerprint = (char *) a->fingerprint, .alert = (char *) a->alertname,
                .playbook = r->playbook, .started_ms = started_ms, .starts_at_ms = starts_at,
                .judge_at = started_ms / 1000 + (int64_t) r->verify_minutes * 60,
                /* A trial's exit decides the half-open breaker at once: nothing else may hold it. */
                .breaker = result == RESULT_SUCCESS && !trial && r->ineffective_opens_breaker,
        };
        int k = state_add_awaiting(s, &w, VERIFY_MAX_AWAITING);
        return k < 0 ? k : w.breaker;
}

/* Room for n more verdicts in out. */
static int reserve(struct verdicts *out, size_t n) {
        struct verdict *v = realloc(out->v, (out->n + n) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        out->v = v;
        return 0;
}

/* A verdict on w, appended to out (room reserved). 0 or -ENOMEM (then out is as it was). */
static int judge(struct verdicts *out, const struct awaiting *w, enum result result, int64_t resolved_after_ms,
                 int64_t mttr_ms) {
        struct verdict *d = &out->v[out->n];
        *d = (struct verdict) {
                .result = result, .fingerprint = strdup(w->fingerprint), .alert = strdup(w->alert),
                .playbook = strdup(w->playbook), .execution_ms = w->started_ms,
                .resolved_after_ms = resolved_after_ms, .mttr_ms = mttr_ms,
        };
        if (!d->fingerprint || !d->alert || !d->playbook) {
                free(d->fingerprint), free(d->alert), free(d->playbook);
                return -ENOMEM;
        }
        out->n++;
        return 0;
}

int verify_count(const struct config *c, struct state *s, const char *playbook, enum result verdict, int64_t now) {
        if (verdict == RESULT_UNKNOWN)         /* nobody could tell: neither a success nor a failure */
                return 0;
        struct breaker *b = state_breaker(s, playbook, 1);
        if (!b)
                return -ENOMEM;
        /* It ran, maybe exited 0, and the alert stayed: a failure, as far as the breaker goes. */
        return breaker_apply(c, b, verdict == RESULT_RESOLVED ? BREAKER_SUCCEEDED : BREAKER_FAILED, false, now);
}

static bool is_run(const struct awaiting *w, int64_t started_ms) {
        return started_ms < 0 || w->started_ms == started_ms;
}

/* Judges `resolved` the executions of fingerprint awaiting a verdict (only the one started at
 * started_ms when that is >= 0), the alert resolved at ended_ms after firing since since_ms (-1:
 * not known, then each run's own startsAt). Their number, or -ENOMEM (then s and out are as they were). */
static int judge_resolved(const struct config *c, struct state *s, const char *fingerprint, int64_t started_ms,
                          int64_t ended, int64_t since_ms, int64_t now_ms, struct verdicts *out) {
        size_t n = 0, first = out->n;

        for (size_t i = 0; (i = state_find_awaiting(s, fingerprint, i)) < s->n_awaiting; i++)
                n += is_run(&s->awaiting[i], started_ms);
        if (n == 0)
                return 0;
        if (reserve(out, n) < 0)
                return -ENOMEM;
        for (size_t i = 0; (i = state_find_awaiting(s, fingerprint, i)) < s->n_awaiting; i++) {
                const struct awaiting *w = &s->awaiting[i];
                if (!is_run(w, started_ms))
                        continue;
                int64_t since = since_ms >= 0 ? since_ms : w->starts_at_ms > 0 ? w->starts_at_ms : -1;
                /* Resolved before the run started (a late delivery): it took no time after it. */
                int64_t after = ended > w->started_ms ? ended - w->started_ms : 0;
                if (judge(out, w, RESULT_RESOLVED, after, since >= 0 ? ended - since : -1) < 0) {
                        while (out->n > first) {
                                struct verdict *d = &out->v[--out->n];
                                free(d->fingerprint), free(d->alert), free(d->playbook);
                        }
                        return -ENOMEM;
                }
        }
        /* Judged: none of them awaits a verdict any more. A success never opens a circuit. */
        for (size_t i = 0; (i = state_find_awaiting(s, fingerprint, i)) < s->n_awaiting;) {
                if (!is_run(&s->awaiting[i], started_ms)) {
                        i++;
                        continue;
                }
                if (s->awaiting[i].breaker && verify_count(c, s, s->awaiting[i].playbook, RESULT_RESOLVED, now_ms / 1000) < 0)
                        return -ENOMEM;
                state_remove_awaiting(s, i);
        }
        return (int) n;
}

int verify_resolved(const struct config *c, struct state *s, const struct alert *a, int64_t now_ms,
                    struct verdicts *out) {
        int64_t ended = now_ms, starts_at = -1;

        if (!a->fingerprint || !*a->fingerprint)
                return 0;
        if (verify_parse_time(a->ends_at, &ended) < 0)
                ended = now_ms;
        if (verify_parse_time(a->starts_at, &starts_at) < 0)
                starts_at = -1;
        /* Its executions still running await no verdict yet: they keep the resolution for the end. */
        for (size_t i = 0; i < s->n_running; i++) {
                struct running *rn = &s->running[i];
                if (rn->fingerprint && strcmp(rn->fingerprint, a->fingerprint) == 0 && rn->resolved_ms <= 0) {
                        rn->resolved_ms = ended > 0 ? ended : 1;
                        rn->resolved_since_ms = starts_at > 0 ? starts_at : 0;
                }
        }
        return judge_resolved(c, s, a->fingerprint, -1, ended, starts_at, now_ms, out);
}

int verify_resolved_meanwhile(const struct config *c, struct state *s, const struct running *rn,
                              int64_t started_ms, int64_t now_ms, struct verdicts *out) {
        if (!rn || !rn->fingerprint || rn->resolved_ms <= 0)
                return 0;
        return judge_resolved(c, s, rn->fingerprint, started_ms, rn->resolved_ms,
                              rn->resolved_since_ms > 0 ? rn->resolved_since_ms : -1, now_ms, out);
}

int verify_expired(const struct config *c, struct state *s, int64_t now_ms, struct verdicts *out) {
        /* With Alertmanager to ask, remediationctl verify judges first: the step only when it did
         * not (the timer is not running), or ran out of attempts without finishing them. */
        int64_t grace = c->alertmanager_url ? VERIFY_AM_GRACE_SEC : 0;
        int n = 0, opened;

        for (size_t i = 0; i < s->n_awaiting;) {
                const struct awaiting *w = &s->awaiting[i];
                if ((w->judge_at + grace) * 1000 > now_ms) {
                        i++;
                        continue;
                }
                enum result verdict = w->attempts > 0 ? RESULT_UNKNOWN : RESULT_INEFFECTIVE;
                if (reserve(out, 1) < 0 || judge(out, w, verdict, -1, -1) < 0 ||
                    (opened = w->breaker ? verify_count(c, s, w->playbook, verdict, now_ms / 1000) : 0) < 0)
                        return -ENOMEM;
                out->v[out->n - 1].opened = opened;
                out->v[out->n - 1].attempts = w->attempts;
                state_remove_awaiting(s, i);
                n++;
        }
        return n;
}

int verify_answers(const struct config *c, struct state *s, struct verify_ask *asks, size_t n,
                   struct verdicts *out) {
        int judged = 0, opened;

        for (size_t k = 0; k < n; k++) {
                struct verify_ask *q = &asks[k];
                size_t i = state_find_awaiting_run(s, q->fingerprint, q->started_ms);
                q->verdict = RESULT_RUNNING;
                q->awaited = i < s->n_awaiting;
                if (!q->awaited)        /* judged meanwhile: by a resolved notification, say */
                        continue;
                struct awaiting *w = &s->awaiting[i];
                bool ended = w->judge_at * 1000 <= q->asked_ms;
                int64_t resolved_after = -1, mttr = -1;

                if (q->answer == VERIFY_GONE) {
                        q->verdict = RESULT_RESOLVED;
                        resolved_after = q->asked_ms - w->started_ms;
                        mttr = w->starts_at_ms > 0 ? q->asked_ms - w->starts_at_ms : -1;
                } else if (!ended)
                        ;               /* still within its window: the alert may yet go */
                else if (q->answer == VERIFY_FIRING)
                        q->verdict = RESULT_INEFFECTIVE;
                else if (++w->attempts >= VERIFY_AM_MAX_ATTEMPTS)
                        q->verdict = RESULT_UNKNOWN;
                q->attempts = w->attempts;
                if (q->verdict == RESULT_RUNNING)
                        continue;
                if (reserve(out, 1) < 0 || judge(out, w, q->verdict, resolved_after < 0 ? -1 : resolved_after,
                                                 mttr < 0 ? -1 : mttr) < 0 ||
                    (opened = w->breaker ? verify_count(c, s, w->playbook, q->verdict, q->asked_ms / 1000) : 0) < 0)
                        return -ENOMEM;
                out->v[out->n - 1].opened = opened;
                out->v[out->n - 1].asked = true;
                out->v[out->n - 1].attempts = w->attempts;
                state_remove_awaiting(s, i);
                judged++;
        }
        return judged;
}

/* ---- Alertmanager's answers ---- */

static bool is_fingerprint(const char *s) {
        size_t i;
        for (i = 0; s[i]; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return i == 16;
}

static int cmp_fp(const void *a, const void *b) {
        return strcmp(a, b);
}

/* One gettableAlert as Alertmanager 0.25 writes it: what we read of it, each checked. */
static bool am_alert_valid(const cJSON *a) {
        static const char *const states[] = { "unprocessed", "active", "suppressed" };
        const cJSON *fp = cJSON_GetObjectItemCaseSensitive(a, "fingerprint");
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(a, "status");
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(status, "state");
        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(a, "labels"), *l;
        bool known = false;

        if (!cJSON_IsObject(a) || !cJSON_IsString(fp) || !is_fingerprint(fp->valuestring) ||
            !cJSON_IsObject(status) || !cJSON_IsString(state) || !cJSON_IsObject(labels))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(states); i++)
                known |= strcmp(state->valuestring, states[i]) == 0;
        cJSON_ArrayForEach(l, labels)
                if (!cJSON_IsString(l))
                        return false;
        return known;
}

int verify_parse_am_alerts(const char *text, size_t len, char (**ret)[17], size_t *ret_n) {
        cJSON *doc = cJSON_ParseWithLength(text, len), *it;
        char (*fps)[17] = NULL;
        size_t n = 0;
        int r = -EBADMSG;

        if (!cJSON_IsArray(doc) || cJSON_GetArraySize(doc) > AM_MAX_ALERTS)
                goto out;
        if (cJSON_GetArraySize(doc) > 0 && !(fps = calloc((size_t) cJSON_GetArraySize(doc), sizeof(*fps)))) {
                r = -ENOMEM;
                goto out;
        }
        cJSON_ArrayForEach(it, doc) {
                if (!am_alert_valid(it))
                        goto out;
                memcpy(fps[n++], cJSON_GetObjectItemCaseSensitive(it, "fingerprint")->valuestring, 17);
        }
        if (n)
                qsort(fps, n, sizeof(*fps), cmp_fp);
        *ret = fps, *ret_n = n;
        fps = NULL;
        r = 0;
out:
        free(fps);
        cJSON_Delete(doc);
        return r;
}

bool verify_am_has(char (*fps)[17], size_t n, const char *fp) {
        return n > 0 && is_fingerprint(fp) && bsearch(fp, fps, n, sizeof(*fps), cmp_fp);
}

int verify_parse_am_status(const char *text, size_t len, int64_t *ret_ms) {
        cJSON *doc = cJSON_ParseWithLength(text, len);
        const char *up = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "uptime"));
        int r = cJSON_IsObject(doc) && up && verify_parse_time(up, ret_ms) == 0 ? 0 : -EBADMSG;

        cJSON_Delete(doc);
        return r;
}
