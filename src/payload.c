/* Alertmanager sends JSON; cJSON parses it, this file decides what of it is acceptable. Every
 * limit is checked before a value is used, and anything that is not Alertmanager's shape is 400,
 * which Alertmanager does not retry. */
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
 * recurses, and rewrites the escape \u0000 to \uFFFD in place (same length). cJSON would store NUL
 * in the middle of a C string, silently cutting a label value short; U+FFFD instead keeps the
 * value whole and fails every argument check, so it can never reach a playbook. */
static int prescan(char *s, size_t len, char *why, size_t why_size) {
        unsigned depth = 0;
        bool in_string = false;

        for (size_t i = 0; i < len; i++) {
                char c = s[i];
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

/* An optional string member: "" when absent, 400 when present but not a string. */
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

static int parse_map(const cJSON *obj, const char *what, struct kv *out, size_t *n,
                     char *why, size_t why_size) {
        const cJSON *it;

        *n = 0;
        if (!obj || cJSON_IsNull(obj))
                return 0;
        if (!cJSON_IsObject(obj))
                return fail(why, why_size, "'%s' is not an object", what);
        cJSON_ArrayForEach(it, obj) {
                if (*n >= PAYLOAD_MAX_LABELS)
                        return fail(why, why_size, "more than %d %s", PAYLOAD_MAX_LABELS, what);
                if (!cJSON_IsString(it))
                        return fail(why, why_size, "a value in '%s' is not a string", what);
                size_t nl = strlen(it->string);
                if (nl == 0 || nl > PAYLOAD_MAX_NAME)
                        return fail(why, why_size, "a name in '%s' is empty or longer than %d bytes",
                                    what, PAYLOAD_MAX_NAME);
                if (strlen(it->valuestring) > PAYLOAD_MAX_VALUE)
                        return fail(why, why_size, "a value in '%s' is longer than %d bytes", what,
                                    PAYLOAD_MAX_VALUE);
                for (size_t i = 0; i < *n; i++)
                        if (strcmp(out[i].name, it->string) == 0)
                                return fail(why, why_size, "'%s' names one key twice", what);
                out[(*n)++] = (struct kv) { it->string, it->valuestring };
        }
        return 0;
}

static int parse_alert(const cJSON *a, struct alert *out, char *why, size_t why_size) {
        const char *status;
        int r;

        if (!cJSON_IsObject(a))
                return fail(why, why_size, "an alert is not an object");
        if ((r = opt_string(a, "status", 16, &status, why, why_size)))
                return r;
        if (strcmp(status, "firing") != 0 && strcmp(status, "resolved") != 0)
                return fail(why, why_size, "alert status is neither 'firing' nor 'resolved'");
        out->firing = status[0] == 'f';

        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(a, "labels");
        if (!cJSON_IsObject(labels))
                return fail(why, why_size, "an alert has no 'labels' object");
        if ((r = parse_map(labels, "labels", out->labels, &out->n_labels, why, why_size)) ||
            (r = parse_map(cJSON_GetObjectItemCaseSensitive(a, "annotations"), "annotations",
                           out->annotations, &out->n_annotations, why, why_size)) ||
            (r = opt_string(a, "fingerprint", 64, &out->fingerprint, why, why_size)) ||
            (r = opt_string(a, "startsAt", 64, &out->starts_at, why, why_size)) ||
            (r = opt_string(a, "endsAt", 64, &out->ends_at, why, why_size)) ||
            (r = opt_string(a, "generatorURL", PAYLOAD_MAX_VALUE, &out->generator_url, why, why_size)))
                return r;
        for (const char *c = out->fingerprint; *c; c++)
                if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') || (*c >= 'A' && *c <= 'F')))
                        return fail(why, why_size, "fingerprint is not hexadecimal");
        out->alertname = alert_label(out, "alertname");
        if (!out->alertname)
                out->alertname = "";
        return 0;
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
        cJSON_ArrayForEach(a, alerts) {
                if ((r = parse_alert(a, &p.alerts[p.n_alerts], why, why_size)))
                        goto error;
                p.n_alerts++;
        }
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
