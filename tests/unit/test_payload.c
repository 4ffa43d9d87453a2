/* payload.c: what of Alertmanager's JSON is accepted, every limit at its boundary, the \u0000
 * rewrite that keeps a label value whole, and the line between a bad request (400) and one bad
 * alert (decided alone as invalid, the rest of the group intact). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "payload.h"

/* A growable string for building large payloads. */
struct buf {
        char *s;
        size_t len, size;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...) {
        va_list ap;
        for (;;) {
                va_start(ap, fmt);
                int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->size - b->len : 0, fmt, ap);
                va_end(ap);
                assert_true(n >= 0);
                if (b->s && (size_t) n < b->size - b->len) {
                        b->len += (size_t) n;
                        return;
                }
                b->size = (b->size + (size_t) n + 1) * 2;
                b->s = realloc(b->s, b->size);
                assert_non_null(b->s);
        }
}

static void put_repeat(struct buf *b, char c, size_t n) {
        for (size_t i = 0; i < n; i++)
                put(b, "%c", c);
}

/* Parses a copy of the len bytes at json (payload_parse rewrites in place). */
static int parse_len(const char *json, size_t len, struct payload *p, char *why, size_t why_size) {
        char *copy = malloc(len + 1);
        assert_non_null(copy);
        memcpy(copy, json, len);
        copy[len] = '\0';
        why[0] = '\0';
        int r = payload_parse(copy, len, p, why, why_size);
        free(copy);                     /* the payload owns copies of every string it keeps */
        return r;
}

static int parse(const char *json, struct payload *p, char *why, size_t why_size) {
        return parse_len(json, strlen(json), p, why, why_size);
}

/* Expects refusal of the whole request: 400, a sentence, and *ret untouched. */
static void refused_len(const char *json, size_t len) {
        struct payload p;
        char why[256];

        memset(&p, 0xa5, sizeof(p));
        int r = parse_len(json, len, &p, why, sizeof(why));
        if (r == 0)
                payload_free(&p);
        if (r != 400)
                fail_msg("accepted (%d): %.200s", r, json);
        assert_true(strlen(why) > 0);
        for (size_t i = 0; i < sizeof(p); i++)
                assert_int_equal(((unsigned char *) &p)[i], 0xa5);
}

static void refused(const char *json) {
        refused_len(json, strlen(json));
}

/* Expects every alert valid. */
static void accepted(const char *json) {
        struct payload p;
        char why[256];

        int r = parse(json, &p, why, sizeof(why));
        if (r != 0)
                fail_msg("refused (%d: %s): %.200s", r, why, json);
        for (size_t i = 0; i < p.n_alerts; i++)
                if (p.alerts[i].invalid[0])
                        fail_msg("alert %zu invalid (%s): %.200s", i, p.alerts[i].invalid, json);
        payload_free(&p);
}

/* What is kept of an alert, valid or not, is within every limit and safe to read. */
static void check_bounded(const struct alert *a) {
        assert_non_null(a->alertname);
        assert_non_null(a->fingerprint);
        assert_non_null(a->starts_at);
        assert_non_null(a->ends_at);
        assert_non_null(a->generator_url);
        assert_true(strlen(a->alertname) <= PAYLOAD_MAX_VALUE);
        assert_true(strlen(a->fingerprint) <= 64);
        assert_true(a->n_labels <= PAYLOAD_MAX_LABELS);
        assert_true(a->n_annotations <= PAYLOAD_MAX_LABELS);
        for (size_t i = 0; i < a->n_labels; i++) {
                assert_true(strlen(a->labels[i].name) <= PAYLOAD_MAX_NAME);
                assert_true(strlen(a->labels[i].value) <= PAYLOAD_MAX_VALUE);
        }
        for (size_t i = 0; i < a->n_annotations; i++)
                assert_true(strlen(a->annotations[i].value) <= PAYLOAD_MAX_VALUE);
}

/* Expects the request accepted with alert `bad` alone invalid, named `alertname`, the others valid;
 * the sentence is printable ASCII (it is built from no alert data but plain label names). */
