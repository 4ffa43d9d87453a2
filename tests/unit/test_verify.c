/* Verdicts (verify.c): Alertmanager's times read exactly, which runs await a verdict, and a
 * resolved alert judging every awaiting run of its fingerprint once; the awaiting runs kept as
 * JSON and bounded. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bounds.h"
#include "breaker.h"
#include "state.h"
#include "verify.h"

static void times_as_alertmanager_writes_them(void **unused) {
        int64_t ms = -1;
        (void) unused;
        assert_int_equal(verify_parse_time("2025-12-24T10:01:30.250Z", &ms), 0);
        assert_int_equal(ms, 1766570490250);
        assert_int_equal(verify_parse_time("2025-12-24T10:01:30.123456789Z", &ms), 0);
        assert_int_equal(ms, 1766570490123);
        assert_int_equal(verify_parse_time("2025-12-24T11:01:30+01:00", &ms), 0);
        assert_int_equal(ms, 1766570490000);
        assert_int_equal(verify_parse_time("2025-12-24T10:01:30.5-00:30", &ms), 0);
        assert_int_equal(ms, 1766572290500);
        ms = 42;
        /* Go's zero time (not known), junk, and what is not there leave ret alone. */
        assert_int_equal(verify_parse_time("0001-01-01T00:00:00Z", &ms), -EINVAL);
        assert_int_equal(verify_parse_time("", &ms), -EINVAL);
        assert_int_equal(verify_parse_time(NULL, &ms), -EINVAL);
        assert_int_equal(verify_parse_time("2025-12-24T10:01:30", &ms), -EINVAL);
        assert_int_equal(verify_parse_time("2025-12-24T10:01:30.Z", &ms), -EINVAL);
        assert_int_equal(verify_parse_time("2025-13-24T10:01:30Z", &ms), -EINVAL);
        assert_int_equal(verify_parse_time("2025-12-24T10:01:30Zx", &ms), -EINVAL);
        assert_int_equal(ms, 42);
}

static struct route route_of(int verify_minutes) {
        return (struct route) { .alertname = "A", .playbook = "p", .verify_minutes = verify_minutes,
                                .ineffective_opens_breaker = true };
}

static struct alert alert_of(const char *fp, bool firing, const char *starts, const char *ends) {
        return (struct alert) { .firing = firing, .alertname = "A", .fingerprint = fp, .starts_at = starts,
                                .ends_at = ends, .generator_url = "" };
}

static void which_runs_await_a_verdict(void **unused) {
        struct state s = {};
        struct route r = route_of(10), off = route_of(0);
        struct alert a = alert_of("f1", true, "2025-12-24T09:59:00Z", ""), none = alert_of("", true, "", "");
        (void) unused;

        /* An exit 0 leaves the breaker to its verdict; a failure has counted already. */
        assert_int_equal(verify_await(&s, &r, &a, RESULT_SUCCESS, false, 1766570400000), 1);
        assert_int_equal(verify_await(&s, &r, &a, RESULT_FAILURE, false, 1766570401000), 0);
        assert_int_equal(verify_await(&s, &r, &a, RESULT_TIMEOUT, false, 1766570402000), 0);
        assert_int_equal(s.n_awaiting, 3);
        assert_int_equal(verify_await(&s, &r, &a, RESULT_ABORTED, false, 1766570403000), 0);
        assert_int_equal(verify_await(&s, &r, &a, RESULT_SPAWN_FAILED, false, 1766570403000), 0);
        assert_int_equal(verify_await(&s, &off, &a, RESULT_SUCCESS, false, 1766570403000), 0);
        assert_int_equal(verify_await(&s, &r, &none, RESULT_SUCCESS, false, 1766570403000), 0);
        assert_int_equal(verify_await(&s, NULL, &a, RESULT_SUCCESS, false, 1766570403000), 0);
        assert_int_equal(s.n_awaiting, 3);
        assert_true(s.awaiting[0].breaker && !s.awaiting[1].breaker && !s.awaiting[2].breaker);
        assert_int_equal(s.awaiting[0].judge_at, 1766570400 + 600);
        assert_int_equal(s.awaiting[0].starts_at_ms, 1766570340000);
        state_free(&s);
}

static const struct config config = { .failure_threshold = 2, .reset_timeout_minutes = 30 };

