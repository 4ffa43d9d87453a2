/* config.c: the reference file, every class of error with its exact position, limits, ownership. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

#define REFERENCE "contrib/webhook-routing.yml"     /* tests run from the top of the tree */

/* A small valid configuration; the line numbers in the comments are the ones tests assert. */
#define CFG                                                                     \
        "config:\n"                                             /*  1 */        \
        "  rate_limit:\n"                                       /*  2 */        \
        "    max_executions_per_hour: 5\n"                      /*  3 */        \
        "    max_executions_per_alert: 3\n"                     /*  4 */        \
        "    cooldown_minutes: 15\n"                            /*  5 */        \
        "  idempotency:\n"                                      /*  6 */        \
        "    window_minutes: 5\n"                               /*  7 */        \
        "    key_fields: [alertname]\n"                         /*  8 */        \
        "  security:\n"                                         /*  9 */        \
        "    bind_address: 127.0.0.1\n"                         /* 10 */        \
        "    port: 9096\n"                                      /* 11 */        \
        "  circuit_breaker:\n"                                  /* 12 */        \
        "    failure_threshold: 3\n"                            /* 13 */        \
        "    reset_timeout_minutes: 30\n"                       /* 14 */        \
        "  confidence_threshold: 90\n"                          /* 15 */        \
        "  executor: [/bin/true, \"{{.Playbook}}\"]\n"          /* 16 */        \
        "  playbook_timeout_seconds: 300\n"                     /* 17 */        \
        "  response_deadline_seconds: 5\n"                      /* 18 */        \
        "routes:\n"                                             /* 19 */

#define ROUTE                                                                   \
        "  - alertname: DiskFull\n"                             /* 20 */        \
        "    playbook: disk-cleanup\n"                          /* 21 */        \
        "    confidence: 95\n"                                  /* 22 */

#define BASE CFG ROUTE

/* An alert-only route at lines 20..22; tests append line 23. */
#define NONE_ROUTE                                                              \
        "  - alertname: MemoryPressureHigh\n"                   /* 20 */        \
        "    playbook: none\n"                                  /* 21 */        \
        "    confidence: 0\n"                                   /* 22 */

/* BASE with the first occurrence of `from` replaced by `to`. */
static char *subst(const char *from, const char *to) {
        const char *base = BASE, *at = strstr(base, from);
        size_t n = strlen(base) + strlen(to) + 1;
        char *s;

        assert_non_null(at);
        s = malloc(n);
        assert_non_null(s);
        snprintf(s, n, "%.*s%s%s", (int) (at - base), base, to, at + strlen(from));
        return s;
}

static bool check_error_len(const char *text, size_t len, int line, int column, const char *part,
                            int caller_line) {
        struct config c, sentinel;
        struct config_error err;
        int r;

        memset(&c, 0xA5, sizeof c);
        memcpy(&sentinel, &c, sizeof c);
        r = config_parse(text, len, "test.yml", &c, &err);
        if (r != -EINVAL || err.line != line || err.column != column ||
            !strstr(err.message, part)) {
                print_error("case at line %d: want -EINVAL %d:%d '%s', got %d %d:%d '%s'\n",
                            caller_line, line, column, part, r, err.line, err.column, err.message);
                if (r == 0)
                        config_free(&c);
                return false;
        }
        if (memcmp(&c, &sentinel, sizeof c) != 0) {
                print_error("case at line %d: *ret was modified on failure\n", caller_line);
                return false;
        }
        return true;
}

#define assert_error(text, line, column, part) \
        assert_true(check_error_len(text, strlen(text), line, column, part, __LINE__))

/* Takes ownership of text (from subst()). */
#define assert_subst_error(from, to, line, column, part) do {                   \
                char *_t = subst(from, to);                                     \
                bool _ok = check_error_len(_t, strlen(_t), line, column, part, __LINE__); \
                free(_t);                                                       \
                assert_true(_ok);                                               \
        } while (0)

static void parse_ok(const char *text, struct config *c) {
        struct config_error err;
        int r;

        r = config_parse(text, strlen(text), "/etc/remediation-webhook/webhook-routing.yml", c,
                         &err);
        if (r != 0)
                print_error("unexpected error %d at %d:%d: %s\n", r, err.line, err.column,
                            err.message);
        assert_int_equal(r, 0);
}

static void assert_parses(const char *text) {
        struct config c;

        parse_ok(text, &c);
        config_free(&c);
}

/* ---- the reference file ---- */