static void invalid_alone(const char *json, size_t bad, const char *alertname) {
        struct payload p;
        char why[256];

        int r = parse(json, &p, why, sizeof(why));
        if (r != 0)
                fail_msg("refused (%d: %s), expected alert %zu invalid: %.200s", r, why, bad, json);
        assert_true(bad < p.n_alerts);
        for (size_t i = 0; i < p.n_alerts; i++) {
                const struct alert *a = &p.alerts[i];
                check_bounded(a);
                if (i != bad) {
                        if (a->invalid[0])
                                fail_msg("alert %zu invalid too (%s): %.200s", i, a->invalid, json);
                        continue;
                }
                if (!a->invalid[0])
                        fail_msg("alert %zu valid: %.200s", i, json);
                size_t n = strnlen(a->invalid, sizeof(a->invalid));
                assert_true(n < sizeof(a->invalid));
                for (size_t k = 0; k < n; k++)
                        assert_true(a->invalid[k] >= 0x20 && a->invalid[k] < 0x7f);
                assert_string_equal(a->alertname, alertname);
        }
        payload_free(&p);
}

/* The body of a fixture: everything after the blank line. */
static char *fixture_body(const char *name) {
        static const char *const dirs[] = { "tests/fixtures", "../shared/spec/fixtures" };
        char path[512], *buf = malloc(65536);
        size_t n = 0;

        assert_non_null(buf);
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && n == 0; i++) {
                snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
                FILE *f = fopen(path, "rbe");
                if (!f)
                        continue;
                n = fread(buf, 1, 65535, f);
                fclose(f);
        }
        if (n == 0)
                fail_msg("fixture %s not found (run from the repository root)", name);
        buf[n] = '\0';
        char *body = strstr(buf, "\r\n\r\n");
        assert_non_null(body);
        char *copy = strdup(body + 4);
        assert_non_null(copy);
        free(buf);
        return copy;
}

static void fixture_firing_one(void **unused) {
        (void) unused;
        char *body = fixture_body("am025-firing-one.http"), why[256];
        struct payload p;

        assert_int_equal(payload_parse(body, strlen(body), &p, why, sizeof(why)), 0);
        assert_string_equal(p.receiver, "webhook-handler");
        assert_string_equal(p.status, "firing");
        assert_string_equal(p.external_url, "http://vm:19093");
        assert_string_equal(p.group_key, "{}:{alertname=\"SystemDiskSpaceCritical\"}");
        assert_int_equal(p.truncated_alerts, 0);
        assert_int_equal(p.n_alerts, 1);
        const struct alert *a = &p.alerts[0];
        assert_true(a->firing);
        assert_string_equal(a->alertname, "SystemDiskSpaceCritical");
        assert_string_equal(a->fingerprint, "49803e0fe9924375");
        assert_string_equal(a->starts_at, "2026-11-28T02:22:06.39834402Z");
        assert_string_equal(a->ends_at, "0001-01-01T00:00:00Z");
        assert_string_equal(a->generator_url, "");
        assert_int_equal(a->n_labels, 3);
        assert_string_equal(alert_label(a, "instance"), "localhost");
        assert_string_equal(alert_label(a, "severity"), "critical");
        assert_string_equal(alert_label(a, "alertname"), "SystemDiskSpaceCritical");
        assert_null(alert_label(a, "service"));
        assert_int_equal(a->n_annotations, 0);
        assert_null(alert_annotation(a, "summary"));
        payload_free(&p);
        assert_null(p.root);
        assert_null(p.alerts);
        free(body);
}

static void fixture_two(const char *name, bool firing) {
        char *body = fixture_body(name), why[256];
        struct payload p;

        assert_int_equal(payload_parse(body, strlen(body), &p, why, sizeof(why)), 0);
        assert_string_equal(p.status, firing ? "firing" : "resolved");
        assert_int_equal(p.n_alerts, 2);
        assert_int_equal(p.alerts[0].firing, firing);
        assert_int_equal(p.alerts[1].firing, firing);
        assert_string_equal(p.alerts[0].fingerprint, "d838c9f66a559c52");
        assert_string_equal(p.alerts[1].fingerprint, "49803e0fe9924375");
        assert_string_equal(alert_label(&p.alerts[0], "instance"), "host2");
        assert_string_equal(alert_label(&p.alerts[1], "instance"), "localhost");
        assert_string_equal(p.alerts[0].alertname, "SystemDiskSpaceCritical");
        assert_string_equal(p.alerts[1].alertname, "SystemDiskSpaceCritical");
        if (!firing)
                assert_string_equal(p.alerts[0].ends_at, "2026-11-28T02:23:44Z");
        payload_free(&p);
        free(body);
}