static void resolved_judges_each_run_of_its_fingerprint_once(void **unused) {
        struct state s = {};
        struct verdicts out = {};
        struct route r = route_of(10);
        struct alert f1 = alert_of("f1", true, "", ""), f2 = alert_of("f2", true, "", "");
        struct alert gone = alert_of("f1", false, "2025-12-24T09:59:00Z", "2025-12-24T10:01:30.250Z");
        struct alert no_end = alert_of("f2", false, "", "0001-01-01T00:00:00Z");
        (void) unused;

        assert_int_equal(verify_await(&s, &r, &f1, RESULT_SUCCESS, false, 1766570400000), 1);
        assert_int_equal(verify_await(&s, &r, &f2, RESULT_SUCCESS, false, 1766570400500), 1);
        assert_int_equal(verify_await(&s, &r, &f1, RESULT_FAILURE, false, 1766570460000), 0);
        assert_int_equal(verify_resolved(&config, &s, &gone, 1766570500000, &out), 2);
        assert_int_equal(out.n, 2);
        assert_int_equal(out.v[0].result, RESULT_RESOLVED);
        assert_string_equal(out.v[0].fingerprint, "f1");
        assert_string_equal(out.v[0].playbook, "p");
        assert_int_equal(out.v[0].execution_ms, 1766570400000);
        assert_int_equal(out.v[0].resolved_after_ms, 90250);
        assert_int_equal(out.v[0].mttr_ms, 150250);
        assert_int_equal(out.v[1].resolved_after_ms, 30250);
        assert_int_equal(s.n_awaiting, 1);
        assert_string_equal(s.awaiting[0].fingerprint, "f2");
        assert_int_equal(verify_resolved(&config, &s, &gone, 1766570500000, &out), 0);      /* judged once */
        /* Without endsAt: resolved now; without startsAt anywhere: no MTTR. */
        assert_int_equal(verify_resolved(&config, &s, &no_end, 1766570520500, &out), 1);
        assert_int_equal(out.v[2].resolved_after_ms, 120000);
        assert_int_equal(out.v[2].mttr_ms, -1);
        assert_int_equal(s.n_awaiting, 0);
        verdicts_free(&out);
        state_free(&s);
}

/* At the window's end an unresolved run is ineffective: a failure for the breaker when its exit 0
 * was left to the verdict, nothing more when its failure counted already. */
static void expiry_judges_ineffective_and_opens_the_breaker(void **unused) {
        struct state s = {};
        struct verdicts out = {};
        struct route r = route_of(10), lenient = route_of(10);
        struct alert f1 = alert_of("f1", true, "", ""), f2 = alert_of("f2", true, "", "");
        struct alert gone = alert_of("f2", false, "", "2025-12-24T10:05:00Z");
        (void) unused;

        lenient.ineffective_opens_breaker = false;
        assert_int_equal(verify_await(&s, &r, &f1, RESULT_SUCCESS, false, 1766570400000), 1);
        assert_int_equal(verify_await(&s, &r, &f1, RESULT_FAILURE, false, 1766570460000), 0);
        assert_int_equal(verify_await(&s, &lenient, &f1, RESULT_SUCCESS, false, 1766570460000), 0);
        assert_int_equal(verify_await(&s, &r, &f1, RESULT_SUCCESS, true, 1766570460000), 0);     /* a trial */
        assert_int_equal(verify_await(&s, &r, &f2, RESULT_SUCCESS, false, 1766570470000), 1);
        assert_int_equal(verify_expired(&config, &s, 1766570999999, &out), 0);          /* not yet */
        assert_int_equal(verify_expired(&config, &s, 1766571000000, &out), 1);
        assert_int_equal(out.v[0].result, RESULT_INEFFECTIVE);
        assert_int_equal(out.v[0].resolved_after_ms, -1);
        assert_false(out.v[0].opened);
        assert_int_equal(state_find_breaker(&s, "p")->failures, 1);
        assert_int_equal(verify_resolved(&config, &s, &gone, 1766570700000, &out), 1);  /* f2: a success */
        assert_int_equal(state_find_breaker(&s, "p")->failures, 0);
        assert_int_equal(verify_await(&s, &r, &f1, RESULT_SUCCESS, false, 1766570480000), 1);
        assert_int_equal(verify_expired(&config, &s, 1766571100000, &out), 4);
        assert_int_equal(state_find_breaker(&s, "p")->failures, 1);    /* only the exit 0 left to it */
        assert_int_equal(s.n_awaiting, 0);
        assert_int_equal(verify_await(&s, &r, &f1, RESULT_SUCCESS, false, 1766570490000), 1);
        assert_int_equal(verify_expired(&config, &s, 1766571100000, &out), 1);
        assert_true(out.v[out.n - 1].opened);                          /* failure_threshold 2 */
        assert_int_equal(breaker_state(&config, state_find_breaker(&s, "p"), 1766571100), BREAKER_OPEN);
        verdicts_free(&out);
        state_free(&s);
}