static void test_reference_file(void **state) {
        struct config c;
        struct config_error err;
        const struct route *rt;
        int r;

        (void) state;
        r = config_load(REFERENCE, &c, &err);
        if (r != 0)
                print_error("%d at %d:%d: %s\n", r, err.line, err.column, err.message);
        assert_int_equal(r, 0);

        assert_string_equal(c.path, REFERENCE);
        assert_int_equal(c.max_executions_per_hour, 5);
        assert_int_equal(c.max_executions_per_alert, 3);
        assert_int_equal(c.cooldown_minutes, 15);
        assert_int_equal(c.idempotency_window_minutes, 5);
        assert_int_equal(c.n_key_fields, 3);
        assert_string_equal(c.key_fields[0], "alertname");
        assert_string_equal(c.key_fields[1], "instance");
        assert_string_equal(c.key_fields[2], "service");
        assert_string_equal(c.bind_address, "127.0.0.1");
        assert_int_equal(c.port, 9096);
        assert_string_equal(c.auth_token_file, "auth-token");
        assert_int_equal(c.failure_threshold, 3);
        assert_int_equal(c.reset_timeout_minutes, 30);
        assert_int_equal(c.confidence_threshold, 90);
        assert_int_equal(c.n_executor, 3);
        assert_string_equal(c.executor[0], "/usr/libexec/remediation-webhook/apply-remediation");
        assert_string_equal(c.executor[1], "--playbook");
        assert_string_equal(c.executor[2], "{{.Playbook}}");
        assert_int_equal(c.playbook_timeout_seconds, 300);
        assert_int_equal(c.response_deadline_seconds, 5);
        assert_int_equal(c.max_body_bytes, HTTP_DEFAULT_MAX_BODY);
        assert_int_equal(c.read_timeout_seconds, HTTP_DEFAULT_READ_TIMEOUT_SEC);
        assert_null(c.metrics_textfile);

        assert_int_equal(c.n_service_overrides, 6);
        assert_string_equal(c.service_overrides[0], "traefik");
        assert_string_equal(c.service_overrides[5], "loki");
        assert_int_equal(c.n_override_labels, 2);
        assert_string_equal(c.override_labels[0], "service");
        assert_string_equal(c.override_labels[1], "name");

        assert_int_equal(c.n_routes, 9);
        rt = &c.routes[0];
        assert_string_equal(rt->alertname, "SystemDiskSpaceCritical");
        assert_string_equal(rt->playbook, "disk-cleanup");
        assert_int_equal(rt->confidence, 95);
        assert_string_equal(rt->priority, "high");
        assert_false(rt->requires_confirmation);
        assert_int_equal(rt->n_parameters, 0);
        assert_int_equal(rt->manual_mttr_minutes, 0);

        rt = config_find_route(&c, "ContainerNotRunning");
        assert_ptr_equal(rt, &c.routes[3]);
        assert_string_equal(rt->playbook, "self-healing-restart");
        assert_int_equal(rt->confidence, 90);
        assert_int_equal(rt->n_parameters, 2);
        assert_string_equal(rt->parameters[0], "--service");
        assert_string_equal(rt->parameters[1], "{{.Labels.name}}");

        rt = config_find_route(&c, "ContainerMemoryPressure");
        assert_non_null(rt);
        assert_string_equal(rt->playbook, "service-restart");
        assert_int_equal(rt->confidence, 75);
        assert_string_equal(rt->priority, "medium");
        assert_true(rt->requires_confirmation);

        rt = config_find_route(&c, "CrowdSecDown");
        assert_non_null(rt);
        assert_string_equal(rt->priority, "critical");
        assert_string_equal(rt->parameters[1], "crowdsec");

        for (size_t i = 6; i < 9; i++) {
                assert_null(c.routes[i].playbook);
                assert_int_equal(c.routes[i].confidence, 0);
                assert_null(c.routes[i].priority);
                assert_int_equal(c.routes[i].n_parameters, 0);
        }
        assert_string_equal(c.routes[6].alertname, "MemoryPressureHigh");
        assert_string_equal(c.routes[8].alertname, "CrowdSecBanSpike");

        config_free(&c);
        assert_null(c.routes);
        assert_int_equal(c.n_routes, 0);
        config_free(&c);                /* idempotent */
}

static void test_find_route(void **state) {
        struct config c;

        (void) state;
        parse_ok(BASE, &c);
        assert_ptr_equal(config_find_route(&c, "DiskFull"), &c.routes[0]);
        assert_null(config_find_route(&c, "diskfull"));
        assert_null(config_find_route(&c, "DiskFul"));
        assert_null(config_find_route(&c, ""));
        assert_null(config_find_route(&c, NULL));
        assert_null(config_find_route(NULL, "DiskFull"));
        config_free(&c);
}