static void fixtures_two_alerts(void **unused) {
        (void) unused;
        fixture_two("am025-firing-two-bearer.http", true);
        fixture_two("am025-resolved-two-bearer.http", false);
}

/* The seed's mock: no version, no fingerprint, no startsAt; it is accepted as it is. */
static void seed_mock(void **unused) {
        (void) unused;
        char *body = fixture_body("seed-mock-disk-critical.http"), why[256];
        struct payload p;

        assert_int_equal(payload_parse(body, strlen(body), &p, why, sizeof(why)), 0);
        assert_string_equal(p.receiver, "remediation-webhook");
        assert_int_equal(p.n_alerts, 1);
        const struct alert *a = &p.alerts[0];
        assert_true(a->firing);
        assert_string_equal(a->alertname, "SystemDiskSpaceCritical");
        assert_string_equal(a->fingerprint, "");
        assert_string_equal(a->starts_at, "");
        assert_int_equal(a->n_labels, 5);
        assert_string_equal(alert_label(a, "mountpoint"), "/");
        assert_string_equal(alert_label(a, "component"), "system");
        assert_int_equal(a->n_annotations, 2);
        assert_string_equal(alert_annotation(a, "summary"), "System disk space critically low");
        payload_free(&p);
        free(body);
}

#define ALERT(labels) "{\"status\":\"firing\",\"labels\":" labels "}"
#define BODY(alerts)  "{\"version\":\"4\",\"alerts\":[" alerts "]}"
/* One alert between two good ones: the middle one (index 1) is the one tested. */
#define GOOD_BEFORE   ALERT("{\"alertname\":\"Before\",\"instance\":\"h1\"}")
#define GOOD_AFTER    ALERT("{\"alertname\":\"After\",\"instance\":\"h2\"}")
#define GROUP(alert)  BODY(GOOD_BEFORE "," alert "," GOOD_AFTER)

static void versions(void **unused) {
        (void) unused;
        accepted(BODY(ALERT("{\"alertname\":\"A\"}")));
        accepted("{\"alerts\":[" ALERT("{\"alertname\":\"A\"}") "]}");
        refused("{\"version\":\"3\",\"alerts\":[" ALERT("{\"alertname\":\"A\"}") "]}");
        refused("{\"version\":\"5\",\"alerts\":[]}");
        refused("{\"version\":\"44\",\"alerts\":[]}");
        refused("{\"version\":4,\"alerts\":[]}");
}

/* A bad envelope refuses the whole request. */
static void wrong_envelopes(void **unused) {
        (void) unused;
        /* not JSON, not an object */
        refused("");
        refused("{");
        refused("not json");
        refused("[]");
        refused("\"alerts\"");
        refused("null");
        /* no alerts array */
        refused("{}");
        refused("{\"alerts\":{}}");
        refused("{\"alerts\":null}");
        refused("{\"alerts\":\"x\"}");
        /* top-level strings that are not strings */
        refused("{\"receiver\":1,\"alerts\":[]}");
        refused("{\"status\":[],\"alerts\":[" ALERT("{\"alertname\":\"A\"}") "]}");
        refused("{\"groupKey\":{},\"alerts\":[" ALERT("{\"alertname\":\"A\"}") "]}");
        /* an empty list is a valid, if pointless, notification */
        accepted("{\"alerts\":[]}");
}

/* One bad alert in the middle of a GROUP(), and the name it keeps. */
struct bad_case {
        const char *json, *alertname;
};
#define BAD(alert, name) { GROUP(alert), name }

static void invalid_cases(const struct bad_case *c, size_t n) {
        for (size_t i = 0; i < n; i++)
                invalid_alone(c[i].json, 1, c[i].alertname);
}

