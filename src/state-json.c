/* The state file is JSON so an operator can read it with jq; "version" guards the format.
 * Read with cJSON, written directly (see below). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bounds.h"
#include "state.h"
#include "util.h"

/* ---- JSON in ---- */

/* An integer within what a double holds exactly (times, pids, counts); a damaged file may hold
 * anything, and casting an out-of-range double is undefined. */
static int int_value(const cJSON *v, int64_t *ret) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= -9e15 && v->valuedouble <= 9e15))
                return -EBADMSG;
        *ret = (int64_t) v->valuedouble;
        return 0;
}

static int get_int(const cJSON *o, const char *name, int64_t *ret) {
        return int_value(cJSON_GetObjectItemCaseSensitive(o, name), ret);
}

/* The character at p as utf8_sanitize() writes it into ch (*ret_len bytes; U+FFFD when p starts
 * no valid one). Returns how many bytes of p it stands for. */
static size_t utf8_char(const char *p, char ch[static 5], size_t *ret_len) {
        size_t avail = strnlen(p, 4);

        *ret_len = utf8_sanitize(ch, 5, p, avail, 1);
        return *ret_len <= avail && memcmp(p, ch, *ret_len) == 0 ? *ret_len : 1;
}

/* Names are read only when valid UTF-8: state_format() writes nothing else, so what parses formats
 * back as it was. */
static bool utf8_valid(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s >= 0x80) {
                        char ch[5];
                        size_t len, used = utf8_char(s, ch, &len);
                        if (used != len)
                                return false;
                        s += used - 1;
                }
        return true;
}

static const char *get_str(const cJSON *o, const char *name) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
        return cJSON_IsString(v) && utf8_valid(v->valuestring) ? v->valuestring : NULL;
}


/* A counter's series as metrics.c builds them, and nothing else: /metrics copies them out as they
 * are, so a quote or a newline in a hand-made state.json would add series or lines of its own.
 * name{label="value",...}: the name [a-zA-Z_:][a-zA-Z0-9_:]*, each label [a-zA-Z_][a-zA-Z0-9_]*
 * and once, the values printable ASCII without '"' and '\'. */