static void test_defaults_and_optional_keys(void **state) {
        struct config c;

        (void) state;
        parse_ok(BASE, &c);
        assert_string_equal(c.path, "/etc/remediation-webhook/webhook-routing.yml");
        assert_null(c.auth_token_file);
        assert_null(c.metrics_textfile);
        assert_int_equal(c.max_body_bytes, HTTP_DEFAULT_MAX_BODY);
        assert_int_equal(c.read_timeout_seconds, HTTP_DEFAULT_READ_TIMEOUT_SEC);
        assert_int_equal(c.n_service_overrides, 0);
        assert_int_equal(c.n_override_labels, 2);
        assert_string_equal(c.override_labels[0], "service");
        assert_string_equal(c.override_labels[1], "name");
        config_free(&c);

        parse_ok(CFG "  - alertname: \"job:Latency_high\"\n"
                 "    playbook: 'a.b_c-9'\n"
                 "    confidence: 0\n"
                 "    priority: low\n"
                 "    requires_confirmation: false\n"
                 "    parameters: []\n"
                 "    manual_mttr_minutes: 1440\n"
                 "  - alertname: Quoted\n"
                 "    playbook: \"none\"\n"
                 "    confidence: 0\n"
                 "    requires_confirmation: false\n"
                 "service_overrides: []\n"
                 "override_labels: [instance]\n", &c);
        assert_string_equal(c.routes[0].alertname, "job:Latency_high");
        assert_string_equal(c.routes[0].playbook, "a.b_c-9");
        assert_string_equal(c.routes[0].priority, "low");
        assert_int_equal(c.routes[0].manual_mttr_minutes, 1440);
        assert_int_equal(c.routes[0].n_parameters, 0);
        assert_false(config_route_shadow(&c.routes[0]));       /* mode: live, by default */
        assert_null(c.routes[1].playbook);
        assert_int_equal(c.n_service_overrides, 0);
        assert_int_equal(c.n_override_labels, 1);
        assert_string_equal(c.override_labels[0], "instance");
        config_free(&c);

        {
                char *t = subst("  response_deadline_seconds: 5\n",
                                "  response_deadline_seconds: 300\n"
                                "  max_body_bytes: 16777216\n"
                                "  read_timeout_seconds: 300\n"
                                "  metrics_textfile: /var/lib/node_exporter/rw.prom\n");
                char *t2;

                parse_ok(t, &c);
                assert_int_equal(c.response_deadline_seconds, 300);
                assert_int_equal(c.max_body_bytes, 16777216);
                assert_int_equal(c.read_timeout_seconds, 300);
                assert_string_equal(c.metrics_textfile, "/var/lib/node_exporter/rw.prom");
                config_free(&c);
                free(t);

                t2 = subst("    port: 9096\n", "    port: 65535\n    auth_token_file: /run/tok\n");
                parse_ok(t2, &c);
                assert_int_equal(c.port, 65535);
                assert_string_equal(c.auth_token_file, "/run/tok");
                config_free(&c);
                free(t2);
        }
}

static void test_limits_accepted(void **state) {
        char *t;

        (void) state;
        /* Lower bounds. */
        t = subst("cooldown_minutes: 15", "cooldown_minutes: 0");
        assert_parses(t);
        free(t);
        t = subst("max_executions_per_hour: 5", "max_executions_per_hour: 10000");
        assert_parses(t);
        free(t);
        t = subst("window_minutes: 5", "window_minutes: 0");
        assert_parses(t);
        free(t);
        t = subst("key_fields: [alertname]", "key_fields: [a, b, c, d, e, f, g, _h1]");
        assert_parses(t);
        free(t);
        t = subst("confidence_threshold: 90", "confidence_threshold: 0");
        assert_parses(t);
        free(t);
        /* Flow and block styles are the same thing. */
        t = subst("  executor: [/bin/true, \"{{.Playbook}}\"]\n",
                  "  executor:\n    - /bin/true\n    - '{{.Playbook}}'\n");
        assert_parses(t);
        free(t);
}

/* ---- errors, each at its exact place ---- */

static void test_unknown_keys(void **state) {
        (void) state;
        assert_error(BASE "extra: 1\n", 23, 1, "unknown key 'extra'");
        assert_subst_error("  confidence_threshold: 90", "  confidence_treshold: 90", 15, 3,
                           "unknown key 'confidence_treshold'");
        assert_subst_error("    cooldown_minutes: 15\n", "    cooldown_minutes: 15\n    burst: 2\n",
                           6, 5, "unknown key 'burst'");
        assert_error(CFG "  - alertname: DiskFull\n"
                     "    playbook: disk-cleanup\n"
                     "    confidense: 95\n", 22, 5, "unknown key 'confidense'");
        /* Control characters are not echoed. */
        assert_error(BASE "\"a\\tb\": 1\n", 23, 1, "unknown key 'a?b'");
}

static void test_missing_keys(void **state) {
        (void) state;
        assert_error("routes: []\n", 1, 1, "missing required key 'config'");
        assert_error(CFG, 19, 8, "expected a list");                   /* routes: (null) */
        assert_subst_error("    cooldown_minutes: 15\n", "", 3, 5,
                           "missing required key 'cooldown_minutes'");
        assert_subst_error("  response_deadline_seconds: 5\n", "", 2, 3,
                           "missing required key 'response_deadline_seconds'");
        assert_error(CFG "  - alertname: DiskFull\n    playbook: disk-cleanup\n", 20, 5,
                     "missing required key 'confidence'");
}

static void test_wrong_types(void **state) {
        (void) state;
        assert_subst_error("port: 9096", "port: \"9096\"", 11, 11, "expected an integer");
        assert_subst_error("port: 9096", "port: '9096'", 11, 11, "expected an integer");
        assert_subst_error("port: 9096", "port: +9096", 11, 11, "expected an integer");
        assert_subst_error("port: 9096", "port: 0x10", 11, 11, "expected an integer");
        assert_subst_error("port: 9096", "port: 9096.0", 11, 11, "expected an integer");
        assert_subst_error("port: 9096", "port: 09096", 11, 11, "expected an integer");
        assert_subst_error("port: 9096", "port:", 11, 10, "expected an integer");
        assert_subst_error("window_minutes: 5", "window_minutes: -5", 7, 21, "expected an integer");
        assert_subst_error("bind_address: 127.0.0.1", "bind_address: [a]", 10, 19,
                           "expected a string");
        assert_subst_error("bind_address: 127.0.0.1", "bind_address: ~", 10, 19,
                           "expected a string");
        assert_subst_error("bind_address: 127.0.0.1", "bind_address: {a: b}", 10, 19,
                           "expected a string");
        assert_subst_error("key_fields: [alertname]", "key_fields: alertname", 8, 17,
                           "expected a list");
        assert_subst_error("  security:\n    bind_address: 127.0.0.1\n    port: 9096\n",
                           "  security: on\n", 9, 13, "expected a mapping");
        assert_error("- config\n", 1, 1, "expected a mapping");
        assert_error(CFG "  - DiskFull\n", 20, 5, "expected a mapping");
        assert_error(CFG "  DiskFull\n", 20, 3, "expected a list");
        assert_error(BASE "    requires_confirmation: yes\n", 23, 28, "expected a boolean");
        assert_error(BASE "    requires_confirmation: \"true\"\n", 23, 28, "expected a boolean");
        assert_error(BASE "    requires_confirmation: True\n", 23, 28, "expected a boolean");
        assert_error(BASE "    parameters: [[a]]\n", 23, 18, "expected a string");
        assert_error(BASE "    [a]: 1\n", 23, 5, "expected a string as mapping key");
}