/* A bad alert is decided alone: the request is accepted, the others are intact. */
static void wrong_alert_shapes(void **unused) {
        (void) unused;
        static const struct bad_case cases[] = {
                /* an alert that is not an object, or has no labels */
                BAD("1", ""),
                BAD("\"x\"", ""),
                BAD("null", ""),
                BAD("[]", ""),
                BAD("{\"status\":\"firing\"}", ""),
                BAD("{\"status\":\"firing\",\"labels\":[]}", ""),
                BAD("{\"status\":\"firing\",\"labels\":null}", ""),
                /* a label or annotation value that is not a string */
                BAD(ALERT("{\"alertname\":5}"), ""),
                BAD(ALERT("{\"alertname\":null}"), ""),
                BAD(ALERT("{\"alertname\":{\"a\":\"b\"}}"), ""),
                BAD(ALERT("{\"alertname\":\"A\",\"instance\":7}"), "A"),
                BAD("{\"status\":\"firing\",\"labels\":{\"alertname\":\"A\"},"
                    "\"annotations\":{\"summary\":true}}", "A"),
                BAD("{\"status\":\"firing\",\"labels\":{\"alertname\":\"A\"},\"annotations\":[]}", "A"),
                /* an empty label name */
                BAD(ALERT("{\"\":\"x\",\"alertname\":\"A\"}"), "A"),
                /* status neither firing nor resolved */
                BAD("{\"status\":\"pending\",\"labels\":{\"alertname\":\"A\"}}", "A"),
                BAD("{\"status\":\"Firing\",\"labels\":{}}", ""),
                BAD("{\"status\":\"\",\"labels\":{}}", ""),
                BAD("{\"labels\":{\"alertname\":\"A\"}}", "A"),
                BAD("{\"status\":1,\"labels\":{}}", ""),
                /* optional strings that are not strings */
                BAD("{\"status\":\"firing\",\"labels\":{\"alertname\":\"A\"},\"startsAt\":1}", "A"),
                BAD("{\"status\":\"firing\",\"labels\":{\"alertname\":\"A\"},\"generatorURL\":[]}", "A"),
        };

        invalid_cases(cases, sizeof(cases) / sizeof(cases[0]));
        /* the first alert or the last one, alone in its group or not */
        invalid_alone(BODY("1," GOOD_AFTER), 0, "");
        invalid_alone(BODY(GOOD_BEFORE ",1"), 1, "");
        invalid_alone(BODY("1"), 0, "");
}

/* What an invalid alert keeps: only what passed every check. */
static void invalid_alert_keeps_the_safe_parts(void **unused) {
        (void) unused;
        struct payload p;
        char why[256];
        struct buf b = {};

        /* A value over the limit: the alert keeps its name and its other labels, not that one. */
        put(&b, BODY("{\"status\":\"firing\",\"fingerprint\":\"0123abcd\",\"labels\":"
                     "{\"alertname\":\"A\",\"name\":\"%0*d\",\"instance\":\"h\"}}," GOOD_AFTER),
            PAYLOAD_MAX_VALUE + 1, 0);
        assert_int_equal(parse(b.s, &p, why, sizeof(why)), 0);
        assert_int_equal(p.n_alerts, 2);
        const struct alert *a = &p.alerts[0];
        assert_string_equal(a->invalid, "label 'name' is longer than 4096 bytes");
        assert_true(a->firing);
        assert_string_equal(a->alertname, "A");
        assert_string_equal(a->fingerprint, "0123abcd");
        assert_int_equal(a->n_labels, 2);
        assert_null(alert_label(a, "name"));
        assert_string_equal(alert_label(a, "instance"), "h");
        assert_string_equal(p.alerts[1].invalid, "");
        assert_string_equal(p.alerts[1].alertname, "After");
        payload_free(&p);
        free(b.s);

        /* The alertname itself over the limit: the alert has no name. */
        b = (struct buf) {};
        put(&b, BODY(ALERT("{\"alertname\":\"%0*d\",\"instance\":\"h\"}")), PAYLOAD_MAX_VALUE + 1, 0);
        assert_int_equal(parse(b.s, &p, why, sizeof(why)), 0);
        assert_string_equal(p.alerts[0].invalid, "label 'alertname' is longer than 4096 bytes");
        assert_string_equal(p.alerts[0].alertname, "");
        assert_int_equal(p.alerts[0].n_labels, 1);
        payload_free(&p);
        free(b.s);

        /* A bad fingerprint is not kept; the first problem is the one told. */
        assert_int_equal(parse(BODY("{\"status\":\"pending\",\"fingerprint\":\"../x\","
                                    "\"labels\":{\"alertname\":\"A\"}}"), &p, why, sizeof(why)), 0);
        assert_string_equal(p.alerts[0].invalid, "alert status is neither 'firing' nor 'resolved'");
        assert_string_equal(p.alerts[0].fingerprint, "");
        assert_string_equal(p.alerts[0].alertname, "A");
        payload_free(&p);

        /* A label name that is not a plain identifier is not repeated in the sentence. */
        assert_int_equal(parse(BODY(ALERT("{\"alertname\":\"A\",\"a\\nb\":1}")), &p, why, sizeof(why)), 0);
        assert_string_equal(p.alerts[0].invalid, "a label is not a string");
        payload_free(&p);

        /* A plain name is told up to PAYLOAD_MAX_QUOTED_NAME bytes, and the sentence is whole. */
        for (size_t len = PAYLOAD_MAX_QUOTED_NAME; len <= PAYLOAD_MAX_QUOTED_NAME + 1; len++) {
                char want[PAYLOAD_INVALID_REASON];
                b = (struct buf) {};
                put(&b, BODY("{\"status\":\"firing\",\"labels\":{},\"annotations\":{\"x%0*d\":\"%0*d\"}}"),
                    (int) len - 1, 0, PAYLOAD_MAX_VALUE + 1, 0);
                snprintf(want, sizeof(want), "annotation 'x%0*d' is longer than 4096 bytes", (int) len - 1, 0);
                assert_int_equal(parse(b.s, &p, why, sizeof(why)), 0);
                assert_string_equal(p.alerts[0].invalid, len <= PAYLOAD_MAX_QUOTED_NAME ? want
                                    : "an annotation is longer than 4096 bytes");
                payload_free(&p);
                free(b.s);
        }

        /* Not an object: nothing is kept, every string is "". */
        assert_int_equal(parse(BODY("1"), &p, why, sizeof(why)), 0);
        assert_string_equal(p.alerts[0].invalid, "the alert is not a JSON object");
        assert_false(p.alerts[0].firing);
        assert_string_equal(p.alerts[0].alertname, "");
        assert_string_equal(p.alerts[0].fingerprint, "");
        assert_string_equal(p.alerts[0].starts_at, "");
        assert_int_equal(p.alerts[0].n_labels, 0);
        payload_free(&p);
}

