/* The reboot rebuild reads the decision log by time, not by bytes: what the handler itself wrote
 * (audit.c) before a flood of unrouted alerts is restored however large the flood, and the reader
 * agrees with a plain scan of the log on every window. */
#include <cjson/cJSON.h>
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

#include "audit.h"
#include "gates.h"
#include "history.h"
#include "util.h"

#define FLOOD 16000                     /* lines, about 1.1 KiB each */
#define T(h, m, s) ((int64_t) 1766570400 + ((h) - 10) * 3600 + (m) * 60 + (s))   /* 2025-12-24 10:00 UTC */

static struct route routes[] = {
        { .alertname = "SystemDiskSpaceCritical", .playbook = "disk-cleanup", .confidence = 95 },
        { .alertname = "CrowdSecDown", .playbook = "self-healing-restart", .confidence = 95 },
        { .alertname = "Confirm", .playbook = "service-restart", .confidence = 95, .requires_confirmation = true,
          .approval_minutes = 60, .parameters = { "--host", "{{.Labels.instance}}" }, .n_parameters = 2 },
};

static struct config seed_config(void) {
        return (struct config) {
                .max_executions_per_hour = 50, .max_executions_per_alert = 30, .cooldown_minutes = 15,
                .idempotency_window_minutes = 60,
                .key_fields = { "alertname", "instance", "service" }, .n_key_fields = 3,
                .failure_threshold = 3, .reset_timeout_minutes = 30, .confidence_threshold = 90,
                .executor = { "/bin/true" }, .n_executor = 1,
                .playbook_timeout_seconds = 300, .response_deadline_seconds = 5,
                .routes = routes, .n_routes = ELEMENTSOF(routes),
        };
}

static char path[] = "/tmp/test-history.XXXXXX";
static int log_fd = -1;

static struct alert alert(const char *name, const char *instance) {
        struct alert a = { .firing = true, .alertname = name, .fingerprint = "" };
        a.labels[a.n_labels++] = (struct kv) { "alertname", name };
        a.labels[a.n_labels++] = (struct kv) { "instance", instance };
        return a;
}

/* Decides a at `at` against s as the handler does and logs the line it would write; an execution
 * ends `success`ful 10 s later. */
static void decide_and_log(const struct config *c, struct state *s, const struct alert *a, int64_t at,
                           bool success) {
        struct decision d;
        struct exec_job job = { .argv = { "/bin/true", NULL }, .started_ms = 0, .ended_ms = 10000,
                                .result = success ? RESULT_SUCCESS : RESULT_FAILURE };
        assert_int_equal(gates_evaluate(c, s, a, at, &d, NULL), 0);
        assert_int_equal(gates_apply(c, s, a, &d), 0);
        bool executed = d.action == ACTION_EXECUTED;
        if (executed)
                breaker_apply(c, state_breaker(s, d.route->playbook, 1),
                              success ? BREAKER_SUCCEEDED : BREAKER_FAILED, d.trial, at + 10);
        struct audit_record rec = { .timestamp_ms = (at + (executed ? 10 : 0)) * 1000, .source = SOURCE_WEBHOOK,
                                    .alert = a, .decision = &d, .job = executed ? &job : NULL };
        char *line = audit_format_line(&rec);
        assert_non_null(line);
        assert_int_equal(audit_append(log_fd, line), 0);
        free(line);
        decision_free(&d);
}

static int count_line(const cJSON *line, void *data) {
        (void) line;
        ++*(int *) data;
        return 0;
}