static void test_out_of_range(void **state) {
        (void) state;
        assert_subst_error("port: 9096", "port: 0", 11, 11, "port must be between 1 and 65535");
        assert_subst_error("port: 9096", "port: 65536", 11, 11,
                           "port must be between 1 and 65535");
        assert_subst_error("max_executions_per_hour: 5",
                           "max_executions_per_hour: 99999999999999999999999999999999", 3, 30,
                           "max_executions_per_hour must be between 1 and 10000");
        assert_subst_error("max_executions_per_alert: 3", "max_executions_per_alert: 0", 4, 31,
                           "max_executions_per_alert must be between 1 and 10000");
        assert_subst_error("cooldown_minutes: 15", "cooldown_minutes: 1441", 5, 23,
                           "cooldown_minutes must be between 0 and 1440");
        assert_subst_error("failure_threshold: 3", "failure_threshold: 101", 13, 24,
                           "failure_threshold must be between 1 and 100");
        assert_subst_error("reset_timeout_minutes: 30", "reset_timeout_minutes: 0", 14, 28,
                           "reset_timeout_minutes must be between 1 and 1440");
        assert_subst_error("confidence_threshold: 90", "confidence_threshold: 101", 15, 25,
                           "confidence_threshold must be between 0 and 100");
        assert_subst_error("playbook_timeout_seconds: 300", "playbook_timeout_seconds: 86401",
                           17, 29, "playbook_timeout_seconds must be between 1 and 86400");
        assert_subst_error("response_deadline_seconds: 5", "response_deadline_seconds: 301",
                           18, 30, "response_deadline_seconds must be between 1 and 300");
        assert_subst_error("  response_deadline_seconds: 5\n",
                           "  response_deadline_seconds: 5\n  max_body_bytes: 1023\n", 19, 19,
                           "max_body_bytes must be between 1024 and 16777216");
        assert_subst_error("  response_deadline_seconds: 5\n",
                           "  response_deadline_seconds: 5\n  read_timeout_seconds: 0\n", 19, 25,
                           "read_timeout_seconds must be between 1 and 300");
        assert_error(CFG "  - alertname: DiskFull\n"
                     "    playbook: disk-cleanup\n"
                     "    confidence: 101\n", 22, 17, "confidence must be between 0 and 100");
        assert_error(BASE "    manual_mttr_minutes: 1441\n", 23, 26,
                     "manual_mttr_minutes must be between 0 and 1440");
}

static void test_list_sizes(void **state) {
        char big[4096];
        size_t o;

        (void) state;
        assert_error(CFG "  []\n", 20, 3, "routes must have between 1 and 256 elements");
        assert_subst_error("key_fields: [alertname]", "key_fields: []", 8, 17,
                           "key_fields must have between 1 and 8 elements");
        assert_subst_error("key_fields: [alertname]", "key_fields: [a, b, c, d, e, f, g, h, i]",
                           8, 17, "key_fields must have between 1 and 8 elements");
        assert_subst_error("executor: [/bin/true, \"{{.Playbook}}\"]", "executor: []", 16, 13,
                           "executor must have between 1 and 32 elements");
        assert_error(BASE "override_labels: []\n", 23, 18,
                     "override_labels must have between 1 and 32 elements");

        o = (size_t) snprintf(big, sizeof big, "%s    parameters: [", BASE);
        for (int i = 0; i < CONFIG_MAX_LIST + 1; i++)
                o += (size_t) snprintf(big + o, sizeof big - o, "%sp%d", i ? ", " : "", i);
        snprintf(big + o, sizeof big - o, "]\n");
        assert_error(big, 23, 17, "parameters must have between 0 and 32 elements");

        /* Exactly CONFIG_MAX_LIST is fine. */
        o = (size_t) snprintf(big, sizeof big, "%s    parameters: [", BASE);
        for (int i = 0; i < CONFIG_MAX_LIST; i++)
                o += (size_t) snprintf(big + o, sizeof big - o, "%sp%d", i ? ", " : "", i);
        snprintf(big + o, sizeof big - o, "]\n");
        assert_parses(big);
}