static void fingerprints(void **unused) {
        (void) unused;
        accepted(BODY("{\"status\":\"firing\",\"labels\":{},\"fingerprint\":\"0123456789abcdefABCDEF\"}"));
        accepted(BODY("{\"status\":\"firing\",\"labels\":{},\"fingerprint\":\"\"}"));
        accepted(BODY("{\"status\":\"firing\",\"labels\":{},\"fingerprint\":null}"));
        static const struct bad_case cases[] = {
                BAD("{\"status\":\"firing\",\"labels\":{},\"fingerprint\":\"xyz\"}", ""),
                BAD("{\"status\":\"firing\",\"labels\":{},\"fingerprint\":\"49803e0f-e9924375\"}", ""),
                BAD("{\"status\":\"firing\",\"labels\":{},\"fingerprint\":\"4980 3e0f\"}", ""),
                BAD("{\"status\":\"firing\",\"labels\":{},\"fingerprint\":\"../../x\"}", ""),
                BAD("{\"status\":\"firing\",\"labels\":{},\"fingerprint\":\"ab\\u0000cd\"}", ""),
                BAD("{\"status\":\"firing\",\"labels\":{\"alertname\":\"F\"},\"fingerprint\":12}", "F"),
        };
        invalid_cases(cases, sizeof(cases) / sizeof(cases[0]));
        /* 64 hex digits fit, 65 do not */
        struct buf b = {};
        put(&b, BODY("{\"status\":\"firing\",\"labels\":{},\"fingerprint\":\"%064d\"}"), 0);
        accepted(b.s);
        free(b.s);
        b = (struct buf) {};
        put(&b, GROUP("{\"status\":\"firing\",\"labels\":{},\"fingerprint\":\"%065d\"}"), 0);
        invalid_alone(b.s, 1, "");
        free(b.s);
}

/* {"alerts":[ n alerts ]} */
static char *n_alerts(size_t n) {
        struct buf b = {};
        put(&b, "{\"version\":\"4\",\"alerts\":[");
        for (size_t i = 0; i < n; i++)
                put(&b, "%s{\"status\":\"firing\",\"labels\":{\"alertname\":\"A%zu\"}}", i ? "," : "", i);
        put(&b, "]}");
        return b.s;
}

