#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bounds.h"
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
                 int64_t started_ms) {
        int64_t starts_at = 0;

        if (!r || r->verify_minutes <= 0 || !a->fingerprint || !*a->fingerprint || !verify_result_awaits(result))
                return 0;
        if (verify_parse_time(a->starts_at, &starts_at) < 0)
                starts_at = 0;
        struct awaiting w = {
                .fingerprint = (char *) a->fingerprint, .alert = (char *) a->alertname,
                .playbook = r->playbook, .started_ms = started_ms, .starts_at_ms = starts_at,
                .judge_at = started_ms / 1000 + (int64_t) r->verify_minutes * 60,
        };
        return state_add_awaiting(s, &w, VERIFY_MAX_AWAITING);
}

int verify_resolved(struct state *s, const struct alert *a, int64_t now_ms, struct verdicts *out) {
        int64_t ended = now_ms, starts_at = -1;
        size_t n = 0, first = out->n;

        if (!a->fingerprint || !*a->fingerprint)
                return 0;
        if (verify_parse_time(a->ends_at, &ended) < 0)
                ended = now_ms;
        if (verify_parse_time(a->starts_at, &starts_at) < 0)
                starts_at = -1;
        for (size_t i = 0; (i = state_find_awaiting(s, a->fingerprint, i)) < s->n_awaiting; i++)
                n++;
        if (n == 0)
                return 0;
        struct verdict *v = realloc(out->v, (out->n + n) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        out->v = v;
        for (size_t i = 0; (i = state_find_awaiting(s, a->fingerprint, i)) < s->n_awaiting; i++) {
                const struct awaiting *w = &s->awaiting[i];
                int64_t since = starts_at >= 0 ? starts_at : w->starts_at_ms > 0 ? w->starts_at_ms : -1;
                struct verdict *d = &out->v[out->n++];
                *d = (struct verdict) {
                        .result = RESULT_RESOLVED, .fingerprint = strdup(w->fingerprint),
                        .alert = strdup(w->alert), .playbook = strdup(w->playbook), .execution_ms = w->started_ms,
                        .resolved_after_ms = ended - w->started_ms, .mttr_ms = since >= 0 ? ended - since : -1,
                };
                if (!d->fingerprint || !d->alert || !d->playbook) {
                        while (out->n > first) {
                                d = &out->v[--out->n];
                                free(d->fingerprint), free(d->alert), free(d->playbook);
                        }
                        return -ENOMEM;
                }
        }
        /* Judged: none of them awaits a verdict any more. */
        for (size_t i = 0; (i = state_find_awaiting(s, a->fingerprint, i)) < s->n_awaiting;)
                state_remove_awaiting(s, i);
        return (int) n;
}