static void awaiting_runs_as_json_and_bounded(void **unused) {
        struct state s = {}, back = {};
        struct awaiting w = { .fingerprint = "f\"1", .alert = "A", .playbook = "p", .started_ms = 1766570400123,
                              .starts_at_ms = 0, .judge_at = 1766571000 };
        (void) unused;

        for (int i = 0; i < VERIFY_MAX_AWAITING + 2; i++) {
                w.started_ms = 1766570400000 + i;
                assert_int_equal(state_add_awaiting(&s, &w, VERIFY_MAX_AWAITING), 0);
        }
        assert_int_equal(s.n_awaiting, VERIFY_MAX_AWAITING);
        assert_int_equal(s.awaiting[0].started_ms, 1766570400002);      /* the oldest dropped */
        char *text = state_format(&s);
        assert_non_null(text);
        assert_int_equal(state_parse(text, strlen(text), &back), 0);
        assert_int_equal(back.n_awaiting, VERIFY_MAX_AWAITING);
        assert_string_equal(back.awaiting[5].fingerprint, "f\"1");
        assert_int_equal(back.awaiting[5].started_ms, s.awaiting[5].started_ms);
        assert_int_equal(back.awaiting[5].judge_at, 1766571000);
        assert_int_equal(state_find_awaiting_run(&back, "f\"1", 1766570400010), 8);
        assert_int_equal(state_find_awaiting_run(&back, "f\"1", 1), back.n_awaiting);
        char *again = state_format(&back);
        assert_string_equal(again, text);
        free(again), free(text);
        state_free(&back);
        /* Damage is refused: a missing time, an empty fingerprint. */
        static const char *const bad[] = {
                "{\"version\":2,\"awaiting\":[{\"fingerprint\":\"f\",\"alert\":\"A\",\"playbook\":\"p\",\"started_ms\":1,\"starts_at_ms\":0}]}",
                "{\"version\":2,\"awaiting\":[{\"fingerprint\":\"\",\"alert\":\"A\",\"playbook\":\"p\",\"started_ms\":1,\"starts_at_ms\":0,\"judge_at\":1,\"breaker\":false}]}",
                "{\"version\":2,\"awaiting\":[{\"fingerprint\":\"f\",\"alert\":\"A\",\"playbook\":\"p\",\"started_ms\":1,\"starts_at_ms\":0,\"judge_at\":1}]}",
                "{\"version\":2,\"awaiting\":{}}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
                assert_int_equal(state_parse(bad[i], strlen(bad[i]), &back), -EBADMSG);
        state_free(&s);
}

/* remediationctl verify's answers, judged under the lock: gone resolves at once, firing and no
 * answer wait for the window's end; no answer three times is unknown, counted for nothing. */
static void answers_from_alertmanager(void **unused) {
        struct state s = {};
        struct verdicts out = {};
        struct route r = route_of(10);
        struct alert a = alert_of("aaaaaaaaaaaaaaaa", true, "2025-12-24T09:59:00Z", "");
        struct alert b = alert_of("bbbbbbbbbbbbbbbb", true, "", ""), c = alert_of("cccccccccccccccc", true, "", "");
        (void) unused;

        assert_int_equal(verify_await(&s, &r, &a, RESULT_SUCCESS, false, 1766570400000), 1);
        assert_int_equal(verify_await(&s, &r, &b, RESULT_SUCCESS, false, 1766570400000), 1);
        assert_int_equal(verify_await(&s, &r, &c, RESULT_SUCCESS, false, 1766570400000), 1);
        struct verify_ask q[] = {
                { .fingerprint = "aaaaaaaaaaaaaaaa", .started_ms = 1766570400000, .answer = VERIFY_GONE, .asked_ms = 1766570700000 },
                { .fingerprint = "bbbbbbbbbbbbbbbb", .started_ms = 1766570400000, .answer = VERIFY_FIRING, .asked_ms = 1766570700000 },
                { .fingerprint = "cccccccccccccccc", .started_ms = 1766570400000, .answer = VERIFY_NO_ANSWER, .asked_ms = 1766570700000 },
                { .fingerprint = "dddddddddddddddd", .started_ms = 1766570400000, .answer = VERIFY_GONE, .asked_ms = 1766570700000 },
        };
        /* 10:05, within the window: only the gone one is judged, resolved when asked. */
        assert_int_equal(verify_answers(&config, &s, q, 4, &out), 1);
        assert_int_equal(q[0].verdict, RESULT_RESOLVED);
        assert_int_equal(out.v[0].resolved_after_ms, 300000);
        assert_int_equal(out.v[0].mttr_ms, 360000);
        assert_true(out.v[0].asked);
        assert_int_equal(q[1].verdict, RESULT_RUNNING);
        assert_int_equal(q[2].verdict, RESULT_RUNNING);
        assert_int_equal(q[2].attempts, 0);             /* no attempt before the window's end */
        assert_false(q[3].awaited);                     /* never awaited: nothing judged */
        assert_int_equal(s.n_awaiting, 2);
        /* 10:10, the window's end: firing is ineffective (a failure), no answer one attempt. */
        for (size_t i = 0; i < 4; i++)
                q[i].asked_ms = 1766571000000;
        assert_int_equal(verify_answers(&config, &s, q, 4, &out), 1);
        assert_false(q[0].awaited);                     /* judged already */
        assert_int_equal(q[1].verdict, RESULT_INEFFECTIVE);
        assert_int_equal(out.v[1].resolved_after_ms, -1);
        assert_int_equal(state_find_breaker(&s, "p")->failures, 1);
        assert_int_equal(q[2].verdict, RESULT_RUNNING);
        assert_int_equal(q[2].attempts, 1);
        for (int k = 2; k < VERIFY_AM_MAX_ATTEMPTS; k++) {
                assert_int_equal(verify_answers(&config, &s, &q[2], 1, &out), 0);
                assert_int_equal(s.awaiting[0].attempts, k);
        }
        assert_int_equal(verify_answers(&config, &s, &q[2], 1, &out), 1);
        assert_int_equal(q[2].verdict, RESULT_UNKNOWN);
        assert_int_equal(out.v[2].attempts, VERIFY_AM_MAX_ATTEMPTS);
        assert_int_equal(state_find_breaker(&s, "p")->failures, 1);    /* unknown counts for nothing */
        assert_int_equal(s.n_awaiting, 0);
        verdicts_free(&out);
        state_free(&s);
}

/* With Alertmanager to ask, a locked step leaves an execution to the verifier for
 * VERIFY_AM_GRACE_SEC after its window: then ineffective if nobody asked, unknown if it tried. */
static void expiry_leaves_it_to_the_verifier(void **unused) {
        struct state s = {};
        struct verdicts out = {};
        struct config am = config;
        struct route r = route_of(10);
        struct alert a = alert_of("aaaaaaaaaaaaaaaa", true, "", ""), b = alert_of("bbbbbbbbbbbbbbbb", true, "", "");
        (void) unused;

        am.alertmanager_url = "http://127.0.0.1:9093";
        assert_int_equal(verify_await(&s, &r, &a, RESULT_SUCCESS, false, 1766570400000), 1);
        assert_int_equal(verify_await(&s, &r, &b, RESULT_SUCCESS, false, 1766570400000), 1);
        s.awaiting[1].attempts = 1;
        assert_int_equal(verify_expired(&am, &s, 1766571000000 + VERIFY_AM_GRACE_SEC * 1000 - 1, &out), 0);
        assert_int_equal(verify_expired(&am, &s, 1766571000000 + VERIFY_AM_GRACE_SEC * 1000, &out), 2);
        assert_int_equal(out.v[0].result, RESULT_INEFFECTIVE);
        assert_int_equal(out.v[1].result, RESULT_UNKNOWN);
        assert_int_equal(state_find_breaker(&s, "p")->failures, 1);
        verdicts_free(&out);
        state_free(&s);
}

static void alertmanager_answers_parsed_strictly(void **unused) {
        char (*fps)[17] = NULL;
        size_t n = 99;
        (void) unused;

        static const char ok[] =
                "[{\"annotations\":{},\"endsAt\":\"2026-12-01T10:05:00.000Z\",\"fingerprint\":\"bbbbbbbbbbbbbbbb\","
                "\"receivers\":[{\"name\":\"x\"}],\"startsAt\":\"2026-12-01T10:00:00.000Z\","
                "\"status\":{\"inhibitedBy\":[],\"silencedBy\":[],\"state\":\"active\"},"
                "\"updatedAt\":\"2026-12-01T10:00:00.000Z\",\"labels\":{\"alertname\":\"A\"}},"
                "{\"fingerprint\":\"aaaaaaaaaaaaaaaa\",\"status\":{\"state\":\"suppressed\"},\"labels\":{}}]";
        assert_int_equal(verify_parse_am_alerts(ok, strlen(ok), &fps, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(fps[0], "aaaaaaaaaaaaaaaa");        /* sorted */
        assert_true(verify_am_has(fps, n, "bbbbbbbbbbbbbbbb"));
        assert_false(verify_am_has(fps, n, "cccccccccccccccc"));
        assert_false(verify_am_has(fps, n, "bbbbbbbb"));
        free(fps);
        assert_int_equal(verify_parse_am_alerts("[]", 2, &fps, &n), 0);
        assert_int_equal(n, 0);
        assert_false(verify_am_has(fps, n, "aaaaaaaaaaaaaaaa"));
        free(fps);
        static const char *const bad[] = {
                "", "null", "{}", "[1]", "[null]", "not json", "[{}]",
                "[{\"fingerprint\":\"aaaaaaaaaaaaaaa\",\"status\":{\"state\":\"active\"},\"labels\":{}}]",
                "[{\"fingerprint\":\"aaaaaaaaaaaaaaaaa\",\"status\":{\"state\":\"active\"},\"labels\":{}}]",
                "[{\"fingerprint\":\"AAAAAAAAAAAAAAAA\",\"status\":{\"state\":\"active\"},\"labels\":{}}]",
                "[{\"fingerprint\":\"aaaaaaaaaaaaaaaa\",\"status\":{\"state\":\"resolved\"},\"labels\":{}}]",
                "[{\"fingerprint\":\"aaaaaaaaaaaaaaaa\",\"status\":{\"state\":1},\"labels\":{}}]",
                "[{\"fingerprint\":\"aaaaaaaaaaaaaaaa\",\"status\":\"active\",\"labels\":{}}]",
                "[{\"fingerprint\":\"aaaaaaaaaaaaaaaa\",\"status\":{\"state\":\"active\"}}]",
                "[{\"fingerprint\":\"aaaaaaaaaaaaaaaa\",\"status\":{\"state\":\"active\"},\"labels\":{\"a\":[]}}]",
                "[{\"fingerprint\":\"aaaaaaaaaaaaaaaa\",\"status\":{\"state\":\"active\"},\"labels\":{}},1]",
                "[{\"fingerprint\":\"aaaaaaaaaaaaaaaa\",\"status\":{\"state\":\"active\"},\"labels\":{}}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                fps = NULL, n = 99;
                assert_int_equal(verify_parse_am_alerts(bad[i], strlen(bad[i]), &fps, &n), -EBADMSG);
                assert_null(fps);
                assert_int_equal(n, 99);
        }
        int64_t ms = 0;
        static const char status[] = "{\"cluster\":{\"status\":\"disabled\"},\"uptime\":\"2026-12-01T10:24:47.123456789Z\"}";
        assert_int_equal(verify_parse_am_status(status, strlen(status), &ms), 0);
        assert_int_equal(ms, 1796120687123);
        assert_int_equal(verify_parse_am_status("{\"uptime\":1}", 12, &ms), -EBADMSG);
        assert_int_equal(verify_parse_am_status("[]", 2, &ms), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(times_as_alertmanager_writes_them),
                cmocka_unit_test(which_runs_await_a_verdict),
                cmocka_unit_test(resolved_judges_each_run_of_its_fingerprint_once),
                cmocka_unit_test(expiry_judges_ineffective_and_opens_the_breaker),
                cmocka_unit_test(awaiting_runs_as_json_and_bounded),
                cmocka_unit_test(answers_from_alertmanager),
                cmocka_unit_test(expiry_leaves_it_to_the_verifier),
                cmocka_unit_test(alertmanager_answers_parsed_strictly),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