static void alert_count_limit(void **unused) {
        (void) unused;
        struct payload p;
        char why[256];
        char *s = n_alerts(PAYLOAD_MAX_ALERTS);

        assert_int_equal(parse(s, &p, why, sizeof(why)), 0);
        assert_int_equal(p.n_alerts, PAYLOAD_MAX_ALERTS);
        assert_string_equal(p.alerts[PAYLOAD_MAX_ALERTS - 1].alertname, "A999");
        payload_free(&p);
        free(s);
        s = n_alerts(PAYLOAD_MAX_ALERTS + 1);
        refused(s);
        free(s);
}

/* The start of one alert's labels or annotations object (labels then hold only alertname). */
static void open_member(struct buf *b, const char *member) {
        if (strcmp(member, "labels") == 0)
                put(b, "{\"alerts\":[{\"status\":\"firing\",\"labels\":{");
        else
                put(b, "{\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"A\"},\"%s\":{", member);
}

/* The end of the alert open_member() began, then a good alert. */
static void close_member(struct buf *b) {
        put(b, "}}," GOOD_AFTER "]}");
}

/* One alert whose labels (or annotations) are n pairs "kI":"v", then a good alert. */
static char *n_labels(const char *member, size_t n) {
        struct buf b = {};
        open_member(&b, member);
        for (size_t i = 0; i < n; i++)
                put(&b, "%s\"k%zu\":\"v\"", i ? "," : "", i);
        close_member(&b);
        return b.s;
}

static void label_count_limit(void **unused) {
        (void) unused;
        static const char *const members[] = { "labels", "annotations" };

        for (size_t m = 0; m < 2; m++) {
                char *s = n_labels(members[m], PAYLOAD_MAX_LABELS);
                accepted(s);
                free(s);
                s = n_labels(members[m], PAYLOAD_MAX_LABELS + 1);
                invalid_alone(s, 0, m == 0 ? "" : "A");
                free(s);
        }

        /* Over the limit, the alert keeps the first 64 and counts only those. */
        struct payload p;
        char why[256];
        char *s = n_labels("annotations", PAYLOAD_MAX_LABELS + 10);
        assert_int_equal(parse(s, &p, why, sizeof(why)), 0);
        assert_string_equal(p.alerts[0].invalid, "more than 64 annotations");
        assert_int_equal(p.alerts[0].n_annotations, PAYLOAD_MAX_LABELS);
        assert_string_equal(p.alerts[0].alertname, "A");
        payload_free(&p);
        free(s);
}

/* One alert with one label whose name and value are name_len and value_len bytes of 'n'/'v', then
 * a good alert. */
static char *sized_label(const char *member, size_t name_len, size_t value_len) {
        struct buf b = {};
        open_member(&b, member);
        put(&b, "\"");
        put_repeat(&b, 'n', name_len);
        put(&b, "\":\"");
        put_repeat(&b, 'v', value_len);
        put(&b, "\"");
        close_member(&b);
        return b.s;
}

static void name_and_value_limits(void **unused) {
        (void) unused;
        static const char *const members[] = { "labels", "annotations" };
        struct { size_t name, value; bool invalid; } cases[] = {
                { PAYLOAD_MAX_NAME, 1, false },
                { PAYLOAD_MAX_NAME + 1, 1, true },
                { 1, PAYLOAD_MAX_VALUE, false },
                { 1, PAYLOAD_MAX_VALUE + 1, true },
                { 1, 0, false },                        /* an empty value is a value */
        };

        for (size_t m = 0; m < 2; m++)
                for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                        char *s = sized_label(members[m], cases[i].name, cases[i].value);
                        if (cases[i].invalid)
                                invalid_alone(s, 0, m == 0 ? "" : "A");
                        else
                                accepted(s);
                        free(s);
                }
}

/* {"alerts":[],"x": depth-1 nested arrays } has `depth` levels in all. */
static char *nested_arrays(size_t depth) {
        struct buf b = {};
        put(&b, "{\"alerts\":[],\"x\":");
        put_repeat(&b, '[', depth - 1);
        put_repeat(&b, ']', depth - 1);
        put(&b, "}");
        return b.s;
}

