/* Alertmanager sends JSON; cJSON parses it, this file decides what of it is acceptable. Every
 * limit is checked before a value is used. A bad envelope (not JSON, a raw NUL byte, too deep, no
 * 'alerts' array, too many alerts, a wrong version or top-level field) is 400, which Alertmanager
 * does not retry. A bad alert only marks itself invalid (struct alert.invalid), keeping only what
 * passed every check: the gate alert_invalid blocks it, and the rest of its group is decided. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "payload.h"

static int fail(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t size, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, size, fmt, ap);
        va_end(ap);
        return 400;
}

/* One pass over the raw JSON, outside and inside strings: bounds the nesting depth before cJSON
 * recurses, refuses a raw NUL byte, and rewrites the escape \u0000 to \uFFFD in place (same
 * length). Either NUL would end a C string early, silently cutting a label value short (valid JSON
 * never has a raw one); U+FFFD instead keeps the value whole and fails every argument check, so it
 * can never reach a playbook. */
static int prescan(char *s, size_t len, char *why, size_t why_size) {
        unsigned depth = 0;
        bool in_string = false;

        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (c == '\0')
                        return fail(why, why_size, "body contains a NUL byte");
                if (in_string) {
                        if (c == '"')
                                in_string = false;
                        else if (c == '\\' && i + 1 < len) {
                                if (s[i + 1] == 'u' && i + 5 < len && memcmp(s + i + 2, "0000", 4) == 0)
                                        memcpy(s + i + 2, "FFFD", 4);
                                i++;
                        }
                } else if (c == '"')
                        in_string = true;
                else if (c == '{' || c == '[') {
                        if (++depth > PAYLOAD_MAX_JSON_DEPTH)
                                return fail(why, why_size, "JSON nested deeper than %d levels",
                                            PAYLOAD_MAX_JSON_DEPTH);
                } else if ((c == '}' || c == ']') && depth > 0)
                        depth--;
        }
        return 0;
}

/* An optional string member: "" when absent or null. 400 with a sentence in why when it is not a
 * string or is longer than max; *ret is "" then. */
static int opt_string(const cJSON *obj, const char *name, size_t max, const char **ret,
                      char *why, size_t why_size) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
        *ret = "";
        if (!v || cJSON_IsNull(v))
                return 0;
        if (!cJSON_IsString(v))
                return fail(why, why_size, "'%s' is not a string", name);
        if (strlen(v->valuestring) > max)
                return fail(why, why_size, "'%s' is longer than %zu bytes", name, max);
        *ret = v->valuestring;
        return 0;
}

/* Notes why an alert is invalid; the first problem found is the one told. */
static void bad_alert(struct alert *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad_alert(struct alert *a, const char *fmt, ...) {
        va_list ap;

        if (a->invalid[0])
                return;
        va_start(ap, fmt);
        vsnprintf(a->invalid, sizeof(a->invalid), fmt, ap);
        va_end(ap);
}

/* A string member of an alert, as opt_string(); when it is wrong the alert is invalid. */
static void alert_string(const cJSON *obj, const char *name, size_t max, const char **ret,
                         struct alert *a) {
        char why[PAYLOAD_INVALID_REASON];

        if (opt_string(obj, name, max, ret, why, sizeof(why)))
                bad_alert(a, "%s", why);
}

/* Alert data never goes into a sentence, but a plain name does: it tells which label is wrong. */
static bool plain_name(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > PAYLOAD_MAX_QUOTED_NAME)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
                      (i > 0 && s[i] >= '0' && s[i] <= '9')))
                        return false;
        return true;
}

/* The longest sentence, "annotation '<name>' is longer than 4096 bytes", is never cut short. */
_Static_assert(PAYLOAD_MAX_QUOTED_NAME + 48 <= PAYLOAD_INVALID_REASON, "invalid[] too small");

/* Labels or annotations (`member`, each one a `noun`): the entries that pass every check are kept
 * and counted, the first that does not makes the alert invalid. */
static void parse_map(const cJSON *obj, const char *member, const char *noun, struct kv *out,
                      size_t *n, struct alert *a) {
        const cJSON *it;

        *n = 0;
        if (!obj || cJSON_IsNull(obj))
                return;
        if (!cJSON_IsObject(obj))
                return bad_alert(a, "'%s' is not an object", member);
        const char *article = strchr("aeiou", noun[0]) ? "an" : "a";
        cJSON_ArrayForEach(it, obj) {
                char what[PAYLOAD_MAX_QUOTED_NAME + 16];       /* "annotation '<name>'" */
                size_t nl = strlen(it->string);
                bool twice = false;

                if (*n >= PAYLOAD_MAX_LABELS)
                        return bad_alert(a, "more than %d %s", PAYLOAD_MAX_LABELS, member);
                if (nl == 0 || nl > PAYLOAD_MAX_NAME) {
                        bad_alert(a, "%s %s name is empty or longer than %d bytes", article, noun,
                                  PAYLOAD_MAX_NAME);
                        continue;
                }
                if (plain_name(it->string))
                        snprintf(what, sizeof(what), "%s '%s'", noun, it->string);
                else
                        snprintf(what, sizeof(what), "%s %s", article, noun);
                for (size_t i = 0; i < *n && !twice; i++)
                        twice = strcmp(out[i].name, it->string) == 0;
                if (twice)
                        bad_alert(a, "%s is given twice", what);
                else if (!cJSON_IsString(it))
                        bad_alert(a, "%s is not a string", what);
                else if (strlen(it->valuestring) > PAYLOAD_MAX_VALUE)
                        bad_alert(a, "%s is longer than %d bytes", what, PAYLOAD_MAX_VALUE);
                else
                        out[(*n)++] = (struct kv) { it->string, it->valuestring };
        }
}