static void test_route_count(void **state) {
        size_t size = 64 * (CONFIG_MAX_ROUTES + 1) + sizeof CFG, o;
        char *t = malloc(size);
        struct config c;

        (void) state;
        assert_non_null(t);
        o = (size_t) snprintf(t, size, "%s", CFG);
        for (int i = 0; i < CONFIG_MAX_ROUTES; i++)
                o += (size_t) snprintf(t + o, size - o, "- {alertname: A%d, playbook: p, "
                                       "confidence: 1}\n", i);
        parse_ok(t, &c);
        assert_int_equal(c.n_routes, CONFIG_MAX_ROUTES);
        assert_ptr_equal(config_find_route(&c, "A255"), &c.routes[255]);
        config_free(&c);

        snprintf(t + o, size - o, "- {alertname: A%d, playbook: p, confidence: 1}\n",
                 CONFIG_MAX_ROUTES);
        assert_error(t, 20, 1, "routes must have between 1 and 256 elements");
        free(t);
}

static void test_duplicate_alertname(void **state) {
        (void) state;
        assert_error(BASE
                     "  - alertname: Other\n"                   /* 23 */
                     "    playbook: none\n"
                     "    confidence: 0\n"
                     "  - alertname: DiskFull\n"                /* 26 */
                     "    playbook: other\n"
                     "    confidence: 1\n", 26, 16,
                     "duplicate alertname 'DiskFull' (first at line 20)");
        /* Quoting does not make it a different name. */
        assert_error(BASE "  - {alertname: \"DiskFull\", playbook: x, confidence: 1}\n", 23, 17,
                     "duplicate alertname 'DiskFull' (first at line 20)");
}

static void test_duplicate_key(void **state) {
        (void) state;
        assert_error(BASE "    confidence: 90\n", 23, 5,
                     "duplicate key 'confidence' (first at line 22)");
        assert_subst_error("  confidence_threshold: 90\n",
                           "  confidence_threshold: 90\n  confidence_threshold: 80\n", 16, 3,
                           "duplicate key 'confidence_threshold' (first at line 15)");
        assert_error(BASE "routes: []\n", 23, 1, "duplicate key 'routes' (first at line 19)");
        assert_error(BASE "\"routes\": []\n", 23, 1, "duplicate key 'routes'");
}

static void test_bad_names(void **state) {
        char long_name[1024];

        (void) state;
        assert_error(CFG "  - alertname: 1DiskFull\n    playbook: x\n    confidence: 1\n", 20, 16,
                     "'1DiskFull' is not a valid alertname");
        assert_error(CFG "  - alertname: Disk-Full\n    playbook: x\n    confidence: 1\n", 20, 16,
                     "'Disk-Full' is not a valid alertname");
        assert_error(CFG "  - alertname: \"\"\n    playbook: x\n    confidence: 1\n", 20, 16,
                     "'' is not a valid alertname");
        snprintf(long_name, sizeof long_name, "%s  - alertname: %0129d\n    playbook: x\n"
                 "    confidence: 1\n", CFG, 0);
        long_name[strlen(CFG) + 15] = 'A';
        assert_error(long_name, 20, 16, "is not a valid alertname");

        assert_error(CFG "  - alertname: A\n    playbook: ../evil\n    confidence: 1\n", 21, 15,
                     "'../evil' is not a valid playbook name");
        assert_error(CFG "  - alertname: A\n    playbook: Disk-Cleanup\n    confidence: 1\n", 21,
                     15, "'Disk-Cleanup' is not a valid playbook name");
        assert_error(CFG "  - alertname: A\n    playbook: -rf\n    confidence: 1\n", 21, 15,
                     "'-rf' is not a valid playbook name");
        assert_error(CFG "  - alertname: A\n    playbook: .hidden\n    confidence: 1\n", 21, 15,
                     "'.hidden' is not a valid playbook name");
        assert_error(CFG "  - alertname: A\n    playbook: a/b\n    confidence: 1\n", 21, 15,
                     "'a/b' is not a valid playbook name");
        assert_error(CFG "  - alertname: A\n    playbook: None\n    confidence: 0\n", 21, 15,
                     "'None' is not a valid playbook name");
        assert_error(CFG "  - alertname: A\n    playbook: "
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
                     "    confidence: 1\n", 21, 15, "is not a valid playbook name");
        assert_parses(CFG "  - alertname: A\n    playbook: "
                      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
                      "    confidence: 1\n");

        assert_error(BASE "    priority: urgent\n", 23, 15,
                     "priority must be one of low, medium, high, critical");
        assert_subst_error("key_fields: [alertname]", "key_fields: [alertname, \"bad-label\"]", 8,
                           29, "'bad-label' is not a valid label name");
        assert_error(BASE "override_labels: [service, 9name]\n", 23, 28,
                     "'9name' is not a valid label name");
        assert_error(BASE "service_overrides: [traefik, \"\"]\n", 23, 30,
                     "expected a non-empty string");
}