static bool series_valid(const char *s) {
        const char *label[STATE_MAX_SERIES_LABELS];
        size_t n_labels = 0, n;

        if (strnlen(s, STATE_MAX_SERIES + 1) > STATE_MAX_SERIES || !char_is(*s, CHAR_LETTER | CHAR_COLON))
                return false;
        s += span_class(s, CHAR_LETTER | CHAR_DIGIT | CHAR_COLON);
        if (*s == '\0')
                return true;
        if (*s != '{')
                return false;
        do {
                s++;
                if (!char_is(*s, CHAR_LETTER) || n_labels == STATE_MAX_SERIES_LABELS)
                        return false;
                n = span_class(s, CHAR_LETTER | CHAR_DIGIT);
                for (size_t i = 0; i < n_labels; i++)
                        if (strncmp(label[i], s, n) == 0 && label[i][n] == '=')
                                return false;
                label[n_labels++] = s;
                s += n;
                if (s[0] != '=' || s[1] != '"')
                        return false;
                for (s += 2; *s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\'; s++)
                        ;
                if (*s++ != '"')
                        return false;
        } while (*s == ',');
        return s[0] == '}' && s[1] == '\0';
}

/* Version 1: [{"t": T, "alert": A, "playbook": P}, ...] */
static int parse_execs_v1(const cJSON *execs, struct state *s) {
        const cJSON *it;
        int64_t t;
        const char *a, *p;

        cJSON_ArrayForEach(it, execs) {
                if (get_int(it, "t", &t) < 0 || !(a = get_str(it, "alert")) || !(p = get_str(it, "playbook")))
                        return -EBADMSG;
                if (state_add_exec(s, t, a, p) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Version 2: {P: {A: [T, ...]}} — a number per execution, not an object: a busy hour's state
 * parses several times faster, and a group's executions share one copy of its names. */
static int parse_execs(const cJSON *execs, struct state *s) {
        const cJSON *pb, *al, *t;

        cJSON_ArrayForEach(pb, execs) {
                if (!cJSON_IsObject(pb) || !utf8_valid(pb->string))
                        return -EBADMSG;
                cJSON_ArrayForEach(al, pb) {
                        if (!cJSON_IsArray(al) || !utf8_valid(al->string))
                                return -EBADMSG;
                        cJSON_ArrayForEach(t, al) {
                                int64_t at;
                                if (int_value(t, &at) < 0)
                                        return -EBADMSG;
                                if (state_add_exec(s, at, al->string, pb->string) < 0)
                                        return -ENOMEM;
                        }
                }
        }
        return 0;
}

/* A top-level member: an object, or an array with `array`; absent is empty. Anything else is
 * damage (an array's items have no names to read). */
static int section(const cJSON *root, const char *name, bool array, const cJSON **ret) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);

        if (v && !(array ? cJSON_IsArray(v) : cJSON_IsObject(v)))
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int parse_pauses(const cJSON *pauses, struct state *s) {
        const cJSON *it;
        int64_t since, until;
        const char *pb, *by, *reason;

        if (cJSON_GetArraySize(pauses) > STATE_MAX_PAUSES)
                return -EBADMSG;
        cJSON_ArrayForEach(it, pauses) {
                if (!(pb = get_str(it, "playbook")) || get_int(it, "since", &since) < 0 ||
                    get_int(it, "until", &until) < 0 || !(by = get_str(it, "operator")) ||
                    !(reason = get_str(it, "reason")))
                        return -EBADMSG;
                if (state_put_pause(s, pb, since, until, by, reason) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* An array of strings, or an object of strings (name, value, ... in *ret, n pairs); NULL items
 * (unused) end a partial list. */
static int get_strings(const cJSON *v, bool pairs, size_t max, char ***ret, size_t *ret_n) {
        const cJSON *it;
        size_t n = 0;

        if (!(pairs ? cJSON_IsObject(v) : cJSON_IsArray(v)) || (size_t) cJSON_GetArraySize(v) > max)
                return -EBADMSG;
        char **strv = calloc(2 * (size_t) cJSON_GetArraySize(v) + 1, sizeof(*strv));
        if (!strv)
                return -ENOMEM;
        cJSON_ArrayForEach(it, v) {
                if (!cJSON_IsString(it) || !utf8_valid(it->valuestring) || (pairs && !utf8_valid(it->string)))
                        goto bad;
                if (pairs)
                        strv[n++] = (char *) it->string;
                strv[n++] = it->valuestring;
        }
        *ret = strv;
        *ret_n = pairs ? n / 2 : n;
        return 0;
bad:
        free(strv);
        return -EBADMSG;
}

static int parse_pending(const cJSON *pending, struct state *s) {
        const cJSON *it;

        if (cJSON_GetArraySize(pending) > APPROVAL_MAX_PENDING)
                return -EBADMSG;
        cJSON_ArrayForEach(it, pending) {
                struct pending p = {};
                const char *closed;
                int r;
                /* Views into the tree: state_add_pending() copies them. */
                if (!(p.id = (char *) get_str(it, "id")) || strlen(p.id) >= APPROVAL_ID_BYTES ||
                    get_int(it, "created", &p.created) < 0 || get_int(it, "expires", &p.expires) < 0 ||
                    !(p.alert = (char *) get_str(it, "alert")) || !(p.playbook = (char *) get_str(it, "playbook")) ||
                    !(p.fingerprint = (char *) get_str(it, "fingerprint")) || !(closed = get_str(it, "closed")) ||
                    get_int(it, "closed_at", &p.closed_at) < 0)
                        return -EBADMSG;
                p.closed = action_from_name(closed);
                if (*closed && p.closed != ACTION_APPROVE && p.closed != ACTION_DENY)
                        return -EBADMSG;
                const cJSON *by = cJSON_GetObjectItemCaseSensitive(it, "operator");
                if (!cJSON_IsNull(by) && !(p.by = (char *) get_str(it, "operator")))
                        return -EBADMSG;
                if ((r = get_strings(cJSON_GetObjectItemCaseSensitive(it, "labels"), true, PAYLOAD_MAX_LABELS,
                                     &p.labels, &p.n_labels)) < 0)
                        return r;
                if ((r = get_strings(cJSON_GetObjectItemCaseSensitive(it, "argv"), false, EXEC_MAX_ARGS,
                                     &p.argv, &p.n_argv)) < 0) {
                        free(p.labels);
                        return r;
                }
                r = state_add_pending(s, &p, p.created, APPROVAL_MAX_PENDING);
                free(p.labels), free(p.argv);
                if (r < 0)
                        return r == -ENOMEM ? r : -EBADMSG;
        }
        return 0;
}

static int parse_awaiting(const cJSON *awaiting, struct state *s) {
        const cJSON *it;

        if (cJSON_GetArraySize(awaiting) > VERIFY_MAX_AWAITING)
                return -EBADMSG;
        cJSON_ArrayForEach(it, awaiting) {
                struct awaiting w = {};
                /* Views into the tree: state_add_awaiting() copies them. */
                if (!(w.fingerprint = (char *) get_str(it, "fingerprint")) || !*w.fingerprint ||
                    !(w.alert = (char *) get_str(it, "alert")) || !(w.playbook = (char *) get_str(it, "playbook")) ||
                    get_int(it, "started_ms", &w.started_ms) < 0 || get_int(it, "starts_at_ms", &w.starts_at_ms) < 0 ||
                    get_int(it, "judge_at", &w.judge_at) < 0 ||
                    !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(it, "breaker")))
                        return -EBADMSG;
                w.breaker = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "breaker"));
                /* Absent until remediationctl verify failed to ask about it once. */
                const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "attempts");
                int64_t attempts = 0;
                if (n && (get_int(it, "attempts", &attempts) < 0 || attempts < 0 || attempts > VERIFY_AM_MAX_ATTEMPTS))
                        return -EBADMSG;
                w.attempts = (int) attempts;
                if (state_add_awaiting(s, &w, VERIFY_MAX_AWAITING) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_into(const cJSON *root, int version, struct state *s) {
        const cJSON *it, *execs, *breakers, *keys, *counters, *running, *pauses, *pending, *awaiting;
        int64_t a, b, c;
        const char *x, *y;
        int r;

        if (section(root, "executions", version == 1, &execs) < 0 ||
            section(root, "breakers", false, &breakers) < 0 || section(root, "idempotency", false, &keys) < 0 ||
            section(root, "counters", false, &counters) < 0 || section(root, "running", true, &running) < 0 ||
            section(root, "pauses", true, &pauses) < 0 || section(root, "pending", true, &pending) < 0 ||
            section(root, "awaiting", true, &awaiting) < 0)
                return -EBADMSG;
        r = version == 1 ? parse_execs_v1(execs, s) : parse_execs(execs, s);
        if (r < 0 || (r = parse_pauses(pauses, s)) < 0 || (r = parse_pending(pending, s)) < 0 ||
            (r = parse_awaiting(awaiting, s)) < 0)
                return r;
        cJSON_ArrayForEach(it, breakers) {
                if (get_int(it, "failures", &a) < 0 || get_int(it, "opened_at", &b) < 0 ||
                    get_int(it, "trial_until", &c) < 0 || a < 0 || a > STATE_MAX_FAILURES ||
                    !utf8_valid(it->string))
                        return -EBADMSG;
                struct breaker *br = state_breaker(s, it->string, 1);
                if (!br)
                        return -ENOMEM;
                br->failures = (int) a, br->opened_at = b, br->trial_until = c;
        }
        cJSON_ArrayForEach(it, keys) {
                if (int_value(it, &a) < 0 || !utf8_valid(it->string))
                        return -EBADMSG;
                if (state_put_key(s, it->string, a, SIZE_MAX) < 0)
                        return -ENOMEM;
        }
        cJSON_ArrayForEach(it, counters) {
                if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || !series_valid(it->string))
                        return -EBADMSG;
                if (state_counter_add(s, it->string, it->valuedouble) < 0)
                        return -ENOMEM;
        }
        cJSON_ArrayForEach(it, running) {
                /* fingerprint and the resolved times: absent when there are none. */
                const char *fp = NULL;
                int64_t resolved = 0, since = 0;
                if (get_int(it, "pid", &a) < 0 || get_int(it, "started", &b) < 0 ||
                    !(x = get_str(it, "playbook")) || !(y = get_str(it, "alert")) ||
                    (cJSON_GetObjectItemCaseSensitive(it, "fingerprint") && !(fp = get_str(it, "fingerprint"))) ||
                    (cJSON_GetObjectItemCaseSensitive(it, "resolved_ms") &&
                     (get_int(it, "resolved_ms", &resolved) < 0 || resolved <= 0 || !fp)) ||
                    (cJSON_GetObjectItemCaseSensitive(it, "resolved_since_ms") &&
                     (get_int(it, "resolved_since_ms", &since) < 0 || since < 0 || resolved <= 0)))
                        return -EBADMSG;
                if (state_add_running(s, a, b, x, y, fp) < 0)
                        return -ENOMEM;
                s->running[s->n_running - 1].resolved_ms = resolved;
                s->running[s->n_running - 1].resolved_since_ms = since;
        }
        return 0;
}

int state_parse(const char *text, size_t len, struct state *ret) {
        struct state s = {};
        cJSON *root = cJSON_ParseWithLength(text, len);
        int r;

        if (!cJSON_IsObject(root)) {
                cJSON_Delete(root);
                return -EBADMSG;
        }
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "version");
        if (!cJSON_IsNumber(v))
                r = -EBADMSG;
        else if (v->valuedouble != 1 && v->valuedouble != STATE_VERSION)
                r = -EPROTONOSUPPORT;
        else
                r = parse_into(root, (int) v->valuedouble, &s);
        cJSON_Delete(root);
        if (r < 0) {
                state_free(&s);
                return r;
        }
        *ret = s;
        return 0;
}

/* ---- JSON out ----
 * Written directly rather than through a cJSON tree: cJSON allocates a node per value and prints
 * every number with printf, ~9,000 instructions per execution kept, which made a busy hour's
 * state the larger part of an executing request (tests/bench/results.md). The output is what
 * cJSON_PrintUnformatted() printed for the same state, but for fractions, which read back exactly
 * here (cJSON prints 0.30000000000000004 as 0.3). */

struct out {                            /* the emitter's text */
        struct strbuf b;
};

static void out_raw(struct out *o, const char *p, size_t n) {
        strbuf_add(&o->b, p, n);
}

static void out_lit(struct out *o, const char *lit) {
        out_raw(o, lit, strlen(lit));
}

/* A JSON string: quote, backslash and control bytes escaped as cJSON does, and valid UTF-8 only:
 * a byte that is not (a name that came in without passing utf8_sanitize()) is written as U+FFFD,
 * as utf8_sanitize() makes it. */
static void out_str(struct out *o, const char *s) {
        static const char hex[] = "0123456789abcdef";

        out_raw(o, "\"", 1);
        for (const char *run = s;; s++) {
                unsigned char c = (unsigned char) *s;
                if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
                        continue;
                out_raw(o, run, (size_t) (s - run));
                if (c == '\0')
                        break;
                if (c >= 0x80) {
                        char ch[5];
                        size_t len, used = utf8_char(s, ch, &len);
                        out_raw(o, ch, len);
                        s += used - 1;
                        run = s + 1;
                        continue;
                }
                char e[6] = { '\\', (char) c };
                size_t n = 2;
                switch (c) {
                case '"': case '\\': break;
                case '\b': e[1] = 'b'; break;
                case '\f': e[1] = 'f'; break;
                case '\n': e[1] = 'n'; break;
                case '\r': e[1] = 'r'; break;
                case '\t': e[1] = 't'; break;
                default:
                        e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hex[c >> 4], e[5] = hex[c & 15];
                        n = 6;
                }
                out_raw(o, e, n);
                run = s + 1;
        }
        out_raw(o, "\"", 1);
}

static void out_int(struct out *o, int64_t v) {
        char d[24], *p = d + sizeof(d);
        uint64_t u = v < 0 ? -(uint64_t) v : (uint64_t) v;

        do
                *--p = (char) ('0' + u % 10);
        while (u /= 10);
        if (v < 0)
                *--p = '-';
        out_raw(o, p, (size_t) (d + sizeof(d) - p));
}

static void out_double(struct out *o, double v) {
        char d[32];

        if (v > -9e15 && v < 9e15 && v == (double) (int64_t) v)
                return out_int(o, (int64_t) v);
        /* The shortest of cJSON's two forms that reads back exactly. JSON has no NaN or infinity,
         * and none is read (state_parse); 0 only stands in for the impossible. */
        if (!isfinite(v))
                return out_lit(o, "0");
        snprintf(d, sizeof(d), "%1.15g", v);
        if (strtod(d, NULL) != v)
                snprintf(d, sizeof(d), "%1.17g", v);
        out_lit(o, d);
}

/* ,"name": — or without the comma for the first member. */
static void out_key(struct out *o, bool first, const char *name) {
        if (!first)
                out_raw(o, ",", 1);
        out_str(o, name);
        out_raw(o, ":", 1);
}

/* PREFIX"name":V */
static void out_int_member(struct out *o, const char *prefix, const char *name, int64_t v) {
        out_lit(o, prefix);
        out_key(o, true, name);
        out_int(o, v);
}

/* ,"name":"value" */
static void out_str_member(struct out *o, const char *name, const char *v) {
        out_key(o, false, name);
        out_str(o, v);
}

/* Names are mostly shared copies (state_add_exec()): equal pointers need no strcmp(). */
static int name_cmp(const char *x, const char *y) {
        return x == y ? 0 : strcmp(x, y);
}

static int exec_order(const void *a, const void *b) {
        const struct execution *x = *(const struct execution *const *) a;
        const struct execution *y = *(const struct execution *const *) b;
        int r = name_cmp(x->playbook, y->playbook);

        if (r == 0)
                r = name_cmp(x->alert, y->alert);
        return r != 0 ? r : (x->t > y->t) - (x->t < y->t);
}

/* "P":{"A":[T,...],...},... — grouped by playbook and alert, in order. */
static void out_execs(struct out *o, const struct state *s) {
        const struct execution **by;

        if (s->n_execs == 0)
                return;
        by = malloc(s->n_execs * sizeof(*by));
        if (!by) {
                o->b.failed = true;
                return;
        }
        for (size_t i = 0; i < s->n_execs; i++)
                by[i] = &s->execs[i];
        qsort(by, s->n_execs, sizeof(*by), exec_order);
        for (size_t i = 0; i < s->n_execs; i++) {
                const struct execution *e = by[i], *prev = i ? by[i - 1] : NULL;
                bool new_pb = !prev || name_cmp(prev->playbook, e->playbook) != 0;
                bool new_alert = new_pb || name_cmp(prev->alert, e->alert) != 0;

                if (prev && new_alert)
                        out_lit(o, new_pb ? "]}" : "]");
                if (new_pb) {
                        out_key(o, !prev, e->playbook);
                        out_lit(o, "{");
                }
                if (new_alert) {
                        out_key(o, new_pb, e->alert);
                        out_lit(o, "[");
                } else {
                        out_lit(o, ",");
                }
                out_int(o, e->t);
        }
        out_lit(o, "]}");
        free(by);
}

char *state_format(const struct state *s) {
        struct out o = {};

        out_lit(&o, "{\"version\":");
        out_int(&o, STATE_VERSION);
        out_lit(&o, ",\"executions\":{");
        out_execs(&o, s);
        out_lit(&o, "},\"breakers\":{");
        for (size_t i = 0; i < s->n_breakers; i++) {
                out_key(&o, i == 0, s->breakers[i].playbook);
                out_int_member(&o, "{", "failures", s->breakers[i].failures);
                out_int_member(&o, ",", "opened_at", s->breakers[i].opened_at);
                out_int_member(&o, ",", "trial_until", s->breakers[i].trial_until);
                out_lit(&o, "}");
        }
        out_lit(&o, "},\"idempotency\":{");
        for (size_t i = 0; i < s->n_keys; i++) {
                out_key(&o, i == 0, s->keys[i].key);
                out_int(&o, s->keys[i].t);
        }
        out_lit(&o, "},\"running\":[");
        for (size_t i = 0; i < s->n_running; i++) {
                out_int_member(&o, i ? ",{" : "{", "pid", s->running[i].pid);
                out_int_member(&o, ",", "started", s->running[i].started);
                out_key(&o, false, "playbook");
                out_str(&o, s->running[i].playbook);
                out_key(&o, false, "alert");
                out_str(&o, s->running[i].alert);
                if (s->running[i].fingerprint) {
                        out_key(&o, false, "fingerprint");
                        out_str(&o, s->running[i].fingerprint);
                }
                if (s->running[i].resolved_ms > 0) {
                        out_int_member(&o, ",", "resolved_ms", s->running[i].resolved_ms);
                        out_int_member(&o, ",", "resolved_since_ms", s->running[i].resolved_since_ms);
                }
                out_lit(&o, "}");
        }
        out_lit(&o, "]");
        /* Written only when there are some: a state without pauses is byte for byte as before. */
        for (size_t i = 0; i < s->n_pauses; i++) {
                const struct pause *p = &s->pauses[i];
                out_lit(&o, i ? ",{" : ",\"pauses\":[{");
                out_key(&o, true, "playbook");
                out_str(&o, p->playbook);
                out_int_member(&o, ",", "since", p->since);
                out_int_member(&o, ",", "until", p->until);
                out_str_member(&o, "operator", p->by);
                out_str_member(&o, "reason", p->reason);
                out_lit(&o, i + 1 < s->n_pauses ? "}" : "}]");
        }
        for (size_t i = 0; i < s->n_pending; i++) {   /* as the pauses: only when there are some */
                const struct pending *p = &s->pending[i];
                out_lit(&o, i ? ",{" : ",\"pending\":[{");
                out_key(&o, true, "id");
                out_str(&o, p->id);
                out_int_member(&o, ",", "created", p->created);
                out_int_member(&o, ",", "expires", p->expires);
                out_str_member(&o, "alert", p->alert);
                out_str_member(&o, "playbook", p->playbook);
                out_str_member(&o, "fingerprint", p->fingerprint);
                out_lit(&o, ",\"labels\":{");
                for (size_t k = 0; k < p->n_labels; k++) {
                        out_key(&o, k == 0, p->labels[2 * k]);
                        out_str(&o, p->labels[2 * k + 1]);
                }
                out_lit(&o, "},\"argv\":[");
                for (size_t k = 0; k < p->n_argv; k++) {
                        out_lit(&o, k ? "," : "");
                        out_str(&o, p->argv[k]);
                }
                out_lit(&o, "]");
                out_str_member(&o, "closed", action_name(p->closed));
                out_key(&o, false, "operator");
                if (p->by)
                        out_str(&o, p->by);
                else
                        out_lit(&o, "null");
                out_int_member(&o, ",", "closed_at", p->closed_at);
                out_lit(&o, i + 1 < s->n_pending ? "}" : "}]");
        }
        for (size_t i = 0; i < s->n_awaiting; i++) {  /* as the pauses: only when there are some */
                const struct awaiting *w = &s->awaiting[i];
                out_lit(&o, i ? ",{" : ",\"awaiting\":[{");
                out_key(&o, true, "fingerprint");
                out_str(&o, w->fingerprint);
                out_str_member(&o, "alert", w->alert);
                out_str_member(&o, "playbook", w->playbook);
                out_int_member(&o, ",", "started_ms", w->started_ms);
                out_int_member(&o, ",", "starts_at_ms", w->starts_at_ms);
                out_int_member(&o, ",", "judge_at", w->judge_at);
                out_lit(&o, w->breaker ? ",\"breaker\":true" : ",\"breaker\":false");
                if (w->attempts)
                        out_int_member(&o, ",", "attempts", w->attempts);
                out_lit(&o, i + 1 < s->n_awaiting ? "}" : "}]");
        }
        out_lit(&o, ",\"counters\":{");
        for (size_t i = 0; i < s->n_counters; i++) {
                out_key(&o, i == 0, s->counters[i].series);
                out_double(&o, s->counters[i].value);
        }
        out_lit(&o, "}}");
        return strbuf_steal(&o.b);
}