static char *nested_objects(size_t depth) {
        struct buf b = {};
        put(&b, "{\"alerts\":[],\"x\":");
        for (size_t i = 1; i < depth; i++)
                put(&b, "{\"x\":");
        put(&b, "1");
        for (size_t i = 1; i < depth; i++)
                put(&b, "}");
        put(&b, "}");
        return b.s;
}

static void nesting_limit(void **unused) {
        (void) unused;
        char *s = nested_arrays(PAYLOAD_MAX_JSON_DEPTH);
        accepted(s);
        free(s);
        s = nested_arrays(PAYLOAD_MAX_JSON_DEPTH + 1);
        refused(s);
        free(s);
        s = nested_arrays(50);
        refused(s);
        free(s);
        s = nested_objects(PAYLOAD_MAX_JSON_DEPTH);
        accepted(s);
        free(s);
        s = nested_objects(PAYLOAD_MAX_JSON_DEPTH + 1);
        refused(s);
        free(s);
        /* Brackets inside strings are text, not nesting. */
        accepted("{\"alerts\":[],\"x\":\"[[[[[[[[[[[[{{{{{{{{{{{{\"}");
        /* A quote escaped inside a string does not end it. */
        accepted("{\"alerts\":[],\"x\":\"\\\"[[[[[[[[[[[[[[[[\"}");
        /* Very deep nesting, refused before any recursion. */
        struct buf b = {};
        put(&b, "{\"alerts\":[],\"x\":");
        put_repeat(&b, '[', 100000);
        refused(b.s);
        free(b.s);
}

static void duplicate_label_names(void **unused) {
        (void) unused;
        invalid_alone(GROUP(ALERT("{\"alertname\":\"A\",\"name\":\"a\",\"name\":\"b\"}")), 1, "A");
        invalid_alone(GROUP(ALERT("{\"alertname\":\"A\",\"alertname\":\"B\"}")), 1, "A");
        invalid_alone(GROUP("{\"status\":\"firing\",\"labels\":{},\"annotations\":{\"s\":\"a\",\"s\":\"a\"}}"),
                      1, "");
        /* Names differing in case are different names. */
        accepted(BODY(ALERT("{\"alertname\":\"A\",\"name\":\"a\",\"Name\":\"b\"}")));
}

/* "\u0000" would cut a C string short; it becomes U+FFFD, the value stays whole. */
static void nul_escape_becomes_replacement(void **unused) {
        (void) unused;
        struct payload p;
        char why[256];
        char body[] = BODY(ALERT("{\"alertname\":\"A\",\"name\":\"jelly\\u0000; rm -rf /\"}"));

        assert_int_equal(payload_parse(body, strlen(body), &p, why, sizeof(why)), 0);
        const char *v = alert_label(&p.alerts[0], "name");
        assert_non_null(v);
        assert_string_equal(v, "jelly\xef\xbf\xbd; rm -rf /");
        assert_int_equal(strlen(v), 5 + 3 + 10);
        assert_non_null(strstr(body, "\\uFFFD"));               /* rewritten in place, same length */
        payload_free(&p);

        /* An escaped backslash followed by text "u0000" is not an escape: left alone. */
        char body2[] = BODY(ALERT("{\"alertname\":\"A\",\"name\":\"a\\\\u0000b\"}"));
        assert_int_equal(payload_parse(body2, strlen(body2), &p, why, sizeof(why)), 0);
        assert_string_equal(alert_label(&p.alerts[0], "name"), "a\\u0000b");
        assert_null(strstr(body2, "FFFD"));
        payload_free(&p);

        /* An escaped backslash, then a real \u0000 escape: only the latter is rewritten. */
        char body3[] = BODY(ALERT("{\"alertname\":\"A\",\"name\":\"a\\\\\\u0000b\"}"));
        assert_int_equal(payload_parse(body3, strlen(body3), &p, why, sizeof(why)), 0);
        assert_string_equal(alert_label(&p.alerts[0], "name"), "a\\\xef\xbf\xbd" "b");
        payload_free(&p);

        /* In an annotation, and several in one value. */
        char body4[] = BODY("{\"status\":\"firing\",\"labels\":{},\"annotations\":{\"s\":\"\\u0000x\\u0000\"}}");
        assert_int_equal(payload_parse(body4, strlen(body4), &p, why, sizeof(why)), 0);
        assert_string_equal(alert_annotation(&p.alerts[0], "s"), "\xef\xbf\xbdx\xef\xbf\xbd");
        payload_free(&p);
}