static void test_none_route_mismatch(void **state) {
        (void) state;
        assert_error(CFG NONE_ROUTE "    parameters: []\n", 23, 5,
                     "a route with playbook: none must not set parameters");
        assert_error(CFG NONE_ROUTE "    requires_confirmation: true\n", 23, 28,
                     "a route with playbook: none must not require confirmation");
        assert_error(CFG "  - alertname: MemoryPressureHigh\n"
                     "    playbook: none\n"
                     "    confidence: 50\n", 22, 17,
                     "a route with playbook: none must have confidence 0");
        assert_parses(CFG NONE_ROUTE "    requires_confirmation: false\n    priority: low\n"
                      "    manual_mttr_minutes: 30\n");
        /* The key itself is refused, before its value is even looked at. */
        assert_error(CFG NONE_ROUTE "    parameters: 5\n", 23, 5,
                     "a route with playbook: none must not set parameters");
        /* Written before playbook, confidence is still checked against it. */
        assert_error(CFG "  - confidence: 5\n    alertname: A\n    playbook: none\n", 20, 17,
                     "a route with playbook: none must have confidence 0");
        assert_error(CFG NONE_ROUTE "    mode: shadow\n", 23, 5,
                     "a route with playbook: none has no mode: it never executes");
}

static void test_route_mode(void **state) {
        struct config c;

        (void) state;
        parse_ok(BASE "    mode: shadow\n", &c);
        assert_string_equal(c.routes[0].mode, "shadow");
        assert_true(config_route_shadow(&c.routes[0]));
        config_free(&c);
        parse_ok(BASE "    mode: live\n", &c);
        assert_false(config_route_shadow(&c.routes[0]));
        config_free(&c);
        assert_error(BASE "    mode: dry-run\n", 23, 11, "mode must be one of live, shadow");
        assert_error(BASE "    mode: [shadow]\n", 23, 11, "expected a string");
}

static void test_approval_minutes(void **state) {
        struct config c;

        (void) state;
        parse_ok(BASE, &c);
        assert_int_equal(c.routes[0].approval_minutes, 60);
        config_free(&c);
        parse_ok(BASE "    approval_minutes: 0\n", &c);
        assert_int_equal(c.routes[0].approval_minutes, 0);
        config_free(&c);
        assert_error(BASE "    approval_minutes: 1441\n", 23, 23, "approval_minutes must be between 0 and 1440");
        assert_error(CFG NONE_ROUTE "    approval_minutes: 5\n", 23, 5,
                     "a route with playbook: none has no approvals: it never executes");
}

static void test_templates(void **state) {
        (void) state;
        assert_error(BASE "    parameters: [\"--x\", \"{{.Labels.na-me}}\"]\n", 23, 25,
                     "unsupported placeholder '{{.Labels.na-me}}'");
        assert_error(BASE "    parameters: [\"{{ .Labels.name }}\"]\n", 23, 18,
                     "unsupported placeholder '{{ .Labels.name }}'");
        assert_error(BASE "    parameters: [\"{{.Env.HOME}}\"]\n", 23, 18,
                     "unsupported placeholder '{{.Env.HOME}}'");
        assert_error(BASE "    parameters: [\"{{.Labels.}}\"]\n", 23, 18,
                     "unsupported placeholder '{{.Labels.}}'");
        assert_error(BASE "    parameters: [\"{{.Labels.1x}}\"]\n", 23, 18,
                     "unsupported placeholder");
        assert_error(BASE "    parameters: [\"x{{.Labels.name\"]\n", 23, 18,
                     "unsupported placeholder '{{.Labels.name'");
        assert_error(BASE "    parameters: [\"{{.Fingerprint}}{{{.Fingerprint}}\"]\n", 23, 18,
                     "unsupported placeholder");
        assert_error(BASE "    parameters: [\"{{.Playbook}}\"]\n", 23, 18,
                     "{{.Playbook}} is only allowed in executor");
        assert_error(BASE "    parameters:\n      - ok\n      - '{{index .Labels \"x\"}}'\n", 25, 9,
                     "unsupported placeholder");
        assert_subst_error("executor: [/bin/true, \"{{.Playbook}}\"]",
                           "executor: [/bin/true, \"{{.Playbok}}\"]", 16, 25,
                           "unsupported placeholder '{{.Playbok}}'");
        assert_subst_error("executor: [/bin/true, \"{{.Playbook}}\"]", "executor: [true]", 16, 14,
                           "executor[0] must be an absolute path without placeholders");
        assert_subst_error("executor: [/bin/true, \"{{.Playbook}}\"]",
                           "executor: [\"/{{.Labels.x}}\"]", 16, 14,
                           "executor[0] must be an absolute path without placeholders");
        assert_subst_error("executor: [/bin/true, \"{{.Playbook}}\"]",
                           "executor: [/bin/true, \"\"]", 16, 25,
                           "executor arguments must not be empty");

        /* Every supported form, several in one string, and braces that are not placeholders. */
        assert_parses(BASE "    parameters: [\"{{.Labels.name}}\", \"--fp={{.Fingerprint}}\", "
                      "\"{{.Annotations.summary}}/{{.Labels._a1}}\", \"a}}b{\", \"\"]\n");
        {
                char *t = subst("executor: [/bin/true, \"{{.Playbook}}\"]",
                                "executor: [/bin/run, \"{{.Playbook}}:{{.Labels.x}}\", "
                                "\"{{.Annotations.y}}\", \"{{.Fingerprint}}\"]");
                assert_parses(t);
                free(t);
        }
}