/* The alert's name: its alertname label when that is a string within the limit, even in an invalid
 * alert (the decision log then names it), else "". */
static const char *alert_name(const cJSON *labels) {
        const cJSON *v = cJSON_IsObject(labels) ? cJSON_GetObjectItemCaseSensitive(labels, "alertname")
                                               : NULL;

        return cJSON_IsString(v) && strlen(v->valuestring) <= PAYLOAD_MAX_VALUE ? v->valuestring : "";
}

/* Fills out from one element of 'alerts'. Never fails: what is wrong makes out->invalid say why. */
static void parse_alert(const cJSON *a, struct alert *out) {
        const char *status;

        *out = (struct alert) { .alertname = "", .fingerprint = "", .starts_at = "", .ends_at = "",
                                .generator_url = "" };
        if (!cJSON_IsObject(a))
                return bad_alert(out, "the alert is not a JSON object");
        alert_string(a, "status", 16, &status, out);
        if (strcmp(status, "firing") != 0 && strcmp(status, "resolved") != 0)
                bad_alert(out, "alert status is neither 'firing' nor 'resolved'");
        out->firing = strcmp(status, "firing") == 0;

        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(a, "labels");
        if (!cJSON_IsObject(labels))
                bad_alert(out, "the alert has no 'labels' object");
        else
                parse_map(labels, "labels", "label", out->labels, &out->n_labels, out);
        out->alertname = alert_name(labels);
        parse_map(cJSON_GetObjectItemCaseSensitive(a, "annotations"), "annotations", "annotation",
                  out->annotations, &out->n_annotations, out);

        const char *fingerprint;
        alert_string(a, "fingerprint", 64, &fingerprint, out);
        bool hex = true;
        for (const char *c = fingerprint; *c && hex; c++)
                hex = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') || (*c >= 'A' && *c <= 'F');
        if (hex)
                out->fingerprint = fingerprint;
        else
                bad_alert(out, "fingerprint is not hexadecimal");
        alert_string(a, "startsAt", 64, &out->starts_at, out);
        alert_string(a, "endsAt", 64, &out->ends_at, out);
        alert_string(a, "generatorURL", PAYLOAD_MAX_VALUE, &out->generator_url, out);
}

int payload_parse(char *body, size_t len, struct payload *ret, char *why, size_t why_size) {
        struct payload p = {};
        const char *version;
        int r;

        if (!body || len == 0)
                return fail(why, why_size, "empty body");
        if ((r = prescan(body, len, why, why_size)))
                return r;
        const char *end = NULL;
        p.root = cJSON_ParseWithLengthOpts(body, len, &end, false);
        if (!p.root)
                return fail(why, why_size, "body is not valid JSON");
        /* One JSON value and nothing after it but whitespace. */
        for (; end && end < body + len; end++)
                if (!strchr(" \t\r\n", *end) || *end == '\0') {
                        cJSON_Delete(p.root);
                        return fail(why, why_size, "body is not valid JSON: text after the value");
                }
        if (!cJSON_IsObject(p.root)) {
                r = fail(why, why_size, "body is not a JSON object");
                goto error;
        }
        if ((r = opt_string(p.root, "version", 8, &version, why, why_size)) ||
            (r = opt_string(p.root, "receiver", PAYLOAD_MAX_VALUE, &p.receiver, why, why_size)) ||
            (r = opt_string(p.root, "status", 16, &p.status, why, why_size)) ||
            (r = opt_string(p.root, "groupKey", PAYLOAD_MAX_VALUE, &p.group_key, why, why_size)) ||
            (r = opt_string(p.root, "externalURL", PAYLOAD_MAX_VALUE, &p.external_url, why, why_size)))
                goto error;
        /* The seed's mock payload has no version; anything else must be version 4. */
        if (*version && strcmp(version, "4") != 0) {
                r = fail(why, why_size, "unsupported webhook payload version");
                goto error;
        }
        const cJSON *trunc = cJSON_GetObjectItemCaseSensitive(p.root, "truncatedAlerts");
        if (trunc && cJSON_IsNumber(trunc) && trunc->valuedouble >= 0 && trunc->valuedouble < 1e9)
                p.truncated_alerts = (long) trunc->valuedouble;

        const cJSON *alerts = cJSON_GetObjectItemCaseSensitive(p.root, "alerts");
        if (!cJSON_IsArray(alerts)) {
                r = fail(why, why_size, "body has no 'alerts' array");
                goto error;
        }
        int n = cJSON_GetArraySize(alerts);
        if (n > PAYLOAD_MAX_ALERTS) {
                r = fail(why, why_size, "more than %d alerts in one request", PAYLOAD_MAX_ALERTS);
                goto error;
        }
        p.alerts = calloc((size_t) n + 1, sizeof(struct alert));
        if (!p.alerts) {
                r = 503;
                snprintf(why, why_size, "out of memory");
                goto error;
        }
        const cJSON *a;
        cJSON_ArrayForEach(a, alerts)
                parse_alert(a, &p.alerts[p.n_alerts++]);
        *ret = p;
        return 0;
error:
        payload_free(&p);
        return r;
}

void payload_free(struct payload *p) {
        cJSON_Delete(p->root);
        free(p->alerts);
        *p = (struct payload) {};
}

static const char *lookup(const struct kv *kv, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(kv[i].name, name) == 0)
                        return kv[i].value;
        return NULL;
}

const char *alert_label(const struct alert *a, const char *name) {
        return lookup(a->labels, a->n_labels, name);
}

const char *alert_annotation(const struct alert *a, const char *name) {
        return lookup(a->annotations, a->n_annotations, name);
}