static void unknown_fields_ignored(void **unused) {
        (void) unused;
        struct payload p;
        char why[256];
        const char *s = "{\"version\":\"4\",\"notification_reason\":\"x\",\"routeLabels\":{\"a\":[1,2]},"
                        "\"groupLabels\":{},\"commonLabels\":{},\"truncatedAlerts\":3,"
                        "\"alerts\":[{\"status\":\"resolved\",\"labels\":{\"alertname\":\"B\"},"
                        "\"unknownField\":{\"x\":1},\"silencedBy\":[],\"values\":null}]}";

        assert_int_equal(parse(s, &p, why, sizeof(why)), 0);
        assert_int_equal(p.n_alerts, 1);
        assert_false(p.alerts[0].firing);
        assert_string_equal(p.alerts[0].alertname, "B");
        assert_int_equal(p.truncated_alerts, 3);
        payload_free(&p);

        /* No alertname label: the alert is kept, with an empty name. */
        assert_int_equal(parse(BODY(ALERT("{\"x\":\"y\"}")), &p, why, sizeof(why)), 0);
        assert_string_equal(p.alerts[0].alertname, "");
        payload_free(&p);
}

/* Bytes after the JSON value make the body invalid JSON: a 400, like any other parse error. */
static void trailing_garbage_refused(void **unused) {
        (void) unused;
        accepted("{\"alerts\":[]}\n");                          /* trailing whitespace is JSON */
        accepted("{\"alerts\":[]} \r\n\t");
        refused("{\"alerts\":[]} garbage");
        refused("{\"alerts\":[]}{\"alerts\":[]}");
        refused("{\"alerts\":[]}\\u0000");
}

/* A raw NUL byte would end a C string early: "jellyfin<NUL>; rm -rf /" would run as jellyfin. No
 * JSON text has one (control characters must be escaped), so the whole body is refused. */
static void raw_nul_refused(void **unused) {
        (void) unused;
        static const char in_value[] = BODY(ALERT("{\"alertname\":\"A\",\"name\":\"jellyfin\0; rm -rf /\"}"));
        static const char in_name[] = BODY(ALERT("{\"alertname\":\"A\",\"na\0me\":\"x\"}"));
        static const char in_alertname[] = BODY(ALERT("{\"alertname\":\"A\0B\"}"));
        static const char in_receiver[] = "{\"receiver\":\"r\0x\",\"alerts\":[]}";
        static const char between[] = "{\"alerts\":[]\0}";
        static const char first[] = "\0{\"alerts\":[]}";
        static const char last[] = "{\"alerts\":[]}\0";

        refused_len(in_value, sizeof(in_value) - 1);
        refused_len(in_name, sizeof(in_name) - 1);
        refused_len(in_alertname, sizeof(in_alertname) - 1);
        refused_len(in_receiver, sizeof(in_receiver) - 1);
        refused_len(between, sizeof(between) - 1);
        refused_len(first, sizeof(first) - 1);
        refused_len(last, sizeof(last) - 1);
        /* The escape is not a raw NUL: still accepted (and rewritten, see above). */
        accepted(BODY(ALERT("{\"alertname\":\"A\",\"name\":\"jellyfin\\u0000\"}")));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(fixture_firing_one),
                cmocka_unit_test(fixtures_two_alerts),
                cmocka_unit_test(seed_mock),
                cmocka_unit_test(versions),
                cmocka_unit_test(wrong_envelopes),
                cmocka_unit_test(wrong_alert_shapes),
                cmocka_unit_test(invalid_alert_keeps_the_safe_parts),
                cmocka_unit_test(fingerprints),
                cmocka_unit_test(alert_count_limit),
                cmocka_unit_test(label_count_limit),
                cmocka_unit_test(name_and_value_limits),
                cmocka_unit_test(nesting_limit),
                cmocka_unit_test(duplicate_label_names),
                cmocka_unit_test(nul_escape_becomes_replacement),
                cmocka_unit_test(unknown_fields_ignored),
                cmocka_unit_test(trailing_garbage_refused),
                cmocka_unit_test(raw_nul_refused),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