static void test_strings(void **state) {
        char *t, *long_value;

        (void) state;
        assert_subst_error("bind_address: 127.0.0.1", "bind_address: \"a\\0b\"", 10, 19,
                           "strings must not contain NUL bytes");
        long_value = malloc(1100);
        assert_non_null(long_value);
        memset(long_value, 'x', 1025);
        strcpy(long_value + 1025, "\n");
        t = malloc(strlen(BASE) + 1200);
        assert_non_null(t);
        snprintf(t, strlen(BASE) + 1200, "%sservice_overrides: [ok, %s", BASE, long_value);
        strcpy(t + strlen(t) - 1, "]\n");
        assert_error(t, 23, 25, "string is longer than 1024 bytes");
        long_value[1024] = '\0';
        snprintf(t, strlen(BASE) + 1200, "%sservice_overrides: [ok, %s]\n", BASE, long_value);
        assert_parses(t);
        free(t);
        free(long_value);

        assert_subst_error("  response_deadline_seconds: 5\n",
                           "  response_deadline_seconds: 5\n  metrics_textfile: rw.prom\n", 19, 21,
                           "metrics_textfile must be an absolute path");
        assert_subst_error("    port: 9096\n", "    port: 9096\n    auth_token_file: ''\n", 12, 22,
                           "expected a non-empty string");
}

static void test_alertmanager_keys(void **state) {
        static const char *const ok[] = {
                "http://127.0.0.1:9093", "https://am.example.org", "http://[::1]:9093/", "http://am:9093/alertmanager",
                "http://a-b.c_d/x", NULL,
        };
        static const struct { const char *url, *part; } bad[] = {
                { "127.0.0.1:9093", "must start with http:// or https://" },
                { "ftp://h", "must start with http:// or https://" },
                { "http://", "has no host" },
                { "http://u:p@h", "the port must be between 1 and 65535" },
                { "http://user@h:9093", "only a path may follow" },
                { "http://h:0", "the port must be between 1 and 65535" },
                { "http://h:65536", "the port must be between 1 and 65535" },
                { "http://h:9093?x=1", "only a path may follow" },
                { "http://h:9093/a?b", "the path may hold only" },
                { "http://h/a#b", "the path may hold only" },
                { "http://h/%2e", "the path may hold only" },
                { "http://[zz]/", "a bracketed host must be an IPv6 address" },
        };
        struct config c;
        char line[256], *t;

        (void) state;
        parse_ok(BASE, &c);
        assert_null(c.alertmanager_url);
        assert_null(c.alertmanager_credentials_file);
        assert_int_equal(c.alertmanager_timeout_seconds, 5);
        assert_int_equal(c.alertmanager_min_uptime_seconds, 120);
        config_free(&c);
        for (size_t i = 0; ok[i]; i++) {
                snprintf(line, sizeof(line), "  response_deadline_seconds: 5\n  alertmanager_url: \"%s\"\n", ok[i]);
                t = subst("  response_deadline_seconds: 5\n", line);
                parse_ok(t, &c);
                assert_string_equal(c.alertmanager_url, ok[i]);
                config_free(&c);
                free(t);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                snprintf(line, sizeof(line), "  response_deadline_seconds: 5\n  alertmanager_url: \"%s\"\n", bad[i].url);
                assert_subst_error("  response_deadline_seconds: 5\n", line, 19, 21, bad[i].part);
        }
        assert_subst_error("  response_deadline_seconds: 5\n",
                           "  response_deadline_seconds: 5\n  alertmanager_timeout_seconds: 61\n", 19, 33,
                           "alertmanager_timeout_seconds must be between 1 and 60");
        assert_subst_error("  response_deadline_seconds: 5\n",
                           "  response_deadline_seconds: 5\n  alertmanager_credentials_file: ''\n", 19, 34,
                           "expected a non-empty string");
}

static void test_auth_token_inline(void **state) {
        (void) state;
        assert_subst_error("    port: 9096\n",
                           "    port: 9096\n    auth_token: \"REPLACE_WITH_RANDOM_TOKEN\"\n", 12, 5,
                           "auth_token is not supported: put the token in a file and set "
                           "auth_token_file");
        /* Even next to auth_token_file, and before anything else in the section. */
        assert_subst_error("    bind_address: 127.0.0.1\n",
                           "    auth_token_file: tok\n    auth_token: x\n    bind_address: [] \n",
                           11, 5, "auth_token is not supported");
        /* Also before a missing required key of the section is named. */
        assert_subst_error("    port: 9096\n", "    auth_token: x\n", 11, 5,
                           "auth_token is not supported");
}

static void test_yaml_features_refused(void **state) {
        (void) state;
        assert_error(CFG "  - alertname: A\n    playbook: &pb disk-cleanup\n    confidence: 1\n",
                     21, 15, "anchors are not supported");
        assert_error(CFG "  - alertname: A\n    playbook: *pb\n    confidence: 1\n", 21, 15,
                     "aliases are not supported");
        assert_error(CFG "  - &r {alertname: A, playbook: p, confidence: 1}\n", 20, 5,
                     "anchors are not supported");
        assert_error(BASE "    <<: *base\n", 23, 9, "aliases are not supported");
        assert_error(BASE "    parameters: !!seq [a]\n", 23, 17, "tags are not supported");
        assert_error(CFG "  - alertname: A\n    playbook: p\n    confidence: !!int 1\n", 22, 17,
                     "tags are not supported");
        assert_error(CFG "  - alertname: A\n    playbook: ! p\n    confidence: 1\n", 21, 15,
                     "tags are not supported");
        assert_error(BASE "---\nconfig: {}\n", 23, 1, "only one YAML document is allowed");
        assert_error("---\n" BASE "...\n---\n" BASE, 25, 1, "only one YAML document is allowed");
        assert_parses("---\n" BASE "...\n");
}