static void rebuild_by_time_after_a_flood(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state live = {}, rebuilt = {};
        struct alert disk = alert("SystemDiskSpaceCritical", "a"), crowd = alert("CrowdSecDown", "e");
        char name[800], instance[32];

        assert_true((log_fd = mkstemp(path)) >= 0);
        decide_and_log(&c, &live, &disk, T(10, 0, 0), true);            /* cooldown until 10:15 */
        c.cooldown_minutes = 0;                 /* three failures in a row: opens at 10:00:30 */
        for (int i = 0; i < 3; i++) {
                struct alert x = alert("CrowdSecDown", (const char *[]) { "b", "c", "d" }[i]);
                decide_and_log(&c, &live, &x, T(10, 0, 10 * i), false);
        }
        c.cooldown_minutes = 15;
        /* A flood of unrouted alerts with long names of invalid UTF-8 (each byte logged as 3):
         * well over the 16 MiB the rebuild used to read back. */
        memset(name, 0xff, sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        for (int i = 0; i < FLOOD; i++) {
                snprintf(instance, sizeof(instance), "flood-%d", i);
                struct alert x = alert(name, instance);
                decide_and_log(&c, &live, &x, T(10, 1, 0) + i / 100, true);
        }
        off_t size = lseek(log_fd, 0, SEEK_END);
        fprintf(stderr, "# log: %lld bytes\n", (long long) size);
        assert_true(size > 16 * 1024 * 1024);

        /* After a reboot at 10:06: the cooldown, the open breaker and the key are still known. */
        assert_true(history_rebuild(&c, path, T(10, 6, 0), &rebuilt) >= 1);
        assert_int_equal(state_last_exec(&rebuilt, "disk-cleanup"), T(10, 0, 0));
        const struct breaker *b = state_find_breaker(&rebuilt, "self-healing-restart");
        assert_non_null(b);
        assert_int_equal(breaker_state(&c, b, T(10, 6, 0)), BREAKER_OPEN);
        assert_non_null(state_find_key(&rebuilt, "[\"SystemDiskSpaceCritical\",\"a\",\"\"]"));
        struct decision d;
        struct alert other = alert("SystemDiskSpaceCritical", "z");
        assert_int_equal(gates_evaluate(&c, &rebuilt, &other, T(10, 6, 0), &d, NULL), 0);
        assert_int_equal(d.gate, GATE_COOLDOWN);
        decision_free(&d);
        assert_int_equal(gates_evaluate(&c, &rebuilt, &crowd, T(10, 20, 0), &d, NULL), 0);
        assert_int_equal(d.gate, GATE_CIRCUIT_OPEN);
        decision_free(&d);

        /* The reader finds each window by time: every line at or after `since`, none before. */
        int all = 0, n = 0;
        assert_int_equal(history_read(path, 0, 0, count_line, &all, NULL), FLOOD + 4);
        assert_int_equal(history_read(path, T(10, 1, 0) + 60, 0, count_line, &n, NULL), FLOOD - 6000);
        n = 0;
        assert_int_equal(history_read(path, T(10, 0, 25), 0, count_line, &n, NULL), FLOOD + 1);
        n = 0;
        assert_int_equal(history_read(path, T(11, 0, 0), 0, count_line, &n, NULL), 0);
        state_free(&live);
        state_free(&rebuilt);
        close(log_fd);
        unlink(path);
}

static void log_operator(enum action action, const char *playbook, int64_t at, int64_t until, const char *reason) {
        struct audit_record rec = { .timestamp_ms = at * 1000, .source = SOURCE_OPERATOR, .playbook = playbook,
                                    .action = action, .gate = GATE_PAUSED, .by = "alice (uid 1000)",
                                    .until = until, .reason = reason };
        char *line = audit_format_line(&rec);
        assert_non_null(line);
        assert_int_equal(audit_append(log_fd, line), 0);
        free(line);
}

/* Pauses outlive every other window: one of 20 days ago still holds after a reboot, through a
 * flood; one resumed or ended does not. */
static void rebuild_restores_pauses(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state live = {}, rebuilt = {};
        struct alert disk = alert("SystemDiskSpaceCritical", "a"), crowd = alert("CrowdSecDown", "e");
        int64_t now = T(10, 0, 0) + 20 * 86400;

        strcpy(path, "/tmp/test-history.XXXXXX");       /* the test before took the last name */
        assert_true((log_fd = mkstemp(path)) >= 0);
        log_operator(ACTION_PAUSE, NULL, T(10, 0, 0), 0, "All playbooks paused by alice");
        log_operator(ACTION_PAUSE, "self-healing-restart", T(11, 0, 0), 0, "held");
        log_operator(ACTION_PAUSE, "disk-cleanup", T(11, 0, 0), T(12, 0, 0), "ended long ago");
        for (int i = 0; i < 2000; i++) {
                char instance[32];
                snprintf(instance, sizeof(instance), "flood-%d", i);
                struct alert x = alert("Unrouted", instance);
                decide_and_log(&c, &live, &x, T(12, 0, 0) + i * 600, true);
        }
        log_operator(ACTION_RESUME, "self-healing-restart", now - 60, 0, "resumed");
        assert_true(history_rebuild(&c, path, now, &rebuilt) >= 0);
        assert_int_equal(rebuilt.n_pauses, 1);
        const struct pause *p = state_find_pause(&rebuilt, "", now);
        assert_non_null(p);
        assert_int_equal(p->since, T(10, 0, 0));
        assert_string_equal(p->by, "alice (uid 1000)");
        struct decision d;
        assert_int_equal(gates_evaluate(&c, &rebuilt, &disk, now, &d, NULL), 0);
        assert_int_equal(d.gate, GATE_PAUSED);
        assert_string_equal(d.reason, "All playbooks paused by alice");
        decision_free(&d);
        /* Resumed after the reboot, the next rebuild has it too. */
        log_operator(ACTION_RESUME, NULL, now + 1, 0, "resumed");
        state_free(&rebuilt);
        rebuilt = (struct state) {};
        assert_true(history_rebuild(&c, path, now + 2, &rebuilt) >= 0);
        assert_int_equal(rebuilt.n_pauses, 0);
        assert_int_equal(gates_evaluate(&c, &rebuilt, &crowd, now + 2, &d, NULL), 0);
        assert_int_equal(d.action, ACTION_EXECUTED);
        decision_free(&d);
        state_free(&live);
        state_free(&rebuilt);
        close(log_fd);
        unlink(path);
}

/* Escalations held for approval survive a reboot as they were logged; an answer closes them. */
static void rebuild_restores_pending_approvals(void **unused) {
        (void) unused;
        struct config c = seed_config();
        struct state live = {}, rebuilt = {};
        struct alert one = alert("Confirm", "a"), two = alert("Confirm", "b");

        strcpy(path, "/tmp/test-history.XXXXXX");
        assert_true((log_fd = mkstemp(path)) >= 0);
        decide_and_log(&c, &live, &one, T(10, 0, 0), true);
        decide_and_log(&c, &live, &two, T(10, 1, 0), true);
        decide_and_log(&c, &live, &one, T(10, 2, 0), true);     /* a second firing: the same one */
        assert_int_equal(live.n_pending, 2);
        struct audit_record rec = { .timestamp_ms = T(10, 3, 0) * 1000, .source = SOURCE_OPERATOR,
                                    .alertname = "Confirm", .playbook = "service-restart",
                                    .action = ACTION_DENY, .by = "bob (uid 1001)", .approval_id = "1766570460-1",
                                    .reason = "denied" };
        char *line = audit_format_line(&rec);
        assert_int_equal(audit_append(log_fd, line), 0);
        free(line);

        assert_true(history_rebuild(&c, path, T(10, 30, 0), &rebuilt) >= 0);
        assert_int_equal(rebuilt.n_pending, 2);
        const struct pending *p = state_find_pending(&rebuilt, "1766570400-1");
        assert_non_null(p);
        assert_int_equal(p->closed, ACTION_NONE);
        assert_int_equal(p->expires, T(11, 0, 0));
        assert_int_equal(p->n_argv, 3);
        assert_string_equal(p->argv[2], "a");
        assert_int_equal(p->n_labels, 2);
        assert_string_equal(p->labels[3], "a");
        p = state_find_pending(&rebuilt, "1766570460-1");
        assert_non_null(p);
        assert_int_equal(p->closed, ACTION_DENY);
        assert_string_equal(p->by, "bob (uid 1001)");
        /* An hour after its expiry, a rebuild has it no more. */
        state_free(&rebuilt);
        rebuilt = (struct state) {};
        assert_true(history_rebuild(&c, path, T(12, 1, 0), &rebuilt) >= 0);
        assert_int_equal(rebuilt.n_pending, 0);
        state_free(&live);
        state_free(&rebuilt);
        close(log_fd);
        unlink(path);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(rebuild_by_time_after_a_flood),
                cmocka_unit_test(rebuild_restores_pauses),
                cmocka_unit_test(rebuild_restores_pending_approvals),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