static void test_yaml_syntax(void **state) {
        static const char nul[] = "config:\n  a: b\0\n";

        (void) state;
        assert_error("", 0, 0, "no YAML document");
        assert_error("# only a comment\n", 0, 0, "no YAML document");
        assert_error(BASE "    parameters: [a, b\n", 24, 1, "invalid YAML");
        assert_error("config:\n  a: 1\n b: 2\n", 3, 2, "invalid YAML");
        assert_error("config:\n\ta: 1\n", 2, 1, "invalid YAML");
        assert_true(check_error_len(nul, sizeof nul - 1, 2, 7, "control characters", __LINE__));
        assert_error("config: [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]\n", 1, 24,
                     "nesting too deep");
}

/* ---- files ---- */

static char *write_temp(const char *prefix, size_t pad_to) {
        char *path = strdup("/tmp/test_config.XXXXXX");
        size_t len = strlen(prefix);
        int fd;

        assert_non_null(path);
        fd = mkostemp(path, O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, prefix, len), (ssize_t) len);
        while (len < pad_to) {
                char pad[4096];
                size_t n = pad_to - len < sizeof pad ? pad_to - len : sizeof pad;

                memset(pad, '#', n);
                if (n > 1)
                        pad[0] = '\n';
                assert_int_equal(write(fd, pad, n), (ssize_t) n);
                len += n;
        }
        assert_int_equal(close(fd), 0);
        return path;
}

static void test_load_errors(void **state) {
        struct config c, sentinel;
        struct config_error err;
        char *path;

        (void) state;
        memset(&c, 0xA5, sizeof c);
        memcpy(&sentinel, &c, sizeof c);

        assert_int_equal(config_load("/nonexistent/webhook-routing.yml", &c, &err), -ENOENT);
        assert_int_equal(err.line, 0);
        assert_non_null(strstr(err.message, "cannot open '/nonexistent/webhook-routing.yml'"));

        assert_int_equal(config_load("/tmp", &c, &err), -EINVAL);
        assert_int_equal(err.line, 0);
        assert_non_null(strstr(err.message, "not a regular file"));

        /* One byte over the limit. */
        path = write_temp(BASE, CONFIG_MAX_FILE_BYTES + 1);
        assert_int_equal(config_load(path, &c, &err), -EFBIG);
        assert_non_null(strstr(err.message, "larger than 1048576 bytes"));
        unlink(path);
        free(path);
        assert_memory_equal(&c, &sentinel, sizeof c);

        /* A schema error reports the place in the file. */
        path = write_temp(BASE "  - alertname: X\n    playbook: x\n    confidence: -1\n", 0);
        assert_int_equal(config_load(path, &c, &err), -EINVAL);
        assert_int_equal(err.line, 25);
        assert_int_equal(err.column, 17);
        unlink(path);
        free(path);
        assert_memory_equal(&c, &sentinel, sizeof c);

        /* Exactly at the limit loads. */
        path = write_temp(BASE, CONFIG_MAX_FILE_BYTES);
        assert_int_equal(config_load(path, &c, &err), 0);
        assert_string_equal(c.path, path);
        assert_int_equal(c.n_routes, 1);
        config_free(&c);
        unlink(path);
        free(path);

        assert_int_equal(config_parse(BASE, CONFIG_MAX_FILE_BYTES + 1, NULL, &c, &err), -EFBIG);
}

static void test_free_zeroed(void **state) {
        struct config c = {};
        struct config d;

        (void) state;
        config_free(&c);
        config_free(&c);
        config_free(NULL);
        parse_ok(BASE, &d);
        config_free(&d);
        config_free(&d);
        assert_null(d.path);
        assert_null(d.executor[0]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_reference_file),
                cmocka_unit_test(test_find_route),
                cmocka_unit_test(test_defaults_and_optional_keys),
                cmocka_unit_test(test_limits_accepted),
                cmocka_unit_test(test_unknown_keys),
                cmocka_unit_test(test_missing_keys),
                cmocka_unit_test(test_wrong_types),
                cmocka_unit_test(test_out_of_range),
                cmocka_unit_test(test_list_sizes),
                cmocka_unit_test(test_route_count),
                cmocka_unit_test(test_duplicate_alertname),
                cmocka_unit_test(test_duplicate_key),
                cmocka_unit_test(test_bad_names),
                cmocka_unit_test(test_none_route_mismatch),
                cmocka_unit_test(test_route_mode),
                cmocka_unit_test(test_approval_minutes),
                cmocka_unit_test(test_templates),
                cmocka_unit_test(test_strings),
                cmocka_unit_test(test_alertmanager_keys),
        cmocka_unit_test(test_auth_token_inline),
                cmocka_unit_test(test_yaml_features_refused),
                cmocka_unit_test(test_yaml_syntax),
                cmocka_unit_test(test_load_errors),
                cmocka_unit_test(test_free_zeroed),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
